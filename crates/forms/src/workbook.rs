//! A workbook as cells, whatever file it came from.
//!
//! The format is told by the bytes, not the name: a ZIP archive is Office Open XML (.xlsx), an
//! OLE2 compound file is the legacy binary format (.xls), and an XML document in the
//! `urn:schemas-microsoft-com:office:spreadsheet` namespace is an XML spreadsheet (Excel 2003),
//! which customs tools export under a .xls name. The first two are read with calamine, the third
//! with quick-xml.
//!
//! Formula cells are read by their stored value. A formula whose value was never stored (a file
//! written by a program that does not compute) is an error cell, not an empty one, so that it
//! cannot pass for a zero.

use calamine::{Data, Reader};
use rust_decimal::Decimal;

use crate::FormError;

/// One cell's content.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(Decimal),
    /// An error value (`#REF!`), or a formula with no stored value.
    Error(String),
}

/// One sheet: its name and its rows of cells, from the first row.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
}

/// Reads every sheet of a workbook.
pub fn read(bytes: &[u8]) -> Result<Vec<Sheet>, FormError> {
    guarded(|| read_unguarded(bytes))
}

/// Runs `read` so that a panic inside the spreadsheet libraries on a damaged file becomes an
/// error for that file, never the end of the process that read it. Fuzzing found calamine
/// asserting on a corrupt .xls directory; nothing a file holds may take the node down.
pub(crate) fn guarded<T, E: From<FormError>>(read: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        tracing::warn!("forms.reader_panicked");
        Err(FormError::Unreadable("the workbook's structure is damaged".into()).into())
    })
}

fn read_unguarded(bytes: &[u8]) -> Result<Vec<Sheet>, FormError> {
    if bytes.starts_with(b"PK\x03\x04") {
        let reader = calamine::Xlsx::new(std::io::Cursor::new(bytes))
            .map_err(|error| FormError::Unreadable(error.to_string()))?;
        read_calamine(reader)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        check_compound_file(bytes)?;
        let reader = calamine::Xls::new(std::io::Cursor::new(bytes))
            .map_err(|error| FormError::Unreadable(error.to_string()))?;
        read_calamine(reader)
    } else if looks_like_xml_spreadsheet(bytes) {
        crate::spreadsheet_xml::read(bytes)
    } else {
        Err(FormError::NotAWorkbook)
    }
}

/// Checks a legacy .xls container (a compound file) before calamine reads it: its allocation
/// tables, directory and every stream's sector chain, each stream no longer than the file.
/// Fuzzing found a 7 KB file whose sector chain loops, on which calamine's own reader grew
/// without bound until the machine ran out of memory; the `cfb` crate refuses such a file.
fn check_compound_file(bytes: &[u8]) -> Result<(), FormError> {
    use std::io::Read as _;
    let damaged =
        |reason: String| FormError::Unreadable(format!("the .xls file is damaged: {reason}"));
    let mut file = cfb::CompoundFile::open(std::io::Cursor::new(bytes))
        .map_err(|error| damaged(error.to_string()))?;
    let streams: Vec<(std::path::PathBuf, u64)> = file
        .walk()
        .filter(|entry| entry.is_stream())
        .map(|entry| (entry.path().to_path_buf(), entry.len()))
        .collect();
    for (path, len) in streams {
        if len > bytes.len() as u64 {
            return Err(damaged(format!(
                "a stream of {len} bytes in a smaller file"
            )));
        }
        let mut stream = file
            .open_stream(&path)
            .map_err(|error| damaged(error.to_string()))?;
        let mut content = Vec::new();
        stream
            .read_to_end(&mut content)
            .map_err(|error| damaged(error.to_string()))?;
    }
    Ok(())
}

fn looks_like_xml_spreadsheet(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
        && text.contains("urn:schemas-microsoft-com:office:spreadsheet")
}

fn read_calamine<R, RS>(mut reader: R) -> Result<Vec<Sheet>, FormError>
where
    R: Reader<RS>,
    RS: std::io::Read + std::io::Seek,
    R::Error: std::fmt::Display,
{
    let names = reader.sheet_names().to_vec();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let values = reader
            .worksheet_range(&name)
            .map_err(|error| FormError::Unreadable(format!("sheet {name}: {error}")))?;
        let formulas = reader.worksheet_formula(&name).ok();
        let mut rows = Vec::new();
        let (top, left) = values.start().unwrap_or((0, 0));
        for (r, row) in values.rows().enumerate() {
            let mut cells = vec![Cell::Empty; left as usize];
            for (c, value) in row.iter().enumerate() {
                let at = (top + r as u32, left + c as u32);
                let has_formula = formulas
                    .as_ref()
                    .and_then(|formulas| formulas.get_value(at))
                    .is_some_and(|formula| !formula.is_empty());
                cells.push(cell(value, has_formula));
            }
            rows.push(cells);
        }
        let mut padded = vec![Vec::new(); top as usize];
        padded.extend(rows);
        sheets.push(Sheet { name, rows: padded });
    }
    Ok(sheets)
}

fn cell(value: &Data, has_formula: bool) -> Cell {
    match value {
        Data::Empty if has_formula => Cell::Error("a formula with no stored value".into()),
        Data::Empty => Cell::Empty,
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            Cell::Text(text.clone())
        }
        Data::Float(number) => float(*number),
        Data::Int(number) => Cell::Number(Decimal::from(*number)),
        Data::Bool(value) => Cell::Text(value.to_string()),
        Data::DateTime(value) => Cell::Text(value.to_string()),
        Data::Error(error) => Cell::Error(format!("{error:?}")),
    }
}

/// A binary float as the decimal Excel shows: its shortest round-trip text.
pub(crate) fn float(number: f64) -> Cell {
    match number.to_string().parse::<Decimal>() {
        Ok(decimal) if number.is_finite() => Cell::Number(decimal.normalize()),
        _ => Cell::Error(format!("{number} is not a quantity")),
    }
}
