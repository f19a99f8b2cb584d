//! The enclave's request loop: read a frame, answer it, repeat.
//!
//! [`Enclave::handle`] maps one request to one response. Between requests it keeps its keys and
//! the channel checkpoints of [`crate::checkpoint`], which only save work: a request with blocks
//! from height 0 gets the same answer whatever was verified before. [`serve`] owns the framing: a frame
//! that is not a request gets an `Error` response and the loop goes on; an oversized length or
//! input that ends inside a frame leaves the stream unframed, so the loop answers if it can and
//! returns the reason for the binary to exit with.

use std::cell::RefCell;
use std::io::{Read, Write};

use base64::Engine as _;
use bonded_tee::{CollateralSource, Platform, Policy, ReportData, TrustAnchor};

use bonded_ledger::ChannelId;

use crate::checkpoint::Checkpoints;
use crate::compare;
use crate::frame::{self, FrameError};
use crate::keys::EnclaveKeys;
use crate::protocol::{
    CompareRequest, ErrorCode, IdentityResponse, Request, Response, VerifyRequest,
};
use crate::verdict;

/// Why the request loop stopped for a reason other than `Shutdown` or the end of input.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("reading a request: {0}")]
    Read(FrameError),
    #[error("writing a response: {0}")]
    Write(FrameError),
    #[error("encoding a response: {0}")]
    Encode(serde_json::Error),
}

/// How the request loop ended without an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Shutdown,
    EndOfInput,
}

/// A platform the enclave can both quote on and get collateral from.
pub trait Attesting: Platform + CollateralSource {}
impl<T: Platform + CollateralSource> Attesting for T {}

/// The running enclave: its platform and its keys.
pub struct Enclave<'a> {
    platform: &'a dyn Attesting,
    keys: EnclaveKeys,
    /// The simulated root, told to verifiers; `None` on hardware.
    simulated_root: Option<TrustAnchor>,
    /// What the enclave verified of each channel ([`crate::checkpoint`]).
    checkpoints: RefCell<Checkpoints>,
}

impl<'a> Enclave<'a> {
    pub fn new(
        platform: &'a dyn Attesting,
        keys: EnclaveKeys,
        simulated_root: Option<TrustAnchor>,
    ) -> Enclave<'a> {
        Enclave {
            platform,
            keys,
            simulated_root,
            checkpoints: RefCell::new(Checkpoints::default()),
        }
    }

    /// Answers one request. `Shutdown` answers `Goodbye`; the caller stops after sending it.
    pub fn handle(&self, request: &Request) -> Response {
        match request {
            Request::Identity { chain_id, at_ms } => self.identity(chain_id, *at_ms),
            Request::Verify(verify) => self.verify(verify),
            Request::Compare(compare) => self.compare(compare),
            Request::Checkpoint {
                chain_id,
                enterprise,
            } => self.checkpoint(chain_id, enterprise),
            Request::Shutdown {} => Response::Goodbye {},
        }
    }

    fn identity(&self, chain_id: &str, at_ms: i64) -> Response {
        let _span = tracing::info_span!("enclave.identity", chain_id, at_ms).entered();
        let verdict_key = self.keys.verdict_public();
        let norms_key = self.keys.norms_public();
        let report_data = ReportData::binding(&[&verdict_key, &norms_key], chain_id.as_bytes());
        let attested = self
            .platform
            .quote(&report_data)
            .and_then(|quote| Ok((quote, self.platform.collateral(at_ms)?)));
        let (quote, collateral) = match attested {
            Ok(attested) => attested,
            Err(error) => {
                tracing::error!(%error, "quoting failed");
                return error_response(ErrorCode::Internal, format!("quoting failed: {error}"));
            }
        };
        let identity = self.platform.identity();
        let base64 = base64::engine::general_purpose::STANDARD;
        Response::Identity(IdentityResponse {
            quote: base64.encode(quote.as_bytes()),
            collateral: base64.encode(collateral.to_json()),
            verdict_key: hex::encode(verdict_key),
            norms_key: hex::encode(norms_key),
            mr_enclave: identity.mr_enclave.to_hex(),
            mr_signer: identity.mr_signer.to_hex(),
            product_id: identity.product_id,
            security_version: identity.security_version,
            debug: identity.debug(),
            policy: self.policy().describe(),
            simulated_root: self.simulated_root.as_ref().map(|r| base64.encode(r.der())),
        })
    }

    fn checkpoint(&self, chain_id: &str, enterprise: &str) -> Response {
        let channel = ChannelId(enterprise.to_string());
        let tip = self.checkpoints.borrow().tip(chain_id, &channel);
        Response::Checkpoint {
            height: tip.map(|tip| tip.height),
            head: tip.map(|tip| tip.head.to_hex()),
        }
    }

    fn compare(&self, request: &CompareRequest) -> Response {
        let _span = tracing::info_span!(
            "enclave.compare",
            hs_code = request.hs_code.as_str(),
            k = request.k,
            enterprises = request.enterprises.len()
        )
        .entered();
        let mut checkpoints = self.checkpoints.borrow_mut();
        match compare::compare(&self.keys, &mut checkpoints, request) {
            Ok(comparison) => {
                tracing::info!(
                    released = comparison.groups.len(),
                    withheld = comparison.withheld_groups,
                    "comparison released"
                );
                Response::Comparison(comparison)
            }
            Err(error) => {
                tracing::warn!(code = ?error.code(), %error, "comparison refused");
                error_response(error.code(), error.to_string())
            }
        }
    }

    fn policy(&self) -> Policy {
        match &self.simulated_root {
            Some(root) => Policy::test(root.clone()),
            None => Policy::production(),
        }
    }

    fn verify(&self, request: &VerifyRequest) -> Response {
        let _span = tracing::info_span!(
            "enclave.verify",
            enterprise = request.enterprise.as_str(),
            commitment = request.commitment.as_str(),
            blocks = request.blocks.len()
        )
        .entered();
        let mut checkpoints = self.checkpoints.borrow_mut();
        match verdict::verify(&self.keys, &mut checkpoints, request) {
            Ok(verdict) => {
                tracing::info!(
                    report_sha256 = verdict.report_sha256.as_str(),
                    "verdict signed"
                );
                Response::Verdict(verdict)
            }
            Err(error) => {
                tracing::warn!(code = ?error.code(), %error, "verification refused");
                error_response(error.code(), error.to_string())
            }
        }
    }
}

fn error_response(code: ErrorCode, message: String) -> Response {
    Response::Error { code, message }
}

/// Serves requests from `input` until `Shutdown`, the end of input, or an unframed stream.
pub fn serve(
    enclave: &Enclave<'_>,
    input: &mut impl Read,
    output: &mut impl Write,
) -> Result<Stop, ServeError> {
    loop {
        let payload = match frame::read(input) {
            Ok(Some(payload)) => payload,
            Ok(None) => return Ok(Stop::EndOfInput),
            Err(error) => return Err(refuse_unframed(output, error)),
        };
        let started = std::time::Instant::now();
        let response = match serde_json::from_slice::<Request>(&payload) {
            Ok(request) => {
                let parsed_ms = started.elapsed().as_secs_f64() * 1000.0;
                let response = enclave.handle(&request);
                tracing::debug!(
                    request_bytes = payload.len(),
                    parsed_ms,
                    handled_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "serve.request"
                );
                response
            }
            Err(error) => malformed(&error),
        };
        send(output, &response)?;
        tracing::debug!(
            sent_ms = started.elapsed().as_secs_f64() * 1000.0,
            "serve.response"
        );
        if response == (Response::Goodbye {}) {
            return Ok(Stop::Shutdown);
        }
    }
}

/// A request that is not JSON of this protocol. Only the position is reported: serde's message
/// can quote the input, and the host needs no more to find its bug.
fn malformed(error: &serde_json::Error) -> Response {
    tracing::warn!(
        line = error.line(),
        column = error.column(),
        "malformed request"
    );
    let message = format!(
        "the message is not a request of this protocol ({:?} error at line {}, column {})",
        error.classify(),
        error.line(),
        error.column()
    );
    error_response(ErrorCode::MalformedRequest, message)
}

/// Answers a frame too large to read, if the output still works, and gives the reason to stop.
fn refuse_unframed(output: &mut impl Write, error: FrameError) -> ServeError {
    if let FrameError::TooLarge { .. } = error {
        let response = error_response(ErrorCode::FrameTooLarge, error.to_string());
        if let Err(send_error) = send(output, &response) {
            tracing::warn!(%send_error, "could not answer an oversized frame");
        }
    }
    ServeError::Read(error)
}

fn send(output: &mut impl Write, response: &Response) -> Result<(), ServeError> {
    let bytes = serde_json::to_vec(response).map_err(ServeError::Encode)?;
    frame::write(output, &bytes).map_err(ServeError::Write)
}
