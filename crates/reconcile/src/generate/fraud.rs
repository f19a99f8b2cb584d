//! Fraud injection. Each kind changes the plan the way an enterprise committing it would, and
//! records the codes an officer should be pointed at. Subjects are drawn without repetition, so
//! two frauds of one enterprise never share a material or a product.

use bonded_model::{ItemKind, LossConvention, NaiveDate, Unit};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

use super::plan::{GenVersion, Plan};
use super::{FraudKind, GeneratorConfig, InjectedFraud};
use crate::bundle::effective_norm;

/// Frauds that shape the plan: they run before exports and imports are drawn.
pub(super) fn before_planning(config: &GeneratorConfig, plan: &mut Plan, rng: &mut ChaCha8Rng) {
    for kind in &config.frauds {
        let book = rng.gen_range(0..plan.books.len());
        match kind {
            FraudKind::Leakage => mark_material(plan, book, *kind, rng),
            FraudKind::ExportBeforeSupply => mark_material(plan, book, *kind, rng),
            FraudKind::InflatedNorm => inflate_norm(plan, book, rng),
            FraudKind::CapacityBreach => mark_product(plan, book, rng),
            FraudKind::ImportSurge => {
                plan.knobs.surge_books.push(book);
                let note =
                    "imports of the last quarter raised to 2.5 times the third quarter's value";
                record(
                    plan,
                    *kind,
                    book,
                    vec![plan.books[book].code().to_string()],
                    note,
                );
            }
            FraudKind::DuplicateExport | FraudKind::UnitMismatch => {}
        }
    }
}

/// Frauds on the filed declarations: they run once the year is planned.
pub(super) fn after_planning(config: &GeneratorConfig, plan: &mut Plan, rng: &mut ChaCha8Rng) {
    for kind in &config.frauds {
        let book = rng.gen_range(0..plan.books.len());
        match kind {
            FraudKind::DuplicateExport => duplicate_export(plan, book, rng),
            FraudKind::UnitMismatch => unit_mismatch(plan, book, rng),
            _ => {}
        }
    }
}

fn record(plan: &mut Plan, kind: FraudKind, book: usize, subjects: Vec<String>, note: &str) {
    plan.frauds.push(InjectedFraud {
        kind,
        book: plan.books[book],
        subjects,
        note: note.to_string(),
    });
}

fn taken(plan: &Plan, item: usize) -> bool {
    let code = &plan.items[item].code;
    plan.frauds
        .iter()
        .any(|fraud| fraud.subjects.contains(code))
}

/// A random item of the list that no other fraud uses, if any.
fn pick(plan: &Plan, items: &[usize], rng: &mut ChaCha8Rng) -> Option<usize> {
    let start = rng.gen_range(0..items.len().max(1));
    (0..items.len())
        .map(|offset| items[(start + offset) % items.len()])
        .find(|&item| !taken(plan, item) && !uses_taken(plan, item))
}

/// A product whose norms use a material another fraud is about, or the reverse.
fn uses_taken(plan: &Plan, item: usize) -> bool {
    let related: Vec<usize> = match plan.items[item].kind {
        ItemKind::Product => plan.versions[item]
            .iter()
            .flat_map(|v| v.rows.iter().map(|r| r.material))
            .collect(),
        ItemKind::Material => Vec::new(),
    };
    related.into_iter().any(|material| taken(plan, material))
}

/// A material consumed by at least one product's norms.
fn used_materials(plan: &Plan, book: usize) -> Vec<usize> {
    let mut used: Vec<usize> = plan.products[book]
        .iter()
        .flat_map(|&product| {
            plan.versions[product]
                .iter()
                .flat_map(|v| v.rows.iter().map(|r| r.material))
        })
        .collect();
    used.sort_unstable();
    used.dedup();
    used
}

fn mark_material(plan: &mut Plan, book: usize, kind: FraudKind, rng: &mut ChaCha8Rng) {
    let Some(material) = pick(plan, &used_materials(plan, book), rng) else {
        return;
    };
    let note = match kind {
        FraudKind::Leakage => {
            plan.knobs.leaked.push(material);
            "40 % of the year's need imported on top and hidden as issues to production"
        }
        _ => {
            plan.knobs.late_supply.push(material);
            "no opening stock and every import moved after the first exports that consume it"
        }
    };
    let code = plan.items[material].code.clone();
    record(plan, kind, book, vec![code], note);
}

fn mark_product(plan: &mut Plan, book: usize, rng: &mut ChaCha8Rng) {
    let Some(product) = pick(plan, &plan.products[book].clone(), rng) else {
        return;
    };
    plan.knobs.over_capacity.push(product);
    let code = plan.items[product].code.clone();
    let note = "declared capacity set to 40 % of the year's production";
    record(plan, FraudKind::CapacityBreach, book, vec![code], note);
}

/// A new version from July 1 with one material's norm raised by 80 %, or its loss set to 25 %.
fn inflate_norm(plan: &mut Plan, book: usize, rng: &mut ChaCha8Rng) {
    let candidates: Vec<usize> = plan.products[book]
        .iter()
        .copied()
        .filter(|&product| plan.versions[product].len() == 1)
        .collect();
    let Some(product) = pick(plan, &candidates, rng) else {
        return;
    };
    let july = NaiveDate::from_ymd_opt(plan.year, 7, 1).unwrap_or_default();
    let mut rows = plan.versions[product][0].rows.clone();
    let chosen = rng.gen_range(0..rows.len());
    let row = &mut rows[chosen];
    let note = if rng.gen_bool(0.5) {
        row.norm *= Decimal::new(18, 1);
        "norm of one material raised by 80 % from July 1"
    } else {
        row.convention = LossConvention::PercentOfNorm;
        row.loss_percent = Decimal::from(25);
        "loss rate of one material set to 25 % from July 1"
    };
    row.effective = effective_norm(row.norm, row.loss_percent, row.convention);
    plan.versions[product].push(GenVersion {
        valid_from: july,
        valid_to: None,
        rows,
    });
    let code = plan.items[product].code.clone();
    record(plan, FraudKind::InflatedNorm, book, vec![code], note);
}

fn duplicate_export(plan: &mut Plan, book: usize, rng: &mut ChaCha8Rng) {
    let code = plan.export_code(book);
    let exports: Vec<usize> = (0..plan.lines.len())
        .filter(|&i| plan.lines[i].type_code == code)
        .collect();
    if exports.is_empty() {
        return;
    }
    let line = plan.lines[exports[rng.gen_range(0..exports.len())]].clone();
    let subjects = vec![
        format!("{}/{}", line.number, line.line_number),
        plan.items[line.item].code.clone(),
    ];
    plan.lines.push(line);
    let note = "one export declaration line filed twice";
    record(plan, FraudKind::DuplicateExport, book, subjects, note);
}

fn unit_mismatch(plan: &mut Plan, book: usize, rng: &mut ChaCha8Rng) {
    let code = plan.import_code(book);
    let imports: Vec<usize> = (0..plan.lines.len())
        .filter(|&i| plan.lines[i].type_code == code && !taken(plan, plan.lines[i].item))
        .collect();
    if imports.is_empty() {
        return;
    }
    let index = imports[rng.gen_range(0..imports.len())];
    let line = &mut plan.lines[index];
    line.unit = match line.unit {
        Unit::Kilogram => Unit::Metre,
        _ => Unit::Kilogram,
    };
    let subjects = vec![plan.items[line.item].code.clone()];
    let note = "one import line declared in a unit of another dimension";
    record(plan, FraudKind::UnitMismatch, book, subjects, note);
}
