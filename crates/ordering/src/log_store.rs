//! The ordering log in the node's redb store.
//!
//! Entries are postcard-encoded openraft entries with the store's format byte. An append is
//! committed durably before openraft is told it is flushed, so an entry acknowledged to a leader
//! survives a crash. Blocking redb calls run on tokio's blocking pool.

use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use bonded_store::{decode, encode, Store, StoreError};
use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{AnyError, RaftLogReader, StorageIOError, Vote};

use crate::types::{Entry, LogId, NodeId, StorageError, TypeConfig};

const VOTE_KEY: &str = "vote";
const PURGED_KEY: &str = "purged";
const COMMITTED_KEY: &str = "committed";

/// The ordering log, shared between openraft's log writer and its readers.
#[derive(Clone)]
pub struct LogStore {
    store: Arc<Store>,
}

impl LogStore {
    pub fn new(store: Arc<Store>) -> Self {
        LogStore { store }
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .expect("storage task does not panic")
    }

    fn read_meta<T: serde::de::DeserializeOwned>(
        &self,
        key: &'static str,
    ) -> Result<Option<T>, StoreError> {
        match self.store.log_meta(key)? {
            Some(bytes) => decode(&bytes, "ordering_meta", || key.to_string()).map(Some),
            None => Ok(None),
        }
    }
}

pub(crate) fn read_error(error: StoreError) -> StorageError {
    StorageIOError::read_logs(AnyError::new(&error)).into()
}

pub(crate) fn write_error(error: StoreError) -> StorageError {
    tracing::error!(error = %error, "ordering.log_write_failed");
    StorageIOError::write_logs(AnyError::new(&error)).into()
}

fn bounds(range: &impl RangeBounds<u64>) -> (Bound<u64>, Bound<u64>) {
    (range.start_bound().cloned(), range.end_bound().cloned())
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        let range = bounds(&range);
        let raw = self
            .blocking(move |store| store.log_range(range))
            .await
            .map_err(read_error)?;
        raw.iter()
            .map(|(index, bytes)| decode(bytes, "ordering_log", || index.to_string()))
            .collect::<Result<Vec<Entry>, _>>()
            .map_err(read_error)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let purged: Option<LogId> = self.read_meta(PURGED_KEY).map_err(read_error)?;
        let last = self.store.log_last().map_err(read_error)?;
        let last_log_id = match last {
            Some((index, bytes)) => {
                let entry: Entry =
                    decode(&bytes, "ordering_log", || index.to_string()).map_err(read_error)?;
                Some(entry.log_id)
            }
            None => purged,
        };
        Ok(LogState {
            last_purged_log_id: purged,
            last_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<NodeId>) -> Result<(), StorageError> {
        let bytes = encode(vote).map_err(write_error)?;
        self.blocking(move |store| store.put_log_meta(VOTE_KEY, &bytes))
            .await
            .map_err(|error| StorageIOError::write_vote(AnyError::new(&error)).into())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<NodeId>>, StorageError> {
        self.read_meta(VOTE_KEY).map_err(read_error)
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        let bytes = encode(&committed).map_err(write_error)?;
        self.blocking(move |store| store.put_log_meta(COMMITTED_KEY, &bytes))
            .await
            .map_err(write_error)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        let committed: Option<Option<LogId>> = self.read_meta(COMMITTED_KEY).map_err(read_error)?;
        Ok(committed.flatten())
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let encoded = entries
            .into_iter()
            .map(|entry| encode(&entry).map(|bytes| (entry.log_id.index, bytes)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(write_error)?;
        let result = self.blocking(move |store| store.log_append(&encoded)).await;
        match result {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(error) => {
                callback.log_io_completed(Err(std::io::Error::other(error.to_string())));
                Err(write_error(error))
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        tracing::info!(index = log_id.index, "ordering.log_truncate");
        self.blocking(move |store| store.log_remove(log_id.index.., &[]))
            .await
            .map_err(write_error)
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        tracing::info!(index = log_id.index, "ordering.log_purge");
        let bytes = encode(&log_id).map_err(write_error)?;
        self.blocking(move |store| store.log_remove(..=log_id.index, &[(PURGED_KEY, bytes)]))
            .await
            .map_err(write_error)
    }
}
