//! Shared helpers for the end-to-end tests live in the test files; this crate exists to run the `notes2book` binary on fixture folders.
