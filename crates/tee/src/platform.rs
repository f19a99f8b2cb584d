//! The TEE backend boundary. The enclave process holds one [`Platform`] and calls nothing else
//! that depends on the hardware; a backend for Gramine, Fortanix EDP or Intel TDX implements the
//! same trait (its quotes then carry a TD report or come from the Gramine attestation device, and
//! [`crate::verify`] already parses TDX quotes).

use std::fmt;

use crate::identity::EnclaveIdentity;
use crate::quote::{Quote, ReportData};
use crate::seal::{SealError, SealPolicy, SealRng};
use crate::verify::Collateral;

/// Which backend produced a quote or sealed a blob.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum PlatformKind {
    /// SGX simulated in software: no memory protection, a simulated attestation root.
    SimulatedSgx,
}

impl fmt::Display for PlatformKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlatformKind::SimulatedSgx => f.write_str("simulated SGX (no hardware protection)"),
        }
    }
}

/// A trusted execution environment as seen from inside the enclave.
pub trait Platform {
    fn kind(&self) -> PlatformKind;

    /// The identity of the running enclave, as its quotes report it.
    fn identity(&self) -> &EnclaveIdentity;

    /// Seals `plaintext` under a key bound to this platform and to the identity `policy` picks.
    /// `aad` is authenticated but not stored: the same bytes must be given to unseal.
    fn seal(
        &self,
        policy: SealPolicy,
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn SealRng,
    ) -> Result<Vec<u8>, SealError>;

    fn unseal(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError>;

    /// A DCAP quote over this enclave's report carrying `report_data`.
    fn quote(&self, report_data: &ReportData) -> Result<Quote, QuoteError>;
}

/// Where the verification collateral for a quote comes from. On hardware the host fetches it from
/// a PCCS (network I/O, outside this crate); the simulation issues its own.
pub trait CollateralSource {
    /// Collateral issued at `issued_at_ms` (Unix milliseconds), valid for a verifier whose time
    /// falls inside its validity window.
    fn collateral(&self, issued_at_ms: i64) -> Result<Collateral, QuoteError>;
}

/// Why a quote or collateral could not be produced. On a real platform this means the quoting
/// infrastructure is broken: the enclave cannot register and must stop with this reason.
#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    #[error("certificate generation failed: {0}")]
    Certificate(String),
    #[error("time {at_ms} ms is outside the representable range")]
    TimeOutOfRange { at_ms: i64 },
}
