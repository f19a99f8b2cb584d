//! The balances: Mẫu 15 for materials and Mẫu 15a for products, per book, from the records.
//!
//! One pass over the declaration lines and one over the movements fill a `Tally` per book and
//! item. The type code of a line decides its column. It also decides its book when it belongs to
//! one regime; codes shared by every regime (A42, B13, E82, E41) land in the item's home book,
//! the book of the first regime-specific line that names the item, and failing that in the first
//! book. Movements, opening stock and report rows carry an optional `regime` column; without it
//! they go to the item's home book the same way.
//!
//! Exports and production are also summed per norm version (the version valid on the line's
//! date), so that the consumption the norms explain is Σ quantity × effective norm over versions
//! rather than over lines: one multiplication per norm row, not per declaration line.
//!
//! Column mapping of movements: `destroyed` joins the repurposed column (Mẫu 15 lists
//! destruction there), `scrap` joins other issues (other_out for products), and a stock count
//! changes no column but may supply the closing stock.

use bonded_model::{BalanceColumn, ItemKind, MovementKind, NaiveDate, Regime};
use rust_decimal::Decimal;

use crate::bundle::{Bundle, DeclarationLine, ItemId, Norms};
use crate::report::{ClosingSource, Period};

/// The balance columns of one item in one book, from the records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub opening: Decimal,
    pub imported: Decimal,
    pub reexported: Decimal,
    pub repurposed: Decimal,
    /// The part of `repurposed` declared on A42 lines.
    pub declared_repurposed: Decimal,
    pub issued_to_production: Decimal,
    pub other_issued: Decimal,
    pub produced: Decimal,
    pub exported: Decimal,
    pub other_out: Decimal,
    /// The latest stock count in the period: date, quantity, movements.csv line.
    pub stock_count: Option<(NaiveDate, Decimal, u32)>,
    /// Whether any record names the item in this book.
    pub active: bool,
}

/// Quantity of a product exported (or produced) under each of its norm versions.
#[derive(Clone, Debug, Default)]
pub(crate) struct ByVersion {
    pub quantities: Vec<Vec<Decimal>>,
}

impl ByVersion {
    fn add(&mut self, norms: &Norms, product: ItemId, version: usize, quantity: Decimal) {
        let slot = &mut self.quantities[product as usize];
        if slot.is_empty() {
            slot.resize(norms.versions(product).len(), Decimal::ZERO);
        }
        slot[version] += quantity;
    }
}

/// Quantities with no valid norm on their date, per product: total and declaration lines.
#[derive(Clone, Debug, Default)]
pub(crate) struct WithoutNorm {
    pub quantity: Decimal,
    pub lines: Vec<u32>,
}

/// One regime's book.
#[derive(Clone, Debug)]
pub(crate) struct BookLedger {
    pub regime: Regime,
    pub tallies: Vec<Tally>,
    pub exported: ByVersion,
    pub produced: ByVersion,
    pub exported_without_norm: Vec<WithoutNorm>,
    pub produced_without_norm: Vec<Decimal>,
    pub consumed_by_exports: Vec<Decimal>,
    pub consumed_by_production: Vec<Decimal>,
    pub closing: Vec<(Decimal, ClosingSource)>,
}

impl BookLedger {
    fn new(regime: Regime, item_count: usize) -> Self {
        BookLedger {
            regime,
            tallies: vec![Tally::default(); item_count],
            exported: ByVersion {
                quantities: vec![Vec::new(); item_count],
            },
            produced: ByVersion {
                quantities: vec![Vec::new(); item_count],
            },
            exported_without_norm: vec![WithoutNorm::default(); item_count],
            produced_without_norm: vec![Decimal::ZERO; item_count],
            consumed_by_exports: vec![Decimal::ZERO; item_count],
            consumed_by_production: vec![Decimal::ZERO; item_count],
            closing: vec![(Decimal::ZERO, ClosingSource::DeclarationsOnly); item_count],
        }
    }
}

/// What every rule needs to know about the bundle besides the balances.
pub(crate) struct Context<'b> {
    pub bundle: &'b Bundle,
    pub period: Period,
    pub books: Vec<Regime>,
    home: Vec<Option<Regime>>,
    pub empty_norms: Norms,
}

impl<'b> Context<'b> {
    pub fn new(bundle: &'b Bundle, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Self {
        let mut home = vec![None; bundle.catalogue.len()];
        let mut books = Vec::new();
        for line in &bundle.declarations {
            if let Some(regime) = line.regime {
                home[line.item as usize].get_or_insert(regime);
                if !books.contains(&regime) {
                    books.push(regime);
                }
            }
        }
        books.sort();
        assert!(!books.is_empty(), "parsing refuses a bundle without a book");
        Context {
            bundle,
            period: default_period(bundle, from, to),
            books,
            home,
            empty_norms: Norms::default(),
        }
    }

    pub fn norms(&self) -> &Norms {
        self.bundle.norms.as_ref().unwrap_or(&self.empty_norms)
    }

    /// The index in `books` of the book a record about `item` belongs to.
    pub fn book_of(&self, item: ItemId, explicit: Option<Regime>) -> usize {
        let regime = explicit
            .or(self.home[item as usize])
            .unwrap_or(self.books[0]);
        self.books
            .iter()
            .position(|book| *book == regime)
            .unwrap_or(0)
    }

    pub fn line_book(&self, line: &DeclarationLine) -> usize {
        self.book_of(line.item, line.regime)
    }

    pub fn in_period(&self, date: NaiveDate) -> bool {
        date >= self.period.from && date <= self.period.to
    }

    /// Days since the start of the period.
    pub fn day(&self, date: NaiveDate) -> usize {
        usize::try_from((date - self.period.from).num_days()).unwrap_or(0)
    }

    pub fn period_days(&self) -> usize {
        self.day(self.period.to) + 1
    }

    pub fn has_movements(&self) -> bool {
        self.bundle.movements.is_some()
    }
}

/// The period asked for, or whole calendar quarters around every dated record.
fn default_period(bundle: &Bundle, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Period {
    let dates = bundle.declarations.iter().map(|line| line.date);
    let movement_dates = bundle
        .movements
        .iter()
        .flatten()
        .map(|movement| movement.date);
    let (first, last) = dates
        .chain(movement_dates)
        .fold((NaiveDate::MAX, NaiveDate::MIN), |(low, high), date| {
            (low.min(date), high.max(date))
        });
    Period {
        from: from.unwrap_or_else(|| quarter_start(first)),
        to: to.unwrap_or_else(|| quarter_end(last)),
    }
}

pub(crate) fn quarter_start(date: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let month = (date.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(date.year(), month, 1).unwrap_or(date)
}

pub(crate) fn quarter_end(date: NaiveDate) -> NaiveDate {
    let start = quarter_start(date);
    let next = start
        .checked_add_months(chrono::Months::new(3))
        .unwrap_or(date);
    next.pred_opt().unwrap_or(date)
}

/// Fills every book from the records of the period.
pub(crate) fn build(context: &Context<'_>) -> Vec<BookLedger> {
    let _span = tracing::debug_span!("reconcile.balance").entered();
    let item_count = context.bundle.catalogue.len();
    let mut books: Vec<BookLedger> = context
        .books
        .iter()
        .map(|regime| BookLedger::new(*regime, item_count))
        .collect();
    add_opening(context, &mut books);
    add_declarations(context, &mut books);
    add_movements(context, &mut books);
    for book in &mut books {
        consume(context.norms(), book);
    }
    close(context, &mut books);
    books
}

fn add_opening(context: &Context<'_>, books: &mut [BookLedger]) {
    for record in context.bundle.opening.iter().flatten() {
        if !record.unit_ok {
            continue;
        }
        let book = &mut books[context.book_of(record.item, record.book)];
        let tally = &mut book.tallies[record.item as usize];
        tally.opening += record.quantity;
        tally.active = true;
    }
}

fn add_declarations(context: &Context<'_>, books: &mut [BookLedger]) {
    let norms = context.norms();
    for (index, line) in context.bundle.declarations.iter().enumerate() {
        if !line.unit_ok || !context.in_period(line.date) {
            continue;
        }
        let book = &mut books[context.line_book(line)];
        let tally = &mut book.tallies[line.item as usize];
        tally.active = true;
        match line.column {
            BalanceColumn::MaterialImported => tally.imported += line.quantity,
            BalanceColumn::MaterialReexported => tally.reexported += line.quantity,
            BalanceColumn::MaterialRepurposed => {
                tally.repurposed += line.quantity;
                tally.declared_repurposed += line.quantity;
            }
            BalanceColumn::ProductReturned => tally.produced += line.quantity,
            BalanceColumn::ProductExported => {
                tally.exported += line.quantity;
                add_export(norms, book, line, index);
            }
            BalanceColumn::OutsideBalance => {}
        }
    }
}

fn add_export(norms: &Norms, book: &mut BookLedger, line: &DeclarationLine, index: usize) {
    match norms.version_at(line.item, line.date) {
        Some(version) => book.exported.add(norms, line.item, version, line.quantity),
        None => {
            let orphan = &mut book.exported_without_norm[line.item as usize];
            orphan.quantity += line.quantity;
            orphan.lines.push(u32::try_from(index).unwrap_or(u32::MAX));
        }
    }
}

fn add_movements(context: &Context<'_>, books: &mut [BookLedger]) {
    let norms = context.norms();
    for movement in context.bundle.movements.iter().flatten() {
        if !movement.unit_ok || !context.in_period(movement.date) {
            continue;
        }
        let kind = context.bundle.item(movement.item).kind;
        let book = &mut books[context.book_of(movement.item, movement.book)];
        let tally = &mut book.tallies[movement.item as usize];
        tally.active = true;
        let quantity = movement.quantity;
        match (movement.kind, kind) {
            (MovementKind::IssuedToProduction, _) => tally.issued_to_production += quantity,
            (MovementKind::Produced, _) => {
                tally.produced += quantity;
                match norms.version_at(movement.item, movement.date) {
                    Some(version) => book.produced.add(norms, movement.item, version, quantity),
                    None => book.produced_without_norm[movement.item as usize] += quantity,
                }
            }
            (MovementKind::Destroyed, _) => tally.repurposed += quantity,
            (MovementKind::StockCount, _) => {
                let later = tally
                    .stock_count
                    .is_none_or(|(date, _, _)| movement.date >= date);
                if later {
                    tally.stock_count = Some((movement.date, quantity, movement.source_line));
                }
            }
            (_, ItemKind::Material) => tally.other_issued += quantity,
            (_, ItemKind::Product) => tally.other_out += quantity,
        }
    }
}

/// Σ quantity × effective norm, per material, for exports and for production.
fn consume(norms: &Norms, book: &mut BookLedger) {
    for (product, quantities) in book.exported.quantities.iter().enumerate() {
        spread(norms, product, quantities, &mut book.consumed_by_exports);
    }
    for (product, quantities) in book.produced.quantities.iter().enumerate() {
        spread(norms, product, quantities, &mut book.consumed_by_production);
    }
}

fn spread(norms: &Norms, product: usize, quantities: &[Decimal], consumed: &mut [Decimal]) {
    let product = ItemId::try_from(product).expect("item ids fit in u32");
    for (version, quantity) in norms.versions(product).iter().zip(quantities) {
        if quantity.is_zero() {
            continue;
        }
        for row in &version.rows {
            consumed[row.material as usize] += *quantity * row.effective;
        }
    }
}

/// Picks each row's closing stock: filed report, else stock count, else book balance.
fn close(context: &Context<'_>, books: &mut [BookLedger]) {
    let mut filed: Vec<Vec<Option<Decimal>>> =
        vec![vec![None; context.bundle.catalogue.len()]; books.len()];
    for row in context.bundle.report.iter().flatten() {
        filed[context.book_of(row.item, row.book)][row.item as usize] = Some(row.closing);
    }
    let movements = context.has_movements();
    for (book, filed) in books.iter_mut().zip(filed) {
        for (item, tally) in book.tallies.iter().enumerate() {
            let kind = context.bundle.catalogue.items()[item].kind;
            book.closing[item] = match (filed[item], tally.stock_count) {
                (Some(closing), _) => (closing, ClosingSource::Report),
                (None, Some((_, counted, _))) => (counted, ClosingSource::StockCount),
                (None, None) if movements => (book_balance(tally, kind), ClosingSource::Movements),
                (None, None) => (book_balance(tally, kind), ClosingSource::DeclarationsOnly),
            };
        }
    }
}

/// Opening plus inflows minus outflows, from the records.
pub(crate) fn book_balance(tally: &Tally, kind: ItemKind) -> Decimal {
    match kind {
        ItemKind::Material => {
            tally.opening + tally.imported
                - tally.reexported
                - tally.repurposed
                - tally.issued_to_production
                - tally.other_issued
        }
        ItemKind::Product => {
            tally.opening + tally.produced - tally.repurposed - tally.exported - tally.other_out
        }
    }
}
