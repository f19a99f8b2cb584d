//! The offline chain verifier, fed the fixture's chain as the store would give it back: it must
//! accept the honest chain and name the block of every alteration.

mod common;

use bonded_ledger::merkle::{leaf_hash, MerkleTree};
use bonded_ledger::state::Decision;
use bonded_ledger::verify::{ChainVerifier, Problem, StoredBatch, VerifyError};
use bonded_ledger::{apply_batch, Block, Hash, MemoryState, OrdererSignature, StateView};
use bonded_model::{ItemKind, MovementKind, Unit};
use common::*;

const ENTERPRISE_C: &str = "ENT-0312345678";

/// The fixture's chain (batches 0 to 2) and five more batches: declarations, movements, a
/// contract, norm commitments, a third enterprise, rejections, and a batch rejected whole.
///
/// Blocks: 0 [system], 1 [system], 2 [A, B], 3 [A, B], 4 [A, system], 5 [B, A], 6 none,
/// 7 [A, B]. Heights: A 0..=4, B 0..=3, system 0..=2.
fn chain() -> Fixture {
    let mut f = Fixture::new();
    f.apply_accepted(vec![
        f.customs_into(
            ENTERPRISE_A,
            declaration(
                "104000000001",
                "E21",
                vec![
                    line(1, FABRIC, "500", Unit::Metre),
                    line(2, THREAD, "20", Unit::Kilogram),
                ],
            ),
        ),
        f.customs_into(
            ENTERPRISE_B,
            declaration(
                "104000000002",
                "E31",
                vec![
                    line(1, LEATHER, "300", Unit::Kilogram),
                    line(2, SOLE, "1000", Unit::Piece),
                ],
            ),
        ),
        f.as_a(contract("HD-01")),
        f.as_b(norm_commitment(1)),
    ]);
    f.apply_accepted(vec![
        f.as_a(movement(
            FABRIC,
            MovementKind::IssuedToProduction,
            "450",
            Unit::Metre,
        )),
        f.as_a(movement(SHIRT, MovementKind::Produced, "900", Unit::Piece)),
        f.sign(
            &f.customs,
            system(),
            register(
                enterprise_record(ENTERPRISE_C, "0312345678"),
                vec![public(&key(5))],
            ),
        ),
    ]);
    let mixed = f.apply(vec![
        f.as_b(movement(
            LEATHER,
            MovementKind::IssuedToProduction,
            "280",
            Unit::Kilogram,
        )),
        f.customs_into(
            ENTERPRISE_B,
            declaration(
                "304000000003",
                "E62",
                vec![line(1, SHOE, "500", Unit::Pair)],
            ),
        ),
        f.as_a(item(FABRIC, ItemKind::Material, Unit::Metre)),
        f.as_a(norm_commitment(1)),
    ]);
    assert!(matches!(mixed.decisions[2].1, Decision::Rejected(_)));
    let refused = f.apply(vec![f.as_b(item(SHOE, ItemKind::Product, Unit::Pair))]);
    assert!(refused.blocks.is_empty());
    f.apply_accepted(vec![
        f.customs_into(
            ENTERPRISE_A,
            declaration(
                "304000000004",
                "E52",
                vec![line(1, SHIRT, "900", Unit::Piece)],
            ),
        ),
        f.as_b(movement(SOLE, MovementKind::Scrap, "3", Unit::Piece)),
    ]);
    f
}

/// Verifies batches in order; on failure, the position of the failing batch and the error.
fn verify(batches: &[StoredBatch]) -> Result<ChainVerifier, (usize, VerifyError)> {
    let mut verifier = ChainVerifier::new();
    for (position, batch) in batches.iter().enumerate() {
        verifier
            .check_batch(batch)
            .map_err(|error| (position, error))?;
    }
    Ok(verifier)
}

fn located(channel: &str, height: u64, problem: Problem) -> VerifyError {
    VerifyError {
        channel: channel.to_string(),
        height,
        problem,
    }
}

/// The position of the stored batch with this sequence number.
fn position_of(batches: &[StoredBatch], sequence: u64) -> usize {
    batches
        .iter()
        .position(|batch| batch.sequence == sequence)
        .expect("a stored batch with this sequence")
}

/// The block of `channel` in the stored batch with `sequence`.
fn block_mut<'a>(
    batches: &'a mut [StoredBatch],
    sequence: u64,
    channel_name: &str,
) -> &'a mut Block {
    let position = position_of(batches, sequence);
    batches[position]
        .blocks
        .iter_mut()
        .find(|block| block.header.channel == channel(channel_name))
        .expect("the batch has a block of this channel")
}

#[test]
fn the_honest_chain_verifies_and_is_counted() {
    let f = chain();
    let batches = f.stored_batches();
    let sequences: Vec<u64> = batches.iter().map(|batch| batch.sequence).collect();
    assert_eq!(
        sequences,
        vec![0, 1, 2, 3, 4, 5, 7],
        "batch 6 made no block"
    );

    let verifier = verify(&batches).expect("the honest chain verifies");
    assert_eq!(verifier.blocks(), 12);
    assert_eq!(verifier.transactions(), 21);
    let stored: usize = batches
        .iter()
        .flat_map(|batch| &batch.blocks)
        .map(|block| block.transactions.len())
        .sum();
    assert_eq!(stored, 21);
    assert_eq!(
        verifier.state().transaction_count(),
        f.state.transaction_count()
    );
    for channel_name in ["system", ENTERPRISE_A, ENTERPRISE_B, ENTERPRISE_C] {
        let channel = channel(channel_name);
        assert_eq!(
            verifier.state().head(&channel),
            f.state.head(&channel),
            "{channel_name}"
        );
    }
    let heights = ["system", ENTERPRISE_A, ENTERPRISE_B].map(|name| {
        verifier
            .state()
            .head(&channel(name))
            .expect("a block")
            .height
    });
    assert_eq!(heights, [2, 4, 3]);
    assert!(verifier.state().declaration_seen("304000000004"));
    assert!(verifier
        .state()
        .organization_of_key(&public(&key(5)))
        .is_some());
}

#[test]
fn the_same_batches_give_the_same_blocks_on_every_replica() {
    let f = chain();
    let mut first = MemoryState::default();
    let mut second = MemoryState::default();
    for applied in &f.history {
        let one = apply_batch(&first, applied.sequence, &applied.batch);
        let two = apply_batch(&second, applied.sequence, &applied.batch);
        assert_eq!(one.blocks, two.blocks, "batch {}", applied.sequence);
        assert_eq!(one.decisions, two.decisions, "batch {}", applied.sequence);
        assert_eq!(one.changes, two.changes, "batch {}", applied.sequence);
        assert_eq!(
            one.blocks, applied.outcome.blocks,
            "batch {}",
            applied.sequence
        );
        let headers: Vec<Hash> = one.blocks.iter().map(Block::hash).collect();
        let encoded_one = postcard::to_allocvec(&one.blocks).expect("encodes");
        let encoded_two = postcard::to_allocvec(&two.blocks).expect("encodes");
        assert_eq!(
            encoded_one, encoded_two,
            "batch {}: bytes",
            applied.sequence
        );
        let recorded: Vec<Hash> = applied.outcome.blocks.iter().map(Block::hash).collect();
        assert_eq!(headers, recorded, "batch {}", applied.sequence);
        first.commit(one.changes);
        second.commit(two.changes);
    }
    for channel_name in ["system", ENTERPRISE_A, ENTERPRISE_B, ENTERPRISE_C] {
        let channel = channel(channel_name);
        assert_eq!(
            first.head(&channel),
            second.head(&channel),
            "{channel_name}"
        );
        assert_eq!(
            first.head(&channel),
            f.state.head(&channel),
            "{channel_name}"
        );
    }
    // A fixture built again from the same seeds signs the same envelopes.
    let again = chain();
    let blocks = |f: &Fixture| -> Vec<Block> {
        f.stored_batches()
            .into_iter()
            .flat_map(|batch| batch.blocks)
            .collect()
    };
    assert_eq!(blocks(&again), blocks(&f));
}

/// A verifier that has checked the first `length` stored batches, reused across trials of the
/// next one.
///
/// An Ed25519 check costs about 12 ms in a debug build, so checking the prefix again for every
/// trial would take minutes. A refused batch leaves the verifier as it was, except when only
/// the orderer signatures are wrong (see `a_refused_batch_leaves_the_verifier_as_it_was`); a
/// trial that moved the verifier is detected by its counts and the prefix is checked again.
struct Prefix<'a> {
    batches: &'a [StoredBatch],
    length: usize,
    verifier: ChainVerifier,
}

impl<'a> Prefix<'a> {
    fn new(batches: &'a [StoredBatch], length: usize) -> Self {
        let verifier = verify(&batches[..length]).expect("the honest prefix verifies");
        Prefix {
            batches,
            length,
            verifier,
        }
    }

    fn counts(&self) -> (u64, usize) {
        (
            self.verifier.blocks(),
            self.verifier.state().transaction_count(),
        )
    }

    /// Checks `batch` in place of the next honest one.
    fn trial(&mut self, batch: &StoredBatch) -> Result<(), VerifyError> {
        let before = self.counts();
        let result = self.verifier.check_batch(batch);
        if self.counts() != before {
            self.verifier = verify(&self.batches[..self.length]).expect("the honest prefix");
        }
        result
    }

    /// Checks the next honest batch and moves past it.
    fn advance(&mut self) {
        let batch = &self.batches[self.length];
        self.verifier
            .check_batch(batch)
            .expect("the honest batch verifies");
        self.length += 1;
    }
}

/// Byte positions to flip in `range`: about `samples`, spread evenly and shifted by `shift` so
/// that different blocks are hit at different fields.
fn sample_positions(range: std::ops::Range<usize>, samples: usize, shift: usize) -> Vec<usize> {
    let step = range.len().div_ceil(samples).max(1);
    range.skip(shift % step).step_by(step).collect()
}

/// Where the orderer signatures start in a block's encoding: everything before is content.
fn signatures_offset(block: &Block) -> usize {
    let mut unsigned = block.clone();
    unsigned.signatures.clear();
    let encoded = postcard::to_allocvec(&unsigned).expect("encodes");
    // The last byte is the length of the empty signature list.
    encoded.len() - 1
}

/// Flips one bit of a block's encoding; `None` if the result no longer decodes.
fn flip(block: &Block, position: usize, bit: usize) -> Option<Block> {
    let mut encoded = postcard::to_allocvec(block).expect("encodes");
    encoded[position] ^= 1 << (bit % 8);
    let decoded = postcard::from_bytes::<Block>(&encoded).ok()?;
    assert_ne!(
        &decoded, block,
        "byte {position}: the flip changes the block"
    );
    Some(decoded)
}

/// Checks that `error` is located at the tampered block, or, for a changed batch time in the
/// first block, at a later block of the same batch: the first block's time is the batch's.
fn assert_located(error: &VerifyError, batch: &StoredBatch, position: usize, tampered: &Block) {
    if error.problem == Problem::BatchTime && position == 0 {
        let named = batch.blocks[1..].iter().any(|other| {
            other.header.channel.to_string() == error.channel && other.header.height == error.height
        });
        assert!(named, "{error}");
        return;
    }
    assert_eq!(
        error.channel,
        tampered.header.channel.to_string(),
        "{error}"
    );
    assert_eq!(error.height, tampered.header.height, "{error}");
}

#[test]
fn a_flipped_bit_anywhere_in_a_stored_block_is_caught_at_that_block() {
    let f = chain();
    let batches = f.stored_batches();
    let mut prefix = Prefix::new(&batches, 0);
    let (mut flips, mut undecodable) = (0, 0);
    for (batch_position, batch) in batches.iter().enumerate() {
        let shift = batch_position * 5;

        // Flips in the header and the transactions; the header, small but dense with
        // meaning, gets samples of its own.
        for (block_position, block) in batch.blocks.iter().enumerate() {
            let header_end = postcard::to_allocvec(&block.header).expect("encodes").len();
            let spread = shift + block_position;
            let mut positions = sample_positions(0..header_end, 5, spread);
            positions.extend(sample_positions(
                header_end..signatures_offset(block),
                8,
                spread,
            ));
            for position in positions {
                flips += 1;
                let Some(tampered) = flip(block, position, position + shift) else {
                    undecodable += 1;
                    continue;
                };
                let mut forged = batch.clone();
                forged.blocks[block_position] = tampered.clone();
                let context = format!(
                    "batch {}, block {block_position}, byte {position}",
                    batch.sequence
                );
                let error = prefix
                    .trial(&forged)
                    .err()
                    .unwrap_or_else(|| panic!("{context}: unnoticed"));
                assert_located(&error, batch, block_position, &tampered);
            }
        }

        // One flip in the orderer signatures of one block. The content is the honest one: the
        // verifier either stays where it was or takes in exactly the honest batch.
        let block_position = batch_position % batch.blocks.len();
        let block = &batch.blocks[block_position];
        let end = postcard::to_allocvec(block).expect("encodes").len();
        let positions = sample_positions(signatures_offset(block)..end, 7, shift);
        let position = positions[batch_position % positions.len()];
        flips += 1;
        let Some(tampered) = flip(block, position, position) else {
            undecodable += 1;
            prefix.advance();
            continue;
        };
        assert_eq!(tampered.header, block.header);
        assert_eq!(tampered.transactions, block.transactions);
        let mut forged = batch.clone();
        forged.blocks[block_position] = tampered;
        let before = prefix.counts();
        let error = prefix
            .verifier
            .check_batch(&forged)
            .expect_err("a bad signature");
        let header = &block.header;
        let expected = located(
            header.channel.as_str(),
            header.height,
            Problem::OrdererSignature,
        );
        assert_eq!(error, expected, "batch {}, byte {position}", batch.sequence);
        if prefix.counts() == before {
            prefix.advance();
        } else {
            for honest in &batch.blocks {
                let head = prefix
                    .verifier
                    .state()
                    .head(&honest.header.channel)
                    .expect("a head");
                assert_eq!(
                    head.hash,
                    honest.hash(),
                    "the verifier took in the honest batch"
                );
            }
            prefix.length += 1;
        }
    }
    assert!(flips >= 100, "{flips} flips");
    assert!(
        undecodable < flips / 2,
        "{undecodable} of {flips} flips did not decode"
    );
}

#[test]
fn every_field_of_a_header_is_covered() {
    // Each header field changed on its own, and the block signed again by the orderer: only
    // the replay and the shape checks stand between the change and acceptance.
    let f = chain();
    let batches = f.stored_batches();
    let position = position_of(&batches, 5);
    type Change = fn(&mut Block);
    let cases: Vec<(&str, Change, Problem)> = vec![
        ("version", |b| b.header.version = 2, Problem::Header),
        ("chain id", |b| b.header.chain_id.push('x'), Problem::Header),
        ("height", |b| b.header.height += 1, Problem::Header),
        (
            "previous hash",
            |b| b.header.previous_hash.0[0] ^= 1,
            Problem::Header,
        ),
        (
            "Merkle root",
            |b| b.header.merkle_root.0[0] ^= 1,
            Problem::MerkleRoot,
        ),
        (
            "transaction count",
            |b| b.header.transaction_count += 1,
            Problem::TransactionCount {
                expected: 1,
                found: 2,
            },
        ),
        (
            "batch",
            |b| b.header.batch = 6,
            Problem::BatchNumber {
                expected: 5,
                found: 6,
            },
        ),
        (
            "channel",
            |b| b.header.channel = channel(ENTERPRISE_C),
            Problem::Unexpected,
        ),
    ];
    let mut prefix = Prefix::new(&batches, position);
    for (field, change, expected) in cases {
        let mut forged = batches[position].clone();
        // Batch 5 is [B, A]: alter A's block, the second, at height 3, of one transaction.
        let block = &mut forged.blocks[1];
        change(block);
        *block = sign_block(block.clone(), &f.orderer);
        let header = block.header.clone();
        let error = prefix.trial(&forged).expect_err(field);
        assert_eq!(error.problem, expected, "{field}");
        assert_eq!(error.height, header.height, "{field}");
        assert_eq!(error.channel, header.channel.to_string(), "{field}");
    }
    // The time of a later block must agree with the batch's first block.
    let mut forged = batches[position].clone();
    forged.blocks[1].header.timestamp_ms += 1;
    let error = prefix.trial(&forged).expect_err("time");
    assert_eq!(error, located(ENTERPRISE_A, 3, Problem::BatchTime));
}

#[test]
fn blocks_moved_dropped_or_mixed_are_named() {
    let f = chain();
    let honest = f.stored_batches();
    let [three, four, five] = [3, 4, 5].map(|sequence| position_of(&honest, sequence));
    let a_block = |position: usize| -> Block {
        let blocks = &honest[position].blocks;
        let found = blocks
            .iter()
            .find(|block| block.header.channel == channel(ENTERPRISE_A));
        found.expect("A has a block").clone()
    };

    // Alterations of batch 3, each checked right after the honest batches 0 to 2.
    let mut prefix = Prefix::new(&honest, three);

    // A's block of batch 4 (height 2) stored in batch 3 in place of A's height 1.
    let mut swapped = honest[three].clone();
    *block_mut(std::slice::from_mut(&mut swapped), 3, ENTERPRISE_A) = a_block(four);
    let problem = Problem::BatchNumber {
        expected: 3,
        found: 4,
    };
    assert_eq!(
        prefix.trial(&swapped),
        Err(located(ENTERPRISE_A, 2, problem))
    );

    // Whole batch 4 stored before batch 3: its heights no longer follow.
    let expected = located(ENTERPRISE_A, 2, Problem::Header);
    assert_eq!(prefix.trial(&honest[four]), Err(expected));

    // The second transactions of batch 3's blocks exchanged between A and B.
    let mut exchanged = honest[three].clone();
    let blocks = &mut exchanged.blocks;
    let from_a = blocks[0].transactions[1].clone();
    blocks[0].transactions[1] = std::mem::replace(&mut blocks[1].transactions[1], from_a);
    let expected = located(ENTERPRISE_A, 1, Problem::MerkleRoot);
    assert_eq!(prefix.trial(&exchanged), Err(expected));

    // A transaction moved from A's block to B's.
    let mut moved = honest[three].clone();
    let blocks = &mut moved.blocks;
    let taken = blocks[0].transactions.pop().expect("A has two");
    blocks[1].transactions.push(taken);
    let problem = Problem::TransactionCount {
        expected: 1,
        found: 2,
    };
    assert_eq!(prefix.trial(&moved), Err(located(ENTERPRISE_A, 1, problem)));

    // Batch 3 stored twice: the copy's sequence does not move forward.
    prefix.advance();
    let error = prefix.trial(&honest[three]).expect_err("a repeated batch");
    assert_eq!((error.channel.as_str(), error.height), (ENTERPRISE_A, 1));
    assert!(
        matches!(error.problem, Problem::BatchNumber { .. }),
        "{error}"
    );

    // Batch 4 dropped as a whole: A's next block, in batch 5, no longer links.
    let expected = located(ENTERPRISE_A, 3, Problem::Header);
    assert_eq!(prefix.trial(&honest[five]), Err(expected.clone()));

    // Only A's block of batch 4 dropped: the rest of batch 4 verifies, batch 5 does not.
    let mut dropped = honest[four].clone();
    dropped
        .blocks
        .retain(|block| block.header.channel != channel(ENTERPRISE_A));
    prefix
        .verifier
        .check_batch(&dropped)
        .expect("the system block alone is honest");
    assert_eq!(prefix.verifier.check_batch(&honest[five]), Err(expected));
}

/// Rebuilds a block's root and count after its transactions were changed, as an insider
/// with the orderer key would, and signs it with that key.
fn reseal(block: &mut Block, key: &ed25519_dalek::SigningKey) {
    let hashes = block.transactions.iter().map(|t| leaf_hash(t)).collect();
    block.header.merkle_root = MerkleTree::from_leaf_hashes(hashes).root();
    block.header.transaction_count = block.transactions.len() as u32;
    *block = sign_block(block.clone(), key);
}

#[test]
fn a_block_needs_an_orderer_signature_over_exactly_its_header() {
    // Batch 1 holds one block: the system channel at height 1, both registrations.
    let f = chain();
    let honest = f.stored_batches();
    let stranger = f.stranger.clone();
    let orderer = f.orderer.clone();
    type Tamper = Box<dyn Fn(&mut Block)>;
    let cases: Vec<(&str, Tamper, Problem)> = vec![
        (
            "signed by a key that is not a genesis orderer key",
            Box::new(move |b| *b = sign_block(b.clone(), &stranger)),
            Problem::OrdererSignature,
        ),
        (
            "an orderer signature over another block",
            Box::new(move |b| {
                b.signatures = vec![OrdererSignature::sign(&Hash([4; 32]), &orderer)]
            }),
            Problem::OrdererSignature,
        ),
        (
            "an orderer signature with a bit flipped",
            Box::new(|b| b.signatures[0].signature[5] ^= 0x10),
            Problem::OrdererSignature,
        ),
        (
            "no signature",
            Box::new(|b| b.signatures.clear()),
            Problem::OrdererSignature,
        ),
        (
            "transactions reordered, resealed by a stranger",
            Box::new({
                let stranger = f.stranger.clone();
                move |b| {
                    b.transactions.swap(0, 1);
                    reseal(b, &stranger);
                }
            }),
            Problem::OrdererSignature,
        ),
        (
            "a height altered and signed by a stranger",
            Box::new({
                let stranger = f.stranger.clone();
                move |b| {
                    b.header.height += 1;
                    *b = sign_block(b.clone(), &stranger);
                }
            }),
            Problem::Header,
        ),
        (
            "a height altered and signed by the orderer",
            Box::new({
                let orderer = f.orderer.clone();
                move |b| {
                    b.header.height += 1;
                    *b = sign_block(b.clone(), &orderer);
                }
            }),
            Problem::Header,
        ),
    ];
    let mut prefix = Prefix::new(&honest, 1);
    for (name, tamper, problem) in cases {
        let mut forged = honest[1].clone();
        tamper(&mut forged.blocks[0]);
        let height = forged.blocks[0].header.height;
        let error = prefix.trial(&forged).expect_err(name);
        assert_eq!(error, located("system", height, problem), "{name}");
    }
}

#[test]
fn an_orderer_signature_does_not_make_a_bad_block_good() {
    // Batch 4 holds A's block at height 2 (two movements) and the system block at height 2.
    let f = chain();
    let honest = f.stored_batches();
    let position = position_of(&honest, 4);
    let mut prefix = Prefix::new(&honest, position);
    let a = honest[position]
        .blocks
        .iter()
        .position(|block| block.header.channel == channel(ENTERPRISE_A))
        .expect("batch 4 has a block for A");

    // A transaction whose body was altered after signing.
    let mut forged = honest[position].clone();
    let block = &mut forged.blocks[a];
    let last = block.transactions[1].len() - 1;
    block.transactions[1][last] ^= 1;
    let hash = leaf_hash(&block.transactions[1]);
    reseal(block, &f.orderer);
    let problem = Problem::TransactionSignature { index: 1, hash };
    assert_eq!(
        prefix.trial(&forged),
        Err(located(ENTERPRISE_A, 2, problem))
    );

    // A validly signed transaction that the state machine refused (batch 5's duplicate item).
    let mut slipped = honest[position].clone();
    let refused = f.history[5].batch.transactions[2].clone();
    let block = &mut slipped.blocks[a];
    block.transactions.push(refused.clone());
    reseal(block, &f.orderer);
    let reason = format!("item {FABRIC} is already in this channel's catalogue");
    let hash = leaf_hash(&refused);
    let problem = Problem::Replay {
        index: 2,
        hash,
        reason,
    };
    assert_eq!(
        prefix.trial(&slipped),
        Err(located(ENTERPRISE_A, 2, problem))
    );

    // A's block relabelled as enterprise C's channel.
    let mut relabelled = honest[position].clone();
    let block = &mut relabelled.blocks[a];
    block.header.channel = channel(ENTERPRISE_C);
    reseal(block, &f.orderer);
    assert_eq!(
        prefix.trial(&relabelled),
        Err(located(ENTERPRISE_C, 2, Problem::Unexpected))
    );

    // After every refusal the honest batch still verifies.
    prefix.advance();
}

#[test]
fn a_refused_batch_leaves_the_verifier_as_it_was() {
    let f = chain();
    let honest = f.stored_batches();
    let mut verifier = verify(&honest[..1]).expect("genesis verifies");
    let before = verifier.state().transaction_count();
    let mut unsigned = honest[1].clone();
    unsigned.blocks[0].signatures.clear();
    let error = verifier
        .check_batch(&unsigned)
        .expect_err("no orderer signature");
    assert_eq!(error.problem, Problem::OrdererSignature);
    assert_eq!(verifier.blocks(), 1);
    assert_eq!(
        verifier.state().transaction_count(),
        before,
        "registrations taken in"
    );
    assert!(verifier
        .state()
        .head(&system())
        .is_some_and(|head| head.height == 0));
}

#[test]
fn a_regional_customs_office_may_declare_in_the_batch_that_registers_it() {
    let mut f = Fixture::new();
    let regional = key(6);
    let outcome = f.apply(vec![
        f.as_a(movement(
            FABRIC,
            MovementKind::IssuedToProduction,
            "10",
            Unit::Metre,
        )),
        f.sign(
            &f.customs,
            system(),
            register(customs_record("CUSTOMS-HCM"), vec![public(&regional)]),
        ),
        f.sign(
            &regional,
            channel(ENTERPRISE_A),
            declaration(
                "104000000501",
                "E21",
                vec![line(1, FABRIC, "10", Unit::Metre)],
            ),
        ),
    ]);
    assert_all_accepted(&outcome);
    let channels: Vec<String> = outcome
        .blocks
        .iter()
        .map(|b| b.header.channel.0.clone())
        .collect();
    assert_eq!(
        channels,
        vec!["system".to_string(), ENTERPRISE_A.to_string()]
    );
    let verified = verify(&f.stored_batches());
    assert!(
        verified.is_ok(),
        "the state machine's own chain is refused: {:?}",
        verified.err()
    );
}

#[test]
fn batches_out_of_order_are_refused() {
    let mut f = Fixture::new();
    f.apply_accepted(vec![f.as_a(movement(
        FABRIC,
        MovementKind::Scrap,
        "1",
        Unit::Metre,
    ))]);
    f.apply_accepted(vec![f.as_b(movement(
        LEATHER,
        MovementKind::Scrap,
        "1",
        Unit::Kilogram,
    ))]);
    let mut batches = f.stored_batches();
    assert!(verify(&batches).is_ok());
    let last = batches.len() - 1;
    batches.swap(last - 1, last);
    assert_eq!(batches[last - 1].sequence, 4);
    assert_eq!(batches[last].sequence, 3);
    assert!(verify(&batches).is_err(), "batch 4 stored before batch 3");
}
