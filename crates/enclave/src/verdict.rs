//! One verification: check the blocks, open the norms, reconcile, redact, sign.
//!
//! The records come from the blocks the host hands over, which [`bonded_ledger::channel`]
//! checks as one signed hash chain; the norms come only from the envelope. The norms never exist
//! outside this module's stack frames: the opening becomes a `norms.csv` in memory, the engine
//! reads it with the channel's files, and both are dropped when the verdict is returned. Errors
//! name what failed without quoting the norms: [`VerifyError`] messages hold no norm value,
//! because the host sees them.
//!
//! The verdict is a ledger transaction signed with the verdict key, so the ledger checks it like
//! any other record: the signer must be a registered enclave, and the channel block it names must
//! still be the channel's newest when it is ordered.

use base64::Engine as _;
use bonded_ledger::channel::{self, ChannelAnchor, ChannelError, ChannelTip, VerifiedChannel};
use bonded_ledger::{
    Block, ChannelId, Payload, PublicKeyBytes, SignedTransaction, TransactionBody,
};
use bonded_model::{NormCommitment, OrganizationId, VerdictRecord};
use bonded_norms::{Binding, NormRow, NormsError, Opening, SealedNorms};
use bonded_reconcile::{BundleError, LedgerFiles, Policy, Report};
use sha2::{Digest, Sha256};

use crate::checkpoint::{Checkpoint, Checkpoints};
use crate::keys::EnclaveKeys;
use crate::protocol::{ErrorCode, Verdict, VerifyRequest};
use crate::records::ChannelRecords;
use crate::redact;

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
    #[error("the channel's records do not verify: {0}")]
    Records(ChannelError),
    #[error(
        "the blocks start at {found:?} but the enclave holds this channel up to {held:?}; send \
         the blocks after its checkpoint, or all of them from height 0"
    )]
    Resume {
        held: Option<u64>,
        found: Option<u64>,
    },
    #[error("the commitment is not the newest norm commitment of the channel (newest: {newest})")]
    CommitmentNotCurrent { newest: String },
    #[error("the channel's records: {0}")]
    Bundle(BundleError),
    #[error(
        "the norms do not fit the channel's records (norms.csv line {line}); details withheld"
    )]
    NormsDoNotFit { line: u64 },
    #[error("the enterprise id is not valid: {0}")]
    Enterprise(String),
    #[error("signing the verdict failed: {0}")]
    Sign(String),
    #[error("rendering the report failed: {0}")]
    Render(String),
}

impl VerifyError {
    pub fn code(&self) -> ErrorCode {
        match self {
            VerifyError::Encoding { .. } | VerifyError::ZeroByte { .. } => ErrorCode::BadEncoding,
            VerifyError::Enterprise(_) => ErrorCode::BadEncoding,
            VerifyError::EnvelopeMalformed => ErrorCode::EnvelopeMalformed,
            VerifyError::EnvelopeUnauthentic => ErrorCode::EnvelopeUnauthentic,
            VerifyError::CommitmentMismatch => ErrorCode::CommitmentMismatch,
            VerifyError::NormsInvalid => ErrorCode::NormsInvalid,
            VerifyError::Records(_) | VerifyError::Resume { .. } => ErrorCode::RecordsUnverified,
            VerifyError::CommitmentNotCurrent { .. } => ErrorCode::CommitmentNotCurrent,
            VerifyError::Bundle(_) => ErrorCode::BadBundle,
            VerifyError::NormsDoNotFit { .. } => ErrorCode::NormsDoNotFitBundle,
            VerifyError::Sign(_) | VerifyError::Render(_) => ErrorCode::Internal,
        }
    }
}

/// A channel whose blocks verified and whose newest commitment's norms opened.
pub(crate) struct OpenedChannel<'c> {
    pub tip: ChannelTip,
    pub commitment: [u8; 32],
    pub checkpoint: &'c Checkpoint,
    pub opening: Opening,
}

/// Checks the request's blocks (resuming from the channel's checkpoint when they continue it),
/// requires its commitment to be the channel's newest, and opens the norms sealed for it.
pub(crate) fn open_channel<'c>(
    keys: &EnclaveKeys,
    checkpoints: &'c mut Checkpoints,
    request: &VerifyRequest,
) -> Result<OpenedChannel<'c>, VerifyError> {
    reject_zero_byte("chain_id", &request.chain_id)?;
    reject_zero_byte("enterprise", &request.enterprise)?;
    let enterprise = OrganizationId(request.enterprise.clone());
    enterprise
        .validate()
        .map_err(|error| VerifyError::Enterprise(error.to_string()))?;
    let commitment = decode_commitment(&request.commitment)?;
    let sealed = decode_base64("sealed_norms", &request.sealed_norms)?;

    // The records: only from blocks that verify, and the commitment must be their newest.
    let channel = ChannelId::enterprise(&enterprise);
    let blocks = decode_blocks(request)?;
    let tip = resume_tip(checkpoints, request, &channel, &blocks)?;
    let verified = verify_blocks(request, &channel, tip, &blocks)?;
    let added = ChannelRecords::collect(&verified.transactions);
    let reached = ChannelTip {
        height: verified.height,
        head: verified.head,
    };
    let checkpoint =
        checkpoints.advance(&request.chain_id, &channel, tip.is_none(), reached, added);
    check_commitment_current(checkpoint.commitments.last(), &commitment)?;

    // The norms: only from the envelope.
    let binding = Binding {
        chain_id: &request.chain_id,
        enterprise: &request.enterprise,
        commitment: &commitment,
    };
    let opening = open(keys, binding, &sealed)?;
    Ok(OpenedChannel {
        tip: reached,
        commitment,
        checkpoint,
        opening,
    })
}

/// Runs one verification with the enclave's keys, resuming from the channel's checkpoint when
/// the blocks continue it.
pub fn verify(
    keys: &EnclaveKeys,
    checkpoints: &mut Checkpoints,
    request: &VerifyRequest,
) -> Result<Verdict, VerifyError> {
    let started = std::time::Instant::now();
    let OpenedChannel {
        tip: reached,
        commitment,
        checkpoint,
        opening,
    } = open_channel(keys, checkpoints, request)?;
    let opened_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut report = reconcile(&checkpoint.files, opening.set.rows(), request)?;
    let reconciled_ms = started.elapsed().as_secs_f64() * 1000.0;
    let redactions = redact::redact(&mut report, opening.set.rows());
    let redacted_ms = started.elapsed().as_secs_f64() * 1000.0;
    drop(opening);
    let verdict = sign(keys, request, reached, commitment, &report)?;
    tracing::debug!(
        opened_ms,
        reconciled_ms,
        redacted_ms,
        signed_ms = started.elapsed().as_secs_f64() * 1000.0,
        evidence_lines = redactions.evidence_lines,
        figures = redactions.figures,
        messages = redactions.messages,
        "verify.timings"
    );
    Ok(verdict)
}

/// Renders and hashes the report, and signs the verdict transaction that names it.
fn sign(
    keys: &EnclaveKeys,
    request: &VerifyRequest,
    verified: ChannelTip,
    commitment: [u8; 32],
    report: &Report,
) -> Result<Verdict, VerifyError> {
    let rendered = bonded_reconcile::render::json(report)
        .map_err(|error| VerifyError::Render(error.to_string()))?;
    let rendered =
        String::from_utf8(rendered).map_err(|error| VerifyError::Render(error.to_string()))?;
    let report_sha256: [u8; 32] = Sha256::digest(rendered.as_bytes()).into();
    let record = VerdictRecord {
        enterprise: OrganizationId(request.enterprise.clone()),
        channel_height: verified.height,
        channel_head: verified.head.0,
        commitment,
        from: request.from,
        to: request.to,
        report_sha256,
        critical: count(report.summary.critical),
        warning: count(report.summary.warning),
        info: count(report.summary.info),
        not_evaluable: count(report.summary.not_evaluable),
    };
    let body = TransactionBody {
        chain_id: request.chain_id.clone(),
        channel: ChannelId::enterprise(&record.enterprise),
        nonce: request.nonce,
        payload: Payload::Verdict(record),
    };
    let transaction = SignedTransaction::sign(&body, &keys.verdict)
        .map_err(|error| VerifyError::Sign(error.to_string()))?;
    let base64 = base64::engine::general_purpose::STANDARD;
    Ok(Verdict {
        enterprise: request.enterprise.clone(),
        commitment: hex::encode(commitment),
        channel_height: verified.height,
        channel_head: verified.head.to_hex(),
        report: rendered,
        report_sha256: hex::encode(report_sha256),
        transaction: base64.encode(transaction.as_bytes()),
    })
}

fn count(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Decodes the request's blocks.
fn decode_blocks(request: &VerifyRequest) -> Result<Vec<Block>, VerifyError> {
    request
        .blocks
        .iter()
        .enumerate()
        .map(|(position, text)| {
            let bytes = decode_base64("blocks", text)?;
            channel::decode_block(&bytes, position).map_err(VerifyError::Records)
        })
        .collect()
}

/// Where the blocks start: from nothing when they start at height 0, otherwise right after the
/// channel's checkpoint, which must exist.
fn resume_tip(
    checkpoints: &Checkpoints,
    request: &VerifyRequest,
    channel: &ChannelId,
    blocks: &[Block],
) -> Result<Option<ChannelTip>, VerifyError> {
    let first = blocks.first().map(|block| block.header.height);
    if first == Some(0) {
        return Ok(None);
    }
    let tip = checkpoints.tip(&request.chain_id, channel);
    match (tip, first) {
        (Some(tip), None) => Ok(Some(tip)),
        (Some(tip), Some(height)) if height == tip.height + 1 => Ok(Some(tip)),
        (tip, found) => Err(VerifyError::Resume {
            held: tip.map(|tip| tip.height),
            found,
        }),
    }
}

/// Checks the blocks as the enterprise's channel, from height 0 or from `tip`.
fn verify_blocks(
    request: &VerifyRequest,
    channel: &ChannelId,
    tip: Option<ChannelTip>,
    blocks: &[Block],
) -> Result<VerifiedChannel, VerifyError> {
    let orderer_keys = request
        .orderer_keys
        .iter()
        .map(|key| decode_key("orderer_keys", key))
        .collect::<Result<Vec<_>, _>>()?;
    let anchor = ChannelAnchor {
        chain_id: &request.chain_id,
        channel,
        orderer_keys: &orderer_keys,
    };
    channel::verify_from(anchor, tip, blocks).map_err(VerifyError::Records)
}

fn check_commitment_current(
    newest: Option<&NormCommitment>,
    commitment: &[u8; 32],
) -> Result<(), VerifyError> {
    match newest {
        Some(current) if &current.commitment == commitment => Ok(()),
        Some(current) => Err(VerifyError::CommitmentNotCurrent {
            newest: hex::encode(current.commitment),
        }),
        None => Err(VerifyError::CommitmentNotCurrent {
            newest: "none recorded".into(),
        }),
    }
}

fn decode_key(field: &str, text: &str) -> Result<PublicKeyBytes, VerifyError> {
    let mut key = [0u8; 32];
    hex::decode_to_slice(text, &mut key).map_err(|_| VerifyError::Encoding {
        field: field.to_string(),
        encoding: "hex of 32 bytes",
    })?;
    Ok(key)
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
    files: &LedgerFiles,
    rows: &[NormRow],
    request: &VerifyRequest,
) -> Result<Report, VerifyError> {
    let norms_csv = norms_csv(rows);
    let mut input = files.input();
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
