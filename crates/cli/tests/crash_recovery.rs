//! A node killed with SIGKILL in the middle of a stream of submissions loses no receipted
//! transaction, and its chain still verifies.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;

const REQUEST_TRANSACTIONS: u64 = 20;

#[test]
fn every_receipted_transaction_survives_a_kill() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("demo");
    let demo = Demo::start(&data);
    let customs = demo.key("customs");
    let url = demo.url.clone();

    let receipted = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let submitter = {
        let receipted = receipted.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut number = 105_000_000_000u64;
            while !stop.load(Ordering::Relaxed) {
                let envelopes: Vec<_> = (0..REQUEST_TRANSACTIONS)
                    .map(|offset| {
                        sign(
                            &customs,
                            GARMENT,
                            number + offset,
                            cotton_import(number + offset),
                        )
                    })
                    .collect();
                number += REQUEST_TRANSACTIONS;
                let encoded: Vec<String> = envelopes
                    .iter()
                    .map(|e| {
                        base64::Engine::encode(
                            &base64::engine::general_purpose::STANDARD,
                            e.as_bytes(),
                        )
                    })
                    .collect();
                let body = serde_json::json!({ "transactions": encoded }).to_string();
                let Ok(mut response) = agent()
                    .post(&format!("{url}/v1/transactions"))
                    .content_type("application/json")
                    .send(body.as_bytes())
                else {
                    return;
                };
                let Ok(text) = response.body_mut().read_to_string() else {
                    return;
                };
                let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
                for result in parsed["results"].as_array().unwrap() {
                    if result["status"] == "accepted" {
                        let hash = result["receipt"]["transaction_hash"].as_str().unwrap();
                        receipted.lock().unwrap().push(hash.to_string());
                    }
                }
            }
        })
    };

    // Let a few hundred transactions through, then pull the plug mid-stream.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while receipted.lock().unwrap().len() < 300 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    demo.crash();
    stop.store(true, Ordering::Relaxed);
    submitter.join().unwrap();
    let receipted = receipted.lock().unwrap().clone();
    assert!(
        receipted.len() >= 300,
        "only {} receipts before the crash",
        receipted.len()
    );

    let restarted = Demo::start(&data);
    for hash in &receipted {
        let (status, view) = get(&restarted.url, &format!("/v1/transactions/{hash}"));
        assert_eq!(
            status, 200,
            "receipted transaction {hash} is missing after the crash"
        );
        assert_eq!(view["transaction_hash"], hash.as_str());
    }
    restarted.stop();

    let verified = run(&["verify", "--data", data.join("node").to_str().unwrap()]);
    let summary: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert!(verified.status.success(), "{summary}");
    assert!(summary["transactions"].as_u64().unwrap() >= receipted.len() as u64);
}
