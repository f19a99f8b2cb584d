//! Norm entry for enterprises without IT: a form, or a Mẫu 16 workbook, sealed in the browser.
//!
//! # Design
//!
//! The norms are the enterprise's trade secret, so the node serving this page must never see
//! them, not even on their way to the enclave. The page (`static/norms.js`) therefore does in
//! the browser what `bonded norms submit` does on an enterprise's own machine:
//!
//! 1. reads the rows from the form, or from a Mẫu 16 workbook read in the page with `exceljs`,
//!    and checks each one (codes registered, units, numbers), showing every row's error;
//! 2. builds the opening (`bonded-norms-v1`, a random salt, the canonical rows) and its
//!    SHA-256 commitment with WebCrypto;
//! 3. seals the opening with `@hpke/core` to the customs enclave's registered norms key, under
//!    the same suite and binding as [`bonded_norms::seal`];
//! 4. posts only the commitment, the sealed envelope and the facts the ledger record carries
//!    (row count, validity, loss convention).
//!
//! The node then does what it does for the CLI: it records the commitment (naming the
//! envelope's hash) in the enterprise's channel, signed with the enterprise's key, and stores
//! the envelope for the enclave. The enclave opens it at the next verification and refuses it
//! if the rows are not canonical or do not match the commitment, so a page that built them
//! wrongly fails loudly, never silently.
//!
//! TODO: the page takes the enclave's key from the node's registry view; unlike the CLI it does
//! not re-check the enclave's attestation quote itself, because no DCAP verifier runs in the
//! browser yet.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bonded_ledger::{ChannelId, Payload, SignedTransaction, TransactionBody};
use bonded_model::{ItemKind, LossConvention, NaiveDate, NormCommitment, OrganizationId};
use bonded_node::Node;
use bonded_store::Session;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::Lang;
use crate::pages::{self, lang, Refusal, Viewer};
use crate::Signers;

/// Largest norm submission the portal reads, in bytes: an envelope of about 20,000 rows.
pub const SUBMISSION_BYTES_MAX: usize = 2 * 1024 * 1024;

/// Why a norm submission was refused.
#[derive(Debug, thiserror::Error)]
pub enum NormEntryError {
    #[error("the page's token is not this session's")]
    Forged,
    #[error("only an enterprise's own users may send its norms")]
    Forbidden,
    #[error("this node holds no key to sign for {0}")]
    NoSigner(String),
    #[error("customs has registered no enclave to seal norms to")]
    NoEnclave,
    #[error("{field} is malformed")]
    Malformed { field: &'static str },
    #[error("the ledger refused the commitment: {0}")]
    Refused(String),
    #[error("the verifier refused the envelope: {0}")]
    Verifier(String),
    #[error("the node failed: {0}")]
    Node(String),
}

impl NormEntryError {
    fn status(&self) -> StatusCode {
        match self {
            NormEntryError::Forged | NormEntryError::Forbidden => StatusCode::FORBIDDEN,
            NormEntryError::NoSigner(_) | NormEntryError::NoEnclave => StatusCode::CONFLICT,
            NormEntryError::Malformed { .. } => StatusCode::BAD_REQUEST,
            NormEntryError::Refused(_) | NormEntryError::Verifier(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            NormEntryError::Node(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for NormEntryError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.to_string() });
        (self.status(), Json(body)).into_response()
    }
}

/// What the page needs to seal norms: public facts only.
#[derive(Serialize)]
struct SealingContext {
    chain_id: String,
    enterprise: String,
    enclave: String,
    norms_key: String,
    products: Vec<(String, String)>,
    materials: Vec<(String, String)>,
}

struct CommitmentRow {
    version: u32,
    valid: String,
    norm_count: u32,
    commitment: String,
}

#[derive(Template)]
#[template(path = "norms.html")]
struct NormsPage {
    lang: Lang,
    viewer: Option<Viewer>,
    enterprise: String,
    context: String,
    messages: String,
    can_send: bool,
    commitments: Vec<CommitmentRow>,
    loss_conventions: [&'static str; 3],
    import_map: &'static str,
}

/// The norm entry page, for an enterprise's own users.
pub async fn page(
    State(node): State<Arc<Node>>,
    axum::Extension(signers): axum::Extension<Arc<Signers>>,
    headers: HeaderMap,
) -> Response {
    let lang = lang(&headers);
    let result = pages::session(&node, &headers).and_then(|session| {
        if session.role != "enterprise" {
            return Err(Refusal::Forbidden(session));
        }
        norms_page(&node, &signers, lang, session)
    });
    match result {
        Ok(norms) => pages::page(StatusCode::OK, &norms),
        Err(refusal) => refusal.respond(lang),
    }
}

fn norms_page(
    node: &Node,
    signers: &Signers,
    lang: Lang,
    session: Session,
) -> Result<NormsPage, Refusal> {
    let enterprise = session.organization.clone();
    let failed = |error: String| {
        tracing::error!(%error, "portal.norms_page_failed");
        Refusal::Failed
    };
    let context = sealing_context(node, &enterprise).map_err(failed)?;
    let commitments = node
        .commitments(&enterprise)
        .map_err(|error| failed(error.to_string()))?
        .iter()
        .rev()
        .map(commitment_row)
        .collect();
    let can_send = context.is_some() && signers.keys.contains_key(&enterprise);
    Ok(NormsPage {
        lang,
        enterprise,
        context: serde_json::to_string(&context).map_err(|error| failed(error.to_string()))?,
        messages: crate::i18n::messages_json(lang, crate::i18n::NORM_MESSAGES),
        can_send,
        commitments,
        loss_conventions: ["included", "percent_of_norm", "percent_of_gross"],
        import_map: pages::IMPORT_MAP,
        viewer: Some((&session).into()),
    })
}

fn commitment_row(commitment: &NormCommitment) -> CommitmentRow {
    let to = commitment
        .valid_to
        .map(|date| date.to_string())
        .unwrap_or_default();
    CommitmentRow {
        version: commitment.version,
        valid: format!("{} – {to}", commitment.valid_from),
        norm_count: commitment.norm_count,
        commitment: hex::encode(&commitment.commitment[..8]),
    }
}

/// The chain, the customs enclave's norms key and the enterprise's registered items, or `None`
/// when customs has registered no enclave.
fn sealing_context(node: &Node, enterprise: &str) -> Result<Option<SealingContext>, String> {
    let chain = node.store.chain().map_err(|error| error.to_string())?;
    let Some(chain) = chain else {
        return Ok(None);
    };
    let enclaves = node.enclaves().map_err(|error| error.to_string())?;
    let customs = chain.customs.to_string();
    let Some(enclave) = enclaves.into_iter().rev().find(|view| view.host == customs) else {
        return Ok(None);
    };
    let (mut products, mut materials) = (Vec::new(), Vec::new());
    let id = OrganizationId(enterprise.to_string());
    for (_, _, payload) in pages::channel_payloads(node, &id)? {
        if let Payload::Item(item) = payload {
            let entry = (item.code, item.unit.code().to_string());
            match item.kind {
                ItemKind::Product => products.push(entry),
                ItemKind::Material => materials.push(entry),
            }
        }
    }
    Ok(Some(SealingContext {
        chain_id: chain.chain_id,
        enterprise: enterprise.to_string(),
        enclave: enclave.id,
        norms_key: enclave.norms_key,
        products,
        materials,
    }))
}

/// What the page posts: the commitment, the sealed envelope and the record's public facts.
#[derive(Deserialize)]
pub struct Submission {
    csrf: String,
    commitment: String,
    sealed_norms: String,
    norm_count: u32,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    loss_convention: LossConvention,
}

/// The answer to a submission that was recorded.
#[derive(Serialize)]
struct Recorded {
    version: u32,
    commitment_transaction: String,
    envelope_sha256: String,
}

/// Records a sealed norm set sent by the page: commitment on the ledger, envelope for the
/// enclave.
pub async fn submit(
    State(node): State<Arc<Node>>,
    axum::Extension(signers): axum::Extension<Arc<Signers>>,
    headers: HeaderMap,
    Json(submission): Json<Submission>,
) -> Response {
    match record(&node, &signers, &headers, submission).await {
        Ok(recorded) => Json(recorded).into_response(),
        Err(error) => {
            tracing::warn!(%error, "portal.norms_refused");
            error.into_response()
        }
    }
}

async fn record(
    node: &Node,
    signers: &Signers,
    headers: &HeaderMap,
    submission: Submission,
) -> Result<Recorded, NormEntryError> {
    let session =
        pages::posting_session(node, headers, &submission.csrf).map_err(|refusal| match refusal
            .forged()
        {
            true => NormEntryError::Forged,
            false => NormEntryError::Forbidden,
        })?;
    if session.role != "enterprise" {
        return Err(NormEntryError::Forbidden);
    }
    let enterprise = session.organization.clone();
    let key = signers
        .keys
        .get(&enterprise)
        .ok_or_else(|| NormEntryError::NoSigner(enterprise.clone()))?;
    let context = sealing_context(node, &enterprise)
        .map_err(NormEntryError::Node)?
        .ok_or(NormEntryError::NoEnclave)?;
    let sealed = decode_envelope(&submission.sealed_norms)?;
    let envelope_sha256: [u8; 32] = Sha256::digest(&sealed).into();
    let (record, version) = commitment_record(node, &enterprise, &submission, envelope_sha256)?;
    let transaction = sign_and_order(node, signers, key, &enterprise, record).await?;
    node.submit_envelope(
        &enterprise,
        &context.enclave,
        &submission.commitment,
        &submission.sealed_norms,
    )
    .map_err(|error| NormEntryError::Verifier(error.to_string()))?;
    tracing::info!(user = %session.user, %enterprise, version, "portal.norms_recorded");
    Ok(Recorded {
        version,
        commitment_transaction: transaction,
        envelope_sha256: hex::encode(envelope_sha256),
    })
}

fn decode_envelope(base64_text: &str) -> Result<Vec<u8>, NormEntryError> {
    use base64::Engine as _;
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(base64_text)
        .map_err(|_| NormEntryError::Malformed {
            field: "sealed_norms",
        })?;
    bonded_norms::SealedNorms::from_bytes(&sealed).map_err(|_| NormEntryError::Malformed {
        field: "sealed_norms",
    })?;
    Ok(sealed)
}

/// The ledger record of a submission: the next version, under the regime of the last one (or
/// the enterprise's first contract's).
fn commitment_record(
    node: &Node,
    enterprise: &str,
    submission: &Submission,
    envelope_sha256: [u8; 32],
) -> Result<(NormCommitment, u32), NormEntryError> {
    let mut commitment = [0u8; 32];
    hex::decode_to_slice(&submission.commitment, &mut commitment).map_err(|_| {
        NormEntryError::Malformed {
            field: "commitment",
        }
    })?;
    let recorded = node
        .commitments(enterprise)
        .map_err(|error| NormEntryError::Node(error.to_string()))?;
    let regime = match recorded.last() {
        Some(last) => last.regime,
        None => first_regime(node, enterprise)?,
    };
    let version = recorded.last().map_or(1, |last| last.version + 1);
    let record = NormCommitment {
        regime,
        version,
        valid_from: submission.valid_from,
        valid_to: submission.valid_to,
        loss_convention: submission.loss_convention,
        commitment,
        norm_count: submission.norm_count,
        envelopes: vec![envelope_sha256],
    };
    Ok((record, version))
}

/// The regime of the enterprise's first contract, for its first norm commitment.
fn first_regime(node: &Node, enterprise: &str) -> Result<bonded_model::Regime, NormEntryError> {
    let id = OrganizationId(enterprise.to_string());
    let payloads = pages::channel_payloads(node, &id).map_err(NormEntryError::Node)?;
    payloads
        .into_iter()
        .find_map(|(_, _, payload)| match payload {
            Payload::Contract(contract) => Some(contract.regime),
            _ => None,
        })
        .ok_or_else(|| {
            NormEntryError::Refused("the enterprise has no contract naming its regime".into())
        })
}

async fn sign_and_order(
    node: &Node,
    signers: &Signers,
    key: &ed25519_dalek::SigningKey,
    enterprise: &str,
    record: NormCommitment,
) -> Result<String, NormEntryError> {
    let body = TransactionBody {
        chain_id: signers.chain_id.clone(),
        channel: ChannelId(enterprise.to_string()),
        nonce: rand::random(),
        payload: Payload::NormCommitment(record),
    };
    let transaction = SignedTransaction::sign(&body, key)
        .map_err(|error| NormEntryError::Node(error.to_string()))?;
    match node.orderer.submit(vec![transaction]).await.pop() {
        Some(bonded_ordering::SubmitOutcome::Accepted(receipt)) => {
            Ok(receipt.transaction_hash.to_hex())
        }
        other => Err(NormEntryError::Refused(format!("{other:?}"))),
    }
}
