//! Simulated verification collateral: the TCB info and QE identity documents Intel's PCS serves,
//! here issued and signed by the simulated TCB signing key, and the two CRLs.
//!
//! The TCB info lists two levels: the settings' latest CPU and PCE security versions as
//! `UpToDate`, and all zeros as `OutOfDate`, so a platform configured below the latest level
//! verifies as out of date. The QE identity accepts the simulated quoting enclave's signer and
//! product id, `UpToDate` at the configured QE security version.

use chrono::{DateTime, SecondsFormat};
use serde_json::json;

use crate::platform::QuoteError;
use crate::sim::pki::SimulatedPki;
use crate::sim::{SimulationSettings, QE_ATTRIBUTES, QE_PRODUCT_ID};
use crate::verify::Collateral;

pub(crate) fn issue(
    pki: &SimulatedPki,
    settings: &SimulationSettings,
    qe_mr_signer: &[u8; 32],
    issued_at_ms: i64,
) -> Result<Collateral, QuoteError> {
    let next_update_ms = issued_at_ms.saturating_add(settings.collateral_lifetime_ms);
    let (issue_date, next_update) = (rfc3339(issued_at_ms)?, rfc3339(next_update_ms)?);
    let tcb_date = rfc3339(settings.certificates_valid_from_ms)?;

    let tcb_info = tcb_info(settings, &issue_date, &next_update, &tcb_date).to_string();
    let qe_identity = qe_identity(settings, qe_mr_signer, &issue_date, &next_update, &tcb_date);
    let qe_identity = qe_identity.to_string();
    let (root_ca_crl, pck_crl) = pki.crls(issued_at_ms, next_update_ms)?;

    let signer = pki.tcb_signer_key();
    Ok(Collateral(dcap_qvl::QuoteCollateralV3 {
        pck_crl_issuer_chain: pki.pck_crl_issuer_chain_pem(),
        root_ca_crl,
        pck_crl,
        tcb_info_issuer_chain: pki.tcb_issuer_chain_pem(),
        tcb_info_signature: signer.sign_raw(tcb_info.as_bytes()).to_vec(),
        tcb_info,
        qe_identity_issuer_chain: pki.tcb_issuer_chain_pem(),
        qe_identity_signature: signer.sign_raw(qe_identity.as_bytes()).to_vec(),
        qe_identity,
        pck_certificate_chain: None,
    }))
}

fn tcb_info(
    settings: &SimulationSettings,
    issue_date: &str,
    next_update: &str,
    tcb_date: &str,
) -> serde_json::Value {
    let components = |svn: &[u8; 16]| {
        svn.iter()
            .map(|svn| json!({ "svn": svn }))
            .collect::<Vec<_>>()
    };
    json!({
        "id": "SGX",
        "version": 3,
        "issueDate": issue_date,
        "nextUpdate": next_update,
        "fmspc": hex::encode_upper(settings.fmspc),
        "pceId": "0000",
        "tcbType": 0,
        "tcbEvaluationDataNumber": 1,
        "tcbLevels": [
            {
                "tcb": {
                    "sgxtcbcomponents": components(&settings.latest_cpu_security_version),
                    "pcesvn": settings.latest_pce_security_version,
                },
                "tcbDate": tcb_date,
                "tcbStatus": "UpToDate",
            },
            {
                "tcb": { "sgxtcbcomponents": components(&[0; 16]), "pcesvn": 0 },
                "tcbDate": tcb_date,
                "tcbStatus": "OutOfDate",
                "advisoryIDs": ["BONDED-SIMULATED-OUT-OF-DATE"],
            },
        ],
    })
}

fn qe_identity(
    settings: &SimulationSettings,
    qe_mr_signer: &[u8; 32],
    issue_date: &str,
    next_update: &str,
    tcb_date: &str,
) -> serde_json::Value {
    json!({
        "id": "QE",
        "version": 2,
        "issueDate": issue_date,
        "nextUpdate": next_update,
        "tcbEvaluationDataNumber": 1,
        "miscselect": "00000000",
        "miscselectMask": "FFFFFFFF",
        "attributes": hex::encode_upper(QE_ATTRIBUTES.to_bytes()),
        "attributesMask": "FBFFFFFFFFFFFFFF0000000000000000",
        "mrsigner": hex::encode_upper(qe_mr_signer),
        "isvprodid": QE_PRODUCT_ID,
        "tcbLevels": [
            {
                "tcb": { "isvsvn": settings.qe_security_version },
                "tcbDate": tcb_date,
                "tcbStatus": "UpToDate",
            },
            {
                "tcb": { "isvsvn": 0 },
                "tcbDate": tcb_date,
                "tcbStatus": "OutOfDate",
                "advisoryIDs": ["BONDED-SIMULATED-OUT-OF-DATE"],
            },
        ],
    })
}

fn rfc3339(at_ms: i64) -> Result<String, QuoteError> {
    let at = DateTime::from_timestamp(at_ms.div_euclid(1000), 0)
        .ok_or(QuoteError::TimeOutOfRange { at_ms })?;
    Ok(at.to_rfc3339_opts(SecondsFormat::Secs, true))
}
