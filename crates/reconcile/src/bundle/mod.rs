//! The input bundle: the CSV files of one enterprise, parsed and checked as a whole.
//!
//! Parsing is all or nothing. The first bad field stops it with an error naming the file, the
//! line and the column, and no partial bundle is returned: a reconciliation over half a file
//! would read as a clean result for the other half.
//!
//! Quantities are converted to the unit of their item as they are read. A line whose unit
//! measures another dimension (kilograms declared for a material kept in metres) cannot be
//! converted; it is kept with `unit_ok = false` so that the engine reports it as a finding
//! (`UNIT-MISMATCH`) rather than failing the whole bundle over one line.
//!
//! `items.csv` and `declarations.csv` are required; the other files are optional, and a rule
//! that needs a missing one reports itself as not evaluable.

mod catalogue;
mod files;
mod norms;
mod records;
mod table;

pub use catalogue::{Catalogue, Item, ItemId};
pub use norms::{effective_norm, NormRow, NormVersion, Norms, EFFECTIVE_NORM_SCALE};
pub use records::{LedgerFiles, LedgerRecords};

pub(crate) use catalogue::FastMap;

use bonded_model::{BalanceColumn, ItemKind, MovementKind, NaiveDate, Regime, TypeCode, Unit};
use rust_decimal::Decimal;

/// The raw bytes of each file of a bundle, as the caller read them. `None`: the file is absent.
#[derive(Clone, Copy, Debug, Default)]
pub struct BundleInput<'a> {
    pub items: Option<&'a [u8]>,
    pub declarations: Option<&'a [u8]>,
    pub norms: Option<&'a [u8]>,
    pub movements: Option<&'a [u8]>,
    pub opening: Option<&'a [u8]>,
    pub report: Option<&'a [u8]>,
    pub facility: Option<&'a [u8]>,
    pub code_map: Option<&'a [u8]>,
}

/// The file names of a bundle, in the order they are read.
pub const BUNDLE_FILES: [&str; 8] = [
    "items.csv",
    "declarations.csv",
    "norms.csv",
    "movements.csv",
    "opening.csv",
    "report.csv",
    "facility.csv",
    "code_map.csv",
];

impl<'a> BundleInput<'a> {
    /// Sets the bytes of the file called `name`; `false` if the name is not a bundle file.
    pub fn set(&mut self, name: &str, bytes: &'a [u8]) -> bool {
        let slot = match name {
            "items.csv" => &mut self.items,
            "declarations.csv" => &mut self.declarations,
            "norms.csv" => &mut self.norms,
            "movements.csv" => &mut self.movements,
            "opening.csv" => &mut self.opening,
            "report.csv" => &mut self.report,
            "facility.csv" => &mut self.facility,
            "code_map.csv" => &mut self.code_map,
            _ => return false,
        };
        *slot = Some(bytes);
        true
    }
}

/// Why a bundle was rejected. Every variant names the file; those about a field name the line
/// and the column too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("{file}: the file is missing from the bundle")]
    MissingFile { file: &'static str },
    #[error("{file}: the file holds no records")]
    EmptyFile { file: &'static str },
    #[error("{file} line 1: the header has no column {column:?}")]
    MissingColumn {
        file: &'static str,
        column: &'static str,
    },
    #[error("{file} line {line}: {message}")]
    Malformed {
        file: &'static str,
        line: u64,
        message: String,
    },
    #[error("{file} line {line}, column {column}: {value:?} is not a decimal number")]
    BadNumber {
        file: &'static str,
        line: u64,
        column: &'static str,
        value: String,
    },
    #[error("{file} line {line}, column {column}: {value:?} is not a date (YYYY-MM-DD)")]
    BadDate {
        file: &'static str,
        line: u64,
        column: &'static str,
        value: String,
    },
    #[error("{file} line {line}, column {column}: unknown item code {value:?}")]
    UnknownItem {
        file: &'static str,
        line: u64,
        column: &'static str,
        value: String,
    },
    #[error("{file} line {line}, column {column}: unknown declaration type code {value:?}")]
    UnknownTypeCode {
        file: &'static str,
        line: u64,
        column: &'static str,
        value: String,
    },
    #[error("{file} line {line}, column {column}: unknown unit {value:?} (expected a UN/ECE Rec 20 code)")]
    UnknownUnit {
        file: &'static str,
        line: u64,
        column: &'static str,
        value: String,
    },
    #[error("{file} line {line}, column {column}: {value:?} {reason}")]
    InvalidValue {
        file: &'static str,
        line: u64,
        column: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("{file} line {line}, column {column}: item {value:?} is not a {expected:?}")]
    WrongItemKind {
        file: &'static str,
        line: u64,
        column: &'static str,
        value: String,
        expected: ItemKind,
    },
    #[error("{file} line {line}: item code {value:?} is listed twice")]
    DuplicateItem {
        file: &'static str,
        line: u64,
        value: String,
    },
    #[error(
        "{file} line {line}, column valid_from: the norm version of {product} from {valid_from} \
         starts before the version on line {previous_line} ends ({previous_to})"
    )]
    OverlappingNorms {
        file: &'static str,
        line: u64,
        product: String,
        valid_from: NaiveDate,
        previous_line: u64,
        previous_to: NaiveDate,
    },
    #[error(
        "{file} line {line}, column material_code: {material} appears twice in the norm version \
         of {product} from {valid_from}"
    )]
    DuplicateNorm {
        file: &'static str,
        line: u64,
        product: String,
        material: String,
        valid_from: NaiveDate,
    },
    #[error("{file}: no line carries the type code of a processing regime (E11 to E62)")]
    NoBook { file: &'static str },
    #[error(
        "{file} line {line}, column valid_to: the rows of the norm version of {product} from \
         {valid_from} disagree on valid_to"
    )]
    InconsistentNormVersion {
        file: &'static str,
        line: u64,
        product: String,
        valid_from: NaiveDate,
    },
}

/// One goods line of a declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeclarationLine {
    /// Index into `Bundle::declaration_numbers`.
    pub declaration: u32,
    pub line_number: u32,
    /// The line of `declarations.csv` the record was read from.
    pub source_line: u32,
    pub item: ItemId,
    pub date: NaiveDate,
    pub type_code: TypeCode,
    /// The balance column of the type code, kept on the line to spare a table lookup.
    pub column: BalanceColumn,
    /// The regime of the type code; `None` for codes shared by every regime.
    pub regime: Option<Regime>,
    /// In the item's unit when `unit_ok`; as declared otherwise.
    pub quantity: Decimal,
    pub unit: Unit,
    pub unit_ok: bool,
    pub value_vnd: Decimal,
}

/// A warehouse movement (Circular 39, form 30).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovementRecord {
    pub date: NaiveDate,
    pub item: ItemId,
    pub kind: MovementKind,
    pub quantity: Decimal,
    pub unit: Unit,
    pub unit_ok: bool,
    pub reference: String,
    pub book: Option<Regime>,
    pub source_line: u32,
}

/// Opening stock of an item at the start of the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningRecord {
    pub item: ItemId,
    pub quantity: Decimal,
    pub unit: Unit,
    pub unit_ok: bool,
    pub book: Option<Regime>,
    pub source_line: u32,
}

/// One row of the filed finalization report (Mẫu 15 for materials, 15a for products).
///
/// Product rows use the material columns by position: `imported` holds produced, `reexported`
/// holds exported and `other_issued` holds other_out; `issued_to_production` is unused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiledRow {
    pub item: ItemId,
    pub book: Option<Regime>,
    pub source_line: u32,
    pub opening: Decimal,
    pub imported: Decimal,
    pub reexported: Decimal,
    pub repurposed: Decimal,
    pub issued_to_production: Decimal,
    pub other_issued: Decimal,
    pub closing: Decimal,
}

/// A product's declared yearly capacity (production-facility notice, mẫu 20).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapacityRecord {
    pub product: ItemId,
    pub capacity_per_year: Decimal,
    pub unit: Unit,
    pub unit_ok: bool,
    pub source_line: u32,
}

/// A parsed, checked bundle.
#[derive(Clone, Debug, Default)]
pub struct Bundle {
    pub catalogue: Catalogue,
    pub declaration_numbers: Vec<String>,
    pub declarations: Vec<DeclarationLine>,
    pub norms: Option<Norms>,
    pub movements: Option<Vec<MovementRecord>>,
    pub opening: Option<Vec<OpeningRecord>>,
    pub report: Option<Vec<FiledRow>>,
    pub facility: Option<Vec<CapacityRecord>>,
}

impl Bundle {
    /// Parses every file of the bundle; the first error stops it.
    pub fn parse(input: &BundleInput<'_>) -> Result<Bundle, BundleError> {
        let _span = tracing::debug_span!("reconcile.parse").entered();
        let items = input
            .items
            .ok_or(BundleError::MissingFile { file: "items.csv" })?;
        let declarations = input.declarations.ok_or(BundleError::MissingFile {
            file: "declarations.csv",
        })?;

        let mut catalogue = files::items(items)?;
        if let Some(bytes) = input.code_map {
            files::code_map(bytes, &mut catalogue)?;
        }
        let (declaration_numbers, declarations) = files::declarations(declarations, &catalogue)?;
        if declarations.iter().all(|line| line.regime.is_none()) {
            return Err(BundleError::NoBook {
                file: "declarations.csv",
            });
        }
        let norms = input
            .norms
            .map(|bytes| norms::parse(bytes, &catalogue))
            .transpose()?;
        let bundle = Bundle {
            norms,
            movements: optional(input.movements, &catalogue, files::movements)?,
            opening: optional(input.opening, &catalogue, files::opening)?,
            report: optional(input.report, &catalogue, files::report)?,
            facility: optional(input.facility, &catalogue, files::facility)?,
            catalogue,
            declaration_numbers,
            declarations,
        };
        tracing::debug!(
            items = bundle.catalogue.len(),
            declaration_lines = bundle.declarations.len(),
            "bundle parsed"
        );
        Ok(bundle)
    }

    pub fn item(&self, id: ItemId) -> &Item {
        self.catalogue.item(id)
    }

    /// `declaration 104000000001 line 3 (declarations.csv line 57)`.
    pub fn describe_line(&self, line: &DeclarationLine) -> String {
        format!(
            "declaration {} line {} ({} {}, declarations.csv line {})",
            self.declaration_numbers[line.declaration as usize],
            line.line_number,
            line.type_code,
            line.date,
            line.source_line
        )
    }
}

fn optional<T>(
    bytes: Option<&[u8]>,
    catalogue: &Catalogue,
    parse: fn(&[u8], &Catalogue) -> Result<T, BundleError>,
) -> Result<Option<T>, BundleError> {
    bytes.map(|bytes| parse(bytes, catalogue)).transpose()
}
