//! Reconciliation bundles from the ledger.
//!
//! An enterprise's channel holds its item catalogue, its movements and the declarations customs
//! cleared for it. This module reads them back from a node's store, block by block, and writes
//! them as the CSV files `bonded reconcile` reads (`items.csv`, `declarations.csv`,
//! `movements.csv`). The norms never come from the ledger, which holds only their commitments:
//! they are the enterprise's own file, added to the bundle by whoever is entitled to see them.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use bonded_ledger::{ChannelId, Payload, SignedTransaction};
use bonded_model::{Declaration, Item, ItemKind, Movement};
use bonded_store::Store;

/// The records of one channel that a reconciliation reads, in ledger order.
#[derive(Debug, Default)]
pub struct ChannelRecords {
    pub items: Vec<Item>,
    pub declarations: Vec<Declaration>,
    pub movements: Vec<Movement>,
}

/// Reads every item, declaration and movement recorded in `channel`.
pub fn read_channel(store: &Store, channel: &ChannelId) -> Result<ChannelRecords> {
    let mut records = ChannelRecords::default();
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
pub fn write_bundle(records: &ChannelRecords, folder: &Path) -> Result<()> {
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    let files = [
        ("items.csv", items_csv(&records.items)),
        ("declarations.csv", declarations_csv(&records.declarations)),
        ("movements.csv", movements_csv(&records.movements)),
    ];
    for (name, text) in files {
        let path = folder.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Quotes a field for CSV when it holds a separator, a quote or a line break.
fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

fn items_csv(items: &[Item]) -> String {
    let mut text = String::from("code,kind,name,unit,hs_code\n");
    for item in items {
        let kind = match item.kind {
            ItemKind::Material => "material",
            ItemKind::Product => "product",
        };
        let _ = writeln!(
            text,
            "{},{kind},{},{},{}",
            field(&item.code),
            field(&item.name),
            item.unit,
            field(&item.hs_code.0)
        );
    }
    text
}

fn declarations_csv(declarations: &[Declaration]) -> String {
    let mut text =
        String::from("declaration_no,type_code,date,line_no,item_code,quantity,unit,value_vnd\n");
    for declaration in declarations {
        for line in &declaration.lines {
            let _ = writeln!(
                text,
                "{},{},{},{},{},{},{},{}",
                field(&declaration.number),
                declaration.type_code,
                declaration.date,
                line.line_number,
                field(&line.item_code),
                line.quantity.normalize(),
                line.unit,
                line.value_vnd.normalize()
            );
        }
    }
    text
}

fn movements_csv(movements: &[Movement]) -> String {
    let mut text = String::from("date,item_code,kind,quantity,unit,reference\n");
    for movement in movements {
        let kind = serde_json::to_value(movement.kind)
            .ok()
            .and_then(|value| value.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "{},{},{kind},{},{},{}",
            movement.date,
            field(&movement.item_code),
            movement.quantity.normalize(),
            movement.unit,
            field(&movement.reference)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_separators_are_quoted() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
