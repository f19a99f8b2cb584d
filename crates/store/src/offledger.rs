//! What a node keeps beside the chain: sealed norm envelopes and verification reports.
//!
//! Both are addressed by the SHA-256 of their bytes and the chain holds those hashes (an
//! enterprise's norm commitment names its envelopes, a verdict names its report), so neither
//! can be swapped without the swap showing. The envelopes are ciphertext to an enclave's key;
//! the reports are already redacted by the enclave. Nothing here is norm values in clear.

use redb::{TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec::{decode, encode};
use crate::{Store, StoreError};

const ENVELOPES: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("norm_envelopes");
const REPORTS: TableDefinition<&[u8; 32], &str> = TableDefinition::new("verdict_reports");

pub(crate) fn create_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(ENVELOPES)?;
    txn.open_table(REPORTS)?;
    Ok(())
}

/// A sealed norm envelope and whom it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEnvelope {
    pub enterprise: String,
    /// The registered enclave whose norms key the envelope was sealed to.
    pub enclave: String,
    pub commitment: [u8; 32],
    pub sealed: Vec<u8>,
}

impl StoredEnvelope {
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.sealed).into()
    }
}

impl Store {
    /// Keeps `envelope` under the hash of its sealed bytes; storing it again changes nothing.
    pub fn put_envelope(&self, envelope: &StoredEnvelope) -> Result<[u8; 32], StoreError> {
        let hash = envelope.sha256();
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(ENVELOPES)?;
            table.insert(&hash, encode(envelope)?.as_slice())?;
        }
        txn.commit()?;
        Ok(hash)
    }

    pub fn envelope(&self, hash: &[u8; 32]) -> Result<Option<StoredEnvelope>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ENVELOPES)?;
        let found = table.get(hash)?;
        found
            .map(|bytes| decode(bytes.value(), "norm_envelopes", || hex::encode(hash)))
            .transpose()
    }

    /// Keeps a verdict's report under the hash of its UTF-8 bytes.
    pub fn put_report(&self, report: &str) -> Result<[u8; 32], StoreError> {
        let hash: [u8; 32] = Sha256::digest(report.as_bytes()).into();
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(REPORTS)?;
            table.insert(&hash, report)?;
        }
        txn.commit()?;
        Ok(hash)
    }

    pub fn report(&self, hash: &[u8; 32]) -> Result<Option<String>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(REPORTS)?;
        Ok(table.get(hash)?.map(|text| text.value().to_string()))
    }
}
