//! The enclave registry: approving enclave code and registering attested enclaves.
//!
//! Customs governance approves code by measurement (`ApproveEnclaveCode`); the approved list
//! lives in the chain information beside the attestation trust fixed at genesis. An enclave host
//! (customs, or an authorized economic operator for an enclave on its own premises) registers an
//! enclave with its DCAP quote and collateral (`RegisterEnclave`). The quote is checked once,
//! here, at the time of the batch that orders it (never a local clock), against the chain's
//! trusted roots, its approved list, and report data that must bind the enclave's verdict key,
//! its norms key and the chain id. The accepted enclave joins the registry as an organization of
//! kind `Enclave`, its verdict key registered to it, so verdicts can later be checked like any
//! other signed record.

use bonded_model::{
    ApprovedCode, AttestationTrust, EnclaveRegistration, OrganizationKind, OrganizationRecord,
};
use bonded_tee::{
    ApprovedMeasurement, ApprovedMeasurements, Collateral, Measurement, Policy, ReportData,
    TrustAnchor,
};

use crate::state::{ChainInfo, Rejection};

/// The attestation policy a chain's trust setting stands for.
pub fn policy(trust: &AttestationTrust) -> Policy {
    match trust {
        AttestationTrust::Production => Policy::production(),
        AttestationTrust::Test { simulated_root } => {
            Policy::test(TrustAnchor::simulated(simulated_root.clone()))
        }
    }
}

/// The report data a registration's quote must carry.
pub fn expected_report_data(chain_id: &str, registration: &EnclaveRegistration) -> ReportData {
    ReportData::binding(
        &[&registration.verdict_key, &registration.norms_key],
        chain_id.as_bytes(),
    )
}

/// Adds `code` to the approved list, refusing a repeat.
pub fn approve(chain: &mut ChainInfo, code: ApprovedCode) -> Result<(), Rejection> {
    if chain.approved_code.contains(&code) {
        return Err(Rejection::Invalid(
            "this enclave code is already approved".into(),
        ));
    }
    chain.approved_code.push(code);
    Ok(())
}

/// Checks a registration's quote at `time_ms` and returns the enclave's registry record.
pub fn attest(
    chain: &ChainInfo,
    host: &OrganizationRecord,
    registration: &EnclaveRegistration,
    time_ms: i64,
) -> Result<OrganizationRecord, Rejection> {
    let refused = |reason: String| Rejection::AttestationRefused(reason);
    let collateral = Collateral::from_json(&registration.collateral)
        .map_err(|error| refused(format!("collateral: {error}")))?;
    let approved = ApprovedMeasurements(chain.approved_code.iter().map(measurement).collect());
    let expected = expected_report_data(&chain.chain_id, registration);
    let accepted = policy(&chain.attestation)
        .verify(
            &registration.quote,
            &collateral,
            time_ms,
            &approved,
            &expected,
        )
        .map_err(|error| refused(error.to_string()))?;
    let identity = accepted.identity;
    Ok(OrganizationRecord {
        id: registration.enclave.clone(),
        name: registration.name.clone(),
        kind: OrganizationKind::Enclave {
            host: host.id.clone(),
            mr_enclave: identity.mr_enclave.0,
            mr_signer: identity.mr_signer.0,
            product_id: identity.product_id,
            security_version: identity.security_version,
            debug: identity.debug(),
            norms_key: registration.norms_key,
        },
    })
}

fn measurement(code: &ApprovedCode) -> ApprovedMeasurement {
    match *code {
        ApprovedCode::Enclave { mr_enclave } => ApprovedMeasurement::Enclave {
            mr_enclave: Measurement(mr_enclave),
        },
        ApprovedCode::Signer {
            mr_signer,
            product_id,
            min_security_version,
        } => ApprovedMeasurement::Signer {
            mr_signer: Measurement(mr_signer),
            product_id,
            min_security_version,
        },
    }
}

/// Whether `organization` may host an enclave: customs, or an authorized economic operator.
pub fn may_host(organization: &OrganizationRecord) -> bool {
    match &organization.kind {
        OrganizationKind::Customs => true,
        OrganizationKind::Enterprise {
            authorized_economic_operator,
            ..
        } => *authorized_economic_operator,
        OrganizationKind::Enclave { .. } => false,
    }
}
