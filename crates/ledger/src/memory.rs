//! A whole ledger in memory: the state, every channel's blocks and one orderer key.
//!
//! It orders batches the way a node does, minus the network and the disk: it checks each
//! envelope's signature, applies the batch with [`crate::apply_batch`], signs the new blocks
//! with its orderer key and keeps them. Tools that need a real chain without a node (the enclave
//! tests, the overhead benchmark, simulations) build one here; the blocks are byte-for-byte what
//! a node would store for the same batches.

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;

use crate::block::{Batch, Block, OrdererSignature};
use crate::state::{apply_batch, ChannelHead, Decision, MemoryState, Rejection, StateView};
use crate::{signing, ChannelId, Hash, SignedTransaction};

/// An in-memory chain ordered by one orderer.
pub struct MemoryLedger {
    state: MemoryState,
    blocks: BTreeMap<ChannelId, Vec<Block>>,
    orderer: SigningKey,
    batches: u64,
}

impl MemoryLedger {
    pub fn new(orderer: SigningKey) -> Self {
        MemoryLedger {
            state: MemoryState::default(),
            blocks: BTreeMap::new(),
            orderer,
            batches: 0,
        }
    }

    /// Orders `transactions` as one batch at `time_ms`; one decision per transaction, in order.
    pub fn order(
        &mut self,
        transactions: &[SignedTransaction],
        time_ms: i64,
    ) -> Vec<(Hash, Decision)> {
        let signed = signing::verify_batch(transactions);
        let mut decisions: Vec<Option<(Hash, Decision)>> = vec![None; transactions.len()];
        let mut admitted = Vec::new();
        for (index, (transaction, valid)) in transactions.iter().zip(signed).enumerate() {
            if valid {
                admitted.push((index, transaction.as_bytes().to_vec()));
            } else {
                let rejected = Decision::Rejected(Rejection::BadSignature);
                decisions[index] = Some((transaction.hash(), rejected));
            }
        }
        let batch = Batch {
            timestamp_ms: time_ms,
            transactions: admitted.iter().map(|(_, bytes)| bytes.clone()).collect(),
        };
        let outcome = apply_batch(&self.state, self.batches, &batch);
        self.batches += 1;
        for ((index, _), decision) in admitted.iter().zip(outcome.decisions) {
            decisions[*index] = Some(decision);
        }
        for mut block in outcome.blocks {
            block
                .signatures
                .push(OrdererSignature::sign(&block.hash(), &self.orderer));
            let channel = block.header.channel.clone();
            self.blocks.entry(channel).or_default().push(block);
        }
        self.state.commit(outcome.changes);
        decisions.into_iter().flatten().collect()
    }

    pub fn state(&self) -> &MemoryState {
        &self.state
    }

    /// Every block of `channel`, from height 0.
    pub fn blocks(&self, channel: &ChannelId) -> &[Block] {
        self.blocks.get(channel).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn head(&self, channel: &ChannelId) -> Option<ChannelHead> {
        self.state.head(channel)
    }

    pub fn orderer_key(&self) -> [u8; 32] {
        self.orderer.verifying_key().to_bytes()
    }
}
