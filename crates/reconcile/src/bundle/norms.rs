//! Norm versions: which quantity of each material one unit of a product consumes, and when.
//!
//! A version is the set of rows sharing a product and a `valid_from` date. A new version replaces
//! the product's whole set of norms from its `valid_from`; an open-ended version (empty
//! `valid_to`) runs until the next version of the same product starts. Two versions overlap, and
//! the file is refused, only when an earlier version states an end on or after the next start:
//! then two norm sets would claim the same days.
//!
//! Every row states its loss convention, and the effective norm (loss included) is computed once
//! here: `included` keeps the norm, `percent_of_norm` gives norm × (1 + loss / 100) exactly, and
//! `percent_of_gross` gives norm ÷ (1 − loss / 100), rounded half away from zero to
//! `EFFECTIVE_NORM_SCALE` decimal places because the quotient need not terminate.

use std::collections::BTreeMap;

use bonded_model::{ItemKind, LossConvention, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::files::{expect_kind, item};
use super::table::{Column, Table};
use super::{BundleError, Catalogue, ItemId};

/// Decimal places kept of a quotient norm (`percent_of_gross`).
pub const EFFECTIVE_NORM_SCALE: u32 = 12;

/// One (product, material) norm of a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NormRow {
    pub material: ItemId,
    pub norm: Decimal,
    pub loss_percent: Decimal,
    pub loss_convention: LossConvention,
    /// Material consumed per unit of product, loss included.
    pub effective: Decimal,
    pub source_line: u32,
}

/// The norms of one product from one date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormVersion {
    pub product: ItemId,
    pub valid_from: NaiveDate,
    /// As stated in the file.
    pub valid_to: Option<NaiveDate>,
    /// The last day the version applies: its `valid_to`, or the day before the next version.
    pub ends: Option<NaiveDate>,
    pub rows: Vec<NormRow>,
    pub source_line: u32,
}

impl NormVersion {
    pub fn covers(&self, date: NaiveDate) -> bool {
        date >= self.valid_from && self.ends.is_none_or(|end| date <= end)
    }
}

/// Every norm version, grouped by product and sorted by start date.
#[derive(Clone, Debug, Default)]
pub struct Norms {
    versions: Vec<NormVersion>,
    /// For each item id: the range of its versions in `versions`.
    by_product: Vec<(u32, u32)>,
    /// For each material id: (index in `versions`, index in its rows) of every row using it.
    by_material: Vec<Vec<(u32, u32)>>,
}

impl Norms {
    /// The versions of a product, oldest first.
    pub fn versions(&self, product: ItemId) -> &[NormVersion] {
        let (start, end) = self
            .by_product
            .get(product as usize)
            .copied()
            .unwrap_or((0, 0));
        &self.versions[start as usize..end as usize]
    }

    /// The index (within the product's versions) of the version valid on `date`.
    pub fn version_at(&self, product: ItemId, date: NaiveDate) -> Option<usize> {
        let versions = self.versions(product);
        let after = versions.partition_point(|version| version.valid_from <= date);
        let index = after.checked_sub(1)?;
        versions[index].covers(date).then_some(index)
    }

    /// Every (version, row) that consumes `material`.
    pub fn uses(&self, material: ItemId) -> impl Iterator<Item = (&NormVersion, &NormRow)> {
        let uses = self
            .by_material
            .get(material as usize)
            .map_or(&[][..], Vec::as_slice);
        uses.iter().map(|&(version, row)| {
            let version = &self.versions[version as usize];
            (version, &version.rows[row as usize])
        })
    }

    /// The position of a version among its product's versions.
    pub fn version_index(&self, version: &NormVersion) -> usize {
        let (start, _) = self.by_product[version.product as usize];
        let versions = self.versions(version.product);
        let offset = versions.partition_point(|other| other.valid_from < version.valid_from);
        assert!(
            start as usize + offset < self.versions.len(),
            "the version belongs to the set"
        );
        offset
    }

    pub fn all(&self) -> &[NormVersion] {
        &self.versions
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }
}

/// The columns of `norms.csv`.
struct NormColumns {
    product: Column,
    material: Column,
    norm: Column,
    loss: Column,
    convention: Column,
    valid_from: Column,
    valid_to: Column,
}

pub(super) fn parse(bytes: &[u8], catalogue: &Catalogue) -> Result<Norms, BundleError> {
    let mut table = Table::open("norms.csv", bytes)?;
    let columns = NormColumns {
        product: table.column("product_code")?,
        material: table.column("material_code")?,
        norm: table.column("norm")?,
        loss: table.column("loss_percent")?,
        convention: table.column("loss_convention")?,
        valid_from: table.column("valid_from")?,
        valid_to: table.column("valid_to")?,
    };
    let mut versions: BTreeMap<(ItemId, NaiveDate), NormVersion> = BTreeMap::new();
    while table.next()? {
        add_row(&table, &columns, catalogue, &mut versions)?;
    }
    let versions: Vec<NormVersion> = versions.into_values().collect();
    assemble(versions, catalogue)
}

fn add_row(
    table: &Table<'_>,
    columns: &NormColumns,
    catalogue: &Catalogue,
    versions: &mut BTreeMap<(ItemId, NaiveDate), NormVersion>,
) -> Result<(), BundleError> {
    let product = item(table, catalogue, columns.product)?;
    expect_kind(
        table,
        catalogue,
        columns.product,
        product,
        ItemKind::Product,
    )?;
    let material = item(table, catalogue, columns.material)?;
    expect_kind(
        table,
        catalogue,
        columns.material,
        material,
        ItemKind::Material,
    )?;
    let valid_from = table.date(columns.valid_from)?;
    let valid_to = table.optional_date(columns.valid_to)?;
    if valid_to.is_some_and(|to| to < valid_from) {
        let raw = table.raw(columns.valid_to);
        return Err(table.invalid(columns.valid_to, raw, "is before valid_from"));
    }
    let row = norm_row(table, columns, material)?;
    let source_line = row.source_line;
    let version = versions
        .entry((product, valid_from))
        .or_insert_with(|| NormVersion {
            product,
            valid_from,
            valid_to,
            ends: valid_to,
            rows: Vec::new(),
            source_line,
        });
    if version.valid_to != valid_to {
        return Err(BundleError::InconsistentNormVersion {
            file: table.file,
            line: table.line(),
            product: catalogue.item(product).code.clone(),
            valid_from,
        });
    }
    if version
        .rows
        .iter()
        .any(|existing| existing.material == material)
    {
        return Err(BundleError::DuplicateNorm {
            file: table.file,
            line: table.line(),
            product: catalogue.item(product).code.clone(),
            material: catalogue.item(material).code.clone(),
            valid_from,
        });
    }
    version.rows.push(row);
    Ok(())
}

fn norm_row(
    table: &Table<'_>,
    columns: &NormColumns,
    material: ItemId,
) -> Result<NormRow, BundleError> {
    let norm = table.positive(columns.norm)?;
    let loss_percent = table.decimal_or_zero(columns.loss)?;
    let raw_loss = table.raw(columns.loss);
    if loss_percent < Decimal::ZERO || loss_percent >= Decimal::ONE_HUNDRED {
        return Err(table.invalid(
            columns.loss,
            raw_loss,
            "is not a loss rate from 0 to below 100",
        ));
    }
    let raw_convention = table.raw(columns.convention);
    let loss_convention: LossConvention =
        table.text(columns.convention)?.parse().map_err(|_| {
            table.invalid(
                columns.convention,
                raw_convention,
                "is not a loss convention (included, percent_of_norm, percent_of_gross)",
            )
        })?;
    Ok(NormRow {
        material,
        norm,
        loss_percent,
        loss_convention,
        effective: effective_norm(norm, loss_percent, loss_convention),
        source_line: u32::try_from(table.line()).unwrap_or(u32::MAX),
    })
}

/// The norm with its loss included, under the row's own convention.
pub fn effective_norm(norm: Decimal, loss_percent: Decimal, convention: LossConvention) -> Decimal {
    let loss = loss_percent / Decimal::ONE_HUNDRED;
    let effective = match convention {
        LossConvention::Included => norm,
        LossConvention::PercentOfNorm => norm * (Decimal::ONE + loss),
        LossConvention::PercentOfGross => (norm / (Decimal::ONE - loss))
            .round_dp_with_strategy(EFFECTIVE_NORM_SCALE, RoundingStrategy::MidpointAwayFromZero),
    };
    effective.normalize()
}

/// Cuts open-ended versions at the next start, refuses overlaps and indexes by product.
fn assemble(mut versions: Vec<NormVersion>, catalogue: &Catalogue) -> Result<Norms, BundleError> {
    let mut by_product = vec![(0u32, 0u32); catalogue.len()];
    let count = versions.len();
    let mut start = 0;
    while start < count {
        let product = versions[start].product;
        let end = start
            + versions[start..]
                .iter()
                .take_while(|v| v.product == product)
                .count();
        close_versions(&mut versions[start..end], catalogue)?;
        let range = (to_u32(start), to_u32(end));
        by_product[product as usize] = range;
        start = end;
    }
    let mut by_material = vec![Vec::new(); catalogue.len()];
    for (version_index, version) in versions.iter().enumerate() {
        for (row_index, row) in version.rows.iter().enumerate() {
            by_material[row.material as usize].push((to_u32(version_index), to_u32(row_index)));
        }
    }
    Ok(Norms {
        versions,
        by_product,
        by_material,
    })
}

fn close_versions(versions: &mut [NormVersion], catalogue: &Catalogue) -> Result<(), BundleError> {
    for index in 1..versions.len() {
        let next_start = versions[index].valid_from;
        let previous = &mut versions[index - 1];
        if let Some(previous_to) = previous.valid_to.filter(|to| *to >= next_start) {
            let previous_line = u64::from(previous.source_line);
            let next = &versions[index];
            return Err(BundleError::OverlappingNorms {
                file: "norms.csv",
                line: u64::from(next.source_line),
                product: catalogue.item(next.product).code.clone(),
                valid_from: next.valid_from,
                previous_line,
                previous_to,
            });
        }
        if previous.valid_to.is_none() {
            previous.ends = next_start.pred_opt();
        }
    }
    Ok(())
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).expect("fewer than 2^32 norm versions")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().expect("literal")
    }

    #[test]
    fn effective_norms_follow_the_stated_convention() {
        // included: 1.2 stays 1.2.
        assert_eq!(
            effective_norm(dec("1.2"), dec("5"), LossConvention::Included),
            dec("1.2")
        );
        // percent_of_norm: 1.2 × (1 + 0.05) = 1.26.
        assert_eq!(
            effective_norm(dec("1.2"), dec("5"), LossConvention::PercentOfNorm),
            dec("1.26")
        );
        // percent_of_gross: 1.2 ÷ (1 − 0.2) = 1.5.
        assert_eq!(
            effective_norm(dec("1.2"), dec("20"), LossConvention::PercentOfGross),
            dec("1.5")
        );
        // percent_of_gross: 1 ÷ 0.97 = 1.030927835051546…, kept to 12 places.
        assert_eq!(
            effective_norm(dec("1"), dec("3"), LossConvention::PercentOfGross),
            dec("1.030927835052")
        );
    }
}
