//! The web portal the node serves under `/portal`: for customs officers, enterprises without IT
//! of their own, and auditors, in Vietnamese and English, on desktop and phone.
//!
//! # Design
//!
//! Pages are rendered on the server from templates compiled into the binary (askama, HTML
//! escaped on output). Scripts are small and each does one thing a server cannot: the service
//! worker that makes the portal installable, the receipt check, the balance charts, the upload
//! progress, and norm entry ([`norms`]), which reads and seals the norms in the browser because
//! the server must never see them. The libraries those scripts use are pinned npm packages that
//! `build.rs` installs and embeds, so the binary serves everything itself. Each request resolves
//! its session ([`auth`]) and the viewer's role decides what it may open:
//!
//! | role | may open |
//! |---|---|
//! | `officer` (customs) | the dashboard, any enterprise's page, uploads and report downloads, the audit page |
//! | `enterprise` | its own enterprise page, uploads and report downloads, and its norm entry |
//! | `auditor` | the audit page (channel heads, the access trail) and receipts without their records |
//!
//! A page the viewer may not open answers 403 whatever exists behind it, so a URL tells nothing
//! about other organizations. Every post must carry the session's CSRF token (a form field, or
//! a header for the scripts' posts). Responses carry a content security policy that allows only
//! the portal's own scripts and styles (and the norm page's import map, by its hash) and no
//! framing.
//!
//! Accounts are local to the node ([`bonded_store::Account`]); the demo creates one per role
//! of each demo organization ([`create_account`]). An officer's decision is a ledger
//! transaction signed with customs' key ([`Signers`]) and names the officer; every page a
//! signed-in user opens is logged (`portal_access`), and the audit page shows both trails.
//!
//! TODO: the portal signs for an organization with a key the node holds; an organization that
//! must keep its key to itself needs the browser to sign (WebCrypto Ed25519) instead.

pub mod auth;
mod balances;
pub mod i18n;
pub mod norms;
mod pages;
pub mod uploads;

use std::sync::Arc;

use axum::Router;
use bonded_node::Node;
use bonded_store::{Account, Store};

pub use pages::router;

/// The roles of portal accounts.
pub const ROLES: [&str; 3] = ["officer", "enterprise", "auditor"];

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("unknown role {0:?}; the roles are officer, enterprise and auditor")]
    Role(String),
    #[error("the user name must be 3 to 64 letters, digits, dots, dashes or underscores")]
    UserName,
    #[error("the password must be at least 12 characters")]
    Password,
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    #[error(transparent)]
    Store(#[from] bonded_store::StoreError),
}

/// Creates (or replaces) the account `user` of `organization` with `role` and `password`.
pub fn create_account(
    store: &Store,
    user: &str,
    organization: &str,
    role: &str,
    password: &str,
) -> Result<(), PortalError> {
    if !ROLES.contains(&role) {
        return Err(PortalError::Role(role.to_string()));
    }
    let valid_name = (3..=64).contains(&user.len())
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !valid_name {
        return Err(PortalError::UserName);
    }
    if password.chars().count() < 12 {
        return Err(PortalError::Password);
    }
    let account = Account {
        user: user.to_string(),
        organization: organization.to_string(),
        role: role.to_string(),
        password_hash: auth::hash_password(password)?,
    };
    store.put_account(&account)?;
    Ok(())
}

/// The organization keys the portal signs with on behalf of its signed-in users, by
/// organization id: customs' key, for officers' decisions. An organization with no key here
/// cannot act through the portal, only read.
#[derive(Default)]
pub struct Signers {
    pub chain_id: String,
    pub keys: std::collections::HashMap<String, ed25519_dalek::SigningKey>,
}

/// The node's API and the portal in one router.
pub fn app(node: Arc<Node>, signers: Signers) -> Router {
    bonded_node::api::router(node.clone()).merge(router(node, Arc::new(signers)))
}
