//! Signature checks for admitted transactions and stored blocks.
//!
//! Transactions are checked in batches with Ed25519 batch verification, split across the
//! machine's cores. A batch that fails as a whole is re-checked one by one to name the bad
//! signatures, so one forged transaction cannot make its honest neighbours fail.

use std::collections::HashMap;

use ed25519_dalek::{Signature, VerifyingKey};

use crate::transaction::signing_message;
use crate::SignedTransaction;

/// Checks every transaction's signature; `true` where it is valid.
pub fn verify_batch(transactions: &[SignedTransaction]) -> Vec<bool> {
    let workers = std::thread::available_parallelism()
        .map(|count| count.get())
        .unwrap_or(1);
    let chunk = transactions.len().div_ceil(workers).max(64);
    if transactions.len() <= chunk {
        return verify_chunk(transactions);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = transactions
            .chunks(chunk)
            .map(|part| scope.spawn(move || verify_chunk(part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("signature worker does not panic"))
            .collect()
    })
}

fn verify_chunk(transactions: &[SignedTransaction]) -> Vec<bool> {
    // Most transactions of a batch come from a few signers: decompress each key once.
    let mut decompressed: HashMap<[u8; 32], Option<VerifyingKey>> = HashMap::new();
    let keys: Vec<Option<VerifyingKey>> = transactions
        .iter()
        .map(|transaction| {
            *decompressed
                .entry(transaction.signer())
                .or_insert_with(|| usable_key(transaction))
        })
        .collect();
    let messages: Vec<Vec<u8>> = transactions
        .iter()
        .map(|transaction| signing_message(transaction.body_bytes()))
        .collect();
    let signatures: Vec<Signature> = transactions.iter().map(|t| t.signature()).collect();

    if let Some(all_keys) = keys.iter().copied().collect::<Option<Vec<_>>>() {
        let message_refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        if ed25519_dalek::verify_batch(&message_refs, &signatures, &all_keys).is_ok() {
            return vec![true; transactions.len()];
        }
    }
    keys.iter()
        .zip(&messages)
        .zip(&signatures)
        .map(|((key, message), signature)| match key {
            Some(key) => key.verify_strict(message, signature).is_ok(),
            None => false,
        })
        .collect()
}

/// The signer's key, unless it is not a curve point or has small order. Batch verification
/// would accept signatures by a small-order key that single verification refuses; refusing the
/// key outright makes every check agree, whatever the batch size.
fn usable_key(transaction: &SignedTransaction) -> Option<VerifyingKey> {
    transaction
        .verifying_key()
        .ok()
        .filter(|key| !key.is_weak())
}

/// Checks one signature with the strict rules (no small-order keys, canonical encodings).
pub fn verify_one(key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(key) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(signature))
        .is_ok()
}
