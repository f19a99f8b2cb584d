//! Portal accounts and sessions, kept beside the chain in the node's own database.
//!
//! Accounts are people, not parties: each belongs to one organization of the registry and has
//! one role there. They never appear on the ledger, whose records are signed by organization
//! keys. A password is kept only as its Argon2id hash (PHC string, computed by the portal); a
//! session only as the SHA-256 of its token, so a copy of the database opens no session.

use redb::{ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use crate::codec::{decode, encode};
use crate::{Store, StoreError};

const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("portal_accounts");
const SESSIONS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("portal_sessions");
/// Page views by signed-in users, keyed by (Unix ms, sequence within the millisecond).
const ACCESS: TableDefinition<(i64, u32), &[u8]> = TableDefinition::new("portal_access");

pub(crate) fn create_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(ACCOUNTS)?;
    txn.open_table(SESSIONS)?;
    txn.open_table(ACCESS)?;
    Ok(())
}

/// One page a signed-in user opened, for the audit trail of who saw what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    pub time_ms: i64,
    pub user: String,
    pub organization: String,
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// One person's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub user: String,
    pub organization: String,
    /// `officer`, `enterprise` or `auditor`.
    pub role: String,
    /// Argon2id PHC string.
    pub password_hash: String,
}

/// A signed-in session, stored under the SHA-256 of its token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user: String,
    pub organization: String,
    pub role: String,
    /// The token forms must echo (hex), against forged posts.
    pub csrf: String,
    pub expires_ms: i64,
}

impl Store {
    pub fn put_account(&self, account: &Account) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(ACCOUNTS)?;
            table.insert(account.user.as_str(), encode(account)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    pub fn account(&self, user: &str) -> Result<Option<Account>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ACCOUNTS)?;
        let found = table.get(user)?;
        found
            .map(|bytes| decode(bytes.value(), "portal_accounts", || user.to_string()))
            .transpose()
    }

    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ACCOUNTS)?;
        let mut accounts = Vec::new();
        for entry in table.iter()? {
            let (user, bytes) = entry?;
            let user = user.value().to_string();
            accounts.push(decode(bytes.value(), "portal_accounts", || user.clone())?);
        }
        Ok(accounts)
    }

    pub fn put_session(&self, token_hash: &[u8; 32], session: &Session) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(SESSIONS)?;
            table.insert(token_hash, encode(session)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    pub fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(SESSIONS)?;
        let found = table.get(token_hash)?;
        found
            .map(|bytes| decode(bytes.value(), "portal_sessions", || "a session".into()))
            .transpose()
    }

    /// Appends a page view to the audit trail.
    pub fn log_access(&self, record: &AccessRecord) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(ACCESS)?;
            let mut sequence = 0u32;
            while table.get((record.time_ms, sequence))?.is_some() {
                sequence += 1;
            }
            table.insert((record.time_ms, sequence), encode(record)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// The newest `count` page views, newest first.
    pub fn recent_access(&self, count: usize) -> Result<Vec<AccessRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ACCESS)?;
        let mut records = Vec::new();
        for entry in table.iter()?.rev().take(count) {
            let (_, bytes) = entry?;
            records.push(decode(bytes.value(), "portal_access", || "a view".into())?);
        }
        Ok(records)
    }

    pub fn delete_session(&self, token_hash: &[u8; 32]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(SESSIONS)?;
            table.remove(token_hash)?;
        }
        txn.commit()?;
        Ok(())
    }
}
