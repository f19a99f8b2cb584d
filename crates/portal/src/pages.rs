//! The portal's routes and pages.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use bonded_ledger::clearance::Clearance;
use bonded_ledger::{ChannelId, Hash, Payload, SignedTransaction};
use bonded_model::{Decision, DecisionKind, OrganizationId, OrganizationKind};
use bonded_node::Node;
use bonded_store::{AccessRecord, Session};
use serde::Deserialize;

use crate::auth::{self, AuthError, LOGIN_COOKIE, SESSION_COOKIE, SESSION_SECONDS};
use crate::i18n::{Lang, LANG_COOKIE};
use crate::{balances, Signers};

/// How many of the newest page views the audit page lists.
const ACCESS_SHOWN: usize = 50;
/// Largest form the portal reads, in bytes.
const FORM_BYTES_MAX: usize = 16 * 1024;
/// Where the norm entry page finds the HPKE modules it imports by name.
pub(crate) const IMPORT_MAP: &str = concat!(
    r#"{"imports":{"@hpke/core":"/portal/vendor/hpke-core/mod.js","#,
    r#""@hpke/common":"/portal/vendor/hpke-common/mod.js"}}"#
);

/// The browser libraries `build.rs` installed, by the path they are served at.
mod vendor {
    include!(concat!(env!("OUT_DIR"), "/vendor.rs"));
}

/// Only the portal's own scripts and styles, plus the one inline import map by its hash; no
/// framing, no posting elsewhere.
fn security_policy() -> &'static HeaderValue {
    static POLICY: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| {
        use base64::Engine as _;
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(IMPORT_MAP.as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(hash);
        let policy = format!(
            "default-src 'self'; script-src 'self' 'sha256-{hash}'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        );
        HeaderValue::from_str(&policy).expect("the policy is ASCII")
    })
}

/// The portal's routes, under `/portal`.
pub fn router(node: Arc<Node>, signers: Arc<Signers>) -> Router {
    Router::new()
        .route("/portal", get(|| async { Redirect::to("/portal/") }))
        .route("/portal/", get(home))
        .route("/portal/login", get(login_page).post(login))
        .route("/portal/logout", post(logout))
        .route("/portal/lang/{code}", get(switch_language))
        .route("/portal/customs", get(customs))
        .route("/portal/enterprises/{id}", get(enterprise))
        .route("/portal/audit", get(audit))
        .route("/portal/receipts/{hash}", get(receipt))
        .route("/portal/enterprises/{id}/decisions", post(decide))
        .route(
            "/portal/enterprises/{id}/uploads",
            get(crate::uploads::page)
                .post(crate::uploads::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::uploads::UPLOAD_BYTES_MAX,
                )),
        )
        .route(
            "/portal/enterprises/{id}/report.xlsx",
            get(balances::download_xlsx),
        )
        .route(
            "/portal/enterprises/{id}/report.pdf",
            get(balances::download_pdf),
        )
        .route(
            "/portal/enterprises/{id}/verifications",
            post(run_verification),
        )
        .route("/portal/manifest.webmanifest", get(manifest))
        .route("/portal/sw.js", get(service_worker))
        .route("/portal/static/{file}", get(static_file))
        .route("/portal/vendor/{*path}", get(vendor_file))
        .route(
            "/portal/norms",
            get(crate::norms::page).post(crate::norms::submit).layer(
                axum::extract::DefaultBodyLimit::max(crate::norms::SUBMISSION_BYTES_MAX),
            ),
        )
        .layer(axum::extract::DefaultBodyLimit::max(FORM_BYTES_MAX))
        .layer(axum::middleware::from_fn_with_state(
            node.clone(),
            log_access,
        ))
        .layer(axum::middleware::map_response(secure_headers))
        .layer(axum::Extension(signers))
        .with_state(node)
}

/// Paths of the portal's scripts, styles and icons: no data, so not part of the trail.
const ASSET_PATHS: [&str; 4] = [
    "/portal/static/",
    "/portal/vendor/",
    "/portal/sw.js",
    "/portal/manifest.webmanifest",
];

/// Records every page a signed-in user opens or posts to: the trail of who saw what.
async fn log_access(
    State(node): State<Arc<Node>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (method, path) = (
        request.method().to_string(),
        request.uri().path().to_string(),
    );
    if ASSET_PATHS.iter().any(|asset| path.starts_with(asset)) {
        return next.run(request).await;
    }
    let session =
        auth::current_session(&node.store, request.headers(), bonded_node::wall_clock_ms())
            .ok()
            .flatten();
    let response = next.run(request).await;
    if let Some(session) = session {
        let record = AccessRecord {
            time_ms: bonded_node::wall_clock_ms(),
            user: session.user,
            organization: session.organization,
            method,
            path,
            status: response.status().as_u16(),
        };
        if let Err(error) = node.store.log_access(&record) {
            tracing::error!(%error, "portal.access_log_failed");
        }
    }
    response
}

async fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, security_policy().clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// What the page header shows of the signed-in viewer.
pub(crate) struct Viewer {
    pub(crate) user: String,
    pub(crate) organization: String,
    pub(crate) csrf: String,
}

impl From<&Session> for Viewer {
    fn from(session: &Session) -> Self {
        Viewer {
            user: session.user.clone(),
            organization: session.organization.clone(),
            csrf: session.csrf.clone(),
        }
    }
}

/// The language chosen with the switch, or else the browser's first preference between the two.
pub(crate) fn lang(headers: &HeaderMap) -> Lang {
    if let Some(chosen) = auth::cookie(headers, LANG_COOKIE) {
        return Lang::from_cookie(Some(&chosen));
    }
    let preferred = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .split(',')
                .map(|part| part.trim().to_ascii_lowercase())
                .find(|part| part.starts_with("vi") || part.starts_with("en"))
        });
    match preferred {
        Some(language) if language.starts_with("en") => Lang::En,
        _ => Lang::Vi,
    }
}

/// A rendered page with its status.
pub(crate) fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "portal.render_failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    lang: Lang,
    viewer: Option<Viewer>,
    message: &'static str,
}

fn message(status: StatusCode, lang: Lang, viewer: Option<Viewer>, key: &'static str) -> Response {
    page(
        status,
        &MessagePage {
            lang,
            viewer,
            message: key,
        },
    )
}

/// Why a page could not be served; each becomes a page in the viewer's language.
pub(crate) enum Refusal {
    SignIn,
    /// A post whose CSRF token is not the session's.
    Forged(Session),
    Forbidden(Session),
    NotFound(Session),
    Failed,
}

impl From<AuthError> for Refusal {
    fn from(error: AuthError) -> Self {
        tracing::error!(%error, "portal.session_failed");
        Refusal::Failed
    }
}

/// A refusal page for a signed-in viewer.
fn refuse(status: StatusCode, lang: Lang, session: &Session, key: &'static str) -> Response {
    message(status, lang, Some(session.into()), key)
}

impl Refusal {
    /// Whether the refused post carried a token other than the session's.
    pub(crate) fn forged(&self) -> bool {
        matches!(self, Refusal::Forged(_))
    }

    pub(crate) fn respond(self, lang: Lang) -> Response {
        match self {
            Refusal::SignIn => Redirect::to("/portal/login").into_response(),
            Refusal::Forged(session) => refuse(StatusCode::FORBIDDEN, lang, &session, "forged"),
            Refusal::Forbidden(session) => {
                refuse(StatusCode::FORBIDDEN, lang, &session, "forbidden")
            }
            Refusal::NotFound(session) => {
                refuse(StatusCode::NOT_FOUND, lang, &session, "not_found")
            }
            Refusal::Failed => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        }
    }
}

/// The session of a form post whose CSRF token is the session's, or the page that refuses it.
pub(crate) fn posting_session(
    node: &Node,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Session, Refusal> {
    let session = session(node, headers)?;
    if !auth::same_token(&session.csrf, csrf) {
        return Err(Refusal::Forged(session));
    }
    Ok(session)
}

/// Adds a `Set-Cookie` header to `response`.
fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Whether `session` may open enterprise `id`'s pages: an officer may open any, an enterprise's
/// users only their own.
pub(crate) fn may_see_enterprise(session: &Session, id: &str) -> bool {
    session.role == "officer" || (session.role == "enterprise" && session.organization == id)
}

/// The session of a request for enterprise `id`'s pages, or the refusal.
pub(crate) fn enterprise_session(
    node: &Node,
    headers: &HeaderMap,
    id: &str,
) -> Result<Session, Refusal> {
    let session = session(node, headers)?;
    match may_see_enterprise(&session, id) {
        true => Ok(session),
        false => Err(Refusal::Forbidden(session)),
    }
}

/// The session of the request, or a refusal that sends the browser to sign in.
pub(crate) fn session(node: &Node, headers: &HeaderMap) -> Result<Session, Refusal> {
    auth::current_session(&node.store, headers, bonded_node::wall_clock_ms())?
        .ok_or(Refusal::SignIn)
}

async fn home(State(node): State<Arc<Node>>, headers: HeaderMap) -> Response {
    match session(&node, &headers) {
        Ok(session) => Redirect::to(&landing(&session)).into_response(),
        Err(refusal) => refusal.respond(lang(&headers)),
    }
}

/// Where each role starts.
fn landing(session: &Session) -> String {
    match session.role.as_str() {
        "officer" => "/portal/customs".into(),
        "enterprise" => format!("/portal/enterprises/{}", session.organization),
        _ => "/portal/audit".into(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    viewer: Option<Viewer>,
    csrf: String,
    error: Option<&'static str>,
}

/// The sign-in form, with a fresh double-submit token in a cookie and the form.
fn login_form(lang: Lang, status: StatusCode, error: Option<&'static str>) -> Response {
    let csrf = auth::random_token();
    let mut response = page(
        status,
        &LoginPage {
            lang,
            viewer: None,
            csrf: csrf.clone(),
            error,
        },
    );
    let cookie = format!("{LOGIN_COOKIE}={csrf}; Path=/portal; HttpOnly; SameSite=Strict");
    set_cookie(&mut response, &cookie);
    response
}

async fn login_page(headers: HeaderMap) -> Response {
    login_form(lang(&headers), StatusCode::OK, None)
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    user: String,
    password: String,
}

async fn login(
    State(node): State<Arc<Node>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang(&headers);
    let expected = auth::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same_token(&expected, &form.csrf) {
        return login_form(lang, StatusCode::FORBIDDEN, Some("forged"));
    }
    let checking = node.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let account = auth::check_password(&checking.store, &form.user, &form.password)?;
        let token = auth::open_session(&checking.store, &account, bonded_node::wall_clock_ms())?;
        Ok::<_, AuthError>((account, token))
    })
    .await;
    match checked {
        Ok(Ok((account, token))) => {
            tracing::info!(user = %account.user, role = %account.role, "portal.signed_in");
            signed_in(&token)
        }
        Ok(Err(AuthError::BadCredentials)) => {
            tracing::info!("portal.sign_in_refused");
            login_form(lang, StatusCode::UNAUTHORIZED, Some("bad_credentials"))
        }
        Ok(Err(error)) => Refusal::from(error).respond(lang),
        Err(_) => Refusal::Failed.respond(lang),
    }
}

fn signed_in(token: &str) -> Response {
    let mut response = Redirect::to("/portal/").into_response();
    let cookies = [
        format!(
            "{SESSION_COOKIE}={token}; Path=/portal; HttpOnly; SameSite=Strict; \
             Max-Age={SESSION_SECONDS}"
        ),
        format!("{LOGIN_COOKIE}=; Path=/portal; HttpOnly; SameSite=Strict; Max-Age=0"),
    ];
    for cookie in cookies {
        set_cookie(&mut response, &cookie);
    }
    response
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(node): State<Arc<Node>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let lang = lang(&headers);
    if let Err(refusal) = posting_session(&node, &headers, &form.csrf) {
        return refusal.respond(lang);
    }
    if let Err(error) = auth::close_session(&node.store, &headers) {
        return Refusal::from(error).respond(lang);
    }
    let mut response = Redirect::to("/portal/login").into_response();
    let cookie = format!("{SESSION_COOKIE}=; Path=/portal; HttpOnly; SameSite=Strict; Max-Age=0");
    set_cookie(&mut response, &cookie);
    response
}

async fn switch_language(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let chosen = Lang::from_cookie(Some(&code));
    // Back to the page the switch was on, if it is one of the portal's own.
    let back = headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| referer.find("/portal/").map(|at| referer[at..].to_string()))
        .filter(|path| !path.contains("//") && !path.starts_with("/portal/lang/"))
        .unwrap_or_else(|| "/portal/".into());
    let mut response = Redirect::to(&back).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/portal; SameSite=Strict; Max-Age=31536000",
        chosen.code()
    );
    set_cookie(&mut response, &cookie);
    response
}

/// One row of the customs dashboard.
struct EnterpriseRow {
    id: String,
    name: String,
    /// The regime of its newest norm commitment (`GC`, `SXXK`, `EPE`), or empty.
    regime: String,
    group: u8,
    aeo: bool,
    declarations: usize,
    clearance: &'static str,
    /// `high`, `medium` or `low`: see [`risk`].
    risk: &'static str,
}

/// The risk level customs sorts by: high when the newest verdict has critical findings or
/// verdicts disagree, or for intake group 3 without a current verdict; medium with warnings,
/// without a current verdict, or awaiting confirmation; low otherwise.
fn risk(clearance: &str, newest: Option<&bonded_model::VerdictRecord>, group: u8) -> &'static str {
    match (clearance, newest) {
        ("not_compliant" | "disagreement", _) => "high",
        ("no_verdict" | "stale", _) if group == 3 => "high",
        ("no_verdict" | "stale" | "awaiting_confirmation", _) => "medium",
        (_, Some(verdict)) if verdict.warning > 0 => "medium",
        _ => "low",
    }
}

#[derive(Template)]
#[template(path = "customs.html")]
struct CustomsPage {
    lang: Lang,
    viewer: Option<Viewer>,
    rows: Vec<EnterpriseRow>,
}

async fn customs(State(node): State<Arc<Node>>, headers: HeaderMap) -> Response {
    let lang = lang(&headers);
    let result = session(&node, &headers).and_then(|session| {
        if session.role != "officer" {
            return Err(Refusal::Forbidden(session));
        }
        let rows = dashboard_rows(&node).map_err(|_| Refusal::Failed)?;
        Ok(CustomsPage {
            lang,
            viewer: Some((&session).into()),
            rows,
        })
    });
    match result {
        Ok(customs) => page(StatusCode::OK, &customs),
        Err(refusal) => refusal.respond(lang),
    }
}

fn dashboard_rows(node: &Node) -> Result<Vec<EnterpriseRow>, String> {
    let organizations = node
        .store
        .organizations()
        .map_err(|error| error.to_string())?;
    let mut rows = Vec::new();
    for record in organizations {
        let OrganizationKind::Enterprise {
            authorized_economic_operator,
            intake_group,
            ..
        } = record.kind
        else {
            continue;
        };
        let payloads = channel_payloads(node, &record.id)?;
        let newest_verdict = payloads
            .iter()
            .rev()
            .find_map(|(_, _, payload)| match payload {
                Payload::Verdict(verdict) => Some(verdict),
                _ => None,
            });
        let regime = payloads
            .iter()
            .rev()
            .find_map(|(_, _, payload)| match payload {
                Payload::NormCommitment(commitment) => Some(commitment.regime.to_string()),
                _ => None,
            })
            .unwrap_or_default();
        let clearance = clearance_key(node, &record.id);
        let group = intake_group.number();
        rows.push(EnterpriseRow {
            declarations: payloads
                .iter()
                .filter(|(_, _, payload)| matches!(payload, Payload::Declaration(_)))
                .count(),
            risk: risk(clearance, newest_verdict, group),
            clearance,
            regime,
            id: record.id.to_string(),
            name: record.name,
            group,
            aeo: authorized_economic_operator,
        });
    }
    Ok(rows)
}

fn clearance_key(node: &Node, enterprise: &OrganizationId) -> &'static str {
    match node.clearance(&enterprise.0) {
        Ok(Clearance::Cleared { .. }) => "cleared",
        Ok(Clearance::NotCompliant { .. }) => "not_compliant",
        Ok(Clearance::AwaitingConfirmation { .. }) => "awaiting_confirmation",
        Ok(Clearance::Disagreement { .. }) => "disagreement",
        Ok(Clearance::Stale { .. }) => "stale",
        Ok(Clearance::NoVerdict) | Err(_) => "no_verdict",
    }
}

/// Every payload of an enterprise's channel with its transaction hash and its block's height.
pub(crate) fn channel_payloads(
    node: &Node,
    id: &OrganizationId,
) -> Result<Vec<(u64, Hash, Payload)>, String> {
    let transactions = node
        .channel_transactions(&ChannelId::enterprise(id))
        .map_err(|error| error.to_string())?;
    Ok(transactions
        .into_iter()
        .map(|(height, transaction)| (height, transaction.hash, transaction.body.payload))
        .collect())
}

struct DeclarationRow {
    /// The transaction hash, for the link to its receipt.
    receipt: String,
    number: String,
    type_code: String,
    date: String,
    lines: usize,
}

struct ContractRow {
    number: String,
    regime: String,
    foreign_party: String,
    valid: String,
}

struct MovementRow {
    date: String,
    item: String,
    kind: &'static str,
    quantity: String,
    reference: String,
}

struct DecisionRow {
    height: u64,
    kind: &'static str,
    officer: String,
    note: String,
}

struct VerdictRow {
    /// The verdict's transaction hash, which a decision may name.
    hash: String,
    height: u64,
    compliant: bool,
    critical: u32,
    warning: u32,
    not_evaluable: u32,
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct EnterprisePage {
    lang: Lang,
    viewer: Option<Viewer>,
    id: String,
    name: String,
    clearance: &'static str,
    verdicts: Vec<VerdictRow>,
    declarations: Vec<DeclarationRow>,
    decisions: Vec<DecisionRow>,
    contracts: Vec<ContractRow>,
    movements: Vec<MovementRow>,
    /// Whether the viewer may record a decision here (an officer whose organization's key the
    /// portal holds).
    can_decide: bool,
    /// Whether the viewer may run a verification (an officer, on a node hosting an enclave).
    can_verify: bool,
    /// Whether the viewer is the enterprise itself, who may declare its norms.
    own: bool,
    /// The newest verdict's balances and findings, when its report is on this node.
    balances: Option<crate::balances::Balances>,
    decision_kinds: [&'static str; 3],
}

async fn enterprise(
    State(node): State<Arc<Node>>,
    axum::Extension(signers): axum::Extension<Arc<Signers>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = lang(&headers);
    let result = enterprise_session(&node, &headers, &id).and_then(|session| {
        let own = session.role == "enterprise";
        let can_decide =
            session.role == "officer" && signers.keys.contains_key(&session.organization);
        let can_verify = session.role == "officer" && node.enclave.get().is_some();
        let mut page = enterprise_page(&node, lang, session, &id)?;
        page.can_decide = can_decide;
        page.can_verify = can_verify;
        page.own = own;
        Ok(page)
    });
    match result {
        Ok(enterprise) => page(StatusCode::OK, &enterprise),
        Err(refusal) => refusal.respond(lang),
    }
}

fn enterprise_page(
    node: &Node,
    lang: Lang,
    session: Session,
    id: &str,
) -> Result<EnterprisePage, Refusal> {
    let organization = OrganizationId(id.to_string());
    let record = match node.store.organization(&organization) {
        Ok(Some(record)) if matches!(record.kind, OrganizationKind::Enterprise { .. }) => record,
        Ok(_) => return Err(Refusal::NotFound(session)),
        Err(_) => return Err(Refusal::Failed),
    };
    let payloads = channel_payloads(node, &organization).map_err(|_| Refusal::Failed)?;
    let mut declarations = Vec::new();
    let mut verdicts = Vec::new();
    let mut decisions = Vec::new();
    let mut contracts = Vec::new();
    let mut movements = Vec::new();
    let mut verdict_records = Vec::new();
    for (height, hash, payload) in payloads {
        match payload {
            Payload::Contract(contract) => contracts.push(ContractRow {
                number: contract.number,
                regime: contract.regime.to_string(),
                foreign_party: contract.foreign_party,
                valid: format!("{} – {}", contract.valid_from, contract.valid_to),
            }),
            Payload::Movement(movement) => movements.push(MovementRow {
                date: movement.date.to_string(),
                item: movement.item_code,
                kind: movement.kind.as_str(),
                quantity: format!("{} {}", movement.quantity.normalize(), movement.unit),
                reference: movement.reference,
            }),
            Payload::Declaration(declaration) => declarations.push(DeclarationRow {
                receipt: hash.to_hex(),
                number: declaration.number,
                type_code: declaration.type_code.to_string(),
                date: declaration.date.to_string(),
                lines: declaration.lines.len(),
            }),
            Payload::Decision(decision) => decisions.push(DecisionRow {
                height,
                kind: decision.kind.as_str(),
                officer: decision.officer,
                note: decision.note,
            }),
            Payload::Verdict(verdict) => {
                verdicts.push(VerdictRow {
                    hash: hash.to_hex(),
                    height,
                    compliant: verdict.compliant(),
                    critical: verdict.critical,
                    warning: verdict.warning,
                    not_evaluable: verdict.not_evaluable,
                });
                verdict_records.push((height, verdict));
            }
            _ => {}
        }
    }
    verdicts.reverse();
    decisions.reverse();
    let reports =
        crate::balances::reports_of(node, &verdict_records).map_err(|_| Refusal::Failed)?;
    Ok(EnterprisePage {
        balances: crate::balances::balances(&reports),
        decisions,
        contracts,
        movements,
        can_decide: false,
        can_verify: false,
        own: false,
        decision_kinds: DecisionKind::ALL.map(DecisionKind::as_str),
        lang,
        viewer: Some((&session).into()),
        clearance: clearance_key(node, &organization),
        id: id.to_string(),
        name: record.name,
        verdicts,
        declarations,
    })
}

struct HeadRow {
    channel: String,
    height: u64,
    transactions: u64,
    hash: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    lang: Lang,
    viewer: Option<Viewer>,
    heads: Vec<HeadRow>,
    access: Vec<AccessRecord>,
}

async fn audit(State(node): State<Arc<Node>>, headers: HeaderMap) -> Response {
    let lang = lang(&headers);
    let result = session(&node, &headers).and_then(|session| {
        if session.role != "auditor" && session.role != "officer" {
            return Err(Refusal::Forbidden(session));
        }
        let heads = node.store.heads().map_err(|_| Refusal::Failed)?;
        let access = node
            .store
            .recent_access(ACCESS_SHOWN)
            .map_err(|_| Refusal::Failed)?;
        Ok(AuditPage {
            lang,
            viewer: Some((&session).into()),
            access,
            heads: heads
                .into_iter()
                .map(|(channel, head)| HeadRow {
                    channel: channel.to_string(),
                    height: head.height,
                    transactions: head.transaction_count,
                    hash: head.hash.to_hex(),
                })
                .collect(),
        })
    });
    match result {
        Ok(audit) => page(StatusCode::OK, &audit),
        Err(refusal) => refusal.respond(lang),
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    kind: String,
    note: String,
    verdict: Option<String>,
}

/// An officer records a decision: a customs-signed transaction in the enterprise's channel.
async fn decide(
    State(node): State<Arc<Node>>,
    axum::Extension(signers): axum::Extension<Arc<Signers>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Response {
    let lang = lang(&headers);
    let session = match posting_session(&node, &headers, &form.csrf) {
        Ok(session) => session,
        Err(refusal) => return refusal.respond(lang),
    };
    let key = match signers.keys.get(&session.organization) {
        Some(key) if session.role == "officer" => key,
        _ => return Refusal::Forbidden(session).respond(lang),
    };
    let decision = match decision(&id, &session, form) {
        Some(decision) => decision,
        None => return refuse(StatusCode::BAD_REQUEST, lang, &session, "bad_decision"),
    };
    let body = bonded_ledger::TransactionBody {
        chain_id: signers.chain_id.clone(),
        channel: ChannelId::enterprise(&decision.enterprise),
        nonce: rand::random(),
        payload: Payload::Decision(decision),
    };
    let Ok(transaction) = SignedTransaction::sign(&body, key) else {
        return Refusal::Failed.respond(lang);
    };
    match node.orderer.submit(vec![transaction]).await.pop() {
        Some(bonded_ordering::SubmitOutcome::Accepted(_)) => {
            tracing::info!(user = %session.user, enterprise = %id, "portal.decision_recorded");
            Redirect::to(&format!("/portal/enterprises/{id}")).into_response()
        }
        other => {
            tracing::warn!(outcome = ?other.map(|outcome| format!("{outcome:?}")), "portal.decision_refused");
            refuse(StatusCode::CONFLICT, lang, &session, "bad_decision")
        }
    }
}

/// An officer runs a verification in the node's enclave from the enterprise page.
async fn run_verification(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let lang = lang(&headers);
    let session = match posting_session(&node, &headers, &form.csrf) {
        Ok(session) => session,
        Err(refusal) => return refusal.respond(lang),
    };
    if session.role != "officer" {
        return Refusal::Forbidden(session).respond(lang);
    }
    match node.verify_enterprise(&id, None, None).await {
        Ok(_) => {
            tracing::info!(user = %session.user, enterprise = %id, "portal.verification_run");
            Redirect::to(&format!("/portal/enterprises/{id}")).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, enterprise = %id, "portal.verification_failed");
            refuse(StatusCode::CONFLICT, lang, &session, "verification_failed")
        }
    }
}

/// The decision a form describes, if it is a valid one.
fn decision(enterprise: &str, session: &Session, form: DecisionForm) -> Option<Decision> {
    let verdict = match form.verdict.as_deref().filter(|text| !text.is_empty()) {
        Some(text) => Some(text.parse::<Hash>().ok()?.0),
        None => None,
    };
    let decision = Decision {
        enterprise: OrganizationId(enterprise.to_string()),
        kind: form.kind.parse().ok()?,
        verdict,
        officer: session.user.clone(),
        note: form.note.trim().to_string(),
    };
    decision.validate().ok().map(|()| decision)
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    lang: Lang,
    viewer: Option<Viewer>,
    transaction_hash: String,
    channel: String,
    height: u64,
    index: u32,
    size: u32,
    block_hash: String,
    /// The envelope, base64; the proof, the signatures (`key:signature`) and the trusted orderer
    /// keys as comma-separated hex; the header's postcard bytes as hex.
    envelope: String,
    proof: String,
    header: String,
    signatures: String,
    orderers: String,
}

async fn receipt(
    State(node): State<Arc<Node>>,
    Path(hash): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = lang(&headers);
    let result =
        session(&node, &headers).and_then(|session| receipt_page(&node, lang, session, &hash));
    match result {
        Ok(receipt) => page(StatusCode::OK, &receipt),
        Err(refusal) => refusal.respond(lang),
    }
}

fn receipt_page(
    node: &Node,
    lang: Lang,
    session: Session,
    hash: &str,
) -> Result<ReceiptPage, Refusal> {
    // An enterprise's user is told 403 whether or not the hash exists, so the status says
    // nothing about other channels.
    let missing = |session: Session| match session.role.as_str() {
        "enterprise" => Refusal::Forbidden(session),
        _ => Refusal::NotFound(session),
    };
    let Ok(hash) = hash.parse::<Hash>() else {
        return Err(missing(session));
    };
    let (block, receipt) = match node.store.receipt(&hash) {
        Ok(Some(found)) => found,
        Ok(None) => return Err(missing(session)),
        Err(_) => return Err(Refusal::Failed),
    };
    let channel = receipt.header.channel.to_string();
    let own = session.role == "enterprise" && session.organization == channel;
    if !own && session.role != "officer" && session.role != "auditor" {
        return Err(Refusal::Forbidden(session));
    }
    let chain = match node.store.chain() {
        Ok(Some(chain)) => chain,
        _ => return Err(Refusal::Failed),
    };
    let envelope = block
        .transactions
        .get(receipt.index as usize)
        .ok_or(Refusal::Failed)?;
    let hexes = |items: Vec<String>| items.join(",");
    Ok(ReceiptPage {
        lang,
        viewer: Some((&session).into()),
        transaction_hash: receipt.transaction_hash.to_hex(),
        channel,
        height: receipt.header.height,
        index: receipt.index,
        size: receipt.header.transaction_count,
        block_hash: receipt.block_hash.to_hex(),
        // An auditor checks that the transaction is in the chain, not what it says.
        envelope: match session.role.as_str() {
            "auditor" => String::new(),
            _ => base64_encode(envelope),
        },
        proof: hexes(receipt.proof.iter().map(Hash::to_hex).collect()),
        header: hex::encode(receipt.header.encode()),
        signatures: hexes(
            receipt
                .signatures
                .iter()
                .map(|s| {
                    format!(
                        "{}:{}",
                        hex::encode(s.public_key),
                        hex::encode(&s.signature)
                    )
                })
                .collect(),
        ),
        orderers: hexes(chain.orderer_keys.iter().map(hex::encode).collect()),
    })
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn manifest() -> Response {
    let body = include_str!("../static/manifest.webmanifest");
    ([(header::CONTENT_TYPE, "application/manifest+json")], body).into_response()
}

async fn service_worker() -> Response {
    let body = include_str!("../static/sw.js");
    (
        [
            (header::CONTENT_TYPE, "text/javascript"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn static_file(Path(file): Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "portal.css" => ("text/css", include_str!("../static/portal.css")),
        "app.js" => ("text/javascript", include_str!("../static/app.js")),
        "receipt.js" => ("text/javascript", include_str!("../static/receipt.js")),
        "norms.js" => ("text/javascript", include_str!("../static/norms.js")),
        "balances.js" => ("text/javascript", include_str!("../static/balances.js")),
        "uploads.js" => ("text/javascript", include_str!("../static/uploads.js")),
        "icon.svg" => ("image/svg+xml", include_str!("../static/icon.svg")),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A browser library, served with a long cache life: its path names its pinned version's files.
async fn vendor_file(Path(path): Path<String>) -> Response {
    match vendor::VENDOR.iter().find(|(served, _)| *served == path) {
        Some((_, body)) => (
            [
                (header::CONTENT_TYPE, "text/javascript"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
