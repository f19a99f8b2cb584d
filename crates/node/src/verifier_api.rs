//! HTTP routes of the verifier: the enclave registry, norm envelopes, verifications, reports.
//!
//! TODO: no route checks who is asking. Anyone who reaches the node can read reports and start
//! verifications and comparisons; per-organization accounts arrive with the portal (issue 5).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bonded_enclave::protocol::{hex32, ErrorCode};

use crate::api::{parse_body, ApiError};
use crate::verifier::VerifierError;
use crate::verifier_views::*;
use crate::views::{ErrorView, ReceiptView};
use crate::Node;

/// The verifier's routes, merged into the node's router.
pub fn routes() -> Router<Arc<Node>> {
    Router::new()
        .route("/v1/enclaves", get(enclaves))
        .route("/v1/enclave", get(hosted_enclave))
        .route("/v1/norms", post(submit_norms))
        .route("/v1/verifications", post(verify))
        .route("/v1/reports/{sha256}", get(report))
        .route("/v1/channels/{channel}/commitments", get(commitments))
        .route("/v1/keys/{key}", get(key_owner))
        .route("/v1/enterprises/{enterprise}/clearance", get(clearance))
        .route("/v1/comparisons", post(compare))
}

impl From<VerifierError> for ApiError {
    fn from(error: VerifierError) -> Self {
        let (status, code) = status_and_code(&error);
        if status.is_server_error() {
            tracing::error!(error = %error, "verifier.request_failed");
        }
        ApiError::new(status, code, error.to_string())
    }
}

fn status_and_code(error: &VerifierError) -> (StatusCode, &'static str) {
    use VerifierError as E;
    match error {
        E::NoEnclave => (StatusCode::NOT_FOUND, "NoEnclave"),
        E::Unregistered => (StatusCode::CONFLICT, "EnclaveUnregistered"),
        E::NoGenesis => (StatusCode::CONFLICT, "NoGenesis"),
        E::UnknownEnterprise(_) => (StatusCode::NOT_FOUND, "UnknownEnterprise"),
        E::UnknownEnclave(_) => (StatusCode::NOT_FOUND, "UnknownEnclave"),
        E::Decoding(_) => (StatusCode::BAD_REQUEST, "BadEncoding"),
        E::MalformedEnvelope => (StatusCode::BAD_REQUEST, "MalformedEnvelope"),
        E::NotCommitted { .. } => (StatusCode::CONFLICT, "EnvelopeNotCommitted"),
        E::NoCommitment(_) => (StatusCode::CONFLICT, "NoCommitment"),
        E::NoEnvelope { .. } => (StatusCode::CONFLICT, "NoEnvelope"),
        E::Refused { code, .. } => refusal(*code),
        E::VerdictRejected(_) => (StatusCode::CONFLICT, "VerdictRejected"),
        E::Overtaken => (StatusCode::SERVICE_UNAVAILABLE, "Overtaken"),
        E::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "Unavailable"),
        E::Host(_) | E::Protocol | E::EnclaveChanged => (StatusCode::BAD_GATEWAY, "EnclaveFailure"),
        E::Store(_) | E::CorruptBlock(_) => (StatusCode::SERVICE_UNAVAILABLE, "StorageFailure"),
    }
}

/// The enclave's refusals: the inputs the node gave were wrong (422) or the enclave failed.
fn refusal(code: ErrorCode) -> (StatusCode, &'static str) {
    match code {
        ErrorCode::EnvelopeUnauthentic => (StatusCode::UNPROCESSABLE_ENTITY, "EnvelopeUnauthentic"),
        ErrorCode::EnvelopeMalformed => (StatusCode::UNPROCESSABLE_ENTITY, "EnvelopeMalformed"),
        ErrorCode::CommitmentMismatch => (StatusCode::UNPROCESSABLE_ENTITY, "CommitmentMismatch"),
        ErrorCode::NormsInvalid => (StatusCode::UNPROCESSABLE_ENTITY, "NormsInvalid"),
        ErrorCode::NormsDoNotFitBundle => (StatusCode::UNPROCESSABLE_ENTITY, "NormsDoNotFit"),
        ErrorCode::RecordsUnverified => (StatusCode::BAD_GATEWAY, "RecordsUnverified"),
        ErrorCode::CommitmentNotCurrent => (StatusCode::CONFLICT, "CommitmentNotCurrent"),
        ErrorCode::BadBundle => (StatusCode::UNPROCESSABLE_ENTITY, "BadRecords"),
        ErrorCode::BadComparison => (StatusCode::UNPROCESSABLE_ENTITY, "BadComparison"),
        _ => (StatusCode::BAD_GATEWAY, "EnclaveFailure"),
    }
}

#[utoipa::path(get, path = "/v1/enclaves", responses((status = 200, body = [EnclaveView])))]
pub(crate) async fn enclaves(
    State(node): State<Arc<Node>>,
) -> Result<Json<Vec<EnclaveView>>, ApiError> {
    let blocking = node.clone();
    let views = tokio::task::spawn_blocking(move || blocking.enclaves())
        .await
        .map_err(|_| VerifierError::Protocol)??;
    Ok(Json(views))
}

#[utoipa::path(get, path = "/v1/enclave",
    responses((status = 200, body = HostedEnclaveView), (status = 404, body = ErrorView)))]
pub(crate) async fn hosted_enclave(
    State(node): State<Arc<Node>>,
) -> Result<Json<HostedEnclaveView>, ApiError> {
    let host = node.hosted()?;
    let chain = node
        .store
        .chain()
        .map_err(VerifierError::from)?
        .ok_or(VerifierError::NoGenesis)?;
    let registered_as = node.hosted_enclave_id()?.map(|id| id.to_string());
    let now = node.orderer.now_ms();
    let identity = tokio::task::spawn_blocking(move || host.attest(&chain.chain_id, now))
        .await
        .map_err(|_| VerifierError::Protocol)??;
    Ok(Json(HostedEnclaveView {
        registered_as,
        quote: identity.quote,
        collateral: identity.collateral,
        verdict_key: identity.verdict_key,
        norms_key: identity.norms_key,
        mr_enclave: identity.mr_enclave,
        mr_signer: identity.mr_signer,
        debug: identity.debug,
        policy: identity.policy,
        simulated_root: identity.simulated_root,
    }))
}

#[utoipa::path(post, path = "/v1/norms", request_body = NormSubmission,
    responses((status = 200, body = NormEnvelopeView), (status = 400, body = ErrorView),
        (status = 409, body = ErrorView)))]
pub(crate) async fn submit_norms(
    State(node): State<Arc<Node>>,
    body: axum::body::Bytes,
) -> Result<Json<NormEnvelopeView>, ApiError> {
    let submission: NormSubmission = parse_body(&body)?;
    let blocking = node.clone();
    let stored = tokio::task::spawn_blocking(move || {
        blocking.submit_envelope(
            &submission.enterprise,
            &submission.enclave,
            &submission.commitment,
            &submission.sealed_norms,
        )
    })
    .await
    .map_err(|_| VerifierError::Protocol)??;
    Ok(Json(NormEnvelopeView {
        envelope_sha256: hex::encode(stored.sha256()),
        enterprise: stored.enterprise,
        enclave: stored.enclave,
        commitment: hex::encode(stored.commitment),
    }))
}

#[utoipa::path(post, path = "/v1/verifications", request_body = VerificationRequest,
    responses((status = 200, body = VerificationView), (status = 404, body = ErrorView),
        (status = 409, body = ErrorView)))]
pub(crate) async fn verify(
    State(node): State<Arc<Node>>,
    body: axum::body::Bytes,
) -> Result<Json<VerificationView>, ApiError> {
    let request: VerificationRequest = parse_body(&body)?;
    let verified = node
        .verify_enterprise(&request.enterprise, request.from, request.to)
        .await?;
    let record = match verified.transaction.decode() {
        Ok(decoded) => match decoded.body.payload {
            bonded_ledger::Payload::Verdict(record) => record,
            _ => return Err(VerifierError::Protocol.into()),
        },
        Err(_) => return Err(VerifierError::Protocol.into()),
    };
    let enclave = node
        .enclave_by_id(&verified.enclave.0)?
        .ok_or(VerifierError::Unregistered)?;
    let chain = node
        .store
        .chain()
        .map_err(VerifierError::from)?
        .ok_or(VerifierError::NoGenesis)?;
    let report =
        serde_json::from_str(&verified.verdict.report).map_err(|_| VerifierError::Protocol)?;
    let clearance = clearance_value(&node, &request.enterprise).await?;
    Ok(Json(VerificationView {
        enterprise: request.enterprise,
        verdict: VerdictView::from(&record),
        report,
        attestation: attestation_sentence(&chain.attestation, enclave.debug),
        enclave,
        transaction_hash: verified.transaction.hash().to_hex(),
        receipt: ReceiptView::from(&verified.receipt),
        attempts: verified.attempts,
        clearance,
    }))
}

async fn clearance_value(
    node: &Arc<Node>,
    enterprise: &str,
) -> Result<serde_json::Value, ApiError> {
    let blocking = node.clone();
    let enterprise = enterprise.to_string();
    let clearance = tokio::task::spawn_blocking(move || blocking.clearance(&enterprise))
        .await
        .map_err(|_| VerifierError::Protocol)??;
    serde_json::to_value(clearance).map_err(|_| VerifierError::Protocol.into())
}

/// The clearance states: `cleared` (with `confirmed_by` for an AEO's own verdict),
/// `not_compliant`, `awaiting_confirmation`, `disagreement`, `stale` and `no_verdict`.
#[utoipa::path(get, path = "/v1/enterprises/{enterprise}/clearance",
    params(("enterprise" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorView)))]
pub(crate) async fn clearance(
    State(node): State<Arc<Node>>,
    Path(enterprise): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(clearance_value(&node, &enterprise).await?))
}

#[utoipa::path(get, path = "/v1/reports/{sha256}",
    params(("sha256" = String, Path, description = "the report's SHA-256, hex, as its verdict names it")),
    responses((status = 200, body = Object), (status = 404, body = ErrorView)))]
pub(crate) async fn report(
    State(node): State<Arc<Node>>,
    Path(sha256): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let hash = hex32("sha256", &sha256).map_err(VerifierError::from)?;
    let text = node.store.report(&hash).map_err(VerifierError::from)?;
    let text = text.ok_or_else(|| ApiError::not_found(format!("no report {sha256}")))?;
    let value = serde_json::from_str(&text).map_err(|_| VerifierError::Protocol)?;
    Ok(Json(value))
}

#[utoipa::path(get, path = "/v1/channels/{channel}/commitments",
    params(("channel" = String, Path)),
    responses((status = 200, body = [CommitmentView])))]
pub(crate) async fn commitments(
    State(node): State<Arc<Node>>,
    Path(channel): Path<String>,
) -> Result<Json<Vec<CommitmentView>>, ApiError> {
    let blocking = node.clone();
    let recorded = tokio::task::spawn_blocking(move || blocking.commitments(&channel))
        .await
        .map_err(|_| VerifierError::Protocol)??;
    Ok(Json(recorded.iter().map(CommitmentView::from).collect()))
}

#[utoipa::path(get, path = "/v1/keys/{key}",
    params(("key" = String, Path, description = "Ed25519 public key, hex")),
    responses((status = 200, body = KeyOwnerView), (status = 404, body = ErrorView)))]
pub(crate) async fn key_owner(
    State(node): State<Arc<Node>>,
    Path(key): Path<String>,
) -> Result<Json<KeyOwnerView>, ApiError> {
    let bytes = hex32("key", &key).map_err(VerifierError::from)?;
    let owner = node
        .store
        .organization_of_key(&bytes)
        .map_err(VerifierError::from)?;
    let owner = owner.ok_or_else(|| ApiError::not_found(format!("no organization holds {key}")))?;
    Ok(Json(KeyOwnerView {
        key,
        organization: owner.to_string(),
    }))
}

/// Compare, inside the customs enclave, the norms of every enterprise that sealed its newest
/// norms to it, for products under one HS code. Only groups of at least k enterprises (the
/// node's policy, 5 by default) are released, as percentiles; the subject gets a band.
#[utoipa::path(post, path = "/v1/comparisons", request_body = ComparisonRequest,
    responses((status = 200, body = Object), (status = 422, body = ErrorView)))]
pub(crate) async fn compare(
    State(node): State<Arc<Node>>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let request: ComparisonRequest = parse_body(&body)?;
    let comparison = node
        .compare(&request.hs_code, request.subject.as_deref())
        .await?;
    let value = serde_json::to_value(comparison).map_err(|_| VerifierError::Protocol)?;
    Ok(Json(value))
}
