//! The enclave registry's records: which enclave code customs approves, which attestation roots
//! a chain trusts, and what an enclave host submits to register an enclave.
//!
//! Measurements and keys are raw 32-byte values here; checking a quote against them is the
//! ledger's job, with the TEE crate's verifier, at the time of the block that orders it.

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
