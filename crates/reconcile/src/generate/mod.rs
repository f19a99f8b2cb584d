//! Synthetic enterprises: items, norms, a year of declarations and movements, clean or with
//! injected fraud, and the ground truth of what was injected.
//!
//! # How a bundle is built
//!
//! Each enterprise draws from its own ChaCha8 stream, seeded from the run seed and the
//! enterprise number, so the same seed always gives the same bytes and any one enterprise can be
//! rebuilt alone. The steps follow the life of a processing enterprise:
//!
//! 1. `catalogue`: a sector (textiles, footwear, electronics) with realistic names, HS codes and
//!    units; one or two regimes, each a book with its share of items; norm versions, some
//!    revised mid-year by a few percent (as real norms are).
//! 2. `plan`: export lines through the year, then the material each book needs for them
//!    (Σ exports × effective norm), then import lines that stay ahead of that need (opening
//!    stock of a quarter of the year's need, imports spread in strata from January to October),
//!    then monthly production and issue movements that match the norms exactly, the filed
//!    report and the facility capacity.
//! 3. `fraud`: each requested kind changes the plan the way the fraud would, and records its
//!    subjects (the material, product, declaration or book an officer should be pointed at).
//! 4. `write`: the CSV files of the bundle.
//!
//! The clean plan is built so that no rule fires on it; `evaluate` measures that too.

mod catalogue;
mod fraud;
mod plan;
mod write;

use std::fmt;
use std::str::FromStr;

use bonded_model::Regime;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::report::Rule;

/// A kind of fraud the generator can inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FraudKind {
    /// Duty-free material imported beyond need and sold inland, hidden as production use.
    Leakage,
    /// A norm revised far upward (or a loss rate inflated) to cover diverted material.
    InflatedNorm,
    /// One export declaration line filed twice to discharge more material.
    DuplicateExport,
    /// Exports that consumed a material before any of it was imported.
    ExportBeforeSupply,
    /// A declaration line in a unit of another dimension than the item's.
    UnitMismatch,
    /// Production far above the declared capacity of the facility.
    CapacityBreach,
    /// Imports jumping in the last quarter while exports stay flat.
    ImportSurge,
}

impl FraudKind {
    pub const ALL: [FraudKind; 7] = [
        FraudKind::Leakage,
        FraudKind::InflatedNorm,
        FraudKind::DuplicateExport,
        FraudKind::ExportBeforeSupply,
        FraudKind::UnitMismatch,
        FraudKind::CapacityBreach,
        FraudKind::ImportSurge,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FraudKind::Leakage => "leakage",
            FraudKind::InflatedNorm => "inflated_norm",
            FraudKind::DuplicateExport => "duplicate_export",
            FraudKind::ExportBeforeSupply => "export_before_supply",
            FraudKind::UnitMismatch => "unit_mismatch",
            FraudKind::CapacityBreach => "capacity_breach",
            FraudKind::ImportSurge => "import_surge",
        }
    }

    /// The rules expected to point at this fraud.
    pub fn rules(self) -> &'static [Rule] {
        match self {
            FraudKind::Leakage => &[Rule::NormTraceability, Rule::NormConsumption],
            FraudKind::InflatedNorm => &[Rule::NormDrift, Rule::NormLossCap],
            FraudKind::DuplicateExport => &[Rule::Duplicate],
            FraudKind::ExportBeforeSupply => &[Rule::ExportBeforeSupply],
            FraudKind::UnitMismatch => &[Rule::UnitMismatch],
            FraudKind::CapacityBreach => &[Rule::OverCapacity],
            FraudKind::ImportSurge => &[Rule::ImportSurge],
        }
    }
}

impl fmt::Display for FraudKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a fraud kind name was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    #[error("unknown fraud kind {0:?} (expected one of leakage, inflated_norm, duplicate_export, export_before_supply, unit_mismatch, capacity_breach, import_surge, all)")]
    UnknownFraud(String),
    #[error("{setting} must be at least {minimum}")]
    TooSmall {
        setting: &'static str,
        minimum: usize,
    },
}

impl FromStr for FraudKind {
    type Err = GenerateError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let normalized = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        FraudKind::ALL
            .into_iter()
            .find(|kind| kind.name() == normalized)
            .ok_or_else(|| GenerateError::UnknownFraud(name.to_string()))
    }
}

/// The shape of what to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratorConfig {
    pub seed: u64,
    pub enterprises: usize,
    /// Declaration lines per enterprise (approximately: every material gets one import).
    pub lines: usize,
    pub products: usize,
    pub materials: usize,
    /// Norm rows of the first version, across all products.
    pub norm_rows: usize,
    pub frauds: Vec<FraudKind>,
    pub year: i32,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            seed: 1,
            enterprises: 1,
            lines: 5_000,
            products: 20,
            materials: 40,
            norm_rows: 120,
            frauds: Vec::new(),
            year: 2025,
        }
    }
}

impl GeneratorConfig {
    /// The large enterprise-year of the performance target.
    pub fn benchmark(seed: u64) -> Self {
        GeneratorConfig {
            seed,
            enterprises: 1,
            lines: 1_000_000,
            products: 2_000,
            materials: 3_000,
            norm_rows: 60_000,
            frauds: Vec::new(),
            year: 2025,
        }
    }

    pub fn validate(&self) -> Result<(), GenerateError> {
        let minimums = [
            ("enterprises", self.enterprises, 1),
            ("products", self.products, 2),
            ("materials", self.materials, 2),
            ("lines", self.lines, 10),
        ];
        for (setting, value, minimum) in minimums {
            if value < minimum {
                return Err(GenerateError::TooSmall { setting, minimum });
            }
        }
        if self.norm_rows < self.products {
            return Err(GenerateError::TooSmall {
                setting: "norm rows (one per product at least)",
                minimum: self.products,
            });
        }
        Ok(())
    }
}

/// One injected fraud and where it should be found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InjectedFraud {
    pub kind: FraudKind,
    pub book: Regime,
    /// Codes a finding must name to count as pointing at this fraud.
    pub subjects: Vec<String>,
    pub note: String,
}

/// What the generator did to one enterprise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroundTruth {
    pub seed: u64,
    pub enterprise: usize,
    pub sector: &'static str,
    pub books: Vec<Regime>,
    pub declaration_lines: usize,
    pub frauds: Vec<InjectedFraud>,
}

/// The files of one generated enterprise and its ground truth.
#[derive(Clone, Debug)]
pub struct GeneratedBundle {
    /// Folder name, `enterprise-001`.
    pub name: String,
    pub files: Vec<(&'static str, Vec<u8>)>,
    pub truth: GroundTruth,
}

impl GeneratedBundle {
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, bytes)| bytes.as_slice())
    }

    /// The bundle as reconciliation input.
    pub fn input(&self) -> crate::BundleInput<'_> {
        let mut input = crate::BundleInput::default();
        for (name, bytes) in &self.files {
            input.set(name, bytes);
        }
        input
    }

    /// The ground truth as pretty JSON.
    pub fn truth_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(&self.truth).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// Builds enterprise number `index` (0-based) of the configuration.
pub fn generate_enterprise(config: &GeneratorConfig, index: usize) -> GeneratedBundle {
    let _span = tracing::debug_span!("generate.enterprise", index).entered();
    let stream = config.seed ^ (index as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut rng = ChaCha8Rng::seed_from_u64(stream);
    let mut plan = catalogue::build(config, index, &mut rng);
    fraud::before_planning(config, &mut plan, &mut rng);
    plan::fill(config, &mut plan, &mut rng);
    fraud::after_planning(config, &mut plan, &mut rng);
    let files = write::files(&plan);
    GeneratedBundle {
        name: format!("enterprise-{:03}", index + 1),
        files,
        truth: GroundTruth {
            seed: config.seed,
            enterprise: index + 1,
            sector: plan.sector,
            books: plan.books.clone(),
            declaration_lines: plan.lines.len(),
            frauds: plan.frauds.clone(),
        },
    }
}

/// Builds every enterprise of the configuration.
pub fn generate(config: &GeneratorConfig) -> Result<Vec<GeneratedBundle>, GenerateError> {
    config.validate()?;
    Ok((0..config.enterprises)
        .map(|index| generate_enterprise(config, index))
        .collect())
}
