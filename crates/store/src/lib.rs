//! Durable storage for a node: blocks, ledger state, indexes and the ordering log, in one redb
//! database file.
//!
//! # Layout
//!
//! | table | key | value |
//! |---|---|---|
//! | `blocks` | (channel, height) | block |
//! | `batches` | batch sequence | the (channel, height) of each block the batch produced |
//! | `transactions` | transaction hash | location (channel, height, index) |
//! | `declarations` | declaration number | transaction hash |
//! | `organizations` | organization id | organization record |
//! | `keys` | public key | organization id |
//! | `items` | (channel, item code) | kind and unit |
//! | `contracts` | (channel, contract number) | empty |
//! | `heads` | channel | newest block height, hash and transaction count |
//! | `meta` | name | chain information and the ordering service's applied position |
//! | `ordering_log` | log index | ordering log entry |
//! | `ordering_meta` | name | vote, purge and commit positions |
//! | `norm_envelopes` | SHA-256 of the sealed bytes | enterprise, enclave, commitment, envelope |
//! | `verdict_reports` | SHA-256 of the report | the redacted report JSON a verdict names |
//! | `portal_accounts` | user name | organization, role, Argon2id password hash |
//! | `portal_sessions` | SHA-256 of the session token | user, role, CSRF token, expiry |
//! | `portal_access` | (Unix ms, sequence) | who opened which page, with its status |
//!
//! Every value is our own versioned encoding: one format byte ([`FORMAT_VERSION`]) followed by
//! the postcard encoding of the value. Integers in postcard are varints, never host-endian.
//!
//! # Durability and recovery
//!
//! Each batch is applied in a single redb write transaction holding its blocks, the state
//! changes and the ordering service's applied position, committed with `Durability::Immediate`
//! (fsync) before any receipt is handed out. redb commits are atomic, so after a crash the
//! database holds either all of a batch or none of it, and the ordering log replays what was
//! logged but not applied. A failed write is returned as [`StoreError`]; callers treat it as
//! fatal.

mod accounts;
mod codec;
mod ledger;
mod log;
mod offledger;
mod verify;

pub use accounts::{AccessRecord, Account, Session};
pub use codec::{decode, encode, FORMAT_VERSION};
pub use ledger::{receipt_from_block, AppliedBatch};
pub use offledger::StoredEnvelope;
pub use verify::{ChainError, ChainSummary};

use std::path::Path;

use redb::Database;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Boxed: redb's error is large, and this error travels through every hot path.
    #[error("database error: {0}")]
    Database(Box<redb::Error>),
    #[error("stored {table} entry {key} is corrupt: {reason}")]
    Corrupt {
        table: &'static str,
        key: String,
        reason: String,
    },
    #[error("could not encode a value: {0}")]
    Encode(String),
}

macro_rules! from_redb {
    ($($error:ty),*) => {
        $(impl From<$error> for StoreError {
            fn from(error: $error) -> Self {
                StoreError::Database(Box::new(error.into()))
            }
        })*
    };
}

impl From<redb::Error> for StoreError {
    fn from(error: redb::Error) -> Self {
        StoreError::Database(Box::new(error))
    }
}

from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// A node's database.
pub struct Store {
    db: Database,
}

impl Store {
    /// Opens the database at `path`, creating it if needed. Fails if another process has it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path)?;
        let store = Store { db };
        store.create_tables()?;
        tracing::info!(path = %path.display(), "store.open");
        Ok(store)
    }

    fn create_tables(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        ledger::create_tables(&txn)?;
        log::create_tables(&txn)?;
        offledger::create_tables(&txn)?;
        accounts::create_tables(&txn)?;
        txn.commit()?;
        Ok(())
    }
}
