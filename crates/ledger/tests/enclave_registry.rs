//! The enclave registry: customs approves enclave code, hosts register attested enclaves, and
//! every registration is checked against the quote at the batch's time.

mod common;

use bonded_ledger::state::{Decision, Rejection, StateView};
use bonded_ledger::{Genesis, Payload};
use bonded_model::{
    ApprovedCode, AttestationTrust, EnclaveRegistration, IntakeGroup, OrganizationId,
    OrganizationKind, OrganizationRecord, TaxCode,
};
use bonded_tee::{CollateralSource, Platform, ReportData, SimulatedSgx, SimulationSettings};
use common::*;
use ed25519_dalek::SigningKey;

const ENCLAVE: &str = "ENCLAVE-CUSTOMS-1";
const AEO: &str = "ENT-0309999999";

fn approved_program() -> ApprovedCode {
    ApprovedCode::Enclave {
        mr_enclave: enclave_program(1).mr_enclave().0,
    }
}

/// A registration whose quote binds `quoted_keys` (normally its own keys) on `chain_id`.
fn registration_binding(
    platform: &SimulatedSgx,
    enclave: &str,
    verdict_key: [u8; 32],
    quoted_keys: [[u8; 32]; 2],
    chain_id: &str,
) -> EnclaveRegistration {
    let report_data = ReportData::binding(&[&quoted_keys[0], &quoted_keys[1]], chain_id.as_bytes());
    let quote = platform.quote(&report_data).expect("a quote");
    let collateral = platform.collateral(EPOCH_MS).expect("collateral");
    EnclaveRegistration {
        enclave: OrganizationId(enclave.into()),
        name: "Customs verifier enclave".into(),
        quote: quote.into_bytes(),
        collateral: collateral.to_json(),
        verdict_key,
        norms_key: [5; 32],
    }
}

fn registration(enclave: &str, verdict: &SigningKey) -> EnclaveRegistration {
    let key = public(verdict);
    registration_binding(&enclave_platform(), enclave, key, [key, [5; 32]], CHAIN_ID)
}

/// The fixture with the approved program already on the list.
fn approved() -> Fixture {
    let mut f = Fixture::new();
    let approve = f.sign(
        &f.customs,
        system(),
        Payload::ApproveEnclaveCode(approved_program()),
    );
    f.apply_accepted(vec![approve]);
    f
}

fn rejection(f: &mut Fixture, transaction: Vec<u8>) -> Rejection {
    let outcome = f.apply(vec![transaction]);
    match &outcome.decisions[0].1 {
        Decision::Rejected(rejection) => rejection.clone(),
        Decision::Accepted(_) => panic!("accepted, expected a rejection"),
    }
}

fn refused_attestation(f: &mut Fixture, transaction: Vec<u8>) -> String {
    match rejection(f, transaction) {
        Rejection::AttestationRefused(reason) => reason,
        other => panic!("expected AttestationRefused, got {other:?}"),
    }
}

#[test]
fn customs_registers_an_approved_enclave_and_its_identity_is_recorded() {
    let mut f = approved();
    let verdict = key(30);
    let register = f.sign(
        &f.customs,
        system(),
        Payload::RegisterEnclave(registration(ENCLAVE, &verdict)),
    );
    f.apply_accepted(vec![register]);

    let id = OrganizationId(ENCLAVE.into());
    let record = f
        .state
        .organization(&id)
        .expect("the enclave is in the registry");
    let program = enclave_program(1);
    match record.kind {
        OrganizationKind::Enclave {
            host,
            mr_enclave,
            mr_signer,
            security_version,
            debug,
            norms_key,
            ..
        } => {
            assert_eq!(host.0, CUSTOMS);
            assert_eq!(mr_enclave, program.mr_enclave().0);
            assert_eq!(mr_signer, program.mr_signer().0);
            assert_eq!(security_version, 1);
            assert!(debug, "a simulated enclave says it is a debug enclave");
            assert_eq!(norms_key, [5; 32]);
        }
        other => panic!("registered as {other:?}"),
    }
    assert_eq!(f.state.organization_of_key(&public(&verdict)), Some(id));
}

#[test]
fn only_customs_approves_code_and_only_customs_or_an_aeo_hosts_an_enclave() {
    let mut f = approved();
    let by_enterprise = f.sign(
        &f.enterprise_a,
        system(),
        Payload::ApproveEnclaveCode(approved_program()),
    );
    assert!(matches!(
        rejection(&mut f, by_enterprise),
        Rejection::SignerNotAuthorized { .. }
    ));
    let again = f.sign(
        &f.customs,
        system(),
        Payload::ApproveEnclaveCode(approved_program()),
    );
    assert!(matches!(rejection(&mut f, again), Rejection::Invalid(_)));

    // Enterprise A is not an authorized economic operator.
    let not_aeo = f.sign(
        &f.enterprise_a,
        system(),
        Payload::RegisterEnclave(registration("ENCLAVE-A", &key(31))),
    );
    assert!(matches!(
        rejection(&mut f, not_aeo),
        Rejection::SignerNotAuthorized { .. }
    ));

    // An AEO hosts an enclave on its own premises.
    let aeo_key = key(32);
    let aeo = OrganizationRecord {
        id: OrganizationId(AEO.into()),
        name: "AEO footwear".into(),
        kind: OrganizationKind::Enterprise {
            tax_code: TaxCode("0309999999".into()),
            authorized_economic_operator: true,
            intake_group: IntakeGroup::new(1).unwrap(),
        },
    };
    let register_aeo = f.sign(&f.customs, system(), register(aeo, vec![public(&aeo_key)]));
    f.apply_accepted(vec![register_aeo]);
    let on_premises = f.sign(
        &aeo_key,
        system(),
        Payload::RegisterEnclave(registration("ENCLAVE-AEO", &key(33))),
    );
    f.apply_accepted(vec![on_premises]);
    let record = f
        .state
        .organization(&OrganizationId("ENCLAVE-AEO".into()))
        .unwrap();
    assert!(matches!(record.kind, OrganizationKind::Enclave { host, .. } if host.0 == AEO));

    // Registrations go to the system channel only.
    let in_channel = f.sign(
        &f.customs,
        channel(ENTERPRISE_A),
        Payload::RegisterEnclave(registration("ENCLAVE-X", &key(34))),
    );
    assert!(matches!(
        rejection(&mut f, in_channel),
        Rejection::ChannelNotOwned { .. }
    ));
}

#[test]
fn an_enclave_whose_code_is_not_approved_is_refused() {
    let mut f = Fixture::new();
    let other = ApprovedCode::Enclave {
        mr_enclave: [7; 32],
    };
    let approve = f.sign(&f.customs, system(), Payload::ApproveEnclaveCode(other));
    f.apply_accepted(vec![approve]);
    let register = f.sign(
        &f.customs,
        system(),
        Payload::RegisterEnclave(registration(ENCLAVE, &key(30))),
    );
    let reason = refused_attestation(&mut f, register);
    assert!(reason.contains("not approved"), "{reason}");
    assert!(f
        .state
        .organization(&OrganizationId(ENCLAVE.into()))
        .is_none());
}

#[test]
fn a_signer_rule_admits_later_versions_and_refuses_older_ones() {
    let mut f = Fixture::new();
    let rule = ApprovedCode::Signer {
        mr_signer: enclave_program(1).mr_signer().0,
        product_id: 1,
        min_security_version: 2,
    };
    let approve = f.sign(&f.customs, system(), Payload::ApproveEnclaveCode(rule));
    f.apply_accepted(vec![approve]);
    let old = f.sign(
        &f.customs,
        system(),
        Payload::RegisterEnclave(registration(ENCLAVE, &key(30))),
    );
    assert!(refused_attestation(&mut f, old).contains("not approved"));

    let newer = SimulatedSgx::from_secret([42; 32], &enclave_program(3), Default::default())
        .expect("platform");
    let verdict = public(&key(35));
    let fresh = registration_binding(&newer, ENCLAVE, verdict, [verdict, [5; 32]], CHAIN_ID);
    let register = f.sign(&f.customs, system(), Payload::RegisterEnclave(fresh));
    f.apply_accepted(vec![register]);
}

#[test]
fn a_tampered_quote_is_refused() {
    let mut f = approved();
    let mut tampered = registration(ENCLAVE, &key(30));
    // The report body starts after the 48-byte header; MRENCLAVE is at offset 64 inside it.
    tampered.quote[48 + 64] ^= 0x01;
    let register = f.sign(&f.customs, system(), Payload::RegisterEnclave(tampered));
    refused_attestation(&mut f, register);
}

#[test]
fn a_quote_that_binds_other_keys_or_another_chain_is_refused() {
    let mut f = approved();
    let verdict = public(&key(30));
    let platform = enclave_platform();
    let other_keys =
        registration_binding(&platform, ENCLAVE, verdict, [[1; 32], [5; 32]], CHAIN_ID);
    let register = f.sign(&f.customs, system(), Payload::RegisterEnclave(other_keys));
    assert!(refused_attestation(&mut f, register).contains("report data"));

    let other_chain = registration_binding(
        &platform,
        ENCLAVE,
        verdict,
        [verdict, [5; 32]],
        "other-chain",
    );
    let register = f.sign(&f.customs, system(), Payload::RegisterEnclave(other_chain));
    assert!(refused_attestation(&mut f, register).contains("report data"));
}

#[test]
fn collateral_is_judged_at_the_batch_time_not_a_local_clock() {
    let mut f = approved();
    let platform = enclave_platform();
    let verdict = public(&key(30));
    let mut stale = registration_binding(&platform, ENCLAVE, verdict, [verdict, [5; 32]], CHAIN_ID);
    // Issued 60 days before the batch: its 30-day validity ended before the block's time.
    stale.collateral = platform
        .collateral(EPOCH_MS - 60 * 24 * 3_600_000)
        .expect("collateral")
        .to_json();
    let register = f.sign(&f.customs, system(), Payload::RegisterEnclave(stale));
    refused_attestation(&mut f, register);
}

#[test]
fn a_registered_id_or_verdict_key_cannot_be_registered_twice() {
    let mut f = approved();
    let verdict = key(30);
    let first = f.sign(
        &f.customs,
        system(),
        Payload::RegisterEnclave(registration(ENCLAVE, &verdict)),
    );
    f.apply_accepted(vec![first]);
    let same_id = f.sign(
        &f.customs,
        system(),
        Payload::RegisterEnclave(registration(ENCLAVE, &key(36))),
    );
    assert!(matches!(
        rejection(&mut f, same_id),
        Rejection::DuplicateOrganization(_)
    ));
    let same_key = f.sign(
        &f.customs,
        system(),
        Payload::RegisterEnclave(registration("ENCLAVE-2", &verdict)),
    );
    assert!(matches!(
        rejection(&mut f, same_key),
        Rejection::DuplicateKey(_)
    ));
}

#[test]
fn an_enclave_key_may_not_write_enterprise_records() {
    let mut f = approved();
    let verdict = key(30);
    let register = f.sign(
        &f.customs,
        system(),
        Payload::RegisterEnclave(registration(ENCLAVE, &verdict)),
    );
    f.apply_accepted(vec![register]);
    let item = f.sign(
        &verdict,
        channel(ENCLAVE),
        common::item(
            "NL-X",
            bonded_model::ItemKind::Material,
            bonded_model::Unit::Metre,
        ),
    );
    assert!(matches!(
        rejection(&mut f, item),
        Rejection::SignerNotAuthorized { .. }
    ));
}

#[test]
fn a_production_chain_refuses_simulated_enclaves() {
    let mut f = Fixture::empty();
    let genesis = f.sign(
        &f.customs,
        system(),
        Payload::Genesis(Genesis {
            customs: customs_record(CUSTOMS),
            customs_keys: vec![public(&f.customs)],
            orderer_keys: vec![public(&f.orderer)],
            attestation: AttestationTrust::Production,
        }),
    );
    f.apply_accepted(vec![genesis]);
    let approve = f.sign(
        &f.customs,
        system(),
        Payload::ApproveEnclaveCode(approved_program()),
    );
    f.apply_accepted(vec![approve]);
    let register = f.sign(
        &f.customs,
        system(),
        Payload::RegisterEnclave(registration(ENCLAVE, &key(30))),
    );
    let reason = refused_attestation(&mut f, register);
    assert!(!reason.is_empty());
    // The same platform with the debug flag cleared is refused too: the root is not trusted.
    let settings = SimulationSettings {
        debug: false,
        ..SimulationSettings::default()
    };
    let release = SimulatedSgx::from_secret([42; 32], &enclave_program(1), settings).unwrap();
    let verdict = public(&key(37));
    let clean = registration_binding(&release, ENCLAVE, verdict, [verdict, [5; 32]], CHAIN_ID);
    let register = f.sign(&f.customs, system(), Payload::RegisterEnclave(clean));
    refused_attestation(&mut f, register);
}
