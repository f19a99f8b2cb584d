//! The year of one enterprise: exports, the imports they need, movements, report and capacity.

use bonded_model::{ItemKind, LossConvention, MovementKind, NaiveDate, Regime, Unit};
use chrono::Datelike;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{GeneratorConfig, InjectedFraud};

/// Lines of one generated declaration at most (VNACCS allows 50).
const DECLARATION_LINES_MAX: usize = 40;
/// Share of the year's need held at the start of the year.
const OPENING_SHARE: f64 = 0.25;
/// Exports run from this day of the year...
const FIRST_EXPORT_DAY: u32 = 20;
/// ...to this one.
const LAST_EXPORT_DAY: u32 = 360;
/// Imports are spread in strata over the first this many days.
const IMPORT_DAYS: u32 = 300;

#[derive(Clone, Debug)]
pub(super) struct GenItem {
    pub code: String,
    pub kind: ItemKind,
    pub name: String,
    pub unit: Unit,
    pub hs_code: &'static str,
    pub book: usize,
    pub price_vnd: i64,
}

#[derive(Clone, Debug)]
pub(super) struct GenNorm {
    pub material: usize,
    pub norm: Decimal,
    pub loss_percent: Decimal,
    pub convention: LossConvention,
    pub effective: Decimal,
}

#[derive(Clone, Debug)]
pub(super) struct GenVersion {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub rows: Vec<GenNorm>,
}

#[derive(Clone, Debug)]
pub(super) struct GenLine {
    pub number: u64,
    pub type_code: &'static str,
    pub date: NaiveDate,
    pub line_number: u32,
    pub item: usize,
    pub quantity: Decimal,
    pub unit: Unit,
    pub value_vnd: i64,
}

#[derive(Clone, Debug)]
pub(super) struct GenMovement {
    pub date: NaiveDate,
    pub item: usize,
    pub kind: MovementKind,
    pub quantity: Decimal,
    pub reference: String,
}

/// Changes to the clean plan asked for by frauds injected before planning.
#[derive(Clone, Debug, Default)]
pub(super) struct Knobs {
    pub late_supply: Vec<usize>,
    pub leaked: Vec<usize>,
    pub surge_books: Vec<usize>,
    pub over_capacity: Vec<usize>,
}

/// Everything generated about one enterprise.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    pub sector: &'static str,
    pub year: i32,
    pub books: Vec<Regime>,
    pub items: Vec<GenItem>,
    pub materials: Vec<Vec<usize>>,
    pub products: Vec<Vec<usize>>,
    pub versions: Vec<Vec<GenVersion>>,
    pub lines: Vec<GenLine>,
    pub opening: Vec<Decimal>,
    pub movements: Vec<GenMovement>,
    /// The filed report row of each item (opening, imported/produced, reexported/exported,
    /// repurposed, issued_to_production, other, closing).
    pub filed: Vec<Option<[Decimal; 7]>>,
    pub capacity: Vec<Option<Decimal>>,
    pub knobs: Knobs,
    pub frauds: Vec<InjectedFraud>,
    pub next_import_number: u64,
    pub next_export_number: u64,
}

impl Plan {
    pub fn date(&self, day_of_year: u32) -> NaiveDate {
        let last = NaiveDate::from_ymd_opt(self.year, 12, 31).map_or(365, |date| date.ordinal());
        NaiveDate::from_yo_opt(self.year, day_of_year.clamp(1, last)).unwrap_or_default()
    }

    /// The version of a product valid on `date`.
    pub fn version_at(&self, product: usize, date: NaiveDate) -> Option<&GenVersion> {
        self.versions[product]
            .iter()
            .rev()
            .find(|version| version.valid_from <= date)
    }

    pub fn import_code(&self, book: usize) -> &'static str {
        match self.books[book] {
            Regime::Processing => "E21",
            Regime::ExportProduction => "E31",
            Regime::ExportProcessingEnterprise => "E11",
        }
    }

    pub fn export_code(&self, book: usize) -> &'static str {
        match self.books[book] {
            Regime::Processing => "E52",
            Regime::ExportProduction => "E62",
            Regime::ExportProcessingEnterprise => "E42",
        }
    }
}

/// A line before it is grouped into a declaration.
struct Draft {
    date: NaiveDate,
    item: usize,
    quantity: Decimal,
}

/// Fills the plan's year from its catalogue and norms.
pub(super) fn fill(config: &GeneratorConfig, plan: &mut Plan, rng: &mut ChaCha8Rng) {
    let export_count = config.lines * 3 / 5;
    let exports = draft_exports(plan, export_count, rng);
    let need = material_need(plan, &exports);
    let import_count = config.lines.saturating_sub(export_count);
    let imports = draft_imports(plan, &need, import_count, rng);
    let mut lines = declare(plan, exports, true);
    lines.extend(declare(plan, imports, false));
    plan.lines = lines;
    add_surges(plan, rng);
    movements(plan, &need);
    filed_report(plan);
    capacity(plan, rng);
}

fn draft_exports(plan: &Plan, count: usize, rng: &mut ChaCha8Rng) -> Vec<Draft> {
    let products: Vec<usize> = plan.products.iter().flatten().copied().collect();
    let base: Vec<u32> = plan
        .items
        .iter()
        .map(|item| match item.unit {
            Unit::Pair => rng.gen_range(200..3000),
            _ => rng.gen_range(100..2000),
        })
        .collect();
    (0..count)
        .map(|_| {
            let product = products[rng.gen_range(0..products.len())];
            let quantity = f64::from(base[product]) * rng.gen_range(0.5..1.5);
            Draft {
                date: plan.date(rng.gen_range(FIRST_EXPORT_DAY..=LAST_EXPORT_DAY)),
                item: product,
                quantity: Decimal::from(quantity.round().max(1.0) as i64),
            }
        })
        .collect()
}

/// Σ exports × effective norm per material, in f64: it only sizes the imports.
fn material_need(plan: &Plan, exports: &[Draft]) -> Vec<f64> {
    let mut by_version: Vec<Vec<f64>> = plan.versions.iter().map(|v| vec![0.0; v.len()]).collect();
    for draft in exports {
        let versions = &plan.versions[draft.item];
        let index = versions
            .iter()
            .rposition(|version| version.valid_from <= draft.date);
        if let Some(index) = index {
            by_version[draft.item][index] += draft.quantity.to_f64().unwrap_or(0.0);
        }
    }
    let mut need = vec![0.0; plan.items.len()];
    for (product, quantities) in by_version.iter().enumerate() {
        for (version, quantity) in plan.versions[product].iter().zip(quantities) {
            for row in &version.rows {
                need[row.material] += quantity * row.effective.to_f64().unwrap_or(0.0);
            }
        }
    }
    need
}

fn milli(value: f64) -> Decimal {
    Decimal::new((value * 1000.0).round().max(1.0) as i64, 3).normalize()
}

fn draft_imports(plan: &mut Plan, need: &[f64], count: usize, rng: &mut ChaCha8Rng) -> Vec<Draft> {
    let materials: Vec<usize> = plan.materials.iter().flatten().copied().collect();
    let per_material = (count / materials.len().max(1)).max(1);
    let mut drafts = Vec::with_capacity(count);
    for (position, &material) in materials.iter().enumerate() {
        if need[material] <= 0.0 {
            continue;
        }
        let late = plan.knobs.late_supply.contains(&material);
        let extra = usize::from(position < count % materials.len().max(1));
        let lines = per_material + extra;
        let (share, opening, first_day, span) = if late {
            (1.3, 0.0, 150, 150)
        } else {
            (rng.gen_range(1.1..1.2), OPENING_SHARE, 1, IMPORT_DAYS)
        };
        plan.opening[material] = if opening > 0.0 {
            milli(need[material] * opening)
        } else {
            Decimal::ZERO
        };
        let per_line = need[material] * share / lines as f64;
        for k in 0..lines {
            let day = first_day + (span as usize * k / lines) as u32 + rng.gen_range(0..=5);
            drafts.push(Draft {
                date: plan.date(day),
                item: material,
                quantity: milli(per_line * rng.gen_range(0.9..1.1)),
            });
        }
        if plan.knobs.leaked.contains(&material) {
            leak(plan, material, need[material], &mut drafts, rng);
        }
    }
    drafts
}

/// Extra imports of 40 % of the need, which the enterprise will hide as production use.
fn leak(plan: &Plan, material: usize, need: f64, drafts: &mut Vec<Draft>, rng: &mut ChaCha8Rng) {
    for day in [60, 120, 200] {
        drafts.push(Draft {
            date: plan.date(day + rng.gen_range(0..10)),
            item: material,
            quantity: milli(need * 0.4 / 3.0),
        });
    }
}

/// Groups drafts of one day and one book into declarations.
fn declare(plan: &mut Plan, mut drafts: Vec<Draft>, exports: bool) -> Vec<GenLine> {
    drafts.sort_by_key(|draft| (draft.date, plan.items[draft.item].book));
    let mut lines = Vec::with_capacity(drafts.len());
    let mut start = 0;
    while start < drafts.len() {
        let key = (drafts[start].date, plan.items[drafts[start].item].book);
        let mut end = start;
        while end < drafts.len()
            && end - start < DECLARATION_LINES_MAX
            && (drafts[end].date, plan.items[drafts[end].item].book) == key
        {
            end += 1;
        }
        let number = if exports {
            &mut plan.next_export_number
        } else {
            &mut plan.next_import_number
        };
        *number += 1;
        let number = *number;
        let code = if exports {
            plan.export_code(key.1)
        } else {
            plan.import_code(key.1)
        };
        for (offset, draft) in drafts[start..end].iter().enumerate() {
            let item = &plan.items[draft.item];
            lines.push(GenLine {
                number,
                type_code: code,
                date: draft.date,
                line_number: offset as u32 + 1,
                item: draft.item,
                quantity: draft.quantity,
                unit: item.unit,
                value_vnd: value(draft.quantity, item.price_vnd),
            });
        }
        start = end;
    }
    lines
}

pub(super) fn value(quantity: Decimal, price_vnd: i64) -> i64 {
    (quantity * Decimal::from(price_vnd))
        .round()
        .to_i64()
        .unwrap_or(i64::MAX)
}

/// Import surges: extra imports in the last quarter worth 2.5 times the third quarter's.
fn add_surges(plan: &mut Plan, rng: &mut ChaCha8Rng) {
    for book in plan.knobs.surge_books.clone() {
        let july = NaiveDate::from_ymd_opt(plan.year, 7, 1).unwrap_or_default();
        let october = NaiveDate::from_ymd_opt(plan.year, 10, 1).unwrap_or_default();
        let code = plan.import_code(book);
        let third_quarter: i64 = plan
            .lines
            .iter()
            .filter(|line| line.type_code == code && line.date >= july && line.date < october)
            .map(|line| line.value_vnd)
            .sum();
        let materials = plan.materials[book].clone();
        let count = materials.len().clamp(1, 40);
        let per_line = third_quarter as f64 * 2.5 / count as f64;
        let drafts: Vec<Draft> = (0..count)
            .map(|_| {
                let material = materials[rng.gen_range(0..materials.len())];
                let price = plan.items[material].price_vnd as f64;
                Draft {
                    date: plan.date(rng.gen_range(280..=350)),
                    item: material,
                    quantity: milli(per_line / price),
                }
            })
            .collect();
        let lines = declare(plan, drafts, false);
        plan.lines.extend(lines);
    }
}

/// Monthly production (what was exported that month) and the issues its norms need.
fn movements(plan: &mut Plan, need: &[f64]) {
    let item_count = plan.items.len();
    let mut produced = vec![[Decimal::ZERO; 12]; item_count];
    for line in plan
        .lines
        .iter()
        .filter(|line| plan.items[line.item].kind == ItemKind::Product)
    {
        produced[line.item][line.date.month0() as usize] += line.quantity;
    }
    let mut issued = vec![[Decimal::ZERO; 12]; item_count];
    let mut movements = Vec::new();
    for (product, months) in produced.iter().enumerate() {
        for (month, quantity) in months.iter().enumerate().filter(|(_, q)| !q.is_zero()) {
            let date = NaiveDate::from_ymd_opt(plan.year, month as u32 + 1, 1).unwrap_or_default();
            let Some(version) = plan.version_at(product, date) else {
                continue;
            };
            for row in &version.rows {
                issued[row.material][month] += *quantity * row.effective;
            }
            movements.push(movement(
                date,
                product,
                MovementKind::Produced,
                *quantity,
                "NK",
                month,
            ));
        }
    }
    for (material, months) in issued.iter().enumerate() {
        for (month, quantity) in months.iter().enumerate().filter(|(_, q)| !q.is_zero()) {
            let date = NaiveDate::from_ymd_opt(plan.year, month as u32 + 1, 1).unwrap_or_default();
            let kind = MovementKind::IssuedToProduction;
            movements.push(movement(date, material, kind, *quantity, "PX", month));
        }
    }
    for &material in &plan.knobs.leaked {
        let date = NaiveDate::from_ymd_opt(plan.year, 11, 1).unwrap_or_default();
        let kind = MovementKind::IssuedToProduction;
        movements.push(movement(
            date,
            material,
            kind,
            milli(need[material] * 0.4 / 3.0) * Decimal::from(3),
            "PXB",
            10,
        ));
    }
    movements.sort_by_key(|movement| (movement.date, movement.item, movement.kind as u8));
    plan.movements = movements;
}

fn movement(
    date: NaiveDate,
    item: usize,
    kind: MovementKind,
    quantity: Decimal,
    prefix: &str,
    month: usize,
) -> GenMovement {
    GenMovement {
        date,
        item,
        kind,
        quantity: quantity.normalize(),
        reference: format!("{prefix}-{:02}-{item}", month + 1),
    }
}

/// The finalization report as an honest enterprise would file it from its records.
fn filed_report(plan: &mut Plan) {
    let count = plan.items.len();
    let mut inflow = vec![Decimal::ZERO; count];
    let mut outflow = vec![Decimal::ZERO; count];
    for line in &plan.lines {
        match plan.items[line.item].kind {
            ItemKind::Material => inflow[line.item] += line.quantity,
            ItemKind::Product => outflow[line.item] += line.quantity,
        }
    }
    let mut issued = vec![Decimal::ZERO; count];
    let mut produced = vec![Decimal::ZERO; count];
    for movement in &plan.movements {
        match movement.kind {
            MovementKind::Produced => produced[movement.item] += movement.quantity,
            _ => issued[movement.item] += movement.quantity,
        }
    }
    let zero = Decimal::ZERO;
    plan.filed = (0..count)
        .map(|item| match plan.items[item].kind {
            ItemKind::Material if inflow[item].is_zero() => None,
            ItemKind::Material => {
                let opening = plan.opening[item];
                let closing = opening + inflow[item] - issued[item];
                Some([
                    opening,
                    inflow[item],
                    zero,
                    zero,
                    issued[item],
                    zero,
                    closing,
                ])
            }
            ItemKind::Product if outflow[item].is_zero() => None,
            ItemKind::Product => {
                let closing = produced[item] - outflow[item];
                Some([
                    zero,
                    produced[item],
                    outflow[item],
                    zero,
                    zero,
                    zero,
                    closing,
                ])
            }
        })
        .collect();
}

/// Declared capacity: comfortably above production, except where a breach is injected.
fn capacity(plan: &mut Plan, rng: &mut ChaCha8Rng) {
    let mut capacity = vec![None; plan.items.len()];
    for &product in plan.products.iter().flatten() {
        let produced = plan.filed[product].map_or(Decimal::ZERO, |row| row[1]);
        let produced = produced.to_f64().unwrap_or(0.0).max(100.0);
        let factor = if plan.knobs.over_capacity.contains(&product) {
            0.4
        } else {
            rng.gen_range(1.1..1.6)
        };
        capacity[product] = Some(Decimal::from((produced * factor).round() as i64));
    }
    plan.capacity = capacity;
}
