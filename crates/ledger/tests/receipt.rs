//! Receipts: a block header, an inclusion proof and an orderer signature prove that a
//! transaction was ordered, to anyone holding the orderer keys.

mod common;

use bonded_ledger::block::ReceiptError;
use bonded_ledger::merkle::leaf_hash;
use bonded_ledger::{Block, Hash, OrdererSignature, Receipt};
use bonded_model::{MovementKind, Unit};
use common::*;

/// A block of `count` transactions in enterprise A's channel, signed by the orderer.
fn block_of(f: &mut Fixture, count: usize) -> Block {
    let transactions = (0..count)
        .map(|_| f.as_a(movement(FABRIC, MovementKind::Scrap, "1", Unit::Metre)))
        .collect();
    let outcome = f.apply_accepted(transactions);
    assert_eq!(outcome.blocks.len(), 1);
    sign_block(outcome.blocks[0].clone(), &f.orderer)
}

fn receipt(block: &Block, index: u32) -> Receipt {
    let proof = block
        .merkle_tree()
        .inclusion_proof(u64::from(index))
        .expect("a leaf");
    Receipt {
        transaction_hash: leaf_hash(&block.transactions[index as usize]),
        index,
        header: block.header.clone(),
        block_hash: block.hash(),
        proof,
        signatures: block.signatures.clone(),
    }
}

#[test]
fn a_receipt_for_every_transaction_of_every_block_size_verifies() {
    let mut f = Fixture::new();
    let orderer = [public(&f.orderer)];
    for count in [1, 2, 3, 5, 8] {
        let block = block_of(&mut f, count);
        assert_eq!(block.header.transaction_count as usize, count);
        for index in 0..count as u32 {
            let receipt = receipt(&block, index);
            assert_eq!(
                receipt.verify(&orderer),
                Ok(()),
                "size {count}, index {index}"
            );
            // A receipt travels as bytes and still proves the same thing.
            let bytes = postcard::to_allocvec(&receipt).expect("encodes");
            let decoded: Receipt = postcard::from_bytes(&bytes).expect("decodes");
            assert_eq!(decoded, receipt);
            assert_eq!(decoded.verify(&orderer), Ok(()));
        }
    }
}

#[test]
fn a_receipt_verifies_if_any_trusted_orderer_signed() {
    let mut f = Fixture::new();
    let block = block_of(&mut f, 3);
    let mut receipt = receipt(&block, 1);
    let other_orderer = key(6);
    receipt
        .signatures
        .insert(0, OrdererSignature::sign(&receipt.block_hash, &key(9)));
    receipt
        .signatures
        .push(OrdererSignature::sign(&receipt.block_hash, &other_orderer));
    assert_eq!(receipt.verify(&[public(&f.orderer)]), Ok(()));
    assert_eq!(receipt.verify(&[public(&other_orderer)]), Ok(()));
    assert_eq!(receipt.verify(&[public(&key(9))]), Ok(()));
    assert_eq!(
        receipt.verify(&[public(&key(8))]),
        Err(ReceiptError::Signature)
    );
}

/// Recomputes the block hash after the header was changed, as a forger would.
fn rehash(receipt: &mut Receipt) {
    receipt.block_hash = receipt.header.hash();
}

#[test]
fn a_receipt_that_claims_more_than_it_proves_is_refused() {
    let mut f = Fixture::new();
    let block = block_of(&mut f, 5);
    let stranger = f.stranger.clone();
    let orderer = f.orderer.clone();
    // Last leaf of five: its path is [root of the first four]; a changed size moves it.
    let last = 4;
    type Tamper = Box<dyn Fn(&mut Receipt)>;
    let cases: Vec<(&str, Tamper, ReceiptError)> = vec![
        (
            "signed by a key that is not an orderer",
            Box::new(move |r| {
                r.signatures = vec![OrdererSignature::sign(&r.block_hash, &stranger)]
            }),
            ReceiptError::Signature,
        ),
        (
            "no signature at all",
            Box::new(|r| r.signatures.clear()),
            ReceiptError::Signature,
        ),
        (
            "an orderer signature over another block",
            Box::new(move |r| {
                r.signatures = vec![OrdererSignature::sign(&Hash([3; 32]), &orderer)]
            }),
            ReceiptError::Signature,
        ),
        (
            "an orderer key with a signature cut short",
            Box::new(|r| r.signatures[0].signature.truncate(63)),
            ReceiptError::Signature,
        ),
        (
            "a signature with one bit flipped",
            Box::new(|r| r.signatures[0].signature[10] ^= 0x04),
            ReceiptError::Signature,
        ),
        (
            "a header of another height",
            Box::new(|r| r.header.height += 1),
            ReceiptError::BlockHash,
        ),
        (
            "a header of another channel",
            Box::new(|r| r.header.channel = channel(ENTERPRISE_B)),
            ReceiptError::BlockHash,
        ),
        (
            "a block hash not of this header",
            Box::new(|r| r.block_hash.0[0] ^= 1),
            ReceiptError::BlockHash,
        ),
        (
            "an altered header with its hash recomputed",
            Box::new(|r| {
                r.header.timestamp_ms += 1;
                rehash(r);
            }),
            ReceiptError::Signature,
        ),
        (
            "another Merkle root with its hash recomputed",
            Box::new(|r| {
                r.header.merkle_root.0[31] ^= 1;
                rehash(r);
            }),
            ReceiptError::Inclusion,
        ),
        (
            "another tree size with its hash recomputed",
            Box::new(|r| {
                r.header.transaction_count = 8;
                rehash(r);
            }),
            ReceiptError::Inclusion,
        ),
        (
            "another index",
            Box::new(|r| r.index = 3),
            ReceiptError::Inclusion,
        ),
        (
            "an index past the tree",
            Box::new(|r| r.index = 5),
            ReceiptError::Inclusion,
        ),
        (
            "a proof with a bit flipped",
            Box::new(|r| r.proof[0].0[0] ^= 0x80),
            ReceiptError::Inclusion,
        ),
        (
            "a proof cut short",
            Box::new(|r| r.proof.clear()),
            ReceiptError::Inclusion,
        ),
        (
            "a proof with a hash too many",
            Box::new(|r| r.proof.push(Hash([9; 32]))),
            ReceiptError::Inclusion,
        ),
        (
            "another transaction's hash",
            Box::new(|r| r.transaction_hash = leaf_hash(b"a movement never recorded")),
            ReceiptError::Inclusion,
        ),
    ];
    let orderer_keys = [public(&f.orderer)];
    let honest = receipt(&block, last);
    assert_eq!(honest.verify(&orderer_keys), Ok(()));
    for (name, tamper, expected) in cases {
        let mut forged = honest.clone();
        tamper(&mut forged);
        assert_ne!(forged, honest, "{name}: the tamper changes the receipt");
        assert_eq!(forged.verify(&orderer_keys), Err(expected), "{name}");
    }
    assert_eq!(
        honest.verify(&[public(&f.stranger)]),
        Err(ReceiptError::Signature),
        "checked against a key that is not the orderer's"
    );
    assert_eq!(
        honest.verify(&[]),
        Err(ReceiptError::Signature),
        "no trusted key"
    );
}

#[test]
fn every_other_index_refuses_a_leaf_that_is_not_there() {
    let mut f = Fixture::new();
    let block = block_of(&mut f, 5);
    let orderer = [public(&f.orderer)];
    for index in 0..5u32 {
        for claimed in (0..5u32).filter(|claimed| *claimed != index) {
            let mut moved = receipt(&block, index);
            moved.index = claimed;
            assert_eq!(
                moved.verify(&orderer),
                Err(ReceiptError::Inclusion),
                "{index}->{claimed}"
            );
        }
    }
}
