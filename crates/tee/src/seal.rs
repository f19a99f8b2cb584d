//! Sealing: encrypting enclave state so that only the same enclave (or a later version from the
//! same signer) on the same platform can read it back, across restarts.
//!
//! A sealing key is derived with HKDF-SHA256 from the platform secret, salted with a random
//! 32-byte key id stored in the blob, with an `info` that names the policy and the identity:
//!
//! - [`SealPolicy::EnclaveIdentity`]: MRENCLAVE, product id and security version. Another
//!   program, even from the same signer, derives another key.
//! - [`SealPolicy::Signer`]: MRSIGNER, product id and security version. A later version of the
//!   program from the same signer opens what an earlier one sealed; an earlier version cannot
//!   open what a later one sealed, so a downgrade does not reach data written after a fix.
//!
//! The security version in the key is the one recorded in the blob; unsealing refuses a blob
//! whose version is above the running enclave's, as SGX refuses a key request for a higher SVN.
//!
//! Blob format (integers little-endian), all of the header also authenticated as AEAD
//! associated data, followed by the caller's associated data:
//!
//! ```text
//! offset  size  field
//!      0     4  magic "BSEL"
//!      4     1  format version = 1
//!      5     1  policy: 1 = enclave identity, 2 = signer
//!      6     2  product id
//!      8     2  security version at sealing
//!     10    32  key id (HKDF salt), random
//!     42    12  AES-256-GCM nonce, random
//!     54     n  ciphertext, then the 16-byte tag
//! ```

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use rand::{CryptoRng, RngCore};
use sha2::Sha256;

use crate::identity::EnclaveIdentity;

const MAGIC: [u8; 4] = *b"BSEL";
const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 54;
const TAG_LEN: usize = 16;
/// The largest plaintext sealed in one blob.
pub const SEALED_PLAINTEXT_LEN_MAX_BYTES: usize = 64 * 1024 * 1024;

/// Which identity a sealed blob is bound to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SealPolicy {
    /// This exact program (MRENCLAVE).
    EnclaveIdentity,
    /// Any program of this signer and product at this security version or later (MRSIGNER).
    Signer,
}

impl SealPolicy {
    fn code(self) -> u8 {
        match self {
            SealPolicy::EnclaveIdentity => 1,
            SealPolicy::Signer => 2,
        }
    }

    fn from_code(code: u8) -> Option<SealPolicy> {
        match code {
            1 => Some(SealPolicy::EnclaveIdentity),
            2 => Some(SealPolicy::Signer),
            _ => None,
        }
    }
}

/// A source of nonces and key ids; the caller injects it so a test can seed it.
pub trait SealRng: RngCore + CryptoRng {}
impl<T: RngCore + CryptoRng> SealRng for T {}

/// Why a blob was not sealed or not opened. Every variant is the caller's to handle: data sealed
/// by someone else is refused, never a reason to stop.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("plaintext of {len} bytes exceeds {SEALED_PLAINTEXT_LEN_MAX_BYTES}")]
    TooLarge { len: usize },
    #[error("not a sealed blob: {reason}")]
    Malformed { reason: &'static str },
    #[error("sealed blob format version {version} is not supported")]
    UnsupportedVersion { version: u8 },
    #[error("sealed for product {sealed}, this enclave is product {current}")]
    ProductMismatch { sealed: u16, current: u16 },
    #[error("sealed at security version {sealed}, above this enclave's {current}")]
    SealedByNewerVersion { sealed: u16, current: u16 },
    /// Another identity, another platform, altered bytes or other associated data: AEAD
    /// authentication cannot tell them apart, by design.
    #[error("the sealed blob does not open with this enclave's key")]
    NotOpenable,
}

/// Seals `plaintext` for `identity` on the platform whose secret is `platform_secret`.
pub fn seal(
    platform_secret: &[u8; 32],
    identity: &EnclaveIdentity,
    policy: SealPolicy,
    aad: &[u8],
    plaintext: &[u8],
    rng: &mut dyn SealRng,
) -> Result<Vec<u8>, SealError> {
    if plaintext.len() > SEALED_PLAINTEXT_LEN_MAX_BYTES {
        return Err(SealError::TooLarge {
            len: plaintext.len(),
        });
    }

    // Header with a fresh key id and nonce.
    let mut header = [0u8; HEADER_LEN];
    header[0..4].copy_from_slice(&MAGIC);
    header[4] = FORMAT_VERSION;
    header[5] = policy.code();
    header[6..8].copy_from_slice(&identity.product_id.to_le_bytes());
    header[8..10].copy_from_slice(&identity.security_version.to_le_bytes());
    rng.fill_bytes(&mut header[10..54]);

    // Encrypt under the derived key.
    let key_id: [u8; 32] = header[10..42].try_into().expect("32 bytes");
    let cipher = cipher(
        platform_secret,
        identity,
        policy,
        identity.security_version,
        &key_id,
    );
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&header[42..54]),
            Payload {
                msg: plaintext,
                aad: &associated_data(&header, aad),
            },
        )
        .expect("AES-GCM encryption of a bounded plaintext cannot fail");

    let mut out = header.to_vec();
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens a blob sealed by [`seal`], for the running enclave `identity`.
pub fn unseal(
    platform_secret: &[u8; 32],
    identity: &EnclaveIdentity,
    aad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, SealError> {
    let header = parse_header(sealed)?;
    if header.product_id != identity.product_id {
        return Err(SealError::ProductMismatch {
            sealed: header.product_id,
            current: identity.product_id,
        });
    }
    if header.security_version > identity.security_version {
        return Err(SealError::SealedByNewerVersion {
            sealed: header.security_version,
            current: identity.security_version,
        });
    }

    let (header_bytes, ciphertext) = sealed.split_at(HEADER_LEN);
    let cipher = cipher(
        platform_secret,
        identity,
        header.policy,
        header.security_version,
        &header.key_id,
    );
    cipher
        .decrypt(
            Nonce::from_slice(&header_bytes[42..54]),
            Payload {
                msg: ciphertext,
                aad: &associated_data(header_bytes, aad),
            },
        )
        .map_err(|_| SealError::NotOpenable)
}

struct SealHeader {
    policy: SealPolicy,
    product_id: u16,
    security_version: u16,
    key_id: [u8; 32],
}

fn parse_header(sealed: &[u8]) -> Result<SealHeader, SealError> {
    if sealed.len() < HEADER_LEN + TAG_LEN {
        return Err(SealError::Malformed {
            reason: "shorter than header and tag",
        });
    }
    if sealed[0..4] != MAGIC {
        return Err(SealError::Malformed {
            reason: "wrong magic",
        });
    }
    if sealed[4] != FORMAT_VERSION {
        return Err(SealError::UnsupportedVersion { version: sealed[4] });
    }
    let policy = SealPolicy::from_code(sealed[5]).ok_or(SealError::Malformed {
        reason: "unknown policy",
    })?;
    Ok(SealHeader {
        policy,
        product_id: u16::from_le_bytes([sealed[6], sealed[7]]),
        security_version: u16::from_le_bytes([sealed[8], sealed[9]]),
        key_id: sealed[10..42].try_into().expect("32 bytes"),
    })
}

fn associated_data(header: &[u8], aad: &[u8]) -> Vec<u8> {
    [header, aad].concat()
}

fn cipher(
    platform_secret: &[u8; 32],
    identity: &EnclaveIdentity,
    policy: SealPolicy,
    security_version: u16,
    key_id: &[u8; 32],
) -> Aes256Gcm {
    let measurement = match policy {
        SealPolicy::EnclaveIdentity => identity.mr_enclave,
        SealPolicy::Signer => identity.mr_signer,
    };
    let mut info = b"bonded-tee/seal/v1".to_vec();
    info.push(policy.code());
    info.extend_from_slice(&measurement.0);
    info.extend_from_slice(&identity.product_id.to_le_bytes());
    info.extend_from_slice(&security_version.to_le_bytes());

    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(Some(key_id), platform_secret)
        .expand(&info, &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    Aes256Gcm::new_from_slice(&key).expect("32-byte key")
}
