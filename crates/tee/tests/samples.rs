//! The verifier on real Intel quotes: `dcap-qvl`'s own samples (tests/data/README.md), anchored
//! at Intel's SGX Root CA, with the statuses `dcap-qvl`'s tests expect.

use bonded_tee::{Collateral, QuoteVerifier, TcbStatus, TrustAnchor, VerifiedReport, VerifyError};

fn sample(name: &str) -> (Vec<u8>, Collateral) {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let quote = std::fs::read(folder.join(name)).expect("sample quote");
    let collateral = std::fs::read(folder.join(format!("{name}_collateral.json"))).expect("json");
    (
        quote,
        Collateral::from_json(&collateral).expect("sample collateral"),
    )
}

fn intel() -> QuoteVerifier {
    QuoteVerifier::new(TrustAnchor::intel_sgx_root())
}

/// 2025-06-20T00:00:00Z, inside the SGX and TDX samples' collateral validity.
const JUNE_2025_MS: i64 = 1_750_377_600_000;
/// 2026-02-19T00:00:00Z, inside the outdated TDX sample's collateral validity.
const FEBRUARY_2026_MS: i64 = 1_771_459_200_000;

#[test]
fn samples_report_their_expected_status() {
    let cases = [
        (
            "sgx_quote",
            JUNE_2025_MS,
            TcbStatus::ConfigurationAndSwHardeningNeeded,
        ),
        ("tdx_quote", JUNE_2025_MS, TcbStatus::UpToDate),
    ];
    for (name, at_ms, expected) in cases {
        let (quote, collateral) = sample(name);
        let verified = intel().verify(&quote, &collateral, at_ms).expect(name);
        assert_eq!(verified.status, expected, "{name}");
        assert_eq!(
            verified.anchor_fingerprint,
            TrustAnchor::intel_sgx_root().fingerprint()
        );
    }
}

/// `dcap-qvl`'s tests verify this quote only after overriding the TCB info (feature
/// `danger-allow-tcb-override`, which we do not enable): as served, its collateral has no TCB
/// level the platform meets, and the verifier rejects it rather than report a status.
#[test]
fn outdated_tdx_sample_matches_no_tcb_level() {
    let (quote, collateral) = sample("tdx_quote_outdated");
    let error = intel()
        .verify(&quote, &collateral, FEBRUARY_2026_MS)
        .expect_err("no level");
    assert_eq!(
        error,
        VerifyError::Rejected {
            reason: "No matching TCB level found".into()
        }
    );
}

#[test]
fn tdx_sample_reports_a_trust_domain() {
    let (quote, collateral) = sample("tdx_quote");
    let verified = intel()
        .verify(&quote, &collateral, JUNE_2025_MS)
        .expect("verifies");
    assert!(matches!(
        verified.report,
        VerifiedReport::Tdx { debug: false, .. }
    ));
    assert!(verified.sgx_identity().is_none());
}

#[test]
fn sgx_sample_reports_its_identity_and_advisories() {
    let (quote, collateral) = sample("sgx_quote");
    let verified = intel()
        .verify(&quote, &collateral, JUNE_2025_MS)
        .expect("verifies");
    assert_eq!(verified.advisory_ids, ["INTEL-SA-00289", "INTEL-SA-00615"]);
    let VerifiedReport::Sgx {
        identity,
        report_data,
    } = &verified.report
    else {
        panic!("an SGX quote gives an SGX report");
    };
    // The fields are those of the report body in the quote bytes.
    assert_eq!(&quote[48 + 64..48 + 96], &identity.mr_enclave.0);
    assert_eq!(&quote[48 + 128..48 + 160], &identity.mr_signer.0);
    assert_eq!(&quote[48 + 320..48 + 384], &report_data.0);
}

#[test]
fn sample_is_rejected_after_its_collateral_expires() {
    let (quote, collateral) = sample("sgx_quote");
    let a_year_later = JUNE_2025_MS + 365 * 24 * 3_600_000;
    let error = intel()
        .verify(&quote, &collateral, a_year_later)
        .expect_err("expired");
    assert!(matches!(error, VerifyError::Rejected { .. }), "{error}");
}
