//! XML spreadsheets (Excel 2003, `urn:schemas-microsoft-com:office:spreadsheet`).
//!
//! `Workbook > Worksheet[ss:Name] > Table > Row[ss:Index] > Cell[ss:Index, ss:MergeAcross,
//! ss:Formula] > Data[ss:Type]`. Indexes are 1-based and skip empty rows and cells; a merged cell
//! takes the columns after it. Only the stored values are read; a cell with a formula and no
//! `Data` is an error cell.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use rust_decimal::Decimal;

use crate::workbook::{float, Cell, Sheet};
use crate::FormError;

/// Where the parser is inside a cell.
#[derive(Default)]
struct Pending {
    /// `ss:Type` of its `Data`, once seen.
    data_type: Option<String>,
    text: String,
    formula: bool,
    in_data: bool,
    /// Columns merged into it after it (`ss:MergeAcross`).
    merge: usize,
}

pub(crate) fn read(bytes: &[u8]) -> Result<Vec<Sheet>, FormError> {
    let mut reader = Reader::from_reader(bytes);
    let mut sheets: Vec<Sheet> = Vec::new();
    let mut row: Option<Vec<Cell>> = None;
    let mut cell: Option<Pending> = None;
    let mut buffer = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|error| FormError::Unreadable(format!("XML spreadsheet: {error}")))?;
        match event {
            Event::Start(start) => start_element(&start, &mut sheets, &mut row, &mut cell)?,
            Event::Empty(start) => {
                start_element(&start, &mut sheets, &mut row, &mut cell)?;
                end_element(
                    start.local_name().as_ref(),
                    &mut sheets,
                    &mut row,
                    &mut cell,
                );
            }
            Event::Text(text) => {
                if let Some(pending) = cell.as_mut().filter(|pending| pending.in_data) {
                    let text = text
                        .decode()
                        .map_err(|error| FormError::Unreadable(error.to_string()))?;
                    let text = quick_xml::escape::unescape(&text)
                        .map_err(|error| FormError::Unreadable(error.to_string()))?;
                    pending.text.push_str(&text);
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(pending) = cell.as_mut().filter(|pending| pending.in_data) {
                    let name = reference
                        .decode()
                        .map_err(|error| FormError::Unreadable(error.to_string()))?;
                    let reference = format!("&{name};");
                    let text = quick_xml::escape::unescape(&reference)
                        .map_err(|error| FormError::Unreadable(error.to_string()))?;
                    pending.text.push_str(&text);
                }
            }
            Event::End(end) => {
                end_element(end.local_name().as_ref(), &mut sheets, &mut row, &mut cell)
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    if sheets.is_empty() {
        return Err(FormError::Unreadable(
            "the XML spreadsheet has no worksheet".into(),
        ));
    }
    Ok(sheets)
}

fn attribute(start: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.local_name().as_ref() == name)
        .and_then(|attribute| {
            attribute
                .unescape_value()
                .ok()
                .map(|value| value.into_owned())
        })
}

fn index(start: &BytesStart<'_>) -> Result<Option<usize>, FormError> {
    match attribute(start, b"Index") {
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|index| (1..=1_048_576).contains(index))
            .map(Some)
            .ok_or_else(|| FormError::Unreadable(format!("ss:Index {text:?} is not an index"))),
        None => Ok(None),
    }
}

fn start_element(
    start: &BytesStart<'_>,
    sheets: &mut Vec<Sheet>,
    row: &mut Option<Vec<Cell>>,
    cell: &mut Option<Pending>,
) -> Result<(), FormError> {
    match start.local_name().as_ref() {
        b"Worksheet" => sheets.push(Sheet {
            name: attribute(start, b"Name").unwrap_or_default(),
            rows: Vec::new(),
        }),
        b"Row" => {
            if let (Some(sheet), Some(at)) = (sheets.last_mut(), index(start)?) {
                sheet.rows.resize(at - 1, Vec::new());
            }
            *row = Some(Vec::new());
        }
        b"Cell" => {
            if let (Some(cells), Some(at)) = (row.as_mut(), index(start)?) {
                cells.resize(at - 1, Cell::Empty);
            }
            let merge = attribute(start, b"MergeAcross")
                .and_then(|text| text.parse::<usize>().ok())
                .unwrap_or(0);
            *cell = Some(Pending {
                formula: attribute(start, b"Formula").is_some(),
                merge,
                ..Pending::default()
            });
        }
        b"Data" => {
            if let Some(pending) = cell.as_mut() {
                pending.data_type = Some(attribute(start, b"Type").unwrap_or_default());
                pending.in_data = true;
            }
        }
        _ => {}
    }
    Ok(())
}

fn end_element(
    name: &[u8],
    sheets: &mut [Sheet],
    row: &mut Option<Vec<Cell>>,
    cell: &mut Option<Pending>,
) {
    match name {
        b"Data" => {
            if let Some(pending) = cell.as_mut() {
                pending.in_data = false;
            }
        }
        b"Cell" => {
            if let (Some(pending), Some(cells)) = (cell.take(), row.as_mut()) {
                let merge = pending.merge;
                cells.push(finish(pending));
                cells.extend(std::iter::repeat_n(Cell::Empty, merge));
            }
        }
        b"Row" => {
            if let (Some(cells), Some(sheet)) = (row.take(), sheets.last_mut()) {
                sheet.rows.push(cells);
            }
        }
        _ => {}
    }
}

/// The cell's value.
fn finish(pending: Pending) -> Cell {
    let kind = pending.data_type.unwrap_or_default();
    match kind.as_str() {
        "Number" => match pending.text.trim().parse::<f64>() {
            Ok(number) => float(number),
            Err(_) => match pending.text.trim().parse::<Decimal>() {
                Ok(decimal) => Cell::Number(decimal),
                Err(_) => Cell::Error(format!("{:?} is not a number", pending.text)),
            },
        },
        "Error" => Cell::Error(pending.text),
        "" if pending.formula => Cell::Error("a formula with no stored value".into()),
        "" => Cell::Empty,
        _ if pending.text.is_empty() => Cell::Empty,
        _ => Cell::Text(pending.text),
    }
}
