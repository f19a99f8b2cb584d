//! The messages between host and enclave (see the crate documentation for the wire format).
//!
//! Binary fields travel as text: keys, measurements, hashes and signatures as lowercase hex,
//! quotes, collateral, envelopes, blocks and transactions as standard base64 with padding.

use bonded_model::{AttestationTrust, EnclaveRegistration, OrganizationId};
use bonded_reconcile::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the host asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Request {
    /// Attest: a quote binding the enclave's keys to `chain_id`, with collateral issued at
    /// `at_ms` (Unix milliseconds, the host's time: the ledger checks it at the block's time).
    Identity { chain_id: String, at_ms: i64 },
    /// Reconcile an enterprise's channel with its sealed norms and sign the result.
    Verify(VerifyRequest),
    /// Compare the norms of enterprises making goods under one HS code; only aggregates over at
    /// least k enterprises come back ([`crate::compare`]).
    Compare(CompareRequest),
    /// The tip the enclave holds an enterprise's channel verified up to, so the host can send
    /// only the blocks after it.
    Checkpoint {
        chain_id: String,
        enterprise: String,
    },
    /// Answer `Goodbye` and exit.
    Shutdown {},
}

/// The inputs of one verification: the sealed norms and every block of the enterprise's channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub chain_id: String,
    pub enterprise: String,
    /// The norm commitment the norms were sealed for, hex. It must be the newest commitment
    /// recorded in the channel.
    pub commitment: String,
    /// The HPKE envelope of the norms, base64.
    pub sealed_norms: String,
    /// The orderer keys of the chain's genesis, hex; every block must carry a signature by one.
    pub orderer_keys: Vec<String>,
    /// Blocks of the channel, each the base64 of its postcard encoding, up to its head: either
    /// all of them from height 0, or those after the enclave's checkpoint (none if the channel
    /// has not moved since).
    pub blocks: Vec<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The nonce of the verdict transaction, chosen by the host.
    pub nonce: u64,
}

/// The inputs of one comparison: for each enterprise, what a verification of it would carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    pub chain_id: String,
    pub orderer_keys: Vec<String>,
    /// The product's HS code or its first digits (2 to 10 digits).
    pub hs_code: String,
    /// The least number of enterprises a released group must hold; the enclave refuses one
    /// below its own floor.
    pub k: u32,
    /// An enterprise whose position in each released group is reported as a band.
    pub subject: Option<String>,
    pub enterprises: Vec<CompareInput>,
}

/// One enterprise of a comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareInput {
    pub enterprise: String,
    pub commitment: String,
    pub sealed_norms: String,
    pub blocks: Vec<String>,
}

/// What a comparison releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub hs_code: String,
    pub k: u32,
    /// Enterprises with at least one norm for a product under the HS code.
    pub enterprises: u32,
    pub groups: Vec<GroupStatistics>,
    /// Groups with fewer than k enterprises, of which nothing else is said.
    pub withheld_groups: u32,
    pub subject: Option<SubjectPosition>,
}

/// The effective norms (material per unit of product, loss included) of one material heading,
/// over at least k enterprises.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStatistics {
    /// The material's HS heading (6 digits).
    pub material_hs: String,
    pub material_unit: String,
    pub product_unit: String,
    pub enterprises: u32,
    pub p25: String,
    pub median: String,
    pub p75: String,
}

/// The subject enterprise's band in each released group it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectPosition {
    pub enterprise: String,
    pub bands: Vec<Band>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub material_hs: String,
    pub material_unit: String,
    pub product_unit: String,
    /// `below_p25`, `p25_to_p75` or `above_p75`.
    pub position: String,
}

/// What the enclave answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    Identity(IdentityResponse),
    Verdict(Verdict),
    Comparison(Comparison),
    Error {
        code: ErrorCode,
        message: String,
    },
    /// The channel's checkpoint: the height and hash (hex) of the newest block verified, or
    /// nothing if the enclave holds none for it.
    Checkpoint {
        height: Option<u64>,
        head: Option<String>,
    },
    Goodbye {},
}

/// The enclave's attested identity and public keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityResponse {
    pub quote: String,
    pub collateral: String,
    pub verdict_key: String,
    pub norms_key: String,
    pub mr_enclave: String,
    pub mr_signer: String,
    pub product_id: u16,
    pub security_version: u16,
    pub debug: bool,
    /// The attestation policy a verifier needs for this platform, in one line.
    pub policy: String,
    /// The simulated attestation root (DER, base64); `None` on hardware, where the root is
    /// Intel's and verifiers already hold it.
    pub simulated_root: Option<String>,
}

/// Why an enclave's answer does not decode into the ledger's types.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("{field} is not valid {encoding}")]
    Encoding {
        field: &'static str,
        encoding: &'static str,
    },
}

impl IdentityResponse {
    /// The registration transaction's payload for this identity, under the registry id `enclave`.
    pub fn registration(
        &self,
        enclave: &str,
        name: &str,
    ) -> Result<EnclaveRegistration, ProtocolError> {
        use base64::Engine as _;
        let base64 = base64::engine::general_purpose::STANDARD;
        let decode = |field: &'static str, text: &str| {
            base64.decode(text).map_err(|_| ProtocolError::Encoding {
                field,
                encoding: "base64",
            })
        };
        Ok(EnclaveRegistration {
            enclave: OrganizationId(enclave.to_string()),
            name: name.to_string(),
            quote: decode("quote", &self.quote)?,
            collateral: decode("collateral", &self.collateral)?,
            verdict_key: hex32("verdict_key", &self.verdict_key)?,
            norms_key: hex32("norms_key", &self.norms_key)?,
        })
    }

    /// The trust a chain needs to accept this enclave's quotes: the simulated root it reports,
    /// under the test policy, or Intel's alone.
    pub fn attestation_trust(&self) -> Result<AttestationTrust, ProtocolError> {
        use base64::Engine as _;
        match &self.simulated_root {
            Some(root) => Ok(AttestationTrust::Test {
                simulated_root: base64::engine::general_purpose::STANDARD
                    .decode(root)
                    .map_err(|_| ProtocolError::Encoding {
                        field: "simulated_root",
                        encoding: "base64",
                    })?,
            }),
            None => Ok(AttestationTrust::Production),
        }
    }

    /// The attested MRENCLAVE as bytes.
    pub fn mr_enclave_bytes(&self) -> Result<[u8; 32], ProtocolError> {
        hex32("mr_enclave", &self.mr_enclave)
    }
}

/// 32 bytes written as hex, as the protocol writes keys and measurements.
pub fn hex32(field: &'static str, text: &str) -> Result<[u8; 32], ProtocolError> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).map_err(|_| ProtocolError::Encoding {
        field,
        encoding: "hex of 32 bytes",
    })?;
    Ok(bytes)
}

/// A signed reconciliation result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub enterprise: String,
    pub commitment: String,
    /// The channel block the records were verified up to, and its hash (hex).
    pub channel_height: u64,
    pub channel_head: String,
    /// The redacted reconciliation report, JSON text; `report_sha256` is over its UTF-8 bytes.
    pub report: String,
    pub report_sha256: String,
    /// The verdict transaction (base64 envelope), signed with the enclave's verdict key, ready
    /// to be submitted to the ledger.
    pub transaction: String,
}

/// Why a request was refused. Each code is one thing the host can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not a JSON request of this protocol.
    MalformedRequest,
    /// The length prefix exceeds the message limit; the enclave exits after answering.
    FrameTooLarge,
    /// A hex or base64 field does not decode, or an id holds a zero byte.
    BadEncoding,
    /// The norm envelope is not an envelope of the supported format.
    EnvelopeMalformed,
    /// The envelope does not open with this enclave's key for this chain, enterprise and
    /// commitment: sealed to another key, altered, or bound to another commitment.
    EnvelopeUnauthentic,
    /// The envelope opened, but its norms do not hash to the commitment.
    CommitmentMismatch,
    /// The opened norms are not a canonical, valid norm set.
    NormsInvalid,
    /// The blocks do not verify: not one hash chain of this chain and channel, a Merkle root
    /// that does not match the envelopes (a record dropped or altered), or no orderer signature.
    RecordsUnverified,
    /// The commitment is not the newest norm commitment recorded in the verified channel.
    CommitmentNotCurrent,
    /// The channel's records do not form a bundle the engine accepts.
    BadBundle,
    /// The norms name items the bundle does not have, or otherwise do not fit it.
    NormsDoNotFitBundle,
    /// A comparison request the enclave will not run: k below its floor, no or too many
    /// enterprises, an HS code that is not 2 to 10 digits, an enterprise named twice.
    BadComparison,
    /// The enclave failed on its side (quoting, rendering).
    Internal,
}
