//! `bonded reconcile`, `bonded generate` and `bonded evaluate`: the reconciliation engine on
//! bundles in folders.
//!
//! This module only moves bytes: it reads the bundle's files (on two threads, since the
//! declarations file dominates and the rest can be read meanwhile), hands them to the pure
//! `bonded_reconcile` library, and writes what comes back. Every decision is the library's.

use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use bonded_reconcile::evaluate::evaluate;
use bonded_reconcile::generate::{generate_enterprise, FraudKind, GeneratorConfig};
use bonded_reconcile::{render, BundleInput, NaiveDate, Policy, BUNDLE_FILES};

/// Output format of `bonded reconcile`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// Pretty JSON, the reference format.
    Json,
    /// Plain-text tables for a terminal.
    Table,
    /// An xlsx workbook: written to --out FILE, or to standard output when that is not a
    /// terminal (`bonded reconcile DIR --format xlsx > report.xlsx`).
    Xlsx,
}

/// Reconcile one enterprise's bundle: Mẫu 15/15a balances and fraud findings.
#[derive(clap::Args, Debug)]
pub struct ReconcileArgs {
    /// Folder with items.csv, declarations.csv and the optional norms.csv, movements.csv,
    /// opening.csv, report.csv (or the filed Mẫu 15/15a workbook as report.xlsx or report.xls:
    /// .xlsx, legacy .xls or an XML spreadsheet), facility.csv and code_map.csv.
    pub dir: PathBuf,
    /// First day of the period (YYYY-MM-DD); default: start of the quarter of the first record.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day of the period (YYYY-MM-DD); default: end of the quarter of the last record.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Policy file (TOML) overriding the default thresholds.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Output format. xlsx is binary: it goes to --out FILE, or to standard output only when
    /// that is redirected to a file or a pipe, never to a terminal.
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    pub format: ReportFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Generate synthetic enterprises, clean or with injected fraud, and their ground truth.
#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Folder to write into; each enterprise gets DIR/enterprise-NNN/.
    pub dir: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub enterprises: usize,
    /// Declaration lines per enterprise.
    #[arg(long, default_value_t = 5_000)]
    pub lines: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Fraud kinds to inject (repeatable): leakage, inflated_norm, duplicate_export,
    /// export_before_supply, unit_mismatch, capacity_breach, import_surge, or all.
    #[arg(long = "fraud", num_args = 1..)]
    pub frauds: Vec<String>,
    /// Products per enterprise (2,000 for the benchmark enterprise-year).
    #[arg(long, default_value_t = 20)]
    pub products: usize,
    /// Materials per enterprise (3,000 for the benchmark enterprise-year).
    #[arg(long, default_value_t = 40)]
    pub materials: usize,
    /// Norm rows of the first norm version, all products together (60,000 for the benchmark).
    #[arg(long, default_value_t = 120)]
    pub norms: usize,
    /// Year of the declarations.
    #[arg(long, default_value_t = 2025)]
    pub year: i32,
}

/// Measure detection precision and recall per fraud kind over many seeds.
#[derive(clap::Args, Debug)]
pub struct EvaluateArgs {
    /// Number of seeds (one dirty and one clean enterprise each).
    #[arg(long, default_value_t = 50)]
    pub seeds: u64,
    #[arg(long, default_value_t = 1)]
    pub first_seed: u64,
    /// Fraud kinds to inject; default: all.
    #[arg(long = "fraud", num_args = 1..)]
    pub frauds: Vec<String>,
    #[arg(long, default_value_t = 3_000)]
    pub lines: usize,
    #[arg(long, default_value_t = 12)]
    pub products: usize,
    #[arg(long, default_value_t = 30)]
    pub materials: usize,
    #[arg(long, default_value_t = 60)]
    pub norms: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Reads every bundle file present in `dir`, the declarations on their own thread.
fn read_bundle(dir: &Path) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let read = |name: &'static str| -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
        let path = dir.join(name);
        if !path.exists() {
            return Ok(None);
        }
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        Ok(Some((name, bytes)))
    };
    let (declarations, others) = std::thread::scope(|scope| {
        let declarations = scope.spawn(|| read("declarations.csv"));
        let others: Vec<_> = BUNDLE_FILES
            .iter()
            .filter(|name| **name != "declarations.csv")
            .map(|name| read(name))
            .collect();
        (declarations.join(), others)
    });
    let declarations = declarations.map_err(|_| anyhow::anyhow!("the reading thread panicked"))?;
    let mut files = Vec::new();
    for entry in others {
        files.extend(entry?);
    }
    files.extend(declarations?);
    if !files.iter().any(|(name, _)| *name == "report.csv") {
        files.extend(filed_workbook(dir)?.map(|text| ("report.csv", text.into_bytes())));
    }
    Ok(files)
}

/// Workbook names a filed Mẫu 15/15a may come under, instead of report.csv.
const REPORT_WORKBOOKS: [&str; 2] = ["report.xlsx", "report.xls"];

/// The filed finalization report from a workbook in the bundle, as report.csv text. Every row
/// that cannot be read is listed, and the run stops: a report read in part would look like a
/// report that leaves items out.
fn filed_workbook(dir: &Path) -> anyhow::Result<Option<String>> {
    let Some(path) = REPORT_WORKBOOKS
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.exists())
    else {
        return Ok(None);
    };
    let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let report = bonded_forms::read_report(&bytes)
        .with_context(|| format!("reading {} as Mẫu 15/15a", path.display()))?;
    if !report.errors.is_empty() {
        let lines: Vec<String> = report
            .errors
            .iter()
            .map(|error| {
                format!(
                    "{} sheet {:?} row {}: {}",
                    path.display(),
                    error.sheet,
                    error.row,
                    error.reason
                )
            })
            .collect();
        bail!("{} rows cannot be read:\n{}", lines.len(), lines.join("\n"));
    }
    tracing::info!(rows = report.rows.len(), file = %path.display(), "reconcile.filed_workbook");
    Ok(Some(bonded_forms::report_csv(&report.rows)))
}

fn load_policy(path: Option<&Path>) -> anyhow::Result<Policy> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Policy::from_toml(&text).with_context(|| format!("in policy file {}", path.display()))
}

fn write_output(out: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match out {
        Some(path) => fs::write(path, bytes).with_context(|| format!("writing {}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()?;
            Ok(())
        }
    }
}

pub fn run_reconcile(args: ReconcileArgs) -> anyhow::Result<()> {
    let terminal = std::io::stdout().is_terminal();
    if args.format == ReportFormat::Xlsx && args.out.is_none() && terminal {
        bail!("--format xlsx writes a binary workbook: give the file with --out FILE");
    }
    let policy = load_policy(args.policy.as_deref())?;
    let files = read_bundle(&args.dir)?;
    let mut input = BundleInput::default();
    for (name, bytes) in &files {
        input.set(name, bytes);
    }
    let report = bonded_reconcile::reconcile(&input, &policy, args.from, args.to)
        .with_context(|| format!("in bundle {}", args.dir.display()))?;
    let bytes = match args.format {
        ReportFormat::Json => render::json(&report)?,
        ReportFormat::Table => render::table(&report).into_bytes(),
        ReportFormat::Xlsx => render::xlsx(&report)?,
    };
    write_output(args.out.as_deref(), &bytes)?;
    tracing::info!(
        critical = report.summary.critical,
        warning = report.summary.warning,
        not_evaluable = report.summary.not_evaluable,
        "reconcile done"
    );
    Ok(())
}

fn fraud_kinds(names: &[String]) -> anyhow::Result<Vec<FraudKind>> {
    let mut kinds = Vec::new();
    for name in names.iter().flat_map(|name| name.split(',')) {
        if name.trim().eq_ignore_ascii_case("all") {
            kinds.extend(FraudKind::ALL);
            continue;
        }
        kinds.push(name.parse::<FraudKind>()?);
    }
    kinds.sort();
    kinds.dedup();
    Ok(kinds)
}

pub fn run_generate(args: GenerateArgs) -> anyhow::Result<()> {
    let config = GeneratorConfig {
        seed: args.seed,
        enterprises: args.enterprises,
        lines: args.lines,
        products: args.products,
        materials: args.materials,
        norm_rows: args.norms,
        frauds: fraud_kinds(&args.frauds)?,
        year: args.year,
    };
    config.validate()?;
    for index in 0..config.enterprises {
        let bundle = generate_enterprise(&config, index);
        let folder = args.dir.join(&bundle.name);
        fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
        for (name, bytes) in &bundle.files {
            let path = folder.join(name);
            fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        let truth = folder.join("ground_truth.json");
        fs::write(&truth, bundle.truth_json())
            .with_context(|| format!("writing {}", truth.display()))?;
        tracing::info!(
            enterprise = bundle.truth.enterprise,
            lines = bundle.truth.declaration_lines,
            frauds = bundle.truth.frauds.len(),
            "enterprise generated"
        );
        println!("{}", folder.display());
    }
    Ok(())
}

pub fn run_evaluate(args: EvaluateArgs) -> anyhow::Result<()> {
    let mut frauds = fraud_kinds(&args.frauds)?;
    if frauds.is_empty() {
        frauds = FraudKind::ALL.to_vec();
    }
    let base = GeneratorConfig {
        seed: args.first_seed,
        enterprises: 1,
        lines: args.lines,
        products: args.products,
        materials: args.materials,
        norm_rows: args.norms,
        frauds,
        year: 2025,
    };
    base.validate()?;
    let evaluation = evaluate(&base, args.first_seed, args.seeds)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
    } else {
        print!("{}", evaluation.table());
    }
    Ok(())
}
