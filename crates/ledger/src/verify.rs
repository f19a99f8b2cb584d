//! Offline verification of a whole stored chain.
//!
//! The verifier is fed the stored batches in order and trusts nothing it is given: for every
//! block it recomputes the Merkle root, checks the orderer signature against the orderer keys
//! of the genesis, checks every transaction signature, and replays the batch through the state
//! machine from an empty state. The replay must accept every stored transaction and produce
//! byte-identical headers, which also checks heights and hash links. The first problem found is
//! reported with the channel and height of the block it is in.
//!
//! The checks that need no state (shapes, Merkle roots, transaction signatures) can run ahead
//! on other threads through [`Prechecked`]; the replay stays in order, and errors are reported
//! in the same order as a purely sequential check would report them.

use crate::block::{Batch, Block};
use crate::state::{apply_batch, Decision, MemoryState, StateChanges, StateView};
use crate::{signing, Hash, SignedTransaction};

/// One ordered batch as read back from storage: its sequence number and its blocks.
#[derive(Clone, Debug)]
pub struct StoredBatch {
    pub sequence: u64,
    pub blocks: Vec<Block>,
}

/// What is wrong with a block.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("block names batch {found}, but is stored under batch {expected}")]
    BatchNumber { expected: u64, found: u64 },
    #[error("blocks of one batch disagree on the batch time")]
    BatchTime,
    #[error("transaction count {found} in header, {expected} stored")]
    TransactionCount { expected: u64, found: u64 },
    #[error("Merkle root does not match the stored transactions")]
    MerkleRoot,
    #[error("no valid signature from a genesis orderer key")]
    OrdererSignature,
    #[error("transaction {index} ({hash}) has an invalid signature")]
    TransactionSignature { index: usize, hash: Hash },
    #[error("transaction {index} ({hash}) is refused on replay: {reason}")]
    Replay {
        index: usize,
        hash: Hash,
        reason: String,
    },
    #[error("header differs from the one the replay computes (height or hash link altered)")]
    Header,
    #[error("the replay produces no block for this channel in this batch")]
    Unexpected,
}

/// A problem located at a block.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("block {channel}/{height}: {problem}")]
pub struct VerifyError {
    pub channel: String,
    pub height: u64,
    pub problem: Problem,
}

/// Replays stored batches and checks every block.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    state: MemoryState,
    last_sequence: Option<u64>,
    blocks: u64,
    transactions: u64,
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    pub fn transactions(&self) -> u64 {
        self.transactions
    }

    /// The state rebuilt so far, for cross-checking stored indexes.
    pub fn state(&self) -> &MemoryState {
        &self.state
    }

    /// Checks one batch and folds it into the replayed state.
    pub fn check_batch(&mut self, batch: &StoredBatch) -> Result<(), VerifyError> {
        let checks = check_without_state(batch);
        self.finish(batch, checks)
    }

    /// Like [`ChainVerifier::check_batch`] for a batch whose stateless checks already ran,
    /// perhaps on another thread while the previous batch was being replayed.
    pub fn check_prechecked(&mut self, prechecked: &Prechecked) -> Result<(), VerifyError> {
        self.finish(&prechecked.batch, prechecked.checks.clone())
    }

    /// The checks that need the replayed state, in the order a sequential check makes them.
    fn finish(
        &mut self,
        batch: &StoredBatch,
        checks: Result<(), VerifyError>,
    ) -> Result<(), VerifyError> {
        if let (Some(last), Some(first)) = (self.last_sequence, batch.blocks.first()) {
            if batch.sequence <= last {
                let problem = Problem::BatchNumber {
                    expected: last + 1,
                    found: batch.sequence,
                };
                return Err(locate(first, problem));
            }
        }
        checks?;
        let changes = self.replay(batch)?;
        let orderer_keys = changes
            .chain
            .clone()
            .or_else(|| self.state.chain())
            .map(|chain| chain.orderer_keys)
            .unwrap_or_default();
        for block in &batch.blocks {
            let hash = block.hash();
            let signed = block.signatures.iter().any(|signature| {
                orderer_keys.contains(&signature.public_key) && signature.verify(&hash)
            });
            if !signed {
                return Err(locate(block, Problem::OrdererSignature));
            }
        }

        // Only a batch that passed every check joins the replayed state.
        self.state.commit(changes);
        self.last_sequence = Some(batch.sequence);
        self.blocks += batch.blocks.len() as u64;
        self.transactions += batch
            .blocks
            .iter()
            .map(|block| block.transactions.len() as u64)
            .sum::<u64>();
        Ok(())
    }

    /// Replays the batch and returns its state changes, not yet committed.
    fn replay(&self, batch: &StoredBatch) -> Result<StateChanges, VerifyError> {
        let Some(first) = batch.blocks.first() else {
            return Ok(StateChanges::default());
        };
        let replayed = Batch {
            timestamp_ms: first.header.timestamp_ms,
            transactions: batch
                .blocks
                .iter()
                .flat_map(|block| block.transactions.iter().cloned())
                .collect(),
        };
        let outcome = apply_batch(&self.state, batch.sequence, &replayed);

        let mut position = 0;
        for block in &batch.blocks {
            for index in 0..block.transactions.len() {
                let (hash, decision) = &outcome.decisions[position];
                position += 1;
                if let Decision::Rejected(rejection) = decision {
                    let problem = Problem::Replay {
                        index,
                        hash: *hash,
                        reason: rejection.to_string(),
                    };
                    return Err(locate(block, problem));
                }
            }
        }
        for stored in &batch.blocks {
            let computed = outcome
                .blocks
                .iter()
                .find(|block| block.header.channel == stored.header.channel)
                .ok_or_else(|| locate(stored, Problem::Unexpected))?;
            if computed.header != stored.header {
                return Err(locate(stored, Problem::Header));
            }
        }
        Ok(outcome.changes)
    }
}

/// A batch with the result of the checks that need no state: each block's shape and Merkle
/// root, and every transaction signature. These are most of the work of verification and can
/// run ahead of the replay.
#[derive(Debug)]
pub struct Prechecked {
    batch: StoredBatch,
    checks: Result<(), VerifyError>,
}

impl Prechecked {
    pub fn new(batch: StoredBatch) -> Self {
        let checks = check_without_state(&batch);
        Prechecked { batch, checks }
    }
}

fn check_without_state(batch: &StoredBatch) -> Result<(), VerifyError> {
    for block in &batch.blocks {
        check_shape(batch, block).map_err(|problem| locate(block, problem))?;
    }
    check_transaction_signatures(batch)
}

fn locate(block: &Block, problem: Problem) -> VerifyError {
    VerifyError {
        channel: block.header.channel.to_string(),
        height: block.header.height,
        problem,
    }
}

fn check_shape(batch: &StoredBatch, block: &Block) -> Result<(), Problem> {
    let header = &block.header;
    if header.batch != batch.sequence {
        return Err(Problem::BatchNumber {
            expected: batch.sequence,
            found: header.batch,
        });
    }
    let first_time = batch.blocks.first().map(|first| first.header.timestamp_ms);
    if first_time != Some(header.timestamp_ms) {
        return Err(Problem::BatchTime);
    }
    if u64::from(header.transaction_count) != block.transactions.len() as u64 {
        return Err(Problem::TransactionCount {
            expected: block.transactions.len() as u64,
            found: u64::from(header.transaction_count),
        });
    }
    if block.merkle_tree().root() != header.merkle_root {
        return Err(Problem::MerkleRoot);
    }
    Ok(())
}

/// Checks every signature of the batch in one parallel pass, then names the first bad one.
fn check_transaction_signatures(batch: &StoredBatch) -> Result<(), VerifyError> {
    let mut envelopes = Vec::new();
    let mut owners = Vec::new();
    for block in &batch.blocks {
        for (index, bytes) in block.transactions.iter().enumerate() {
            let envelope = SignedTransaction::from_bytes(bytes.clone()).map_err(|_| {
                let hash = crate::merkle::leaf_hash(bytes);
                locate(block, Problem::TransactionSignature { index, hash })
            })?;
            envelopes.push(envelope);
            owners.push((block, index));
        }
    }
    let valid = signing::verify_batch(&envelopes);
    match valid.iter().position(|ok| !ok) {
        Some(position) => {
            let (block, index) = owners[position];
            let hash = envelopes[position].hash();
            Err(locate(block, Problem::TransactionSignature { index, hash }))
        }
        None => Ok(()),
    }
}
