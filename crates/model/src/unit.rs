//! Units of measure as UN/ECE Recommendation 20 codes.
//!
//! Each unit belongs to one physical dimension and has an exact decimal factor to that
//! dimension's base unit (kilogram, metre, square metre, litre, piece). Conversion happens only
//! inside one dimension; asking for anything else is a `DimensionMismatch`, because a kilogram of
//! fabric is not a metre of fabric without a declared conversion. Pairs, sets, rolls and cartons
//! are their own dimensions: a pair of shoes is not two pieces in a bill of materials.
//!
//! Units travel as their three-letter codes, so the encoding does not depend on declaration
//! order of the enum.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ModelError;

/// What a unit measures. Quantities convert only within one dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Mass,
    Length,
    Area,
    Volume,
    Count,
    Pair,
    Set,
    Roll,
    Carton,
}

/// A UN/ECE Recommendation 20 unit code known to bonded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    Kilogram,
    Gram,
    Milligram,
    Tonne,
    Metre,
    Centimetre,
    Millimetre,
    Yard,
    Foot,
    SquareMetre,
    SquareYard,
    SquareFoot,
    Litre,
    Millilitre,
    CubicMetre,
    Piece,
    NumberOfArticles,
    Dozen,
    Pair,
    Set,
    Roll,
    Carton,
}

/// Code, unit, dimension and factor to the dimension's base unit as (mantissa, scale).
const TABLE: &[(&str, Unit, Dimension, i64, u32)] = &[
    ("KGM", Unit::Kilogram, Dimension::Mass, 1, 0),
    ("GRM", Unit::Gram, Dimension::Mass, 1, 3),
    ("MGM", Unit::Milligram, Dimension::Mass, 1, 6),
    ("TNE", Unit::Tonne, Dimension::Mass, 1000, 0),
    ("MTR", Unit::Metre, Dimension::Length, 1, 0),
    ("CMT", Unit::Centimetre, Dimension::Length, 1, 2),
    ("MMT", Unit::Millimetre, Dimension::Length, 1, 3),
    ("YRD", Unit::Yard, Dimension::Length, 9144, 4),
    ("FOT", Unit::Foot, Dimension::Length, 3048, 4),
    ("MTK", Unit::SquareMetre, Dimension::Area, 1, 0),
    ("YDK", Unit::SquareYard, Dimension::Area, 83612736, 8),
    ("FTK", Unit::SquareFoot, Dimension::Area, 9290304, 8),
    ("LTR", Unit::Litre, Dimension::Volume, 1, 0),
    ("MLT", Unit::Millilitre, Dimension::Volume, 1, 3),
    ("MTQ", Unit::CubicMetre, Dimension::Volume, 1000, 0),
    ("PCE", Unit::Piece, Dimension::Count, 1, 0),
    ("NAR", Unit::NumberOfArticles, Dimension::Count, 1, 0),
    ("DZN", Unit::Dozen, Dimension::Count, 12, 0),
    ("PR", Unit::Pair, Dimension::Pair, 1, 0),
    ("SET", Unit::Set, Dimension::Set, 1, 0),
    ("RO", Unit::Roll, Dimension::Roll, 1, 0),
    ("CT", Unit::Carton, Dimension::Carton, 1, 0),
];

impl Unit {
    fn row(self) -> &'static (&'static str, Unit, Dimension, i64, u32) {
        TABLE
            .iter()
            .find(|row| row.1 == self)
            .expect("every unit has a row in the table")
    }

    /// The Recommendation 20 code, for example `KGM`.
    pub fn code(self) -> &'static str {
        self.row().0
    }

    pub fn dimension(self) -> Dimension {
        self.row().2
    }

    /// How many base units of the dimension one of this unit is.
    pub fn factor(self) -> Decimal {
        let row = self.row();
        Decimal::new(row.3, row.4)
    }

    /// Converts `quantity` of this unit into `target`, exactly.
    pub fn convert(self, quantity: Decimal, target: Unit) -> Result<Decimal, ModelError> {
        if self == target {
            return Ok(quantity);
        }
        if self.dimension() != target.dimension() {
            return Err(ModelError::DimensionMismatch {
                from: self.code(),
                to: target.code(),
            });
        }
        let base = quantity
            .checked_mul(self.factor())
            .ok_or(ModelError::QuantityOverflow)?;
        let converted = base
            .checked_div(target.factor())
            .ok_or(ModelError::QuantityOverflow)?;
        Ok(converted.normalize())
    }

    /// Every known unit, in table order.
    pub fn all() -> impl Iterator<Item = Unit> {
        TABLE.iter().map(|row| row.1)
    }
}

impl FromStr for Unit {
    type Err = ModelError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        let trimmed = code.trim();
        TABLE
            .iter()
            .find(|row| row.0.eq_ignore_ascii_case(trimmed))
            .map(|row| row.1)
            .ok_or_else(|| ModelError::UnknownUnit(trimmed.to_string()))
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Unit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Unit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn converts_within_a_dimension_exactly() {
        let cases = [
            ("TNE", "1.5", "KGM", "1500"),
            ("GRM", "250", "KGM", "0.25"),
            ("YRD", "100", "MTR", "91.44"),
            ("DZN", "3", "PCE", "36"),
            ("MTQ", "0.002", "LTR", "2"),
        ];
        for (from, quantity, to, expected) in cases {
            let from: Unit = from.parse().unwrap();
            let to: Unit = to.parse().unwrap();
            assert_eq!(from.convert(dec(quantity), to).unwrap(), dec(expected));
        }
    }

    #[test]
    fn refuses_conversion_across_dimensions() {
        let error = Unit::Kilogram.convert(dec("1"), Unit::Metre).unwrap_err();
        assert_eq!(
            error,
            ModelError::DimensionMismatch {
                from: "KGM",
                to: "MTR"
            }
        );
        assert!(Unit::Pair.convert(dec("1"), Unit::Piece).is_err());
    }

    #[test]
    fn unknown_codes_are_named() {
        assert_eq!(
            "KGS".parse::<Unit>().unwrap_err(),
            ModelError::UnknownUnit("KGS".into())
        );
        assert_eq!("kgm".parse::<Unit>().unwrap(), Unit::Kilogram);
    }

    #[test]
    fn every_unit_round_trips_through_its_code() {
        for unit in Unit::all() {
            assert_eq!(unit.code().parse::<Unit>().unwrap(), unit);
        }
    }
}
