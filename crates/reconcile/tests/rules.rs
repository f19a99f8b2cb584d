//! One test per rule, with the numbers worked by hand in the comments.
//!
//! The bundle is the shirt factory of `common`: one shirt (SP-SHIRT, PCE) takes 1.5 m of cotton
//! (NL-COTTON, MTR) and 8 buttons (NL-BUTTON, PCE); E31 imports and E62 exports feed the SXXK
//! book.

mod common;

use bonded_reconcile::{ClosingSource, Rule, Severity};
use common::{figure, of, Files};

const REPORT_HEADER: &str =
    "item_code,opening,imported,reexported,repurposed,issued_to_production,other_issued,closing\n";

#[test]
fn bal_material_fires_when_a_filed_row_does_not_add_up() {
    // Filed: 100 + 1000 − 0 − 0 − 900 − 0 = 200, but the row states 250: 50 m apart.
    let report = Files::new("104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000\n")
        .with(
            "report.csv",
            &format!("{REPORT_HEADER}NL-COTTON,100,1000,0,0,900,0,250\n"),
        )
        .run();
    let findings = of(&report, Rule::BalanceMaterial);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Critical);
    assert_eq!(figure(findings[0], "closing_computed"), "200");
    assert_eq!(figure(findings[0], "difference"), "50");
}

#[test]
fn bal_product_fires_when_a_filed_product_row_does_not_add_up() {
    // Mẫu 15a: 0 + 600 produced − 0 repurposed − 500 exported − 0 other = 100, filed 90.
    let report = Files::new("306000000001,E62,2025-02-10,1,SP-SHIRT,500,PCE,90000000\n")
        .with(
            "report.csv",
            &format!("{REPORT_HEADER}SP-SHIRT,0,600,500,0,0,0,90\n"),
        )
        .run();
    let findings = of(&report, Rule::BalanceProduct);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(figure(findings[0], "closing_computed"), "100");
    assert_eq!(figure(findings[0], "difference"), "-10");
}

#[test]
fn bal_negative_fires_when_stock_goes_below_zero_in_date_order() {
    // 2025-01-05: re-export 150 m (B13) with nothing held: 0 − 150 = −150.
    // 2025-01-10: import 100 m would bring it to −50; the first short day is reported.
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,100,MTR,5000000
305000000001,B13,2025-01-05,1,NL-COTTON,150,MTR,7500000
";
    let report = Files::new(lines)
        .with("opening.csv", "item_code,quantity,unit\n")
        .run();
    let findings = of(&report, Rule::BalanceNegative);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(figure(findings[0], "date"), "2025-01-05");
    assert_eq!(figure(findings[0], "balance"), "-150");
}

#[test]
fn dec_import_mismatch_grades_filed_against_declared_imports() {
    // Cotton: declared 1000 + 200 = 1200, filed 1500: |1500 − 1200| ÷ 1200 = 25 % > 20 % critical.
    // Buttons: declared 100, filed 107: 7 % > 5 % warning.
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000
104000000001,E31,2025-01-10,2,NL-BUTTON,100,PCE,100000
104000000002,E31,2025-02-10,1,NL-COTTON,200,MTR,10000000
";
    let filed =
        format!("{REPORT_HEADER}NL-COTTON,0,1500,0,0,1500,0,0\nNL-BUTTON,0,107,0,0,107,0,0\n");
    let report = Files::new(lines).with("report.csv", &filed).run();
    let findings = of(&report, Rule::ImportMismatch);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let cotton = findings
        .iter()
        .find(|f| f.subject == "NL-COTTON")
        .expect("cotton");
    assert_eq!(cotton.severity, Severity::Critical);
    assert_eq!(figure(cotton, "deviation_percent"), "25");
    let buttons = findings
        .iter()
        .find(|f| f.subject == "NL-BUTTON")
        .expect("buttons");
    assert_eq!(buttons.severity, Severity::Warning);
    assert_eq!(figure(buttons, "deviation_percent"), "7");
}

#[test]
fn dec_export_mismatch_grades_filed_against_declared_exports() {
    // Declared 500 shirts, filed 510: 10 ÷ 500 = 2 %, above 1 % and not above 5 %: warning.
    let report = Files::new("306000000001,E62,2025-02-10,1,SP-SHIRT,500,PCE,90000000\n")
        .with(
            "report.csv",
            &format!("{REPORT_HEADER}SP-SHIRT,0,510,510,0,0,0,0\n"),
        )
        .run();
    let findings = of(&report, Rule::ExportMismatch);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(figure(findings[0], "deviation_percent"), "2");
}

#[test]
fn dec_missing_route_fires_for_repurposing_and_reexport_without_declarations() {
    // Filed repurposed 50 m, A42 declared 20 m: 30 m without a route.
    // Filed re-exported 40 m, no B13/E54/E82 line: 40 m without a route.
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000
105000000001,A42,2025-03-10,1,NL-COTTON,20,MTR,1000000
";
    // 0 + 1000 − 40 − 50 − 0 − 0 = 910 closing, so the row itself adds up.
    let filed = format!("{REPORT_HEADER}NL-COTTON,0,1000,40,50,0,0,910\n");
    let report = Files::new(lines).with("report.csv", &filed).run();
    let findings = of(&report, Rule::MissingRoute);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let gaps: Vec<&str> = findings
        .iter()
        .map(|f| figure(f, "without_route"))
        .collect();
    assert!(gaps.contains(&"30") && gaps.contains(&"40"), "{gaps:?}");
    assert!(of(&report, Rule::BalanceMaterial).is_empty());
}

#[test]
fn dec_duplicate_fires_when_one_declaration_line_appears_twice() {
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000
306000000001,E62,2025-02-10,1,SP-SHIRT,100,PCE,18000000
306000000001,E62,2025-02-10,2,SP-SHIRT,50,PCE,9000000
306000000001,E62,2025-02-10,1,SP-SHIRT,100,PCE,18000000
";
    let report = Files::new(lines).run();
    let findings = of(&report, Rule::Duplicate);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].subject, "306000000001/1");
    assert_eq!(figure(findings[0], "occurrences"), "2");
    assert_eq!(findings[0].evidence.declaration_lines.len(), 2);
}

#[test]
fn nrm_consumption_compares_norm_times_production_with_issues() {
    // 400 shirts produced × 1.5 m = 600 m expected; 690 m issued: 90 ÷ 600 = 15 %: warning.
    // Buttons: 400 × 8 = 3200 expected, 3200 issued: no finding.
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000
104000000001,E31,2025-01-10,2,NL-BUTTON,4000,PCE,400000
";
    let movements = "\
date,item_code,kind,quantity,unit,reference
2025-01-15,NL-COTTON,issued_to_production,690,MTR,PX-01
2025-01-15,NL-BUTTON,issued_to_production,3200,PCE,PX-01
2025-01-31,SP-SHIRT,produced,400,PCE,NK-01
";
    let report = Files::new(lines).with("movements.csv", movements).run();
    let findings = of(&report, Rule::NormConsumption);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].subject, "NL-COTTON");
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(figure(findings[0], "consumed_by_production"), "600");
    assert_eq!(figure(findings[0], "deviation_percent"), "15");
}

#[test]
fn nrm_traceability_fires_when_exports_explain_too_little_of_what_left() {
    // Opening 0 + imported 1000 − closing 100 (stock count) = 900 m left the books.
    // Exports: 400 shirts × 1.5 = 600 m. 600 ÷ 900 = 66.67 %: below 80 %, not below 60 %: warning.
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000
306000000001,E62,2025-02-10,1,SP-SHIRT,400,PCE,72000000
";
    let movements = "\
date,item_code,kind,quantity,unit,reference
2025-03-31,NL-COTTON,stock_count,100,MTR,KK-Q1
";
    let report = Files::new(lines).with("movements.csv", movements).run();
    let row = report
        .materials
        .iter()
        .find(|row| row.code == "NL-COTTON")
        .expect("row");
    assert_eq!(row.closing_source, ClosingSource::StockCount);
    // unexplained = 0 + 1000 − 0 − 0 − 600 − 100 = 300.
    assert_eq!(row.unexplained, "300");
    let findings = of(&report, Rule::NormTraceability);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(figure(findings[0], "traceability_percent"), "66.67");
}

#[test]
fn nrm_orphan_fires_for_exports_without_norm_and_norms_without_source() {
    // SP-JACKET has no norm at all; the shirt norm now also uses zippers never imported.
    let norms = format!(
        "{}SP-SHIRT,NL-ZIPPER,1,0,included,2025-01-01,\n",
        common::NORMS
    );
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000
104000000001,E31,2025-01-10,2,NL-BUTTON,1000,PCE,100000
306000000001,E62,2025-02-10,1,SP-JACKET,30,PCE,30000000
";
    let report = Files::new(lines).with("norms.csv", &norms).run();
    let findings = of(&report, Rule::NormOrphan);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let jacket = findings
        .iter()
        .find(|f| f.subject == "SP-JACKET")
        .expect("jacket");
    assert_eq!(jacket.severity, Severity::Critical);
    assert_eq!(figure(jacket, "exported_without_norm"), "30");
    let zipper = findings
        .iter()
        .find(|f| f.subject == "NL-ZIPPER")
        .expect("zipper");
    assert_eq!(zipper.severity, Severity::Warning);
}

#[test]
fn nrm_drift_grades_the_change_between_versions() {
    // Cotton 1.5 → 2.4 m: (2.4 − 1.5) ÷ 1.5 = 60 % > 50 %: critical.
    // Buttons 8 → 9: 12.5 %, under 20 %: no finding.
    let norms = format!(
        "{}SP-SHIRT,NL-COTTON,2.4,0,included,2025-07-01,\nSP-SHIRT,NL-BUTTON,9,0,included,2025-07-01,\n",
        common::NORMS
    );
    let report = Files::new("104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000\n")
        .with("norms.csv", &norms)
        .parse_between(Some("2025-01-01"), Some("2025-12-31"))
        .expect("parses");
    let findings = of(&report, Rule::NormDrift);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Critical);
    assert_eq!(figure(findings[0], "change_percent"), "60");
}

#[test]
fn nrm_loss_cap_fires_above_the_policy_cap() {
    // Loss 12 % > cap 10 %, not above 2 × 10 %: warning. Effective 1.5 × 1.12 = 1.68.
    let norms = "\
product_code,material_code,norm,loss_percent,loss_convention,valid_from,valid_to
SP-SHIRT,NL-COTTON,1.5,12,percent_of_norm,2025-01-01,
";
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000
306000000001,E62,2025-02-10,1,SP-SHIRT,100,PCE,18000000
";
    let report = Files::new(lines).with("norms.csv", norms).run();
    let findings = of(&report, Rule::NormLossCap);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Warning);
    // 100 shirts × 1.68 = 168 m consumed by exports.
    let row = report
        .materials
        .iter()
        .find(|row| row.code == "NL-COTTON")
        .expect("row");
    assert_eq!(row.consumed_by_exports, "168");
}

#[test]
fn tim_export_before_supply_fires_when_exports_outrun_imports() {
    // 2025-02-01: 100 shirts × 1.5 = 150 m consumed, nothing held or imported yet: short 150.
    // 2025-03-01: 1000 m imported, too late.
    let lines = "\
306000000001,E62,2025-02-01,1,SP-SHIRT,100,PCE,18000000
104000000001,E31,2025-03-01,1,NL-COTTON,1000,MTR,50000000
104000000001,E31,2025-03-01,2,NL-BUTTON,1000,PCE,100000
";
    let report = Files::new(lines).run();
    let findings = of(&report, Rule::ExportBeforeSupply);
    // Buttons run short too: 100 × 8 = 800 before any import.
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let cotton = findings
        .iter()
        .find(|f| f.subject == "NL-COTTON")
        .expect("cotton");
    assert_eq!(figure(cotton, "date"), "2025-02-01");
    assert_eq!(figure(cotton, "shortfall"), "150");
    let buttons = findings
        .iter()
        .find(|f| f.subject == "NL-BUTTON")
        .expect("buttons");
    assert_eq!(figure(buttons, "shortfall"), "800");
}

#[test]
fn cap_over_capacity_grades_production_against_declared_capacity() {
    // Capacity 1000 a year; period 2025 (365 days): 1000 × 365 ÷ 365 = 1000.
    // Produced 1800: 180 % > 150 %, not above 200 %: warning.
    let lines = "104000000001,E31,2025-01-10,1,NL-COTTON,5000,MTR,50000000\n";
    let movements = "\
date,item_code,kind,quantity,unit,reference
2025-06-30,SP-SHIRT,produced,1800,PCE,NK-01
";
    let report = Files::new(lines)
        .with("movements.csv", movements)
        .with(
            "facility.csv",
            "product_code,capacity_per_year,unit\nSP-SHIRT,1000,PCE\n",
        )
        .parse_between(Some("2025-01-01"), Some("2025-12-31"))
        .expect("parses");
    let findings = of(&report, Rule::OverCapacity);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(figure(findings[0], "utilisation_percent"), "180");
}

#[test]
fn srg_import_surge_fires_when_imports_jump_and_exports_stay_flat() {
    // Q3 imports 1,000,000 VND, Q4 2,000,000: +100 % ≥ 2 × 50 %: critical.
    // Q3 exports 500,000, Q4 520,000: +4 % < 10 %.
    let lines = "\
104000000001,E31,2025-08-10,1,NL-COTTON,100,MTR,1000000
306000000001,E62,2025-08-20,1,SP-SHIRT,10,PCE,500000
104000000002,E31,2025-11-10,1,NL-COTTON,200,MTR,2000000
306000000002,E62,2025-11-20,1,SP-SHIRT,10,PCE,520000
";
    let report = Files::new(lines).run();
    let findings = of(&report, Rule::ImportSurge);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Critical);
    assert_eq!(findings[0].subject, "SXXK");
    assert_eq!(figure(findings[0], "import_growth_percent"), "100");
    assert_eq!(figure(findings[0], "export_growth_percent"), "4");
}

#[test]
fn unit_mismatch_fires_and_keeps_the_line_out_of_the_balance() {
    // Cotton is kept in MTR; 300 KGM cannot become metres. Imported stays 1000, not 1300.
    // 2 DZN of buttons convert exactly: 2 × 12 = 24 PCE.
    let lines = "\
104000000001,E31,2025-01-10,1,NL-COTTON,1000,MTR,50000000
104000000001,E31,2025-01-10,2,NL-COTTON,300,KGM,15000000
104000000001,E31,2025-01-10,3,NL-BUTTON,2,DZN,24000
";
    let report = Files::new(lines).run();
    let findings = of(&report, Rule::UnitMismatch);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].subject, "NL-COTTON");
    let cotton = report
        .materials
        .iter()
        .find(|row| row.code == "NL-COTTON")
        .expect("row");
    assert_eq!(cotton.imported, "1000");
    let buttons = report
        .materials
        .iter()
        .find(|row| row.code == "NL-BUTTON")
        .expect("row");
    assert_eq!(buttons.imported, "24");
}
