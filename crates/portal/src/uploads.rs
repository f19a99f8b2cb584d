//! Workbook uploads: the finalization report an enterprise filed (Mẫu 15, 15a) and the customs
//! line extract (Báo cáo hàng chi tiết), checked against the ledger.
//!
//! # Design
//!
//! Neither workbook is a secret from customs: the report is filed with customs, the extract is
//! customs' own record. So unlike norms they are read on the server, by the same readers as the
//! CLI ([`bonded_forms::read_report`], [`bonded_forms::extract::read_extract`]): every file type
//! real offices produce, headers found by their text, every unreadable cell an error naming its
//! sheet, row and cell, and a layout refused when the form's own identity fails on its rows.
//!
//! The page posts the file's bytes as the body (`static/uploads.js`, which shows the upload's
//! progress), with the session's CSRF token in a header. Reading runs on a blocking thread so
//! a 70 MB extract does not hold up other requests. The answer is JSON the page renders:
//!
//! - a report: the rows read, the row errors, and for each code the filed closing stock beside
//!   the closing the newest verdict computed from the ledger;
//! - an extract: the declarations read, the row errors, and how they stand against the
//!   enterprise's declarations on the ledger: recorded and equal, recorded but different, or
//!   missing. An officer whose organization the portal signs for may then record the missing
//!   ones: they become customs-signed declarations, ordered like any other.
//!
//! Nothing an upload reads is stored unless an officer records it.
//!
//! TODO: a filed Mẫu 15 is compared and then dropped; making it an input of the next
//! verification needs a ledger record for filed reports, signed by the enterprise.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bonded_forms::extract::LineExtract;
use bonded_forms::{FiledReport, Form, RowError};
use bonded_ledger::{ChannelId, Payload, SignedTransaction, TransactionBody};
use bonded_model::{Declaration, OrganizationId};
use bonded_node::Node;
use bonded_ordering::SubmitOutcome;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::i18n::Lang;
use crate::pages::{self, lang, Refusal, Viewer};
use crate::Signers;

/// Largest workbook the portal reads, in bytes.
pub const UPLOAD_BYTES_MAX: usize = 100 * 1024 * 1024;
/// Header carrying the session's CSRF token on an upload.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Declarations per ordering request when an officer records an extract.
const RECORD_BATCH: usize = 1_000;
/// Ordering requests in flight at once while an extract is recorded.
const RECORD_CLIENTS: usize = 4;
/// Most row errors and declaration differences an answer lists; the counts are always whole.
const LISTED_MAX: usize = 200;

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the page's token is not this session's")]
    Forged,
    #[error("this page is not yours to use")]
    Forbidden,
    #[error("the upload is empty")]
    Empty,
    #[error("unknown upload kind; the kinds are report and extract")]
    Kind,
    #[error("{0}")]
    Unreadable(String),
    #[error("the node failed: {0}")]
    Node(String),
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        let status = match &self {
            UploadError::Forged | UploadError::Forbidden => StatusCode::FORBIDDEN,
            UploadError::Empty | UploadError::Kind => StatusCode::BAD_REQUEST,
            UploadError::Unreadable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            UploadError::Node(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

#[derive(Template)]
#[template(path = "uploads.html")]
struct UploadsPage {
    lang: Lang,
    viewer: Option<Viewer>,
    enterprise: String,
    can_record: bool,
    messages: String,
}

/// The upload page of one enterprise, for its own users and for officers.
pub async fn page(
    State(node): State<Arc<Node>>,
    axum::Extension(signers): axum::Extension<Arc<Signers>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = lang(&headers);
    let result = pages::enterprise_session(&node, &headers, &id).and_then(|session| {
        if !is_enterprise(&node, &id) {
            return Err(Refusal::NotFound(session));
        }
        Ok(UploadsPage {
            lang,
            enterprise: id.clone(),
            can_record: session.role == "officer"
                && signers.keys.contains_key(&session.organization),
            messages: crate::i18n::messages_json(lang, crate::i18n::UPLOAD_MESSAGES),
            viewer: Some((&session).into()),
        })
    });
    match result {
        Ok(uploads) => pages::page(StatusCode::OK, &uploads),
        Err(refusal) => refusal.respond(lang),
    }
}

fn is_enterprise(node: &Node, id: &str) -> bool {
    matches!(
        node.store.organization(&OrganizationId(id.to_string())),
        Ok(Some(record)) if matches!(record.kind, bonded_model::OrganizationKind::Enterprise { .. })
    )
}

/// What an upload is and what to do with it.
#[derive(Deserialize)]
pub struct UploadQuery {
    kind: String,
    /// For an extract uploaded by an officer: record the declarations the ledger lacks.
    #[serde(default)]
    record: bool,
}

/// Reads an uploaded workbook and answers how it stands against the ledger.
pub async fn upload(
    State(node): State<Arc<Node>>,
    axum::Extension(signers): axum::Extension<Arc<Signers>>,
    Path(id): Path<String>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&node, &signers, &id, &query, &headers, body).await {
        Ok(answer) => Json(answer).into_response(),
        Err(error) => {
            tracing::warn!(%error, enterprise = %id, kind = %query.kind, "portal.upload_refused");
            error.into_response()
        }
    }
}

async fn handle(
    node: &Node,
    signers: &Signers,
    id: &str,
    query: &UploadQuery,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<serde_json::Value, UploadError> {
    let csrf = headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let session =
        pages::posting_session(node, headers, csrf).map_err(|refusal| match refusal.forged() {
            true => UploadError::Forged,
            false => UploadError::Forbidden,
        })?;
    if !pages::may_see_enterprise(&session, id) || !is_enterprise(node, id) {
        return Err(UploadError::Forbidden);
    }
    if body.is_empty() {
        return Err(UploadError::Empty);
    }
    let started = std::time::Instant::now();
    let answer = match query.kind.as_str() {
        "report" => report_answer(node, id, read_blocking(body, read_report).await?)?,
        "extract" => {
            let extract = read_blocking(body, read_extract).await?;
            let key = match query.record && session.role == "officer" {
                true => signers.keys.get(&session.organization),
                false => None,
            };
            extract_answer(node, signers, key, id, extract).await?
        }
        _ => return Err(UploadError::Kind),
    };
    tracing::info!(user = %session.user, enterprise = %id, kind = %query.kind,
        ms = started.elapsed().as_millis() as u64, "portal.upload_read");
    Ok(answer)
}

fn read_report(bytes: &[u8]) -> Result<FiledReport, String> {
    bonded_forms::read_report(bytes).map_err(|error| error.to_string())
}

fn read_extract(bytes: &[u8]) -> Result<LineExtract, String> {
    bonded_forms::extract::read_extract(bytes).map_err(|error| error.to_string())
}

async fn read_blocking<T: Send + 'static>(
    body: Bytes,
    read: fn(&[u8]) -> Result<T, String>,
) -> Result<T, UploadError> {
    tokio::task::spawn_blocking(move || read(&body))
        .await
        .map_err(|error| UploadError::Node(error.to_string()))?
        .map_err(UploadError::Unreadable)
}

#[derive(Serialize)]
struct ListedError {
    sheet: String,
    row: usize,
    reason: String,
}

// TODO: the readers write their row errors in English; a Vietnamese page shows them as they are
// until the forms crate names its errors by key for the portal to translate.
fn listed_errors(errors: &[RowError]) -> Vec<ListedError> {
    errors
        .iter()
        .take(LISTED_MAX)
        .map(|error| ListedError {
            sheet: error.sheet.clone(),
            row: error.row,
            reason: error.reason.clone(),
        })
        .collect()
}

/// A filed report's rows beside the newest verdict's closing stock for the same codes.
fn report_answer(
    node: &Node,
    id: &str,
    report: FiledReport,
) -> Result<serde_json::Value, UploadError> {
    let organization = OrganizationId(id.to_string());
    let reports = crate::balances::reports(node, &organization).map_err(UploadError::Node)?;
    let ledger: HashMap<(&str, &str), &str> = match reports.last() {
        Some((_, newest)) => newest
            .materials
            .iter()
            .map(|row| {
                (
                    (Form::Materials.name(), row.code.as_str()),
                    row.closing.as_str(),
                )
            })
            .chain(newest.products.iter().map(|row| {
                (
                    (Form::Products.name(), row.code.as_str()),
                    row.closing.as_str(),
                )
            }))
            .collect(),
        None => HashMap::new(),
    };
    let rows: Vec<_> = report
        .rows
        .iter()
        .map(|row| {
            json!({
                "form": row.form.name(),
                "row": row.row,
                "code": row.code,
                "closing": row.closing.normalize().to_string(),
                "ledger_closing": ledger.get(&(row.form.name(), row.code.as_str())),
                "adds_up": row.adds_up(),
            })
        })
        .collect();
    Ok(json!({
        "kind": "report",
        "rows": report.rows.len(),
        "error_count": report.errors.len(),
        "errors": listed_errors(&report.errors),
        "compared": rows,
    }))
}

/// How an extract's declarations stand against the ledger's, and which were recorded.
async fn extract_answer(
    node: &Node,
    signers: &Signers,
    key: Option<&ed25519_dalek::SigningKey>,
    id: &str,
    extract: LineExtract,
) -> Result<serde_json::Value, UploadError> {
    let organization = OrganizationId(id.to_string());
    let recorded: HashMap<String, Declaration> = pages::channel_payloads(node, &organization)
        .map_err(UploadError::Node)?
        .into_iter()
        .filter_map(|(_, _, payload)| match payload {
            Payload::Declaration(declaration) => Some((declaration.number.clone(), declaration)),
            _ => None,
        })
        .collect();
    let mut differing = Vec::new();
    let mut missing = Vec::new();
    let mut equal = 0usize;
    for declaration in &extract.declarations {
        match recorded.get(&declaration.number) {
            None => missing.push(declaration.clone()),
            Some(on_ledger) => match difference(declaration, on_ledger) {
                Some(reason) => {
                    differing.push(json!({ "number": declaration.number, "reason": reason }))
                }
                None => equal += 1,
            },
        }
    }
    let missing_numbers: Vec<&str> = missing
        .iter()
        .take(LISTED_MAX)
        .map(|declaration| declaration.number.as_str())
        .collect();
    let missing_count = missing.len();
    let outcome = match key {
        Some(key) => {
            Some(record_declarations(node, &signers.chain_id, key, id, missing.clone()).await?)
        }
        None => None,
    };
    differing.truncate(LISTED_MAX);
    Ok(json!({
        "kind": "extract",
        "rows": extract.rows,
        "declarations": extract.declarations.len(),
        "error_count": extract.errors.len(),
        "errors": listed_errors(&extract.errors),
        "equal": equal,
        "differing": differing,
        "missing_count": missing_count,
        "missing": missing_numbers,
        "recorded": outcome,
    }))
}

/// Why a declaration in an extract is not the one on the ledger, if it is not.
fn difference(extract: &Declaration, ledger: &Declaration) -> Option<String> {
    if extract.type_code != ledger.type_code || extract.date != ledger.date {
        return Some(format!(
            "type {} dated {} in the extract, {} dated {} on the ledger",
            extract.type_code, extract.date, ledger.type_code, ledger.date
        ));
    }
    if extract.lines.len() != ledger.lines.len() {
        return Some(format!(
            "{} lines in the extract, {} on the ledger",
            extract.lines.len(),
            ledger.lines.len()
        ));
    }
    for line in &extract.lines {
        let matching = ledger
            .lines
            .iter()
            .find(|other| other.line_number == line.line_number);
        let same = matching.is_some_and(|other| {
            other.item_code == line.item_code
                && other.quantity == line.quantity
                && other.unit == line.unit
        });
        if !same {
            return Some(format!(
                "line {}: {} {} {} in the extract differs from the ledger",
                line.line_number,
                line.item_code,
                line.quantity.normalize(),
                line.unit
            ));
        }
    }
    None
}

/// What recording an extract's declarations came to.
#[derive(Debug, Default, Serialize)]
pub struct Recorded {
    pub accepted: usize,
    /// Declarations the ledger refused, with its reason (the first [`LISTED_MAX`]).
    pub refused: Vec<serde_json::Value>,
    pub refused_count: usize,
}

/// Records `declarations` in `enterprise`'s channel, signed with customs' `key`, and waits until
/// every one is ordered or refused.
///
/// Signing and ordering overlap: a blocking thread signs a batch at a time while up to
/// [`RECORD_CLIENTS`] batches already signed are with the orderer, so customs' signatures are
/// made while the orderer checks and commits the batches before them.
pub async fn record_declarations(
    node: &Node,
    chain_id: &str,
    key: &ed25519_dalek::SigningKey,
    enterprise: &str,
    declarations: Vec<Declaration>,
) -> Result<Recorded, UploadError> {
    let (batches, mut signed) = tokio::sync::mpsc::channel(RECORD_CLIENTS);
    let channel = ChannelId::enterprise(&OrganizationId(enterprise.to_string()));
    let (chain_id, key) = (chain_id.to_string(), key.clone());
    let signing = tokio::task::spawn_blocking(move || {
        let mut pending = declarations.into_iter().peekable();
        while pending.peek().is_some() {
            let batch: Vec<Declaration> = pending.by_ref().take(RECORD_BATCH).collect();
            let signed = sign_batch(&chain_id, &key, &channel, batch);
            if batches.blocking_send(signed).is_err() {
                break;
            }
        }
    });
    let mut recorded = Recorded::default();
    let mut in_flight = tokio::task::JoinSet::new();
    while let Some(batch) = signed.recv().await {
        let (numbers, transactions) = batch?;
        if in_flight.len() >= RECORD_CLIENTS {
            settle(&mut recorded, in_flight.join_next().await)?;
        }
        let orderer = node.orderer.clone();
        in_flight.spawn(async move { (numbers, orderer.submit(transactions).await) });
    }
    while let Some(done) = in_flight.join_next().await {
        settle(&mut recorded, Some(done))?;
    }
    signing
        .await
        .map_err(|error| UploadError::Node(error.to_string()))?;
    Ok(recorded)
}

/// A batch of declarations signed by customs, with their numbers.
type SignedBatch = (Vec<String>, Vec<SignedTransaction>);
/// A batch back from the orderer: the numbers and each one's outcome.
type OrderedBatch = Result<(Vec<String>, Vec<SubmitOutcome>), tokio::task::JoinError>;

fn sign_batch(
    chain_id: &str,
    key: &ed25519_dalek::SigningKey,
    channel: &ChannelId,
    batch: Vec<Declaration>,
) -> Result<SignedBatch, UploadError> {
    let numbers = batch.iter().map(|d| d.number.clone()).collect();
    let transactions = batch
        .into_iter()
        .map(|declaration| {
            let body = TransactionBody {
                chain_id: chain_id.to_string(),
                channel: channel.clone(),
                nonce: rand::random(),
                payload: Payload::Declaration(declaration),
            };
            SignedTransaction::sign(&body, key)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| UploadError::Node(error.to_string()))?;
    Ok((numbers, transactions))
}

/// Adds one ordered batch's outcomes to `recorded`.
fn settle(recorded: &mut Recorded, done: Option<OrderedBatch>) -> Result<(), UploadError> {
    let Some(done) = done else {
        return Ok(());
    };
    let (numbers, outcomes) = done.map_err(|error| UploadError::Node(error.to_string()))?;
    for (number, outcome) in numbers.into_iter().zip(outcomes) {
        match outcome {
            SubmitOutcome::Accepted(_) => recorded.accepted += 1,
            SubmitOutcome::Rejected(rejection) => {
                recorded.refused_count += 1;
                if recorded.refused.len() < LISTED_MAX {
                    let refusal = json!({ "number": number, "reason": rejection.to_string() });
                    recorded.refused.push(refusal);
                }
            }
            SubmitOutcome::Unavailable(reason) => return Err(UploadError::Node(reason)),
        }
    }
    Ok(())
}
