//! Fuzz target `inventory`: see [`keylint_fuzz::inventory`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keylint_fuzz::inventory(data));
