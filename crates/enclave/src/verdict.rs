//! One verification: open the norms, reconcile, redact, sign.
//!
//! The norms never exist outside this module's stack frames: the opening becomes a `norms.csv`
//! in memory, the engine reads it with the host's files, and both are dropped when the verdict
//! is returned. Errors name what failed without quoting the norms: [`VerifyError`] messages hold
//! no norm value, because the host sees them.

use std::collections::BTreeMap;

use base64::Engine as _;
use bonded_norms::{Binding, NormRow, NormsError, Opening, SealedNorms};
use bonded_reconcile::{BundleError, BundleInput, Policy};
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha256};

use crate::keys::EnclaveKeys;
use crate::protocol::{ErrorCode, Verdict, VerifyRequest};
use crate::redact;

/// Domain prefix of the message a verdict signature covers.
pub const VERDICT_DOMAIN: &[u8] = b"bonded-verdict-v1";
/// The header of the `norms.csv` built from an opening, as `bonded reconcile` reads it.
const NORMS_HEADER: &str =
    "product_code,material_code,norm,loss_percent,loss_convention,valid_from,valid_to\n";
const NORMS_FILE: &str = "norms.csv";

/// Why a verification was refused. Messages never hold norm values.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{field} is not valid {encoding}")]
    Encoding {
        field: String,
        encoding: &'static str,
    },
    #[error("{field} must not hold a zero byte")]
    ZeroByte { field: &'static str },
    #[error("the norm envelope is malformed")]
    EnvelopeMalformed,
    #[error("the norm envelope does not open for this enclave, chain, enterprise and commitment")]
    EnvelopeUnauthentic,
    #[error("the opened norms do not match the commitment")]
    CommitmentMismatch,
    #[error("the opened norms are not a valid canonical norm set")]
    NormsInvalid,
    #[error("the bundle must not carry {NORMS_FILE}: the norms come only from the envelope")]
    NormsFromHost,
    #[error("{name} is not a bundle file")]
    UnknownFile { name: String },
    #[error("bundle: {0}")]
    Bundle(BundleError),
    #[error("the norms do not fit the bundle (norms.csv line {line}); details withheld")]
    NormsDoNotFit { line: u64 },
    #[error("rendering the report failed: {0}")]
    Render(String),
}

impl VerifyError {
    pub fn code(&self) -> ErrorCode {
        match self {
            VerifyError::Encoding { .. } | VerifyError::ZeroByte { .. } => ErrorCode::BadEncoding,
            VerifyError::EnvelopeMalformed => ErrorCode::EnvelopeMalformed,
            VerifyError::EnvelopeUnauthentic => ErrorCode::EnvelopeUnauthentic,
            VerifyError::CommitmentMismatch => ErrorCode::CommitmentMismatch,
            VerifyError::NormsInvalid => ErrorCode::NormsInvalid,
            VerifyError::NormsFromHost | VerifyError::UnknownFile { .. } => ErrorCode::BadBundle,
            VerifyError::Bundle(_) => ErrorCode::BadBundle,
            VerifyError::NormsDoNotFit { .. } => ErrorCode::NormsDoNotFitBundle,
            VerifyError::Render(_) => ErrorCode::Internal,
        }
    }
}

/// The bytes a verdict signature covers: the domain, the chain id, a zero byte, the enterprise
/// id, a zero byte, the 32-byte commitment and the 32-byte SHA-256 of the report.
pub fn signed_message(
    chain_id: &str,
    enterprise: &str,
    commitment: &[u8; 32],
    report_sha256: &[u8; 32],
) -> Vec<u8> {
    let mut message = VERDICT_DOMAIN.to_vec();
    message.extend_from_slice(chain_id.as_bytes());
    message.push(0);
    message.extend_from_slice(enterprise.as_bytes());
    message.push(0);
    message.extend_from_slice(commitment);
    message.extend_from_slice(report_sha256);
    message
}

/// Runs one verification with the enclave's keys.
pub fn verify(keys: &EnclaveKeys, request: &VerifyRequest) -> Result<Verdict, VerifyError> {
    // Check the ids and decode the binary fields.
    let commitment = decode_commitment(&request.commitment)?;
    reject_zero_byte("chain_id", &request.chain_id)?;
    reject_zero_byte("enterprise", &request.enterprise)?;
    let sealed = decode_base64("sealed_norms", &request.sealed_norms)?;
    let files = decode_bundle(&request.bundle)?;

    // Open the norms and reconcile with them.
    let binding = Binding {
        chain_id: &request.chain_id,
        enterprise: &request.enterprise,
        commitment: &commitment,
    };
    let opening = open(keys, binding, &sealed)?;
    let norms_csv = norms_csv(opening.set.rows());
    let mut report = reconcile(&files, &norms_csv, request)?;
    let redactions = redact::redact(&mut report, opening.set.rows());
    tracing::debug!(
        evidence_lines = redactions.evidence_lines,
        figures = redactions.figures,
        messages = redactions.messages,
        "report redacted"
    );

    // Render, hash and sign.
    let report = bonded_reconcile::render::json(&report)
        .map_err(|error| VerifyError::Render(error.to_string()))?;
    let report =
        String::from_utf8(report).map_err(|error| VerifyError::Render(error.to_string()))?;
    let report_sha256: [u8; 32] = Sha256::digest(report.as_bytes()).into();
    let message = signed_message(
        &request.chain_id,
        &request.enterprise,
        &commitment,
        &report_sha256,
    );
    Ok(Verdict {
        enterprise: request.enterprise.clone(),
        commitment: hex::encode(commitment),
        report,
        report_sha256: hex::encode(report_sha256),
        signature: hex::encode(keys.verdict.sign(&message).to_bytes()),
    })
}

fn decode_commitment(text: &str) -> Result<[u8; 32], VerifyError> {
    let mut commitment = [0u8; 32];
    hex::decode_to_slice(text, &mut commitment).map_err(|_| VerifyError::Encoding {
        field: "commitment".into(),
        encoding: "hex of 32 bytes",
    })?;
    Ok(commitment)
}

fn reject_zero_byte(field: &'static str, value: &str) -> Result<(), VerifyError> {
    if value.contains('\0') {
        return Err(VerifyError::ZeroByte { field });
    }
    Ok(())
}

fn decode_base64(field: &str, text: &str) -> Result<Vec<u8>, VerifyError> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| VerifyError::Encoding {
            field: field.to_string(),
            encoding: "base64",
        })
}

fn decode_bundle(bundle: &BTreeMap<String, String>) -> Result<Vec<(String, Vec<u8>)>, VerifyError> {
    let mut files = Vec::with_capacity(bundle.len());
    for (name, text) in bundle {
        if name == NORMS_FILE {
            return Err(VerifyError::NormsFromHost);
        }
        if !bonded_reconcile::BUNDLE_FILES.contains(&name.as_str()) {
            return Err(VerifyError::UnknownFile { name: name.clone() });
        }
        files.push((name.clone(), decode_base64(name, text)?));
    }
    Ok(files)
}

fn open(keys: &EnclaveKeys, binding: Binding<'_>, sealed: &[u8]) -> Result<Opening, VerifyError> {
    let sealed = SealedNorms::from_bytes(sealed).map_err(|_| VerifyError::EnvelopeMalformed)?;
    bonded_norms::open(&keys.norms, binding, &sealed).map_err(|error| match error {
        NormsError::MalformedEnvelope(_) | NormsError::TooLarge(_) => {
            VerifyError::EnvelopeMalformed
        }
        NormsError::Unauthentic => VerifyError::EnvelopeUnauthentic,
        NormsError::CommitmentMismatch => VerifyError::CommitmentMismatch,
        // These carry row details, which may quote a norm value: reduce them to a code.
        NormsError::Row { .. }
        | NormsError::Duplicate { .. }
        | NormsError::Empty
        | NormsError::NotCanonical(_)
        | NormsError::Seal(_) => VerifyError::NormsInvalid,
    })
}

/// The opening's rows as the `norms.csv` of a bundle.
pub fn norms_csv(rows: &[NormRow]) -> String {
    let mut text = String::from(NORMS_HEADER);
    for row in rows {
        text.push_str(&row.joined(','));
        text.push('\n');
    }
    text
}

fn reconcile(
    files: &[(String, Vec<u8>)],
    norms_csv: &str,
    request: &VerifyRequest,
) -> Result<bonded_reconcile::Report, VerifyError> {
    let mut input = BundleInput::default();
    for (name, bytes) in files {
        input.set(name, bytes);
    }
    input.norms = Some(norms_csv.as_bytes());
    bonded_reconcile::reconcile(&input, &Policy::default(), request.from, request.to)
        .map_err(bundle_error)
}

/// Keeps the engine's message for the host's own files; an error in the norms file is reduced
/// to its line, since the engine quotes the offending value.
fn bundle_error(error: BundleError) -> VerifyError {
    match norms_line(&error) {
        Some(line) => VerifyError::NormsDoNotFit { line },
        None => VerifyError::Bundle(error),
    }
}

fn norms_line(error: &BundleError) -> Option<u64> {
    let rendered = error.to_string();
    let rest = rendered.strip_prefix(NORMS_FILE)?;
    let line = rest
        .strip_prefix(" line ")
        .and_then(|tail| tail.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok());
    Some(line.unwrap_or(0))
}
