//! Comparing enterprises' norms for the same product inside the enclave, released only as
//! aggregates over at least k enterprises.
//!
//! Customs wants to know whether an enterprise's norms are out of line with those of others
//! making the same goods: inflated norms are how duty-free material is made to look consumed.
//! No enterprise's norms may leave the enclave, so the comparison happens inside it:
//!
//! 1. Each enterprise's channel is checked and its newest norms opened exactly as for a
//!    verification ([`crate::verdict`]), resuming from the enclave's checkpoints.
//! 2. For every norm whose product's HS code starts with the requested code, the effective norm
//!    (loss included) of its newest version is taken, and grouped by the material's HS heading
//!    (6 digits) and the units of material and product: norms in different units do not compare.
//!    An enterprise with several matching products counts once per group, with its median.
//! 3. A group is released only if at least k distinct enterprises are in it: its size and the
//!    25th, 50th and 75th percentiles, interpolated between neighbouring values. Smaller groups
//!    are counted as withheld and nothing else is said about them.
//! 4. For the subject enterprise, if one is named, only a band per released group: below the
//!    25th percentile, between the 25th and 75th, or above the 75th.
//!
//! k comes with the request from the host's policy (5 by default) and may not be lower than
//! [`K_FLOOR`]: the floor is the enclave's own, so a host cannot ask for groups of one.
//! What a release still says: with k = 5 a percentile can coincide with one enterprise's value,
//! though nothing says whose; docs/trust.md lists this with the other residual leaks.
//!
//! TODO: a comparison is an answer to customs, not a ledger record, and is not signed; signing
//! it with the verdict key (over the inputs' commitments and heads) would let customs cite one.

use std::collections::BTreeMap;

use bonded_model::{Item, ItemKind, Unit};
use bonded_norms::NormRow;
use bonded_reconcile::bundle::effective_norm;
use bonded_reconcile::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use rust_decimal::RoundingStrategy;

use crate::checkpoint::Checkpoints;
use crate::keys::EnclaveKeys;
use crate::protocol::{
    Band, CompareRequest, Comparison, ErrorCode, GroupStatistics, SubjectPosition, VerifyRequest,
};
use crate::verdict::{self, VerifyError};

/// The smallest k the enclave accepts, whatever the host asks.
pub const K_FLOOR: u32 = 3;
/// Most enterprises in one comparison.
pub const ENTERPRISES_MAX: usize = 1_000;
/// Decimal places of the released percentiles.
const SCALE: u32 = 6;

/// Why a comparison was refused. Messages never hold norm values.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("k = {k} is below the enclave's floor of {K_FLOOR}")]
    KTooSmall { k: u32 },
    #[error("{count} enterprises; a comparison takes 1 to {ENTERPRISES_MAX}")]
    Count { count: usize },
    #[error("the HS code must be 2 to 10 digits")]
    HsCode,
    #[error("{enterprise} appears twice")]
    Duplicate { enterprise: String },
    #[error("{enterprise}: {source}")]
    Input {
        enterprise: String,
        source: VerifyError,
    },
}

impl CompareError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CompareError::Input { source, .. } => source.code(),
            _ => ErrorCode::BadComparison,
        }
    }
}

/// One enterprise's effective norms for the requested product, by group.
type Values = BTreeMap<GroupKey, Decimal>;

/// Material HS heading, material unit, product unit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    material_hs: String,
    material_unit: Unit,
    product_unit: Unit,
}

/// Runs one comparison with the enclave's keys.
pub fn compare(
    keys: &EnclaveKeys,
    checkpoints: &mut Checkpoints,
    request: &CompareRequest,
) -> Result<Comparison, CompareError> {
    check_request(request)?;
    let mut by_enterprise: BTreeMap<String, Values> = BTreeMap::new();
    for input in &request.enterprises {
        let verify = VerifyRequest {
            chain_id: request.chain_id.clone(),
            enterprise: input.enterprise.clone(),
            commitment: input.commitment.clone(),
            sealed_norms: input.sealed_norms.clone(),
            orderer_keys: request.orderer_keys.clone(),
            blocks: input.blocks.clone(),
            from: None,
            to: None,
            nonce: 0,
        };
        let opened = verdict::open_channel(keys, checkpoints, &verify).map_err(|source| {
            CompareError::Input {
                enterprise: input.enterprise.clone(),
                source,
            }
        })?;
        let values = values(
            &opened.checkpoint.items,
            opened.opening.set.rows(),
            &request.hs_code,
        );
        if !values.is_empty() {
            by_enterprise.insert(input.enterprise.clone(), values);
        }
    }
    Ok(release(request, &by_enterprise))
}

fn check_request(request: &CompareRequest) -> Result<(), CompareError> {
    if request.k < K_FLOOR {
        return Err(CompareError::KTooSmall { k: request.k });
    }
    let count = request.enterprises.len();
    if count == 0 || count > ENTERPRISES_MAX {
        return Err(CompareError::Count { count });
    }
    let hs = &request.hs_code;
    if !(2..=10).contains(&hs.len()) || !hs.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(CompareError::HsCode);
    }
    let mut seen = std::collections::BTreeSet::new();
    for input in &request.enterprises {
        if !seen.insert(&input.enterprise) {
            return Err(CompareError::Duplicate {
                enterprise: input.enterprise.clone(),
            });
        }
    }
    Ok(())
}

/// The effective norms of `rows` for products under `hs_code`: the newest version of each
/// product and material, then one median per group.
fn values(items: &[Item], rows: &[NormRow], hs_code: &str) -> Values {
    let item = |code: &str, kind: ItemKind| {
        items
            .iter()
            .rev()
            .find(|item| item.code == code && item.kind == kind)
    };
    let mut newest: BTreeMap<(&str, &str), &NormRow> = BTreeMap::new();
    for row in rows {
        let key = (row.product_code.as_str(), row.material_code.as_str());
        let replaces = newest
            .get(&key)
            .is_none_or(|kept| kept.valid_from < row.valid_from);
        if replaces {
            newest.insert(key, row);
        }
    }
    let mut grouped: BTreeMap<GroupKey, Vec<Decimal>> = BTreeMap::new();
    for ((product, material), row) in newest {
        let (Some(product), Some(material)) = (
            item(product, ItemKind::Product),
            item(material, ItemKind::Material),
        ) else {
            continue;
        };
        if !product.hs_code.0.starts_with(hs_code) {
            continue;
        }
        let key = GroupKey {
            material_hs: material.hs_code.0.chars().take(6).collect(),
            material_unit: material.unit,
            product_unit: product.unit,
        };
        let value = effective_norm(row.norm, row.loss_percent, row.loss_convention);
        grouped.entry(key).or_default().push(value);
    }
    grouped
        .into_iter()
        .map(|(key, mut values)| {
            values.sort();
            (key, quantile(&values, Decimal::new(5, 1)))
        })
        .collect()
}

/// The released groups, the count of withheld ones and the subject's bands.
fn release(request: &CompareRequest, by_enterprise: &BTreeMap<String, Values>) -> Comparison {
    let mut groups: BTreeMap<&GroupKey, Vec<Decimal>> = BTreeMap::new();
    for values in by_enterprise.values() {
        for (key, value) in values {
            groups.entry(key).or_default().push(*value);
        }
    }
    let k = usize::try_from(request.k).unwrap_or(usize::MAX);
    let mut released = Vec::new();
    let mut withheld = 0u32;
    for (key, mut values) in groups {
        if values.len() < k {
            withheld += 1;
            continue;
        }
        values.sort();
        released.push((key.clone(), statistics(key, &values)));
    }
    let subject = request.subject.as_ref().map(|enterprise| SubjectPosition {
        enterprise: enterprise.clone(),
        bands: bands(by_enterprise.get(enterprise), &released),
    });
    Comparison {
        hs_code: request.hs_code.clone(),
        k: request.k,
        enterprises: u32::try_from(by_enterprise.len()).unwrap_or(u32::MAX),
        groups: released.into_iter().map(|(_, stats)| stats).collect(),
        withheld_groups: withheld,
        subject,
    }
}

fn statistics(key: &GroupKey, sorted: &[Decimal]) -> GroupStatistics {
    let at = |q: Decimal| {
        quantile(sorted, q)
            .round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
            .to_string()
    };
    GroupStatistics {
        material_hs: key.material_hs.clone(),
        material_unit: key.material_unit.to_string(),
        product_unit: key.product_unit.to_string(),
        enterprises: u32::try_from(sorted.len()).unwrap_or(u32::MAX),
        p25: at(Decimal::new(25, 2)),
        median: at(Decimal::new(5, 1)),
        p75: at(Decimal::new(75, 2)),
    }
}

/// Where the subject's value falls in each released group it belongs to.
fn bands(subject: Option<&Values>, released: &[(GroupKey, GroupStatistics)]) -> Vec<Band> {
    let Some(subject) = subject else {
        return Vec::new();
    };
    let mut bands = Vec::new();
    for (key, stats) in released {
        let Some(value) = subject.get(key) else {
            continue;
        };
        let (Ok(p25), Ok(p75)) = (stats.p25.parse::<Decimal>(), stats.p75.parse::<Decimal>())
        else {
            continue;
        };
        let position = if *value < p25 {
            "below_p25"
        } else if *value > p75 {
            "above_p75"
        } else {
            "p25_to_p75"
        };
        bands.push(Band {
            material_hs: key.material_hs.clone(),
            material_unit: stats.material_unit.clone(),
            product_unit: stats.product_unit.clone(),
            position: position.into(),
        });
    }
    bands
}

/// The `q` quantile of sorted values, interpolated linearly between neighbours.
fn quantile(sorted: &[Decimal], q: Decimal) -> Decimal {
    let Some(last) = sorted.len().checked_sub(1) else {
        return Decimal::ZERO;
    };
    let position = q * Decimal::from(last);
    let below = position.floor();
    let index = below.to_usize().unwrap_or(0).min(last);
    let fraction = position - below;
    match sorted.get(index + 1) {
        Some(next) => sorted[index] + (*next - sorted[index]) * fraction,
        None => sorted[index],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimals(values: &[i64]) -> Vec<Decimal> {
        values.iter().map(|value| Decimal::from(*value)).collect()
    }

    #[test]
    fn quantiles_interpolate_between_neighbours() {
        let values = decimals(&[10, 20, 30, 40]);
        assert_eq!(quantile(&values, Decimal::new(5, 1)), Decimal::from(25));
        assert_eq!(quantile(&values, Decimal::new(25, 2)), Decimal::new(175, 1));
        assert_eq!(quantile(&values, Decimal::ONE), Decimal::from(40));
        assert_eq!(
            quantile(&decimals(&[7]), Decimal::new(75, 2)),
            Decimal::from(7)
        );
        assert_eq!(quantile(&[], Decimal::new(5, 1)), Decimal::ZERO);
    }
}
