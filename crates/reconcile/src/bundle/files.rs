//! One reader per bundle file. Each checks its header first, then every record.

use bonded_model::{BalanceColumn, ItemKind, MovementKind, NaiveDate, Regime, TypeCode, Unit};
use rust_decimal::Decimal;

use super::table::{header_end, is_plain, lossy, Column, Table};
use super::{
    BundleError, CapacityRecord, Catalogue, DeclarationLine, FastMap, FiledRow, Item, ItemId,
    MovementRecord, OpeningRecord,
};

pub(super) fn items(bytes: &[u8]) -> Result<Catalogue, BundleError> {
    let mut table = Table::open("items.csv", bytes)?;
    let code = table.column("code")?;
    let kind = table.column("kind")?;
    let name = table.column("name")?;
    let unit = table.column("unit")?;
    let hs_code = table.column("hs_code")?;
    let mut catalogue = Catalogue::default();
    while table.next()? {
        let item = Item {
            code: table.required_text(code)?.to_string(),
            kind: item_kind(&table, kind)?,
            name: table.text(name)?.to_string(),
            unit: table.unit(unit)?,
            hs_code: hs(&table, hs_code)?,
        };
        if !catalogue.insert(item) {
            return Err(BundleError::DuplicateItem {
                file: table.file,
                line: table.line(),
                value: lossy(table.raw(code)),
            });
        }
    }
    if catalogue.is_empty() {
        return Err(BundleError::EmptyFile { file: table.file });
    }
    Ok(catalogue)
}

fn item_kind(table: &Table<'_>, column: Column) -> Result<ItemKind, BundleError> {
    let raw = table.raw(column);
    table
        .text(column)?
        .parse()
        .map_err(|_| table.invalid(column, raw, "is not an item kind (material or product)"))
}

fn hs(table: &Table<'_>, column: Column) -> Result<String, BundleError> {
    let raw = table.raw(column);
    let digits = raw.iter().all(u8::is_ascii_digit);
    if !digits || !(6..=10).contains(&raw.len()) {
        return Err(table.invalid(column, raw, "is not an HS code of 6 to 10 digits"));
    }
    Ok(lossy(raw))
}

pub(super) fn code_map(bytes: &[u8], catalogue: &mut Catalogue) -> Result<(), BundleError> {
    let mut table = Table::open("code_map.csv", bytes)?;
    let internal = table.column("internal_code")?;
    let customs = table.column("customs_code")?;
    while table.next()? {
        let (internal_raw, customs_raw) = (table.raw(internal), table.raw(customs));
        let pair = (
            catalogue.resolve(internal_raw),
            catalogue.resolve(customs_raw),
        );
        match pair {
            (Some(_), Some(_)) => {
                return Err(table.invalid(
                    internal,
                    internal_raw,
                    "and its customs code are both items",
                ))
            }
            (Some(id), None) => catalogue.alias(customs_raw, id),
            (None, Some(id)) => catalogue.alias(internal_raw, id),
            (None, None) => return Err(unknown_item(&table, customs)),
        }
    }
    Ok(())
}

pub(super) fn item(
    table: &Table<'_>,
    catalogue: &Catalogue,
    column: Column,
) -> Result<ItemId, BundleError> {
    catalogue
        .resolve(table.raw(column))
        .ok_or_else(|| unknown_item(table, column))
}

fn unknown_item(table: &Table<'_>, column: Column) -> BundleError {
    BundleError::UnknownItem {
        file: table.file,
        line: table.line(),
        column: column.name,
        value: lossy(table.raw(column)),
    }
}

pub(super) fn expect_kind(
    table: &Table<'_>,
    catalogue: &Catalogue,
    column: Column,
    id: ItemId,
    expected: ItemKind,
) -> Result<(), BundleError> {
    if catalogue.item(id).kind == expected {
        return Ok(());
    }
    Err(BundleError::WrongItemKind {
        file: table.file,
        line: table.line(),
        column: column.name,
        value: lossy(table.raw(column)),
        expected,
    })
}

/// Converts a quantity into the item's unit; `None` when the dimensions differ.
fn convert(quantity: Decimal, from: Unit, to: Unit) -> Option<Decimal> {
    if from == to {
        return Some(quantity);
    }
    from.convert(quantity, to).ok()
}

fn source_line(table: &Table<'_>) -> u32 {
    u32::try_from(table.line()).unwrap_or(u32::MAX)
}

/// The columns of `declarations.csv`.
struct DeclarationColumns {
    number: Column,
    type_code: Column,
    date: Column,
    line_number: Column,
    item: Column,
    quantity: Column,
    unit: Column,
    value: Column,
}

impl DeclarationColumns {
    fn find(table: &Table<'_>) -> Result<Self, BundleError> {
        Ok(DeclarationColumns {
            number: table.column("declaration_no")?,
            type_code: table.column("type_code")?,
            date: table.column("date")?,
            line_number: table.column("line_no")?,
            item: table.column("item_code")?,
            quantity: table.column("quantity")?,
            unit: table.column("unit")?,
            value: table.column("value_vnd")?,
        })
    }
}

/// Interns declaration numbers; lines of one declaration usually follow each other.
#[derive(Default)]
struct DeclarationNumbers {
    numbers: Vec<String>,
    index: FastMap<Vec<u8>, u32>,
    last: Option<u32>,
}

impl DeclarationNumbers {
    fn intern(&mut self, raw: &[u8]) -> u32 {
        if let Some(last) = self.last {
            if self.numbers[last as usize].as_bytes() == raw {
                return last;
            }
        }
        let id = match self.index.get(raw) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.numbers.len()).expect("fewer than 2^32 declarations");
                self.index.insert(raw.to_vec(), id);
                self.numbers.push(lossy(raw));
                id
            }
        };
        self.last = Some(id);
        id
    }
}

/// A declarations file smaller than this is parsed on one thread.
const PARALLEL_BYTES_MIN: usize = 1 << 20;
/// Threads that parse one declarations file at most.
const PARSE_THREADS_MAX: usize = 8;

/// Parsed lines of one part of the declarations file, with their own declaration numbers.
struct Part {
    numbers: DeclarationNumbers,
    lines: Vec<DeclarationLine>,
    /// Lines of the file the part spans.
    line_count: u64,
}

/// Parses `declarations.csv`. A large plain file is cut at line ends into one part per
/// thread; the parts are parsed at once and joined in file order, so the result is the same as
/// a single pass. If any part fails, the file is parsed again in one pass, so that the error
/// reported is the first in the file with its true line number.
pub(super) fn declarations(
    bytes: &[u8],
    catalogue: &Catalogue,
) -> Result<(Vec<String>, Vec<DeclarationLine>), BundleError> {
    let table = Table::open("declarations.csv", bytes)?;
    let columns = DeclarationColumns::find(&table)?;
    let threads = std::thread::available_parallelism().map_or(1, |count| count.get());
    let threads = threads.min(PARSE_THREADS_MAX);
    let lines = if threads > 1 && bytes.len() >= PARALLEL_BYTES_MIN && is_plain(bytes) {
        match parallel(&table, &columns, bytes, catalogue, threads) {
            Some(joined) => joined,
            None => read_part(table, &columns, catalogue)?,
        }
    } else {
        read_part(table, &columns, catalogue)?
    };
    if lines.lines.is_empty() {
        return Err(BundleError::EmptyFile {
            file: "declarations.csv",
        });
    }
    Ok((lines.numbers.numbers, lines.lines))
}

fn read_part(
    mut table: Table<'_>,
    columns: &DeclarationColumns,
    catalogue: &Catalogue,
) -> Result<Part, BundleError> {
    let mut part = Part {
        numbers: DeclarationNumbers::default(),
        lines: Vec::new(),
        line_count: 0,
    };
    let mut cache = Recent::default();
    while table.next()? {
        let line = declaration_line(&table, columns, catalogue, &mut part.numbers, &mut cache)?;
        part.lines.push(line);
    }
    part.line_count = table.line();
    Ok(part)
}

/// Cuts the records after the header into `threads` parts at line ends.
fn cut(bytes: &[u8], threads: usize) -> Vec<&[u8]> {
    let body = &bytes[header_end(bytes)..];
    let mut parts = Vec::with_capacity(threads);
    let mut start = 0;
    for index in 1..threads {
        let target = (body.len() * index / threads).max(start);
        let end = memchr::memchr(b'\n', &body[target..]).map_or(body.len(), |at| target + at + 1);
        parts.push(&body[start..end]);
        start = end;
    }
    parts.push(&body[start..]);
    parts
}

fn parallel(
    header: &Table<'_>,
    columns: &DeclarationColumns,
    bytes: &[u8],
    catalogue: &Catalogue,
    threads: usize,
) -> Option<Part> {
    let pieces = cut(bytes, threads);
    let results: Vec<Result<Part, BundleError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pieces
            .iter()
            .map(|piece| {
                let table = Table::chunk(header, piece, 1);
                scope.spawn(move || read_part(table, columns, catalogue))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let parts: Result<Vec<Part>, BundleError> = results.into_iter().collect();
    Some(join(parts.ok()?))
}

/// Joins parts in file order: renumbers declarations and shifts line numbers.
fn join(parts: Vec<Part>) -> Part {
    let mut parts = parts.into_iter();
    let mut joined = parts.next().expect("at least one part");
    let mut lines_before = 1 + joined.line_count;
    for line in &mut joined.lines {
        line.source_line += 1;
    }
    for part in parts {
        let renumber: Vec<u32> = part
            .numbers
            .numbers
            .iter()
            .map(|number| joined.numbers.intern(number.as_bytes()))
            .collect();
        let shift = u32::try_from(lines_before).unwrap_or(u32::MAX);
        joined.lines.extend(part.lines.into_iter().map(|mut line| {
            line.declaration = renumber[line.declaration as usize];
            line.source_line += shift;
            line
        }));
        lines_before += part.line_count;
    }
    joined
}

/// Short codes (type codes, units) seen lately, packed into a `u64` with their length.
struct Seen<T> {
    entries: Vec<(u64, T)>,
}

/// Distinct short codes remembered; a file uses a handful of type codes and units.
const SEEN_MAX: usize = 16;

impl<T: Copy> Seen<T> {
    fn new() -> Self {
        Seen {
            entries: Vec::with_capacity(SEEN_MAX),
        }
    }

    fn pack(raw: &[u8]) -> Option<u64> {
        if raw.len() > 7 {
            return None;
        }
        let mut bytes = [0u8; 8];
        bytes[..raw.len()].copy_from_slice(raw);
        bytes[7] = raw.len() as u8;
        Some(u64::from_le_bytes(bytes))
    }

    fn get_or(
        &mut self,
        raw: &[u8],
        parse: impl FnOnce() -> Result<T, BundleError>,
    ) -> Result<T, BundleError> {
        let key = Self::pack(raw);
        if let Some(found) = key.and_then(|key| self.entries.iter().find(|(k, _)| *k == key)) {
            return Ok(found.1);
        }
        let value = parse()?;
        if let Some(key) = key.filter(|_| self.entries.len() < SEEN_MAX) {
            self.entries.push((key, value));
        }
        Ok(value)
    }
}

/// What consecutive lines usually share: type codes, units and the date.
struct Recent {
    type_codes: Seen<TypeCode>,
    units: Seen<Unit>,
    date: Option<([u8; 10], NaiveDate)>,
}

impl Default for Recent {
    fn default() -> Self {
        Recent {
            type_codes: Seen::new(),
            units: Seen::new(),
            date: None,
        }
    }
}

impl Recent {
    fn type_code(&mut self, table: &Table<'_>, column: Column) -> Result<TypeCode, BundleError> {
        self.type_codes
            .get_or(table.raw(column), || type_code(table, column))
    }

    fn unit(&mut self, table: &Table<'_>, column: Column) -> Result<Unit, BundleError> {
        self.units.get_or(table.raw(column), || table.unit(column))
    }

    fn date(&mut self, table: &Table<'_>, column: Column) -> Result<NaiveDate, BundleError> {
        let raw = table.raw(column);
        if let Some((_, date)) = self.date.filter(|(text, _)| text.as_slice() == raw) {
            return Ok(date);
        }
        let date = table.date(column)?;
        self.date = <[u8; 10]>::try_from(raw).ok().map(|text| (text, date));
        Ok(date)
    }
}

fn declaration_line(
    table: &Table<'_>,
    columns: &DeclarationColumns,
    catalogue: &Catalogue,
    numbers: &mut DeclarationNumbers,
    recent: &mut Recent,
) -> Result<DeclarationLine, BundleError> {
    let number = table.raw(columns.number);
    if number.is_empty() {
        return Err(table.invalid(columns.number, number, "must not be empty"));
    }
    let type_code = recent.type_code(table, columns.type_code)?;
    let item = item(table, catalogue, columns.item)?;
    check_kind_fits_code(table, catalogue, columns.item, item, type_code)?;
    let declared_unit = recent.unit(table, columns.unit)?;
    let declared = table.positive(columns.quantity)?;
    let target = catalogue.item(item).unit;
    let converted = convert(declared, declared_unit, target);
    let line_raw = table.raw(columns.line_number);
    let line_number = std::str::from_utf8(line_raw)
        .ok()
        .and_then(|text| text.parse::<u32>().ok())
        .ok_or_else(|| table.invalid(columns.line_number, line_raw, "is not a line number"))?;
    let value_vnd = table.decimal(columns.value)?;
    if value_vnd < Decimal::ZERO {
        return Err(table.invalid(
            columns.value,
            table.raw(columns.value),
            "must not be negative",
        ));
    }
    Ok(DeclarationLine {
        declaration: numbers.intern(number),
        line_number,
        source_line: source_line(table),
        item,
        date: recent.date(table, columns.date)?,
        type_code,
        column: type_code.column(),
        regime: type_code.regime(),
        quantity: converted.unwrap_or(declared),
        unit: declared_unit,
        unit_ok: converted.is_some(),
        value_vnd,
    })
}

fn type_code(table: &Table<'_>, column: Column) -> Result<TypeCode, BundleError> {
    let raw = table.raw(column);
    std::str::from_utf8(raw)
        .ok()
        .and_then(|text| text.parse::<TypeCode>().ok())
        .ok_or_else(|| BundleError::UnknownTypeCode {
            file: table.file,
            line: table.line(),
            column: column.name,
            value: lossy(raw),
        })
}

/// Materials are imported, re-exported and moved between contracts; products are exported and
/// returned. Repurposing (A42) and codes outside the balance take either.
fn check_kind_fits_code(
    table: &Table<'_>,
    catalogue: &Catalogue,
    column: Column,
    item: ItemId,
    type_code: TypeCode,
) -> Result<(), BundleError> {
    let expected = match type_code.column() {
        BalanceColumn::MaterialImported | BalanceColumn::MaterialReexported => ItemKind::Material,
        BalanceColumn::ProductExported | BalanceColumn::ProductReturned => ItemKind::Product,
        BalanceColumn::MaterialRepurposed | BalanceColumn::OutsideBalance => return Ok(()),
    };
    expect_kind(table, catalogue, column, item, expected)
}

fn book(table: &Table<'_>, column: Option<Column>) -> Result<Option<Regime>, BundleError> {
    let Some(column) = column else {
        return Ok(None);
    };
    let raw = table.raw(column);
    if raw.is_empty() {
        return Ok(None);
    }
    let text = table.text(column)?;
    text.parse()
        .map(Some)
        .map_err(|_| table.invalid(column, raw, "is not a regime (GC, SXXK or EPE)"))
}

pub(super) fn movements(
    bytes: &[u8],
    catalogue: &Catalogue,
) -> Result<Vec<MovementRecord>, BundleError> {
    let mut table = Table::open("movements.csv", bytes)?;
    let date = table.column("date")?;
    let item_column = table.column("item_code")?;
    let kind = table.column("kind")?;
    let quantity = table.column("quantity")?;
    let unit = table.column("unit")?;
    let reference = table.column("reference")?;
    let regime = table.optional_column("regime");
    let mut records = Vec::new();
    while table.next()? {
        let id = item(&table, catalogue, item_column)?;
        let kind = movement_kind(&table, kind)?;
        match kind {
            MovementKind::IssuedToProduction => {
                expect_kind(&table, catalogue, item_column, id, ItemKind::Material)?
            }
            MovementKind::Produced => {
                expect_kind(&table, catalogue, item_column, id, ItemKind::Product)?
            }
            _ => {}
        }
        let declared_unit = table.unit(unit)?;
        let declared = match kind {
            MovementKind::StockCount => non_negative(&table, quantity)?,
            _ => table.positive(quantity)?,
        };
        let converted = convert(declared, declared_unit, catalogue.item(id).unit);
        records.push(MovementRecord {
            date: table.date(date)?,
            item: id,
            kind,
            quantity: converted.unwrap_or(declared),
            unit: declared_unit,
            unit_ok: converted.is_some(),
            reference: table.text(reference)?.to_string(),
            book: book(&table, regime)?,
            source_line: source_line(&table),
        });
    }
    Ok(records)
}

fn movement_kind(table: &Table<'_>, column: Column) -> Result<MovementKind, BundleError> {
    let raw = table.raw(column);
    table.text(column)?.parse().map_err(|_| {
        table.invalid(
            column,
            raw,
            "is not a movement kind (issued_to_production, produced, other_issued, other_out, \
             scrap, destroyed, stock_count)",
        )
    })
}

fn non_negative(table: &Table<'_>, column: Column) -> Result<Decimal, BundleError> {
    let value = table.decimal(column)?;
    if value < Decimal::ZERO {
        return Err(table.invalid(column, table.raw(column), "must not be negative"));
    }
    Ok(value)
}

pub(super) fn opening(
    bytes: &[u8],
    catalogue: &Catalogue,
) -> Result<Vec<OpeningRecord>, BundleError> {
    let mut table = Table::open("opening.csv", bytes)?;
    let item_column = table.column("item_code")?;
    let quantity = table.column("quantity")?;
    let unit = table.column("unit")?;
    let regime = table.optional_column("regime");
    let mut records = Vec::new();
    while table.next()? {
        let id = item(&table, catalogue, item_column)?;
        let declared_unit = table.unit(unit)?;
        let declared = non_negative(&table, quantity)?;
        let converted = convert(declared, declared_unit, catalogue.item(id).unit);
        records.push(OpeningRecord {
            item: id,
            quantity: converted.unwrap_or(declared),
            unit: declared_unit,
            unit_ok: converted.is_some(),
            book: book(&table, regime)?,
            source_line: source_line(&table),
        });
    }
    Ok(records)
}

pub(super) fn report(bytes: &[u8], catalogue: &Catalogue) -> Result<Vec<FiledRow>, BundleError> {
    let mut table = Table::open("report.csv", bytes)?;
    let item_column = table.column("item_code")?;
    let names = [
        "opening",
        "imported",
        "reexported",
        "repurposed",
        "issued_to_production",
        "other_issued",
        "closing",
    ];
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        columns.push(table.column(name)?);
    }
    let regime = table.optional_column("regime");
    let mut rows = Vec::new();
    while table.next()? {
        let mut values = [Decimal::ZERO; 7];
        for (value, column) in values.iter_mut().zip(&columns) {
            *value = table.decimal_or_zero(*column)?;
        }
        rows.push(FiledRow {
            item: item(&table, catalogue, item_column)?,
            book: book(&table, regime)?,
            source_line: source_line(&table),
            opening: values[0],
            imported: values[1],
            reexported: values[2],
            repurposed: values[3],
            issued_to_production: values[4],
            other_issued: values[5],
            closing: values[6],
        });
    }
    Ok(rows)
}

pub(super) fn facility(
    bytes: &[u8],
    catalogue: &Catalogue,
) -> Result<Vec<CapacityRecord>, BundleError> {
    let mut table = Table::open("facility.csv", bytes)?;
    let product = table.column("product_code")?;
    let capacity = table.column("capacity_per_year")?;
    let unit = table.column("unit")?;
    let mut records = Vec::new();
    while table.next()? {
        let id = item(&table, catalogue, product)?;
        expect_kind(&table, catalogue, product, id, ItemKind::Product)?;
        let declared_unit = table.unit(unit)?;
        let declared = table.positive(capacity)?;
        let converted = convert(declared, declared_unit, catalogue.item(id).unit);
        records.push(CapacityRecord {
            product: id,
            capacity_per_year: converted.unwrap_or(declared),
            unit: declared_unit,
            unit_ok: converted.is_some(),
            source_line: source_line(&table),
        });
    }
    Ok(records)
}
