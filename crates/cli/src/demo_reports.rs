//! The demo's reconciliations: the balances and findings of each demo enterprise.
//!
//! Each demo enterprise keeps its norms in its own file (`DIR/norms/<id>.csv`); the ledger has
//! none of them. At every start the demo reads each enterprise's records back from the ledger,
//! adds the enterprise's norms, writes the bundle to `DIR/reports/<id>/`, reconciles it with the
//! same engine as `bonded reconcile`, writes `report.json` beside it and prints a summary.
//!
//! The norms are chosen so that the footwear and electronics enterprises balance, while the
//! garment enterprise's exports account for too little of the cotton it imported: the pattern
//! of duty-free fabric sold on the domestic market.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bonded_ledger::ChannelId;
use bonded_reconcile::{BundleInput, Policy, Report};
use bonded_store::Store;

use crate::ledger_bundle;

/// One norm row: product, material, norm, loss %, loss convention.
type NormRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Each enterprise's norms file.
const NORMS: &[(&str, &[NormRow])] = &[
    (
        "ENT-0301111111",
        &[
            ("SP-RUNNER", "NL-LEATHER", "0.425", "2", "percent_of_norm"),
            ("SP-RUNNER", "NL-RUBBER", "0.19", "0", "included"),
            ("SP-RUNNER", "NL-LACE", "1.15", "0", "included"),
        ],
    ),
    (
        "ENT-0302222222",
        &[
            ("SP-SHIRT", "NL-COTTON", "1.45", "3", "percent_of_norm"),
            ("SP-SHIRT", "NL-THREAD", "0.018", "0", "included"),
            ("SP-SHIRT", "NL-BUTTON", "8", "0", "included"),
            ("SP-JACKET", "NL-COTTON", "2.4", "4", "percent_of_gross"),
            ("SP-JACKET", "NL-THREAD", "0.035", "0", "included"),
            ("SP-JACKET", "NL-BUTTON", "10", "0", "included"),
        ],
    ),
    (
        "ENT-0303333333",
        &[
            ("SP-ADAPTER", "NL-PCB", "1", "1", "percent_of_norm"),
            ("SP-ADAPTER", "NL-COPPER", "0.03", "0", "included"),
            ("SP-ADAPTER", "NL-CASE", "1", "1", "percent_of_norm"),
        ],
    ),
];

const NORMS_HEADER: &str =
    "product_code,material_code,norm,loss_percent,loss_convention,valid_from,valid_to\n";

/// Writes each enterprise's norms file if it does not exist yet.
pub fn write_norms(data: &Path, year: i32) -> Result<()> {
    let folder = data.join("norms");
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    for (enterprise, rows) in NORMS {
        let path = norms_path(data, enterprise);
        if path.exists() {
            continue;
        }
        let mut text = String::from(NORMS_HEADER);
        for (product, material, norm, loss, convention) in rows.iter() {
            text.push_str(&format!(
                "{product},{material},{norm},{loss},{convention},{year}-01-01,\n"
            ));
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

pub fn norms_path(data: &Path, enterprise: &str) -> PathBuf {
    data.join("norms").join(format!("{enterprise}.csv"))
}

/// One enterprise's reconciliation, written to its report folder.
pub struct EnterpriseReport {
    pub enterprise: String,
    pub folder: PathBuf,
    pub report: Report,
}

/// Reconciles every demo enterprise from the ledger and its norms file.
pub fn reconcile_all(data: &Path, store: &Store) -> Result<Vec<EnterpriseReport>> {
    let policy = Policy::default();
    let mut reports = Vec::new();
    for (enterprise, _) in NORMS {
        let folder = data.join("reports").join(enterprise);
        let records = ledger_bundle::read_channel(store, &ChannelId(enterprise.to_string()))?;
        ledger_bundle::write_bundle(&records, &folder)?;
        let norms_file = norms_path(data, enterprise);
        let norms = std::fs::read(&norms_file)
            .with_context(|| format!("reading {}", norms_file.display()))?;
        std::fs::write(folder.join("norms.csv"), &norms).context("copying the norms file")?;
        let report = reconcile_folder(&folder, &policy)?;
        let json = bonded_reconcile::render::json(&report)?;
        std::fs::write(folder.join("report.json"), json).context("writing report.json")?;
        reports.push(EnterpriseReport {
            enterprise: enterprise.to_string(),
            folder,
            report,
        });
    }
    Ok(reports)
}

fn reconcile_folder(folder: &Path, policy: &Policy) -> Result<Report> {
    let mut files = Vec::new();
    for name in [
        "items.csv",
        "declarations.csv",
        "movements.csv",
        "norms.csv",
    ] {
        let path = folder.join(name);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        files.push((name, bytes));
    }
    let mut input = BundleInput::default();
    for (name, bytes) in &files {
        input.set(name, bytes);
    }
    bonded_reconcile::reconcile(&input, policy, None, None)
        .with_context(|| format!("reconciling {}", folder.display()))
}

/// Prints each enterprise's material balance and findings in a few lines.
pub fn print(reports: &[EnterpriseReport]) {
    println!("\nReconciliation from the ledger (norms from each enterprise's own file):");
    for entry in reports {
        let summary = &entry.report.summary;
        println!(
            "  {}: {} critical, {} warning, {} not evaluable",
            entry.enterprise, summary.critical, summary.warning, summary.not_evaluable
        );
        for row in &entry.report.materials {
            println!(
                "    {:<11} {:>4} imported {:>12}  consumed by exports {:>14}  unexplained {:>12}",
                row.code, row.unit, row.imported, row.consumed_by_exports, row.unexplained
            );
        }
        for finding in &entry.report.findings {
            let severity = format!("{:?}", finding.severity).to_lowercase();
            println!(
                "    {severity} {} {}: {}",
                finding.rule.id(),
                finding.subject,
                finding.message
            );
        }
        let mut missing: Vec<&str> = entry
            .report
            .not_evaluable
            .iter()
            .map(|gap| gap.missing.as_str())
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            println!(
                "    not evaluable for lack of input: {}",
                missing.join("; ")
            );
        }
        println!(
            "    full report: {}",
            entry.folder.join("report.json").display()
        );
    }
}
