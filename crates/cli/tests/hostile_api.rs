//! Bad requests get a clear 4xx or a named rejection, and change nothing.

mod common;

use bonded_ledger::{Payload, SignedTransaction};
use bonded_model::{HsCode, Item, ItemKind, Unit};
use common::*;
use ed25519_dalek::SigningKey;

#[test]
fn hostile_requests_are_refused_and_change_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let demo = Demo::start(&folder.path().join("demo"));
    let url = demo.url.clone();
    let before = heads(&url);

    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "not json",
            b"{\"transactions\": [".to_vec(),
            400,
            "MalformedJson",
        ),
        (
            "wrong shape",
            br#"{"transactions": 5}"#.to_vec(),
            400,
            "MalformedJson",
        ),
        (
            "empty list",
            br#"{"transactions": []}"#.to_vec(),
            400,
            "BatchSize",
        ),
        (
            "bad base64",
            br#"{"transactions": ["***"]}"#.to_vec(),
            400,
            "MalformedEnvelope",
        ),
        (
            "truncated envelope",
            br#"{"transactions": ["AQID"]}"#.to_vec(),
            400,
            "MalformedEnvelope",
        ),
        (
            "bad utf-8",
            b"{\"transactions\": [\"\xff\xfe\"]}".to_vec(),
            400,
            "MalformedJson",
        ),
    ];
    for (name, body, status, code) in cases {
        let (got, answer) = post_raw(&url, "/v1/transactions", &body);
        assert_eq!(got, status, "{name}: {answer}");
        assert_eq!(answer["code"], code, "{name}: {answer}");
    }

    let oversize = vec![b' '; 33 * 1024 * 1024];
    assert!(
        refuses_oversize(&url, "/v1/transactions", &oversize),
        "an oversize body is refused"
    );

    let (status, answer) = get(&url, "/v1/transactions/not-a-hash");
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("MalformedHash"))
    );
    let (status, _) = get(&url, &format!("/v1/transactions/{}", "0".repeat(64)));
    assert_eq!(status, 404);
    let (status, _) = get(&url, "/v1/channels/nowhere/blocks/0");
    assert_eq!(status, 404);

    let customs = demo.key("customs");
    let footwear = demo.key(FOOTWEAR);
    let stranger = SigningKey::from_bytes(&[42u8; 32]);
    let item = Payload::Item(Item {
        code: "NL-SMUGGLED".into(),
        kind: ItemKind::Material,
        name: "Item written into another enterprise's channel".into(),
        unit: Unit::Kilogram,
        hs_code: HsCode("52010000".into()),
    });
    let mut forged = sign(&customs, GARMENT, 1, cotton_import(106_000_000_001)).into_bytes();
    forged[40] ^= 0x01; // inside the signature
    let valid = sign(&customs, GARMENT, 2, cotton_import(106_000_000_002));
    let rows = [
        (
            SignedTransaction::from_bytes(forged).unwrap(),
            "BadSignature",
        ),
        (
            sign(&stranger, GARMENT, 3, cotton_import(106_000_000_003)),
            "UnregisteredSigner",
        ),
        (sign(&footwear, GARMENT, 4, item), "ChannelNotOwned"),
        (
            sign(&footwear, FOOTWEAR, 5, cotton_import(106_000_000_005)),
            "SignerNotAuthorized",
        ),
        (
            sign(&customs, GARMENT, 6, cotton_import(102_202_601_001)),
            "DuplicateDeclaration",
        ),
    ];
    let envelopes: Vec<SignedTransaction> = rows.iter().map(|(e, _)| e.clone()).collect();
    let (status, answer) = submit(&url, &envelopes);
    assert_eq!(status, 200);
    for (index, (_, code)) in rows.iter().enumerate() {
        let result = &answer["results"][index];
        assert_eq!(result["status"], "rejected", "{index}: {result}");
        assert_eq!(result["reason_code"], *code, "{index}: {result}");
    }
    assert_eq!(
        heads(&url),
        before,
        "refused transactions changed the ledger"
    );

    // A valid one goes through once; the same envelope again is a replay.
    let (_, first) = submit(&url, std::slice::from_ref(&valid));
    assert_eq!(first["results"][0]["status"], "accepted", "{first}");
    let after_one = heads(&url);
    let (_, second) = submit(&url, &[valid]);
    assert_eq!(second["results"][0]["reason_code"], "Replayed");
    assert_eq!(heads(&url), after_one);
    demo.stop();
}

#[test]
fn hostile_verifier_requests_are_refused_and_change_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let demo = Demo::start(&folder.path().join("demo"));
    let url = demo.url.clone();
    let before = heads(&url);
    let big = format!(
        "{{\"enterprise\":\"{GARMENT}\",\"enclave\":\"x\",\"commitment\":\"00\",\"sealed_norms\":\"{}\"}}",
        "A".repeat(33 * 1024 * 1024)
    );
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("norms: not json", "/v1/norms", b"{".to_vec(), 400, "MalformedJson"),
        (
            "norms: unknown field",
            "/v1/norms",
            br#"{"enterprise":"a","enclave":"b","commitment":"c","sealed_norms":"","x":1}"#.to_vec(),
            400,
            "MalformedJson",
        ),
        (
            "norms: a one-byte envelope",
            "/v1/norms",
            format!(r#"{{"enterprise":"{GARMENT}","enclave":"ENCLAVE-NONE","commitment":"zz","sealed_norms":"AQ=="}}"#)
                .into_bytes(),
            400,
            "MalformedEnvelope",
        ),
        ("verify: not json", "/v1/verifications", b"[]".to_vec(), 400, "MalformedJson"),
        (
            "verify: bad date",
            "/v1/verifications",
            format!(r#"{{"enterprise":"{GARMENT}","from":"2026-13-01"}}"#).into_bytes(),
            400,
            "MalformedJson",
        ),
        (
            "verify: zero byte id",
            "/v1/verifications",
            br#"{"enterprise":"ENT\u0000"}"#.to_vec(),
            404,
            "UnknownEnterprise",
        ),
        (
            "compare: hs code too long",
            "/v1/comparisons",
            br#"{"hs_code":"123456789012"}"#.to_vec(),
            422,
            "BadComparison",
        ),
    ];
    assert!(
        refuses_oversize(&url, "/v1/norms", big.as_bytes()),
        "an oversize envelope is refused"
    );
    for (what, path, body, status, code) in cases {
        let (got, error) = post_raw(&url, path, &body);
        assert_eq!(got, status, "{what}: {error}");
        if !code.is_empty() {
            assert_eq!(error["code"], code, "{what}: {error}");
        }
    }
    for (path, status) in [
        ("/v1/reports/zz", 400),
        (&format!("/v1/reports/{}", "ab".repeat(32)), 404),
        ("/v1/keys/not-hex", 400),
        ("/v1/enterprises/ENT-NOBODY/clearance", 404),
    ] {
        let (got, _) = get(&url, path);
        assert_eq!(got, status, "{path}");
    }
    assert_eq!(heads(&url), before, "nothing was recorded");
    demo.stop();
}

/// A client that starts a request and never finishes its head is disconnected, and so is one
/// that connects and says nothing; a well-behaved client is served meanwhile.
#[test]
fn slow_clients_are_disconnected() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    let folder = tempfile::tempdir().unwrap();
    let demo = Demo::start(&folder.path().join("demo"));
    let address = demo.url.trim_start_matches("http://").to_string();
    let mut partial = TcpStream::connect(&address).unwrap();
    partial
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: bonded\r\nX-Slow: ")
        .unwrap();
    let mut silent = TcpStream::connect(&address).unwrap();
    let (status, _) = get(&demo.url, "/v1/health");
    assert_eq!(status, 200, "other clients are served meanwhile");
    // Generous bound: the node's limit is 10 s; a node without one never closes.
    let patience = Duration::from_secs(60);
    for (name, stream) in [("partial head", &mut partial), ("silent", &mut silent)] {
        stream.set_read_timeout(Some(patience)).unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let closed = stream.read_to_end(&mut answer).is_ok();
        assert!(
            closed && started.elapsed() < patience,
            "the {name} connection was not closed"
        );
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 408"),
            "the {name} connection got {text:?}"
        );
    }
    demo.stop();
}

/// JSON nested past any sane depth, and bodies of the wrong type, get a clear 4xx.
#[test]
fn deep_json_and_wrong_content_types_are_refused() {
    let folder = tempfile::tempdir().unwrap();
    let demo = Demo::start(&folder.path().join("demo"));
    let before = heads(&demo.url);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for path in [
        "/v1/transactions",
        "/v1/norms",
        "/v1/verifications",
        "/v1/comparisons",
    ] {
        let (status, answer) = post_raw(&demo.url, path, deep.as_bytes());
        assert_eq!(status, 400, "{path}: {answer}");
        assert_eq!(answer["code"], "MalformedJson", "{path}: {answer}");
    }
    let response = agent()
        .post(&format!("{}/portal/norms", demo.url))
        .content_type("text/plain")
        .send(b"csrf=x".as_slice())
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        415,
        "a norm post that is not JSON"
    );
    let response = agent()
        .post(&format!("{}/portal/norms", demo.url))
        .content_type("application/json")
        .send(deep.as_bytes())
        .unwrap();
    assert!(
        (400..500).contains(&response.status().as_u16()),
        "deep JSON to the portal: {}",
        response.status()
    );
    assert_eq!(
        heads(&demo.url),
        before,
        "refused requests changed the ledger"
    );
    demo.stop();
}
