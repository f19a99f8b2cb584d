#![no_main]
//! A customs line extract as an upload brings it.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bonded_fuzz::unwind_caught_panics();
    let _ = bonded_forms::extract::read_extract(data);
});
