//! The ordering service's type configuration for openraft.

use std::io::Cursor;

use bonded_ledger::{Batch, Receipt, Rejection};
use serde::{Deserialize, Serialize};

openraft::declare_raft_types!(
    /// Ordering entries carry batches of admitted transaction envelopes.
    pub TypeConfig:
        D = Batch,
        R = BatchResponse,
        NodeId = u64,
        Node = openraft::BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

/// The decision on each transaction of a batch, in batch order.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BatchResponse {
    pub results: Vec<Result<Receipt, Rejection>>,
}

pub type NodeId = u64;
pub type LogId = openraft::LogId<NodeId>;
pub type StorageError = openraft::StorageError<NodeId>;
pub type Entry = openraft::Entry<TypeConfig>;
pub type StoredMembership = openraft::StoredMembership<NodeId, openraft::BasicNode>;
