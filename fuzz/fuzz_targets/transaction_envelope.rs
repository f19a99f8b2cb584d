#![no_main]
//! A signed transaction envelope as the API receives it: parsed, then its body decoded.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = bonded_ledger::SignedTransaction::from_bytes(data.to_vec()) {
        let _ = envelope.decode();
    }
});
