//! Measures, seals and attests the enclave program behind a TEE platform trait, and verifies
//! Intel DCAP quotes against a pinned root at a time the caller gives.
//!
//! # Design
//!
//! The enclave process holds one [`Platform`]: today [`SimulatedSgx`], later a Gramine, Fortanix
//! EDP or Intel TDX backend behind the same trait. Through it the enclave learns its own
//! [`EnclaveIdentity`] (MRENCLAVE from its executable, MRSIGNER from its signer's key, product id,
//! security version, attributes), seals its state ([`seal`]) and produces attestation quotes in
//! the DCAP version 3 byte format ([`quote`]) whose 64 bytes of report data bind its public keys
//! and the chain id ([`ReportData::binding`]).
//!
//! The verifying side (the ledger's state machine, at enclave registration) needs no platform: a
//! [`Policy`] verifies a quote and its [`Collateral`] with the `dcap-qvl` crate against the
//! policy's trust anchors, at the block's time, and checks the result against the approved
//! measurement list ([`ApprovedMeasurements`]) and the expected report data. The production
//! policy trusts only Intel's root and refuses debug enclaves; the test policy also trusts the
//! simulated root and says so in [`Policy::describe`].
//!
//! Nothing here does network I/O or reads a clock: times are parameters, randomness for sealing
//! is passed in, and the only file is the simulated platform's secret. The simulated platform
//! derives everything from that secret deterministically, so a seeded test replays byte for byte.
//!
//! # Flow
//!
//! ```text
//! enclave:  SimulatedSgx::open(folder, program) ── quote(ReportData::binding(keys, chain))
//! host:     collateral(now) ──► register-enclave transaction { quote, collateral, keys }
//! ledger:   Policy::verify(quote, collateral, block time, approved list, expected binding)
//! ```
//!
//! # Invariants
//!
//! - A quote's signed bytes are exactly the 48-byte header and the 384-byte report body.
//! - A key sealed under one identity never opens under another: the identity is in the key
//!   derivation, and AES-GCM authenticates the header and the caller's associated data.
//! - Verification takes time as a parameter; the same inputs give the same verdict on every node.

mod der;
pub mod identity;
pub mod platform;
pub mod policy;
pub mod quote;
pub mod seal;
pub mod sim;
pub mod verify;

pub use identity::{Attributes, EnclaveIdentity, EnclaveProgram, Measurement};
pub use platform::{CollateralSource, Platform, PlatformKind, QuoteError};
pub use policy::{
    AcceptedEnclave, ApprovedMeasurement, ApprovedMeasurements, AttestationError, Policy,
    PolicyKind, Refusal,
};
pub use quote::{Quote, ReportBody, ReportData};
pub use seal::{SealError, SealPolicy, SealRng};
pub use sim::{PlatformError, SimulatedSgx, SimulationSettings, VendorSecret};
pub use verify::{
    Collateral, QuoteVerifier, TcbStatus, TrustAnchor, VerifiedQuote, VerifiedReport, VerifyError,
};
