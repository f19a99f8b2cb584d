//! Confidential verification through the real binary: an enterprise seals distinctive norms to
//! the demo's customs enclave with `bonded norms submit`, customs runs `bonded verdict`, and the
//! verdict agrees with `bonded reconcile` run on the same records in the clear, while the norm
//! values appear nowhere outside the enclave: not in the node's or the enclave's files, not in
//! any log line, not in any API response.

mod common;

use std::path::Path;

use common::*;

/// Values no demo record holds: the garment maker's norms, in clear, only in its own file.
const SECRET_VALUES: [&str; 5] = [
    "1.4713579",
    "3.1415926",
    "0.0172839",
    "2.3571113",
    "12.3456789",
];

const NORMS_CSV: &str = "\
product_code,material_code,norm,loss_percent,loss_convention,valid_from,valid_to
SP-SHIRT,NL-COTTON,1.4713579,3.1415926,percent_of_norm,2026-01-01,
SP-SHIRT,NL-THREAD,0.0172839,0,included,2026-01-01,
SP-SHIRT,NL-BUTTON,8,0,included,2026-01-01,
SP-JACKET,NL-COTTON,2.3571113,12.3456789,percent_of_gross,2026-01-01,
SP-JACKET,NL-THREAD,0.035,0,included,2026-01-01,
SP-JACKET,NL-BUTTON,10,0,included,2026-01-01,
";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Every file under `folder`, recursively.
fn files(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The process id of the enclave program serving `folder`, found in /proc.
fn enclave_pid(folder: &Path) -> Option<u32> {
    let needle = folder.to_str()?.to_string();
    for entry in std::fs::read_dir("/proc").ok()? {
        let entry = entry.ok()?;
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let arguments: Vec<String> = cmdline
            .split(|byte| *byte == 0)
            .map(|part| String::from_utf8_lossy(part).into_owned())
            .collect();
        let serving = arguments.iter().any(|a| a == "enclave-program")
            && arguments
                .windows(2)
                .any(|pair| pair[0] == "--data" && pair[1] == needle);
        if serving {
            return Some(pid);
        }
    }
    None
}

fn secrets(rows_csv: &Path) -> Vec<String> {
    let set = bonded_norms::NormSet::new(read_rows(rows_csv)).unwrap();
    let mut tokens: Vec<String> = SECRET_VALUES
        .iter()
        .map(|value| value.to_string())
        .collect();
    tokens.extend(bonded_enclave::redact::secret_tokens(set.rows()));
    tokens
}

fn read_rows(path: &Path) -> Vec<bonded_norms::NormRow> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            bonded_norms::NormRow {
                product_code: record[0].into(),
                material_code: record[1].into(),
                norm: record[2].parse().unwrap(),
                loss_percent: record[3].parse().unwrap(),
                loss_convention: record[4].parse().unwrap(),
                valid_from: record[5].parse().unwrap(),
                valid_to: None,
            }
        })
        .collect()
}

#[test]
fn sealed_norms_give_the_clear_verdict_and_never_leave_the_enclave() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("demo");
    let log = folder.path().join("demo.log");
    let demo = Demo::start_logged(&data, &log);
    let norms = folder.path().join("garment-norms.csv");
    std::fs::write(&norms, NORMS_CSV).unwrap();
    let key = data.join(format!("keys/{GARMENT}.pem"));

    // The enterprise seals and commits.
    let submitted = run(&[
        "norms",
        "submit",
        "--node",
        &demo.url,
        "--key",
        key.to_str().unwrap(),
        norms.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&submitted.stderr);
    assert!(submitted.status.success(), "{stderr}");
    assert!(stderr.contains("SIMULATED attestation root"), "{stderr}");
    let receipt: serde_json::Value = serde_json::from_slice(&submitted.stdout).unwrap();
    assert_eq!(receipt["registration_checked"], true);
    assert_eq!(
        receipt["version"], 2,
        "the demo's own commitment is version 1"
    );
    let commitment = receipt["commitment"].as_str().unwrap().to_string();

    // Customs asks for the verdict.
    let asked = run(&[
        "verdict",
        "--node",
        &demo.url,
        "--enterprise",
        GARMENT,
        "--period",
        "2026",
    ]);
    assert!(
        asked.status.success(),
        "{}",
        String::from_utf8_lossy(&asked.stderr)
    );
    let verdict: serde_json::Value = serde_json::from_slice(&asked.stdout).unwrap();
    assert_eq!(verdict["verdict"]["commitment"], commitment.as_str());
    assert_eq!(verdict["enclave"]["id"], receipt["enclave"]);
    assert!(verdict["attestation"]
        .as_str()
        .unwrap()
        .contains("TEST POLICY"));
    let (status, stored) = get(
        &demo.url,
        &format!(
            "/v1/reports/{}",
            verdict["verdict"]["report_sha256"].as_str().unwrap()
        ),
    );
    assert_eq!(status, 200);
    assert_eq!(stored, verdict["report"]);

    // The same records and norms in the clear give the same balances and findings.
    let clear = folder.path().join("clear");
    std::fs::create_dir_all(&clear).unwrap();
    for name in ["items.csv", "declarations.csv", "movements.csv"] {
        let from = data.join("reports").join(GARMENT).join(name);
        std::fs::copy(from, clear.join(name)).unwrap();
    }
    std::fs::copy(&norms, clear.join("norms.csv")).unwrap();
    let direct = run(&[
        "reconcile",
        clear.to_str().unwrap(),
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
    ]);
    assert!(
        direct.status.success(),
        "{}",
        String::from_utf8_lossy(&direct.stderr)
    );
    let direct: serde_json::Value = serde_json::from_slice(&direct.stdout).unwrap();
    let report = &verdict["report"];
    assert_eq!(report["materials"], direct["materials"]);
    assert_eq!(report["products"], direct["products"]);
    assert_eq!(report["summary"], direct["summary"]);
    // The same findings, rule by rule and subject by subject; only their wording may differ
    // where the enclave withheld a norm value.
    let outline = |report: &serde_json::Value| -> Vec<(String, String, String)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| {
                let field = |name: &str| finding[name].as_str().unwrap_or_default().to_string();
                (field("rule"), field("severity"), field("subject"))
            })
            .collect()
    };
    assert_eq!(outline(report), outline(&direct));
    assert!(
        !outline(&direct).is_empty(),
        "the garment maker has findings to compare"
    );
    let critical = direct["summary"]["critical"].as_u64().unwrap();
    assert_eq!(verdict["verdict"]["critical"].as_u64().unwrap(), critical);
    assert!(
        direct.to_string().contains("12.3456789"),
        "the clear report quotes the jacket's loss, so the scan below can fail"
    );

    // The AEO's own verdict stands confirmed by the customs enclave; the garment maker's new
    // verdict does not clear it.
    let (status, aeo) = get(&demo.url, &format!("/v1/enterprises/{FOOTWEAR}/clearance"));
    assert_eq!(status, 200);
    assert_eq!(aeo["status"], "cleared", "{aeo}");
    assert!(aeo["confirmed_by"].is_string(), "{aeo}");
    let (_, garment) = get(&demo.url, &format!("/v1/enterprises/{GARMENT}/clearance"));
    assert_eq!(verdict["clearance"], garment);
    let expected = if critical == 0 {
        "cleared"
    } else {
        "not_compliant"
    };
    assert_eq!(garment["status"], expected, "{garment}");

    // Everything customs and the host can read, gathered while the node runs.
    let mut seen: Vec<(String, Vec<u8>)> = vec![
        ("norms submit stdout".into(), submitted.stdout.clone()),
        ("verdict stdout".into(), asked.stdout.clone()),
    ];
    for path in [
        "/v1/enclaves",
        "/v1/chain",
        "/v1/channels",
        &format!("/v1/channels/{GARMENT}/commitments"),
        &format!(
            "/v1/transactions/{}",
            receipt["commitment_transaction"].as_str().unwrap()
        ),
        &format!(
            "/v1/transactions/{}",
            verdict["transaction_hash"].as_str().unwrap()
        ),
    ] {
        let (status, body) = get(&demo.url, path);
        assert_eq!(status, 200, "{path}");
        seen.push((path.to_string(), body.to_string().into_bytes()));
    }
    demo.stop();
    for path in files(&data.join("node"))
        .into_iter()
        .chain(files(&data.join("enclave")))
    {
        seen.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    let logs = std::fs::read(&log).unwrap();
    let enclave_logs = std::fs::read(log.with_extension("stderr")).unwrap();
    assert!(
        contains(&enclave_logs, "enclave.start"),
        "the enclave's own log is captured"
    );
    seen.push(("demo stdout".into(), logs));
    seen.push(("demo and enclave logs".into(), enclave_logs));
    for token in secrets(&norms) {
        for (place, bytes) in &seen {
            assert!(
                !contains(bytes, &token),
                "{place} holds the norm value {token}"
            );
        }
    }
}

#[test]
fn envelopes_the_enterprise_did_not_commit_are_refused() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("demo");
    let demo = Demo::start(&data);
    let (_, enclaves) = get(&demo.url, "/v1/enclaves");
    let enclave = enclaves[0]["id"].as_str().unwrap().to_string();
    let (_, commitments) = get(&demo.url, &format!("/v1/channels/{GARMENT}/commitments"));
    let commitment = commitments[0]["commitment"].as_str().unwrap().to_string();

    // A well-formed envelope (version byte, key, ciphertext) that no commitment names.
    let mut planted = vec![1u8];
    planted.extend_from_slice(&[7u8; 32 + 64]);
    let body = serde_json::json!({
        "enterprise": GARMENT,
        "enclave": enclave,
        "commitment": commitment,
        "sealed_norms": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &planted),
    });
    let (status, error) = post_raw(&demo.url, "/v1/norms", body.to_string().as_bytes());
    assert_eq!(status, 409, "{error}");
    assert_eq!(error["code"], "EnvelopeNotCommitted");

    // Broken encodings and unknown parties are refused before anything is stored.
    let mut broken = body.clone();
    broken["sealed_norms"] = "***".into();
    let (status, error) = post_raw(&demo.url, "/v1/norms", broken.to_string().as_bytes());
    assert_eq!((status, error["code"].as_str()), (400, Some("BadEncoding")));
    let mut stranger = body.clone();
    stranger["enclave"] = "ENCLAVE-NOBODY".into();
    let (status, error) = post_raw(&demo.url, "/v1/norms", stranger.to_string().as_bytes());
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("UnknownEnclave"))
    );
    let (status, error) = post_raw(&demo.url, "/v1/norms", b"{\"enterprise\":1}");
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("MalformedJson"))
    );
    // Comparisons: the demo has one shirt maker, so k = 5 holds every group back.
    let ask = serde_json::json!({ "hs_code": "6205", "subject": GARMENT });
    let (status, comparison) = post_raw(&demo.url, "/v1/comparisons", ask.to_string().as_bytes());
    assert_eq!(status, 200, "{comparison}");
    assert_eq!(comparison["k"], 5);
    assert_eq!(comparison["enterprises"], 1);
    assert_eq!(comparison["groups"], serde_json::json!([]));
    assert!(
        comparison["withheld_groups"].as_u64().unwrap() >= 1,
        "{comparison}"
    );
    let bad = serde_json::json!({ "hs_code": "62x" });
    let (status, error) = post_raw(&demo.url, "/v1/comparisons", bad.to_string().as_bytes());
    assert_eq!(
        (status, error["code"].as_str()),
        (422, Some("BadComparison"))
    );
    // The customs enclave's process dies; the next verification starts it again.
    let enclave_folder = data.join("enclave");
    let pid = enclave_pid(&enclave_folder).expect("the customs enclave runs");
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status();
    assert!(killed.expect("kill runs").success());
    let ask = serde_json::json!({ "enterprise": GARMENT });
    let (status, verdict) = post_raw(&demo.url, "/v1/verifications", ask.to_string().as_bytes());
    assert_eq!(status, 200, "{verdict}");
    let restarted = enclave_pid(&enclave_folder).expect("a new enclave runs");
    assert_ne!(restarted, pid);

    let unknown = serde_json::json!({ "enterprise": "ENT-NOBODY" });
    let (status, error) = post_raw(
        &demo.url,
        "/v1/verifications",
        unknown.to_string().as_bytes(),
    );
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("UnknownEnterprise"))
    );
    demo.stop();
}
