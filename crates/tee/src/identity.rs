//! Who an enclave is: the measurement of its program, the measurement of its signer, its product
//! id and security version, and its attributes.
//!
//! The simulated MRENCLAVE is the SHA-256 of the enclave executable file, byte for byte, so an
//! auditor reproduces it with `sha256sum` on the released binary. Real SGX hashes the pages as
//! they are loaded, with their layout and permissions; the simulation measures the file only, not
//! the shared libraries it loads nor the memory it runs in. The simulated MRSIGNER is the SHA-256
//! of the signer's public key bytes, as SGX hashes the signer's RSA modulus. The simulation does
//! not check that the program was signed by that key.
//!
//! TODO: a signature over (MRENCLAVE, product id, security version) by the signer key, the
//! SIGSTRUCT of SGX, checked when the platform is opened; without it anyone can claim any signer,
//! which costs nothing in simulation but must exist before a real backend reuses this type.

use std::fmt;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A 32-byte enclave measurement (MRENCLAVE or MRSIGNER). Shown as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Measurement(#[serde(with = "hex_32")] pub [u8; 32]);

impl Measurement {
    pub fn of(bytes: &[u8]) -> Measurement {
        Measurement(Sha256::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Measurement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Measurement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Measurement({})", self.to_hex())
    }
}

/// The SGX `ATTRIBUTES` field: 64 bits of flags and 64 bits of XFRM, both little-endian.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Attributes {
    pub flags: u64,
    pub xfrm: u64,
}

impl Attributes {
    /// The enclave has been initialised (always set in a report).
    pub const FLAG_INIT: u64 = 0x01;
    /// The enclave runs in debug mode: the host can read and change its memory.
    pub const FLAG_DEBUG: u64 = 0x02;
    /// The enclave runs in 64-bit mode.
    pub const FLAG_MODE64BIT: u64 = 0x04;
    /// The enclave may use the provisioning key (the quoting enclave does).
    pub const FLAG_PROVISION_KEY: u64 = 0x10;
    /// x87 and SSE state, the minimum XFRM.
    pub const XFRM_LEGACY: u64 = 0x03;

    pub fn debug(&self) -> bool {
        self.flags & Self::FLAG_DEBUG != 0
    }

    pub fn to_bytes(&self) -> [u8; 16] {
        let mut out = [0; 16];
        out[..8].copy_from_slice(&self.flags.to_le_bytes());
        out[8..].copy_from_slice(&self.xfrm.to_le_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8; 16]) -> Attributes {
        let (flags, xfrm) = bytes.split_at(8);
        Attributes {
            flags: u64::from_le_bytes(flags.try_into().expect("8 bytes")),
            xfrm: u64::from_le_bytes(xfrm.try_into().expect("8 bytes")),
        }
    }
}

/// The identity an attestation quote proves and sealing keys are derived from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct EnclaveIdentity {
    pub mr_enclave: Measurement,
    pub mr_signer: Measurement,
    pub product_id: u16,
    pub security_version: u16,
    pub attributes: Attributes,
}

impl EnclaveIdentity {
    pub fn debug(&self) -> bool {
        self.attributes.debug()
    }
}

/// An enclave program as a platform loads it: its code, the public key of whoever signed it, and
/// the product id and security version the signer assigned.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EnclaveProgram {
    mr_enclave: Measurement,
    mr_signer: Measurement,
    product_id: u16,
    security_version: u16,
}

impl EnclaveProgram {
    /// A program given as its code bytes (the enclave executable's contents, or a test blob).
    pub fn from_code(
        code: &[u8],
        signer_public_key: &[u8],
        product_id: u16,
        security_version: u16,
    ) -> EnclaveProgram {
        EnclaveProgram {
            mr_enclave: Measurement::of(code),
            mr_signer: Measurement::of(signer_public_key),
            product_id,
            security_version,
        }
    }

    /// A program read from an executable file; the enclave process passes its own path
    /// (`std::env::current_exe()`), so the measurement follows the binary that actually runs.
    pub fn from_executable(
        path: &Path,
        signer_public_key: &[u8],
        product_id: u16,
        security_version: u16,
    ) -> io::Result<EnclaveProgram> {
        let code = std::fs::read(path)?;
        Ok(EnclaveProgram::from_code(
            &code,
            signer_public_key,
            product_id,
            security_version,
        ))
    }

    pub fn mr_enclave(&self) -> Measurement {
        self.mr_enclave
    }

    pub fn mr_signer(&self) -> Measurement {
        self.mr_signer
    }

    /// The identity of this program once loaded with the given attributes.
    pub fn identity(&self, attributes: Attributes) -> EnclaveIdentity {
        EnclaveIdentity {
            mr_enclave: self.mr_enclave,
            mr_signer: self.mr_signer,
            product_id: self.product_id,
            security_version: self.security_version,
            attributes,
        }
    }
}

pub(crate) mod hex_32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut out = [0; 32];
        hex::decode_to_slice(&text, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}
