//! The reconciliation and risk engine of bonded: balances, norms and fraud checks.
//!
//! # Design
//!
//! The engine is a pure function from a bundle of CSV files (as bytes) and a policy to a report.
//! It does no I/O, reads no clock and draws no random number, so it can run unchanged inside the
//! enclave, and the same input always gives the same bytes of output. The pipeline has four
//! stages, each its own module:
//!
//! 1. `bundle` parses and checks every file, all or nothing; errors name file, line and column.
//!    Item codes are interned to dense ids so every later stage works on vectors, not maps.
//! 2. `balance` folds the records of the period into per-book, per-item tallies (the columns of
//!    Mẫu 15 and 15a), and sums exports and production per norm version.
//! 3. `rules` reads the tallies and the records and emits findings with their evidence, or a
//!    `not_evaluable` entry when an input is missing.
//! 4. `report` holds the result in a fixed order; `render` writes it as JSON, a text table or
//!    an xlsx workbook.
//!
//! Quantities are exact decimals throughout. The one place floats appear is the screen of
//! TIM-EXPORT-BEFORE-SUPPLY, which only selects materials for the exact check (see `rules`).
//!
//! `generate` builds synthetic bundles with injected fraud and their ground truth, and
//! `evaluate` measures detection precision and recall over many seeds.

mod balance;
pub mod bundle;
pub mod evaluate;
pub mod generate;
pub mod policy;
pub mod render;
pub mod report;
mod rules;

pub use bundle::{Bundle, BundleError, BundleInput, LedgerFiles, LedgerRecords, BUNDLE_FILES};
pub use policy::{Policy, PolicyError};
pub use report::{
    ClosingSource, Evidence, Finding, MaterialRow, NotEvaluable, Period, ProductRow, Report, Rule,
    Severity, Summary,
};
pub use rules::EVIDENCE_ITEMS_MAX;

pub use bonded_model::NaiveDate;
pub use rust_decimal::Decimal;

use bonded_model::ItemKind;

use balance::{BookLedger, Context};
use report::quantity;

/// Parses a bundle and reconciles it over `[from, to]` (both optional, both included).
pub fn reconcile(
    input: &BundleInput<'_>,
    policy: &Policy,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Report, BundleError> {
    let bundle = Bundle::parse(input)?;
    Ok(reconcile_bundle(&bundle, policy, from, to))
}

/// Reconciles an already parsed bundle.
pub fn reconcile_bundle(
    bundle: &Bundle,
    policy: &Policy,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Report {
    let _span = tracing::debug_span!("reconcile.run").entered();
    let context = Context::new(bundle, from, to);
    let books = balance::build(&context);
    let outcome = rules::run(&rules::Input {
        context: &context,
        books: &books,
        policy,
    });
    let mut findings = outcome.findings;
    findings.sort_by(|a, b| {
        (a.rule, a.book, &a.subject, &a.message).cmp(&(b.rule, b.book, &b.subject, &b.message))
    });
    let mut not_evaluable = outcome.not_evaluable;
    not_evaluable.sort_by(|a, b| (a.rule, a.book, &a.subject).cmp(&(b.rule, b.book, &b.subject)));
    let (materials, products) = rows(&context, &books);
    let summary = summarize(&findings, not_evaluable.len());
    tracing::info!(
        critical = summary.critical,
        warning = summary.warning,
        not_evaluable = summary.not_evaluable,
        "reconciliation done"
    );
    Report {
        regulation: policy.regulation.clone(),
        period: context.period,
        books: context.books.clone(),
        summary,
        materials,
        products,
        findings,
        not_evaluable,
    }
}

fn summarize(findings: &[Finding], not_evaluable: usize) -> Summary {
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    Summary {
        critical: count(Severity::Critical),
        warning: count(Severity::Warning),
        info: count(Severity::Info),
        not_evaluable,
    }
}

/// The Mẫu 15 and 15a rows of every book, sorted by book and code.
fn rows(context: &Context<'_>, books: &[BookLedger]) -> (Vec<MaterialRow>, Vec<ProductRow>) {
    let mut materials = Vec::new();
    let mut products = Vec::new();
    for book in books {
        for (index, tally) in book.tallies.iter().enumerate() {
            if !tally.active {
                continue;
            }
            let item = &context.bundle.catalogue.items()[index];
            match item.kind {
                ItemKind::Material => materials.push(material_row(book, index, item)),
                ItemKind::Product => products.push(product_row(book, index, item)),
            }
        }
    }
    materials.sort_by(|a, b| (a.book, &a.code).cmp(&(b.book, &b.code)));
    products.sort_by(|a, b| (a.book, &a.code).cmp(&(b.book, &b.code)));
    (materials, products)
}

fn material_row(book: &BookLedger, index: usize, item: &bundle::Item) -> MaterialRow {
    let tally = &book.tallies[index];
    let (closing, closing_source) = book.closing[index];
    let consumed = book.consumed_by_exports[index];
    let unexplained: Decimal =
        tally.opening + tally.imported - tally.reexported - tally.repurposed - consumed - closing;
    MaterialRow {
        book: book.regime,
        code: item.code.clone(),
        unit: item.unit,
        opening: quantity(tally.opening),
        imported: quantity(tally.imported),
        reexported: quantity(tally.reexported),
        repurposed: quantity(tally.repurposed),
        issued_to_production: quantity(tally.issued_to_production),
        other_issued: quantity(tally.other_issued),
        closing: quantity(closing),
        closing_source,
        consumed_by_exports: quantity(consumed),
        consumed_by_production: quantity(book.consumed_by_production[index]),
        unexplained: quantity(unexplained),
    }
}

fn product_row(book: &BookLedger, index: usize, item: &bundle::Item) -> ProductRow {
    let tally = &book.tallies[index];
    let (closing, closing_source) = book.closing[index];
    ProductRow {
        book: book.regime,
        code: item.code.clone(),
        unit: item.unit,
        opening: quantity(tally.opening),
        produced: quantity(tally.produced),
        repurposed: quantity(tally.repurposed),
        exported: quantity(tally.exported),
        other_out: quantity(tally.other_out),
        closing: quantity(closing),
        closing_source,
    }
}
