//! Reconciliation bundles from a node's store.
//!
//! Reads an enterprise's channel back block by block and writes its records as the CSV files
//! `bonded reconcile` reads, with the same rendering the enclave uses on verified blocks
//! ([`bonded_reconcile::LedgerRecords`]). The norms never come from the ledger, which holds only
//! their commitments: they are the enterprise's own file, added to the bundle by whoever is
//! entitled to see them.

use std::path::Path;

use anyhow::{Context, Result};
use bonded_ledger::{ChannelId, Payload, SignedTransaction};
use bonded_reconcile::LedgerRecords;
use bonded_store::Store;

/// Reads every item, declaration and movement recorded in `channel`.
pub fn read_channel(store: &Store, channel: &ChannelId) -> Result<LedgerRecords> {
    let mut records = LedgerRecords::default();
    let heads = store.heads()?;
    let Some((_, head)) = heads.iter().find(|(name, _)| name == channel) else {
        return Ok(records);
    };
    for height in 0..=head.height {
        let block = store
            .block(channel, height)?
            .with_context(|| format!("block {channel}/{height} is missing"))?;
        for envelope in block.transactions {
            let decoded = SignedTransaction::from_bytes(envelope)
                .and_then(|transaction| transaction.decode())
                .with_context(|| format!("a transaction of block {channel}/{height}"))?;
            match decoded.body.payload {
                Payload::Item(item) => records.items.push(item),
                Payload::Declaration(declaration) => records.declarations.push(declaration),
                Payload::Movement(movement) => records.movements.push(movement),
                _ => {}
            }
        }
    }
    Ok(records)
}

/// Writes the records as bundle files into `folder`, creating it.
pub fn write_bundle(records: &LedgerRecords, folder: &Path) -> Result<()> {
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    let files = records.files();
    for (name, text) in files.named() {
        let path = folder.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
