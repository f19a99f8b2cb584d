//! Passwords, sessions and forged-post protection.
//!
//! - Passwords are hashed with Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, one
//!   lane) into PHC strings; only the hash is stored.
//! - A session is 32 random bytes, given to the browser as a cookie that scripts cannot read
//!   (`HttpOnly`), is never sent by other sites (`SameSite=Strict`) and expires after
//!   [`SESSION_SECONDS`]. The store keeps only the token's SHA-256, with the user, the role and
//!   the expiry; an expired session is deleted when it is next presented.
//! - Every form carries the session's CSRF token, and every post must echo it. The sign-in form,
//!   which has no session yet, uses a double-submitted token: a cookie and a hidden field that
//!   must match.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;

use argon2::Argon2;
use axum::http::HeaderMap;
use bonded_store::{Account, Session, Store, StoreError};
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// How long a session lasts.
pub const SESSION_SECONDS: i64 = 8 * 3600;
pub const SESSION_COOKIE: &str = "bonded_session";
pub const LOGIN_COOKIE: &str = "bonded_login";

/// Why signing in or checking a session failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("unknown user or wrong password")]
    BadCredentials,
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The PHC string of `password` under a fresh salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AuthError::Hash(error.to_string()))
}

/// Checks `password` for `user`; the same work is done for an unknown user, so timing does not
/// tell which user names exist.
pub fn check_password(store: &Store, user: &str, password: &str) -> Result<Account, AuthError> {
    static DECOY: LazyLock<String> =
        LazyLock::new(|| hash_password("no such user").unwrap_or_default());
    let account = store.account(user)?;
    let stored = account
        .as_ref()
        .map_or(DECOY.as_str(), |account| &account.password_hash);
    let parsed = PasswordHash::new(stored).map_err(|error| AuthError::Hash(error.to_string()))?;
    let valid = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    match account {
        Some(account) if valid => Ok(account),
        _ => Err(AuthError::BadCredentials),
    }
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Opens a session for `account`; returns the token for the cookie.
pub fn open_session(store: &Store, account: &Account, now_ms: i64) -> Result<String, AuthError> {
    let token = random_token();
    let session = Session {
        user: account.user.clone(),
        organization: account.organization.clone(),
        role: account.role.clone(),
        csrf: random_token(),
        expires_ms: now_ms + SESSION_SECONDS * 1000,
    };
    store.put_session(&token_hash(&token), &session)?;
    Ok(token)
}

/// The live session the request's cookie names, if any.
pub fn current_session(
    store: &Store,
    headers: &HeaderMap,
    now_ms: i64,
) -> Result<Option<Session>, AuthError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    match store.session(&hash)? {
        Some(session) if session.expires_ms > now_ms => Ok(Some(session)),
        Some(_) => {
            store.delete_session(&hash)?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Ends the session the request's cookie names.
pub fn close_session(store: &Store, headers: &HeaderMap) -> Result<(), AuthError> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        store.delete_session(&token_hash(&token))?;
    }
    Ok(())
}

/// The value of cookie `name`, if the request has it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let folder = tempfile::tempdir().unwrap();
        let store = Store::open(&folder.path().join("db")).unwrap();
        let account = Account {
            user: "officer".into(),
            organization: "CUSTOMS".into(),
            role: "officer".into(),
            password_hash: hash_password("correct horse").unwrap(),
        };
        assert!(account.password_hash.starts_with("$argon2id$"));
        store.put_account(&account).unwrap();
        assert!(check_password(&store, "officer", "correct horse").is_ok());
        assert!(check_password(&store, "officer", "wrong").is_err());
        assert!(check_password(&store, "nobody", "correct horse").is_err());
    }

    #[test]
    fn sessions_expire_and_close() {
        let folder = tempfile::tempdir().unwrap();
        let store = Store::open(&folder.path().join("db")).unwrap();
        let account = Account {
            user: "u".into(),
            organization: "O".into(),
            role: "auditor".into(),
            password_hash: String::new(),
        };
        let token = open_session(&store, &account, 1_000).unwrap();
        let mut headers = HeaderMap::new();
        let value = format!("other=1; {SESSION_COOKIE}={token}");
        headers.insert(axum::http::header::COOKIE, value.parse().unwrap());
        assert!(current_session(&store, &headers, 2_000).unwrap().is_some());
        let later = 1_000 + SESSION_SECONDS * 1000;
        assert!(current_session(&store, &headers, later).unwrap().is_none());
        assert!(
            current_session(&store, &headers, 2_000).unwrap().is_none(),
            "deleted"
        );
        let token = open_session(&store, &account, 1_000).unwrap();
        let value = format!("{SESSION_COOKIE}={token}");
        headers.insert(axum::http::header::COOKIE, value.parse().unwrap());
        close_session(&store, &headers).unwrap();
        assert!(current_session(&store, &headers, 2_000).unwrap().is_none());
    }
}
