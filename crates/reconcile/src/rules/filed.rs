//! Rules over the filed finalization report: its identities, and its columns against the
//! declarations (BAL-MATERIAL, BAL-PRODUCT, DEC-IMPORT-MISMATCH, DEC-EXPORT-MISMATCH,
//! DEC-MISSING-ROUTE).
//!
//! The filed report is checked, never trusted: every column it states is compared with the
//! column built from the records. A material or product with declared imports or exports but no
//! row in the report is compared as if the report said zero.

use bonded_model::ItemKind;
use rust_decimal::Decimal;

use super::{deviation_percent, grade_above, Input, Outcome};
use crate::balance::Tally;
use crate::bundle::FiledRow;
use crate::report::{quantity, Evidence, Rule, Severity};

const REPORT_RULES: [Rule; 5] = [
    Rule::BalanceMaterial,
    Rule::BalanceProduct,
    Rule::ImportMismatch,
    Rule::ExportMismatch,
    Rule::MissingRoute,
];

pub(super) fn check(input: &Input<'_>, outcome: &mut Outcome) {
    let Some(report) = input.context.bundle.report.as_ref() else {
        for rule in REPORT_RULES {
            outcome.missing(
                rule,
                None,
                "report.csv",
                "no filed finalization report (report.csv)",
            );
        }
        return;
    };
    let mut seen = vec![vec![false; input.context.bundle.catalogue.len()]; input.books.len()];
    for row in report {
        let book = input.context.book_of(row.item, row.book);
        seen[book][row.item as usize] = true;
        check_row(input, outcome, book, row);
    }
    for (book, seen) in seen.iter().enumerate() {
        for (item, tally) in input.books[book].tallies.iter().enumerate() {
            if seen[item] || !tally.active {
                continue;
            }
            let absent = FiledRow {
                item: u32::try_from(item).expect("item ids fit in u32"),
                book: None,
                source_line: 0,
                opening: Decimal::ZERO,
                imported: Decimal::ZERO,
                reexported: Decimal::ZERO,
                repurposed: Decimal::ZERO,
                issued_to_production: Decimal::ZERO,
                other_issued: Decimal::ZERO,
                closing: Decimal::ZERO,
            };
            declared_flows(input, outcome, book, &absent, tally);
        }
    }
}

fn check_row(input: &Input<'_>, outcome: &mut Outcome, book: usize, row: &FiledRow) {
    let tally = &input.books[book].tallies[row.item as usize];
    identity(input, outcome, book, row);
    declared_flows(input, outcome, book, row, tally);
    routes(input, outcome, book, row, tally);
}

fn row_label(row: &FiledRow) -> String {
    if row.source_line == 0 {
        return "no row in report.csv".to_string();
    }
    format!("report.csv line {}", row.source_line)
}

/// BAL-MATERIAL and BAL-PRODUCT: the row's own arithmetic.
fn identity(input: &Input<'_>, outcome: &mut Outcome, book: usize, row: &FiledRow) {
    let item = input.context.bundle.item(row.item);
    let (rule, computed, form) = match item.kind {
        ItemKind::Material => (
            Rule::BalanceMaterial,
            row.opening + row.imported
                - row.reexported
                - row.repurposed
                - row.issued_to_production
                - row.other_issued,
            "Mẫu 15",
        ),
        ItemKind::Product => (
            Rule::BalanceProduct,
            row.opening + row.imported - row.repurposed - row.reexported - row.other_issued,
            "Mẫu 15a",
        ),
    };
    let difference = row.closing - computed;
    if difference.abs() <= input.policy.rounding_tolerance {
        return;
    }
    let message = format!(
        "The filed {form} row for {} does not add up: its columns give a closing stock of {} {} \
         but it states {}.",
        item.code,
        quantity(computed),
        item.unit,
        quantity(row.closing)
    );
    let evidence = Evidence::default()
        .figure("opening", row.opening)
        .figure(inflow_name(item.kind), row.imported)
        .figure(outflow_name(item.kind), row.reexported)
        .figure("repurposed", row.repurposed)
        .figure("issued_to_production", row.issued_to_production)
        .figure("other_issued", row.other_issued)
        .figure("closing_computed", computed)
        .figure("closing_filed", row.closing)
        .figure("difference", difference);
    let evidence = Evidence {
        records: vec![row_label(row)],
        ..evidence
    };
    let regime = Some(input.books[book].regime);
    outcome.finding(
        rule,
        Severity::Critical,
        regime,
        &item.code,
        message,
        evidence,
    );
}

fn inflow_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Material => "imported",
        ItemKind::Product => "produced",
    }
}

fn outflow_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Material => "reexported",
        ItemKind::Product => "exported",
    }
}

/// DEC-IMPORT-MISMATCH and DEC-EXPORT-MISMATCH: the filed flow against the declared one.
fn declared_flows(
    input: &Input<'_>,
    outcome: &mut Outcome,
    book: usize,
    row: &FiledRow,
    tally: &Tally,
) {
    let policy = input.policy;
    let item = input.context.bundle.item(row.item);
    let (rule, filed, declared, warning, critical, what) = match item.kind {
        ItemKind::Material => (
            Rule::ImportMismatch,
            row.imported,
            tally.imported,
            policy.import_mismatch_warning_percent,
            policy.import_mismatch_critical_percent,
            "imports",
        ),
        ItemKind::Product => (
            Rule::ExportMismatch,
            row.reexported,
            tally.exported,
            policy.export_mismatch_warning_percent,
            policy.export_mismatch_critical_percent,
            "exports",
        ),
    };
    if (filed - declared).abs() <= policy.rounding_tolerance {
        return;
    }
    let (severity, deviation) = match deviation_percent(filed, declared) {
        Some(deviation) => match grade_above(deviation, warning, critical) {
            Some(severity) => (severity, quantity(deviation)),
            None => return,
        },
        None => (Severity::Critical, "no declared quantity".to_string()),
    };
    let message = format!(
        "{} reports {} {} of {what} for {} but the declarations show {} {} ({} % apart).",
        row_label(row),
        quantity(filed),
        item.unit,
        item.code,
        quantity(declared),
        item.unit,
        deviation
    );
    let evidence = Evidence::default()
        .figure("filed", filed)
        .figure("declared", declared)
        .text("deviation_percent", deviation);
    let regime = Some(input.books[book].regime);
    outcome.finding(rule, severity, regime, &item.code, message, evidence);
}

/// DEC-MISSING-ROUTE: repurposed without A42, re-exported without B13, E54 or E82.
fn routes(input: &Input<'_>, outcome: &mut Outcome, book: usize, row: &FiledRow, tally: &Tally) {
    let item = input.context.bundle.item(row.item);
    let tolerance = input.policy.rounding_tolerance;
    let repurposed_gap = row.repurposed - tally.repurposed;
    if repurposed_gap > tolerance {
        let message = format!(
            "{} reports {} {} of {} repurposed, sold domestically or destroyed, but only {} {} is \
             covered by A42 declarations or recorded destruction.",
            row_label(row),
            quantity(row.repurposed),
            item.unit,
            item.code,
            quantity(tally.repurposed),
            item.unit
        );
        let evidence = Evidence::default()
            .figure("repurposed_filed", row.repurposed)
            .figure("declared_a42", tally.declared_repurposed)
            .figure(
                "destroyed_recorded",
                tally.repurposed - tally.declared_repurposed,
            )
            .figure("without_route", repurposed_gap);
        let regime = Some(input.books[book].regime);
        outcome.finding(
            Rule::MissingRoute,
            Severity::Critical,
            regime,
            &item.code,
            message,
            evidence,
        );
    }
    let reexported_gap = row.reexported - tally.reexported;
    if item.kind == ItemKind::Material && reexported_gap > tolerance {
        let message = format!(
            "{} reports {} {} of {} re-exported, but B13, E54 and E82 declarations cover only {} {}.",
            row_label(row),
            quantity(row.reexported),
            item.unit,
            item.code,
            quantity(tally.reexported),
            item.unit
        );
        let evidence = Evidence::default()
            .figure("reexported_filed", row.reexported)
            .figure("reexported_declared", tally.reexported)
            .figure("without_route", reexported_gap);
        let regime = Some(input.books[book].regime);
        outcome.finding(
            Rule::MissingRoute,
            Severity::Critical,
            regime,
            &item.code,
            message,
            evidence,
        );
    }
}
