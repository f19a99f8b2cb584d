//! The ordering service's log and its metadata, kept as opaque bytes.
//!
//! The ordering crate encodes its entries; this module only stores them durably in index order.

use std::ops::RangeBounds;

use redb::{ReadableTable, TableDefinition, WriteTransaction};

use crate::{Store, StoreError};

const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("ordering_log");
const LOG_META: TableDefinition<&str, &[u8]> = TableDefinition::new("ordering_meta");

pub(crate) fn create_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(LOG)?;
    txn.open_table(LOG_META)?;
    Ok(())
}

impl Store {
    /// Appends entries, durably, in one transaction.
    pub fn log_append(&self, entries: &[(u64, Vec<u8>)]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(LOG)?;
            for (index, bytes) in entries {
                table.insert(*index, bytes.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Entries whose index is in `range`, in order.
    pub fn log_range(
        &self,
        range: impl RangeBounds<u64>,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(LOG)?;
        let mut entries = Vec::new();
        for entry in table.range(range)? {
            let (key, value) = entry?;
            entries.push((key.value(), value.value().to_vec()));
        }
        Ok(entries)
    }

    /// The last entry, if any.
    pub fn log_last(&self) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(LOG)?;
        let last = table.last()?;
        Ok(last.map(|(key, value)| (key.value(), value.value().to_vec())))
    }

    /// Removes entries with index in `range` and writes `meta`, in one durable transaction.
    pub fn log_remove(
        &self,
        range: impl RangeBounds<u64>,
        meta: &[(&str, Vec<u8>)],
    ) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(LOG)?;
            table.retain_in(range, |_, _| false)?;
            let mut meta_table = txn.open_table(LOG_META)?;
            for (key, value) in meta {
                meta_table.insert(*key, value.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    pub fn log_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(LOG_META)?;
        Ok(table.get(key)?.map(|bytes| bytes.value().to_vec()))
    }

    pub fn put_log_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(LOG_META)?;
            table.insert(key, value)?;
        }
        txn.commit()?;
        Ok(())
    }
}
