//! The Intel DCAP version 3 quote, byte by byte, and the report data that binds an enclave's keys.
//!
//! All integers are little-endian. A quote is a header, an SGX report body, then the signature
//! data with its length in front:
//!
//! ```text
//! offset  size  field
//!      0     2  version = 3
//!      2     2  attestation key type = 2 (ECDSA-256 with P-256)
//!      4     4  TEE type = 0 (SGX; "reserved" in the v3 specification)
//!      8     2  QE security version
//!     10     2  PCE security version
//!     12    16  QE vendor id (Intel's: 939a7233f79c4ca9940a0db3957f0607)
//!     28    20  user data (the first 16 bytes identify the platform)
//!     48   384  ISV enclave report body (see below)
//!    432     4  signature data length n
//!    436     n  signature data:
//!                 64  ECDSA signature (r || s) over bytes 0..432, by the attestation key
//!                 64  attestation public key (x || y)
//!                384  QE report body
//!                 64  QE report signature (r || s) by the PCK key
//!                  2  QE authentication data length a, then a bytes
//!                  2  certification data type = 5 (PCK certificate chain)
//!                  4  certification data length c, then c bytes: PEM leaf, CA, root
//! ```
//!
//! The report body (the same layout for the application enclave and the quoting enclave):
//!
//! ```text
//! offset  size  field                 offset  size  field
//!      0    16  CPU security version     160    32  reserved
//!     16     4  MISCSELECT               192    64  CONFIGID
//!     20    12  reserved                 256     2  ISV product id
//!     32    16  ISV extended product id  258     2  ISV security version
//!     48    16  ATTRIBUTES               260     2  CONFIGSVN
//!     64    32  MRENCLAVE                262    42  reserved
//!     96    32  reserved                 304    16  ISV family id
//!    128    32  MRSIGNER                 320    64  report data
//! ```
//!
//! The QE report's data holds SHA-256(attestation public key || QE authentication data) in its
//! first 32 bytes: this is what ties the attestation key to the PCK certificate chain.

use sha2::{Digest, Sha256};

use crate::identity::{Attributes, EnclaveIdentity, Measurement};

pub const QUOTE_VERSION: u16 = 3;
pub const ATTESTATION_KEY_TYPE_ECDSA_P256: u16 = 2;
pub const TEE_TYPE_SGX: u32 = 0;
pub const INTEL_QE_VENDOR_ID: [u8; 16] = [
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
];
pub const CERTIFICATION_DATA_PCK_CHAIN: u16 = 5;

pub const HEADER_LEN: usize = 48;
pub const REPORT_BODY_LEN: usize = 384;
/// Where the application enclave's report body starts in a quote.
pub const REPORT_BODY_OFFSET: usize = HEADER_LEN;
/// Where the report data starts inside a report body.
pub const REPORT_DATA_OFFSET_IN_BODY: usize = 320;
/// The signed part of a quote: header and report body.
pub const SIGNED_LEN: usize = HEADER_LEN + REPORT_BODY_LEN;
/// The largest quote accepted for parsing: certificate chains are a few kilobytes.
pub const QUOTE_LEN_MAX_BYTES: usize = 64 * 1024;

/// The quote header.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct QuoteHeader {
    pub qe_security_version: u16,
    pub pce_security_version: u16,
    pub user_data: [u8; 20],
}

impl QuoteHeader {
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0; HEADER_LEN];
        out[0..2].copy_from_slice(&QUOTE_VERSION.to_le_bytes());
        out[2..4].copy_from_slice(&ATTESTATION_KEY_TYPE_ECDSA_P256.to_le_bytes());
        out[4..8].copy_from_slice(&TEE_TYPE_SGX.to_le_bytes());
        out[8..10].copy_from_slice(&self.qe_security_version.to_le_bytes());
        out[10..12].copy_from_slice(&self.pce_security_version.to_le_bytes());
        out[12..28].copy_from_slice(&INTEL_QE_VENDOR_ID);
        out[28..48].copy_from_slice(&self.user_data);
        out
    }
}

/// An SGX report body: what an enclave's `EREPORT` says about it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ReportBody {
    pub cpu_security_version: [u8; 16],
    pub misc_select: u32,
    pub attributes: Attributes,
    pub mr_enclave: Measurement,
    pub mr_signer: Measurement,
    pub product_id: u16,
    pub security_version: u16,
    pub report_data: ReportData,
}

impl ReportBody {
    pub fn for_enclave(
        identity: &EnclaveIdentity,
        cpu_security_version: [u8; 16],
        report_data: ReportData,
    ) -> ReportBody {
        ReportBody {
            cpu_security_version,
            misc_select: 0,
            attributes: identity.attributes,
            mr_enclave: identity.mr_enclave,
            mr_signer: identity.mr_signer,
            product_id: identity.product_id,
            security_version: identity.security_version,
            report_data,
        }
    }

    pub fn encode(&self) -> [u8; REPORT_BODY_LEN] {
        let mut out = [0; REPORT_BODY_LEN];
        out[0..16].copy_from_slice(&self.cpu_security_version);
        out[16..20].copy_from_slice(&self.misc_select.to_le_bytes());
        out[48..64].copy_from_slice(&self.attributes.to_bytes());
        out[64..96].copy_from_slice(&self.mr_enclave.0);
        out[128..160].copy_from_slice(&self.mr_signer.0);
        out[256..258].copy_from_slice(&self.product_id.to_le_bytes());
        out[258..260].copy_from_slice(&self.security_version.to_le_bytes());
        out[320..384].copy_from_slice(&self.report_data.0);
        out
    }

    pub fn decode(bytes: &[u8; REPORT_BODY_LEN]) -> ReportBody {
        let array = |range: std::ops::Range<usize>| -> &[u8] { &bytes[range] };
        ReportBody {
            cpu_security_version: array(0..16).try_into().expect("16 bytes"),
            misc_select: u32::from_le_bytes(array(16..20).try_into().expect("4 bytes")),
            attributes: Attributes::from_bytes(array(48..64).try_into().expect("16 bytes")),
            mr_enclave: Measurement(array(64..96).try_into().expect("32 bytes")),
            mr_signer: Measurement(array(128..160).try_into().expect("32 bytes")),
            product_id: u16::from_le_bytes(array(256..258).try_into().expect("2 bytes")),
            security_version: u16::from_le_bytes(array(258..260).try_into().expect("2 bytes")),
            report_data: ReportData(array(320..384).try_into().expect("64 bytes")),
        }
    }
}

/// The 64 bytes an enclave puts in its report for the quote to carry.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportData(pub [u8; 64]);

impl ReportData {
    pub const ZERO: ReportData = ReportData([0; 64]);

    /// Binds an enclave's public keys to a chain: the first 32 bytes are
    /// SHA-256("bonded-tee/report-data/v1" || u32 key count || each key as u32 length || bytes
    /// || u32 chain id length || chain id), lengths little-endian; the last 32 bytes are zero.
    /// The lengths make the encoding unambiguous, so two different key lists cannot hash alike.
    pub fn binding(public_keys: &[&[u8]], chain_id: &[u8]) -> ReportData {
        let mut hasher = Sha256::new();
        hasher.update(b"bonded-tee/report-data/v1");
        hasher.update(length_prefix(public_keys.len()));
        for key in public_keys {
            hasher.update(length_prefix(key.len()));
            hasher.update(key);
        }
        hasher.update(length_prefix(chain_id.len()));
        hasher.update(chain_id);
        let mut out = [0; 64];
        out[..32].copy_from_slice(&hasher.finalize());
        ReportData(out)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for ReportData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReportData({})", self.to_hex())
    }
}

fn length_prefix(len: usize) -> [u8; 4] {
    u32::try_from(len)
        .expect("a length fits in 32 bits")
        .to_le_bytes()
}

/// A DCAP attestation quote, as raw bytes in the layout above.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Quote(Vec<u8>);

impl Quote {
    /// Takes quote bytes received from elsewhere; only the length is checked here, the verifier
    /// checks the rest.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Quote, QuoteFormatError> {
        if bytes.len() < SIGNED_LEN + 4 {
            return Err(QuoteFormatError::TooShort { len: bytes.len() });
        }
        if bytes.len() > QUOTE_LEN_MAX_BYTES {
            return Err(QuoteFormatError::TooLong { len: bytes.len() });
        }
        Ok(Quote(bytes))
    }

    pub(crate) fn from_parts(signed: &[u8; SIGNED_LEN], signature_data: &[u8]) -> Quote {
        let mut bytes = Vec::with_capacity(SIGNED_LEN + 4 + signature_data.len());
        bytes.extend_from_slice(signed);
        bytes.extend_from_slice(&length_prefix(signature_data.len()));
        bytes.extend_from_slice(signature_data);
        assert!(
            bytes.len() <= QUOTE_LEN_MAX_BYTES,
            "a generated quote stays within the bound"
        );
        Quote(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The application enclave's report body, unverified.
    pub fn report_body(&self) -> ReportBody {
        let body = &self.0[REPORT_BODY_OFFSET..REPORT_BODY_OFFSET + REPORT_BODY_LEN];
        ReportBody::decode(body.try_into().expect("length checked at construction"))
    }
}

/// Why bytes are not a quote at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QuoteFormatError {
    #[error("a quote has at least {} bytes, got {len}", SIGNED_LEN + 4)]
    TooShort { len: usize },
    #[error("a quote has at most {QUOTE_LEN_MAX_BYTES} bytes, got {len}")]
    TooLong { len: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_body_round_trips_at_the_documented_offsets() {
        let body = ReportBody {
            cpu_security_version: [1; 16],
            misc_select: 0x0203_0405,
            attributes: Attributes { flags: 7, xfrm: 3 },
            mr_enclave: Measurement([0xaa; 32]),
            mr_signer: Measurement([0xbb; 32]),
            product_id: 0x0102,
            security_version: 0x0304,
            report_data: ReportData([0xcc; 64]),
        };
        let bytes = body.encode();
        assert_eq!(bytes[48], 7);
        assert_eq!(&bytes[64..96], &[0xaa; 32]);
        assert_eq!(&bytes[128..160], &[0xbb; 32]);
        assert_eq!(&bytes[256..260], &[0x02, 0x01, 0x04, 0x03]);
        assert_eq!(&bytes[REPORT_DATA_OFFSET_IN_BODY..], &[0xcc; 64]);
        assert_eq!(ReportBody::decode(&bytes), body);
    }

    #[test]
    fn binding_separates_keys_from_chain_id() {
        let a = ReportData::binding(&[b"ab"], b"c");
        let b = ReportData::binding(&[b"a"], b"bc");
        assert_ne!(a, b);
        assert_eq!(&a.0[32..], &[0; 32]);
    }
}
