//! The reconciliation report: balances, findings and what could not be evaluated.
//!
//! The report is plain data with a stable order (rows by book and code, findings by rule, book
//! and subject), so that serializing it gives the same bytes for the same bundle. Quantities are
//! exact decimals written as strings, trailing zeros removed.

use bonded_model::{NaiveDate, Regime, Unit};
use rust_decimal::Decimal;
use serde::Serialize;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// The stable rule ids of the issue, in the order the report lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Rule {
    #[serde(rename = "BAL-MATERIAL")]
    BalanceMaterial,
    #[serde(rename = "BAL-PRODUCT")]
    BalanceProduct,
    #[serde(rename = "BAL-NEGATIVE")]
    BalanceNegative,
    #[serde(rename = "DEC-IMPORT-MISMATCH")]
    ImportMismatch,
    #[serde(rename = "DEC-EXPORT-MISMATCH")]
    ExportMismatch,
    #[serde(rename = "DEC-MISSING-ROUTE")]
    MissingRoute,
    #[serde(rename = "DEC-DUPLICATE")]
    Duplicate,
    #[serde(rename = "NRM-CONSUMPTION")]
    NormConsumption,
    #[serde(rename = "NRM-TRACEABILITY")]
    NormTraceability,
    #[serde(rename = "NRM-ORPHAN")]
    NormOrphan,
    #[serde(rename = "NRM-DRIFT")]
    NormDrift,
    #[serde(rename = "NRM-LOSS-CAP")]
    NormLossCap,
    #[serde(rename = "TIM-EXPORT-BEFORE-SUPPLY")]
    ExportBeforeSupply,
    #[serde(rename = "CAP-OVER-CAPACITY")]
    OverCapacity,
    #[serde(rename = "SRG-IMPORT-SURGE")]
    ImportSurge,
    #[serde(rename = "UNIT-MISMATCH")]
    UnitMismatch,
}

impl Rule {
    pub const ALL: [Rule; 16] = [
        Rule::BalanceMaterial,
        Rule::BalanceProduct,
        Rule::BalanceNegative,
        Rule::ImportMismatch,
        Rule::ExportMismatch,
        Rule::MissingRoute,
        Rule::Duplicate,
        Rule::NormConsumption,
        Rule::NormTraceability,
        Rule::NormOrphan,
        Rule::NormDrift,
        Rule::NormLossCap,
        Rule::ExportBeforeSupply,
        Rule::OverCapacity,
        Rule::ImportSurge,
        Rule::UnitMismatch,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::BalanceMaterial => "BAL-MATERIAL",
            Rule::BalanceProduct => "BAL-PRODUCT",
            Rule::BalanceNegative => "BAL-NEGATIVE",
            Rule::ImportMismatch => "DEC-IMPORT-MISMATCH",
            Rule::ExportMismatch => "DEC-EXPORT-MISMATCH",
            Rule::MissingRoute => "DEC-MISSING-ROUTE",
            Rule::Duplicate => "DEC-DUPLICATE",
            Rule::NormConsumption => "NRM-CONSUMPTION",
            Rule::NormTraceability => "NRM-TRACEABILITY",
            Rule::NormOrphan => "NRM-ORPHAN",
            Rule::NormDrift => "NRM-DRIFT",
            Rule::NormLossCap => "NRM-LOSS-CAP",
            Rule::ExportBeforeSupply => "TIM-EXPORT-BEFORE-SUPPLY",
            Rule::OverCapacity => "CAP-OVER-CAPACITY",
            Rule::ImportSurge => "SRG-IMPORT-SURGE",
            Rule::UnitMismatch => "UNIT-MISMATCH",
        }
    }
}

/// A named number behind a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub name: &'static str,
    pub value: String,
}

/// What an officer needs to check a finding by hand.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<Figure>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declaration_lines: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub norms: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
}

impl Evidence {
    pub fn figure(mut self, name: &'static str, value: Decimal) -> Self {
        self.figures.push(Figure {
            name,
            value: quantity(value),
        });
        self
    }

    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.figures.push(Figure {
            name,
            value: value.into(),
        });
        self
    }
}

/// One finding of one rule about one subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub book: Option<Regime>,
    pub subject: String,
    pub message: String,
    pub evidence: Evidence,
}

/// A rule that could not run for lack of input, and what is missing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotEvaluable {
    pub rule: Rule,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub book: Option<Regime>,
    pub subject: String,
    pub missing: String,
}

/// Where a row's closing stock comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosingSource {
    /// The filed finalization report.
    Report,
    /// The latest stock count in the movements.
    StockCount,
    /// The book balance of declarations and movements.
    Movements,
    /// The book balance of declarations alone: no movements were given, so issues to
    /// production are unknown and the closing stock is an upper bound.
    DeclarationsOnly,
}

/// One row of Mẫu 15 (materials) with the consumption the norms explain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaterialRow {
    pub book: Regime,
    pub code: String,
    pub unit: Unit,
    pub opening: String,
    pub imported: String,
    pub reexported: String,
    pub repurposed: String,
    pub issued_to_production: String,
    pub other_issued: String,
    pub closing: String,
    pub closing_source: ClosingSource,
    pub consumed_by_exports: String,
    pub consumed_by_production: String,
    pub unexplained: String,
}

/// One row of Mẫu 15a (products).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProductRow {
    pub book: Regime,
    pub code: String,
    pub unit: Unit,
    pub opening: String,
    pub produced: String,
    pub repurposed: String,
    pub exported: String,
    pub other_out: String,
    pub closing: String,
    pub closing_source: ClosingSource,
}

/// The period the balances cover, both days included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Counts, for a quick read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    pub not_evaluable: usize,
}

/// The whole result of a reconciliation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub regulation: String,
    pub period: Period,
    pub books: Vec<Regime>,
    pub summary: Summary,
    pub materials: Vec<MaterialRow>,
    pub products: Vec<ProductRow>,
    pub findings: Vec<Finding>,
    pub not_evaluable: Vec<NotEvaluable>,
}

impl Report {
    /// Findings of one rule.
    pub fn findings_of(&self, rule: Rule) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |finding| finding.rule == rule)
    }
}

/// An exact decimal as text, without trailing zeros.
pub fn quantity(value: Decimal) -> String {
    value.normalize().to_string()
}
