//! Bad input is refused whole, with the file, line and column named; good input gives the same
//! bytes every time.

mod common;

use bonded_reconcile::{render, BundleError, BundleInput, Policy, Rule};
use common::{Files, DECLARATIONS_HEADER, NORMS};

const IMPORT: &str = "104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000\n";

#[test]
fn a_missing_column_is_named() {
    let files = Files::new("").with(
        "declarations.csv",
        "declaration_no,type_code,date,line_no,item_code,quantity,value_vnd\n",
    );
    let error = files.parse().unwrap_err();
    assert_eq!(
        error,
        BundleError::MissingColumn {
            file: "declarations.csv",
            column: "unit"
        }
    );
    assert!(error.to_string().contains("line 1"), "{error}");
}

#[test]
fn a_bad_number_names_file_line_and_column() {
    let lines = format!("{IMPORT}104000000002,E31,2025-01-11,1,NL-COTTON,1.000,5,MTR,1\n");
    let error = Files::new("").with("declarations.csv", &format!("{DECLARATIONS_HEADER}{lines}"));
    // A stray comma makes one field too many; csv reports the record.
    assert!(matches!(
        error.parse(),
        Err(BundleError::Malformed { line: 3, .. })
    ));
    let lines = format!("{IMPORT}104000000002,E31,2025-01-11,1,NL-COTTON,1e3,MTR,1\n");
    let error = Files::new(&lines).parse().unwrap_err();
    assert_eq!(
        error,
        BundleError::BadNumber {
            file: "declarations.csv",
            line: 3,
            column: "quantity",
            value: "1e3".into()
        }
    );
}

#[test]
fn an_unknown_item_is_named() {
    let lines = format!("{IMPORT}104000000002,E31,2025-01-11,1,NL-SILK,10,MTR,1\n");
    let error = Files::new(&lines).parse().unwrap_err();
    assert_eq!(
        error,
        BundleError::UnknownItem {
            file: "declarations.csv",
            line: 3,
            column: "item_code",
            value: "NL-SILK".into()
        }
    );
}

#[test]
fn an_unknown_type_code_is_named() {
    // E56 was abolished in 2021.
    let lines = format!("{IMPORT}306000000001,E56,2025-02-01,1,SP-SHIRT,10,PCE,1\n");
    let error = Files::new(&lines).parse().unwrap_err();
    assert_eq!(
        error,
        BundleError::UnknownTypeCode {
            file: "declarations.csv",
            line: 3,
            column: "type_code",
            value: "E56".into()
        }
    );
}

#[test]
fn overlapping_norm_versions_are_refused() {
    // The first version states an end (2025-08-31) after the second starts (2025-07-01).
    let norms = "\
product_code,material_code,norm,loss_percent,loss_convention,valid_from,valid_to
SP-SHIRT,NL-COTTON,1.5,0,included,2025-01-01,2025-08-31
SP-SHIRT,NL-COTTON,1.6,0,included,2025-07-01,
";
    let error = Files::new(IMPORT)
        .with("norms.csv", norms)
        .parse()
        .unwrap_err();
    assert!(
        matches!(
            error,
            BundleError::OverlappingNorms {
                line: 3,
                previous_line: 2,
                ..
            }
        ),
        "{error:?}"
    );
    // Open-ended versions are cut by the next start instead.
    let chained = format!("{NORMS}SP-SHIRT,NL-COTTON,1.6,0,included,2025-07-01,\n");
    assert!(Files::new(IMPORT)
        .with("norms.csv", &chained)
        .parse()
        .is_ok());
}

#[test]
fn an_empty_bundle_is_refused() {
    let nothing = BundleInput::default();
    let error = bonded_reconcile::reconcile(&nothing, &Policy::default(), None, None);
    assert_eq!(
        error.unwrap_err(),
        BundleError::MissingFile { file: "items.csv" }
    );
    let header_only = Files::new("").parse().unwrap_err();
    assert_eq!(
        header_only,
        BundleError::EmptyFile {
            file: "declarations.csv"
        }
    );
    let no_items = Files::new(IMPORT)
        .with("items.csv", "")
        .parse()
        .unwrap_err();
    assert_eq!(no_items, BundleError::EmptyFile { file: "items.csv" });
}

#[test]
fn missing_inputs_are_reported_as_not_evaluable() {
    let report = Files::new(IMPORT).without("norms.csv").run();
    let rules: Vec<Rule> = report
        .not_evaluable
        .iter()
        .map(|entry| entry.rule)
        .collect();
    for rule in [
        Rule::BalanceMaterial,
        Rule::NormTraceability,
        Rule::ExportBeforeSupply,
    ] {
        assert!(rules.contains(&rule), "{rule:?} missing from {rules:?}");
    }
}

#[test]
fn code_map_matches_internal_codes_exactly() {
    let opening = "item_code,quantity,unit\nVAI-01,50,MTR\n";
    let files = Files::new(IMPORT)
        .with(
            "code_map.csv",
            "internal_code,customs_code\nVAI-01,NL-COTTON\n",
        )
        .with("opening.csv", opening);
    let report = files.run();
    let cotton = report
        .materials
        .iter()
        .find(|row| row.code == "NL-COTTON")
        .expect("row");
    assert_eq!(cotton.opening, "50");
    let near_miss = files.with("opening.csv", "item_code,quantity,unit\nVAI-1,50,MTR\n");
    assert!(matches!(
        near_miss.parse(),
        Err(BundleError::UnknownItem { .. })
    ));
}

#[test]
fn the_same_bundle_gives_the_same_bytes() {
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000
104000000001,E31,2025-01-10,2,NL-BUTTON,4000,PCE,400000
306000000001,E62,2025-02-10,1,SP-SHIRT,400,PCE,72000000
306000000001,E62,2025-02-10,1,SP-SHIRT,400,PCE,72000000
";
    let first = render::json(&Files::new(lines).run()).expect("json");
    let second = render::json(&Files::new(lines).run()).expect("json");
    assert_eq!(first, second);
    let xlsx = render::xlsx(&Files::new(lines).run()).expect("xlsx");
    assert_eq!(&xlsx[..2], b"PK");
    let table = render::table(&Files::new(lines).run());
    assert!(table.contains("DEC-DUPLICATE"), "{table}");
}

#[test]
fn a_large_file_parses_the_same_on_several_threads() {
    use bonded_reconcile::generate::{generate_enterprise, GeneratorConfig};
    use bonded_reconcile::Bundle;
    // 30,000 lines make about 2 MB, above the size parsed on several threads.
    let config = GeneratorConfig {
        lines: 30_000,
        ..GeneratorConfig::default()
    };
    let bundle = generate_enterprise(&config, 0);
    let plain = bundle
        .file("declarations.csv")
        .expect("declarations")
        .to_vec();
    assert!(plain.len() > 1 << 20);
    // A quoted header sends the same records through the csv crate, on one thread.
    let quoted = [
        b"\"declaration_no\"".as_slice(),
        &plain["declaration_no".len()..],
    ]
    .concat();
    let parse = |declarations: &[u8]| {
        let mut input = bundle.input();
        input.declarations = Some(declarations);
        Bundle::parse(&input)
    };
    let (threaded, single) = (
        parse(&plain).expect("parses"),
        parse(&quoted).expect("parses"),
    );
    assert_eq!(threaded.declarations, single.declarations);
    assert_eq!(threaded.declaration_numbers, single.declaration_numbers);

    // An error late in the file is reported at its true line.
    let mut broken = plain.clone();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            broken
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let target = line_starts[25_000 - 1];
    let date_at = 1
        + target
        + broken[target..]
            .windows(3)
            .position(|w| w == b",20")
            .expect("a date");
    broken[date_at..date_at + 4].copy_from_slice(b"20x5");
    match parse(&broken) {
        Err(BundleError::BadDate { line, .. }) => assert_eq!(line, 25_000),
        other => panic!("expected a bad date, got {:?}", other.map(|_| ())),
    }
}
