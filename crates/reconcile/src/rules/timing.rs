//! Rules over dates and volumes: TIM-EXPORT-BEFORE-SUPPLY, CAP-OVER-CAPACITY, SRG-IMPORT-SURGE.
//!
//! Export-before-supply follows, for every material and day, the supply so far (opening plus
//! imports) against what the exports so far consumed (quantity × effective norm valid on the
//! export date). A large enterprise-year holds tens of millions of such products, so the walk is
//! done in two steps: a screen in `f64`, which flags a material when the shortfall comes within
//! a relative 1e-9 of the tolerance (far wider than the float error of these sums), and an exact
//! walk in `Decimal` for the flagged materials only. Only the exact walk makes findings.
//!
//! The import surge compares calendar quarters by declared value in VND: quantities of different
//! materials do not add up, values do.

use std::collections::BTreeMap;

use bonded_model::{BalanceColumn, ItemKind, NaiveDate};
use chrono::Datelike;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{grade_above, quote, Input, Outcome};
use crate::balance::{quarter_start, BookLedger};
use crate::bundle::ItemId;
use crate::report::{quantity, Evidence, Rule, Severity};

/// Relative slack of the float screen.
const SCREEN_SLACK: f64 = 1e-9;

/// TIM-EXPORT-BEFORE-SUPPLY for every book.
pub(super) fn check_supply(input: &Input<'_>, outcome: &mut Outcome) {
    if input.context.bundle.norms.is_none() {
        outcome.missing(
            Rule::ExportBeforeSupply,
            None,
            "norms.csv",
            "no norms (norms.csv)",
        );
        return;
    }
    for (index, book) in input.books.iter().enumerate() {
        export_before_supply(input, outcome, index, book);
    }
}

/// CAP-OVER-CAPACITY and SRG-IMPORT-SURGE.
pub(super) fn check(input: &Input<'_>, outcome: &mut Outcome) {
    over_capacity(input, outcome);
    for (index, book) in input.books.iter().enumerate() {
        import_surge(input, outcome, index, book);
    }
}

/// A dated quantity from a declaration line.
#[derive(Clone, Copy)]
struct Dated {
    day: u32,
    version: u32,
    quantity: f64,
    line: u32,
}

/// Exports per product and imports per material of one book, in file order.
struct Flows {
    exports: Vec<Vec<Dated>>,
    imports: Vec<Vec<Dated>>,
}

fn flows(input: &Input<'_>, book_index: usize) -> Flows {
    let context = input.context;
    let norms = context.norms();
    let count = context.bundle.catalogue.len();
    let mut flows = Flows {
        exports: vec![Vec::new(); count],
        imports: vec![Vec::new(); count],
    };
    for (index, line) in context.bundle.declarations.iter().enumerate() {
        let column = line.column;
        let relevant = matches!(
            column,
            BalanceColumn::ProductExported | BalanceColumn::MaterialImported
        );
        if !relevant
            || !line.unit_ok
            || !context.in_period(line.date)
            || context.line_book(line) != book_index
        {
            continue;
        }
        let mut dated = Dated {
            day: to_u32(context.day(line.date)),
            version: 0,
            quantity: approximate(line.quantity),
            line: to_u32(index),
        };
        if column == BalanceColumn::MaterialImported {
            flows.imports[line.item as usize].push(dated);
        } else if let Some(version) = norms.version_at(line.item, line.date) {
            dated.version = to_u32(version);
            flows.exports[line.item as usize].push(dated);
        }
    }
    flows
}

/// A quantity as a float, for the screen only. Small mantissas convert without `i128` math.
fn approximate(quantity: Decimal) -> f64 {
    let mantissa = quantity.mantissa();
    match i64::try_from(mantissa) {
        Ok(small) if small.unsigned_abs() < (1 << 53) => {
            small as f64 / 10f64.powi(quantity.scale() as i32)
        }
        _ => quantity.to_f64().unwrap_or(f64::MAX),
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).expect("indices fit in u32")
}

fn export_before_supply(
    input: &Input<'_>,
    outcome: &mut Outcome,
    book_index: usize,
    book: &BookLedger,
) {
    let _span =
        tracing::debug_span!("reconcile.export_before_supply", book = %book.regime).entered();
    let flows = flows(input, book_index);
    let days = input.context.period_days();
    let mut consumed = vec![0f64; days];
    let mut supplied = vec![0f64; days];
    let mut flagged = 0usize;
    for material in 0..input.context.bundle.catalogue.len() {
        let material = to_u32(material);
        if input.context.bundle.item(material).kind != ItemKind::Material {
            continue;
        }
        let opening = book.tallies[material as usize]
            .opening
            .to_f64()
            .unwrap_or(0.0);
        if !screen(
            input,
            &flows,
            material,
            opening,
            &mut consumed,
            &mut supplied,
        ) {
            continue;
        }
        flagged += 1;
        confirm(input, outcome, book, &flows, material);
    }
    tracing::debug!(flagged, "export-before-supply screen done");
}

/// The float screen: `true` if the material may run short on some export day.
fn screen(
    input: &Input<'_>,
    flows: &Flows,
    material: ItemId,
    opening: f64,
    consumed: &mut [f64],
    supplied: &mut [f64],
) -> bool {
    let norms = input.context.norms();
    let mut any = false;
    for (version, row) in norms.uses(material) {
        let index = to_u32(norms.version_index(version));
        let effective = row.effective.to_f64().unwrap_or(f64::MAX);
        for dated in flows.exports[version.product as usize]
            .iter()
            .filter(|d| d.version == index)
        {
            consumed[dated.day as usize] += dated.quantity * effective;
            any = true;
        }
    }
    if !any {
        return false;
    }
    for dated in &flows.imports[material as usize] {
        supplied[dated.day as usize] += dated.quantity;
    }
    let tolerance = input.policy.rounding_tolerance.to_f64().unwrap_or(0.0);
    let (mut supply, mut consumption, mut suspicious) = (opening, 0f64, false);
    for day in 0..consumed.len() {
        supply += supplied[day];
        consumption += consumed[day];
        let slack = SCREEN_SLACK * supply.abs().max(consumption.abs()).max(1.0);
        suspicious |= consumed[day] > 0.0 && consumption - supply > tolerance - slack;
        consumed[day] = 0.0;
        supplied[day] = 0.0;
    }
    suspicious
}

/// The exact walk for one flagged material; reports the first short day.
fn confirm(
    input: &Input<'_>,
    outcome: &mut Outcome,
    book: &BookLedger,
    flows: &Flows,
    material: ItemId,
) {
    let norms = input.context.norms();
    let bundle = input.context.bundle;
    let mut consumed: BTreeMap<u32, (Decimal, Vec<String>)> = BTreeMap::new();
    for (version, row) in norms.uses(material) {
        let index = to_u32(norms.version_index(version));
        for dated in flows.exports[version.product as usize]
            .iter()
            .filter(|d| d.version == index)
        {
            let line = &bundle.declarations[dated.line as usize];
            let entry = consumed.entry(dated.day).or_default();
            entry.0 += line.quantity * row.effective;
            entry.1.push(format!(
                "{}: {} × effective norm {} (norms.csv line {})",
                bundle.describe_line(line),
                quantity(line.quantity),
                quantity(row.effective),
                row.source_line
            ));
        }
    }
    let mut supplied: BTreeMap<u32, Decimal> = BTreeMap::new();
    for dated in &flows.imports[material as usize] {
        *supplied.entry(dated.day).or_default() +=
            bundle.declarations[dated.line as usize].quantity;
    }
    let opening = book.tallies[material as usize].opening;
    let (mut supply, mut consumption) = (opening, Decimal::ZERO);
    let mut imports = supplied.iter().peekable();
    for (day, (used, lines)) in &consumed {
        while let Some((_, quantity)) = imports.next_if(|(import_day, _)| *import_day <= day) {
            supply += *quantity;
        }
        consumption += *used;
        if consumption - supply > input.policy.rounding_tolerance {
            let date = input.context.period.from + chrono::Days::new(u64::from(*day));
            let first_import = supplied
                .keys()
                .next()
                .map(|day| input.context.period.from + chrono::Days::new(u64::from(*day)));
            let figures = ShortDay {
                date,
                opening,
                supply,
                consumption,
                first_import,
            };
            report_short(input, outcome, book, material, &figures, lines);
            return;
        }
    }
}

struct ShortDay {
    date: NaiveDate,
    opening: Decimal,
    supply: Decimal,
    consumption: Decimal,
    first_import: Option<NaiveDate>,
}

fn report_short(
    input: &Input<'_>,
    outcome: &mut Outcome,
    book: &BookLedger,
    material: ItemId,
    day: &ShortDay,
    lines: &[String],
) {
    let item = input.context.bundle.item(material);
    let first_import = day
        .first_import
        .map_or("none in the period".to_string(), |date| date.to_string());
    let message = format!(
        "By {} exports had consumed {} {} of {}, but only {} {} had been held or imported \
         (first import: {first_import}).",
        day.date,
        quantity(day.consumption),
        item.unit,
        item.code,
        quantity(day.supply),
        item.unit
    );
    let evidence = Evidence {
        declaration_lines: quote(lines.iter().cloned(), lines.len()),
        ..Evidence::default()
    }
    .text("date", day.date.to_string())
    .figure("opening", day.opening)
    .figure("supply_to_date", day.supply)
    .figure("consumed_by_exports_to_date", day.consumption)
    .figure("shortfall", day.consumption - day.supply);
    outcome.finding(
        Rule::ExportBeforeSupply,
        Severity::Critical,
        Some(book.regime),
        &item.code,
        message,
        evidence,
    );
}

/// CAP-OVER-CAPACITY: production against the declared yearly capacity, prorated to the period.
fn over_capacity(input: &Input<'_>, outcome: &mut Outcome) {
    let Some(facility) = input.context.bundle.facility.as_ref() else {
        let missing = "no production-facility notice (facility.csv)";
        outcome.missing(Rule::OverCapacity, None, "facility.csv", missing);
        return;
    };
    let mut capacity: BTreeMap<ItemId, (Decimal, Vec<u32>)> = BTreeMap::new();
    for record in facility.iter().filter(|record| record.unit_ok) {
        let entry = capacity.entry(record.product).or_default();
        entry.0 += record.capacity_per_year;
        entry.1.push(record.source_line);
    }
    let days = Decimal::from(input.context.period_days());
    let share = days / Decimal::from(365);
    let mut without_capacity = Vec::new();
    for (product, item) in input.context.bundle.catalogue.items().iter().enumerate() {
        let product = to_u32(product);
        if item.kind != ItemKind::Product {
            continue;
        }
        let (production, basis) = production(input, product);
        if production <= Decimal::ZERO {
            continue;
        }
        match capacity.get(&product) {
            Some((yearly, lines)) => {
                let figures = (production, *yearly, (*yearly * share).round_dp(6));
                capacity_finding(input, outcome, product, figures, basis, lines);
            }
            None => without_capacity.push(item.code.clone()),
        }
    }
    if !without_capacity.is_empty() {
        let missing = format!(
            "no capacity declared for {} product(s) with production: {}",
            without_capacity.len(),
            quote(without_capacity.iter().cloned(), without_capacity.len()).join(", ")
        );
        outcome.missing(Rule::OverCapacity, None, "products", &missing);
    }
}

/// Production from movements, or exports less opening stock (a lower bound) without them.
fn production(input: &Input<'_>, product: ItemId) -> (Decimal, &'static str) {
    let tallies = input
        .books
        .iter()
        .map(|book| &book.tallies[product as usize]);
    if input.context.has_movements() {
        return (
            tallies.map(|tally| tally.produced).sum(),
            "produced (movements)",
        );
    }
    let lower_bound = tallies.map(|tally| tally.exported - tally.opening).sum();
    (lower_bound, "exported less opening stock (no movements)")
}

fn capacity_finding(
    input: &Input<'_>,
    outcome: &mut Outcome,
    product: ItemId,
    (production, yearly, for_period): (Decimal, Decimal, Decimal),
    basis: &'static str,
    lines: &[u32],
) {
    if for_period.is_zero() {
        return;
    }
    let policy = input.policy;
    let ratio = (production / for_period * Decimal::ONE_HUNDRED).round_dp(2);
    let Some(severity) = grade_above(
        ratio,
        policy.capacity_warning_percent,
        policy.capacity_critical_percent,
    ) else {
        return;
    };
    let item = input.context.bundle.item(product);
    let message = format!(
        "{} {} of {} were made in the period, {ratio} % of the declared capacity of {} {} for \
         the period ({} a year).",
        quantity(production),
        item.unit,
        item.code,
        quantity(for_period),
        item.unit,
        quantity(yearly)
    );
    let records = lines.iter().map(|line| format!("facility.csv line {line}"));
    let evidence = Evidence {
        records: quote(records, lines.len()),
        ..Evidence::default()
    }
    .text("production_basis", basis)
    .figure("production", production)
    .figure("capacity_per_year", yearly)
    .text("period_days", input.context.period_days().to_string())
    .figure("capacity_for_period", for_period)
    .figure("utilisation_percent", ratio);
    outcome.finding(
        Rule::OverCapacity,
        severity,
        None,
        &item.code,
        message,
        evidence,
    );
}

/// Declared value of imports and exports per calendar quarter.
#[derive(Clone, Copy, Default)]
struct Quarter {
    imports: Decimal,
    exports: Decimal,
}

fn quarter_key(date: NaiveDate) -> (i32, u32) {
    (date.year(), date.month0() / 3 + 1)
}

/// SRG-IMPORT-SURGE: imports up by more than the policy while exports stay nearly flat.
fn import_surge(input: &Input<'_>, outcome: &mut Outcome, book_index: usize, book: &BookLedger) {
    let context = input.context;
    let period = context.period;
    let before = quarter_start(period.from)
        .checked_sub_months(chrono::Months::new(3))
        .unwrap_or(period.from);
    let mut quarters: BTreeMap<(i32, u32), Quarter> = BTreeMap::new();
    for line in &context.bundle.declarations {
        if line.date < before || line.date > period.to || context.line_book(line) != book_index {
            continue;
        }
        let quarter = quarters.entry(quarter_key(line.date)).or_default();
        match line.column {
            BalanceColumn::MaterialImported => quarter.imports += line.value_vnd,
            BalanceColumn::ProductExported => quarter.exports += line.value_vnd,
            _ => {}
        }
    }
    let complete = |key: (i32, u32)| {
        let start = NaiveDate::from_ymd_opt(key.0, (key.1 - 1) * 3 + 1, 1).unwrap_or(period.from);
        let end = crate::balance::quarter_end(start);
        start >= period.from && end <= period.to
    };
    let mut compared = 0usize;
    let keys: Vec<(i32, u32)> = quarters.keys().copied().collect();
    for pair in keys.windows(2) {
        let adjacent = previous_quarter(pair[1]) == pair[0];
        if !adjacent || !complete(pair[1]) || quarters[&pair[0]].imports.is_zero() {
            continue;
        }
        compared += 1;
        surge_pair(
            input,
            outcome,
            book,
            (pair[0], quarters[&pair[0]]),
            (pair[1], quarters[&pair[1]]),
        );
    }
    if compared == 0 {
        let missing = "fewer than two consecutive quarters with imports in the period";
        outcome.missing(
            Rule::ImportSurge,
            Some(book.regime),
            book.regime.code(),
            missing,
        );
    }
}

fn previous_quarter((year, quarter): (i32, u32)) -> (i32, u32) {
    if quarter == 1 {
        (year - 1, 4)
    } else {
        (year, quarter - 1)
    }
}

fn growth_percent(now: Decimal, before: Decimal) -> Option<Decimal> {
    if before.is_zero() {
        return now.is_zero().then_some(Decimal::ZERO);
    }
    Some(((now - before) / before * Decimal::ONE_HUNDRED).round_dp(2))
}

fn surge_pair(
    input: &Input<'_>,
    outcome: &mut Outcome,
    book: &BookLedger,
    (before_key, before): ((i32, u32), Quarter),
    (now_key, now): ((i32, u32), Quarter),
) {
    let policy = input.policy;
    let Some(import_growth) = growth_percent(now.imports, before.imports) else {
        return;
    };
    let Some(export_growth) = growth_percent(now.exports, before.exports) else {
        return;
    };
    if import_growth <= policy.surge_import_growth_percent
        || export_growth >= policy.surge_export_growth_percent
    {
        return;
    }
    let severity = if import_growth >= policy.surge_import_growth_percent * Decimal::TWO {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let label = |(year, quarter): (i32, u32)| format!("{year}-Q{quarter}");
    let message = format!(
        "Imports of the {} book grew {import_growth} % in {} against {} while exports grew \
         {export_growth} %.",
        book.regime,
        label(now_key),
        label(before_key)
    );
    let evidence = Evidence::default()
        .text("quarter", label(now_key))
        .text("previous_quarter", label(before_key))
        .figure("imports_vnd_previous", before.imports)
        .figure("imports_vnd", now.imports)
        .figure("exports_vnd_previous", before.exports)
        .figure("exports_vnd", now.exports)
        .figure("import_growth_percent", import_growth)
        .figure("export_growth_percent", export_growth);
    outcome.finding(
        Rule::ImportSurge,
        severity,
        Some(book.regime),
        book.regime.code(),
        message,
        evidence,
    );
}
