//! The ordering service's state machine: applies each ordered batch to the ledger.
//!
//! Applying a batch runs the ledger's pure state machine over the store's tables, signs the new
//! blocks with this orderer's key and commits blocks, state and the applied log position in one
//! durable redb transaction. Only then does openraft hand the receipts back to the submitter.
//! After a crash, openraft re-applies every logged entry past the stored applied position.

use std::io::Cursor;
use std::sync::Arc;

use bonded_ledger::state::Decision;
use bonded_ledger::{Block, OrdererSignature};
use bonded_store::{decode, encode, AppliedBatch, Store, StoreError};
use ed25519_dalek::SigningKey;
use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{
    AnyError, EntryPayload, ErrorSubject, ErrorVerb, RaftSnapshotBuilder, SnapshotMeta,
    StorageIOError,
};

use crate::types::{BatchResponse, Entry, LogId, StorageError, StoredMembership, TypeConfig};

const APPLIED_KEY: &str = "ordering_applied";
const MEMBERSHIP_KEY: &str = "ordering_membership";

/// Applies ordered batches to the store, signing blocks as this orderer.
#[derive(Clone)]
pub struct LedgerStateMachine {
    store: Arc<Store>,
    orderer_key: Arc<SigningKey>,
}

impl LedgerStateMachine {
    pub fn new(store: Arc<Store>, orderer_key: Arc<SigningKey>) -> Self {
        LedgerStateMachine { store, orderer_key }
    }

    fn stored<T: serde::de::DeserializeOwned>(
        &self,
        key: &'static str,
    ) -> Result<Option<T>, StoreError> {
        match self.store.meta(key)? {
            Some(bytes) => decode(&bytes, "meta", || key.to_string()).map(Some),
            None => Ok(None),
        }
    }

    fn applied(&self) -> Result<(Option<LogId>, StoredMembership), StoreError> {
        let applied: Option<LogId> = self.stored(APPLIED_KEY)?;
        let membership = self.stored(MEMBERSHIP_KEY)?.unwrap_or_default();
        Ok((applied, membership))
    }

    /// Applies one entry durably and returns its response.
    fn apply_entry(
        &self,
        entry: Entry,
        membership: &mut StoredMembership,
    ) -> Result<BatchResponse, StoreError> {
        let log_id = entry.log_id;
        if let EntryPayload::Membership(changed) = &entry.payload {
            *membership = StoredMembership::new(Some(log_id), changed.clone());
        }
        let meta = [
            (APPLIED_KEY, encode(&log_id)?),
            (MEMBERSHIP_KEY, encode(&*membership)?),
        ];
        let EntryPayload::Normal(batch) = entry.payload else {
            self.store.put_meta(&meta)?;
            return Ok(BatchResponse::default());
        };
        let key = self.orderer_key.clone();
        let sign = move |block: &mut Block| {
            let signature = OrdererSignature::sign(&block.hash(), &key);
            block.signatures.push(signature);
        };
        let applied = self.store.apply_batch(log_id.index, &batch, &sign, &meta)?;
        tracing::debug!(
            sequence = log_id.index,
            transactions = batch.transactions.len(),
            blocks = applied.outcome.blocks.len(),
            "ordering.batch_applied"
        );
        Ok(respond(&applied))
    }
}

fn respond(applied: &AppliedBatch) -> BatchResponse {
    let results = applied
        .outcome
        .decisions
        .iter()
        .zip(applied.receipts())
        .map(|((_, decision), receipt)| match (decision, receipt) {
            (Decision::Rejected(rejection), _) => Err(rejection.clone()),
            (Decision::Accepted(_), Some(receipt)) => Ok(receipt),
            (Decision::Accepted(_), None) => {
                unreachable!("every accepted transaction is in a block of its batch")
            }
        })
        .collect();
    BatchResponse { results }
}

fn state_error(verb: ErrorVerb, error: StoreError) -> StorageError {
    tracing::error!(error = %error, "ordering.state_machine_failed");
    StorageIOError::new(ErrorSubject::StateMachine, verb, AnyError::new(&error)).into()
}

impl RaftSnapshotBuilder<TypeConfig> for LedgerStateMachine {
    // TODO: a snapshot carries only the applied position, not the blocks. A follower that falls
    // behind a purged log cannot catch up from it; the multi-node pilot (issue 6) ships blocks.
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        let (applied, membership) = self
            .applied()
            .map_err(|e| state_error(ErrorVerb::Read, e))?;
        let snapshot_id = applied.map(|id| id.index.to_string()).unwrap_or_default();
        Ok(Snapshot {
            meta: SnapshotMeta {
                last_log_id: applied,
                last_membership: membership,
                snapshot_id,
            },
            snapshot: Box::new(Cursor::new(Vec::new())),
        })
    }
}

impl RaftStateMachine<TypeConfig> for LedgerStateMachine {
    type SnapshotBuilder = LedgerStateMachine;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        self.applied()
            .map_err(|error| state_error(ErrorVerb::Read, error))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<BatchResponse>, StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let entries: Vec<Entry> = entries.into_iter().collect();
        let machine = self.clone();
        let work = move || {
            let (_, mut membership) = machine.applied()?;
            entries
                .into_iter()
                .map(|entry| machine.apply_entry(entry, &mut membership))
                .collect::<Result<Vec<_>, StoreError>>()
        };
        tokio::task::spawn_blocking(work)
            .await
            .expect("state machine task does not panic")
            .map_err(|error| state_error(ErrorVerb::Write, error))
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<u64, openraft::BasicNode>,
        _snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        let error = StoreError::Encode(format!(
            "installing snapshot {} is not supported: snapshots carry no blocks yet",
            meta.snapshot_id
        ));
        Err(state_error(ErrorVerb::Write, error))
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        Ok(None)
    }
}
