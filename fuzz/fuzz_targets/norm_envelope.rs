#![no_main]
//! A sealed norm envelope as the node stores it, and an opening as the enclave parses it.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = bonded_norms::SealedNorms::from_bytes(data);
    let _ = bonded_norms::Opening::parse(data);
});
