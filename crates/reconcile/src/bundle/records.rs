//! Bundle files from ledger records.
//!
//! An enterprise's channel holds its item catalogue, its movements and the declarations customs
//! cleared for it. [`LedgerRecords::files`] writes them as the CSV files the engine reads
//! (`items.csv`, `declarations.csv`, `movements.csv`), so `bonded reconcile` on an exported
//! channel and the enclave on verified blocks feed the engine the same bytes. The norms never
//! come from the ledger, which holds only their commitments.

use std::fmt::Write as _;

use bonded_model::{Declaration, Item, ItemKind, Movement};

use super::BundleInput;

/// The records of one channel that a reconciliation reads, in ledger order.
#[derive(Clone, Debug, Default)]
pub struct LedgerRecords {
    pub items: Vec<Item>,
    pub declarations: Vec<Declaration>,
    pub movements: Vec<Movement>,
}

/// The CSV text of the records, one string per bundle file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerFiles {
    pub items: String,
    pub declarations: String,
    pub movements: String,
}

impl LedgerRecords {
    pub fn files(&self) -> LedgerFiles {
        let mut files = LedgerFiles::empty();
        files.append(self);
        files
    }
}

impl LedgerFiles {
    /// The three files with their headers and no rows.
    pub fn empty() -> Self {
        LedgerFiles {
            items: String::from(ITEMS_HEADER),
            declarations: String::from(DECLARATIONS_HEADER),
            movements: String::from(MOVEMENTS_HEADER),
        }
    }

    /// Adds the rows of `records` after the rows already written: the files of a channel grow
    /// with it, since records are only ever appended.
    pub fn append(&mut self, records: &LedgerRecords) {
        write_items(&mut self.items, &records.items);
        write_declarations(&mut self.declarations, &records.declarations);
        write_movements(&mut self.movements, &records.movements);
    }

    /// The files by bundle name.
    pub fn named(&self) -> [(&'static str, &str); 3] {
        [
            ("items.csv", &self.items),
            ("declarations.csv", &self.declarations),
            ("movements.csv", &self.movements),
        ]
    }

    /// A bundle input holding these files and nothing else.
    pub fn input(&self) -> BundleInput<'_> {
        BundleInput {
            items: Some(self.items.as_bytes()),
            declarations: Some(self.declarations.as_bytes()),
            movements: Some(self.movements.as_bytes()),
            ..BundleInput::default()
        }
    }
}

/// Quotes a field for CSV when it holds a separator, a quote or a line break.
fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

const ITEMS_HEADER: &str = "code,kind,name,unit,hs_code\n";
const DECLARATIONS_HEADER: &str =
    "declaration_no,type_code,date,line_no,item_code,quantity,unit,value_vnd\n";

fn write_items(text: &mut String, items: &[Item]) {
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
}

fn write_declarations(text: &mut String, declarations: &[Declaration]) {
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
}

const MOVEMENTS_HEADER: &str = "date,item_code,kind,quantity,unit,reference\n";

fn write_movements(text: &mut String, movements: &[Movement]) {
    for movement in movements {
        let _ = writeln!(
            text,
            "{},{},{},{},{},{}",
            movement.date,
            field(&movement.item_code),
            movement.kind.as_str(),
            movement.quantity.normalize(),
            movement.unit,
            field(&movement.reference)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_in_parts_writes_the_same_files_as_writing_at_once() {
        let item = |code: &str| Item {
            code: code.into(),
            kind: ItemKind::Material,
            name: format!("{code}, named"),
            unit: bonded_model::Unit::Kilogram,
            hs_code: bonded_model::HsCode("52010000".into()),
        };
        let whole = LedgerRecords {
            items: vec![item("A"), item("B")],
            ..LedgerRecords::default()
        };
        let mut parts = LedgerFiles::empty();
        for single in &whole.items {
            parts.append(&LedgerRecords {
                items: vec![single.clone()],
                ..LedgerRecords::default()
            });
        }
        assert_eq!(parts, whole.files());
        assert_eq!(parts.items.lines().count(), 3);
    }

    #[test]
    fn fields_with_separators_are_quoted() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
