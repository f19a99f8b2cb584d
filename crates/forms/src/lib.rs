//! The official Excel forms enterprises file, read into rows the reconciliation engine takes.
//!
//! # Design
//!
//! Real files come as .xlsx, as legacy .xls and as XML spreadsheets saved under a .xls name;
//! [`workbook`] turns any of them into cells, formulas by their stored value. [`read_report`]
//! then finds, on each sheet, the header row of a finalization report form by its texts (in
//! Vietnamese as the circular prints them, or the engine's English column names), never by
//! position: Mẫu 15 (materials) and Mẫu 15a (products). Each data row below it becomes a
//! [`FiledRow`] or a [`RowError`] naming the sheet, the row and the cell; a cell that cannot be
//! read is an error, never a zero. An empty quantity cell is zero, as the forms print it.
//!
//! A header found by its texts can still be the wrong table. A layout is accepted only when the
//! form's own identity (closing = opening + inflows − outflows) holds on at least four rows in
//! five: a report with a few rows that do not add up is a report with findings, one where most
//! do not is one whose columns were read wrong.
//!
//! [`report_csv`] writes the rows as the `report.csv` of a reconciliation bundle.
//!
//! [`export`] writes rows back out as the finalization report itself, a workbook and a PDF.
//!
//! [`extract`] reads the customs line extract (Báo cáo hàng chi tiết) the same way, by its
//! headers and its own identity (value = quantity × unit price), into whole declarations.

pub mod export;
pub mod extract;
mod spreadsheet_xml;
pub mod workbook;

use rust_decimal::Decimal;

pub use workbook::{Cell, Sheet};

/// Why a workbook could not be read as a form at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormError {
    #[error("the file is not an .xlsx, .xls or XML spreadsheet workbook")]
    NotAWorkbook,
    #[error("the workbook cannot be read: {0}")]
    Unreadable(String),
    #[error("no sheet has the header row of Mẫu 15 or Mẫu 15a")]
    NoForm,
    #[error(
        "sheet {sheet:?}: only {held} of {rows} rows add up as {form}; its columns are not the \
         form's"
    )]
    Layout {
        sheet: String,
        form: &'static str,
        held: usize,
        rows: usize,
    },
}

/// Which form a row comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Mẫu 15/BCQT-NVL/GSQL: materials.
    Materials,
    /// Mẫu 15a/BCQT-SP/GSQL: products.
    Products,
}

impl Form {
    pub fn name(self) -> &'static str {
        match self {
            Form::Materials => "Mẫu 15",
            Form::Products => "Mẫu 15a",
        }
    }
}

/// One row of a filed form. For products, `inflow` is what entered the warehouse, `outflow`
/// the exports and `issued` zero; for materials, `inflow` is imports and `outflow`
/// re-exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiledRow {
    pub form: Form,
    pub sheet: String,
    /// 1-based, as the spreadsheet shows it.
    pub row: usize,
    pub code: String,
    pub opening: Decimal,
    pub inflow: Decimal,
    pub outflow: Decimal,
    pub repurposed: Decimal,
    pub issued: Decimal,
    pub other: Decimal,
    pub closing: Decimal,
}

impl FiledRow {
    /// Whether closing = opening + inflow − outflows, within 0.01.
    pub fn adds_up(&self) -> bool {
        let computed =
            self.opening + self.inflow - self.outflow - self.repurposed - self.issued - self.other;
        (self.closing - computed).abs() <= Decimal::new(1, 2)
    }
}

/// A row that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub sheet: String,
    pub row: usize,
    pub reason: String,
}

/// What a workbook held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FiledReport {
    pub rows: Vec<FiledRow>,
    pub errors: Vec<RowError>,
}

/// The fields of a form's table, in [`FiledRow`] order after the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Code,
    Opening,
    Inflow,
    Outflow,
    Repurposed,
    Issued,
    Other,
    Closing,
}

/// Header texts (normalized) of each field, per form. A text ending in `*` matches by prefix.
const MATERIAL_HEADERS: &[(Field, &[&str])] = &[
    (
        Field::Code,
        &[
            "mã nl,vt",
            "mã nguyên liệu,vật tư",
            "item_code",
            "material_code",
        ],
    ),
    (Field::Opening, &["tồn đầu kỳ", "opening"]),
    (Field::Inflow, &["nhập trong kỳ", "imported"]),
    (Field::Outflow, &["tái xuất", "reexported"]),
    (
        Field::Repurposed,
        &["chuyển mục đích sử dụng*", "repurposed"],
    ),
    (
        Field::Issued,
        &["xuất kho để sản xuất", "issued_to_production"],
    ),
    (Field::Other, &["xuất kho khác", "other_issued"]),
    (Field::Closing, &["tồn cuối kỳ", "closing"]),
];
const PRODUCT_HEADERS: &[(Field, &[&str])] = &[
    (Field::Code, &["mã sp", "mã sản phẩm", "product_code"]),
    (Field::Opening, &["tồn đầu kỳ", "opening"]),
    (Field::Inflow, &["nhập kho trong kỳ", "produced"]),
    (
        Field::Repurposed,
        &["chuyển mục đích sử dụng*", "repurposed"],
    ),
    (Field::Outflow, &["xuất khẩu", "exported"]),
    (Field::Other, &["xuất khác", "other_out"]),
    (Field::Closing, &["tồn cuối kỳ", "closing"]),
];
/// How far down a sheet the header row may be (titles and signatures come first).
const HEADER_ROWS_MAX: usize = 40;

/// Reads the finalization report forms of a workbook.
pub fn read_report(bytes: &[u8]) -> Result<FiledReport, FormError> {
    let sheets = workbook::read(bytes)?;
    let mut report = FiledReport::default();
    let mut found = false;
    for sheet in &sheets {
        for (form, headers) in [
            (Form::Materials, MATERIAL_HEADERS),
            (Form::Products, PRODUCT_HEADERS),
        ] {
            if let Some((header_row, columns)) = find_header(sheet, headers) {
                found = true;
                read_rows(sheet, form, header_row, &columns, &mut report)?;
                break;
            }
        }
    }
    if !found {
        return Err(FormError::NoForm);
    }
    Ok(report)
}

/// The normalized text of each cell of a row that may be a header; other cells are empty.
fn header_texts(row: &[Cell]) -> Vec<String> {
    row.iter()
        .map(|cell| match cell {
            Cell::Text(text) => normalize(text),
            _ => String::new(),
        })
        .collect()
}

/// Lowercase, one space between words, no space around commas.
fn normalize(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .join(" ")
        .to_lowercase()
        .replace(" ,", ",")
        .replace(", ", ",")
}

fn matches(header: &str, alias: &str) -> bool {
    match alias.strip_suffix('*') {
        Some(prefix) => header.starts_with(prefix),
        None => header == alias,
    }
}

/// The header row and each field's column, if all of a form's fields are on one row.
fn find_header(
    sheet: &Sheet,
    headers: &[(Field, &[&str])],
) -> Option<(usize, Vec<(Field, usize)>)> {
    for (index, row) in sheet.rows.iter().enumerate().take(HEADER_ROWS_MAX) {
        let texts = header_texts(row);
        let columns: Vec<(Field, usize)> = headers
            .iter()
            .filter_map(|(field, aliases)| {
                texts
                    .iter()
                    .position(|text| aliases.iter().any(|alias| matches(text, alias)))
                    .map(|column| (*field, column))
            })
            .collect();
        if columns.len() == headers.len() {
            return Some((index, columns));
        }
    }
    None
}

fn read_rows(
    sheet: &Sheet,
    form: Form,
    header_row: usize,
    columns: &[(Field, usize)],
    report: &mut FiledReport,
) -> Result<(), FormError> {
    let mut rows = Vec::new();
    for (index, cells) in sheet.rows.iter().enumerate().skip(header_row + 1) {
        let number = index + 1;
        match read_row(sheet, form, number, cells, columns) {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => {}
            Err(reason) => report.errors.push(RowError {
                sheet: sheet.name.clone(),
                row: number,
                reason,
            }),
        }
    }
    let held = rows.iter().filter(|row| row.adds_up()).count();
    if held * 5 < rows.len() * 4 {
        return Err(FormError::Layout {
            sheet: sheet.name.clone(),
            form: form.name(),
            held,
            rows: rows.len(),
        });
    }
    report.rows.extend(rows);
    Ok(())
}

/// One data row; `None` for a row without a code (blank lines, column numbers, totals).
fn read_row(
    sheet: &Sheet,
    form: Form,
    number: usize,
    cells: &[Cell],
    columns: &[(Field, usize)],
) -> Result<Option<FiledRow>, String> {
    let at = |field: Field| {
        columns
            .iter()
            .find(|(candidate, _)| *candidate == field)
            .and_then(|(_, column)| cells.get(*column))
            .unwrap_or(&Cell::Empty)
    };
    let code = match at(Field::Code) {
        Cell::Text(text)
            if !text.trim().is_empty() && !is_column_number(text) && !is_total(text) =>
        {
            text.trim().to_string()
        }
        Cell::Number(number) if form == Form::Materials || form == Form::Products => {
            number.to_string()
        }
        _ => return Ok(None),
    };
    let quantity = |field: Field, name: &str| -> Result<Decimal, String> {
        let value = match at(field) {
            Cell::Empty => Decimal::ZERO,
            Cell::Number(value) => *value,
            Cell::Text(text) => parse_number(text).map_err(|why| format!("{name}: {why}"))?,
            Cell::Error(error) => return Err(format!("{name}: the cell holds {error}")),
        };
        if value.is_sign_negative() && !value.is_zero() {
            return Err(format!("{name}: {value} is negative"));
        }
        Ok(value)
    };
    let issued = match form {
        Form::Materials => quantity(Field::Issued, "Xuất kho để sản xuất")?,
        Form::Products => Decimal::ZERO,
    };
    Ok(Some(FiledRow {
        form,
        sheet: sheet.name.clone(),
        row: number,
        opening: quantity(Field::Opening, "Tồn đầu kỳ")?,
        inflow: quantity(Field::Inflow, inflow_name(form))?,
        outflow: quantity(Field::Outflow, outflow_name(form))?,
        repurposed: quantity(Field::Repurposed, "Chuyển mục đích sử dụng")?,
        issued,
        other: quantity(Field::Other, other_name(form))?,
        closing: quantity(Field::Closing, "Tồn cuối kỳ")?,
        code,
    }))
}

fn inflow_name(form: Form) -> &'static str {
    match form {
        Form::Materials => "Nhập trong kỳ",
        Form::Products => "Nhập kho trong kỳ",
    }
}

fn outflow_name(form: Form) -> &'static str {
    match form {
        Form::Materials => "Tái xuất",
        Form::Products => "Xuất khẩu",
    }
}

fn other_name(form: Form) -> &'static str {
    match form {
        Form::Materials => "Xuất kho khác",
        Form::Products => "Xuất khác",
    }
}

/// A totals line: "Tổng cộng", "Cộng", "Total".
fn is_total(text: &str) -> bool {
    let text = normalize(text);
    ["tổng", "cộng", "total"]
        .iter()
        .any(|word| text.starts_with(word))
}

/// The row of column numbers under a header: "(1)", "(2)".
fn is_column_number(text: &str) -> bool {
    let trimmed = text.trim();
    trimmed.starts_with('(') && trimmed.ends_with(')')
}

/// A quantity written as text: `1234.5`, `1.234,5` or `1,234.5`. A lone group separator that
/// could be either (`1.234`, `1,234`) is refused rather than guessed.
pub fn parse_number(text: &str) -> Result<Decimal, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let (dots, commas) = (compact.matches('.').count(), compact.matches(',').count());
    let normalized = match (dots, commas) {
        (0, 0) => compact.clone(),
        (_, 0) | (0, _) => single_separator(&compact, if dots > 0 { '.' } else { ',' })?,
        _ => {
            let decimal = if compact.rfind('.') > compact.rfind(',') {
                '.'
            } else {
                ','
            };
            let group = if decimal == '.' { ',' } else { '.' };
            compact.replace(group, "").replace(decimal, ".")
        }
    };
    normalized
        .parse::<Decimal>()
        .map_err(|_| format!("{text:?} is not a number"))
}

/// A number with one kind of separator: a decimal point if it appears once and is not followed
/// by exactly three digits; group separators if every group after the first has three digits
/// and there are at least two of them; refused otherwise.
fn single_separator(text: &str, separator: char) -> Result<String, String> {
    let parts: Vec<&str> = text.split(separator).collect();
    let grouped = parts.len() > 2 && parts[1..].iter().all(|part| part.len() == 3);
    if grouped {
        return Ok(parts.concat());
    }
    if parts.len() == 2 && parts[1].len() != 3 {
        return Ok(format!("{}.{}", parts[0], parts[1]));
    }
    Err(format!(
        "{text:?} could be read two ways; write it without thousands separators"
    ))
}

/// The rows as the `report.csv` of a reconciliation bundle.
pub fn report_csv(rows: &[FiledRow]) -> String {
    let mut text = String::from(
        "item_code,opening,imported,reexported,repurposed,issued_to_production,other_issued,closing\n",
    );
    for row in rows {
        let code = if row.code.contains([',', '"', '\n']) {
            format!("\"{}\"", row.code.replace('"', "\"\""))
        } else {
            row.code.clone()
        };
        let values = [
            row.opening,
            row.inflow,
            row.outflow,
            row.repurposed,
            row.issued,
            row.other,
            row.closing,
        ];
        let values: Vec<String> = values
            .iter()
            .map(|value| value.normalize().to_string())
            .collect();
        text.push_str(&format!("{code},{}\n", values.join(",")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_text_are_read_or_refused_never_guessed() {
        let read = |text: &str| parse_number(text).map(|value| value.to_string());
        assert_eq!(read("1234.5").unwrap(), "1234.5");
        assert_eq!(read("1.234.567,5").unwrap(), "1234567.5");
        assert_eq!(read("1,234,567.5").unwrap(), "1234567.5");
        assert_eq!(read("12,5").unwrap(), "12.5");
        assert_eq!(read("1.234.567").unwrap(), "1234567");
        assert!(read("1.234").is_err());
        assert!(read("1,234").is_err());
        assert!(read("abc").is_err());
        assert_eq!(read(" ").unwrap(), "0");
    }

    #[test]
    fn headers_are_matched_by_their_text() {
        assert_eq!(normalize("Mã NL, VT"), "mã nl,vt");
        assert_eq!(normalize("  Tồn   đầu kỳ "), "tồn đầu kỳ");
        assert!(matches(
            &normalize("Chuyển mục đích sử dụng, tiêu thụ nội địa, tiêu hủy"),
            "chuyển mục đích sử dụng*"
        ));
    }
}
