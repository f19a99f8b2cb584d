//! The messages between host and enclave (see the crate documentation for the wire format).
//!
//! Binary fields travel as text: keys, measurements, hashes and signatures as lowercase hex,
//! quotes, collateral, envelopes, blocks and transactions as standard base64 with padding.

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

/// What the enclave answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    Identity(IdentityResponse),
    Verdict(Verdict),
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
    /// The enclave failed on its side (quoting, rendering).
    Internal,
}
