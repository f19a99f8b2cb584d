//! Attestation through the real enclave process: the quote verifies against the simulated root
//! it reports, binds the keys it reports to the chain, and the keys survive a restart.

mod common;

use bonded_tee::{
    ApprovedMeasurement, ApprovedMeasurements, AttestationError, Collateral, Measurement, Policy,
    Refusal, ReportData, TrustAnchor,
};
use common::*;

const HOUR_MS: i64 = 3_600_000;

fn measurement(text: &str) -> Measurement {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).expect("measurement hex");
    Measurement(bytes)
}

#[test]
fn the_quote_verifies_and_binds_the_returned_keys_and_chain() {
    let data = tempfile::tempdir().expect("data folder");
    let mut enclave = spawn(data.path());
    let identity = identity(&mut enclave);
    shutdown(&mut enclave);

    let root = TrustAnchor::simulated(decode64(identity.simulated_root.as_deref().expect("root")));
    let policy = Policy::test(root);
    assert_eq!(identity.policy, policy.describe());
    assert!(identity.policy.contains("NOT FOR PRODUCTION"));
    assert!(identity.debug, "a simulated enclave is a debug enclave");
    let approved = ApprovedMeasurements(vec![ApprovedMeasurement::Enclave {
        mr_enclave: measurement(&identity.mr_enclave),
    }]);
    let collateral = Collateral::from_json(&decode64(&identity.collateral)).expect("collateral");
    let quote = decode64(&identity.quote);
    let verdict_key = hex::decode(&identity.verdict_key).expect("hex");
    let norms_key = hex::decode(&identity.norms_key).expect("hex");
    let binding = |chain: &str| ReportData::binding(&[&verdict_key, &norms_key], chain.as_bytes());

    let accepted = policy
        .verify(
            &quote,
            &collateral,
            AT_MS + HOUR_MS,
            &approved,
            &binding(CHAIN_ID),
        )
        .expect("the quote is accepted");
    assert_eq!(
        accepted.identity.mr_enclave,
        measurement(&identity.mr_enclave)
    );
    assert_eq!(accepted.identity.product_id, bonded_enclave::PRODUCT_ID);

    let elsewhere = policy.verify(
        &quote,
        &collateral,
        AT_MS + HOUR_MS,
        &approved,
        &binding("x"),
    );
    assert_eq!(
        elsewhere.expect_err("another chain"),
        AttestationError::Refused(Refusal::ReportDataMismatch)
    );
    assert!(
        Policy::production()
            .verify(
                &quote,
                &collateral,
                AT_MS + HOUR_MS,
                &approved,
                &binding(CHAIN_ID)
            )
            .is_err(),
        "the production policy refuses the simulated root"
    );
}

#[test]
fn the_keys_survive_a_restart() {
    let data = tempfile::tempdir().expect("data folder");
    let mut first = spawn(data.path());
    let before = identity(&mut first);
    shutdown(&mut first);
    assert!(data
        .path()
        .join(bonded_enclave::keys::KEYS_FILE_NAME)
        .exists());

    let mut second = spawn(data.path());
    let after = identity(&mut second);
    shutdown(&mut second);
    assert_eq!(after.verdict_key, before.verdict_key);
    assert_eq!(after.norms_key, before.norms_key);
    assert_eq!(after.mr_enclave, before.mr_enclave);
}
