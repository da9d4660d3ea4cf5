//! Fuzz target `pipeline`: see [`keylint_fuzz::pipeline`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keylint_fuzz::pipeline(data));
