//! Checking one channel's blocks with no ledger state: what an enclave does with the records a
//! host hands it.
//!
//! The host is not trusted to feed the enclave the truth. It gives the enclave every block of an
//! enterprise's channel, from height 0 to the head, with their envelopes and orderer signatures.
//! [`verify_channel`] checks that the blocks form one hash chain of this chain and channel, that
//! each block's envelopes hash to the Merkle root in its header, and that each block carries a
//! valid signature by one of the orderer keys. It returns the decoded transactions and the head
//! it reached.
//!
//! Why whole blocks rather than an inclusion proof per record: an inclusion proof shows that a
//! record is in a block, never that nothing was left out. Recomputing each block's root from all
//! of its envelopes, and following the hash links from height 0, shows both: a host that drops or
//! alters a declaration changes a root, and a host that drops a block breaks a link. A host that
//! stops early yields an older head, which the ledger then refuses as no longer current when the
//! verdict naming it is ordered; the head is the one thing the enclave cannot check alone.
//!
//! A verifier that keeps what it checked can resume: [`verify_from`] takes the [`ChannelTip`] it
//! reached and checks only the blocks after it, linked to that tip's hash.
//!
//! Transaction signatures are not checked again here: the node checked each one on admission,
//! and the orderer's signature over the Merkle root vouches for the envelopes it ordered.

use crate::block::Block;
use crate::merkle::MerkleTree;
use crate::transaction::decode_envelope;
use crate::{ChannelId, DecodedTransaction, Hash, PublicKeyBytes};

/// What the records are checked against.
#[derive(Clone, Copy, Debug)]
pub struct ChannelAnchor<'a> {
    pub chain_id: &'a str,
    pub channel: &'a ChannelId,
    pub orderer_keys: &'a [PublicKeyBytes],
}

/// A channel whose blocks all checked out.
#[derive(Clone, Debug)]
pub struct VerifiedChannel {
    pub height: u64,
    pub head: Hash,
    /// Every transaction of the channel, in ledger order.
    pub transactions: Vec<DecodedTransaction>,
}

/// Why a channel's blocks are not the channel.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("no blocks were given")]
    Empty,
    #[error("block {position} does not decode")]
    Undecodable { position: usize },
    #[error("block {height} belongs to chain {found:?}, not {expected:?}")]
    WrongChain {
        height: u64,
        expected: String,
        found: String,
    },
    #[error("block {height} belongs to channel {found}, not {expected}")]
    WrongChannel {
        height: u64,
        expected: String,
        found: String,
    },
    #[error("expected block {expected}, got block {found}: a block is missing or out of order")]
    Height { expected: u64, found: u64 },
    #[error("block {height} does not link to the block before it")]
    Link { height: u64 },
    #[error("block {height} holds {found} envelopes, its header says {expected}")]
    TransactionCount {
        height: u64,
        expected: u32,
        found: usize,
    },
    #[error("block {height}'s envelopes do not hash to its Merkle root: a record was dropped or altered")]
    MerkleRoot { height: u64 },
    #[error("block {height} carries no valid signature of a trusted orderer")]
    OrdererSignature { height: u64 },
    #[error("transaction {index} of block {height} does not decode")]
    Transaction { height: u64, index: usize },
}

/// The newest block of a channel a verifier has already checked: where the next check resumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelTip {
    pub height: u64,
    pub head: Hash,
}

/// Checks `blocks`, the whole channel in height order, against `anchor`.
pub fn verify_channel<'b>(
    anchor: ChannelAnchor<'_>,
    blocks: impl IntoIterator<Item = &'b Block>,
) -> Result<VerifiedChannel, ChannelError> {
    verify_from(anchor, None, blocks)
}

/// Checks `blocks` as the continuation of a channel already verified up to `tip`, or as the
/// whole channel from height 0 when there is no tip. With a tip, no blocks means the channel
/// has not moved (which only the ledger's currency check can confirm); the result then holds
/// no transactions and the tip as its head.
pub fn verify_from<'b>(
    anchor: ChannelAnchor<'_>,
    tip: Option<ChannelTip>,
    blocks: impl IntoIterator<Item = &'b Block>,
) -> Result<VerifiedChannel, ChannelError> {
    let mut verified: Option<VerifiedChannel> = tip.map(|tip| VerifiedChannel {
        height: tip.height,
        head: tip.head,
        transactions: Vec::new(),
    });
    let mut started = tip.is_some();
    for block in blocks {
        let (expected_height, previous) = match (&verified, started) {
            (Some(channel), true) => (channel.height + 1, channel.head),
            _ => (0, Hash::ZERO),
        };
        check_header(anchor, block, expected_height, previous)?;
        let hashes = check_contents(anchor, block)?;
        let channel = verified.get_or_insert_with(|| VerifiedChannel {
            height: 0,
            head: Hash::ZERO,
            transactions: Vec::new(),
        });
        decode_into(block, hashes, &mut channel.transactions)?;
        channel.height = block.header.height;
        channel.head = block.hash();
        started = true;
    }
    verified.ok_or(ChannelError::Empty)
}

/// Decodes a block received as its postcard bytes.
pub fn decode_block(bytes: &[u8], position: usize) -> Result<Block, ChannelError> {
    postcard::from_bytes(bytes).map_err(|_| ChannelError::Undecodable { position })
}

/// A block's postcard bytes, as a host sends them.
pub fn encode_block(block: &Block) -> Vec<u8> {
    postcard::to_allocvec(block).expect("a block always encodes")
}

fn check_header(
    anchor: ChannelAnchor<'_>,
    block: &Block,
    expected_height: u64,
    previous: Hash,
) -> Result<(), ChannelError> {
    let header = &block.header;
    let height = header.height;
    if header.chain_id != anchor.chain_id {
        return Err(ChannelError::WrongChain {
            height,
            expected: anchor.chain_id.to_string(),
            found: header.chain_id.clone(),
        });
    }
    if &header.channel != anchor.channel {
        return Err(ChannelError::WrongChannel {
            height,
            expected: anchor.channel.to_string(),
            found: header.channel.to_string(),
        });
    }
    if height != expected_height {
        return Err(ChannelError::Height {
            expected: expected_height,
            found: height,
        });
    }
    if header.previous_hash != previous {
        return Err(ChannelError::Link { height });
    }
    Ok(())
}

/// Checks the envelopes against the root and the orderer signature; returns the leaf hashes.
fn check_contents(anchor: ChannelAnchor<'_>, block: &Block) -> Result<Vec<Hash>, ChannelError> {
    let height = block.header.height;
    if block.transactions.len() != block.header.transaction_count as usize {
        return Err(ChannelError::TransactionCount {
            height,
            expected: block.header.transaction_count,
            found: block.transactions.len(),
        });
    }
    let tree = MerkleTree::from_leaf_hashes(block.transaction_hashes());
    if tree.root() != block.header.merkle_root {
        return Err(ChannelError::MerkleRoot { height });
    }
    let hash = block.hash();
    let signed = block.signatures.iter().any(|signature| {
        anchor.orderer_keys.contains(&signature.public_key) && signature.verify(&hash)
    });
    if !signed {
        return Err(ChannelError::OrdererSignature { height });
    }
    Ok(tree.leaves().to_vec())
}

fn decode_into(
    block: &Block,
    hashes: Vec<Hash>,
    into: &mut Vec<DecodedTransaction>,
) -> Result<(), ChannelError> {
    let height = block.header.height;
    for (index, (envelope, hash)) in block.transactions.iter().zip(hashes).enumerate() {
        let decoded = decode_envelope(envelope, hash)
            .map_err(|_| ChannelError::Transaction { height, index })?;
        into.push(decoded);
    }
    Ok(())
}
