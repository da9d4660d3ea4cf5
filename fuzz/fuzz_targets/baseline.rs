//! Fuzz target `baseline`: see [`keylint_fuzz::baseline`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keylint_fuzz::baseline(data));
