//! The generator is reproducible, its clean enterprises raise no alarm, and every injected fraud
//! kind is found.

use bonded_reconcile::evaluate::evaluate;
use bonded_reconcile::generate::{generate, FraudKind, GeneratorConfig};
use bonded_reconcile::{reconcile, Policy, Severity};

fn small(seed: u64, frauds: Vec<FraudKind>) -> GeneratorConfig {
    GeneratorConfig {
        seed,
        enterprises: 4,
        lines: 3_000,
        products: 12,
        materials: 30,
        norm_rows: 60,
        frauds,
        year: 2025,
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let first = generate(&small(7, FraudKind::ALL.to_vec())).expect("valid config");
    let second = generate(&small(7, FraudKind::ALL.to_vec())).expect("valid config");
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.files, b.files);
        assert_eq!(a.truth_json(), b.truth_json());
    }
    let other = generate(&small(8, Vec::new())).expect("valid config");
    assert_ne!(first[0].files, other[0].files);
}

#[test]
fn clean_enterprises_of_every_regime_raise_no_alarm() {
    for bundle in generate(&small(3, Vec::new())).expect("valid config") {
        let report = reconcile(&bundle.input(), &Policy::default(), None, None).expect("parses");
        let alarms: Vec<_> = report
            .findings
            .iter()
            .filter(|finding| finding.severity >= Severity::Warning)
            .collect();
        assert!(alarms.is_empty(), "{}: {alarms:#?}", bundle.name);
        assert!(!report.materials.is_empty() && !report.products.is_empty());
    }
}

#[test]
fn every_fraud_kind_is_recalled_over_many_seeds() {
    let base = GeneratorConfig {
        enterprises: 1,
        ..small(0, FraudKind::ALL.to_vec())
    };
    let evaluation = evaluate(&base, 100, 12).expect("generated bundles parse");
    println!("{}", evaluation.table());
    assert_eq!(evaluation.clean_findings, 0, "{}", evaluation.table());
    for score in &evaluation.kinds {
        assert_eq!(score.injected, 12, "{:?}", score.kind);
        assert!(score.recall >= 0.9, "{}", evaluation.table());
        assert!(score.precision >= 0.9, "{}", evaluation.table());
    }
}
