//! JSON shapes of the verifier's routes: enclaves, norm envelopes and verifications.

use bonded_model::{ApprovedCode, AttestationTrust, NaiveDate, VerdictRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::views::ReceiptView;

/// A sealed norm envelope for one enclave. The enterprise's newest norm commitment must already
/// name the envelope's SHA-256.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NormSubmission {
    pub enterprise: String,
    /// Registry id of the enclave the norms were sealed to.
    pub enclave: String,
    /// The norm commitment, hex.
    pub commitment: String,
    /// The HPKE envelope, standard base64.
    pub sealed_norms: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NormEnvelopeView {
    pub enterprise: String,
    pub enclave: String,
    pub commitment: String,
    pub envelope_sha256: String,
}

/// Ask the hosted enclave to verify an enterprise over a period (both ends inclusive).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationRequest {
    pub enterprise: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

/// A registered enclave as the ledger recorded it, with what a client needs to check the
/// registration itself: the quote, the collateral and the time of the block that accepted it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EnclaveView {
    pub id: String,
    pub name: String,
    pub host: String,
    pub mr_enclave: String,
    pub mr_signer: String,
    pub product_id: u16,
    pub security_version: u16,
    pub debug: bool,
    pub verdict_key: String,
    pub norms_key: String,
    /// The registration transaction's hash, and its block's time (Unix ms).
    pub registration: String,
    pub registered_at_ms: i64,
    /// DCAP v3 quote and collateral JSON, base64.
    pub quote: String,
    pub collateral: String,
}

/// The verdict record as ordered.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VerdictView {
    pub compliant: bool,
    pub channel_height: u64,
    pub channel_head: String,
    pub commitment: String,
    pub report_sha256: String,
    pub critical: u32,
    pub warning: u32,
    pub info: u32,
    pub not_evaluable: u32,
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

impl From<&VerdictRecord> for VerdictView {
    fn from(record: &VerdictRecord) -> Self {
        VerdictView {
            compliant: record.compliant(),
            channel_height: record.channel_height,
            channel_head: hex::encode(record.channel_head),
            commitment: hex::encode(record.commitment),
            report_sha256: hex::encode(record.report_sha256),
            critical: record.critical,
            warning: record.warning,
            info: record.info,
            not_evaluable: record.not_evaluable,
            from: record.from,
            to: record.to,
        }
    }
}

/// The outcome of one verification: the ordered verdict, its redacted report, and who signed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VerificationView {
    pub enterprise: String,
    pub verdict: VerdictView,
    /// The redacted reconciliation report (balances and findings; no norm values).
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
    pub enclave: EnclaveView,
    /// What the ledger checked the enclave's attestation against, in one sentence.
    pub attestation: String,
    pub transaction_hash: String,
    pub receipt: ReceiptView,
    /// How many runs it took: a record arriving during a run makes the ledger refuse its
    /// verdict as no longer current, and the node runs it again.
    pub attempts: u32,
    /// What the enterprise's current verdicts add up to after this one (see `/v1/enterprises/
    /// {id}/clearance`).
    #[schema(value_type = Object)]
    pub clearance: serde_json::Value,
}

/// The hosted enclave's current attestation, for customs to register it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HostedEnclaveView {
    /// The registry id if the enclave is registered already.
    pub registered_as: Option<String>,
    pub quote: String,
    pub collateral: String,
    pub verdict_key: String,
    pub norms_key: String,
    pub mr_enclave: String,
    pub mr_signer: String,
    pub debug: bool,
    pub policy: String,
    pub simulated_root: Option<String>,
}

/// How a chain checks enclave attestations: its trust and the approved code list.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AttestationView {
    /// `production` or `test`.
    pub trust: String,
    /// For `test`: the simulated root certificate, DER, base64.
    pub simulated_root: Option<String>,
    pub approved_code: Vec<ApprovedCodeView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApprovedCodeView {
    /// `enclave` (exactly one MRENCLAVE) or `signer` (a signer and product from a version on).
    pub kind: String,
    pub mr_enclave: Option<String>,
    pub mr_signer: Option<String>,
    pub product_id: Option<u16>,
    pub min_security_version: Option<u16>,
}

impl AttestationView {
    pub fn new(trust: &AttestationTrust, approved: &[ApprovedCode]) -> Self {
        let base64 = base64::engine::general_purpose::STANDARD;
        let (trust, simulated_root) = match trust {
            AttestationTrust::Production => ("production", None),
            AttestationTrust::Test { simulated_root } => (
                "test",
                Some(base64::Engine::encode(&base64, simulated_root)),
            ),
        };
        AttestationView {
            trust: trust.into(),
            simulated_root,
            approved_code: approved.iter().map(ApprovedCodeView::from).collect(),
        }
    }
}

impl From<&ApprovedCode> for ApprovedCodeView {
    fn from(code: &ApprovedCode) -> Self {
        match *code {
            ApprovedCode::Enclave { mr_enclave } => ApprovedCodeView {
                kind: "enclave".into(),
                mr_enclave: Some(hex::encode(mr_enclave)),
                mr_signer: None,
                product_id: None,
                min_security_version: None,
            },
            ApprovedCode::Signer {
                mr_signer,
                product_id,
                min_security_version,
            } => ApprovedCodeView {
                kind: "signer".into(),
                mr_enclave: None,
                mr_signer: Some(hex::encode(mr_signer)),
                product_id: Some(product_id),
                min_security_version: Some(min_security_version),
            },
        }
    }
}

/// A one-sentence account of what the chain's attestation trust means for a verdict.
pub fn attestation_sentence(trust: &AttestationTrust, debug: bool) -> String {
    match trust {
        AttestationTrust::Production => {
            "attested against Intel's SGX root at registration; debug enclaves refused".into()
        }
        AttestationTrust::Test { .. } => format!(
            "TEST POLICY: attested against a simulated root at registration{}; no hardware \
             protects this enclave, so its verdicts prove nothing outside a demo or a test",
            if debug { ", debug enclave" } else { "" }
        ),
    }
}

/// A norm commitment as recorded: public facts about a norm set version, never its rows.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CommitmentView {
    /// `GC`, `SXXK` or `EPE`.
    pub regime: String,
    pub version: u32,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<NaiveDate>,
    pub commitment: String,
    pub norm_count: u32,
    pub envelopes: Vec<String>,
}

impl From<&bonded_model::NormCommitment> for CommitmentView {
    fn from(record: &bonded_model::NormCommitment) -> Self {
        CommitmentView {
            regime: serde_json::to_value(record.regime)
                .ok()
                .and_then(|value| value.as_str().map(str::to_string))
                .unwrap_or_default(),
            version: record.version,
            valid_from: record.valid_from,
            valid_to: record.valid_to,
            commitment: hex::encode(record.commitment),
            norm_count: record.norm_count,
            envelopes: record.envelopes.iter().map(hex::encode).collect(),
        }
    }
}

/// The organization a public key is registered to.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct KeyOwnerView {
    pub key: String,
    pub organization: String,
}

/// Ask for a comparison of norms across enterprises for products under `hs_code`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComparisonRequest {
    /// The product's HS code or its first digits (2 to 10 digits).
    pub hs_code: String,
    /// An enterprise whose band in each released group is reported.
    pub subject: Option<String>,
}
