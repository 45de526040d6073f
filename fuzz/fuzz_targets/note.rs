#![no_main]
//! See `notes2book_tests::fuzz::note` for the property checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| notes2book_tests::fuzz::note(data));
