//! The records an enterprise's book is made of: items, contracts, declarations, movements and
//! norm commitments.
//!
//! A norm commitment carries only a hash of a norm set version, never the norms: enterprises
//! treat their bills of materials as trade secrets, and the ledger is shared.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{positive, text, ModelError, Regime, TypeCode, Unit};

/// VNACCS accepts at most this many lines on one declaration.
pub const DECLARATION_LINES_MAX: usize = 50;

const CODE_LENGTH_MAX: usize = 64;
const NAME_LENGTH_MAX: usize = 300;
const REFERENCE_LENGTH_MAX: usize = 128;

/// A Harmonized System code as used in Vietnam's tariff: 6 to 10 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HsCode(pub String);

impl HsCode {
    pub fn validate(&self) -> Result<(), ModelError> {
        let digits = self.0.bytes().all(|b| b.is_ascii_digit());
        if !digits || !(6..=10).contains(&self.0.len()) {
            return Err(ModelError::InvalidHsCode(self.0.clone()));
        }
        Ok(())
    }

    /// The international six-digit subheading.
    pub fn subheading(&self) -> &str {
        &self.0[..6.min(self.0.len())]
    }
}

/// Whether an item is an input or an output of production.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Material,
    Product,
}

impl FromStr for ItemKind {
    type Err = ModelError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "material" => Ok(ItemKind::Material),
            "product" => Ok(ItemKind::Product),
            other => Err(ModelError::UnknownKind {
                field: "item kind",
                value: other.to_string(),
            }),
        }
    }
}

/// A material or product in an enterprise's catalogue, under the code used on declarations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub code: String,
    pub kind: ItemKind,
    pub name: String,
    pub unit: Unit,
    pub hs_code: HsCode,
}

impl Item {
    pub fn validate(&self) -> Result<(), ModelError> {
        text("item code", &self.code, CODE_LENGTH_MAX)?;
        text("item name", &self.name, NAME_LENGTH_MAX)?;
        self.hs_code.validate()
    }
}

/// A processing contract (hợp đồng gia công) with a foreign trader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub number: String,
    pub regime: Regime,
    pub foreign_party: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub products: Vec<String>,
}

impl Contract {
    pub fn validate(&self) -> Result<(), ModelError> {
        text("contract number", &self.number, CODE_LENGTH_MAX)?;
        text("foreign party", &self.foreign_party, NAME_LENGTH_MAX)?;
        if self.valid_to < self.valid_from {
            return Err(ModelError::InvertedValidity {
                from: self.valid_from,
                to: self.valid_to,
            });
        }
        for product in &self.products {
            text("contract product code", product, CODE_LENGTH_MAX)?;
        }
        Ok(())
    }
}

/// One goods line of a declaration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationLine {
    pub line_number: u32,
    pub item_code: String,
    pub quantity: Decimal,
    pub unit: Unit,
    pub value_vnd: Decimal,
}

impl DeclarationLine {
    pub fn validate(&self) -> Result<(), ModelError> {
        text("item code", &self.item_code, CODE_LENGTH_MAX)?;
        positive(self.quantity)?;
        if self.value_vnd < Decimal::ZERO {
            return Err(ModelError::NegativeValue(self.value_vnd));
        }
        Ok(())
    }
}

/// A cleared customs declaration (tờ khai) with its goods lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub number: String,
    pub type_code: TypeCode,
    pub date: NaiveDate,
    /// The processing contract the declaration belongs to, for gia công books.
    pub contract: Option<String>,
    pub lines: Vec<DeclarationLine>,
}

impl Declaration {
    pub fn validate(&self) -> Result<(), ModelError> {
        text("declaration number", &self.number, CODE_LENGTH_MAX)?;
        if self.lines.is_empty() || self.lines.len() > DECLARATION_LINES_MAX {
            return Err(ModelError::LineCount(self.lines.len()));
        }
        let mut seen = BTreeSet::new();
        for line in &self.lines {
            line.validate()?;
            if !seen.insert(line.line_number) {
                return Err(ModelError::DuplicateLineNumber(line.line_number));
            }
        }
        Ok(())
    }
}

/// What happened to goods inside the enterprise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    IssuedToProduction,
    Produced,
    OtherIssued,
    OtherOut,
    Scrap,
    Destroyed,
    StockCount,
}

impl MovementKind {
    pub const ALL: [MovementKind; 7] = [
        MovementKind::IssuedToProduction,
        MovementKind::Produced,
        MovementKind::OtherIssued,
        MovementKind::OtherOut,
        MovementKind::Scrap,
        MovementKind::Destroyed,
        MovementKind::StockCount,
    ];

    /// The kind's name in files and in the API (`issued_to_production`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::IssuedToProduction => "issued_to_production",
            MovementKind::Produced => "produced",
            MovementKind::OtherIssued => "other_issued",
            MovementKind::OtherOut => "other_out",
            MovementKind::Scrap => "scrap",
            MovementKind::Destroyed => "destroyed",
            MovementKind::StockCount => "stock_count",
        }
    }
}

impl FromStr for MovementKind {
    type Err = ModelError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim().to_ascii_lowercase();
        MovementKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
            .ok_or(ModelError::UnknownKind {
                field: "movement kind",
                value,
            })
    }
}

/// A warehouse movement reported by the enterprise (Circular 39, form 30).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    pub date: NaiveDate,
    pub item_code: String,
    pub kind: MovementKind,
    pub quantity: Decimal,
    pub unit: Unit,
    pub reference: String,
}

impl Movement {
    pub fn validate(&self) -> Result<(), ModelError> {
        text("item code", &self.item_code, CODE_LENGTH_MAX)?;
        text("movement reference", &self.reference, REFERENCE_LENGTH_MAX)?;
        // A stock count may legitimately find nothing on the shelf.
        if self.kind == MovementKind::StockCount {
            if self.quantity < Decimal::ZERO {
                return Err(ModelError::NegativeValue(self.quantity));
            }
            return Ok(());
        }
        positive(self.quantity).map(|_| ())
    }
}

/// How a norm accounts for production loss. Never guessed: every norm states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossConvention {
    /// Circular 39: the norm already holds the loss.
    Included,
    /// Circular 38: consumption = norm × (1 + loss / 100).
    PercentOfNorm,
    /// Consumption = norm ÷ (1 − loss / 100).
    PercentOfGross,
}

impl LossConvention {
    /// The name used in files and on the wire, as `from_str` reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            LossConvention::Included => "included",
            LossConvention::PercentOfNorm => "percent_of_norm",
            LossConvention::PercentOfGross => "percent_of_gross",
        }
    }
}

impl FromStr for LossConvention {
    type Err = ModelError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "included" => Ok(LossConvention::Included),
            "percent_of_norm" => Ok(LossConvention::PercentOfNorm),
            "percent_of_gross" => Ok(LossConvention::PercentOfGross),
            other => Err(ModelError::UnknownKind {
                field: "loss convention",
                value: other.to_string(),
            }),
        }
    }
}

/// A binding hash commitment to one version of an enterprise's norm set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormCommitment {
    pub regime: Regime,
    pub version: u32,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub loss_convention: LossConvention,
    /// SHA-256 over the canonical encoding of the norm set and a secret salt.
    pub commitment: [u8; 32],
    pub norm_count: u32,
    /// SHA-256 of each sealed envelope of this norm set, one per enclave it was sealed to. A
    /// node keeps an envelope only if the enterprise's commitment names its hash, so no one else
    /// can plant or replace the envelope a verification opens.
    pub envelopes: Vec<[u8; 32]>,
}

impl NormCommitment {
    /// Most envelopes one commitment names (the customs enclave, an AEO's own, spares).
    pub const ENVELOPES_MAX: usize = 8;

    pub fn validate(&self) -> Result<(), ModelError> {
        if self.envelopes.len() > Self::ENVELOPES_MAX {
            return Err(ModelError::TooLong {
                field: "envelopes",
                max: Self::ENVELOPES_MAX,
            });
        }
        if let Some(valid_to) = self.valid_to {
            if valid_to < self.valid_from {
                return Err(ModelError::InvertedValidity {
                    from: self.valid_from,
                    to: valid_to,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn movement_kinds_read_back() {
        for kind in MovementKind::ALL {
            assert_eq!(kind.as_str().parse::<MovementKind>().ok(), Some(kind));
        }
    }

    fn line(number: u32, quantity: &str) -> DeclarationLine {
        DeclarationLine {
            line_number: number,
            item_code: "NL-COTTON".into(),
            quantity: quantity.parse().unwrap(),
            unit: Unit::Kilogram,
            value_vnd: Decimal::from(1000),
        }
    }

    fn declaration(lines: Vec<DeclarationLine>) -> Declaration {
        Declaration {
            number: "104000000001".into(),
            type_code: "E31".parse().unwrap(),
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            contract: None,
            lines,
        }
    }

    #[test]
    fn declarations_reject_bad_lines() {
        assert!(declaration(vec![line(1, "10")]).validate().is_ok());
        let cases = [
            (vec![], ModelError::LineCount(0)),
            (
                vec![line(1, "0")],
                ModelError::NonPositiveQuantity(Decimal::ZERO),
            ),
            (
                vec![line(1, "-2")],
                ModelError::NonPositiveQuantity(Decimal::from(-2)),
            ),
            (
                vec![line(1, "1"), line(1, "2")],
                ModelError::DuplicateLineNumber(1),
            ),
            (
                (1..=51).map(|n| line(n, "1")).collect(),
                ModelError::LineCount(51),
            ),
        ];
        for (lines, expected) in cases {
            assert_eq!(declaration(lines).validate().unwrap_err(), expected);
        }
    }

    #[test]
    fn a_stock_count_may_be_zero_but_an_issue_may_not() {
        let mut movement = Movement {
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            item_code: "NL-COTTON".into(),
            kind: MovementKind::StockCount,
            quantity: Decimal::ZERO,
            unit: Unit::Kilogram,
            reference: "KK-01".into(),
        };
        assert!(movement.validate().is_ok());
        movement.kind = MovementKind::IssuedToProduction;
        assert!(movement.validate().is_err());
    }

    #[test]
    fn hs_codes_are_six_to_ten_digits() {
        assert!(HsCode("52081100".into()).validate().is_ok());
        assert!(HsCode("5208".into()).validate().is_err());
        assert!(HsCode("5208.11".into()).validate().is_err());
    }
}
