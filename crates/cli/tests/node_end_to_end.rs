//! The demo network end to end through the real binary: serve, submit CSV, query, verify,
//! reopen.

mod common;

use common::*;

#[test]
fn demo_serves_submits_queries_verifies_and_reopens() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("demo");
    let demo = Demo::start(&data);

    let (status, health) = get(&demo.url, "/v1/health");
    assert_eq!(status, 200);
    assert_eq!(health["leader"], 1);
    assert_eq!(health["chain_id"], "bonded-demo");
    let channels = heads(&demo.url);
    assert_eq!(channels.as_array().unwrap().len(), 4, "{channels}");
    let (status, openapi) = get(&demo.url, "/v1/openapi.json");
    assert_eq!(status, 200);
    assert!(
        openapi["paths"]["/v1/transactions"].is_object(),
        "{openapi}"
    );

    // One good declaration, then rows that must be refused with their line numbers.
    let csv = folder.path().join("declarations.csv");
    std::fs::write(
        &csv,
        "declaration_no,type_code,date,line_no,item_code,quantity,unit,value_vnd\n\
         104888000001,E31,2026-12-01,1,NL-COTTON,1200.5,MTR,62426000\n\
         104888000001,E31,2026-12-01,2,NL-THREAD,35000,GRM,1820000\n\
         104888000002,E31,2026-12-01,1,NL-COTTON,10,KGM,1000\n\
         104888000003,E31,2026-12-01,1,NL-COTTON,-4,MTR,1000\n\
         104888000004,X77,2026-12-01,1,NL-COTTON,4,MTR,1000\n\
         104888000005,E31,2026-12-01,1,NL-COTTON,4,QQQ,1000\n",
    )
    .unwrap();
    let key = data.join("keys/customs.pem");
    let output = run(&[
        "submit",
        "--node",
        &demo.url,
        "--key",
        key.to_str().unwrap(),
        "--enterprise",
        GARMENT,
        csv.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "rejections make the exit code non-zero"
    );
    let accepted: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(accepted.len(), 1, "{stdout}");
    assert!(
        stderr.contains("declarations.csv:4: rejected: UnitMismatch"),
        "{stderr}"
    );
    assert!(
        stderr.contains("declarations.csv:5: rejected: column quantity"),
        "{stderr}"
    );
    assert!(
        stderr.contains("declarations.csv:6: rejected: column type_code"),
        "{stderr}"
    );
    assert!(
        stderr.contains("declarations.csv:7: rejected: column unit"),
        "{stderr}"
    );

    // Submitting the same file again is refused as a replay, not recorded twice.
    let again = run(&[
        "submit",
        "--node",
        &demo.url,
        "--key",
        key.to_str().unwrap(),
        "--enterprise",
        GARMENT,
        csv.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("rejected: Replayed"));

    let hash = accepted[0]["tx_hash"].as_str().unwrap();
    let query = run(&["query", "--node", &demo.url, "tx", hash]);
    assert!(query.status.success());
    let view: serde_json::Value = serde_json::from_slice(&query.stdout).unwrap();
    assert_eq!(view["height"], accepted[0]["height"]);
    assert_eq!(
        view["body"]["payload"]["declaration"]["number"],
        "104888000001"
    );
    assert!(view["receipt"]["proof"].is_array());
    let missing = run(&["query", "--node", &demo.url, "tx", &"ab".repeat(32)]);
    assert!(!missing.status.success());

    let before = heads(&demo.url);
    demo.stop();
    let verified = run(&["verify", "--data", data.join("node").to_str().unwrap()]);
    let summary: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert!(verified.status.success(), "{summary}");
    assert_eq!(summary["ok"], true);

    // Reopening keeps every block: the channel that moved since its last verdict gets a new
    // verdict on top, the others stay exactly as they were.
    let reopened = Demo::start(&data);
    let after = heads(&reopened.url);
    for head in before.as_array().unwrap() {
        let (channel, height) = (head["channel"].as_str().unwrap(), &head["height"]);
        let (status, block) = get(
            &reopened.url,
            &format!("/v1/channels/{channel}/blocks/{height}"),
        );
        assert_eq!(status, 200);
        assert_eq!(
            block["hash"], head["hash"],
            "{channel} kept its block {height}"
        );
        let now = after
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["channel"] == channel)
            .unwrap();
        let grew = now["height"].as_u64().unwrap() - height.as_u64().unwrap();
        assert_eq!(grew, u64::from(channel == GARMENT), "{channel}: {now}");
    }
    reopened.stop();

    // Nothing changed since: a second reopen records nothing.
    let again = Demo::start(&data);
    assert_eq!(heads(&again.url), after);
    again.stop();
}

#[test]
fn keygen_writes_a_key_and_refuses_to_overwrite_it() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("k.pem");
    let first = run(&["keygen", "--out", path.to_str().unwrap()]);
    assert!(first.status.success());
    let line: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(line["public_key"].as_str().unwrap().len(), 64);
    let second = run(&["keygen", "--out", path.to_str().unwrap()]);
    assert!(!second.status.success());
}

#[test]
fn every_command_has_help() {
    for command in [
        "demo", "node", "keygen", "submit", "query", "verify", "bench", "norms", "verdict",
    ] {
        let output = run(&[command, "--help"]);
        assert!(output.status.success(), "{command} --help");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{command}"
        );
    }
}

/// The demo reconciles each enterprise from its ledger records and its own norms file: the
/// garment enterprise's cotton leak is found, the others balance, and the written bundle gives
/// the same report through `bonded reconcile`.
#[test]
fn demo_reconciles_each_enterprise_from_the_ledger() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("demo");
    Demo::start(&data).stop();
    let report = |enterprise: &str| -> serde_json::Value {
        let path = data.join("reports").join(enterprise).join("report.json");
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };

    let garment = report(GARMENT);
    let cotton = garment["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["code"] == "NL-COTTON")
        .expect("a cotton row");
    // 12 months of 30,000 m in seasonal shares sum to 360,000 m; shirts 1.45 m + 3 % and
    // jackets 2.4 m at 4 % of gross consume 1.4935 × 144,000 + 2.5 × 24,000 = 275,064 m; 3 %
    // of the imports stays in the warehouse: 360,000 − 275,064 − 10,800 = 74,136 m unexplained.
    assert_eq!(cotton["imported"], "360000");
    assert_eq!(cotton["consumed_by_exports"], "275064");
    assert_eq!(cotton["unexplained"], "74136");
    let rules: Vec<&str> = garment["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["subject"] == "NL-COTTON")
        .map(|finding| finding["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"NRM-TRACEABILITY"), "{rules:?}");

    let footwear = report(FOOTWEAR);
    assert_eq!(
        footwear["summary"]["critical"], 0,
        "{}",
        footwear["findings"]
    );
    assert_eq!(
        footwear["summary"]["warning"], 0,
        "{}",
        footwear["findings"]
    );

    let bundle = data.join("reports").join(GARMENT);
    let output = run(&["reconcile", bundle.to_str().unwrap(), "--format", "json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let again: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(again, garment);
}
