//! Rules over individual records: DEC-DUPLICATE, UNIT-MISMATCH and BAL-NEGATIVE.
//!
//! Duplicates are found in one pass with a 64-bit mask of line numbers per declaration (VNACCS
//! allows 50 lines); larger line numbers fall back to a hash set. The running stock of
//! BAL-NEGATIVE groups the records by book and item with a counting sort, then orders each group
//! by date, inflows before outflows on the same day: within a day the order of records is not
//! known, so the engine gives the enterprise the benefit of the doubt.

use std::collections::BTreeMap;

use bonded_model::{BalanceColumn, ItemKind, MovementKind, NaiveDate};
use rust_decimal::Decimal;

use super::{quote, Input, Outcome};
use crate::bundle::{Bundle, FastMap, ItemId};
use crate::report::{quantity, Evidence, Rule, Severity};

pub(super) fn check(input: &Input<'_>, outcome: &mut Outcome) {
    duplicates(input, outcome);
    unit_mismatches(input, outcome);
    negative_stock(input, outcome);
}

/// DEC-DUPLICATE: the same declaration line twice.
fn duplicates(input: &Input<'_>, outcome: &mut Outcome) {
    let bundle = input.context.bundle;
    let mut masks = vec![0u64; bundle.declaration_numbers.len()];
    let mut large: FastMap<(u32, u32), ()> = FastMap::default();
    let mut repeated: BTreeMap<(u32, u32), Vec<usize>> = BTreeMap::new();
    for line in &bundle.declarations {
        let fresh = if line.line_number < 64 {
            let bit = 1u64 << line.line_number;
            let mask = &mut masks[line.declaration as usize];
            let fresh = *mask & bit == 0;
            *mask |= bit;
            fresh
        } else {
            large
                .insert((line.declaration, line.line_number), ())
                .is_none()
        };
        if !fresh {
            repeated.insert((line.declaration, line.line_number), Vec::new());
        }
    }
    if repeated.is_empty() {
        return;
    }
    for (index, line) in bundle.declarations.iter().enumerate() {
        if let Some(indices) = repeated.get_mut(&(line.declaration, line.line_number)) {
            indices.push(index);
        }
    }
    for ((declaration, line_number), indices) in repeated {
        report_duplicate(input, outcome, declaration, line_number, &indices);
    }
}

fn report_duplicate(
    input: &Input<'_>,
    outcome: &mut Outcome,
    declaration: u32,
    line_number: u32,
    indices: &[usize],
) {
    let bundle = input.context.bundle;
    let number = &bundle.declaration_numbers[declaration as usize];
    let first = &bundle.declarations[indices[0]];
    let item = bundle.item(first.item);
    let message = format!(
        "Declaration {number} line {line_number} ({}, {} {}) appears {} times: one declaration line \
         can discharge a book only once.",
        item.code,
        quantity(first.quantity),
        item.unit,
        indices.len()
    );
    let lines = indices
        .iter()
        .map(|&index| bundle.describe_line(&bundle.declarations[index]));
    let evidence = Evidence {
        declaration_lines: quote(lines, indices.len()),
        ..Evidence::default()
    }
    .figure("quantity_per_line", first.quantity)
    .text("occurrences", indices.len().to_string());
    let book = Some(input.context.books[input.context.line_book(first)]);
    let subject = format!("{number}/{line_number}");
    outcome.finding(
        Rule::Duplicate,
        Severity::Critical,
        book,
        subject,
        message,
        evidence,
    );
}

/// UNIT-MISMATCH: records whose unit cannot be converted to the item's unit.
fn unit_mismatches(input: &Input<'_>, outcome: &mut Outcome) {
    let bundle = input.context.bundle;
    let mut by_item: BTreeMap<ItemId, Vec<String>> = BTreeMap::new();
    for line in bundle.declarations.iter().filter(|line| !line.unit_ok) {
        let text = format!("{} in {}", bundle.describe_line(line), line.unit);
        by_item.entry(line.item).or_default().push(text);
    }
    for movement in bundle.movements.iter().flatten().filter(|m| !m.unit_ok) {
        let text = format!(
            "movements.csv line {} in {}",
            movement.source_line, movement.unit
        );
        by_item.entry(movement.item).or_default().push(text);
    }
    for record in bundle.opening.iter().flatten().filter(|r| !r.unit_ok) {
        let text = format!("opening.csv line {} in {}", record.source_line, record.unit);
        by_item.entry(record.item).or_default().push(text);
    }
    for record in bundle.facility.iter().flatten().filter(|r| !r.unit_ok) {
        let text = format!(
            "facility.csv line {} in {}",
            record.source_line, record.unit
        );
        by_item.entry(record.product).or_default().push(text);
    }
    for (item, records) in by_item {
        let item = bundle.item(item);
        let message = format!(
            "{} record(s) of {} state a unit that cannot be converted to the item's unit {}; \
             their quantities are left out of the balance.",
            records.len(),
            item.code,
            item.unit
        );
        let evidence = Evidence {
            records: quote(records.iter().cloned(), records.len()),
            ..Evidence::default()
        }
        .text("item_unit", item.unit.code());
        outcome.finding(
            Rule::UnitMismatch,
            Severity::Critical,
            None,
            &item.code,
            message,
            evidence,
        );
    }
}

/// A dated change of stock.
#[derive(Clone, Copy, Debug)]
struct Event {
    date: NaiveDate,
    inflow: bool,
    quantity: Decimal,
    /// Declaration line index, or movement index with the top bit set.
    source: u32,
}

const MOVEMENT_BIT: u32 = 1 << 31;

/// BAL-NEGATIVE: the running stock of each item, in date order, stays at or above zero.
fn negative_stock(input: &Input<'_>, outcome: &mut Outcome) {
    let context = input.context;
    let item_count = context.bundle.catalogue.len();
    let products_followed = context.has_movements();
    if !products_followed {
        for regime in &context.books {
            let missing =
                "no movements.csv: production is unknown, so product stock cannot be followed";
            outcome.missing(Rule::BalanceNegative, Some(*regime), "products", missing);
        }
    }
    if context.bundle.opening.is_none() {
        let missing = "no opening.csv: opening stock taken as zero";
        outcome.missing(Rule::BalanceNegative, None, "opening stock", missing);
    }
    let (keys, events) = collect_events(input, products_followed);
    let groups = group(&keys, context.books.len() * item_count);
    for (key, order) in groups
        .iter()
        .enumerate()
        .filter(|(_, order)| !order.is_empty())
    {
        let mut ordered: Vec<Event> = order.iter().map(|&index| events[index as usize]).collect();
        ordered.sort_by_key(|event| (event.date, !event.inflow));
        let (book, item) = (key / item_count, key % item_count);
        let opening = input.books[book].tallies[item].opening;
        follow(input, outcome, book, item, opening, &ordered);
    }
}

fn collect_events(input: &Input<'_>, products_followed: bool) -> (Vec<u32>, Vec<Event>) {
    let context = input.context;
    let bundle = context.bundle;
    let item_count = bundle.catalogue.len();
    let mut keys = Vec::new();
    let mut events = Vec::new();
    for (index, line) in bundle.declarations.iter().enumerate() {
        if !line.unit_ok || !context.in_period(line.date) {
            continue;
        }
        let product = bundle.item(line.item).kind == ItemKind::Product;
        let inflow = match line.column {
            BalanceColumn::MaterialImported | BalanceColumn::ProductReturned => true,
            BalanceColumn::OutsideBalance => continue,
            _ => false,
        };
        if product && !products_followed {
            continue;
        }
        keys.push(key(context.line_book(line), line.item, item_count));
        events.push(Event {
            date: line.date,
            inflow,
            quantity: line.quantity,
            source: u32::try_from(index).unwrap_or(0),
        });
    }
    for (index, movement) in bundle.movements.iter().flatten().enumerate() {
        if !movement.unit_ok || !context.in_period(movement.date) {
            continue;
        }
        if movement.kind == MovementKind::StockCount {
            continue;
        }
        keys.push(key(
            context.book_of(movement.item, movement.book),
            movement.item,
            item_count,
        ));
        events.push(Event {
            date: movement.date,
            inflow: movement.kind == MovementKind::Produced,
            quantity: movement.quantity,
            source: u32::try_from(index).unwrap_or(0) | MOVEMENT_BIT,
        });
    }
    (keys, events)
}

fn key(book: usize, item: ItemId, item_count: usize) -> u32 {
    u32::try_from(book * item_count + item as usize).expect("book and item keys fit in u32")
}

/// Counting sort: the event indices of each key, in input order.
pub(crate) fn group(keys: &[u32], key_count: usize) -> Vec<Vec<u32>> {
    let mut counts = vec![0usize; key_count];
    for &key in keys {
        counts[key as usize] += 1;
    }
    let mut groups: Vec<Vec<u32>> = counts.into_iter().map(Vec::with_capacity).collect();
    for (index, &key) in keys.iter().enumerate() {
        groups[key as usize].push(u32::try_from(index).expect("fewer than 2^32 events"));
    }
    groups
}

fn follow(
    input: &Input<'_>,
    outcome: &mut Outcome,
    book: usize,
    item: usize,
    opening: Decimal,
    events: &[Event],
) {
    let mut balance = opening;
    let (mut inflows, mut outflows) = (Decimal::ZERO, Decimal::ZERO);
    for (position, event) in events.iter().enumerate() {
        if event.inflow {
            balance += event.quantity;
            inflows += event.quantity;
        } else {
            balance -= event.quantity;
            outflows += event.quantity;
        }
        let day_ends = events
            .get(position + 1)
            .is_none_or(|next| next.date != event.date);
        if day_ends && balance < -input.policy.rounding_tolerance {
            let figures = (opening, inflows, outflows, balance);
            report_negative(input, outcome, book, item, event.date, figures, events);
            return;
        }
    }
}

fn report_negative(
    input: &Input<'_>,
    outcome: &mut Outcome,
    book: usize,
    item: usize,
    date: NaiveDate,
    (opening, inflows, outflows, balance): (Decimal, Decimal, Decimal, Decimal),
    events: &[Event],
) {
    let bundle = input.context.bundle;
    let item = bundle.item(u32::try_from(item).expect("item ids fit in u32"));
    let regime = input.books[book].regime;
    let message = format!(
        "The stock of {} in the {regime} book falls to {} {} on {date}: by then {} {} went out \
         against an opening stock of {} and inflows of {}.",
        item.code,
        quantity(balance),
        item.unit,
        quantity(outflows),
        item.unit,
        quantity(opening),
        quantity(inflows)
    );
    let that_day: Vec<String> = events
        .iter()
        .filter(|event| event.date == date)
        .map(|event| describe_event(bundle, event))
        .collect();
    let evidence = Evidence {
        records: quote(that_day.iter().cloned(), that_day.len()),
        ..Evidence::default()
    }
    .text("date", date.to_string())
    .figure("opening", opening)
    .figure("inflows_to_date", inflows)
    .figure("outflows_to_date", outflows)
    .figure("balance", balance);
    outcome.finding(
        Rule::BalanceNegative,
        Severity::Critical,
        Some(regime),
        &item.code,
        message,
        evidence,
    );
}

fn describe_event(bundle: &Bundle, event: &Event) -> String {
    if event.source & MOVEMENT_BIT != 0 {
        let index = (event.source & !MOVEMENT_BIT) as usize;
        let movement = &bundle
            .movements
            .as_ref()
            .expect("movement events need movements")[index];
        return format!(
            "movements.csv line {}: {:?} {} ({})",
            movement.source_line,
            movement.kind,
            quantity(movement.quantity),
            movement.reference
        );
    }
    let line = &bundle.declarations[event.source as usize];
    format!(
        "{}: {}",
        bundle.describe_line(line),
        quantity(line.quantity)
    )
}
