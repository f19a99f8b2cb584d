//! Customs regimes, their books, and the VNACCS declaration type codes that feed them.
//!
//! One legal entity may run several regimes; each regime is a separate book with its own
//! balance, fed by the same declaration stream and told apart by the type code. The type code
//! alone decides a line's direction and which balance column it lands in (Decision
//! 1357/QĐ-TCHQ, 2021). Codes outside the processing regimes (E13 assets, leased machinery)
//! are recognised but stay out of every material balance.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// A customs regime under which duty-free material is imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Regime {
    /// Gia công: processing for a foreign trader.
    #[serde(rename = "GC")]
    Processing,
    /// Sản xuất xuất khẩu: production for export.
    #[serde(rename = "SXXK")]
    ExportProduction,
    /// Doanh nghiệp chế xuất: export-processing enterprise.
    #[serde(rename = "EPE")]
    ExportProcessingEnterprise,
}

impl Regime {
    pub fn code(self) -> &'static str {
        match self {
            Regime::Processing => "GC",
            Regime::ExportProduction => "SXXK",
            Regime::ExportProcessingEnterprise => "EPE",
        }
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Regime {
    type Err = ModelError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match code.trim().to_ascii_uppercase().as_str() {
            "GC" => Ok(Regime::Processing),
            "SXXK" => Ok(Regime::ExportProduction),
            "EPE" | "DNCX" => Ok(Regime::ExportProcessingEnterprise),
            other => Err(ModelError::UnknownRegime(other.to_string())),
        }
    }
}

/// Whether goods enter or leave the customs territory (or the book).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Import,
    Export,
}

/// The balance column a declaration line lands in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceColumn {
    /// Material imported into a book (Mẫu 15, "Nhập trong kỳ").
    MaterialImported,
    /// Material moved out to another contract or abroad (counted with re-exports).
    MaterialReexported,
    /// Material sold domestically or otherwise repurposed (A42).
    MaterialRepurposed,
    /// Finished products exported (Mẫu 15a, "Xuất khẩu").
    ProductExported,
    /// Products brought back from outward processing.
    ProductReturned,
    /// Outside every material balance (assets, leased machinery).
    OutsideBalance,
}

/// A VNACCS declaration type code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeCode(&'static str);

/// Code, regime (None: any regime), direction, balance column.
const TYPE_CODES: &[(&str, Option<Regime>, Direction, BalanceColumn)] = &[
    (
        "E21",
        Some(Regime::Processing),
        Direction::Import,
        BalanceColumn::MaterialImported,
    ),
    (
        "E23",
        Some(Regime::Processing),
        Direction::Import,
        BalanceColumn::MaterialImported,
    ),
    (
        "E52",
        Some(Regime::Processing),
        Direction::Export,
        BalanceColumn::ProductExported,
    ),
    (
        "E54",
        Some(Regime::Processing),
        Direction::Export,
        BalanceColumn::MaterialReexported,
    ),
    (
        "E31",
        Some(Regime::ExportProduction),
        Direction::Import,
        BalanceColumn::MaterialImported,
    ),
    (
        "E33",
        Some(Regime::ExportProduction),
        Direction::Import,
        BalanceColumn::MaterialImported,
    ),
    (
        "E62",
        Some(Regime::ExportProduction),
        Direction::Export,
        BalanceColumn::ProductExported,
    ),
    (
        "E11",
        Some(Regime::ExportProcessingEnterprise),
        Direction::Import,
        BalanceColumn::MaterialImported,
    ),
    (
        "E15",
        Some(Regime::ExportProcessingEnterprise),
        Direction::Import,
        BalanceColumn::MaterialImported,
    ),
    (
        "E42",
        Some(Regime::ExportProcessingEnterprise),
        Direction::Export,
        BalanceColumn::ProductExported,
    ),
    (
        "E13",
        None,
        Direction::Import,
        BalanceColumn::OutsideBalance,
    ),
    (
        "E41",
        None,
        Direction::Import,
        BalanceColumn::ProductReturned,
    ),
    (
        "E82",
        None,
        Direction::Export,
        BalanceColumn::MaterialReexported,
    ),
    (
        "A42",
        None,
        Direction::Import,
        BalanceColumn::MaterialRepurposed,
    ),
    (
        "B13",
        None,
        Direction::Export,
        BalanceColumn::MaterialReexported,
    ),
    (
        "G12",
        None,
        Direction::Import,
        BalanceColumn::OutsideBalance,
    ),
    (
        "G13",
        None,
        Direction::Import,
        BalanceColumn::OutsideBalance,
    ),
    (
        "G23",
        None,
        Direction::Export,
        BalanceColumn::OutsideBalance,
    ),
    (
        "G61",
        None,
        Direction::Export,
        BalanceColumn::OutsideBalance,
    ),
];

impl TypeCode {
    fn row(self) -> &'static (&'static str, Option<Regime>, Direction, BalanceColumn) {
        TYPE_CODES
            .iter()
            .find(|row| row.0 == self.0)
            .expect("a type code is only built from the table")
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    /// The regime whose book this code feeds; `None` for codes shared by every regime.
    pub fn regime(self) -> Option<Regime> {
        self.row().1
    }

    pub fn direction(self) -> Direction {
        self.row().2
    }

    pub fn column(self) -> BalanceColumn {
        self.row().3
    }

    pub fn all() -> impl Iterator<Item = TypeCode> {
        TYPE_CODES.iter().map(|row| TypeCode(row.0))
    }
}

impl FromStr for TypeCode {
    type Err = ModelError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        let trimmed = code.trim();
        TYPE_CODES
            .iter()
            .find(|row| row.0.eq_ignore_ascii_case(trimmed))
            .map(|row| TypeCode(row.0))
            .ok_or_else(|| ModelError::UnknownTypeCode(trimmed.to_string()))
    }
}

impl fmt::Display for TypeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for TypeCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for TypeCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_codes_decide_direction_and_column() {
        let cases = [
            ("E21", Direction::Import, BalanceColumn::MaterialImported),
            ("E52", Direction::Export, BalanceColumn::ProductExported),
            ("E62", Direction::Export, BalanceColumn::ProductExported),
            ("E42", Direction::Export, BalanceColumn::ProductExported),
            ("A42", Direction::Import, BalanceColumn::MaterialRepurposed),
            ("B13", Direction::Export, BalanceColumn::MaterialReexported),
            ("E13", Direction::Import, BalanceColumn::OutsideBalance),
        ];
        for (code, direction, column) in cases {
            let type_code: TypeCode = code.parse().unwrap();
            assert_eq!(type_code.direction(), direction, "{code}");
            assert_eq!(type_code.column(), column, "{code}");
        }
    }

    #[test]
    fn abolished_and_unknown_codes_are_rejected() {
        for code in ["E56", "X99", ""] {
            assert!(matches!(
                code.parse::<TypeCode>(),
                Err(ModelError::UnknownTypeCode(_))
            ));
        }
    }
}
