//! Rules over the norms: NRM-CONSUMPTION, NRM-TRACEABILITY, NRM-ORPHAN, NRM-DRIFT and
//! NRM-LOSS-CAP.
//!
//! Consumption compares what the norms say production used (Σ effective norm × produced) with
//! what was issued to production. Traceability asks what share of the material that left the
//! books is explained by exports: consumed_by_exports ÷ (opening + imported − reexported −
//! repurposed − closing). Both quote the norms behind the number so an officer can redo the sum.

use std::collections::BTreeMap;

use bonded_model::ItemKind;
use rust_decimal::Decimal;

use super::{deviation_percent, grade_above, quote, Input, Outcome};
use crate::balance::{BookLedger, ByVersion};
use crate::bundle::{ItemId, NormVersion};
use crate::report::{quantity, ClosingSource, Evidence, Rule, Severity};

const NORM_RULES: [Rule; 5] = [
    Rule::NormConsumption,
    Rule::NormTraceability,
    Rule::NormOrphan,
    Rule::NormDrift,
    Rule::NormLossCap,
];

pub(super) fn check(input: &Input<'_>, outcome: &mut Outcome) {
    if input.context.bundle.norms.is_none() {
        for rule in NORM_RULES {
            outcome.missing(rule, None, "norms.csv", "no norms (norms.csv)");
        }
        return;
    }
    for book in input.books {
        consumption(input, outcome, book);
        traceability(input, outcome, book);
        exported_without_norm(input, outcome, book);
    }
    materials_without_source(input, outcome);
    drift_and_loss(input, outcome);
}

fn materials<'a>(input: &'a Input<'a>) -> impl Iterator<Item = ItemId> + 'a {
    let items = input.context.bundle.catalogue.items();
    (0..items.len())
        .filter(|&item| items[item].kind == ItemKind::Material)
        .map(|item| ItemId::try_from(item).expect("item ids fit in u32"))
}

/// The norms that turned `by_version` quantities into consumption of `material`.
fn contributions(
    input: &Input<'_>,
    material: ItemId,
    by_version: &ByVersion,
    verb: &str,
) -> Vec<String> {
    let norms = input.context.norms();
    let bundle_quantities = &by_version.quantities;
    let mut lines = Vec::new();
    for (version, row) in norms.uses(material) {
        let quantities = &bundle_quantities[version.product as usize];
        let index = norms.version_index(version);
        let Some(produced) = quantities.get(index).filter(|quantity| !quantity.is_zero()) else {
            continue;
        };
        lines.push(format!(
            "norms.csv line {}: {} from {}: {} {verb} × effective norm {} = {}",
            row.source_line,
            input.context.bundle.item(version.product).code,
            version.valid_from,
            quantity(*produced),
            quantity(row.effective),
            quantity(*produced * row.effective),
        ));
    }
    lines
}

fn consumption(input: &Input<'_>, outcome: &mut Outcome, book: &BookLedger) {
    if !input.context.has_movements() {
        let missing = "no movements.csv: issues to production and production are unknown";
        outcome.missing(
            Rule::NormConsumption,
            Some(book.regime),
            "materials",
            missing,
        );
        return;
    }
    report_unexplained_production(input, outcome, book);
    let policy = input.policy;
    for material in materials(input) {
        let issued = book.tallies[material as usize].issued_to_production;
        let expected = book.consumed_by_production[material as usize];
        if (issued - expected).abs() <= policy.rounding_tolerance {
            continue;
        }
        let (severity, deviation) = match deviation_percent(issued, expected) {
            Some(deviation) => {
                let warning = policy.consumption_warning_percent;
                match grade_above(deviation, warning, policy.consumption_critical_percent) {
                    Some(severity) => (severity, quantity(deviation)),
                    None => continue,
                }
            }
            None => (Severity::Critical, "no production explains it".to_string()),
        };
        let item = input.context.bundle.item(material);
        let message = format!(
            "{} {} of {} was issued to production, but the norms times the recorded production \
             account for {} {} ({} % apart).",
            quantity(issued),
            item.unit,
            item.code,
            quantity(expected),
            item.unit,
            deviation
        );
        let norms = contributions(input, material, &book.produced, "produced");
        let evidence = Evidence {
            norms: quote(norms.iter().cloned(), norms.len()),
            ..Evidence::default()
        }
        .figure("issued_to_production", issued)
        .figure("consumed_by_production", expected)
        .text("deviation_percent", deviation);
        outcome.finding(
            Rule::NormConsumption,
            severity,
            Some(book.regime),
            &item.code,
            message,
            evidence,
        );
    }
}

fn report_unexplained_production(input: &Input<'_>, outcome: &mut Outcome, book: &BookLedger) {
    for (product, produced) in book.produced_without_norm.iter().enumerate() {
        if produced.is_zero() {
            continue;
        }
        let item = input
            .context
            .bundle
            .item(ItemId::try_from(product).expect("item id"));
        let missing = format!(
            "no valid norm for {} {} of {} produced; consumption leaves it out",
            quantity(*produced),
            item.unit,
            item.code
        );
        outcome.missing(
            Rule::NormConsumption,
            Some(book.regime),
            &item.code,
            &missing,
        );
    }
}

fn traceability(input: &Input<'_>, outcome: &mut Outcome, book: &BookLedger) {
    let policy = input.policy;
    let mut unknown_closing = 0usize;
    for material in materials(input) {
        let tally = &book.tallies[material as usize];
        let (closing, source) = book.closing[material as usize];
        if source == ClosingSource::DeclarationsOnly {
            unknown_closing += usize::from(tally.active);
            continue;
        }
        let left = tally.opening + tally.imported - tally.reexported - tally.repurposed - closing;
        if left <= policy.rounding_tolerance {
            continue;
        }
        let consumed = book.consumed_by_exports[material as usize];
        let ratio = (consumed / left * Decimal::ONE_HUNDRED).round_dp(2);
        let severity = if ratio < policy.traceability_critical_percent {
            Severity::Critical
        } else if ratio < policy.traceability_warning_percent {
            Severity::Warning
        } else {
            continue;
        };
        report_traceability(
            input,
            outcome,
            book,
            material,
            (left, consumed, closing, ratio),
            severity,
        );
    }
    if unknown_closing > 0 {
        let missing = format!(
            "{unknown_closing} material(s) with no filed report, stock count or movements: \
             closing stock unknown"
        );
        outcome.missing(
            Rule::NormTraceability,
            Some(book.regime),
            "materials",
            &missing,
        );
    }
}

fn report_traceability(
    input: &Input<'_>,
    outcome: &mut Outcome,
    book: &BookLedger,
    material: ItemId,
    (left, consumed, closing, ratio): (Decimal, Decimal, Decimal, Decimal),
    severity: Severity,
) {
    let tally = &book.tallies[material as usize];
    let item = input.context.bundle.item(material);
    let message = format!(
        "Only {ratio} % of the {} {} of {} that left the books is explained by exports: {} {} \
         went out with no declared route.",
        quantity(left),
        item.unit,
        item.code,
        quantity(left - consumed),
        item.unit
    );
    let norms = contributions(input, material, &book.exported, "exported");
    let evidence = Evidence {
        norms: quote(norms.iter().cloned(), norms.len()),
        ..Evidence::default()
    }
    .figure("opening", tally.opening)
    .figure("imported", tally.imported)
    .figure("reexported", tally.reexported)
    .figure("repurposed", tally.repurposed)
    .figure("closing", closing)
    .figure("left_the_books", left)
    .figure("consumed_by_exports", consumed)
    .figure("traceability_percent", ratio);
    outcome.finding(
        Rule::NormTraceability,
        severity,
        Some(book.regime),
        &item.code,
        message,
        evidence,
    );
}

/// NRM-ORPHAN, first half: exports on dates with no valid norm.
fn exported_without_norm(input: &Input<'_>, outcome: &mut Outcome, book: &BookLedger) {
    let bundle = input.context.bundle;
    let norms = input.context.norms();
    for (product, orphan) in book.exported_without_norm.iter().enumerate() {
        if orphan.quantity.is_zero() {
            continue;
        }
        let product = ItemId::try_from(product).expect("item ids fit in u32");
        let item = bundle.item(product);
        let message = format!(
            "{} {} of {} were exported on {} line(s) dated when no norm of the product was valid; \
             the material they consumed cannot be traced.",
            quantity(orphan.quantity),
            item.unit,
            item.code,
            orphan.lines.len()
        );
        let lines = orphan
            .lines
            .iter()
            .map(|&index| bundle.describe_line(&bundle.declarations[index as usize]));
        let evidence = Evidence {
            declaration_lines: quote(lines, orphan.lines.len()),
            ..Evidence::default()
        }
        .figure("exported_without_norm", orphan.quantity)
        .text("norm_versions", norms.versions(product).len().to_string());
        outcome.finding(
            Rule::NormOrphan,
            Severity::Critical,
            Some(book.regime),
            &item.code,
            message,
            evidence,
        );
        if norms.versions(product).is_empty() {
            let missing = format!("no norms for product {}", item.code);
            outcome.missing(
                Rule::NormTraceability,
                Some(book.regime),
                &item.code,
                &missing,
            );
        }
    }
}

fn overlaps_period(input: &Input<'_>, version: &NormVersion) -> bool {
    let period = input.context.period;
    version.valid_from <= period.to && version.ends.is_none_or(|end| end >= period.from)
}

/// NRM-ORPHAN, second half: norms that consume a material never imported nor held.
fn materials_without_source(input: &Input<'_>, outcome: &mut Outcome) {
    let norms = input.context.norms();
    let mut products: BTreeMap<ItemId, Vec<String>> = BTreeMap::new();
    for version in norms
        .all()
        .iter()
        .filter(|version| overlaps_period(input, version))
    {
        for row in &version.rows {
            let held = input.books.iter().any(|book| {
                let tally = &book.tallies[row.material as usize];
                !(tally.opening + tally.imported).is_zero()
            });
            if !held {
                let product = &input.context.bundle.item(version.product).code;
                let text = format!(
                    "norms.csv line {}: {product} from {}",
                    row.source_line, version.valid_from
                );
                products.entry(row.material).or_default().push(text);
            }
        }
    }
    for (material, uses) in products {
        let item = input.context.bundle.item(material);
        let message = format!(
            "{} is consumed by {} norm row(s) but has no opening stock and no import in any book.",
            item.code,
            uses.len()
        );
        let evidence = Evidence {
            norms: quote(uses.iter().cloned(), uses.len()),
            ..Evidence::default()
        };
        outcome.finding(
            Rule::NormOrphan,
            Severity::Warning,
            None,
            &item.code,
            message,
            evidence,
        );
    }
}

/// NRM-DRIFT between consecutive versions and NRM-LOSS-CAP on every row in the period.
fn drift_and_loss(input: &Input<'_>, outcome: &mut Outcome) {
    let norms = input.context.norms();
    let products = norms.all().iter().map(|version| version.product);
    let mut last = None;
    for product in products {
        if last == Some(product) {
            continue;
        }
        last = Some(product);
        let versions: Vec<&NormVersion> = norms
            .versions(product)
            .iter()
            .filter(|version| overlaps_period(input, version))
            .collect();
        for pair in norms.versions(product).windows(2) {
            if overlaps_period(input, &pair[1]) {
                drift(input, outcome, &pair[0], &pair[1]);
            }
        }
        for version in versions {
            loss_cap(input, outcome, version);
        }
    }
}

fn drift(input: &Input<'_>, outcome: &mut Outcome, old: &NormVersion, new: &NormVersion) {
    let policy = input.policy;
    let bundle = input.context.bundle;
    for row in &new.rows {
        let Some(previous) = old
            .rows
            .iter()
            .find(|previous| previous.material == row.material)
        else {
            continue;
        };
        let change = ((row.effective - previous.effective) / previous.effective
            * Decimal::ONE_HUNDRED)
            .round_dp(2);
        let Some(severity) = grade_above(
            change.abs(),
            policy.drift_warning_percent,
            policy.drift_critical_percent,
        ) else {
            continue;
        };
        let product = bundle.item(new.product);
        let material = bundle.item(row.material);
        let message = format!(
            "The effective norm of {} in {} moved {change} % on {}, from {} to {} {} per {}.",
            material.code,
            product.code,
            new.valid_from,
            quantity(previous.effective),
            quantity(row.effective),
            material.unit,
            product.unit
        );
        let norms = vec![
            format!(
                "norms.csv line {}: from {}, effective {}",
                previous.source_line,
                old.valid_from,
                quantity(previous.effective)
            ),
            format!(
                "norms.csv line {}: from {}, effective {}",
                row.source_line,
                new.valid_from,
                quantity(row.effective)
            ),
        ];
        let evidence = Evidence {
            norms,
            ..Evidence::default()
        }
        .text("material", material.code.clone())
        .figure("previous_effective_norm", previous.effective)
        .figure("new_effective_norm", row.effective)
        .figure("change_percent", change);
        outcome.finding(
            Rule::NormDrift,
            severity,
            None,
            &product.code,
            message,
            evidence,
        );
    }
}

fn loss_cap(input: &Input<'_>, outcome: &mut Outcome, version: &NormVersion) {
    let cap = input.policy.loss_percent_cap;
    let bundle = input.context.bundle;
    for row in version.rows.iter().filter(|row| row.loss_percent > cap) {
        let severity = if row.loss_percent > cap * Decimal::TWO {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let product = bundle.item(version.product);
        let material = bundle.item(row.material);
        let message = format!(
            "The norm of {} in {} from {} states a loss of {} %, above the cap of {} %.",
            material.code,
            product.code,
            version.valid_from,
            quantity(row.loss_percent),
            quantity(cap)
        );
        let evidence = Evidence {
            norms: vec![format!("norms.csv line {}", row.source_line)],
            ..Evidence::default()
        }
        .text("material", material.code.clone())
        .figure("loss_percent", row.loss_percent)
        .figure("cap_percent", cap);
        outcome.finding(
            Rule::NormLossCap,
            severity,
            None,
            &product.code,
            message,
            evidence,
        );
    }
}
