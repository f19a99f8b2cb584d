//! The portal in a real browser: Debian's Chromium, driven by Playwright (tests/browser), against
//! the demo served by the real binary. The script's checks are listed in tests/browser/portal.mjs;
//! it also writes the screenshots in docs/screenshots/.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it); runs `npm ci` in tests/browser itself when
//! its packages are missing.

mod common;
mod workbooks;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use bonded_ledger::Payload;
use bonded_model::{IntakeGroup, OrganizationId, OrganizationKind, OrganizationRecord, TaxCode};
use bonded_portal::uploads as portal_uploads;
use common::*;
use ed25519_dalek::SigningKey;

/// The small enterprise (intake group 3) that declares its norms in the portal.
const SMALL: &str = "ENT-0303333333";
/// The garment maker, whose extract and report the tests upload.
const GARMENT: &str = "ENT-0302222222";
/// A material code made of markup, in an uploaded Mẫu 15: the page must show it as text.
const MARKUP_CODE: &str = "<img src=x onerror=alert(1)>";

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
    workbooks::write_mau16(&good, None);
    workbooks::write_mau16(&bad, Some("0,03 kg"));
    let mau15 = folder.path().join("mau15.xlsx");
    workbooks::write_mau15(&mau15, MARKUP_CODE);
    let extract = folder.path().join("BaoCaoHangChiTiet.xls");
    let declarations = workbooks::ledger_declarations(&demo.url, GARMENT);
    workbooks::write_extract(&extract, &declarations);
    let truncated = folder.path().join("truncated.xlsx");
    std::fs::write(&truncated, &std::fs::read(&mau15).unwrap()[..1500]).unwrap();
    let commitments_before = commitments(&demo.url);

    let output = Command::new("node")
        .arg(&script)
        .env("SMALL_NORMS", norms.to_string())
        .env("MAU16_GOOD", &good)
        .env("MAU16_BAD", &bad)
        .env("MAU16_BAD_ROW", workbooks::BAD_ROW.to_string())
        .env("MAU15", &mau15)
        .env("MARKUP_CODE", MARKUP_CODE)
        .env("EXTRACT", &extract)
        .env("LEDGER_DECLARATIONS", declarations.len().to_string())
        .env("TRUNCATED_XLSX", &truncated)
        .env(
            "LEGACY_XLS",
            root.join("crates/forms/tests/fixtures/mau15-legacy.xls"),
        )
        .env("NOT_A_WORKBOOK", root.join("crates/portal/static/icon.svg"))
        .env("HOSTILE_NAME", HOSTILE_NAME)
        .env("PORTAL_URL", &demo.url)
        .env("ACCOUNTS", &accounts)
        .env("SCREENSHOTS", root.join("docs/screenshots"))
        .output()
        .expect("node runs");
    let commitments_after = commitments(&demo.url);
    let huge = vec![b'P'; portal_uploads::UPLOAD_BYTES_MAX + 1024];
    let upload = format!("/portal/enterprises/{GARMENT}/uploads?kind=extract");
    assert!(
        refuses_oversize(&demo.url, &upload, &huge),
        "an oversize upload is refused"
    );
    let norms = vec![b'{'; 3 * 1024 * 1024];
    assert!(
        refuses_oversize(&demo.url, "/portal/norms", &norms),
        "an oversize norm post is refused"
    );
    demo.stop();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    println!("{stdout}");
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

fn commitments(url: &str) -> usize {
    let (status, body) = get(url, &format!("/v1/channels/{SMALL}/commitments"));
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().len()
}
