//! The rules: each reads the balances and the bundle and emits findings, or says it cannot run.
//!
//! Rules are grouped by what they read: the filed report (`filed`), the individual records
//! (`records`), the norms (`norms`) and the dates and capacity (`timing`). A rule never fails:
//! missing input becomes a `NotEvaluable` entry naming what is missing, because silence would
//! read as a clean result. Grading against the policy is shared: a deviation strictly above the
//! warning threshold is a warning, strictly above the critical one is critical.

mod filed;
mod norms;
mod records;
mod timing;

use rust_decimal::Decimal;

use crate::balance::{BookLedger, Context};
use crate::policy::Policy;
use crate::report::{Evidence, Finding, NotEvaluable, Rule, Severity};
use bonded_model::Regime;

/// The most declaration lines, norms or records one finding quotes; the rest are counted.
pub const EVIDENCE_ITEMS_MAX: usize = 20;

/// Collects the output of the rules.
#[derive(Default)]
pub(crate) struct Outcome {
    pub findings: Vec<Finding>,
    pub not_evaluable: Vec<NotEvaluable>,
}

impl Outcome {
    pub fn finding(
        &mut self,
        rule: Rule,
        severity: Severity,
        book: Option<Regime>,
        subject: impl Into<String>,
        message: String,
        evidence: Evidence,
    ) {
        self.findings.push(Finding {
            rule,
            severity,
            book,
            subject: subject.into(),
            message,
            evidence,
        });
    }

    pub fn missing(&mut self, rule: Rule, book: Option<Regime>, subject: &str, missing: &str) {
        self.not_evaluable.push(NotEvaluable {
            rule,
            book,
            subject: subject.to_string(),
            missing: missing.to_string(),
        });
    }
}

/// Everything a rule reads.
pub(crate) struct Input<'a> {
    pub context: &'a Context<'a>,
    pub books: &'a [BookLedger],
    pub policy: &'a Policy,
}

/// Runs every rule. The export-before-supply walk, the heaviest, runs on a second thread while
/// the others run here; the outcomes are joined in a fixed order and sorted by the caller, so
/// the report does not depend on which thread finishes first.
pub(crate) fn run(input: &Input<'_>) -> Outcome {
    let _span = tracing::debug_span!("reconcile.rules").entered();
    let (mut outcome, supply) = std::thread::scope(|scope| {
        let supply = scope.spawn(|| {
            let mut outcome = Outcome::default();
            timing::check_supply(input, &mut outcome);
            outcome
        });
        let mut outcome = Outcome::default();
        filed::check(input, &mut outcome);
        records::check(input, &mut outcome);
        norms::check(input, &mut outcome);
        timing::check(input, &mut outcome);
        let supply = supply
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (outcome, supply)
    });
    outcome.findings.extend(supply.findings);
    outcome.not_evaluable.extend(supply.not_evaluable);
    outcome
}

/// Grades a value that is bad when high.
pub(crate) fn grade_above(value: Decimal, warning: Decimal, critical: Decimal) -> Option<Severity> {
    if value > critical {
        Some(Severity::Critical)
    } else if value > warning {
        Some(Severity::Warning)
    } else {
        None
    }
}

/// |actual − expected| ÷ expected × 100, or `None` when nothing was expected.
pub(crate) fn deviation_percent(actual: Decimal, expected: Decimal) -> Option<Decimal> {
    if expected.is_zero() {
        return None;
    }
    Some(((actual - expected).abs() / expected.abs() * Decimal::ONE_HUNDRED).round_dp(2))
}

/// Quotes at most `EVIDENCE_ITEMS_MAX` entries and counts the rest.
pub(crate) fn quote<I: Iterator<Item = String>>(entries: I, total: usize) -> Vec<String> {
    let mut quoted: Vec<String> = entries.take(EVIDENCE_ITEMS_MAX).collect();
    if total > quoted.len() {
        quoted.push(format!("… and {} more", total - quoted.len()));
    }
    quoted
}
