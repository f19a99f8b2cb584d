//! The portal in a real browser: Debian's Chromium, driven by Playwright (tests/browser), against
//! the demo served by the real binary. The script's checks are listed in tests/browser/portal.mjs;
//! it also writes the screenshots in docs/screenshots/.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it); runs `npm ci` in tests/browser itself when
//! its packages are missing.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use bonded_ledger::Payload;
use bonded_model::{IntakeGroup, OrganizationId, OrganizationKind, OrganizationRecord, TaxCode};
use common::*;
use ed25519_dalek::SigningKey;

/// The small enterprise (intake group 3) that declares its norms in the portal.
const SMALL: &str = "ENT-0303333333";
/// The spreadsheet row of the bad Mẫu 16 file whose norm cannot be read as a number.
const BAD_ROW: u32 = 6;

const HOSTILE_NAME: &str =
    "<script>document.title='owned'</script><img src=x onerror=alert(1)> & Co";

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn each_role_sees_its_own_pages_in_chromium() {
    let root = repository();
    let script = root.join("tests/browser/portal.mjs");
    assert!(
        root.join("tests/browser/node_modules/playwright-core")
            .exists(),
        "run `npm ci` in tests/browser first (.ci/run does)"
    );
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("demo");
    let demo = Demo::start(&data);
    let accounts = data.join("accounts.json");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !accounts.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    // An organization whose name is markup: every page must show it as text.
    let customs = demo.key("customs");
    let organization = OrganizationRecord {
        id: OrganizationId("ENT-HOSTILE".into()),
        name: HOSTILE_NAME.into(),
        kind: OrganizationKind::Enterprise {
            tax_code: TaxCode("0309999999".into()),
            authorized_economic_operator: false,
            intake_group: IntakeGroup::new(3).unwrap(),
        },
    };
    let key = SigningKey::from_bytes(&[77; 32]);
    let payload = Payload::RegisterOrganization {
        organization,
        keys: vec![key.verifying_key().to_bytes()],
    };
    let (status, response) = submit(&demo.url, &[sign(&customs, "system", 4242, payload)]);
    assert_eq!(status, 200);
    assert_eq!(response["results"][0]["status"], "accepted", "{response}");

    let norms = small_norms(&data);
    let good = folder.path().join("mau16.xlsx");
    let bad = folder.path().join("mau16-bad-row.xlsx");
    write_mau16(&good, None);
    write_mau16(&bad, Some("0,03 kg"));
    let commitments_before = commitments(&demo.url);

    let output = Command::new("node")
        .arg(&script)
        .env("SMALL_NORMS", norms.to_string())
        .env("MAU16_GOOD", &good)
        .env("MAU16_BAD", &bad)
        .env("MAU16_BAD_ROW", BAD_ROW.to_string())
        .env("HOSTILE_NAME", HOSTILE_NAME)
        .env("PORTAL_URL", &demo.url)
        .env("ACCOUNTS", &accounts)
        .env("SCREENSHOTS", root.join("docs/screenshots"))
        .output()
        .expect("node runs");
    let commitments_after = commitments(&demo.url);
    demo.stop();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout
            .lines()
            .filter(|line| line.starts_with("ok "))
            .count()
            >= 20,
        "{stdout}"
    );
    // The form and the good Mẫu 16 each recorded one commitment; the bad file recorded none.
    assert_eq!(commitments_after, commitments_before + 2, "{stdout}");
}

/// The small enterprise's norms, as the demo wrote them for the CLI, for the page's form.
fn small_norms(data: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(data.join(format!("norms/{SMALL}.csv"))).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            serde_json::json!({
                "product": fields[0], "material": fields[1], "norm": fields[2],
                "loss": fields[3], "convention": fields[4],
            })
        })
        .collect();
    assert_eq!(rows.len(), 3);
    serde_json::Value::Array(rows)
}

/// A Mẫu 16 of the small enterprise's actual norms (loss included), under a title, with one
/// norm as a formula and one domestic material; `bad_norm` replaces the copper norm's cell.
fn write_mau16(path: &std::path::Path, bad_norm: Option<&str>) {
    use rust_xlsxwriter::{Formula, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, "Mẫu 16/ĐMTT-GSQL").unwrap();
    sheet
        .write(1, 0, "ĐỊNH MỨC THỰC TẾ ĐỂ SẢN XUẤT SẢN PHẨM")
        .unwrap();
    let header = [
        "STT",
        "Mã SP",
        "Tên SP",
        "ĐVT SP",
        "Mã NL, VT",
        "Tên NL, VT",
        "ĐVT NL, VT",
        "Định mức thực tế",
        "Ghi chú",
    ];
    for (column, text) in header.iter().enumerate() {
        sheet.write(3, column as u16, *text).unwrap();
    }
    let rows = [
        ("NL-PCB", "Printed circuit boards", "PCE", "1.01", ""),
        ("NL-COPPER", "Enamelled copper wire", "KGM", "formula", ""),
        ("NL-CASE", "Plastic adapter housings", "PCE", "1.01", ""),
        ("NL-LABEL", "Paper labels", "PCE", "1", "X"),
    ];
    for (index, (material, name, unit, norm, note)) in rows.iter().enumerate() {
        let row = 4 + index as u32;
        sheet.write(row, 0, (index + 1) as f64).unwrap();
        sheet.write(row, 1, "SP-ADAPTER").unwrap();
        sheet.write(row, 2, "Switching power adapters").unwrap();
        sheet.write(row, 3, "PCE").unwrap();
        sheet.write(row, 4, *material).unwrap();
        sheet.write(row, 5, *name).unwrap();
        sheet.write(row, 6, *unit).unwrap();
        match (*norm, bad_norm) {
            ("formula", Some(bad)) => {
                assert_eq!(row + 1, BAD_ROW);
                sheet.write(row, 7, bad).unwrap();
            }
            ("formula", None) => {
                let formula = Formula::new("=0.015*2").set_result("0.03");
                sheet.write_formula(row, 7, formula).unwrap();
            }
            (number, _) => {
                sheet.write(row, 7, number.parse::<f64>().unwrap()).unwrap();
            }
        }
        sheet.write(row, 8, *note).unwrap();
    }
    workbook.save(path).unwrap();
}

fn commitments(url: &str) -> usize {
    let (status, body) = get(url, &format!("/v1/channels/{SMALL}/commitments"));
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().len()
}
