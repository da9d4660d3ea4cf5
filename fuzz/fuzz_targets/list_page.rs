//! Fuzz target `list_page`: see [`keylint_fuzz::list_page`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keylint_fuzz::list_page(data));
