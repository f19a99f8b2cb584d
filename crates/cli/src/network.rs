//! Building blocks shared by the demo and the benchmark: keys of a network, its genesis,
//! organization registrations, and signing payloads into envelopes.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use bonded_ledger::{ChannelId, Genesis, Payload, SignedTransaction, TransactionBody};
use bonded_model::{
    AttestationTrust, IntakeGroup, OrganizationId, OrganizationKind, OrganizationRecord, TaxCode,
};
use ed25519_dalek::SigningKey;

/// Signs payloads for one chain, numbering nonces from a counter.
pub struct Signer {
    pub chain_id: String,
    nonce: AtomicU64,
}

impl Signer {
    pub fn new(chain_id: &str, first_nonce: u64) -> Self {
        Signer {
            chain_id: chain_id.to_string(),
            nonce: AtomicU64::new(first_nonce),
        }
    }

    pub fn sign(
        &self,
        key: &SigningKey,
        channel: ChannelId,
        payload: Payload,
    ) -> Result<SignedTransaction> {
        let nonce = self.nonce.fetch_add(1, Ordering::Relaxed);
        self.sign_with_nonce(key, channel, payload, nonce)
    }

    pub fn sign_with_nonce(
        &self,
        key: &SigningKey,
        channel: ChannelId,
        payload: Payload,
        nonce: u64,
    ) -> Result<SignedTransaction> {
        let body = TransactionBody {
            chain_id: self.chain_id.clone(),
            channel,
            nonce,
            payload,
        };
        SignedTransaction::sign(&body, key).context("signing a transaction")
    }
}

pub fn customs_record(id: &str, name: &str) -> OrganizationRecord {
    OrganizationRecord {
        id: OrganizationId(id.to_string()),
        name: name.to_string(),
        kind: OrganizationKind::Customs,
    }
}

pub fn enterprise_record(
    id: &str,
    name: &str,
    tax_code: &str,
    aeo: bool,
    group: u8,
) -> Result<OrganizationRecord> {
    Ok(OrganizationRecord {
        id: OrganizationId(id.to_string()),
        name: name.to_string(),
        kind: OrganizationKind::Enterprise {
            tax_code: TaxCode(tax_code.to_string()),
            authorized_economic_operator: aeo,
            intake_group: IntakeGroup::new(group)?,
        },
    })
}

/// The genesis transaction: customs and the orderer keys, signed by customs.
pub fn genesis(
    signer: &Signer,
    customs: OrganizationRecord,
    customs_key: &SigningKey,
    orderer_keys: &[SigningKey],
    attestation: AttestationTrust,
) -> Result<SignedTransaction> {
    let payload = Payload::Genesis(Genesis {
        attestation,
        customs,
        customs_keys: vec![customs_key.verifying_key().to_bytes()],
        orderer_keys: orderer_keys
            .iter()
            .map(|key| key.verifying_key().to_bytes())
            .collect(),
    });
    signer.sign(customs_key, ChannelId::system(), payload)
}

/// Customs registers an organization and its key on the system channel.
pub fn register(
    signer: &Signer,
    customs_key: &SigningKey,
    organization: OrganizationRecord,
    key: &SigningKey,
) -> Result<SignedTransaction> {
    let payload = Payload::RegisterOrganization {
        organization,
        keys: vec![key.verifying_key().to_bytes()],
    };
    signer.sign(customs_key, ChannelId::system(), payload)
}

pub use bonded_node::wall_clock_ms;
