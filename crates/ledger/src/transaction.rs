//! Transactions: what a party asserts, signed by that party.
//!
//! # Envelope format (version 1)
//!
//! ```text
//! offset  size  field
//! 0       1     format version, 0x01
//! 1       32    signer's Ed25519 public key
//! 33      64    Ed25519 signature over "bonded-transaction-v1" || body
//! 97      n     body: postcard encoding of `TransactionBody`
//! ```
//!
//! The transaction hash is the RFC 6962 leaf hash of the whole envelope, so a transaction's
//! hash is also its leaf in the block's Merkle tree. The body names the chain and the channel,
//! so a signature cannot be replayed on another network or into another channel, and carries a
//! nonce so that two genuinely identical facts (two equal movements) still hash differently. An
//! exact replay of an envelope has the same hash and is rejected by the state machine.
//!
//! `Payload` variants are encoded by position: new kinds are appended, never inserted.

use std::fmt;

use bonded_model::{
    ApprovedCode, AttestationTrust, Contract, Declaration, EnclaveRegistration, Item, Movement,
    NormCommitment, OrganizationId, OrganizationRecord, VerdictRecord,
};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::{merkle, Hash, PublicKeyBytes};

/// Envelope format version written by this build.
pub const ENVELOPE_VERSION: u8 = 1;
/// Bytes before the body: version, public key, signature.
pub const ENVELOPE_HEADER_BYTES: usize = 1 + 32 + 64;
/// Largest envelope accepted, in bytes: a 50-line declaration needs under 8 KiB.
pub const TRANSACTION_BYTES_MAX: usize = 64 * 1024;
/// Prefix of every signed transaction message, separating it from block signatures.
pub const SIGNING_DOMAIN: &[u8] = b"bonded-transaction-v1";

/// A channel: the system channel, or one enterprise's channel named by its organization id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChannelId(pub String);

impl ChannelId {
    pub const SYSTEM_NAME: &'static str = "system";

    pub fn system() -> Self {
        ChannelId(Self::SYSTEM_NAME.to_string())
    }

    pub fn enterprise(organization: &OrganizationId) -> Self {
        ChannelId(organization.0.clone())
    }

    pub fn is_system(&self) -> bool {
        self.0 == Self::SYSTEM_NAME
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The first transaction of a chain: who customs is and which keys may sign blocks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    pub customs: OrganizationRecord,
    pub customs_keys: Vec<PublicKeyBytes>,
    pub orderer_keys: Vec<PublicKeyBytes>,
    /// Which attestation roots enclave registrations are checked against, for good.
    pub attestation: AttestationTrust,
}

/// What a transaction records. Encoded by position: append new kinds at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    Genesis(Genesis),
    RegisterOrganization {
        organization: OrganizationRecord,
        keys: Vec<PublicKeyBytes>,
    },
    Item(Item),
    Contract(Contract),
    Declaration(Declaration),
    Movement(Movement),
    NormCommitment(NormCommitment),
    /// Customs governance approves enclave code (a measurement) for registration.
    ApproveEnclaveCode(ApprovedCode),
    /// An enclave host registers an enclave with its attestation quote.
    RegisterEnclave(EnclaveRegistration),
    /// A registered enclave's signed conclusion on one enterprise, in that enterprise's channel.
    Verdict(VerdictRecord),
    /// A customs officer's decision on an enterprise, in its channel, signed by customs.
    Decision(bonded_model::Decision),
}

impl Payload {
    /// A stable name for the kind, as used in API reason texts and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::Genesis(_) => "genesis",
            Payload::RegisterOrganization { .. } => "register_organization",
            Payload::Item(_) => "item",
            Payload::Contract(_) => "contract",
            Payload::Declaration(_) => "declaration",
            Payload::Movement(_) => "movement",
            Payload::NormCommitment(_) => "norm_commitment",
            Payload::ApproveEnclaveCode(_) => "approve_enclave_code",
            Payload::RegisterEnclave(_) => "register_enclave",
            Payload::Verdict(_) => "verdict",
            Payload::Decision(_) => "decision",
        }
    }
}

/// The signed content of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionBody {
    pub chain_id: String,
    pub channel: ChannelId,
    pub nonce: u64,
    pub payload: Payload,
}

/// Why envelope bytes are not a well-formed transaction.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("transaction is {0} bytes; at most {TRANSACTION_BYTES_MAX} are accepted")]
    TooLarge(usize),
    #[error("transaction is {0} bytes, shorter than its {ENVELOPE_HEADER_BYTES}-byte header")]
    Truncated(usize),
    #[error("unsupported transaction format version {0}")]
    UnsupportedVersion(u8),
    #[error("signer public key is not a valid Ed25519 point")]
    InvalidPublicKey,
    #[error("transaction body does not decode: {0}")]
    BadBody(String),
    #[error("transaction body has {0} trailing bytes")]
    TrailingBytes(usize),
    #[error("transaction body does not encode: {0}")]
    Encode(String),
}

/// A signed transaction envelope, kept as the exact bytes that were signed and stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedTransaction {
    bytes: Vec<u8>,
}

impl fmt::Debug for SignedTransaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedTransaction({} bytes)", self.bytes.len())
    }
}

impl SignedTransaction {
    /// Signs `body` with `key`, producing the envelope.
    pub fn sign(body: &TransactionBody, key: &SigningKey) -> Result<Self, EnvelopeError> {
        let body_bytes = postcard::to_allocvec(body)
            .map_err(|error| EnvelopeError::Encode(error.to_string()))?;
        let signature = key.sign(&signing_message(&body_bytes));
        let mut bytes = Vec::with_capacity(ENVELOPE_HEADER_BYTES + body_bytes.len());
        bytes.push(ENVELOPE_VERSION);
        bytes.extend_from_slice(key.verifying_key().as_bytes());
        bytes.extend_from_slice(&signature.to_bytes());
        bytes.extend_from_slice(&body_bytes);
        if bytes.len() > TRANSACTION_BYTES_MAX {
            return Err(EnvelopeError::TooLarge(bytes.len()));
        }
        Ok(SignedTransaction { bytes })
    }

    /// Wraps received bytes after checking the fixed header; the body is checked by `decode`.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, EnvelopeError> {
        check_header(&bytes)?;
        Ok(SignedTransaction { bytes })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub fn hash(&self) -> Hash {
        merkle::leaf_hash(&self.bytes)
    }

    pub fn signer(&self) -> PublicKeyBytes {
        self.bytes[1..33].try_into().expect("header length checked")
    }

    pub fn signature(&self) -> Signature {
        let bytes: [u8; 64] = self.bytes[33..97]
            .try_into()
            .expect("header length checked");
        Signature::from_bytes(&bytes)
    }

    pub fn body_bytes(&self) -> &[u8] {
        &self.bytes[ENVELOPE_HEADER_BYTES..]
    }

    /// Decodes the body. Does not check the signature: see [`crate::signing`].
    pub fn decode(&self) -> Result<DecodedTransaction, EnvelopeError> {
        decode_envelope(&self.bytes, self.hash())
    }

    /// The signer's key as a curve point, or an error if the bytes are not one.
    pub fn verifying_key(&self) -> Result<VerifyingKey, EnvelopeError> {
        VerifyingKey::from_bytes(&self.signer()).map_err(|_| EnvelopeError::InvalidPublicKey)
    }
}

/// Checks the fixed envelope header: size bounds and format version.
fn check_header(bytes: &[u8]) -> Result<(), EnvelopeError> {
    if bytes.len() > TRANSACTION_BYTES_MAX {
        return Err(EnvelopeError::TooLarge(bytes.len()));
    }
    if bytes.len() < ENVELOPE_HEADER_BYTES {
        return Err(EnvelopeError::Truncated(bytes.len()));
    }
    if bytes[0] != ENVELOPE_VERSION {
        return Err(EnvelopeError::UnsupportedVersion(bytes[0]));
    }
    Ok(())
}

/// Decodes envelope bytes whose leaf hash the caller already holds, without copying them.
/// Does not check the signature: see [`crate::signing`].
pub fn decode_envelope(bytes: &[u8], hash: Hash) -> Result<DecodedTransaction, EnvelopeError> {
    check_header(bytes)?;
    let (body, rest) =
        postcard::take_from_bytes::<TransactionBody>(&bytes[ENVELOPE_HEADER_BYTES..])
            .map_err(|error| EnvelopeError::BadBody(error.to_string()))?;
    if !rest.is_empty() {
        return Err(EnvelopeError::TrailingBytes(rest.len()));
    }
    let signer = bytes[1..33].try_into().expect("header length checked");
    Ok(DecodedTransaction { hash, signer, body })
}

/// A transaction with its body decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedTransaction {
    pub hash: Hash,
    pub signer: PublicKeyBytes,
    pub body: TransactionBody,
}

/// The exact bytes an Ed25519 transaction signature covers.
pub fn signing_message(body_bytes: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNING_DOMAIN.len() + body_bytes.len());
    message.extend_from_slice(SIGNING_DOMAIN);
    message.extend_from_slice(body_bytes);
    message
}
