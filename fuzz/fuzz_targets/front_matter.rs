#![no_main]
//! See `notes2book_tests::fuzz::front_matter` for the property checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| notes2book_tests::fuzz::front_matter(data));
