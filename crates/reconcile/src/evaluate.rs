//! Detection quality: precision and recall per fraud kind over many seeds.
//!
//! For each seed the generator builds one enterprise with every requested fraud injected and one
//! clean enterprise from the same seed. A fraud counts as detected when a warning or critical
//! finding of one of its kind's rules (`FraudKind::rules`) names one of its subjects. Precision
//! for a kind is the share of that kind's rule findings, over dirty and clean runs, that name the
//! subject of an injected fraud of that kind. Findings on clean runs are also counted apart, as
//! the false alarms an honest enterprise would face.

use serde::Serialize;

use crate::generate::{generate_enterprise, FraudKind, GeneratedBundle, GeneratorConfig};
use crate::policy::Policy;
use crate::report::{Report, Severity};
use crate::{reconcile, BundleError};

/// The score of one fraud kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindScore {
    pub kind: FraudKind,
    pub injected: usize,
    pub detected: usize,
    pub recall: f64,
    pub findings: usize,
    pub true_findings: usize,
    pub precision: f64,
}

/// Scores over a range of seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub seeds: u64,
    pub kinds: Vec<KindScore>,
    /// Warning or critical findings on the clean enterprises, all rules together.
    pub clean_findings: usize,
    pub clean_runs: usize,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    injected: usize,
    detected: usize,
    findings: usize,
    true_findings: usize,
}

/// Generates and reconciles `seeds` enterprises from `first_seed` on; `base` gives the shape.
pub fn evaluate(
    base: &GeneratorConfig,
    first_seed: u64,
    seeds: u64,
) -> Result<Evaluation, BundleError> {
    let _span = tracing::info_span!("evaluate.run", seeds).entered();
    let policy = Policy::default();
    let mut tallies = [Tally::default(); FraudKind::ALL.len()];
    let mut clean_findings = 0;
    for seed in first_seed..first_seed + seeds {
        let dirty_config = GeneratorConfig {
            seed,
            frauds: base.frauds.clone(),
            ..base.clone()
        };
        let dirty = generate_enterprise(&dirty_config, 0);
        let report = reconcile(&dirty.input(), &policy, None, None)?;
        score(&dirty, &report, &mut tallies);
        let clean_config = GeneratorConfig {
            frauds: Vec::new(),
            ..dirty_config
        };
        let clean = generate_enterprise(&clean_config, 0);
        let report = reconcile(&clean.input(), &policy, None, None)?;
        clean_findings += alarms(&report).count();
        score(&clean, &report, &mut tallies);
    }
    Ok(Evaluation {
        seeds,
        kinds: FraudKind::ALL
            .iter()
            .zip(tallies)
            .filter(|(kind, _)| base.frauds.contains(kind))
            .map(|(kind, tally)| kind_score(*kind, tally))
            .collect(),
        clean_findings,
        clean_runs: usize::try_from(seeds).unwrap_or(usize::MAX),
    })
}

fn alarms(report: &Report) -> impl Iterator<Item = &crate::Finding> {
    report
        .findings
        .iter()
        .filter(|finding| finding.severity >= Severity::Warning)
}

fn score(bundle: &GeneratedBundle, report: &Report, tallies: &mut [Tally]) {
    for (kind, tally) in FraudKind::ALL.iter().zip(tallies.iter_mut()) {
        let injected: Vec<_> = bundle
            .truth
            .frauds
            .iter()
            .filter(|f| f.kind == *kind)
            .collect();
        let of_kind: Vec<_> = alarms(report)
            .filter(|f| kind.rules().contains(&f.rule))
            .collect();
        let names = |subject: &str| {
            injected
                .iter()
                .any(|fraud| fraud.subjects.iter().any(|s| s == subject))
        };
        tally.injected += injected.len();
        tally.findings += of_kind.len();
        tally.true_findings += of_kind.iter().filter(|f| names(&f.subject)).count();
        tally.detected += injected
            .iter()
            .filter(|fraud| of_kind.iter().any(|f| fraud.subjects.contains(&f.subject)))
            .count();
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 1.0;
    }
    part as f64 / whole as f64
}

fn kind_score(kind: FraudKind, tally: Tally) -> KindScore {
    KindScore {
        kind,
        injected: tally.injected,
        detected: tally.detected,
        recall: ratio(tally.detected, tally.injected),
        findings: tally.findings,
        true_findings: tally.true_findings,
        precision: ratio(tally.true_findings, tally.findings),
    }
}

impl Evaluation {
    /// A plain-text table of the scores.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<22} {:>8} {:>8} {:>7} {:>8} {:>6} {:>9}\n",
            "fraud", "injected", "detected", "recall", "findings", "true", "precision"
        );
        for score in &self.kinds {
            out.push_str(&format!(
                "{:<22} {:>8} {:>8} {:>7.3} {:>8} {:>6} {:>9.3}\n",
                score.kind.name(),
                score.injected,
                score.detected,
                score.recall,
                score.findings,
                score.true_findings,
                score.precision
            ));
        }
        out.push_str(&format!(
            "clean enterprises: {} runs, {} warning or critical findings\n",
            self.clean_runs, self.clean_findings
        ));
        out
    }
}
