//! The enclave's two key pairs and their sealed file.
//!
//! `keys.sealed` is one blob sealed by the platform under [`SealPolicy::EnclaveIdentity`] with
//! associated data [`KEYS_AAD`]. Its plaintext is 65 bytes: a format byte (1), the 32-byte
//! Ed25519 verdict secret key, the 32-byte X25519 norms private key.
//!
//! Recovery: the file is written to `keys.sealed.tmp`, synced, then renamed over the final name,
//! so a crash leaves either no key file (keys are generated again, nothing was registered with
//! them yet) or a whole one. A key file that does not unseal stops the process: generating new
//! keys over it would silently orphan the registration.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bonded_norms::EnclaveKey;
use bonded_tee::{Platform, SealError, SealPolicy, SealRng};
use ed25519_dalek::SigningKey;

/// The file, inside the data folder, that holds the sealed keys.
pub const KEYS_FILE_NAME: &str = "keys.sealed";
/// Associated data of the sealed keys: names what the blob is, so no other sealed blob of this
/// enclave can be passed off as its keys.
pub const KEYS_AAD: &[u8] = b"bonded-enclave/keys/v1";
const FORMAT_VERSION: u8 = 1;
const PLAINTEXT_LEN: usize = 1 + 32 + 32;

/// Why the keys could not be loaded or stored. Every variant stops the enclave.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("key file {path} does not unseal for this enclave: {source}")]
    Unseal { path: PathBuf, source: SealError },
    #[error("sealing the keys failed: {0}")]
    Seal(SealError),
    #[error("key file {path} holds an unknown format")]
    Format { path: PathBuf },
}

/// The verdict signing key and the norms decryption key.
pub struct EnclaveKeys {
    pub verdict: SigningKey,
    pub norms: EnclaveKey,
}

impl EnclaveKeys {
    pub fn generate(mut rng: &mut dyn SealRng) -> EnclaveKeys {
        EnclaveKeys {
            verdict: SigningKey::generate(&mut rng),
            norms: EnclaveKey::generate(&mut rng),
        }
    }

    pub fn verdict_public(&self) -> [u8; 32] {
        self.verdict.verifying_key().to_bytes()
    }

    pub fn norms_public(&self) -> [u8; 32] {
        self.norms.public_bytes()
    }

    fn to_plaintext(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(PLAINTEXT_LEN);
        bytes.push(FORMAT_VERSION);
        bytes.extend_from_slice(&self.verdict.to_bytes());
        bytes.extend_from_slice(&self.norms.private_bytes());
        bytes
    }

    fn from_plaintext(bytes: &[u8]) -> Option<EnclaveKeys> {
        let (&version, rest) = bytes.split_first()?;
        if version != FORMAT_VERSION || rest.len() != 64 {
            return None;
        }
        let verdict: [u8; 32] = rest[..32].try_into().ok()?;
        let norms: [u8; 32] = rest[32..].try_into().ok()?;
        Some(EnclaveKeys {
            verdict: SigningKey::from_bytes(&verdict),
            norms: EnclaveKey::from_private_bytes(&norms).ok()?,
        })
    }
}

/// Whether the keys were created now or restored from the key file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    Generated,
    Unsealed,
}

/// Unseals the keys from `folder`, or generates and seals them on first start.
pub fn load_or_create(
    platform: &dyn Platform,
    folder: &Path,
    rng: &mut dyn SealRng,
) -> Result<(EnclaveKeys, KeyOrigin), KeyError> {
    let path = folder.join(KEYS_FILE_NAME);
    match fs::read(&path) {
        Ok(sealed) => Ok((unseal(platform, &path, &sealed)?, KeyOrigin::Unsealed)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let keys = EnclaveKeys::generate(rng);
            let sealed = platform
                .seal(
                    SealPolicy::EnclaveIdentity,
                    KEYS_AAD,
                    &keys.to_plaintext(),
                    rng,
                )
                .map_err(KeyError::Seal)?;
            write_atomically(&path, &sealed)?;
            Ok((keys, KeyOrigin::Generated))
        }
        Err(source) => Err(KeyError::Io { path, source }),
    }
}

fn unseal(platform: &dyn Platform, path: &Path, sealed: &[u8]) -> Result<EnclaveKeys, KeyError> {
    let plaintext = platform
        .unseal(KEYS_AAD, sealed)
        .map_err(|source| KeyError::Unseal {
            path: path.to_path_buf(),
            source,
        })?;
    EnclaveKeys::from_plaintext(&plaintext).ok_or_else(|| KeyError::Format {
        path: path.to_path_buf(),
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let io_error = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let temporary = path.with_extension("sealed.tmp");
    let mut file = fs::File::create(&temporary).map_err(io_error)?;
    file.write_all(bytes).map_err(io_error)?;
    file.sync_all().map_err(io_error)?;
    fs::rename(&temporary, path).map_err(io_error)?;
    if let Some(parent) = path.parent() {
        fs::File::open(parent)
            .and_then(|folder| folder.sync_all())
            .map_err(io_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bonded_tee::{EnclaveProgram, SimulatedSgx, SimulationSettings};
    use rand::rngs::OsRng;

    fn platform(code: &[u8]) -> SimulatedSgx {
        let program = EnclaveProgram::from_code(code, b"signer", 1, 1);
        SimulatedSgx::from_secret([9; 32], &program, SimulationSettings::default())
            .expect("platform")
    }

    #[test]
    fn keys_survive_a_restart_and_another_program_cannot_open_them() {
        let folder = tempfile::tempdir().expect("folder");
        let (first, origin) =
            load_or_create(&platform(b"program"), folder.path(), &mut OsRng).expect("first");
        assert_eq!(origin, KeyOrigin::Generated);
        let (again, origin) =
            load_or_create(&platform(b"program"), folder.path(), &mut OsRng).expect("again");
        assert_eq!(origin, KeyOrigin::Unsealed);
        assert_eq!(again.verdict_public(), first.verdict_public());
        assert_eq!(again.norms_public(), first.norms_public());

        let other = load_or_create(&platform(b"other program"), folder.path(), &mut OsRng);
        assert!(matches!(other, Err(KeyError::Unseal { .. })));
    }
}
