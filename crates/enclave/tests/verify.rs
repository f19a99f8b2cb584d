//! Verification through the real enclave process: the signed verdict, its agreement with a
//! reconciliation run in the clear, the norms never leaving the process, and refusals that leave
//! the enclave serving.

mod common;

use bonded_enclave::protocol::{ErrorCode, Request, Response, Verdict};
use bonded_enclave::verdict::signed_message;
use bonded_reconcile::{reconcile, render, BundleInput, Policy};
use common::*;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

fn direct_report() -> serde_json::Value {
    let mut input = BundleInput::default();
    input.set("items.csv", ITEMS.as_bytes());
    input.set("declarations.csv", DECLARATIONS.as_bytes());
    input.set("norms.csv", NORMS_CSV.as_bytes());
    let report = reconcile(&input, &Policy::default(), None, None).expect("direct reconcile");
    serde_json::from_slice(&render::json(&report).expect("json")).expect("report JSON")
}

fn expect_verdict(response: Response) -> Verdict {
    match response {
        Response::Verdict(verdict) => verdict,
        other => panic!("expected a verdict, got {other:?}"),
    }
}

fn expect_error(response: Response) -> ErrorCode {
    match response {
        Response::Error { code, message } => {
            for value in SECRET_VALUES {
                assert!(
                    !message.contains(value),
                    "the error quotes a norm: {message}"
                );
            }
            code
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn the_verdict_is_signed_and_agrees_with_reconcile_in_the_clear() {
    let data = tempfile::tempdir().expect("data folder");
    let SealedSession {
        mut enclave,
        identity,
        commitment,
        sealed,
        ..
    } = sealed_session(data.path());

    let request = Request::Verify(verify_request(sealed, &commitment));
    let verdict = expect_verdict(enclave.request(&request).expect("verify"));
    shutdown(&mut enclave);

    // The signature covers the report's hash under the attested verdict key.
    let report_sha256: [u8; 32] = Sha256::digest(verdict.report.as_bytes()).into();
    assert_eq!(verdict.report_sha256, hex::encode(report_sha256));
    assert_eq!(verdict.commitment, hex::encode(commitment));
    let mut key = [0u8; 32];
    hex::decode_to_slice(&identity.verdict_key, &mut key).expect("key hex");
    let key = VerifyingKey::from_bytes(&key).expect("verdict key");
    let mut signature = [0u8; 64];
    hex::decode_to_slice(&verdict.signature, &mut signature).expect("signature hex");
    let message = signed_message(CHAIN_ID, ENTERPRISE, &commitment, &report_sha256);
    key.verify(&message, &Signature::from_bytes(&signature))
        .expect("the verdict signature verifies");
    let other = signed_message(CHAIN_ID, "0399999999", &commitment, &report_sha256);
    assert!(key
        .verify(&other, &Signature::from_bytes(&signature))
        .is_err());

    // Same balances as in the clear; the clear report quotes the loss that the verdict hides.
    let report: serde_json::Value = serde_json::from_str(&verdict.report).expect("report JSON");
    let direct = direct_report();
    assert_eq!(report["materials"], direct["materials"]);
    assert_eq!(report["products"], direct["products"]);
    assert_eq!(report["summary"], direct["summary"]);
    assert!(
        direct.to_string().contains("12.345678"),
        "the fixture triggers NRM-LOSS-CAP"
    );
    for value in SECRET_VALUES {
        assert!(!verdict.report.contains(value), "the report states {value}");
    }
}

#[test]
fn norm_values_appear_nowhere_in_the_enclave_output() {
    let data = tempfile::tempdir().expect("data folder");
    let SealedSession {
        mut enclave,
        opening,
        commitment,
        sealed,
        ..
    } = sealed_session(data.path());
    let request = Request::Verify(verify_request(sealed.clone(), &commitment));
    expect_verdict(enclave.request(&request).expect("verify"));
    let wrong = Request::Verify(verify_request(sealed, &[1; 32]));
    expect_error(enclave.request(&wrong).expect("refusal"));
    shutdown(&mut enclave);

    let (stdout, stderr) = (enclave.transcript(), enclave.log());
    assert!(!stderr.is_empty(), "the enclave logs");
    let effective = bonded_enclave::redact::secret_tokens(opening.set.rows());
    for value in SECRET_VALUES
        .iter()
        .copied()
        .chain(effective.iter().map(String::as_str))
    {
        assert!(!contains(&stdout, value), "stdout holds {value}");
        assert!(!contains(&stderr, value), "stderr holds {value}");
    }
    for entry in std::fs::read_dir(data.path()).expect("data folder") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("file");
        assert!(SECRET_VALUES.iter().all(|value| !contains(&bytes, value)));
    }
}

#[test]
fn refusals_leave_the_enclave_serving() {
    let data = tempfile::tempdir().expect("data folder");
    let SealedSession {
        mut enclave,
        commitment,
        sealed,
        ..
    } = sealed_session(data.path());

    // The ledger's commitment is not the one the envelope was sealed for.
    let mut other = commitment;
    other[0] ^= 1;
    let mismatch = Request::Verify(verify_request(sealed.clone(), &other));
    let code = expect_error(enclave.request(&mismatch).expect("mismatch"));
    assert_eq!(code, ErrorCode::EnvelopeUnauthentic);

    // One ciphertext bit flipped by the host.
    let mut bytes = decode64(&sealed);
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    let tampered = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes);
    let request = Request::Verify(verify_request(tampered, &commitment));
    let code = expect_error(enclave.request(&request).expect("tampered"));
    assert_eq!(code, ErrorCode::EnvelopeUnauthentic);

    // A truncated envelope, and norms supplied by the host.
    let request = Request::Verify(verify_request("AQID".into(), &commitment));
    let code = expect_error(enclave.request(&request).expect("short"));
    assert_eq!(code, ErrorCode::EnvelopeMalformed);
    let mut with_norms = verify_request(sealed.clone(), &commitment);
    with_norms.bundle.insert("norms.csv".into(), "".into());
    let code = expect_error(
        enclave
            .request(&Request::Verify(with_norms))
            .expect("norms"),
    );
    assert_eq!(code, ErrorCode::BadBundle);

    // Still serving: the honest request gets its verdict.
    let request = Request::Verify(verify_request(sealed, &commitment));
    expect_verdict(enclave.request(&request).expect("verify after refusals"));
    shutdown(&mut enclave);
}
