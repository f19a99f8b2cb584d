//! Who may open and post to each portal route, over real HTTP against the real `bonded demo`.
//!
//! # The table
//!
//! [`EXPECTED`] lists every route, with each CSRF case for a post, and the status each role
//! gets: an anonymous visitor, a customs officer, an enterprise's user (the garment maker, so
//! "own" routes are its own enterprise's and "other" routes the footwear maker's) and the state
//! auditor. The roles sign in with a plain HTTP client, the way a browser does: the sign-in page
//! sets a cookie and a matching hidden token, the form posts both back, and the session's own
//! CSRF token is read from the page it lands on.
//!
//! # Keeping the cells independent
//!
//! A post an allowed role sends is shaped so that its handler refuses it only after the
//! authorization check, and changes nothing: a decision of no known kind (400), an upload
//! without a body (400), a norm submission for an enterprise whose key the portal does not hold
//! (409). A status other than 403 or a redirect to sign-in therefore shows that the role got
//! through. The routes whose allowed use does change state (running a verification, recording
//! a decision, signing out) run after every other row, and signing out runs last of all.
//!
//! # Bodies
//!
//! Every page a signed-in role opens names the viewer's organization in its header, a download
//! is the file it claims to be, a refusal never shows the footwear maker's name, and every
//! anonymous redirect goes to the sign-in page. Run with `--nocapture` to print the table.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use common::*;

/// The enterprise whose user signs in, and another enterprise of the demo.
const OWN: &str = GARMENT;
const OTHER: &str = FOOTWEAR;
const OTHER_NAME: &str = "Saigon Footwear";
/// An enterprise id no organization has.
const NOBODY: &str = "ENT-0300000000";
/// A token of the right shape that is no session's.
const FORGED_TOKEN: &str = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f";
const SIGN_IN: &str = "/portal/login";
/// Largest body a test reads, in bytes: the reports are far smaller.
const BODY_BYTES_MAX: u64 = 64 * 1024 * 1024;
const ACCOUNTS_TIMEOUT_S: u64 = 30;
/// How much of an unexpected body a failure message shows, in characters.
const EXCERPT_CHARS: usize = 160;

/// Who sends the request, in the order of the table's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Anonymous,
    Officer,
    Enterprise,
    Auditor,
}

const ROLES: [Role; 4] = [
    Role::Anonymous,
    Role::Officer,
    Role::Enterprise,
    Role::Auditor,
];

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::Anonymous => "anonymous",
            Role::Officer => "officer",
            Role::Enterprise => "enterprise",
            Role::Auditor => "auditor",
        }
    }
}

/// Which CSRF token a post carries; `None` for a GET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    None,
    /// The session's own token (an anonymous visitor has none and sends a made-up one).
    Session,
    Forged,
}

impl Token {
    fn label(self) -> &'static str {
        match self {
            Token::None => "",
            Token::Session => "session's token",
            Token::Forged => "forged token",
        }
    }
}

/// A portal route with the target it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Home,
    Customs,
    OwnEnterprise,
    OtherEnterprise,
    UnknownEnterprise,
    OwnUploads,
    OtherUploads,
    OwnXlsx,
    OtherXlsx,
    OwnPdf,
    OtherPdf,
    Norms,
    Audit,
    OwnReceipt,
    OtherReceipt,
    SystemReceipt,
    UnknownReceipt,
    /// The node's API, served on the same listener: it reads no session.
    ApiTransaction,
    /// A decision of no known kind: refused as invalid once the poster is authorized.
    OwnDecision,
    OtherDecision,
    /// An upload without a body: refused as empty once the poster is authorized.
    OwnUpload,
    OtherUpload,
    /// Norms for an enterprise the portal holds no key for: refused once authorized.
    NormsPost,
    /// Runs a verification, which orders a verdict: state-changing.
    OwnVerification,
    OtherVerification,
    /// A valid decision, which is ordered: state-changing.
    OwnDecisionRecorded,
    Logout,
}

/// What a role gets on a route with a token: anonymous, officer, enterprise, auditor.
type Row = (Route, Token, [u16; 4]);

/// The whole policy. An auditor opens any channel's receipt, but the page leaves the record out
/// (checked below), so an auditor sees that a transaction is in the chain, not what it says.
/// Two cells read differently from the rest of the portal, and stay as they are for now:
///
/// - the scripts' posts (uploads, norms) answer an anonymous visitor 403, not a redirect;
/// - the node's API on the same listener reads no session at all (a known gap, issue 7).
#[rustfmt::skip]
const EXPECTED: &[Row] = &[
    // Pages.                                    anon officer enterprise auditor
    (Route::Home,                Token::None,    [303, 303, 303, 303]),
    (Route::Customs,             Token::None,    [303, 200, 403, 403]),
    (Route::OwnEnterprise,       Token::None,    [303, 200, 200, 403]),
    (Route::OtherEnterprise,     Token::None,    [303, 200, 403, 403]),
    (Route::UnknownEnterprise,   Token::None,    [303, 404, 403, 403]),
    (Route::OwnUploads,          Token::None,    [303, 200, 200, 403]),
    (Route::OtherUploads,        Token::None,    [303, 200, 403, 403]),
    (Route::OwnXlsx,             Token::None,    [303, 200, 200, 403]),
    (Route::OtherXlsx,           Token::None,    [303, 200, 403, 403]),
    (Route::OwnPdf,              Token::None,    [303, 200, 200, 403]),
    (Route::OtherPdf,            Token::None,    [303, 200, 403, 403]),
    (Route::Norms,               Token::None,    [303, 403, 200, 403]),
    (Route::Audit,               Token::None,    [303, 200, 403, 200]),
    (Route::OwnReceipt,          Token::None,    [303, 200, 200, 200]),
    (Route::OtherReceipt,        Token::None,    [303, 200, 403, 200]),
    (Route::SystemReceipt,       Token::None,    [303, 200, 403, 200]),
    (Route::UnknownReceipt,      Token::None,    [303, 404, 403, 404]),
    (Route::ApiTransaction,      Token::None,    [200, 200, 200, 200]),
    // Posts that change nothing.
    (Route::OwnDecision,         Token::Session, [303, 400, 403, 403]),
    (Route::OwnDecision,         Token::Forged,  [303, 403, 403, 403]),
    (Route::OtherDecision,       Token::Session, [303, 400, 403, 403]),
    (Route::OtherDecision,       Token::Forged,  [303, 403, 403, 403]),
    (Route::OwnUpload,           Token::Session, [403, 400, 400, 403]),
    (Route::OwnUpload,           Token::Forged,  [403, 403, 403, 403]),
    (Route::OtherUpload,         Token::Session, [403, 400, 403, 403]),
    (Route::OtherUpload,         Token::Forged,  [403, 403, 403, 403]),
    (Route::NormsPost,           Token::Session, [403, 403, 409, 403]),
    (Route::NormsPost,           Token::Forged,  [403, 403, 403, 403]),
    // Posts that change the ledger when allowed: run after every row above.
    (Route::OwnVerification,     Token::Forged,  [303, 403, 403, 403]),
    (Route::OwnVerification,     Token::Session, [303, 303, 403, 403]),
    (Route::OtherVerification,   Token::Forged,  [303, 403, 403, 403]),
    (Route::OtherVerification,   Token::Session, [303, 303, 403, 403]),
    (Route::OwnDecisionRecorded, Token::Forged,  [303, 403, 403, 403]),
    (Route::OwnDecisionRecorded, Token::Session, [303, 303, 403, 403]),
    // Signing out ends the session: last of all.
    (Route::Logout,              Token::Forged,  [303, 403, 403, 403]),
    (Route::Logout,              Token::Session, [303, 303, 303, 303]),
];

/// What a successful answer must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Success {
    /// A portal page naming the viewer's organization.
    Page,
    Xlsx,
    Pdf,
    Json,
    Redirect,
}

/// The receipts the receipt routes open, one per channel kind.
struct Targets {
    own_receipt: String,
    other_receipt: String,
    system_receipt: String,
}

impl Route {
    fn is_post(self) -> bool {
        matches!(
            self,
            Route::OwnDecision
                | Route::OtherDecision
                | Route::OwnUpload
                | Route::OtherUpload
                | Route::NormsPost
                | Route::OwnVerification
                | Route::OtherVerification
                | Route::OwnDecisionRecorded
                | Route::Logout
        )
    }

    /// When the row runs: 0 changes nothing, 1 may order a transaction, 2 ends the session.
    fn phase(self) -> u8 {
        match self {
            Route::OwnVerification | Route::OtherVerification | Route::OwnDecisionRecorded => 1,
            Route::Logout => 2,
            _ => 0,
        }
    }

    fn path(self, targets: &Targets) -> String {
        let receipt = |hash: &str| format!("/portal/receipts/{hash}");
        match self {
            Route::Home => "/portal/".into(),
            Route::Customs => "/portal/customs".into(),
            Route::OwnEnterprise => format!("/portal/enterprises/{OWN}"),
            Route::OtherEnterprise => format!("/portal/enterprises/{OTHER}"),
            Route::UnknownEnterprise => format!("/portal/enterprises/{NOBODY}"),
            Route::OwnUploads => format!("/portal/enterprises/{OWN}/uploads"),
            Route::OtherUploads => format!("/portal/enterprises/{OTHER}/uploads"),
            Route::OwnXlsx => format!("/portal/enterprises/{OWN}/report.xlsx"),
            Route::OtherXlsx => format!("/portal/enterprises/{OTHER}/report.xlsx"),
            Route::OwnPdf => format!("/portal/enterprises/{OWN}/report.pdf"),
            Route::OtherPdf => format!("/portal/enterprises/{OTHER}/report.pdf"),
            Route::Norms | Route::NormsPost => "/portal/norms".into(),
            Route::Audit => "/portal/audit".into(),
            Route::OwnReceipt => receipt(&targets.own_receipt),
            Route::OtherReceipt => receipt(&targets.other_receipt),
            Route::SystemReceipt => receipt(&targets.system_receipt),
            Route::UnknownReceipt => receipt(&"00".repeat(32)),
            Route::ApiTransaction => format!("/v1/transactions/{}", targets.other_receipt),
            Route::OwnDecision | Route::OwnDecisionRecorded => {
                format!("/portal/enterprises/{OWN}/decisions")
            }
            Route::OtherDecision => format!("/portal/enterprises/{OTHER}/decisions"),
            Route::OwnUpload => format!("/portal/enterprises/{OWN}/uploads?kind=report"),
            Route::OtherUpload => format!("/portal/enterprises/{OTHER}/uploads?kind=report"),
            Route::OwnVerification => format!("/portal/enterprises/{OWN}/verifications"),
            Route::OtherVerification => format!("/portal/enterprises/{OTHER}/verifications"),
            Route::Logout => "/portal/logout".into(),
        }
    }

    /// The table's name for the route: its method and path pattern.
    fn label(self) -> String {
        let targets = Targets {
            own_receipt: "{own channel}".into(),
            other_receipt: "{other channel}".into(),
            system_receipt: "{system channel}".into(),
        };
        let path = self
            .path(&targets)
            .replace(OWN, "{own}")
            .replace(OTHER, "{other}")
            .replace(NOBODY, "{unknown}")
            .replace(&"00".repeat(32), "{unknown}");
        let note = match self {
            Route::OwnDecision | Route::OtherDecision => " (no known kind)",
            Route::OwnUpload | Route::OtherUpload => " (empty)",
            Route::NormsPost => " (no key held)",
            Route::OwnDecisionRecorded => " (valid)",
            _ => "",
        };
        let method = if self.is_post() { "POST" } else { "GET" };
        format!("{method} {path}{note}")
    }

    fn success(self) -> Success {
        match self {
            Route::OwnXlsx | Route::OtherXlsx => Success::Xlsx,
            Route::OwnPdf | Route::OtherPdf => Success::Pdf,
            Route::ApiTransaction | Route::OwnUpload | Route::OtherUpload | Route::NormsPost => {
                Success::Json
            }
            Route::Home
            | Route::OwnVerification
            | Route::OtherVerification
            | Route::OwnDecisionRecorded
            | Route::Logout => Success::Redirect,
            _ => Success::Page,
        }
    }
}

/// A signed-in role's cookie, CSRF token and organization.
struct Session {
    cookie: String,
    csrf: String,
    organization: String,
}

/// One answer, read whole.
struct Answer {
    status: u16,
    location: String,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The start of the body, for a failure message.
    fn excerpt(&self) -> String {
        let text: String = self.text().chars().take(EXCERPT_CHARS).collect();
        text.replace('\n', " ")
    }
}

/// What a request sends besides its method and path.
enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    /// No body, the token in the upload header.
    Empty(String),
    Json(serde_json::Value),
}

/// An HTTP client that follows no redirect, so that every status is seen as sent.
fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn send(url: &str, method: &str, path: &str, cookie: Option<&str>, body: Body) -> Answer {
    let address = format!("{url}{path}");
    let response = match (method, body) {
        ("GET", _) => with_cookie(client().get(&address), cookie).call(),
        (_, Body::None) => with_cookie(client().post(&address), cookie).send_empty(),
        (_, Body::Form(fields)) => with_cookie(client().post(&address), cookie)
            .send_form(fields.iter().map(|(key, value)| (*key, value.as_str()))),
        (_, Body::Empty(token)) => with_cookie(client().post(&address), cookie)
            .header(bonded_portal::uploads::CSRF_HEADER, token.as_str())
            .send_empty(),
        (_, Body::Json(value)) => with_cookie(client().post(&address), cookie).send_json(value),
    };
    read(response.unwrap())
}

fn with_cookie<B>(
    request: ureq::RequestBuilder<B>,
    cookie: Option<&str>,
) -> ureq::RequestBuilder<B> {
    match cookie {
        Some(cookie) => request.header("Cookie", cookie),
        None => request,
    }
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (location, content_type) = (header("location"), header("content-type"));
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(BODY_BYTES_MAX)
        .read_to_vec()
        .unwrap();
    Answer {
        status,
        location,
        content_type,
        body,
    }
}

/// The value of cookie `name` that `response` sets.
fn set_cookie(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// The first hidden `csrf` field of a page.
fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("the page has a csrf field") + marker.len();
    let length = html[start..].find('"').expect("the value is quoted");
    html[start..start + length].to_string()
}

/// Signs in as `user` the way the sign-in form does, and reads the session's token.
fn sign_in(url: &str, user: &str, password: &str, organization: &str) -> Session {
    let mut page = client().get(&format!("{url}{SIGN_IN}")).call().unwrap();
    let login_cookie = set_cookie(&page, "bonded_login").expect("the sign-in page sets a cookie");
    let token = csrf_field(&page.body_mut().read_to_string().unwrap());
    let form = [
        ("csrf", token.as_str()),
        ("user", user),
        ("password", password),
    ];
    let signed_in = client()
        .post(&format!("{url}{SIGN_IN}"))
        .header("Cookie", &format!("bonded_login={login_cookie}"))
        .send_form(form)
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303, "{user} signs in");
    let session = set_cookie(&signed_in, "bonded_session").expect("a session cookie");
    let cookie = format!("bonded_session={session}");
    let home = send(url, "GET", "/portal/", Some(&cookie), Body::None);
    let landing = send(url, "GET", &home.location, Some(&cookie), Body::None);
    assert_eq!(landing.status, 200, "{user} lands on {}", home.location);
    Session {
        csrf: csrf_field(&landing.text()),
        cookie,
        organization: organization.to_string(),
    }
}

/// A sign-in post whose token is not the sign-in page's is refused.
fn assert_forged_sign_in_refused(url: &str) {
    let form = [
        ("csrf", FORGED_TOKEN),
        ("user", "auditor"),
        ("password", "x"),
    ];
    let answer = client()
        .post(&format!("{url}{SIGN_IN}"))
        .header("Cookie", "bonded_login=another")
        .send_form(form)
        .unwrap();
    assert_eq!(answer.status().as_u16(), 403, "a forged sign-in is refused");
}

/// The demo's account of `role` (the garment maker's, for the enterprise role).
fn account(accounts: &serde_json::Value, role: &str) -> (String, String, String) {
    let found = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|account| {
            account["role"] == role && (role != "enterprise" || account["organization"] == OWN)
        })
        .unwrap_or_else(|| panic!("the demo has an {role} account"));
    let field = |name: &str| found[name].as_str().unwrap().to_string();
    (field("user"), field("password"), field("organization"))
}

/// The first transaction of `channel`'s first block.
fn first_transaction(url: &str, channel: &str) -> String {
    let (status, block) = get(url, &format!("/v1/channels/{channel}/blocks/0"));
    assert_eq!(status, 200, "{block}");
    block["transaction_hashes"][0].as_str().unwrap().to_string()
}

/// The request a role sends for a row.
fn body(route: Route, token: Token, session: Option<&Session>) -> Body {
    let csrf = match (token, session) {
        (Token::Session, Some(session)) => session.csrf.clone(),
        _ => FORGED_TOKEN.to_string(),
    };
    match route {
        Route::OwnDecision | Route::OtherDecision => decision_form(csrf, "none"),
        Route::OwnDecisionRecorded => decision_form(csrf, "request_explanation"),
        Route::OwnUpload | Route::OtherUpload => Body::Empty(csrf),
        Route::NormsPost => Body::Json(serde_json::json!({
            "csrf": csrf, "commitment": "00".repeat(32), "sealed_norms": "", "norm_count": 1,
            "valid_from": "2026-01-01", "valid_to": null, "loss_convention": "included",
        })),
        Route::OwnVerification | Route::OtherVerification | Route::Logout => {
            Body::Form(vec![("csrf", csrf)])
        }
        _ => Body::None,
    }
}

fn decision_form(csrf: String, kind: &str) -> Body {
    Body::Form(vec![
        ("csrf", csrf),
        ("kind", kind.to_string()),
        ("note", "authorization matrix".to_string()),
        ("verdict", String::new()),
    ])
}

/// What is wrong with `answer` to a row, beyond its status; empty when nothing is.
fn body_problems(route: Route, role: Role, session: Option<&Session>, answer: &Answer) -> String {
    let text = answer.text();
    let success = answer.status == 200 || (answer.status == 303 && role != Role::Anonymous);
    if answer.status == 303 && role == Role::Anonymous && answer.location != SIGN_IN {
        return format!("redirected to {:?}, not to sign-in", answer.location);
    }
    if answer.status == 403 && text.contains(OTHER_NAME) {
        return "the refusal shows the other enterprise's name".into();
    }
    if !success {
        return String::new();
    }
    let receipt = matches!(
        route,
        Route::OwnReceipt | Route::OtherReceipt | Route::SystemReceipt
    );
    if receipt && answer.status == 200 {
        let withheld = text.contains("data-envelope=\"\"");
        if withheld != (role == Role::Auditor) {
            return format!("the record is withheld: {withheld}; only an auditor's should be");
        }
    }
    match (route.success(), session) {
        (Success::Page, Some(session)) => page_problems(answer, &session.organization),
        (Success::Xlsx, _) => file_problems(answer, "spreadsheetml", b"PK"),
        (Success::Pdf, _) => file_problems(answer, "application/pdf", b"%PDF"),
        (Success::Json, _) if !answer.content_type.starts_with("application/json") => {
            format!("answered {} instead of JSON", answer.content_type)
        }
        (Success::Redirect, _) if !answer.location.starts_with("/portal/") => {
            format!("redirected to {:?}", answer.location)
        }
        _ => String::new(),
    }
}

fn page_problems(answer: &Answer, organization: &str) -> String {
    let text = answer.text();
    if !answer.content_type.starts_with("text/html") {
        return format!("answered {} instead of HTML", answer.content_type);
    }
    if !text.trim_start().starts_with("<!doctype html>") {
        return "the body is not an HTML page".into();
    }
    if !text.contains(&format!("({organization})")) {
        return format!("the page does not name the viewer's organization {organization}");
    }
    String::new()
}

fn file_problems(answer: &Answer, content_type: &str, magic: &[u8]) -> String {
    if !answer.content_type.contains(content_type) {
        return format!("answered {} instead of {content_type}", answer.content_type);
    }
    if !answer.body.starts_with(magic) {
        return "the file does not start as its format does".into();
    }
    String::new()
}

/// The demo, its sessions and the receipts the table opens.
struct Portal {
    url: String,
    sessions: Vec<(Role, Session)>,
    targets: Targets,
}

impl Portal {
    fn open(demo: &Demo) -> Portal {
        let accounts = wait_for_accounts(demo);
        assert_forged_sign_in_refused(&demo.url);
        let signed_in = |role: Role, name: &str| {
            let (user, password, organization) = account(&accounts, name);
            (role, sign_in(&demo.url, &user, &password, &organization))
        };
        Portal {
            sessions: vec![
                signed_in(Role::Officer, "officer"),
                signed_in(Role::Enterprise, "enterprise"),
                signed_in(Role::Auditor, "auditor"),
            ],
            targets: Targets {
                own_receipt: first_transaction(&demo.url, OWN),
                other_receipt: first_transaction(&demo.url, OTHER),
                system_receipt: first_transaction(&demo.url, "system"),
            },
            url: demo.url.clone(),
        }
    }

    fn session(&self, role: Role) -> Option<&Session> {
        self.sessions
            .iter()
            .find(|(signed_in, _)| *signed_in == role)
            .map(|(_, session)| session)
    }

    /// Sends one cell's request; returns what is wrong with the answer, if anything.
    fn check(&self, route: Route, token: Token, role: Role, expected: u16) -> Option<String> {
        let session = self.session(role);
        let method = if route.is_post() { "POST" } else { "GET" };
        let path = route.path(&self.targets);
        let cookie = session.map(|session| session.cookie.as_str());
        let answer = send(
            &self.url,
            method,
            &path,
            cookie,
            body(route, token, session),
        );
        let problem = match answer.status == expected {
            true => body_problems(route, role, session, &answer),
            false => format!("answered {}: {}", answer.status, answer.excerpt()),
        };
        let cell = format!("{} {} as {}", route.label(), token.label(), role.label());
        (!problem.is_empty()).then(|| format!("{cell}: expected {expected}, {problem}"))
    }

    /// After signing out, a session no longer opens anything.
    fn assert_signed_out(&self) {
        for (role, session) in &self.sessions {
            let answer = send(
                &self.url,
                "GET",
                "/portal/",
                Some(&session.cookie),
                Body::None,
            );
            assert_eq!(answer.location, SIGN_IN, "{role:?} is signed out");
        }
    }
}

fn wait_for_accounts(demo: &Demo) -> serde_json::Value {
    let path = demo.data.join("accounts.json");
    let deadline = Instant::now() + Duration::from_secs(ACCOUNTS_TIMEOUT_S);
    while !path.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs every cell, in the table's order within each phase; returns the cells that failed.
fn run_table(portal: &Portal) -> Vec<String> {
    let mut rows: Vec<&Row> = EXPECTED.iter().collect();
    rows.sort_by_key(|(route, _, _)| route.phase());
    let mut wrong = Vec::new();
    for &(route, token, statuses) in rows {
        for (role, expected) in ROLES.into_iter().zip(statuses) {
            wrong.extend(portal.check(route, token, role, expected));
        }
    }
    portal.assert_signed_out();
    wrong
}

fn print_markdown() {
    println!("| route | token | anonymous | officer | enterprise | auditor |");
    println!("|---|---|---|---|---|---|");
    for (route, token, [anonymous, officer, enterprise, auditor]) in EXPECTED {
        let (route, token) = (route.label(), token.label());
        println!("| {route} | {token} | {anonymous} | {officer} | {enterprise} | {auditor} |");
    }
}

#[test]
fn each_role_gets_exactly_the_routes_the_table_allows() {
    let folder = tempfile::tempdir().unwrap();
    let demo = Demo::start(&folder.path().join("demo"));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| run_table(&Portal::open(&demo))));
    demo.stop();
    let wrong = outcome.unwrap_or_else(|panic| panic::resume_unwind(panic));
    print_markdown();
    assert!(
        wrong.is_empty(),
        "cells answered otherwise:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_table_lists_each_route_and_token_once() {
    for (index, (route, token, _)) in EXPECTED.iter().enumerate() {
        let repeated = EXPECTED[index + 1..]
            .iter()
            .any(|(other, other_token, _)| other == route && other_token == token);
        assert!(!repeated, "{route:?} with {token:?} is listed twice");
        assert_eq!(
            route.is_post(),
            *token != Token::None,
            "{route:?}: a post carries a token"
        );
    }
}
