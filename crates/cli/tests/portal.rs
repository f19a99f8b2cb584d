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

    let output = Command::new("node")
        .arg(&script)
        .env("HOSTILE_NAME", HOSTILE_NAME)
        .env("PORTAL_URL", &demo.url)
        .env("ACCOUNTS", &accounts)
        .env("SCREENSHOTS", root.join("docs/screenshots"))
        .output()
        .expect("node runs");
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
}
