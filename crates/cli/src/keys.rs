//! Key files: Ed25519 secret keys as PKCS#8 PEM, readable only by their owner.

use std::path::Path;

use anyhow::{bail, Context, Result};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;

/// Generates a key and writes it to `path`; refuses to overwrite an existing file.
pub fn generate(path: &Path) -> Result<SigningKey> {
    if path.exists() {
        bail!(
            "{} already exists; refusing to overwrite a key",
            path.display()
        );
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    write(path, &key)?;
    Ok(key)
}

pub fn write(path: &Path, key: &SigningKey) -> Result<()> {
    let pem = key
        .to_pkcs8_pem(Default::default())
        .context("encoding the key as PKCS#8")?;
    write_private(path, pem.as_bytes())
}

/// Writes a secret file that only its owner can read, from the moment it exists.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

pub fn read(path: &Path) -> Result<SigningKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading key file {}", path.display()))?;
    SigningKey::from_pkcs8_pem(&text).map_err(|error| {
        anyhow::anyhow!(
            "{} is not an Ed25519 PKCS#8 PEM key: {error}",
            path.display()
        )
    })
}
