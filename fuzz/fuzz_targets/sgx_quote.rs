#![no_main]
//! An attestation quote as an enclave host presents it.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = bonded_tee::quote::Quote::from_bytes(data.to_vec());
});
