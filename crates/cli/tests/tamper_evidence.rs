//! Flipping any byte of a stored block makes verification fail and name the block.

mod common;

use bonded_ledger::ChannelId;
use bonded_store::{ChainError, Store, StoreError};
use common::*;

/// Checks that the error names `channel/height`, whichever layer caught the change.
fn names_block(error: &ChainError, channel: &str, height: u64) -> bool {
    let name = format!("{channel}/{height}");
    match error {
        ChainError::Block(located) => located.channel == channel && located.height == height,
        ChainError::Store(StoreError::Corrupt { key, .. }) => *key == name,
        _ => false,
    }
}

#[test]
fn every_flipped_byte_of_every_block_is_caught_and_located() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("demo");
    Demo::start(&data).stop();

    let store = Store::open(&data.join("node/ledger.redb")).unwrap();
    let clean = store.verify_chain().expect("the demo chain verifies");
    assert!(clean.transactions > 200);

    let mut flips = 0;
    for (channel, head) in store.heads().unwrap() {
        for height in 0..=head.height {
            let original = store.block_bytes(&channel, height).unwrap().unwrap();
            // Every byte of the header region, then an even spread over the transactions: each
            // flip costs a full re-verification of the chain.
            let header = original.len().min(400);
            let step = (original.len() / 80).max(1);
            let positions = (0..header)
                .step_by(7)
                .chain((header..original.len()).step_by(step));
            for position in positions {
                let mut tampered = original.clone();
                tampered[position] ^= 0x01;
                store
                    .overwrite_block_bytes(&channel, height, &tampered)
                    .unwrap();
                let (_, error) = store.verify_chain().expect_err(&format!(
                    "flip at {channel}/{height} byte {position} went unnoticed"
                ));
                assert!(
                    names_block(&error, channel.as_str(), height),
                    "flip at {channel}/{height} byte {position} reported as: {error}"
                );
                flips += 1;
            }
            store
                .overwrite_block_bytes(&channel, height, &original)
                .unwrap();
        }
    }
    assert!(flips > 500, "only {flips} flips tried");
    store.verify_chain().expect("restored chain verifies again");
}

#[test]
fn bonded_verify_exits_non_zero_and_names_the_block() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("demo");
    Demo::start(&data).stop();
    let channel = ChannelId(GARMENT.into());
    {
        let store = Store::open(&data.join("node/ledger.redb")).unwrap();
        let mut bytes = store.block_bytes(&channel, 2).unwrap().unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x80;
        store.overwrite_block_bytes(&channel, 2, &bytes).unwrap();
    }
    let output = run(&["verify", "--data", data.join("node").to_str().unwrap()]);
    assert!(!output.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["ok"], false);
    let error = summary["error"].as_str().unwrap();
    assert!(error.contains(&format!("{GARMENT}/2")), "{error}");
}
