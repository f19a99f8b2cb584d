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
    let (status, _) = post_raw(&url, "/v1/transactions", &oversize);
    assert_eq!(status, 413, "an oversize body is refused");

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
