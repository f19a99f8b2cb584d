//! Verification of everything a store holds, against a replay of its chain.
//!
//! The ledger's [`ChainVerifier`] checks the blocks batch by batch; this module feeds it from
//! the tables and then checks that the indexes the node answers queries from (the transaction
//! index and the channel heads) say exactly what the replayed chain says.

use bonded_ledger::verify::{ChainVerifier, VerifyError};
use bonded_ledger::StateView;

use crate::{Store, StoreError};

/// Why a stored chain does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Block(#[from] VerifyError),
    #[error("transaction index: {0}")]
    Index(String),
    #[error("channel heads: {0}")]
    Heads(String),
}

/// What a verification covered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChainSummary {
    pub blocks: u64,
    pub transactions: u64,
}

impl Store {
    /// Replays and checks the whole chain; on failure also returns how far it got.
    pub fn verify_chain(&self) -> Result<ChainSummary, (ChainSummary, ChainError)> {
        let mut verifier = ChainVerifier::new();
        let result = self.check_all(&mut verifier);
        let summary = ChainSummary {
            blocks: verifier.blocks(),
            transactions: verifier.transactions(),
        };
        match result {
            Ok(()) => Ok(summary),
            Err(error) => Err((summary, error)),
        }
    }

    fn check_all(&self, verifier: &mut ChainVerifier) -> Result<(), ChainError> {
        for batch in self.batches()? {
            verifier.check_batch(&batch?)?;
        }
        let replayed = verifier.state();
        let index = self.transaction_index()?;
        if index.len() != replayed.transaction_count() {
            return Err(ChainError::Index(format!(
                "holds {} entries, the chain {}",
                index.len(),
                replayed.transaction_count()
            )));
        }
        for (hash, location) in index {
            if replayed.location(&hash) != Some(&location) {
                return Err(ChainError::Index(format!(
                    "entry {hash} names {}/{} index {}, not where the chain has it",
                    location.channel, location.height, location.index
                )));
            }
        }
        for (channel, head) in self.heads()? {
            if replayed.head(&channel).as_ref() != Some(&head) {
                return Err(ChainError::Heads(format!(
                    "stored head of {channel} differs from the replayed chain"
                )));
            }
        }
        Ok(())
    }
}
