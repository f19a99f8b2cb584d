//! The enclave registry's records: which enclave code customs approves, which attestation roots
//! a chain trusts, what an enclave host submits to register an enclave, and the verdicts a
//! registered enclave signs.
//!
//! Measurements and keys are raw 32-byte values here; checking a quote against them is the
//! ledger's job, with the TEE crate's verifier, at the time of the block that orders it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{ModelError, OrganizationId};

/// An entry of the approved enclave code list held by customs governance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovedCode {
    /// Exactly this program (MRENCLAVE).
    Enclave { mr_enclave: [u8; 32] },
    /// Any program of this signer and product at this security version or later.
    Signer {
        mr_signer: [u8; 32],
        product_id: u16,
        min_security_version: u16,
    },
}

/// Which attestation roots a chain trusts, fixed at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttestationTrust {
    /// Intel's SGX root only, no debug enclaves: the only setting for production.
    Production,
    /// Also a simulated root (its DER certificate) and debug enclaves: tests and the demo only.
    Test { simulated_root: Vec<u8> },
}

/// What an enclave host submits to register an enclave: the enclave's own id in the registry,
/// its attestation quote and collateral, and the two keys the quote's report data binds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnclaveRegistration {
    pub enclave: OrganizationId,
    pub name: String,
    /// DCAP v3 quote bytes.
    pub quote: Vec<u8>,
    /// Verification collateral (TCB info, QE identity, CRLs) as JSON.
    pub collateral: Vec<u8>,
    /// Ed25519 key the enclave signs verdicts with.
    pub verdict_key: [u8; 32],
    /// X25519 key norms are sealed to (HPKE).
    pub norms_key: [u8; 32],
}

impl EnclaveRegistration {
    /// Bounds that keep a registration inside one envelope.
    pub const QUOTE_BYTES_MAX: usize = 16 * 1024;
    pub const COLLATERAL_BYTES_MAX: usize = 32 * 1024;

    pub fn validate(&self) -> Result<(), ModelError> {
        self.enclave.validate()?;
        crate::text(
            "enclave name",
            &self.name,
            crate::OrganizationRecord::NAME_LENGTH_MAX,
        )?;
        if self.quote.len() > Self::QUOTE_BYTES_MAX {
            let max = Self::QUOTE_BYTES_MAX;
            return Err(ModelError::TooLong {
                field: "quote",
                max,
            });
        }
        if self.collateral.len() > Self::COLLATERAL_BYTES_MAX {
            let max = Self::COLLATERAL_BYTES_MAX;
            return Err(ModelError::TooLong {
                field: "collateral",
                max,
            });
        }
        Ok(())
    }
}

/// What a registered enclave concludes about one enterprise, recorded in that enterprise's
/// channel and signed with the enclave's verdict key.
///
/// The inputs are named exactly: the channel block the enclave verified the records up to (its
/// height and hash) and the norm commitment whose norms it opened. The ledger accepts the
/// verdict only while that block is still the channel's newest, so a verdict computed on records
/// that have since grown, or replayed later, is refused. The full redacted report is kept off the
/// ledger by the node that ran the verification; `report_sha256` binds it, and the finding
/// counts let anyone read the outcome from the ledger alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictRecord {
    pub enterprise: OrganizationId,
    pub channel_height: u64,
    pub channel_head: [u8; 32],
    pub commitment: [u8; 32],
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// SHA-256 of the redacted report's JSON bytes.
    pub report_sha256: [u8; 32],
    pub critical: u32,
    pub warning: u32,
    pub info: u32,
    pub not_evaluable: u32,
}

impl VerdictRecord {
    /// Whether the enterprise complies: no critical finding.
    pub fn compliant(&self) -> bool {
        self.critical == 0
    }

    pub fn validate(&self) -> Result<(), ModelError> {
        self.enterprise.validate()?;
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if to < from {
                return Err(ModelError::InvertedValidity { from, to });
            }
        }
        Ok(())
    }
}
