#![no_main]
//! See `notes2book_tests::fuzz::xhtml` for the property checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| notes2book_tests::fuzz::xhtml(data));
