//! HTTP routes under `/v1`, and the OpenAPI document that describes them.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use bonded_ledger::{ChannelId, Hash, SignedTransaction};
use bonded_ordering::SubmitOutcome;
use utoipa::OpenApi;

use crate::verifier_api;
use crate::verifier_views::*;
use crate::views::*;
use crate::{Node, NodeError};

/// Largest request body accepted, in bytes.
pub const REQUEST_BYTES_MAX: usize = 32 * 1024 * 1024;
/// Most envelopes in one submission request.
pub const TRANSACTIONS_PER_REQUEST_MAX: usize = 10_000;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bonded node API",
        description = "Submit signed transactions to the customs ledger and read blocks, receipts and channel heads; send sealed norms to the confidential verifier and run verifications."
    ),
    paths(
        submit,
        transaction,
        block,
        channels,
        organizations,
        chain,
        health,
        verifier_api::enclaves,
        verifier_api::hosted_enclave,
        verifier_api::submit_norms,
        verifier_api::verify,
        verifier_api::report,
        verifier_api::commitments,
        verifier_api::key_owner
    ),
    components(schemas(
        SubmitRequest,
        SubmitResponse,
        SubmitResult,
        ReceiptView,
        HeaderView,
        SignatureView,
        TransactionView,
        BlockView,
        ChannelHeadView,
        OrganizationView,
        ChainView,
        HealthView,
        ErrorView,
        NormSubmission,
        NormEnvelopeView,
        VerificationRequest,
        EnclaveView,
        VerdictView,
        VerificationView,
        HostedEnclaveView,
        AttestationView,
        ApprovedCodeView,
        CommitmentView,
        KeyOwnerView,
        ComparisonRequest
    ))
)]
struct ApiDocument;

/// The node's routes.
pub fn router(node: Arc<Node>) -> Router {
    Router::new()
        .route("/v1/transactions", post(submit))
        .route("/v1/transactions/{hash}", get(transaction))
        .route("/v1/channels", get(channels))
        .route("/v1/channels/{channel}/blocks/{height}", get(block))
        .route("/v1/organizations", get(organizations))
        .route("/v1/chain", get(chain))
        .route("/v1/health", get(health))
        .route("/v1/openapi.json", get(openapi))
        .merge(verifier_api::routes())
        .layer(DefaultBodyLimit::max(REQUEST_BYTES_MAX))
        .with_state(node)
}

/// An error answer with its HTTP status.
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: String) -> Self {
        ApiError {
            status,
            code,
            message,
        }
    }

    fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "NotFound",
            message: message.into(),
        }
    }
}

impl From<NodeError> for ApiError {
    fn from(error: NodeError) -> Self {
        tracing::error!(error = %error, "node.request_failed");
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "StorageFailure",
            message: error.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorView {
            code: self.code.to_string(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

/// Parses a JSON body, turning every failure into a clear 400 or 413.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request("MalformedJson", format!("request body: {error}")))
}

#[utoipa::path(post, path = "/v1/transactions", request_body = SubmitRequest,
    responses((status = 200, body = SubmitResponse), (status = 400, body = ErrorView)))]
async fn submit(
    State(node): State<Arc<Node>>,
    body: axum::body::Bytes,
) -> Result<Json<SubmitResponse>, ApiError> {
    let request: SubmitRequest = parse_body(&body)?;
    if request.transactions.is_empty() || request.transactions.len() > TRANSACTIONS_PER_REQUEST_MAX
    {
        return Err(ApiError::bad_request(
            "BatchSize",
            format!("send 1 to {TRANSACTIONS_PER_REQUEST_MAX} transactions per request"),
        ));
    }
    let mut envelopes = Vec::with_capacity(request.transactions.len());
    for (index, text) in request.transactions.iter().enumerate() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|error| {
                ApiError::bad_request("MalformedEnvelope", format!("transaction {index}: {error}"))
            })?;
        let envelope = SignedTransaction::from_bytes(bytes).map_err(|error| {
            ApiError::bad_request("MalformedEnvelope", format!("transaction {index}: {error}"))
        })?;
        envelopes.push(envelope);
    }
    let hashes: Vec<Hash> = envelopes.iter().map(SignedTransaction::hash).collect();
    let outcomes = node.orderer.submit(envelopes).await;
    let results = outcomes
        .iter()
        .zip(hashes)
        .enumerate()
        .map(|(index, (outcome, hash))| submit_result(index, hash, outcome))
        .collect();
    Ok(Json(SubmitResponse { results }))
}

fn submit_result(index: usize, hash: Hash, outcome: &SubmitOutcome) -> SubmitResult {
    let mut result = SubmitResult {
        index,
        status: String::new(),
        transaction_hash: Some(hash.to_hex()),
        receipt: None,
        reason_code: None,
        reason: None,
    };
    match outcome {
        SubmitOutcome::Accepted(receipt) => {
            result.status = "accepted".into();
            result.receipt = Some(ReceiptView::from(receipt));
        }
        SubmitOutcome::Rejected(rejection) => {
            result.status = "rejected".into();
            result.reason_code = Some(rejection.code().into());
            result.reason = Some(rejection.to_string());
        }
        SubmitOutcome::Unavailable(reason) => {
            result.status = "unavailable".into();
            result.reason_code = Some("Unavailable".into());
            result.reason = Some(reason.clone());
        }
    }
    result
}

#[utoipa::path(get, path = "/v1/transactions/{hash}",
    params(("hash" = String, Path, description = "transaction hash, hex")),
    responses((status = 200, body = TransactionView), (status = 404, body = ErrorView)))]
async fn transaction(
    State(node): State<Arc<Node>>,
    Path(hash): Path<String>,
) -> Result<Json<TransactionView>, ApiError> {
    let hash: Hash = hash.parse().map_err(|_| {
        ApiError::bad_request("MalformedHash", "a transaction hash is 64 hex digits")
    })?;
    let view = node.transaction(&hash)?;
    view.map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no transaction {hash}")))
}

#[utoipa::path(get, path = "/v1/channels/{channel}/blocks/{height}",
    params(("channel" = String, Path), ("height" = u64, Path)),
    responses((status = 200, body = BlockView), (status = 404, body = ErrorView)))]
async fn block(
    State(node): State<Arc<Node>>,
    Path((channel, height)): Path<(String, u64)>,
) -> Result<Json<BlockView>, ApiError> {
    let block = node
        .store
        .block(&ChannelId(channel.clone()), height)
        .map_err(NodeError::from)?;
    block
        .map(|block| Json(BlockView::from(&block)))
        .ok_or_else(|| ApiError::not_found(format!("no block {channel}/{height}")))
}

#[utoipa::path(get, path = "/v1/channels", responses((status = 200, body = [ChannelHeadView])))]
async fn channels(State(node): State<Arc<Node>>) -> Result<Json<Vec<ChannelHeadView>>, ApiError> {
    let heads = node.store.heads().map_err(NodeError::from)?;
    let views = heads
        .into_iter()
        .map(|(channel, head)| ChannelHeadView {
            channel: channel.to_string(),
            height: head.height,
            hash: head.hash.to_hex(),
            transaction_count: head.transaction_count,
        })
        .collect();
    Ok(Json(views))
}

#[utoipa::path(get, path = "/v1/organizations", responses((status = 200, body = [OrganizationView])))]
async fn organizations(
    State(node): State<Arc<Node>>,
) -> Result<Json<Vec<OrganizationView>>, ApiError> {
    let records = node.store.organizations().map_err(NodeError::from)?;
    let views = records.iter().map(OrganizationView::from).collect();
    Ok(Json(views))
}

#[utoipa::path(get, path = "/v1/chain", responses((status = 200, body = ChainView), (status = 404, body = ErrorView)))]
async fn chain(State(node): State<Arc<Node>>) -> Result<Json<ChainView>, ApiError> {
    let chain = node.store.chain().map_err(NodeError::from)?;
    let chain = chain.ok_or_else(|| ApiError::not_found("the ledger has no genesis yet"))?;
    Ok(Json(ChainView {
        chain_id: chain.chain_id,
        customs: chain.customs.to_string(),
        orderer_keys: chain.orderer_keys.iter().map(hex::encode).collect(),
        attestation: AttestationView::new(&chain.attestation, &chain.approved_code),
    }))
}

#[utoipa::path(get, path = "/v1/health", responses((status = 200, body = HealthView)))]
async fn health(State(node): State<Arc<Node>>) -> Result<Json<HealthView>, ApiError> {
    let chain = node.store.chain().map_err(NodeError::from)?;
    Ok(Json(HealthView {
        status: "ok".into(),
        node_id: node.orderer.node_id(),
        leader: node.orderer.leader().await,
        last_applied: node.orderer.last_applied(),
        chain_id: chain.map(|chain| chain.chain_id),
    }))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDocument::openapi())
}
