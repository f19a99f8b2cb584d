//! Orders admitted transactions into batches through openraft and hands back receipts.
//!
//! # Pipeline
//!
//! ```text
//! submit(envelopes) ─► signature check (batched, all cores) ─► bounded queue
//!     ─► batcher: drains up to `batch_transactions_max` ─► raft.client_write(Batch)
//!     ─► log append (durable) ─► state machine apply (durable) ─► receipts ─► submitters
//! ```
//!
//! The batcher keeps at most [`BATCHES_IN_FLIGHT_MAX`] batches in openraft at once, so the next
//! batch fills while the previous one is being written. The queue is bounded: when it is full,
//! `submit` waits, which pushes back on clients instead of growing memory.
//!
//! The embedded default is a one-node cluster on exactly this code path; a multi-orderer
//! cluster differs only in its network factory and membership.

mod log_store;
mod network;
mod state_machine;
mod types;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bonded_ledger::{signing, Batch, Receipt, Rejection, SignedTransaction};
use bonded_store::Store;
use ed25519_dalek::SigningKey;
use openraft::{BasicNode, Config, Raft, SnapshotPolicy};
use tokio::sync::{mpsc, oneshot, Semaphore};

pub use log_store::LogStore;
pub use network::SoloNetwork;
pub use state_machine::LedgerStateMachine;
pub use types::{BatchResponse, NodeId, TypeConfig};

/// Most transactions the batcher puts in one ordered batch.
pub const BATCH_TRANSACTIONS_MAX: usize = 4096;
/// Most admitted transactions waiting for a batch.
pub const QUEUE_TRANSACTIONS_MAX: usize = 65_536;
/// Most batches inside openraft at once.
pub const BATCHES_IN_FLIGHT_MAX: usize = 2;
/// How long a starting node waits to become leader of its cluster.
pub const LEADERSHIP_TIMEOUT_MS: u64 = 10_000;

/// Why the ordering service could not start or take a submission.
#[derive(Debug, thiserror::Error)]
pub enum OrderingError {
    #[error("the ordering service failed to start: {0}")]
    Start(String),
    #[error("the ordering service is unavailable: {0}")]
    Unavailable(String),
}

/// The result of one submitted transaction.
#[derive(Clone, Debug)]
pub enum SubmitOutcome {
    Accepted(Receipt),
    Rejected(Rejection),
    /// The transaction was not ordered; the caller may retry it.
    Unavailable(String),
}

/// Milliseconds since the Unix epoch, as the orderer's batch clock.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Settings of one orderer.
#[derive(Clone)]
pub struct OrdererSettings {
    pub node_id: NodeId,
    pub address: String,
    pub clock: Clock,
}

struct Submission {
    envelope: Vec<u8>,
    reply: oneshot::Sender<SubmitOutcome>,
}

/// A running orderer: its raft instance and its submission queue.
pub struct Orderer {
    raft: Raft<TypeConfig>,
    queue: mpsc::Sender<Submission>,
    node_id: NodeId,
    clock: Clock,
}

impl Orderer {
    /// Opens the ordering log and state machine in `store`, joins or creates the one-node
    /// cluster and waits until this node leads it.
    pub async fn start(
        store: Arc<Store>,
        key: SigningKey,
        settings: OrdererSettings,
    ) -> Result<Arc<Orderer>, OrderingError> {
        let start_error = |error: &dyn std::fmt::Display| OrderingError::Start(error.to_string());
        let config = Config {
            cluster_name: "bonded".into(),
            heartbeat_interval: 100,
            election_timeout_min: 300,
            election_timeout_max: 600,
            // TODO: the ordering log is never purged, so the store keeps every batch twice (log
            // and blocks). Purging needs snapshots that carry blocks to lagging followers,
            // which comes with the multi-node pilot (issue 6).
            snapshot_policy: SnapshotPolicy::Never,
            max_payload_entries: 16,
            ..Default::default()
        };
        let config = Arc::new(config.validate().map_err(|e| start_error(&e))?);
        let log_store = LogStore::new(store.clone());
        let state_machine = LedgerStateMachine::new(store, Arc::new(key));
        let raft = Raft::new(
            settings.node_id,
            config,
            SoloNetwork,
            log_store,
            state_machine,
        )
        .await
        .map_err(|e| start_error(&e))?;

        if !raft.is_initialized().await.map_err(|e| start_error(&e))? {
            let members = BTreeMap::from([(
                settings.node_id,
                BasicNode {
                    addr: settings.address.clone(),
                },
            )]);
            raft.initialize(members)
                .await
                .map_err(|e| start_error(&e))?;
        }
        raft.wait(Some(Duration::from_millis(LEADERSHIP_TIMEOUT_MS)))
            .current_leader(settings.node_id, "this orderer leads its cluster")
            .await
            .map_err(|e| start_error(&e))?;

        let (queue, receiver) = mpsc::channel(QUEUE_TRANSACTIONS_MAX);
        tokio::spawn(run_batcher(raft.clone(), receiver, settings.clock.clone()));
        tracing::info!(node_id = settings.node_id, "ordering.started");
        Ok(Arc::new(Orderer {
            raft,
            queue,
            node_id: settings.node_id,
            clock: settings.clock,
        }))
    }

    /// The time the next batch would be stamped with, by the orderer's clock.
    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }

    /// Checks signatures, orders the valid transactions and returns one outcome per input.
    pub async fn submit(&self, envelopes: Vec<SignedTransaction>) -> Vec<SubmitOutcome> {
        let (envelopes, valid) = tokio::task::spawn_blocking(move || {
            let valid = signing::verify_batch(&envelopes);
            (envelopes, valid)
        })
        .await
        .expect("signature check does not panic");

        let mut pending = Vec::with_capacity(envelopes.len());
        for (envelope, ok) in envelopes.into_iter().zip(valid) {
            if !ok {
                pending.push(Err(SubmitOutcome::Rejected(Rejection::BadSignature)));
                continue;
            }
            let (reply, receiver) = oneshot::channel();
            let submission = Submission {
                envelope: envelope.into_bytes(),
                reply,
            };
            match self.queue.send(submission).await {
                Ok(()) => pending.push(Ok(receiver)),
                Err(_) => pending.push(Err(unavailable("the batcher has stopped"))),
            }
        }

        let mut outcomes = Vec::with_capacity(pending.len());
        for entry in pending {
            let outcome = match entry {
                Ok(receiver) => receiver
                    .await
                    .unwrap_or_else(|_| unavailable("the batch was dropped")),
                Err(outcome) => outcome,
            };
            outcomes.push(outcome);
        }
        outcomes
    }

    pub fn node_id(&self) -> NodeId {
        self.node_id
    }

    /// The current leader, as this node knows it.
    pub async fn leader(&self) -> Option<NodeId> {
        self.raft.current_leader().await
    }

    /// The index of the last applied ordering entry.
    pub fn last_applied(&self) -> Option<u64> {
        self.raft.metrics().borrow().last_applied.map(|id| id.index)
    }

    pub async fn shutdown(&self) {
        if let Err(error) = self.raft.shutdown().await {
            tracing::warn!(error = %error, "ordering.shutdown_failed");
        }
    }
}

fn unavailable(reason: &str) -> SubmitOutcome {
    SubmitOutcome::Unavailable(reason.to_string())
}

/// Drains the queue into batches and hands each to openraft.
async fn run_batcher(
    raft: Raft<TypeConfig>,
    mut receiver: mpsc::Receiver<Submission>,
    clock: Clock,
) {
    let in_flight = Arc::new(Semaphore::new(BATCHES_IN_FLIGHT_MAX));
    while let Some(first) = receiver.recv().await {
        let permit = in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let mut submissions = vec![first];
        while submissions.len() < BATCH_TRANSACTIONS_MAX {
            match receiver.try_recv() {
                Ok(submission) => submissions.push(submission),
                Err(_) => break,
            }
        }
        let raft = raft.clone();
        let timestamp_ms = clock();
        tokio::spawn(async move {
            order_batch(&raft, submissions, timestamp_ms).await;
            drop(permit);
        });
    }
}

async fn order_batch(raft: &Raft<TypeConfig>, submissions: Vec<Submission>, timestamp_ms: i64) {
    let (envelopes, replies): (Vec<_>, Vec<_>) = submissions
        .into_iter()
        .map(|submission| (submission.envelope, submission.reply))
        .unzip();
    let count = envelopes.len();
    let batch = Batch {
        timestamp_ms,
        transactions: envelopes,
    };
    match raft.client_write(batch).await {
        Ok(response) => {
            let results = response.data.results;
            assert_eq!(
                results.len(),
                count,
                "one result per transaction of the batch"
            );
            for (reply, result) in replies.into_iter().zip(results) {
                let outcome = match result {
                    Ok(receipt) => SubmitOutcome::Accepted(receipt),
                    Err(rejection) => SubmitOutcome::Rejected(rejection),
                };
                let _ = reply.send(outcome);
            }
        }
        Err(error) => {
            tracing::error!(error = %error, transactions = count, "ordering.batch_failed");
            for reply in replies {
                let _ = reply.send(unavailable(&error.to_string()));
            }
        }
    }
}
