//! Turns an enterprise's CSV file into ledger payloads.
//!
//! The kind of file is told by its header: declarations, items or movements. Every row is
//! checked on its own, and a row that cannot be read is reported with its line number and the
//! reason; the rows of one declaration become one transaction. The nonce of each transaction is
//! derived from its rows, so submitting the same file twice is refused as a replay instead of
//! recording the same movement twice.

use std::collections::HashMap;
use std::str::FromStr;

use bonded_ledger::Payload;
use bonded_model::{
    Decimal, Declaration, DeclarationLine, HsCode, Item, Movement, NaiveDate, TypeCode, Unit,
};
use sha2::{Digest, Sha256};

const DECLARATION_HEADER: &[&str] = &[
    "declaration_no",
    "type_code",
    "date",
    "line_no",
    "item_code",
    "quantity",
    "unit",
    "value_vnd",
];
const ITEM_HEADER: &[&str] = &["code", "kind", "name", "unit", "hs_code"];
const MOVEMENT_HEADER: &[&str] = &["date", "item_code", "kind", "quantity", "unit", "reference"];

/// A row that could not be used, by its 1-based line number in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

/// One transaction to submit, with the file lines it came from.
#[derive(Debug, Clone)]
pub struct Record {
    pub payload: Payload,
    pub lines: Vec<u64>,
    pub nonce: u64,
}

/// What a file held: the records to submit and the rows refused before submission.
#[derive(Debug, Default)]
pub struct Parsed {
    pub kind: &'static str,
    pub records: Vec<Record>,
    pub errors: Vec<RowError>,
}

/// Parses CSV text. Fails as a whole only if the header is not one of the known kinds.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|error| format!("cannot read the header: {error}"))?
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    let rows: Vec<(u64, Result<csv::StringRecord, String>)> = reader
        .records()
        .map(|row| match row {
            Ok(record) => (record.position().map_or(0, |p| p.line()), Ok(record)),
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                (line, Err(error.to_string()))
            }
        })
        .collect();
    if header == DECLARATION_HEADER {
        Ok(parse_declarations(rows))
    } else if header == ITEM_HEADER {
        Ok(parse_rows("items", rows, item_from_row))
    } else if header == MOVEMENT_HEADER {
        Ok(parse_rows("movements", rows, movement_from_row))
    } else {
        Err(format!(
            "unrecognised header {:?}; expected declarations ({}), items ({}) or movements ({})",
            header.join(","),
            DECLARATION_HEADER.join(","),
            ITEM_HEADER.join(","),
            MOVEMENT_HEADER.join(",")
        ))
    }
}

fn field<T: FromStr>(row: &csv::StringRecord, index: usize, name: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let text = row.get(index).unwrap_or("");
    text.parse()
        .map_err(|error| format!("column {name}: {text:?} is not valid: {error}"))
}

fn date(row: &csv::StringRecord, index: usize, name: &str) -> Result<NaiveDate, String> {
    let text = row.get(index).unwrap_or("");
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("column {name}: {text:?} is not a date (YYYY-MM-DD)"))
}

fn quantity(row: &csv::StringRecord, index: usize, name: &str) -> Result<Decimal, String> {
    let value: Decimal = field(row, index, name)?;
    if value <= Decimal::ZERO {
        return Err(format!(
            "column {name}: must be greater than zero, got {value}"
        ));
    }
    Ok(value)
}

fn nonce(lines: &[String]) -> u64 {
    let mut hasher = Sha256::new();
    for line in lines {
        hasher.update(line.as_bytes());
        hasher.update([0x1f]);
    }
    let digest = hasher.finalize();
    u64::from_le_bytes(digest[..8].try_into().expect("a digest has 32 bytes"))
}

fn row_text(row: &csv::StringRecord) -> String {
    row.iter().collect::<Vec<_>>().join(",")
}

fn parse_rows(
    kind: &'static str,
    rows: Vec<(u64, Result<csv::StringRecord, String>)>,
    convert: fn(&csv::StringRecord) -> Result<Payload, String>,
) -> Parsed {
    let mut parsed = Parsed {
        kind,
        ..Parsed::default()
    };
    for (line, row) in rows {
        match row.and_then(|row| convert(&row).map(|payload| (payload, row_text(&row)))) {
            Ok((payload, text)) => parsed.records.push(Record {
                payload,
                lines: vec![line],
                nonce: nonce(&[line.to_string(), text]),
            }),
            Err(reason) => parsed.errors.push(RowError { line, reason }),
        }
    }
    parsed
}

fn item_from_row(row: &csv::StringRecord) -> Result<Payload, String> {
    let item = Item {
        code: field(row, 0, "code")?,
        kind: field(row, 1, "kind")?,
        name: field(row, 2, "name")?,
        unit: field::<Unit>(row, 3, "unit")?,
        hs_code: HsCode(field(row, 4, "hs_code")?),
    };
    item.validate().map_err(|error| error.to_string())?;
    Ok(Payload::Item(item))
}

fn movement_from_row(row: &csv::StringRecord) -> Result<Payload, String> {
    let movement = Movement {
        date: date(row, 0, "date")?,
        item_code: field(row, 1, "item_code")?,
        kind: field(row, 2, "kind")?,
        quantity: field(row, 3, "quantity")?,
        unit: field::<Unit>(row, 4, "unit")?,
        reference: field(row, 5, "reference")?,
    };
    movement.validate().map_err(|error| error.to_string())?;
    Ok(Payload::Movement(movement))
}

struct DeclarationRow {
    number: String,
    type_code: TypeCode,
    date: NaiveDate,
    line: DeclarationLine,
}

fn declaration_row(row: &csv::StringRecord) -> Result<DeclarationRow, String> {
    Ok(DeclarationRow {
        number: field(row, 0, "declaration_no")?,
        type_code: field(row, 1, "type_code")?,
        date: date(row, 2, "date")?,
        line: DeclarationLine {
            line_number: field(row, 3, "line_no")?,
            item_code: field(row, 4, "item_code")?,
            quantity: quantity(row, 5, "quantity")?,
            unit: field::<Unit>(row, 6, "unit")?,
            value_vnd: field(row, 7, "value_vnd")?,
        },
    })
}

/// Groups rows by declaration number; a declaration with a bad row is refused whole.
fn parse_declarations(rows: Vec<(u64, Result<csv::StringRecord, String>)>) -> Parsed {
    let mut parsed = Parsed {
        kind: "declarations",
        ..Parsed::default()
    };
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, (Declaration, Vec<u64>, Vec<String>)> = HashMap::new();
    let mut broken: HashMap<String, String> = HashMap::new();

    for (line, row) in rows {
        let row = match row {
            Ok(row) => row,
            Err(reason) => {
                parsed.errors.push(RowError { line, reason });
                continue;
            }
        };
        let number = row.get(0).unwrap_or("").to_string();
        match declaration_row(&row) {
            Ok(entry) => add_line(&mut order, &mut groups, entry, line, row_text(&row)),
            Err(reason) => {
                broken.entry(number).or_insert_with(|| reason.clone());
                parsed.errors.push(RowError { line, reason });
            }
        }
    }
    for number in order {
        let (declaration, lines, texts) = groups.remove(&number).expect("grouped by number");
        if let Some(reason) = broken.get(&number) {
            for line in lines {
                let reason = format!("declaration {number} has a bad row ({reason})");
                parsed.errors.push(RowError { line, reason });
            }
            continue;
        }
        if let Err(error) = declaration.validate() {
            for line in lines {
                parsed.errors.push(RowError {
                    line,
                    reason: error.to_string(),
                });
            }
            continue;
        }
        parsed.records.push(Record {
            payload: Payload::Declaration(declaration),
            nonce: nonce(&texts),
            lines,
        });
    }
    parsed.errors.sort_by_key(|error| error.line);
    parsed
}

fn add_line(
    order: &mut Vec<String>,
    groups: &mut HashMap<String, (Declaration, Vec<u64>, Vec<String>)>,
    entry: DeclarationRow,
    line: u64,
    text: String,
) {
    let group = groups.entry(entry.number.clone()).or_insert_with(|| {
        order.push(entry.number.clone());
        let declaration = Declaration {
            number: entry.number.clone(),
            type_code: entry.type_code,
            date: entry.date,
            contract: None,
            lines: Vec::new(),
        };
        (declaration, Vec::new(), Vec::new())
    });
    group.0.lines.push(entry.line);
    group.1.push(line);
    group.2.push(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_group_by_number_and_bad_rows_are_named() {
        let text = "declaration_no,type_code,date,line_no,item_code,quantity,unit,value_vnd\n\
                    104000000001,E31,2026-01-05,1,NL-A,10,KGM,1000\n\
                    104000000001,E31,2026-01-05,2,NL-B,5,MTR,500\n\
                    104000000002,E99,2026-01-06,1,NL-A,1,KGM,10\n\
                    104000000003,E31,2026-01-07,1,NL-A,0,KGM,10\n\
                    104000000004,E31,2026-01-07,1,NL-A,2,KGX,10\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.kind, "declarations");
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].lines, vec![2, 3]);
        let lines: Vec<u64> = parsed.errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, vec![4, 5, 6]);
        assert!(
            parsed.errors[0].reason.contains("E99"),
            "{:?}",
            parsed.errors[0]
        );
        assert!(parsed.errors[1].reason.contains("greater than zero"));
        assert!(parsed.errors[2].reason.contains("KGX"));
    }

    #[test]
    fn an_unknown_header_is_refused_whole() {
        let error = parse("foo,bar\n1,2\n").unwrap_err();
        assert!(error.contains("unrecognised header"), "{error}");
    }

    #[test]
    fn the_same_rows_give_the_same_nonces() {
        let text = "code,kind,name,unit,hs_code\nNL-A,material,Cotton,KGM,52010000\n";
        let first = parse(text).unwrap();
        let second = parse(text).unwrap();
        assert_eq!(first.records[0].nonce, second.records[0].nonce);
    }
}
