//! Runs the enclave program: the one process that sees an enterprise's norms in clear.
//!
//! # Design
//!
//! The `bonded-enclave` binary is the enclave program; `bonded enclave-program` runs the same
//! [`program`] from the product's own binary, so that the demo needs one build. A host (the node,
//! a test, the overhead benchmark) starts it as a child process and talks to it only through its standard input and
//! output; it shares no memory with the host. Inside it:
//!
//! 1. [`keys`] generates an Ed25519 verdict key and an X25519 norms key (HPKE) on first start and
//!    seals both to `DIR/keys.sealed` under the enclave identity, so a restart of the same program
//!    on the same platform keeps them (and with them the ledger registration), and any other
//!    program, or the same program on another platform, cannot open them.
//! 2. [`service`] answers requests: an attestation [`protocol::Request::Identity`] whose quote's
//!    report data binds both public keys and the chain id, and a [`protocol::Request::Verify`]
//!    that checks the blocks of an enterprise's channel ([`bonded_ledger::channel`]), collects
//!    their records ([`records`]), opens a norm envelope, reconciles the records with those norms
//!    ([`verdict`]), removes what would reveal a norm value ([`redact`]) and signs the verdict as
//!    a ledger transaction.
//! 3. [`frame`] reads and writes the length-prefixed messages; [`host`] is the other end, used
//!    by the node, the tests and the overhead benchmark.
//!
//! # Protocol
//!
//! Each message, in both directions, is a 4-byte big-endian length `n` followed by `n` bytes of
//! UTF-8 JSON: one object, a serde externally tagged enum (`{"Variant": {fields}}`). `n` is at
//! most [`frame::MESSAGE_BYTES_MAX`] (64 MiB). The host sends one request and reads exactly one
//! response before the next; the enclave answers in order.
//!
//! Requests ([`protocol::Request`]):
//!
//! | request | fields | response |
//! |---|---|---|
//! | `Identity` | `chain_id`, `at_ms` (collateral issue time, Unix ms) | `Identity` |
//! | `Verify` | `chain_id`, `enterprise`, `commitment` (hex), `sealed_norms` (base64 envelope), `orderer_keys` (hex), `blocks` (base64 postcard blocks of the channel up to its head: from height 0, or after the enclave's checkpoint), `from`, `to` (ISO dates or null), `nonce` | `Verdict` |
//! | `Compare` | `chain_id`, `orderer_keys`, `hs_code`, `k`, `subject` (or null), `enterprises`: each `enterprise`, `commitment`, `sealed_norms`, `blocks` as for `Verify` | `Comparison` |
//! | `Checkpoint` | `chain_id`, `enterprise` | `Checkpoint` |
//! | `Shutdown` | none | `Goodbye`, then the process exits 0 |
//!
//! Responses ([`protocol::Response`]):
//!
//! - `Identity`: `quote` (base64 DCAP v3), `collateral` (base64 of the collateral JSON),
//!   `verdict_key` (hex Ed25519), `norms_key` (hex X25519), `mr_enclave`, `mr_signer` (hex),
//!   `product_id`, `security_version`, `debug`, `policy` (what a verifier must trust, in one
//!   line) and `simulated_root` (base64 DER of the simulated attestation root, absent on
//!   hardware). The quote's report data is
//!   `ReportData::binding(&[verdict_key, norms_key], chain_id)`, as the ledger expects.
//! - `Verdict`: `enterprise`, `commitment` (hex), `channel_height` and `channel_head` (hex: the
//!   block the records were verified up to), `report` (the redacted reconciliation JSON as text,
//!   exactly the bytes hashed), `report_sha256` (hex) and `transaction` (base64): a ledger
//!   transaction in the enterprise's channel whose payload is a `verdict` naming the same
//!   inputs, the report hash and the finding counts, signed with the verdict key.
//! - `Comparison`: `hs_code`, `k`, `enterprises` (how many had matching norms), `groups` (per
//!   material heading and units: `enterprises`, `p25`, `median`, `p75` of the effective norms,
//!   only for groups of at least k enterprises), `withheld_groups`, and `subject` (its band per
//!   released group) ([`compare`]).
//! - `Checkpoint`: `height` and `head` (hex) of the newest block of the channel the enclave has
//!   verified and kept ([`checkpoint`]), both null if it holds none.
//! - `Error`: `code` ([`protocol::ErrorCode`]) and `message`. No error message holds a norm
//!   value. After an error the enclave keeps serving, except after `FrameTooLarge`: the stream
//!   can no longer be split into messages, so the enclave answers and exits with status 2.
//!
//! End of input at a message boundary is a clean stop (status 0); end of input inside a message
//! is logged and stops the process with status 2.
//!
//! # Invariants
//!
//! - Norm values cross the boundary only as balances the report derives from them: never in a
//!   log line, an error message or a finding's text or evidence.
//! - The private keys exist in clear only in this process; on disk they are sealed.
//! - Every response to a well-formed `Verify` is either a signed verdict or an `Error`.
//! - A verdict is computed only on records from blocks that form the channel's hash chain from
//!   height 0, with matching Merkle roots and orderer signatures (checked now, or in an earlier
//!   request whose checkpoint this one continues), and only with the newest norm commitment
//!   recorded among them.

pub mod checkpoint;
pub mod compare;
pub mod frame;
pub mod host;
pub mod keys;
pub mod program;
pub mod protocol;
pub mod records;
pub mod redact;
pub mod service;
pub mod verdict;

/// The demo signer of the enclave program: MRSIGNER is the SHA-256 of these bytes. A real release
/// is signed with the vendor's key (see the TODO in `bonded_tee::identity`).
pub const DEMO_SIGNER_PUBLIC_KEY: &[u8] = b"bonded demo enclave signer v1";
/// The product id and security version the demo signer gives the enclave program.
pub const PRODUCT_ID: u16 = 1;
pub const SECURITY_VERSION: u16 = 1;
