//! The ledger's rules, free of I/O: transaction and block formats, Merkle proofs, signatures and
//! the deterministic state machine.
//!
//! Flow: a submitter signs a [`TransactionBody`] into a [`SignedTransaction`] envelope. The node
//! checks the envelope's signature when it admits it ([`signing::verify_batch`]), the ordering
//! service puts admitted envelopes into a [`Batch`], and [`state::apply_batch`] turns each batch
//! into at most one new [`Block`] per channel plus the state changes, rejecting each bad
//! transaction with a named [`Rejection`]. Nothing here reads a clock, a disk or a random source
//! except key generation, so every replica, and `bonded verify`, computes the same blocks from
//! the same batches.

pub mod block;
pub mod channel;
pub mod clearance;
pub mod enclave;
pub mod memory;
pub mod merkle;
pub mod signing;
pub mod state;
pub mod transaction;
pub mod verify;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use block::{Batch, Block, BlockHeader, OrdererSignature, Receipt};
pub use state::{apply_batch, BatchOutcome, MemoryState, Rejection, StateChanges, StateView};
pub use transaction::{
    ChannelId, DecodedTransaction, Genesis, Payload, SignedTransaction, TransactionBody,
};

/// A SHA-256 digest. Shown and parsed as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    pub const ZERO: Hash = Hash([0; 32]);

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

/// Why a hex string is not a hash.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("expected 64 hexadecimal characters")]
pub struct HashParseError;

impl FromStr for Hash {
    type Err = HashParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| HashParseError)?;
        Ok(Hash(bytes))
    }
}

impl Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.to_hex())
        } else {
            self.0.serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            text.parse().map_err(serde::de::Error::custom)
        } else {
            <[u8; 32]>::deserialize(deserializer).map(Hash)
        }
    }
}

/// An Ed25519 public key as its 32 bytes.
pub type PublicKeyBytes = [u8; 32];
