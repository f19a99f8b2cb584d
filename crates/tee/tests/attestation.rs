//! Simulated attestation end to end: quote, collateral, verification against the simulated
//! root at a given time, and the acceptance policies.

mod common;

use bonded_tee::quote::{REPORT_BODY_OFFSET, REPORT_DATA_OFFSET_IN_BODY};
use bonded_tee::{
    ApprovedMeasurement, ApprovedMeasurements, AttestationError, CollateralSource, Platform,
    Policy, QuoteVerifier, Refusal, ReportData, SimulatedSgx, SimulationSettings, TcbStatus,
    TrustAnchor, VerifiedReport, VerifyError,
};
use common::*;

fn binding() -> ReportData {
    ReportData::binding(
        &[b"enclave signing key", b"enclave hpke key"],
        b"bonded-demo-chain",
    )
}

fn approved_for(platform: &SimulatedSgx) -> ApprovedMeasurements {
    let mr_enclave = platform.identity().mr_enclave;
    ApprovedMeasurements(vec![ApprovedMeasurement::Enclave { mr_enclave }])
}

#[test]
fn simulated_quote_verifies_against_the_simulated_root() {
    let platform = platform();
    let quote = platform.quote(&binding()).expect("quote");
    let collateral = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral");

    let verifier = QuoteVerifier::new(platform.attestation_root());
    let verified = verifier
        .verify(quote.as_bytes(), &collateral, BLOCK_TIME_MS)
        .expect("verifies");

    assert_eq!(verified.status, TcbStatus::UpToDate);
    assert!(verified.advisory_ids.is_empty());
    assert!(verified.debug(), "a simulated enclave is a debug enclave");
    let VerifiedReport::Sgx {
        identity,
        report_data,
    } = &verified.report
    else {
        panic!("a simulated SGX quote gives an SGX report");
    };
    assert_eq!(identity, platform.identity());
    assert_eq!(identity.product_id, PRODUCT_ID);
    assert_eq!(identity.security_version, 1);
    assert_eq!(*report_data, binding());
    assert_eq!(quote.as_bytes()[0..2], [3, 0], "DCAP quote version 3");
}

#[test]
fn quote_layout_is_dcap_v3() {
    let quote = platform().quote(&binding()).expect("quote").into_bytes();
    let u16_at = |at: usize| u16::from_le_bytes([quote[at], quote[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(quote[at..at + 4].try_into().unwrap());

    assert_eq!(u16_at(0), 3);
    assert_eq!(u16_at(2), 2, "ECDSA-256 with P-256");
    assert_eq!(u32_at(4), 0, "SGX");
    assert_eq!(
        u32_at(432) as usize,
        quote.len() - 436,
        "signature data length"
    );
    let data = REPORT_BODY_OFFSET + REPORT_DATA_OFFSET_IN_BODY;
    assert_eq!(&quote[data..data + 64], &binding().0);
    // Certification data: after 64 + 64 + 384 + 64 bytes, 2 + 32 of QE authentication data.
    let certification = 436 + 64 + 64 + 384 + 64 + 2 + 32;
    assert_eq!(u16_at(certification), 5, "PCK certificate chain");
    let chain = &quote[certification + 6..];
    assert_eq!(u32_at(certification + 2) as usize, chain.len());
    let pem = std::str::from_utf8(chain).expect("PEM");
    assert_eq!(
        pem.matches("-----BEGIN CERTIFICATE-----").count(),
        3,
        "leaf, CA, root"
    );
}

#[test]
fn the_same_secret_gives_the_same_quote_and_root() {
    let program = program(b"enclave code v1", 1);
    let first = platform_with(9, &program);
    let second = platform_with(9, &program);
    assert_eq!(first.attestation_root(), second.attestation_root());
    assert_eq!(
        first.quote(&binding()).unwrap(),
        second.quote(&binding()).unwrap()
    );
    assert_ne!(
        first.attestation_root(),
        platform_with(10, &program).attestation_root()
    );
}

#[test]
fn a_tampered_report_body_is_rejected() {
    let platform = platform();
    let quote = platform.quote(&binding()).expect("quote").into_bytes();
    let collateral = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral");
    let verifier = QuoteVerifier::new(platform.attestation_root());

    // One byte of MRENCLAVE, of the security version, of the report data, and of the header.
    for offset in [
        REPORT_BODY_OFFSET + 64,
        REPORT_BODY_OFFSET + 258,
        REPORT_BODY_OFFSET + 330,
        9,
    ] {
        let mut tampered = quote.clone();
        tampered[offset] ^= 0x01;
        let error = verifier
            .verify(&tampered, &collateral, BLOCK_TIME_MS)
            .expect_err("tampered");
        assert!(
            matches!(error, VerifyError::Rejected { .. }),
            "offset {offset}: {error}"
        );
    }
}

#[test]
fn a_quote_is_rejected_under_another_root() {
    let platform = platform();
    let quote = platform.quote(&binding()).expect("quote");
    let collateral = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral");
    let other_root = platform_with(2, &program(b"enclave code v1", 1)).attestation_root();

    for anchor in [other_root, TrustAnchor::intel_sgx_root()] {
        let verifier = QuoteVerifier::new(anchor);
        let error = verifier.verify(quote.as_bytes(), &collateral, BLOCK_TIME_MS);
        assert!(
            matches!(error, Err(VerifyError::Rejected { .. })),
            "{error:?}"
        );
    }
}

#[test]
fn certificates_outside_their_validity_are_rejected() {
    let settings = SimulationSettings {
        certificates_valid_from_ms: BLOCK_TIME_MS,
        certificates_valid_until_ms: BLOCK_TIME_MS + 10 * DAY_MS,
        ..SimulationSettings::default()
    };
    let platform = SimulatedSgx::from_secret([3; 32], &program(b"code", 1), settings).unwrap();
    let quote = platform.quote(&binding()).expect("quote");
    let verifier = QuoteVerifier::new(platform.attestation_root());

    // Collateral is fresh at each time, so only the certificates' validity is in question.
    let verify_at = |at_ms: i64| {
        let collateral = platform.collateral(at_ms - HOUR_MS).expect("collateral");
        verifier.verify(quote.as_bytes(), &collateral, at_ms)
    };
    assert!(
        verify_at(BLOCK_TIME_MS + DAY_MS).is_ok(),
        "inside the validity"
    );
    let before = verify_at(BLOCK_TIME_MS - DAY_MS).expect_err("not yet valid");
    assert!(before.to_string().contains("CertNotValidYet"), "{before}");
    let after = verify_at(BLOCK_TIME_MS + 11 * DAY_MS).expect_err("expired");
    assert!(after.to_string().contains("CertExpired"), "{after}");
}

#[test]
fn collateral_outside_its_validity_is_rejected() {
    let platform = platform();
    let quote = platform.quote(&binding()).expect("quote");
    let collateral = platform.collateral(BLOCK_TIME_MS).expect("collateral");
    let verifier = QuoteVerifier::new(platform.attestation_root());

    for at_ms in [BLOCK_TIME_MS - HOUR_MS, BLOCK_TIME_MS + 31 * DAY_MS] {
        let error = verifier.verify(quote.as_bytes(), &collateral, at_ms);
        assert!(
            matches!(error, Err(VerifyError::Rejected { .. })),
            "at {at_ms}: {error:?}"
        );
    }
}

#[test]
fn a_platform_below_the_latest_tcb_is_out_of_date() {
    let settings = SimulationSettings {
        cpu_security_version: [1; 16],
        ..SimulationSettings::default()
    };
    let platform = SimulatedSgx::from_secret([4; 32], &program(b"code", 1), settings).unwrap();
    let quote = platform.quote(&binding()).expect("quote");
    let collateral = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral");
    let verified = QuoteVerifier::new(platform.attestation_root())
        .verify(quote.as_bytes(), &collateral, BLOCK_TIME_MS)
        .expect("verifies");
    assert_eq!(verified.status, TcbStatus::OutOfDate);
    assert_eq!(verified.advisory_ids, ["BONDED-SIMULATED-OUT-OF-DATE"]);
}

#[test]
fn test_policy_accepts_a_simulated_enclave_and_says_so() {
    let platform = platform();
    let quote = platform.quote(&binding()).expect("quote");
    let collateral = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral");
    let policy = Policy::test(platform.attestation_root());

    let accepted = policy
        .verify(
            quote.as_bytes(),
            &collateral,
            BLOCK_TIME_MS,
            &approved_for(&platform),
            &binding(),
        )
        .expect("accepted");
    assert_eq!(&accepted.identity, platform.identity());
    let description = policy.describe();
    assert!(description.contains("NOT FOR PRODUCTION"), "{description}");
    assert!(
        description.contains("debug enclaves accepted"),
        "{description}"
    );
}

#[test]
fn production_policy_refuses_the_simulated_root() {
    let settings = SimulationSettings {
        debug: false,
        ..SimulationSettings::default()
    };
    let platform = SimulatedSgx::from_secret([5; 32], &program(b"code", 1), settings).unwrap();
    let quote = platform.quote(&binding()).expect("quote");
    let collateral = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral");
    let approved = approved_for(&platform);
    let production = Policy::production();

    // Verified against its own anchors, the chain does not reach Intel's root.
    let error = production
        .verify(
            quote.as_bytes(),
            &collateral,
            BLOCK_TIME_MS,
            &approved,
            &binding(),
        )
        .expect_err("refused");
    assert!(
        matches!(
            error,
            AttestationError::Verify(VerifyError::Rejected { .. })
        ),
        "{error}"
    );

    // Verified against the simulated root, the production policy does not trust that root.
    let verified = QuoteVerifier::new(platform.attestation_root())
        .verify(quote.as_bytes(), &collateral, BLOCK_TIME_MS)
        .expect("verifies");
    assert!(!verified.debug());
    let refusal = production
        .check(verified, &approved, &binding())
        .expect_err("refused");
    assert!(
        matches!(refusal, Refusal::UntrustedRoot { .. }),
        "{refusal}"
    );
    assert!(production
        .describe()
        .starts_with("production attestation policy"));
}

#[test]
fn production_policy_refuses_a_debug_enclave() {
    let platform = platform();
    let quote = platform.quote(&binding()).expect("quote");
    let collateral = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral");
    let mut verified = QuoteVerifier::new(platform.attestation_root())
        .verify(quote.as_bytes(), &collateral, BLOCK_TIME_MS)
        .expect("verifies");
    // As if the chain led to Intel's root: only the debug flag is left to refuse.
    verified.anchor_fingerprint = TrustAnchor::intel_sgx_root().fingerprint();

    let refusal = Policy::production()
        .check(verified, &approved_for(&platform), &binding())
        .expect_err("refused");
    assert_eq!(refusal, Refusal::DebugEnclave);
}

#[test]
fn report_data_must_bind_the_expected_keys_and_chain() {
    let platform = platform();
    let quote = platform.quote(&binding()).expect("quote");
    let collateral = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral");
    let policy = Policy::test(platform.attestation_root());
    let approved = approved_for(&platform);

    let other_chain = ReportData::binding(&[b"enclave signing key", b"enclave hpke key"], b"other");
    let other_keys = ReportData::binding(
        &[b"attacker key", b"enclave hpke key"],
        b"bonded-demo-chain",
    );
    for expected in [other_chain, other_keys] {
        let error = policy
            .verify(
                quote.as_bytes(),
                &collateral,
                BLOCK_TIME_MS,
                &approved,
                &expected,
            )
            .expect_err("refused");
        assert_eq!(
            error,
            AttestationError::Refused(Refusal::ReportDataMismatch)
        );
    }
}

#[test]
fn only_approved_measurements_are_accepted() {
    let platform = platform_with(6, &program(b"enclave code v2", 3));
    let quote = platform.quote(&binding()).expect("quote");
    let collateral = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral");
    let policy = Policy::test(platform.attestation_root());
    let identity = *platform.identity();
    let signer = |min_security_version| ApprovedMeasurement::Signer {
        mr_signer: identity.mr_signer,
        product_id: PRODUCT_ID,
        min_security_version,
    };
    let other_program = program(b"another program", 3).mr_enclave();

    let cases = [
        (
            vec![ApprovedMeasurement::Enclave {
                mr_enclave: identity.mr_enclave,
            }],
            true,
        ),
        (vec![signer(3)], true),
        (vec![signer(4)], false),
        (
            vec![ApprovedMeasurement::Enclave {
                mr_enclave: other_program,
            }],
            false,
        ),
        (vec![], false),
    ];
    for (list, accepted) in cases {
        let approved = ApprovedMeasurements(list.clone());
        let result = policy.verify(
            quote.as_bytes(),
            &collateral,
            BLOCK_TIME_MS,
            &approved,
            &binding(),
        );
        assert_eq!(result.is_ok(), accepted, "{list:?}: {result:?}");
        if !accepted {
            let refusal = result.expect_err("refused");
            let is_not_approved = matches!(
                refusal,
                AttestationError::Refused(Refusal::MeasurementNotApproved { .. })
            );
            assert!(is_not_approved, "{refusal}");
        }
    }
}

#[test]
fn collateral_survives_its_json_encoding() {
    let platform = platform();
    let quote = platform.quote(&binding()).expect("quote");
    let json = platform
        .collateral(BLOCK_TIME_MS - HOUR_MS)
        .expect("collateral")
        .to_json();
    let collateral = bonded_tee::Collateral::from_json(&json).expect("parses");
    QuoteVerifier::new(platform.attestation_root())
        .verify(quote.as_bytes(), &collateral, BLOCK_TIME_MS)
        .expect("verifies");
}

/// Pins the quote encoding: a seeded platform gives these exact bytes. A change here changes
/// the on-wire format of enclave registrations and must be approved as such.
#[test]
fn quote_bytes_are_pinned() {
    let quote = platform().quote(&binding()).expect("quote").into_bytes();
    let digest = bonded_tee::Measurement::of(&quote);
    assert_eq!(quote.len(), PINNED_QUOTE_LEN);
    assert_eq!(digest.to_hex(), PINNED_QUOTE_SHA256);
}

const PINNED_QUOTE_LEN: usize = 3991;
const PINNED_QUOTE_SHA256: &str =
    "34fe7acac5c844c0c7e422ac624b006fa4a532458f6014f4a8864343ad12ea1d";
