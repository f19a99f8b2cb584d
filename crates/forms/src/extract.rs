//! The customs line extract (Báo cáo hàng chi tiết), read into declarations.
//!
//! # Format
//!
//! Enterprises download the extract from the customs system as a workbook with one row per
//! goods line of each declaration: the declaration's number, registration date, type code and
//! contract are repeated on every line of it. Any format [`workbook::read`] takes will do. On
//! each sheet the header row is found by its texts within the first 40 rows, never by
//! position, so titles above it and any column order are fine. The texts, compared lowercased
//! with runs of spaces made one and no space around commas:
//!
//! - declaration number: `Số tờ khai`, `Số TK`; `declaration_number`, `declaration number`
//! - registration date: `Ngày đăng ký` (or `kí`), `Ngày ĐK`, `Ngày tờ khai`;
//!   `declaration_date`, `date`
//! - type code: `Mã loại hình`, `Loại hình`, `Mã LH`; `type_code`, `type code`
//! - contract, the one optional column: `Số hợp đồng`, `Hợp đồng`, `Số HĐ`; `contract`,
//!   `contract_number`
//! - line number: `Số dòng hàng`, `STT hàng`, `Dòng hàng`, `STT dòng hàng`; `line_number`,
//!   `line number`
//! - item code: `Mã hàng`, `Mã NPL/SP`, `Mã NPL,SP`, `Mã SP/NPL`; `item_code`, `item code`
//! - quantity: `Lượng`, `Số lượng`; `quantity`
//! - unit: `ĐVT`, `Đơn vị tính`, `Mã ĐVT`; `unit`
//! - unit price in VND: `Đơn giá`, `Đơn giá (VND)`; `unit_price`, `unit price`,
//!   `unit_price_vnd`
//! - value in VND: `Trị giá`, `Trị giá (VND)`; `value_vnd`, `value`
//!
//! Dates are date cells, `dd/mm/yyyy` or `yyyy-mm-dd` text (a time after them is ignored), or
//! Excel serial numbers in the 1900 date system. Type codes and units are those
//! [`TypeCode`] and [`Unit`] know (`E31`, `KGM`), in any letter case.
//!
//! # Rows
//!
//! A row is a goods line when its item code, quantity or value cell holds something; blank
//! rows, the row of column numbers under the header (`(1)`, `(2)`) and totals are passed over.
//! Every cell of a goods line that cannot be read is a [`RowError`] naming the sheet, the row
//! and the cell (`Lượng (cell F12)`), never a zero; an empty quantity, price or value is such an
//! error too. Rows are grouped into declarations by number, in the order they first appear,
//! across sheets: a declaration may continue on the next sheet when one ran out of rows.
//!
//! # Invariants
//!
//! - The form's own identity, value = quantity × unit price (within 1 VND or 0.01 %), holds on
//!   at least four goods rows in five of every sheet, or the sheet's columns were read wrong
//!   and the whole read fails with [`ExtractError::Layout`]. A few rows where it does not hold
//!   are row errors.
//! - The rows of one declaration agree on its date, type code and contract.
//! - A declaration is returned only whole: if any of its rows is in error, or the grouped
//!   declaration fails [`Declaration::validate`] (1 to [`DECLARATION_LINES_MAX`] lines, unique
//!   line numbers), it is withheld with an error naming it. The ledger records a declaration
//!   number once, so recording part of one would leave no way to add the rest.
//!
//! # Reading
//!
//! Legacy .xls files and XML spreadsheets are read whole by [`workbook::read`]. An .xlsx is
//! streamed with calamine's cell reader instead, into the same cells (formulas by their stored
//! value, a formula without one an error cell): a 70 MB extract holds some fourteen million
//! cells, of which ten columns matter, and held whole they take about 2.8 GB. Unzipping and
//! parsing the sheet's XML is then most of the cost, so one thread does only that and hands
//! the cells on, in bounded pieces, to a second thread that puts the rows together (only the
//! extract's columns, and the first filled cell that tells a totals line), checks them and
//! gathers the declarations.
//!
//! [`DECLARATION_LINES_MAX`]: bonded_model::DECLARATION_LINES_MAX

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, SyncSender};

use bonded_model::{Declaration, DeclarationLine, NaiveDate, TypeCode, Unit};
use calamine::{DataRef, Reader, XlsxCellReader};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::workbook::{self, Cell};
use crate::{header_texts, is_column_number, is_total, matches, parse_number};
use crate::{FormError, RowError};
use crate::{Sheet, HEADER_ROWS_MAX};

/// Why a workbook could not be read as a line extract at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("the file is not an .xlsx, .xls or XML spreadsheet workbook")]
    NotAWorkbook,
    #[error("the workbook cannot be read: {0}")]
    Unreadable(String),
    #[error("no sheet has the header row of a customs line extract (Báo cáo hàng chi tiết)")]
    NoExtract,
    #[error(
        "sheet {sheet:?}: value = quantity × unit price holds on only {held} of {rows} goods \
         rows; its columns are not the extract's"
    )]
    Layout {
        sheet: String,
        held: usize,
        rows: usize,
    },
}

impl From<FormError> for ExtractError {
    fn from(error: FormError) -> Self {
        match error {
            FormError::NotAWorkbook => ExtractError::NotAWorkbook,
            FormError::Unreadable(reason) => ExtractError::Unreadable(reason),
            other => ExtractError::Unreadable(other.to_string()),
        }
    }
}

/// What an extract held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineExtract {
    /// Whole, valid declarations, in the order their first row appears.
    pub declarations: Vec<Declaration>,
    /// Rows that could not be read, and declarations withheld, each naming its sheet and row.
    pub errors: Vec<RowError>,
    /// Goods-line rows read, good or bad.
    pub rows: usize,
}

/// The fields of the extract's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Number,
    Date,
    TypeCode,
    Contract,
    LineNumber,
    ItemCode,
    Quantity,
    Unit,
    UnitPrice,
    Value,
}

const COLUMNS: [Column; 10] = [
    Column::Number,
    Column::Date,
    Column::TypeCode,
    Column::Contract,
    Column::LineNumber,
    Column::ItemCode,
    Column::Quantity,
    Column::Unit,
    Column::UnitPrice,
    Column::Value,
];

impl Column {
    /// The header as customs prints it, for messages.
    fn title(self) -> &'static str {
        match self {
            Column::Number => "Số tờ khai",
            Column::Date => "Ngày đăng ký",
            Column::TypeCode => "Mã loại hình",
            Column::Contract => "Số hợp đồng",
            Column::LineNumber => "Số dòng hàng",
            Column::ItemCode => "Mã hàng",
            Column::Quantity => "Lượng",
            Column::Unit => "ĐVT",
            Column::UnitPrice => "Đơn giá",
            Column::Value => "Trị giá",
        }
    }

    /// Normalized header texts (see [`normalize`]) that name the field.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Number => &[
                "số tờ khai",
                "số tk",
                "declaration_number",
                "declaration number",
            ],
            Column::Date => &[
                "ngày đăng ký",
                "ngày đăng kí",
                "ngày đk",
                "ngày tờ khai",
                "declaration_date",
                "date",
            ],
            Column::TypeCode => &[
                "mã loại hình",
                "loại hình",
                "mã lh",
                "type_code",
                "type code",
            ],
            Column::Contract => &[
                "số hợp đồng",
                "hợp đồng",
                "số hđ",
                "contract",
                "contract_number",
            ],
            Column::LineNumber => &[
                "số dòng hàng",
                "stt hàng",
                "dòng hàng",
                "stt dòng hàng",
                "line_number",
                "line number",
            ],
            Column::ItemCode => &[
                "mã hàng",
                "mã npl/sp",
                "mã npl,sp",
                "mã sp/npl",
                "item_code",
                "item code",
            ],
            Column::Quantity => &["lượng", "số lượng", "quantity"],
            Column::Unit => &["đvt", "đơn vị tính", "mã đvt", "unit"],
            Column::UnitPrice => &[
                "đơn giá",
                "đơn giá (vnd)",
                "unit_price",
                "unit price",
                "unit_price_vnd",
            ],
            Column::Value => &["trị giá", "trị giá (vnd)", "value_vnd", "value"],
        }
    }

    fn required(self) -> bool {
        self != Column::Contract
    }
}

/// Where each field is on a sheet: its 0-based column, if the header row has it.
#[derive(Clone, Debug)]
struct Columns([Option<usize>; COLUMNS.len()]);

impl Columns {
    fn at(&self, column: Column) -> Option<usize> {
        self.0[column as usize]
    }

    /// The fields of a header row, if it has every required one.
    fn find(row: &[Cell]) -> Option<Columns> {
        let texts = header_texts(row);
        let mut columns = [None; COLUMNS.len()];
        for column in COLUMNS {
            columns[column as usize] = texts
                .iter()
                .position(|text| column.aliases().iter().any(|alias| matches(text, alias)));
            if column.required() && columns[column as usize].is_none() {
                return None;
            }
        }
        Some(Columns(columns))
    }
}

/// The fields a declaration repeats on each of its rows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Head {
    type_code: TypeCode,
    date: NaiveDate,
    contract: Option<String>,
}

/// One goods line as read from its row.
struct GoodsRow {
    row: usize,
    number: String,
    head: Head,
    line: DeclarationLine,
    unit_price: Decimal,
}

impl GoodsRow {
    /// Whether value = quantity × unit price, within 1 VND or 0.01 % of the value.
    fn adds_up(&self) -> bool {
        let Some(product) = self.line.quantity.checked_mul(self.unit_price) else {
            return false;
        };
        let difference = (self.line.value_vnd - product).abs();
        difference <= Decimal::ONE || difference <= self.line.value_vnd.abs() * Decimal::new(1, 4)
    }
}

/// A goods row that could not be read, and its declaration number if that much could be.
struct BadRow {
    row: usize,
    number: Option<String>,
    reason: String,
}

impl GoodsRow {
    /// The row as an error, for a value that is not quantity × unit price.
    fn off_identity(self) -> BadRow {
        let reason = format!(
            "{}: {} is not {} × {} (Lượng × Đơn giá)",
            Column::Value.title(),
            self.line.value_vnd,
            self.line.quantity,
            self.unit_price
        );
        BadRow {
            row: self.row,
            number: Some(self.number),
            reason,
        }
    }
}

/// Reads a customs line extract into whole, valid declarations and errors.
pub fn read_extract(bytes: &[u8]) -> Result<LineExtract, ExtractError> {
    workbook::guarded(|| read_extract_unguarded(bytes))
}

fn read_extract_unguarded(bytes: &[u8]) -> Result<LineExtract, ExtractError> {
    let mut gathering = Gathering::default();
    if bytes.starts_with(ZIP_SIGNATURE) {
        read_xlsx(bytes, &mut gathering)?;
    } else {
        read_sheets(&workbook::read(bytes)?, &mut gathering)?;
    }
    if gathering.sheets == 0 {
        return Err(ExtractError::NoExtract);
    }
    Ok(gathering.finish())
}

/// Gathers the extract sheets among sheets read whole.
fn read_sheets(sheets: &[Sheet], gathering: &mut Gathering) -> Result<(), ExtractError> {
    for sheet in sheets {
        let mut tally: Option<SheetTally> = None;
        for (index, cells) in sheet.rows.iter().enumerate() {
            match tally.as_mut() {
                Some(tally) => tally.take(gathering, index + 1, cells),
                None if index < HEADER_ROWS_MAX => {
                    tally =
                        Columns::find(cells).map(|columns| SheetTally::new(&sheet.name, columns))
                }
                None => break,
            }
        }
        if let Some(tally) = tally {
            tally.close(gathering)?;
        }
    }
    Ok(())
}

/// One extract sheet being read: where its fields are, and the counts of the layout rule.
struct SheetTally {
    sheet: String,
    columns: Columns,
    held: usize,
    rows: usize,
}

impl SheetTally {
    fn new(sheet: &str, columns: Columns) -> SheetTally {
        SheetTally {
            sheet: sheet.to_string(),
            columns,
            held: 0,
            rows: 0,
        }
    }

    /// Reads a row below the header into the gathering. Where the identity fails the row is
    /// an error; if it fails on too many rows, [`SheetTally::close`] refuses the whole sheet.
    fn take(&mut self, gathering: &mut Gathering, number: usize, cells: &[Cell]) {
        let Some(row) = read_row(number, cells, &self.columns) else {
            return;
        };
        self.rows += 1;
        let row = match row {
            Ok(goods) if goods.adds_up() => {
                self.held += 1;
                Ok(goods)
            }
            Ok(goods) => Err(goods.off_identity()),
            Err(bad) => Err(bad),
        };
        gathering.add(&self.sheet, row);
    }

    /// Refuses the sheet if the identity holds on fewer than four goods rows in five.
    fn close(self, gathering: &mut Gathering) -> Result<(), ExtractError> {
        if self.held * 5 < self.rows * 4 {
            return Err(ExtractError::Layout {
                sheet: self.sheet,
                held: self.held,
                rows: self.rows,
            });
        }
        gathering.sheets += 1;
        Ok(())
    }
}

/// An .xlsx (a ZIP archive) starts with a local file header.
const ZIP_SIGNATURE: &[u8] = b"PK\x03\x04";
/// Most cells in one piece handed between the threads of [`read_xlsx_sheet`].
const PIECE_CELLS_MAX: usize = 16_384;
/// Most pieces waiting for the gathering thread; the reading thread waits beyond that.
const PIECES_QUEUED_MAX: usize = 8;

/// One cell as calamine streams it, its text still borrowed from the workbook's strings.
struct StreamedCell<'a> {
    /// 0-based row and column.
    at: (u32, u32),
    value: DataRef<'a>,
    formula: bool,
}

/// Gathers the extract sheets of an .xlsx, each streamed rather than read whole: a 70 MB
/// extract holds about fourteen million cells, of which ten columns are needed.
fn read_xlsx(bytes: &[u8], gathering: &mut Gathering) -> Result<(), ExtractError> {
    let unreadable = |error: calamine::XlsxError| ExtractError::Unreadable(error.to_string());
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    for name in book.sheet_names().to_vec() {
        match book.worksheet_cells_reader(&name) {
            Ok(cells) => read_xlsx_sheet(&name, cells, gathering)?,
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
            Err(error) => return Err(unreadable(error)),
        }
    }
    Ok(())
}

/// Unzipping and parsing a sheet's XML takes most of the time, so this thread does only that
/// and hands the cells, in pieces, to a second thread that reads them into declarations.
fn read_xlsx_sheet<RS: std::io::Read + std::io::Seek>(
    name: &str,
    mut cells: XlsxCellReader<'_, RS>,
    gathering: &mut Gathering,
) -> Result<(), ExtractError> {
    let (sender, receiver) = mpsc::sync_channel(PIECES_QUEUED_MAX);
    std::thread::scope(|scope| {
        let gatherer = scope.spawn(move || gather_sheet(name, receiver, gathering));
        let read = send_cells(&mut cells, sender);
        let gathered = gatherer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.map_err(|error| ExtractError::Unreadable(format!("sheet {name}: {error}")))?;
        gathered
    })
}

/// Sends a sheet's cells in pieces, until its end or until the gathering thread stops.
fn send_cells<'a, RS: std::io::Read + std::io::Seek>(
    cells: &mut XlsxCellReader<'a, RS>,
    sender: SyncSender<Vec<StreamedCell<'a>>>,
) -> Result<(), calamine::XlsxError> {
    let mut piece = Vec::with_capacity(PIECE_CELLS_MAX);
    while let Some(record) = cells.next_cell_with_formula_metadata()? {
        piece.push(StreamedCell {
            at: record.pos,
            value: record.value,
            formula: record.formula.is_some(),
        });
        if piece.len() == PIECE_CELLS_MAX {
            let full = std::mem::replace(&mut piece, Vec::with_capacity(PIECE_CELLS_MAX));
            if sender.send(full).is_err() {
                return Ok(());
            }
        }
    }
    let _ = sender.send(piece);
    Ok(())
}

/// Reads the streamed cells of one sheet into the gathering; stops taking them once the header
/// was not found where it may be.
fn gather_sheet(
    name: &str,
    pieces: Receiver<Vec<StreamedCell<'_>>>,
    gathering: &mut Gathering,
) -> Result<(), ExtractError> {
    let mut rows = StreamedRows::new(name);
    for piece in pieces {
        for cell in piece {
            if !rows.push(cell, gathering) {
                return Ok(());
            }
        }
    }
    rows.finish(gathering)
}

/// A streamed sheet's cells, put together into rows.
struct StreamedRows {
    name: String,
    tally: Option<SheetTally>,
    /// The 1-based number of the row being put together, 0 before the first.
    at: usize,
    cells: Vec<Cell>,
    filled: bool,
}

impl StreamedRows {
    fn new(name: &str) -> StreamedRows {
        StreamedRows {
            name: name.to_string(),
            tally: None,
            at: 0,
            cells: Vec::new(),
            filled: false,
        }
    }

    /// Adds a cell; false once the sheet is known to hold no extract. Once the header is known,
    /// cells of columns the extract does not use are left empty, except the first filled cell
    /// of each row, which tells a totals line.
    fn push(&mut self, cell: StreamedCell<'_>, gathering: &mut Gathering) -> bool {
        let (row, column) = (cell.at.0 as usize + 1, cell.at.1 as usize);
        if row != self.at {
            self.end_row(gathering);
            if self.tally.is_none() && row > HEADER_ROWS_MAX {
                return false;
            }
            (self.at, self.filled) = (row, false);
        }
        let used = self
            .tally
            .as_ref()
            .is_none_or(|tally| tally.columns.0.contains(&Some(column)));
        if used || !self.filled {
            let cell = xlsx_cell(cell.value, cell.formula);
            self.filled |= !is_blank(&cell);
            if column >= self.cells.len() {
                self.cells.resize(column + 1, Cell::Empty);
            }
            self.cells[column] = cell;
        }
        true
    }

    /// Looks for the header in a row above it, or reads a row below it.
    fn end_row(&mut self, gathering: &mut Gathering) {
        if self.at == 0 {
            return;
        }
        match self.tally.as_mut() {
            Some(tally) => tally.take(gathering, self.at, &self.cells),
            None => {
                let columns = Columns::find(&self.cells);
                self.tally = columns.map(|columns| SheetTally::new(&self.name, columns));
            }
        }
        self.cells.clear();
    }

    fn finish(mut self, gathering: &mut Gathering) -> Result<(), ExtractError> {
        self.end_row(gathering);
        match self.tally {
            Some(tally) => tally.close(gathering),
            None => Ok(()),
        }
    }
}

/// A streamed .xlsx cell, read as [`workbook::read`] reads it: formulas by their stored value,
/// a formula without one an error, dates as their serial number.
fn xlsx_cell(value: DataRef<'_>, formula: bool) -> Cell {
    match value {
        DataRef::Empty if formula => Cell::Error("a formula with no stored value".into()),
        DataRef::Empty => Cell::Empty,
        DataRef::SharedString(text) => Cell::Text(text.to_string()),
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
            Cell::Text(text)
        }
        DataRef::Float(number) => float(number),
        DataRef::Int(number) => Cell::Number(Decimal::from(number)),
        DataRef::Bool(value) => Cell::Text(value.to_string()),
        DataRef::DateTime(value) => Cell::Text(value.to_string()),
        DataRef::Error(error) => Cell::Error(format!("{error:?}")),
    }
}

/// A number cell as [`workbook::float`] reads it, whole numbers (most of an extract's) without
/// going through their text.
fn float(number: f64) -> Cell {
    const EXACT_MAX: f64 = 9_007_199_254_740_992.0;
    if number.fract() == 0.0 && number.abs() < EXACT_MAX {
        return Cell::Number(Decimal::from(number as i64));
    }
    workbook::float(number)
}

/// One cell of a row, with where it is for messages.
struct Field<'a> {
    column: Column,
    /// 0-based column and 1-based row.
    at: (usize, usize),
    cell: &'a Cell,
}

impl Field<'_> {
    fn fail(&self, why: impl std::fmt::Display) -> String {
        let reference = cell_reference(self.at.0, self.at.1);
        format!("{} (cell {reference}): {why}", self.column.title())
    }
}

/// The cells of one row under a header.
struct Row<'a> {
    number: usize,
    cells: &'a [Cell],
    columns: &'a Columns,
}

impl<'a> Row<'a> {
    fn field(&self, column: Column) -> Option<Field<'a>> {
        let index = self.columns.at(column)?;
        Some(Field {
            column,
            at: (index, self.number),
            cell: self.cells.get(index).unwrap_or(&Cell::Empty),
        })
    }

    /// A required field; the header guarantees its column.
    fn required(&self, column: Column) -> Field<'a> {
        self.field(column).unwrap_or(Field {
            column,
            at: (0, self.number),
            cell: &Cell::Empty,
        })
    }

    fn is_goods_line(&self) -> bool {
        let filled = [Column::ItemCode, Column::Quantity, Column::Value]
            .into_iter()
            .any(|column| !is_blank(self.required(column).cell));
        filled && !self.is_total_or_column_numbers()
    }

    /// A totals line ("Tổng cộng" under the number or the item code, or in the first text cell
    /// of a row without a number), or the column numbers under the header.
    fn is_total_or_column_numbers(&self) -> bool {
        let number = self.required(Column::Number).cell;
        let item = self.required(Column::ItemCode).cell;
        let labelled = |cell: &Cell| matches!(cell, Cell::Text(text) if labels_total(text));
        if labelled(number) || labelled(item) {
            return true;
        }
        if matches!(number, Cell::Text(text) if is_column_number(text)) {
            return true;
        }
        let first_text = self.cells.iter().find(|cell| !is_blank(cell));
        is_blank(number) && first_text.is_some_and(labelled)
    }
}

/// Whether a text is a totals label ("Tổng cộng", "Cộng", "Total"). Every one starts with a T
/// or a C, which spares normalizing the codes of every row to find out.
fn labels_total(text: &str) -> bool {
    let initial = text.trim_start().chars().next();
    initial.is_some_and(|letter| matches!(letter, 't' | 'T' | 'c' | 'C')) && is_total(text)
}

/// A goods row of a sheet, or `None` for a row that is not one.
fn read_row(number: usize, cells: &[Cell], columns: &Columns) -> Option<Result<GoodsRow, BadRow>> {
    let row = Row {
        number,
        cells,
        columns,
    };
    if !row.is_goods_line() {
        return None;
    }
    // TODO: an extract that prints the declaration's fields once, in cells merged down its
    // lines, gives an error for every line after the first; filling them down is not done.
    let declaration = match code(&row.required(Column::Number)) {
        Ok(declaration) => declaration,
        Err(reason) => {
            return Some(Err(BadRow {
                row: number,
                number: None,
                reason,
            }))
        }
    };
    Some(read_goods(&row, &declaration).map_err(|reason| BadRow {
        row: number,
        number: Some(declaration),
        reason,
    }))
}

fn read_goods(row: &Row<'_>, number: &str) -> Result<GoodsRow, String> {
    let head = Head {
        type_code: type_code(&row.required(Column::TypeCode))?,
        date: date(&row.required(Column::Date))?,
        contract: match row.field(Column::Contract) {
            Some(field) if !is_blank(field.cell) => Some(code(&field)?),
            _ => None,
        },
    };
    let line = DeclarationLine {
        line_number: line_number(&row.required(Column::LineNumber))?,
        item_code: code(&row.required(Column::ItemCode))?,
        quantity: amount(&row.required(Column::Quantity), false)?,
        unit: unit(&row.required(Column::Unit))?,
        value_vnd: amount(&row.required(Column::Value), true)?,
    };
    let unit_price = amount(&row.required(Column::UnitPrice), true)?;
    line.validate().map_err(|error| error.to_string())?;
    Ok(GoodsRow {
        row: row.number,
        number: number.to_string(),
        head,
        line,
        unit_price,
    })
}

fn is_blank(cell: &Cell) -> bool {
    match cell {
        Cell::Empty => true,
        Cell::Text(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// A code (declaration number, item code, contract): text, or a whole number.
fn code(field: &Field<'_>) -> Result<String, String> {
    match field.cell {
        Cell::Text(text) if !text.trim().is_empty() => Ok(text.trim().to_string()),
        Cell::Number(number) if number.fract().is_zero() && !number.is_sign_negative() => {
            Ok(number.trunc().to_string())
        }
        Cell::Number(number) => Err(field.fail(format!("{number} is not a code"))),
        Cell::Error(error) => Err(field.fail(format!("the cell holds {error}"))),
        _ => Err(field.fail("the cell is empty")),
    }
}

fn text<'a>(field: &Field<'a>) -> Result<&'a str, String> {
    match field.cell {
        Cell::Text(text) if !text.trim().is_empty() => Ok(text.trim()),
        Cell::Number(number) => Err(field.fail(format!("{number} is a number, not a code"))),
        Cell::Error(error) => Err(field.fail(format!("the cell holds {error}"))),
        _ => Err(field.fail("the cell is empty")),
    }
}

fn type_code(field: &Field<'_>) -> Result<TypeCode, String> {
    text(field)?.parse().map_err(|error| field.fail(error))
}

fn unit(field: &Field<'_>) -> Result<Unit, String> {
    text(field)?.parse().map_err(|error| field.fail(error))
}

fn line_number(field: &Field<'_>) -> Result<u32, String> {
    let value = match field.cell {
        Cell::Number(number) => *number,
        Cell::Text(text) if !text.trim().is_empty() => text
            .trim()
            .parse::<Decimal>()
            .map_err(|_| field.fail(format!("{text:?} is not a line number")))?,
        Cell::Error(error) => return Err(field.fail(format!("the cell holds {error}"))),
        _ => return Err(field.fail("the cell is empty")),
    };
    match value.to_u32() {
        Some(line) if value.fract().is_zero() && line >= 1 => Ok(line),
        _ => Err(field.fail(format!("{value} is not a line number"))),
    }
}

/// A quantity, price or value: never empty, never negative, and a quantity above zero.
fn amount(field: &Field<'_>, zero_allowed: bool) -> Result<Decimal, String> {
    let value = match field.cell {
        Cell::Number(number) => *number,
        Cell::Text(text) if !text.trim().is_empty() => {
            parse_number(text).map_err(|why| field.fail(why))?
        }
        Cell::Error(error) => return Err(field.fail(format!("the cell holds {error}"))),
        _ => return Err(field.fail("the cell is empty")),
    };
    if value.is_sign_negative() && !value.is_zero() {
        return Err(field.fail(format!("{value} is negative")));
    }
    if !zero_allowed && value.is_zero() {
        return Err(field.fail("the quantity is zero"));
    }
    Ok(value)
}

/// 30 December 1899, Excel's day 0 in the 1900 date system, counted from 1 January of year 1.
/// Excel takes 1900 for a leap year, so its serial numbers are exact from 61 (1 March 1900).
const EXCEL_DAY_ZERO: i64 = 693_594;
/// Serial numbers read as dates: 1 March 1900 to 31 December 9999.
const EXCEL_SERIALS: std::ops::RangeInclusive<i64> = 61..=2_958_465;

fn date(field: &Field<'_>) -> Result<NaiveDate, String> {
    let parsed = match field.cell {
        Cell::Number(number) => serial_date(*number),
        Cell::Text(text) => text_date(text.trim()),
        Cell::Error(error) => return Err(field.fail(format!("the cell holds {error}"))),
        Cell::Empty => return Err(field.fail("the cell is empty")),
    };
    parsed.ok_or_else(|| match field.cell {
        Cell::Number(number) => field.fail(format!("{number} is not a date")),
        Cell::Text(text) => field.fail(format!("{text:?} is not dd/mm/yyyy or yyyy-mm-dd")),
        _ => field.fail("the cell is not a date"),
    })
}

/// A date cell's serial number (calamine gives date cells as their serial), `dd/mm/yyyy` or
/// `yyyy-mm-dd` (as XML spreadsheets write date cells); a time after the date is ignored.
fn text_date(text: &str) -> Option<NaiveDate> {
    if let Ok(number) = text.parse::<Decimal>() {
        return serial_date(number);
    }
    let day = text.split(['T', ' ']).next().unwrap_or(text);
    NaiveDate::parse_from_str(day, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(day, "%Y-%m-%d"))
        .ok()
}

/// The day of an Excel serial number; its fraction, the time of day, is ignored.
// TODO: workbooks in the 1904 date system (an option of Excel for Mac) would read four years
// and a day early; calamine knows the flag, but its date cells reach here as serials only.
fn serial_date(number: Decimal) -> Option<NaiveDate> {
    let days = number.trunc().to_i64()?;
    if !EXCEL_SERIALS.contains(&days) {
        return None;
    }
    let from_year_one = i32::try_from(EXCEL_DAY_ZERO + days).ok()?;
    NaiveDate::from_num_days_from_ce_opt(from_year_one)
}

/// `A1`-style name of a 0-based column and a 1-based row.
fn cell_reference(column: usize, row: usize) -> String {
    let mut letters = Vec::new();
    let mut rest = column + 1;
    while rest > 0 {
        let digit = (rest - 1) % 26;
        letters.push(b'A' + digit as u8);
        rest = (rest - 1) / 26;
    }
    letters.reverse();
    format!("{}{row}", String::from_utf8_lossy(&letters))
}

/// A declaration being gathered from its rows.
struct Group {
    number: String,
    /// Where its first row is.
    sheet: String,
    row: usize,
    head: Option<Head>,
    lines: Vec<DeclarationLine>,
    bad_rows: Vec<usize>,
}

impl Group {
    fn new(number: &str, sheet: &str, row: usize) -> Group {
        Group {
            number: number.to_string(),
            sheet: sheet.to_string(),
            row,
            head: None,
            lines: Vec::new(),
            bad_rows: Vec::new(),
        }
    }
}

/// Declarations being gathered from goods rows, sheet after sheet, in the order their first
/// row appears.
#[derive(Default)]
struct Gathering {
    extract: LineExtract,
    groups: Vec<Group>,
    by_number: HashMap<String, usize>,
    /// Extract sheets read so far.
    sheets: usize,
}

impl Gathering {
    fn add(&mut self, sheet: &str, row: Result<GoodsRow, BadRow>) {
        self.extract.rows += 1;
        let (row_number, number) = match &row {
            Ok(goods) => (goods.row, &goods.number),
            Err(BadRow {
                row,
                number: Some(number),
                ..
            }) => (*row, number),
            Err(BadRow {
                row,
                number: None,
                reason,
            }) => {
                let (row, reason) = (*row, reason.clone());
                return self.push_error(sheet, row, reason);
            }
        };
        let index = match self.by_number.get(number) {
            Some(index) => *index,
            None => {
                self.by_number.insert(number.clone(), self.groups.len());
                self.groups.push(Group::new(number, sheet, row_number));
                self.groups.len() - 1
            }
        };
        if let Err((row, reason)) = place(&mut self.groups[index], row) {
            self.push_error(sheet, row, reason);
        }
    }

    fn push_error(&mut self, sheet: &str, row: usize, reason: String) {
        self.extract.errors.push(RowError {
            sheet: sheet.to_string(),
            row,
            reason,
        });
    }

    /// Every whole, valid declaration, and an error for each other one.
    fn finish(mut self) -> LineExtract {
        for group in self.groups {
            finish(group, &mut self.extract);
        }
        self.extract
    }
}

/// Adds a row to its declaration, or says why it cannot be added.
fn place(group: &mut Group, row: Result<GoodsRow, BadRow>) -> Result<(), (usize, String)> {
    match row {
        Ok(goods) => add_line(group, goods),
        Err(bad) => {
            group.bad_rows.push(bad.row);
            Err((bad.row, bad.reason))
        }
    }
}

fn add_line(group: &mut Group, goods: GoodsRow) -> Result<(), (usize, String)> {
    match &group.head {
        None => group.head = Some(goods.head),
        Some(head) if *head != goods.head => {
            group.bad_rows.push(goods.row);
            let reason = format!(
                "declaration {}: {} differ from the declaration's first row ({})",
                group.number,
                describe(&goods.head),
                describe(head)
            );
            return Err((goods.row, reason));
        }
        Some(_) => {}
    }
    group.lines.push(goods.line);
    Ok(())
}

fn describe(head: &Head) -> String {
    format!(
        "{} {}, {} {}, {} {}",
        Column::Date.title(),
        head.date.format("%d/%m/%Y"),
        Column::TypeCode.title(),
        head.type_code,
        Column::Contract.title(),
        head.contract.as_deref().unwrap_or("(none)")
    )
}

/// The whole declaration, or an error naming it at its first row.
fn finish(group: Group, extract: &mut LineExtract) {
    let reason = match (group.head, group.bad_rows.is_empty()) {
        (Some(head), true) => {
            let declaration = Declaration {
                number: group.number.clone(),
                type_code: head.type_code,
                date: head.date,
                contract: head.contract,
                lines: group.lines,
            };
            match declaration.validate() {
                Ok(()) => {
                    extract.declarations.push(declaration);
                    return;
                }
                Err(error) => format!("declaration {}: {error}", group.number),
            }
        }
        _ => {
            let rows: Vec<String> = group.bad_rows.iter().map(usize::to_string).collect();
            format!(
                "declaration {} is withheld: its rows {} could not be read, and a declaration \
                 is recorded only whole",
                group.number,
                rows.join(", ")
            )
        }
    };
    extract.errors.push(RowError {
        sheet: group.sheet,
        row: group.row,
        reason,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_excel_shows_them() {
        assert_eq!(cell_reference(0, 1), "A1");
        assert_eq!(cell_reference(25, 7), "Z7");
        assert_eq!(cell_reference(26, 7), "AA7");
        assert_eq!(cell_reference(27, 12), "AB12");
    }

    #[test]
    fn dates_are_read_from_serials_and_both_text_forms() {
        let expected = NaiveDate::from_ymd_opt(2026, 3, 1);
        assert_eq!(text_date("01/03/2026"), expected);
        assert_eq!(text_date("2026-03-01"), expected);
        assert_eq!(text_date("2026-03-01T00:00:00.000"), expected);
        assert_eq!(text_date("46082"), expected);
        assert_eq!(text_date("03/2026"), None);
        assert_eq!(
            text_date("12"),
            None,
            "too early to be a customs date serial"
        );
    }

    /// A workbook of two extract sheets, a declaration continued from the first to the second,
    /// columns the extract does not use, a totals line labelled in one of them, a formula, a bad
    /// cell, and a sheet without the header.
    fn two_sheets() -> Vec<u8> {
        use rust_xlsxwriter::{Formula, Workbook};
        let header = [
            "STT",
            "Số tờ khai",
            "Ngày đăng ký",
            "Mã loại hình",
            "Tên hàng",
            "Số dòng hàng",
            "Mã hàng",
            "Lượng",
            "ĐVT",
            "Đơn giá",
            "Trị giá",
        ];
        let mut book = Workbook::new();
        book.add_worksheet().write(0, 0, "Ghi chú").unwrap();
        for lines in [[1u32, 2, 3, 4, 5], [6, 7, 8, 9, 10]] {
            let sheet = book.add_worksheet();
            sheet.write(0, 0, "BÁO CÁO HÀNG CHI TIẾT").unwrap();
            for (column, text) in header.iter().enumerate() {
                sheet.write(2, column as u16, *text).unwrap();
            }
            for (offset, line) in lines.into_iter().enumerate() {
                let row = 4 + 2 * offset as u32;
                sheet.write(row, 0, line).unwrap();
                sheet.write(row, 1, 104_000_000_001_f64).unwrap();
                sheet.write(row, 2, "01/03/2026").unwrap();
                sheet.write(row, 3, "E31").unwrap();
                sheet.write(row, 4, "Vải bông").unwrap();
                sheet.write(row, 5, line).unwrap();
                sheet.write(row, 6, format!("NL-{line}")).unwrap();
                let quantity = if line == 7 {
                    "n/a".to_string()
                } else {
                    line.to_string()
                };
                sheet.write(row, 7, quantity).unwrap();
                sheet.write(row, 8, "KGM").unwrap();
                sheet.write(row, 9, 1000).unwrap();
                let value = (line * 1000).to_string();
                let formula = Formula::new(format!("=H{0}*J{0}", row + 1)).set_result(value);
                sheet.write_formula(row, 10, formula).unwrap();
            }
            sheet.write(14, 0, "Tổng cộng").unwrap();
            sheet.write(14, 10, 15000).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn streamed_xlsx_rows_read_as_the_whole_workbook_does() {
        let bytes = two_sheets();
        let mut streamed = Gathering::default();
        read_xlsx(&bytes, &mut streamed).unwrap();
        let mut whole = Gathering::default();
        read_sheets(&workbook::read(&bytes).unwrap(), &mut whole).unwrap();
        assert_eq!((streamed.sheets, whole.sheets), (2, 2));
        let (streamed, whole) = (streamed.finish(), whole.finish());
        assert_eq!(streamed, whole);
        assert_eq!(streamed.rows, 10, "the totals lines are not goods lines");
        let errors: Vec<(&str, usize)> = streamed
            .errors
            .iter()
            .map(|error| (error.sheet.as_str(), error.row))
            .collect();
        assert_eq!(errors, [("Sheet3", 7), ("Sheet2", 5)]);
        assert_eq!(
            streamed.errors[0].reason,
            "Lượng (cell H7): \"n/a\" is not a number"
        );
    }

    #[test]
    fn whole_numbers_read_as_their_text_would() {
        for number in [
            0.0,
            7.0,
            -4.0,
            46_082.0,
            148_800_000.0,
            9.0e15,
            2.5,
            0.1,
            1e300,
        ] {
            assert_eq!(float(number), workbook::float(number), "{number}");
        }
    }

    #[test]
    fn no_alias_names_two_fields() {
        for (index, column) in COLUMNS.iter().enumerate() {
            for other in &COLUMNS[index + 1..] {
                for alias in column.aliases() {
                    assert!(!other.aliases().contains(alias), "{alias:?}");
                }
            }
        }
    }
}
