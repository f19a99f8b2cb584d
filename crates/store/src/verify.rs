//! Verification of everything a store holds, against a replay of its chain.
//!
//! The ledger's [`ChainVerifier`] checks the blocks batch by batch; this module feeds it from
//! the tables and then checks that the indexes the node answers queries from (the transaction
//! index and the channel heads) say exactly what the replayed chain says.

use std::sync::mpsc;

use bonded_ledger::verify::{ChainVerifier, Prechecked, VerifyError};
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

/// Batches read and prechecked ahead of the replay: enough to keep both cores busy, few
/// enough that memory stays bounded whatever the chain's length.
const PRECHECKED_AHEAD: usize = 4;

impl Store {
    /// Feeds every stored batch to the verifier. A reader thread decodes the batches and runs
    /// their stateless checks (signatures above all) while this thread replays the previous
    /// ones in order.
    fn replay_all(&self, verifier: &mut ChainVerifier) -> Result<(), ChainError> {
        let (sender, receiver) =
            mpsc::sync_channel::<Result<Prechecked, StoreError>>(PRECHECKED_AHEAD);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                let batches = match self.batches() {
                    Ok(batches) => batches,
                    Err(error) => {
                        let _ = sender.send(Err(error));
                        return;
                    }
                };
                for batch in batches {
                    let failed = batch.is_err();
                    // A closed channel means the replay stopped at an error: stop reading.
                    if sender.send(batch.map(Prechecked::new)).is_err() || failed {
                        return;
                    }
                }
            });
            for prechecked in receiver {
                verifier.check_prechecked(&prechecked?)?;
            }
            Ok(())
        })
    }

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
        self.replay_all(verifier)?;
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
