//! Blocks, batches and receipts.
//!
//! Each channel is its own hash chain: block `h` of a channel names the hash of block `h - 1`
//! (block 0 names the zero hash). The ordering service orders [`Batch`]es; applying batch `b`
//! yields at most one block per channel it touched, each carrying `b` so that a verifier can
//! replay the channels in the order they were decided.
//!
//! The block hash is `SHA-256("bonded-block-v1" || postcard(header))`. The header holds the
//! RFC 6962 root over the block's transaction envelopes. Orderer signatures cover the block hash
//! and sit outside the header, so each orderer of a cluster signs the same block and adds its
//! own signature without changing it.

use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::merkle::{self, MerkleTree};
use crate::{signing, ChannelId, Hash, PublicKeyBytes};

/// Block header format version written by this build.
pub const BLOCK_VERSION: u8 = 1;
/// Prefix of the block hash preimage, separating it from transaction signatures.
pub const BLOCK_DOMAIN: &[u8] = b"bonded-block-v1";

/// One ordered batch of admitted transaction envelopes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// Milliseconds since the Unix epoch, set by the orderer that proposed the batch.
    pub timestamp_ms: i64,
    #[serde(with = "envelopes")]
    pub transactions: Vec<Vec<u8>>,
}

/// The signed summary of a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockHeader {
    pub version: u8,
    pub chain_id: String,
    pub channel: ChannelId,
    pub height: u64,
    pub previous_hash: Hash,
    pub merkle_root: Hash,
    pub transaction_count: u32,
    /// Position of the batch this block came from in the total order.
    pub batch: u64,
    pub timestamp_ms: i64,
}

impl BlockHeader {
    /// The header's postcard bytes, which its hash covers after [`BLOCK_DOMAIN`].
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("a header always encodes")
    }

    pub fn hash(&self) -> Hash {
        let encoded = self.encode();
        let mut hasher = Sha256::new();
        hasher.update(BLOCK_DOMAIN);
        hasher.update(&encoded);
        Hash(hasher.finalize().into())
    }
}

/// An orderer's Ed25519 signature over a block hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdererSignature {
    pub public_key: PublicKeyBytes,
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
}

impl OrdererSignature {
    pub fn sign(block_hash: &Hash, key: &SigningKey) -> Self {
        OrdererSignature {
            public_key: key.verifying_key().to_bytes(),
            signature: key.sign(&block_hash.0).to_bytes().to_vec(),
        }
    }

    pub fn verify(&self, block_hash: &Hash) -> bool {
        let Ok(signature) = <[u8; 64]>::try_from(self.signature.as_slice()) else {
            return false;
        };
        signing::verify_one(&self.public_key, &block_hash.0, &signature)
    }
}

/// A block: header, the transaction envelopes in order, and orderer signatures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub header: BlockHeader,
    #[serde(with = "envelopes")]
    pub transactions: Vec<Vec<u8>>,
    pub signatures: Vec<OrdererSignature>,
}

impl Block {
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }

    /// The transaction hashes, which are the Merkle leaves.
    pub fn transaction_hashes(&self) -> Vec<Hash> {
        self.transactions
            .iter()
            .map(|envelope| merkle::leaf_hash(envelope))
            .collect()
    }

    /// Every envelope of the block, decoded, in order.
    pub fn decode_transactions(
        &self,
    ) -> Result<Vec<crate::DecodedTransaction>, crate::transaction::EnvelopeError> {
        self.transactions
            .iter()
            .map(|bytes| crate::SignedTransaction::from_bytes(bytes.clone())?.decode())
            .collect()
    }

    pub fn merkle_tree(&self) -> MerkleTree {
        MerkleTree::from_leaf_hashes(self.transaction_hashes())
    }
}

/// Proof that a transaction was ordered: its block header, its place, and the path to the root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub transaction_hash: Hash,
    pub index: u32,
    pub header: BlockHeader,
    pub block_hash: Hash,
    pub proof: Vec<Hash>,
    pub signatures: Vec<OrdererSignature>,
}

/// Why a receipt does not prove what it claims.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("block hash does not match the header")]
    BlockHash,
    #[error("inclusion proof does not lead to the header's Merkle root")]
    Inclusion,
    #[error("no valid signature from a trusted orderer")]
    Signature,
}

impl Receipt {
    /// Checks the receipt against the orderer keys the verifier trusts.
    pub fn verify(&self, orderer_keys: &[PublicKeyBytes]) -> Result<(), ReceiptError> {
        if self.header.hash() != self.block_hash {
            return Err(ReceiptError::BlockHash);
        }
        let included = merkle::verify_inclusion(
            u64::from(self.index),
            u64::from(self.header.transaction_count),
            &self.transaction_hash,
            &self.proof,
            &self.header.merkle_root,
        );
        if !included {
            return Err(ReceiptError::Inclusion);
        }
        let signed = self.signatures.iter().any(|signature| {
            orderer_keys.contains(&signature.public_key) && signature.verify(&self.block_hash)
        });
        if !signed {
            return Err(ReceiptError::Signature);
        }
        Ok(())
    }
}

/// Serializes a list of envelopes as byte strings rather than sequences of numbers.
mod envelopes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(items: &[Vec<u8>], serializer: S) -> Result<S::Ok, S::Error> {
        let wrapped: Vec<&serde_bytes::Bytes> = items
            .iter()
            .map(|item| serde_bytes::Bytes::new(item))
            .collect();
        wrapped.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Vec<u8>>, D::Error> {
        let wrapped = Vec::<serde_bytes::ByteBuf>::deserialize(deserializer)?;
        Ok(wrapped
            .into_iter()
            .map(serde_bytes::ByteBuf::into_vec)
            .collect())
    }
}
