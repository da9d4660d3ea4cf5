//! Fuzz target `policy`: see [`keylint_fuzz::policy`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keylint_fuzz::policy(data));
