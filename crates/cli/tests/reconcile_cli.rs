//! `bonded generate`, `bonded reconcile` and `bonded evaluate` through the real binary: a clean
//! enterprise reconciles without alarm, an injected fraud is found by its rule, every output
//! format is written, and a malformed bundle fails whole with its file, line and column named.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::run;
use serde_json::Value;

/// Small enough for a debug build, large enough for every regime's rules to run.
const LINES: &str = "1500";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Generates one enterprise into `root` and returns its folder, as the command prints it.
fn generate(root: &Path, seed: &str, frauds: &[&str]) -> PathBuf {
    let mut args = vec![
        "generate",
        root.to_str().expect("utf-8 path"),
        "--enterprises",
        "1",
        "--lines",
        LINES,
        "--seed",
        seed,
    ];
    for fraud in frauds {
        args.extend(["--fraud", fraud]);
    }
    let output = run(&args);
    assert_success(&output);
    let folder = PathBuf::from(text(&output.stdout).trim());
    assert!(
        folder.join("declarations.csv").is_file(),
        "{}",
        folder.display()
    );
    assert!(folder.join("ground_truth.json").is_file());
    folder
}

fn reconcile_json(folder: &Path) -> Value {
    let output = run(&["reconcile", folder.to_str().expect("utf-8 path")]);
    assert_success(&output);
    serde_json::from_slice(&output.stdout).expect("the report is JSON")
}

fn alarms(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .filter(|finding| finding["severity"] != "info")
        .collect()
}

fn has_keys(row: &Value, keys: &[&str]) {
    for key in keys {
        assert!(row.get(key).is_some(), "row lacks {key}: {row}");
    }
}

#[test]
fn a_clean_enterprise_reconciles_without_alarm() {
    let root = tempfile::tempdir().expect("scratch folder");
    let folder = generate(root.path(), "11", &[]);
    let report = reconcile_json(&folder);

    let materials = report["materials"].as_array().expect("materials");
    let products = report["products"].as_array().expect("products");
    assert!(!materials.is_empty() && !products.is_empty());
    has_keys(
        &materials[0],
        &[
            "code",
            "unit",
            "opening",
            "imported",
            "reexported",
            "repurposed",
            "issued_to_production",
            "other_issued",
            "closing",
            "closing_source",
            "consumed_by_exports",
            "consumed_by_production",
            "unexplained",
        ],
    );
    has_keys(
        &products[0],
        &[
            "code",
            "unit",
            "opening",
            "produced",
            "repurposed",
            "exported",
            "other_out",
            "closing",
        ],
    );
    // Quantities are exact decimal strings, and the generated bundle files its report.
    let imported = materials[0]["imported"].as_str().expect("a string");
    assert!(
        imported.parse::<rust_decimal::Decimal>().is_ok(),
        "{imported}"
    );
    assert_eq!(materials[0]["closing_source"], "report");
    assert!(report["not_evaluable"].is_array());
    assert!(alarms(&report).is_empty(), "{:#}", report["findings"]);

    // The same bundle gives the same bytes.
    let first = run(&["reconcile", folder.to_str().unwrap()]);
    let second = run(&["reconcile", folder.to_str().unwrap()]);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn each_injected_fraud_is_found_by_its_rule() {
    let cases = [
        ("duplicate_export", "DEC-DUPLICATE"),
        ("unit_mismatch", "UNIT-MISMATCH"),
        ("capacity_breach", "CAP-OVER-CAPACITY"),
        ("export_before_supply", "TIM-EXPORT-BEFORE-SUPPLY"),
    ];
    let root = tempfile::tempdir().expect("scratch folder");
    for (index, (fraud, rule)) in cases.iter().enumerate() {
        let folder = generate(
            &root.path().join(fraud),
            &(21 + index).to_string(),
            &[fraud],
        );
        let truth: Value = serde_json::from_slice(
            &std::fs::read(folder.join("ground_truth.json")).expect("ground truth"),
        )
        .expect("ground truth is JSON");
        let subjects = truth["frauds"][0]["subjects"]
            .as_array()
            .expect("subjects")
            .clone();
        assert_eq!(truth["frauds"][0]["kind"], *fraud);

        let report = reconcile_json(&folder);
        let found = alarms(&report)
            .into_iter()
            .any(|finding| finding["rule"] == *rule && subjects.contains(&finding["subject"]));
        assert!(
            found,
            "{fraud}: no {rule} finding on {subjects:?}: {:#}",
            report["findings"]
        );
        let first = alarms(&report)
            .into_iter()
            .find(|finding| finding["rule"] == *rule)
            .expect("a finding");
        has_keys(
            first,
            &["rule", "severity", "subject", "message", "evidence"],
        );
    }
}

#[test]
fn table_and_xlsx_formats_are_written() {
    let root = tempfile::tempdir().expect("scratch folder");
    let folder = generate(root.path(), "31", &[]);
    let dir = folder.to_str().unwrap();

    let table = run(&["reconcile", dir, "--format", "table"]);
    assert_success(&table);
    let table = text(&table.stdout);
    assert!(
        table.contains("Materials (Mẫu 15)") && table.contains("closing_source"),
        "{table}"
    );

    let workbook = root.path().join("report.xlsx");
    let xlsx = run(&[
        "reconcile",
        dir,
        "--format",
        "xlsx",
        "--out",
        workbook.to_str().unwrap(),
    ]);
    assert_success(&xlsx);
    let bytes = std::fs::read(&workbook).expect("the workbook is written");
    assert!(bytes.starts_with(b"PK"), "an xlsx file is a zip archive");

    // Standard output of a test is a pipe, so the workbook may go there too.
    let piped = run(&["reconcile", dir, "--format", "xlsx"]);
    assert_success(&piped);
    assert!(piped.stdout.starts_with(b"PK"));
}

#[test]
fn a_policy_file_changes_the_thresholds() {
    let root = tempfile::tempdir().expect("scratch folder");
    let folder = generate(&root.path().join("bundle"), "41", &["capacity_breach"]);
    let policy = root.path().join("policy.toml");
    // The breach sets capacity to 40 % of production, so production is 250 % of it.
    std::fs::write(
        &policy,
        "capacity_warning_percent = 400\ncapacity_critical_percent = 500\n",
    )
    .unwrap();
    let output = run(&[
        "reconcile",
        folder.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert_success(&output);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(alarms(&report)
        .iter()
        .all(|finding| finding["rule"] != "CAP-OVER-CAPACITY"));

    std::fs::write(&policy, "capacity_warning = 400\n").unwrap();
    let output = run(&[
        "reconcile",
        folder.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("policy"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_malformed_bundle_fails_whole_naming_file_line_and_column() {
    let root = tempfile::tempdir().expect("scratch folder");
    let folder = generate(root.path(), "51", &[]);
    let path = folder.join("declarations.csv");
    let original = std::fs::read_to_string(&path).unwrap();

    // Line 3 of the file (the second record) gets a quantity that is not a decimal.
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    fields[5] = "1e3".to_string();
    lines[2] = fields.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let output = run(&["reconcile", folder.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        output.stdout.is_empty(),
        "no partial result: {}",
        text(&output.stdout)
    );
    let stderr = text(&output.stderr);
    for part in ["declarations.csv", "line 3", "column quantity", "1e3"] {
        assert!(stderr.contains(part), "{part} missing from: {stderr}");
    }

    // An unknown item code is named the same way.
    let mut fields: Vec<String> = original
        .lines()
        .nth(3)
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    fields[4] = "NO-SUCH-ITEM".to_string();
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    lines[3] = fields.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let stderr = text(&run(&["reconcile", folder.to_str().unwrap()]).stderr);
    for part in [
        "declarations.csv",
        "line 4",
        "column item_code",
        "NO-SUCH-ITEM",
    ] {
        assert!(stderr.contains(part), "{part} missing from: {stderr}");
    }

    // An empty folder is refused, not reported as clean.
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let output = run(&["reconcile", empty.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("items.csv"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn evaluate_reports_precision_and_recall_per_kind() {
    let output = run(&[
        "evaluate",
        "--seeds",
        "2",
        "--lines",
        "800",
        "--fraud",
        "duplicate_export",
        "--fraud",
        "unit_mismatch",
        "--json",
    ]);
    assert_success(&output);
    let evaluation: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let kinds = evaluation["kinds"].as_array().expect("kinds");
    assert_eq!(kinds.len(), 2);
    for kind in kinds {
        assert_eq!(kind["injected"], 2, "{kind}");
        assert_eq!(kind["recall"], 1.0, "{kind}");
        assert_eq!(kind["precision"], 1.0, "{kind}");
    }
}

/// The bundle's report.csv rewritten as the official workbook: Mẫu 15 for materials, Mẫu 15a
/// for products, headers in Vietnamese after a title, numbers as numbers.
fn report_workbook(report_csv: &Path, out: &Path) {
    let mut reader = csv::Reader::from_path(report_csv).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let materials_header = [
        "STT",
        "Mã NL, VT",
        "Tên NL, VT",
        "ĐVT",
        "Tồn đầu kỳ",
        "Nhập trong kỳ",
        "Tái xuất",
        "Chuyển mục đích sử dụng, tiêu thụ nội địa, tiêu hủy",
        "Xuất kho để sản xuất",
        "Xuất kho khác",
        "Tồn cuối kỳ",
    ];
    let products_header = [
        "STT",
        "Mã SP",
        "Tên SP",
        "ĐVT",
        "Tồn đầu kỳ",
        "Nhập kho trong kỳ",
        "Chuyển mục đích sử dụng",
        "Xuất khẩu",
        "Xuất khác",
        "Tồn cuối kỳ",
    ];
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let number = |text: &str| text.parse::<f64>().unwrap();
    let materials = book.add_worksheet().set_name("Mau 15").unwrap();
    materials.write(0, 0, "BÁO CÁO QUYẾT TOÁN").unwrap();
    for (column, text) in materials_header.iter().enumerate() {
        materials.write(2, column as u16, *text).unwrap();
    }
    for (at, row) in (3u32..).zip(rows.iter().filter(|row| row[0].starts_with("NL-"))) {
        materials.write(at, 1, &row[0]).unwrap();
        for (offset, index) in [1usize, 2, 3, 4, 5, 6, 7].iter().enumerate() {
            materials
                .write(at, 4 + offset as u16, number(&row[*index]))
                .unwrap();
        }
    }
    let products = book.add_worksheet().set_name("Mau 15a").unwrap();
    for (column, text) in products_header.iter().enumerate() {
        products.write(0, column as u16, *text).unwrap();
    }
    for (at, row) in (1u32..).zip(rows.iter().filter(|row| !row[0].starts_with("NL-"))) {
        products.write(at, 1, &row[0]).unwrap();
        // opening, produced, repurposed, exported, other, closing
        for (offset, index) in [1usize, 2, 4, 3, 6, 7].iter().enumerate() {
            products
                .write(at, 4 + offset as u16, number(&row[*index]))
                .unwrap();
        }
    }
    book.save(out).unwrap();
}

#[test]
fn a_filed_report_as_an_excel_workbook_reconciles_like_its_csv() {
    let root = tempfile::tempdir().expect("scratch");
    let folder = generate(root.path(), "41", &[]);
    let from_csv = reconcile_json(&folder);
    report_workbook(&folder.join("report.csv"), &folder.join("report.xlsx"));
    std::fs::remove_file(folder.join("report.csv")).unwrap();
    let from_xlsx = reconcile_json(&folder);
    let outline = |report: &Value| -> Vec<(String, String)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule"].to_string(), f["subject"].to_string()))
            .collect()
    };
    assert_eq!(from_xlsx["summary"], from_csv["summary"]);
    assert_eq!(outline(&from_xlsx), outline(&from_csv));
    assert!(
        !text(&serde_json::to_vec(&from_xlsx["not_evaluable"]).unwrap()).contains("report.csv"),
        "the workbook stands in for report.csv"
    );

    // One unreadable cell: the run stops and names the sheet and row.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Mau 15").unwrap();
    for (column, text) in [
        "Mã NL, VT",
        "Tồn đầu kỳ",
        "Nhập trong kỳ",
        "Tái xuất",
        "Chuyển mục đích sử dụng",
        "Xuất kho để sản xuất",
        "Xuất kho khác",
        "Tồn cuối kỳ",
    ]
    .iter()
    .enumerate()
    {
        sheet.write(0, column as u16, *text).unwrap();
    }
    sheet.write(1, 0, "NL-00001").unwrap();
    sheet.write(1, 2, "một nghìn").unwrap();
    book.save(folder.join("report.xlsx")).unwrap();
    let output = run(&["reconcile", folder.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("sheet \"Mau 15\" row 2: Nhập trong kỳ"),
        "{stderr}"
    );
}
