#![no_main]
//! A block as a peer receives it from another node, decoded.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = bonded_ledger::channel::decode_block(data, 0);
});
