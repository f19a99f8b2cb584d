//! Quote verification with the `dcap-qvl` crate, anchored at a root the caller names and
//! evaluated at a time the caller gives (the block's time, never a local clock).
//!
//! `dcap-qvl` accepts a custom root certificate (`QuoteVerifier::new(root_der)`), so the same
//! code path checks a simulated quote against the simulated root and a hardware quote against
//! Intel's SGX Root CA; nothing is reimplemented here. It checks, in order: the TCB info and QE
//! identity signatures and their certificate chains, the CRLs, the PCK certificate chain in the
//! quote, the QE report's PCK signature, the QE report's binding of the attestation key, the QE
//! identity, the quote's signature by the attestation key, and matches the platform's TCB level.
//! Debug enclaves are let through at this layer (`allow_debug(true)`) so that the refusal is the
//! [`crate::policy`]'s, named and explained, rather than a verifier error.
//!
//! The result is a [`VerifiedQuote`]: the TCB status and advisories, the trust anchor that
//! verified it, and the report (an SGX enclave's identity and report data, or a TDX TD's
//! measurement, since `dcap-qvl` verifies both).

use sha2::{Digest, Sha256};

use crate::identity::{Attributes, EnclaveIdentity, Measurement};
use crate::quote::{ReportData, QUOTE_LEN_MAX_BYTES};

/// Intel's SGX Root CA certificate (DER), the anchor of every hardware quote. Copied from the
/// `dcap-qvl` 0.7.1 crate (`src/TrustedRootCA.der`); the same certificate Intel publishes.
const INTEL_SGX_ROOT_CA_DER: &[u8] = include_bytes!("intel_sgx_root_ca.der");
/// The largest collateral document accepted for parsing.
pub const COLLATERAL_JSON_LEN_MAX_BYTES: usize = 1024 * 1024;

/// A root certificate quotes are verified against.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TrustAnchor {
    name: String,
    der: Vec<u8>,
}

impl TrustAnchor {
    pub fn intel_sgx_root() -> TrustAnchor {
        TrustAnchor {
            name: "Intel SGX Root CA".into(),
            der: INTEL_SGX_ROOT_CA_DER.to_vec(),
        }
    }

    /// A simulated platform's root, as [`crate::SimulatedSgx::attestation_root`] gives it.
    pub fn simulated(der: Vec<u8>) -> TrustAnchor {
        TrustAnchor {
            name: "simulated SGX root".into(),
            der,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// SHA-256 of the certificate, how policies and logs name an anchor.
    pub fn fingerprint(&self) -> [u8; 32] {
        Sha256::digest(&self.der).into()
    }

    pub fn is_intel_sgx_root(&self) -> bool {
        self.der == INTEL_SGX_ROOT_CA_DER
    }
}

/// The documents a verifier needs besides the quote: TCB info, QE identity, CRLs and their
/// issuer chains. Serialised as the JSON `dcap-qvl` and Phala's PCCS tooling use.
#[derive(Clone, Debug)]
pub struct Collateral(pub(crate) dcap_qvl::QuoteCollateralV3);

impl Collateral {
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.0).expect("collateral serialises")
    }

    pub fn from_json(bytes: &[u8]) -> Result<Collateral, VerifyError> {
        if bytes.len() > COLLATERAL_JSON_LEN_MAX_BYTES {
            return Err(VerifyError::MalformedCollateral {
                reason: format!(
                    "{} bytes exceed {COLLATERAL_JSON_LEN_MAX_BYTES}",
                    bytes.len()
                ),
            });
        }
        serde_json::from_slice(bytes)
            .map(Collateral)
            .map_err(|error| VerifyError::MalformedCollateral {
                reason: error.to_string(),
            })
    }
}

/// The platform's TCB status as Intel's collateral rates it. `Revoked` never appears in a
/// [`VerifiedQuote`]: the verifier rejects a revoked platform outright.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TcbStatus {
    UpToDate,
    SwHardeningNeeded,
    ConfigurationNeeded,
    ConfigurationAndSwHardeningNeeded,
    OutOfDate,
    OutOfDateConfigurationNeeded,
    TdRelaunchAdvised,
    TdRelaunchAdvisedConfigurationNeeded,
    Revoked,
}

impl TcbStatus {
    pub const ALL: [TcbStatus; 9] = [
        TcbStatus::UpToDate,
        TcbStatus::SwHardeningNeeded,
        TcbStatus::ConfigurationNeeded,
        TcbStatus::ConfigurationAndSwHardeningNeeded,
        TcbStatus::OutOfDate,
        TcbStatus::OutOfDateConfigurationNeeded,
        TcbStatus::TdRelaunchAdvised,
        TcbStatus::TdRelaunchAdvisedConfigurationNeeded,
        TcbStatus::Revoked,
    ];

    /// Intel's name for the status, as in TCB info documents.
    pub fn as_str(self) -> &'static str {
        match self {
            TcbStatus::UpToDate => "UpToDate",
            TcbStatus::SwHardeningNeeded => "SWHardeningNeeded",
            TcbStatus::ConfigurationNeeded => "ConfigurationNeeded",
            TcbStatus::ConfigurationAndSwHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
            TcbStatus::OutOfDate => "OutOfDate",
            TcbStatus::OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
            TcbStatus::TdRelaunchAdvised => "TDRelaunchAdvised",
            TcbStatus::TdRelaunchAdvisedConfigurationNeeded => {
                "TDRelaunchAdvisedConfigurationNeeded"
            }
            TcbStatus::Revoked => "Revoked",
        }
    }

    pub fn from_intel_name(name: &str) -> Option<TcbStatus> {
        TcbStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
    }
}

impl std::fmt::Display for TcbStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a verified quote says.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifiedQuote {
    pub status: TcbStatus,
    pub advisory_ids: Vec<String>,
    /// SHA-256 of the root certificate the quote's chains lead to.
    pub anchor_fingerprint: [u8; 32],
    pub report: VerifiedReport,
    /// The time the quote and collateral were evaluated at, Unix milliseconds.
    pub verified_at_ms: i64,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum VerifiedReport {
    /// An SGX enclave: its identity (MRENCLAVE, MRSIGNER, product id, security version,
    /// attributes with the debug flag) and its report data.
    Sgx {
        identity: EnclaveIdentity,
        report_data: ReportData,
    },
    /// An Intel TDX trust domain: its build-time measurement and report data.
    // TODO: a TDX platform backend and TDX entries in the approved measurement list; until
    // then a TDX quote verifies but no policy accepts it.
    Tdx {
        mr_td: [u8; 48],
        debug: bool,
        report_data: ReportData,
    },
}

impl VerifiedQuote {
    pub fn debug(&self) -> bool {
        match &self.report {
            VerifiedReport::Sgx { identity, .. } => identity.debug(),
            VerifiedReport::Tdx { debug, .. } => *debug,
        }
    }

    pub fn report_data(&self) -> &ReportData {
        match &self.report {
            VerifiedReport::Sgx { report_data, .. } | VerifiedReport::Tdx { report_data, .. } => {
                report_data
            }
        }
    }

    pub fn sgx_identity(&self) -> Option<&EnclaveIdentity> {
        match &self.report {
            VerifiedReport::Sgx { identity, .. } => Some(identity),
            VerifiedReport::Tdx { .. } => None,
        }
    }
}

/// Why a quote did not verify. The registration carrying it is rejected; the caller can retry
/// with a fresh quote and collateral.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("time {at_ms} ms is before the Unix epoch")]
    TimeBeforeEpoch { at_ms: i64 },
    #[error("malformed collateral: {reason}")]
    MalformedCollateral { reason: String },
    /// The quote, a certificate, a signature, a CRL or a collateral document failed a check, or
    /// is outside its validity at the given time. The reason is the verifier's own wording.
    #[error("quote rejected: {reason}")]
    Rejected { reason: String },
    #[error("verifier reported an unknown TCB status {status}")]
    UnknownStatus { status: String },
}

/// Verifies quotes against one trust anchor.
#[derive(Clone, Debug)]
pub struct QuoteVerifier {
    anchor: TrustAnchor,
}

impl QuoteVerifier {
    pub fn new(anchor: TrustAnchor) -> QuoteVerifier {
        QuoteVerifier { anchor }
    }

    pub fn anchor(&self) -> &TrustAnchor {
        &self.anchor
    }

    /// Verifies `quote` with `collateral` as of `at_ms` (Unix milliseconds; whole seconds count).
    pub fn verify(
        &self,
        quote: &[u8],
        collateral: &Collateral,
        at_ms: i64,
    ) -> Result<VerifiedQuote, VerifyError> {
        let _span = tracing::debug_span!("tee.verify", at_ms).entered();
        if quote.len() > QUOTE_LEN_MAX_BYTES {
            let reason = format!("{} bytes exceed {QUOTE_LEN_MAX_BYTES}", quote.len());
            return Err(VerifyError::Rejected { reason });
        }
        let at_seconds = u64::try_from(at_ms.div_euclid(1000))
            .map_err(|_| VerifyError::TimeBeforeEpoch { at_ms })?;
        let verifier =
            dcap_qvl::verify::QuoteVerifier::new(self.anchor.der.clone()).allow_debug(true);
        let verified = verifier
            .verify(quote, &collateral.0, at_seconds)
            .map_err(|error| VerifyError::Rejected {
                reason: format!("{error:#}"),
            })?;

        let status = TcbStatus::from_intel_name(&verified.status).ok_or_else(|| {
            VerifyError::UnknownStatus {
                status: verified.status.clone(),
            }
        })?;
        Ok(VerifiedQuote {
            status,
            advisory_ids: verified.advisory_ids,
            anchor_fingerprint: self.anchor.fingerprint(),
            report: verified_report(&verified.report),
            verified_at_ms: at_ms,
        })
    }
}

fn verified_report(report: &dcap_qvl::quote::Report) -> VerifiedReport {
    if let Some(sgx) = report.as_sgx() {
        let identity = EnclaveIdentity {
            mr_enclave: Measurement(sgx.mr_enclave),
            mr_signer: Measurement(sgx.mr_signer),
            product_id: sgx.isv_prod_id,
            security_version: sgx.isv_svn,
            attributes: Attributes::from_bytes(&sgx.attributes),
        };
        return VerifiedReport::Sgx {
            identity,
            report_data: ReportData(sgx.report_data),
        };
    }
    let td = report
        .as_td10()
        .expect("a report is either an SGX enclave or a TD");
    VerifiedReport::Tdx {
        mr_td: td.mr_td,
        // TUD bit 0 of the TD attributes is TD debug mode.
        debug: td.td_attributes[0] & 0x01 != 0,
        report_data: ReportData(td.report_data),
    }
}
