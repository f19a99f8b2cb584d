//! Sectors, items and norms of a synthetic enterprise.

use bonded_model::{ItemKind, LossConvention, NaiveDate, Regime, Unit};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

use super::plan::{GenItem, GenNorm, GenVersion, Knobs, Plan};
use super::GeneratorConfig;
use crate::bundle::effective_norm;

/// Name, HS code, unit.
type Template = (&'static str, &'static str, Unit);

struct Sector {
    name: &'static str,
    materials: &'static [Template],
    products: &'static [Template],
}

const SECTORS: [Sector; 3] = [
    Sector {
        name: "textiles",
        materials: &[
            ("Cotton woven fabric", "52081100", Unit::Metre),
            ("Polyester knitted fabric", "60063200", Unit::Metre),
            ("Sewing thread", "54011000", Unit::Metre),
            ("Plastic buttons", "96062100", Unit::Piece),
            ("Metal zipper", "96071100", Unit::Piece),
            ("Fusible interlining", "56031200", Unit::SquareMetre),
            ("Woven labels", "58071000", Unit::Piece),
            ("Elastic tape", "58062000", Unit::Metre),
            ("Polybag", "39232199", Unit::Piece),
            ("Carton box", "48191000", Unit::Piece),
        ],
        products: &[
            ("Men's cotton shirt", "62052000", Unit::Piece),
            ("Women's blouse", "62063000", Unit::Piece),
            ("Padded jacket", "62019300", Unit::Piece),
            ("Men's trousers", "62034200", Unit::Piece),
            ("Knitted T-shirt", "61091010", Unit::Piece),
        ],
    },
    Sector {
        name: "footwear",
        materials: &[
            ("Cow leather", "41071200", Unit::SquareMetre),
            ("PU synthetic leather", "56031400", Unit::Metre),
            ("Rubber outsole", "64062010", Unit::Pair),
            ("EVA midsole", "64062020", Unit::Pair),
            ("Shoelace", "63079090", Unit::Pair),
            ("Polyurethane adhesive", "35069100", Unit::Kilogram),
            ("Textile lining", "59039090", Unit::Metre),
            ("Metal eyelet", "83089090", Unit::Piece),
            ("Toe puff", "64069099", Unit::Pair),
            ("Shoe box", "48191000", Unit::Piece),
        ],
        products: &[
            ("Sports shoes", "64041190", Unit::Pair),
            ("Leather shoes", "64035990", Unit::Pair),
            ("Sandals", "64029990", Unit::Pair),
            ("Ankle boots", "64039190", Unit::Pair),
        ],
    },
    Sector {
        name: "electronics",
        materials: &[
            ("Printed circuit board", "85340010", Unit::Piece),
            ("Integrated circuit", "85423100", Unit::Piece),
            ("Ceramic capacitor", "85322400", Unit::Piece),
            ("Chip resistor", "85332100", Unit::Piece),
            ("Board connector", "85366999", Unit::Piece),
            ("Solder paste", "38101000", Unit::Kilogram),
            ("Copper wire", "74081900", Unit::Metre),
            ("Plastic housing", "39269099", Unit::Piece),
            ("LCD module", "85249100", Unit::Piece),
            ("Lithium battery cell", "85076090", Unit::Piece),
        ],
        products: &[
            ("Mobile phone", "85171300", Unit::Piece),
            ("Wireless earbuds", "85183020", Unit::Piece),
            ("Power adapter", "85044019", Unit::Piece),
            ("Smart watch", "85176249", Unit::Piece),
        ],
    },
];

const REGIMES: [Regime; 3] = [
    Regime::ExportProduction,
    Regime::Processing,
    Regime::ExportProcessingEnterprise,
];

/// Items, books and norms of enterprise `index`.
pub(super) fn build(config: &GeneratorConfig, index: usize, rng: &mut ChaCha8Rng) -> Plan {
    let sector = &SECTORS[(index / 3 + index) % SECTORS.len()];
    let mut books = vec![REGIMES[index % REGIMES.len()]];
    if index % 4 == 3 {
        books.push(REGIMES[(index + 1) % REGIMES.len()]);
        books.sort();
    }
    let mut plan = Plan {
        sector: sector.name,
        year: config.year,
        materials: vec![Vec::new(); books.len()],
        products: vec![Vec::new(); books.len()],
        books,
        items: Vec::new(),
        versions: Vec::new(),
        lines: Vec::new(),
        opening: Vec::new(),
        movements: Vec::new(),
        filed: Vec::new(),
        capacity: Vec::new(),
        knobs: Knobs::default(),
        frauds: Vec::new(),
        next_import_number: 100_000_000_000 + rng.gen_range(0..100_000_000),
        next_export_number: 300_000_000_000 + rng.gen_range(0..100_000_000),
    };
    add_items(&mut plan, sector, config, rng);
    add_norms(&mut plan, config, rng);
    plan
}

fn add_items(plan: &mut Plan, sector: &Sector, config: &GeneratorConfig, rng: &mut ChaCha8Rng) {
    let books = plan.books.len();
    for number in 0..config.materials {
        let template = sector.materials[number % sector.materials.len()];
        let item = item(
            "NL",
            number,
            ItemKind::Material,
            template,
            number % books,
            rng,
        );
        plan.materials[number % books].push(plan.items.len());
        plan.items.push(item);
    }
    for number in 0..config.products {
        let template = sector.products[number % sector.products.len()];
        let item = item(
            "SP",
            number,
            ItemKind::Product,
            template,
            number % books,
            rng,
        );
        plan.products[number % books].push(plan.items.len());
        plan.items.push(item);
    }
    plan.versions = vec![Vec::new(); plan.items.len()];
    plan.opening = vec![Decimal::ZERO; plan.items.len()];
}

fn item(
    prefix: &str,
    number: usize,
    kind: ItemKind,
    (name, hs_code, unit): Template,
    book: usize,
    rng: &mut ChaCha8Rng,
) -> GenItem {
    let price_vnd = match (kind, unit) {
        (ItemKind::Product, _) => rng.gen_range(150_000..2_000_000),
        (_, Unit::Metre) => rng.gen_range(30_000..120_000),
        (_, Unit::SquareMetre) => rng.gen_range(50_000..300_000),
        (_, Unit::Kilogram) => rng.gen_range(100_000..900_000),
        (_, Unit::Pair) => rng.gen_range(10_000..80_000),
        _ => rng.gen_range(500..50_000),
    };
    GenItem {
        code: format!("{prefix}-{:05}", number + 1),
        kind,
        name: format!("{name}, style {}", number + 1),
        unit,
        hs_code,
        book,
        price_vnd,
    }
}

/// Product j of a book uses materials j·k … j·k + k − 1 of the book (mod its count), so every
/// material of the book is used once products × k reaches the material count. Four fifths of
/// the norm rows go to first versions; the rest pay for mid-year revisions, so the file holds
/// `norm_rows` rows at most.
fn add_norms(plan: &mut Plan, config: &GeneratorConfig, rng: &mut ChaCha8Rng) {
    let per_product = (config.norm_rows * 4 / (config.products * 5)).max(1);
    let mut revision_budget = config
        .norm_rows
        .saturating_sub(per_product * config.products);
    let january = NaiveDate::from_ymd_opt(plan.year, 1, 1).unwrap_or_default();
    for book in 0..plan.books.len() {
        let materials = plan.materials[book].clone();
        let products = plan.products[book].clone();
        let count = per_product.min(materials.len()).max(1);
        for (position, &product) in products.iter().enumerate() {
            let rows: Vec<GenNorm> = (0..count)
                .map(|offset| materials[(position * count + offset) % materials.len()])
                .map(|material| norm_row(plan.items[material].unit, material, rng))
                .collect();
            let first = GenVersion {
                valid_from: january,
                valid_to: None,
                rows,
            };
            plan.versions[product] = vec![first];
            if rng.gen_bool(0.3) && revision_budget >= count {
                revision_budget -= count;
                revise(plan, product, rng);
            }
        }
    }
}

fn norm_row(unit: Unit, material: usize, rng: &mut ChaCha8Rng) -> GenNorm {
    let norm = match unit {
        Unit::Metre => Decimal::new(rng.gen_range(200..2500), 3),
        Unit::SquareMetre => Decimal::new(rng.gen_range(50..600), 3),
        Unit::Kilogram => Decimal::new(rng.gen_range(50..2000), 4),
        Unit::Pair => Decimal::ONE,
        _ => Decimal::from(rng.gen_range(1..12)),
    };
    let (convention, loss_percent) = match rng.gen_range(0..10) {
        0..=6 => (LossConvention::Included, Decimal::ZERO),
        7 | 8 => (
            LossConvention::PercentOfNorm,
            Decimal::new(rng.gen_range(10..50), 1),
        ),
        _ => (
            LossConvention::PercentOfGross,
            Decimal::new(rng.gen_range(10..50), 1),
        ),
    };
    GenNorm {
        material,
        norm,
        loss_percent,
        convention,
        effective: effective_norm(norm, loss_percent, convention),
    }
}

/// A mid-year revision by at most ±5 %, from the first day of a month.
fn revise(plan: &mut Plan, product: usize, rng: &mut ChaCha8Rng) {
    let month = rng.gen_range(4..=9);
    let valid_from = NaiveDate::from_ymd_opt(plan.year, month, 1).unwrap_or_default();
    let mut rows = plan.versions[product][0].rows.clone();
    for row in &mut rows {
        let factor = Decimal::new(rng.gen_range(950..=1050), 3);
        row.norm = (row.norm * factor).round_dp(4).max(Decimal::new(1, 4));
        row.effective = effective_norm(row.norm, row.loss_percent, row.convention);
    }
    // Half the enterprises close the old version explicitly, half leave it open-ended.
    if rng.gen_bool(0.5) {
        plan.versions[product][0].valid_to = valid_from.pred_opt();
    }
    plan.versions[product].push(GenVersion {
        valid_from,
        valid_to: None,
        rows,
    });
}
