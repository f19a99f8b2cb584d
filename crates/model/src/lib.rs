//! The customs domain of bonded, as plain values with their own validation.
//!
//! Everything here is pure: no clock, no disk, no network. Quantities are exact decimals
//! (`rust_decimal`), never floats, and always carry a UN/ECE Recommendation 20 unit. Each record
//! validates itself (`validate`) so that the ledger's state machine, the CSV importers and the
//! reconciliation engine reject the same bad input with the same named reason.

mod decision;
mod enclave;
mod party;
mod records;
mod regime;
mod unit;

pub use decision::{Decision, DecisionKind};
pub use enclave::{ApprovedCode, AttestationTrust, EnclaveRegistration, VerdictRecord};
pub use party::{IntakeGroup, OrganizationId, OrganizationKind, OrganizationRecord, TaxCode};
pub use records::{
    Contract, Declaration, DeclarationLine, HsCode, Item, ItemKind, LossConvention, Movement,
    MovementKind, NormCommitment, DECLARATION_LINES_MAX,
};
pub use regime::{BalanceColumn, Direction, Regime, TypeCode};
pub use unit::{Dimension, Unit};

pub use chrono::NaiveDate;
pub use rust_decimal::Decimal;

/// Why a domain value is invalid. Each variant is a reason a caller can fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("unknown unit code {0:?} (expected a UN/ECE Recommendation 20 code such as KGM)")]
    UnknownUnit(String),
    #[error("unit {from} cannot be converted to {to}: they measure different dimensions")]
    DimensionMismatch {
        from: &'static str,
        to: &'static str,
    },
    #[error("quantity is too large to convert exactly")]
    QuantityOverflow,
    #[error("quantity must be greater than zero, got {0}")]
    NonPositiveQuantity(Decimal),
    #[error("value must not be negative, got {0}")]
    NegativeValue(Decimal),
    #[error("unknown declaration type code {0:?}")]
    UnknownTypeCode(String),
    #[error("unknown regime {0:?} (expected GC, SXXK or EPE)")]
    UnknownRegime(String),
    #[error("tax code {0:?} must be 10 digits, or 10 digits, a dash and 3 digits")]
    InvalidTaxCode(String),
    #[error("HS code {0:?} must be 6 to 10 digits")]
    InvalidHsCode(String),
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("declaration has {0} lines; VNACCS allows 1 to 50")]
    LineCount(usize),
    #[error("declaration line number {0} appears twice")]
    DuplicateLineNumber(u32),
    #[error("intake group must be 1, 2 or 3, got {0}")]
    InvalidIntakeGroup(u8),
    #[error("unknown {field} {value:?}")]
    UnknownKind { field: &'static str, value: String },
    #[error("validity ends ({to}) before it starts ({from})")]
    InvertedValidity { from: NaiveDate, to: NaiveDate },
}

/// Checks that a quantity is strictly positive.
pub fn positive(quantity: Decimal) -> Result<Decimal, ModelError> {
    if quantity <= Decimal::ZERO {
        return Err(ModelError::NonPositiveQuantity(quantity));
    }
    Ok(quantity)
}

/// Checks a free-text field: not blank, at most `max` characters.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<(), ModelError> {
    if value.trim().is_empty() {
        return Err(ModelError::Empty { field });
    }
    if value.chars().count() > max {
        return Err(ModelError::TooLong { field, max });
    }
    Ok(())
}
