//! Which verified enclaves count. Verification says what a quote proves; a [`Policy`] decides
//! whether that is enough: which roots are trusted, whether debug enclaves may register, which
//! TCB statuses are acceptable. The [`ApprovedMeasurements`] list, held on the ledger by customs
//! governance, says which programs may register at all.
//!
//! - [`Policy::production`] trusts only Intel's SGX Root CA, refuses debug enclaves and accepts
//!   only an `UpToDate` platform (widen it with [`Policy::accept_status`]).
//! - [`Policy::test`] also trusts one pinned simulated root, accepts debug enclaves and every
//!   status the verifier lets through. Its [`Policy::describe`] says so, for the demo to print.
//!
//! A policy check also compares the quote's report data with the binding the caller expects
//! (the enclave's public keys and the chain id, [`ReportData::binding`]), so a quote cannot be
//! replayed to register other keys or on another chain.

use serde::{Deserialize, Serialize};

use crate::identity::{EnclaveIdentity, Measurement};
use crate::quote::ReportData;
use crate::verify::{
    Collateral, QuoteVerifier, TcbStatus, TrustAnchor, VerifiedQuote, VerifiedReport, VerifyError,
};

/// One entry of the approved measurement list.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum ApprovedMeasurement {
    /// Exactly this program.
    Enclave { mr_enclave: Measurement },
    /// Any program of this signer and product, at this security version or later.
    Signer {
        mr_signer: Measurement,
        product_id: u16,
        min_security_version: u16,
    },
}

impl ApprovedMeasurement {
    pub fn matches(&self, identity: &EnclaveIdentity) -> bool {
        match *self {
            ApprovedMeasurement::Enclave { mr_enclave } => identity.mr_enclave == mr_enclave,
            ApprovedMeasurement::Signer {
                mr_signer,
                product_id,
                min_security_version,
            } => {
                identity.mr_signer == mr_signer
                    && identity.product_id == product_id
                    && identity.security_version >= min_security_version
            }
        }
    }
}

/// The approved measurement list.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct ApprovedMeasurements(pub Vec<ApprovedMeasurement>);

impl ApprovedMeasurements {
    pub fn find(&self, identity: &EnclaveIdentity) -> Option<&ApprovedMeasurement> {
        self.0.iter().find(|approved| approved.matches(identity))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PolicyKind {
    Production,
    Test,
}

/// An acceptance policy for attestation quotes.
#[derive(Clone, Debug)]
pub struct Policy {
    kind: PolicyKind,
    anchors: Vec<TrustAnchor>,
    accepted_statuses: Vec<TcbStatus>,
    debug_allowed: bool,
}

/// Why a verified quote is not accepted. Each maps to a registration rejection reason.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("the quote's root (fingerprint {fingerprint}) is not trusted by this policy")]
    UntrustedRoot { fingerprint: String },
    #[error("the enclave runs in debug mode")]
    DebugEnclave,
    #[error("TCB status {status} is not accepted")]
    TcbStatusNotAccepted { status: TcbStatus },
    #[error("the quote is not from an SGX enclave")]
    NotSgx,
    #[error("the report data does not bind the expected keys and chain")]
    ReportDataMismatch,
    #[error("measurement MRENCLAVE {mr_enclave} MRSIGNER {mr_signer} is not approved")]
    MeasurementNotApproved {
        mr_enclave: Measurement,
        mr_signer: Measurement,
    },
}

/// Why an attestation failed: the quote did not verify, or the policy refused it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttestationError {
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// An enclave a policy accepted.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AcceptedEnclave {
    pub identity: EnclaveIdentity,
    pub approved_by: ApprovedMeasurement,
    pub quote: VerifiedQuote,
}

impl Policy {
    pub fn production() -> Policy {
        Policy {
            kind: PolicyKind::Production,
            anchors: vec![TrustAnchor::intel_sgx_root()],
            accepted_statuses: vec![TcbStatus::UpToDate],
            debug_allowed: false,
        }
    }

    /// Trusts `simulated_root` besides Intel's, and debug enclaves. Never for production.
    pub fn test(simulated_root: TrustAnchor) -> Policy {
        let accepted_statuses = TcbStatus::ALL
            .into_iter()
            .filter(|s| *s != TcbStatus::Revoked)
            .collect();
        Policy {
            kind: PolicyKind::Test,
            anchors: vec![simulated_root, TrustAnchor::intel_sgx_root()],
            accepted_statuses,
            debug_allowed: true,
        }
    }

    /// Also accepts `status`, e.g. `SWHardeningNeeded` once the enclave carries the mitigations
    /// its advisories name.
    pub fn accept_status(mut self, status: TcbStatus) -> Policy {
        assert!(
            status != TcbStatus::Revoked,
            "a revoked platform is never acceptable"
        );
        if !self.accepted_statuses.contains(&status) {
            self.accepted_statuses.push(status);
        }
        self
    }

    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// One line saying what this policy trusts, for logs and the demo's output.
    pub fn describe(&self) -> String {
        let roots: Vec<String> = self
            .anchors
            .iter()
            .map(|anchor| {
                format!(
                    "{} ({})",
                    anchor.name(),
                    hex::encode(&anchor.fingerprint()[..8])
                )
            })
            .collect();
        let statuses: Vec<&str> = self.accepted_statuses.iter().map(|s| s.as_str()).collect();
        let debug = if self.debug_allowed {
            "accepted"
        } else {
            "refused"
        };
        let head = match self.kind {
            PolicyKind::Production => "production attestation policy".to_string(),
            PolicyKind::Test => "TEST attestation policy, NOT FOR PRODUCTION: it trusts a \
                simulated SGX root, whose enclaves have no hardware protection"
                .to_string(),
        };
        format!(
            "{head}; trusted roots: {}; debug enclaves {debug}; TCB statuses accepted: {}",
            roots.join(", "),
            statuses.join(", ")
        )
    }

    /// Verifies `quote` at `at_ms` against each trusted root in turn, then checks it.
    pub fn verify(
        &self,
        quote: &[u8],
        collateral: &Collateral,
        at_ms: i64,
        approved: &ApprovedMeasurements,
        expected: &ReportData,
    ) -> Result<AcceptedEnclave, AttestationError> {
        let mut first_error = None;
        for anchor in &self.anchors {
            match QuoteVerifier::new(anchor.clone()).verify(quote, collateral, at_ms) {
                Ok(verified) => return Ok(self.check(verified, approved, expected)?),
                Err(error) => first_error = first_error.or(Some(error)),
            }
        }
        Err(first_error
            .expect("a policy trusts at least one root")
            .into())
    }

    /// Decides whether a verified quote is acceptable.
    pub fn check(
        &self,
        quote: VerifiedQuote,
        approved: &ApprovedMeasurements,
        expected: &ReportData,
    ) -> Result<AcceptedEnclave, Refusal> {
        if !self
            .anchors
            .iter()
            .any(|a| a.fingerprint() == quote.anchor_fingerprint)
        {
            let fingerprint = hex::encode(quote.anchor_fingerprint);
            return Err(Refusal::UntrustedRoot { fingerprint });
        }
        let VerifiedReport::Sgx {
            identity,
            report_data,
        } = &quote.report
        else {
            return Err(Refusal::NotSgx);
        };
        if identity.debug() && !self.debug_allowed {
            return Err(Refusal::DebugEnclave);
        }
        if !self.accepted_statuses.contains(&quote.status) {
            return Err(Refusal::TcbStatusNotAccepted {
                status: quote.status,
            });
        }
        if report_data != expected {
            return Err(Refusal::ReportDataMismatch);
        }
        let approved_by = *approved
            .find(identity)
            .ok_or(Refusal::MeasurementNotApproved {
                mr_enclave: identity.mr_enclave,
                mr_signer: identity.mr_signer,
            })?;
        Ok(AcceptedEnclave {
            identity: *identity,
            approved_by,
            quote,
        })
    }
}
