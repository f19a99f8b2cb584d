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
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let pem = key
        .to_pkcs8_pem(Default::default())
        .context("encoding the key as PKCS#8")?;
    std::fs::write(path, pem.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    restrict(path)?;
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {}", path.display()))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> Result<()> {
    Ok(())
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
