//! The demo's portal accounts: one per role of each demo organization.
//!
//! On the first run each account gets a random password; the list is kept in
//! `DIR/accounts.json` (mode 0600) so later runs print the same ones. The node keeps only the
//! Argon2id hashes.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use bonded_node::Node;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::keys;

const FILE: &str = "accounts.json";

/// A demo account in clear, as printed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoAccount {
    pub user: String,
    pub password: String,
    pub organization: String,
    pub role: String,
}

/// The accounts, created in the node on the first run.
pub fn ensure(data: &Path, node: &Node) -> Result<Vec<DemoAccount>> {
    let path = data.join(FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).context("reading the demo accounts")?;
        let accounts: Vec<DemoAccount> =
            serde_json::from_str(&text).context("the demo accounts file is not valid")?;
        // The node may be newer than the file (a folder from before the portal): fill it in.
        for account in &accounts {
            if node.store.account(&account.user)?.is_none() {
                create(node, account)?;
            }
        }
        return Ok(accounts);
    }
    let mut accounts = vec![
        account("officer.hcm", super::demo::customs_id(), "officer"),
        account("auditor", "STATE-AUDIT", "auditor"),
    ];
    for id in super::demo::enterprise_ids() {
        accounts.push(account(&id.to_ascii_lowercase(), id, "enterprise"));
    }
    for account in &accounts {
        create(node, account)?;
    }
    let text = serde_json::to_string_pretty(&accounts)?;
    keys::write_private(&path, text.as_bytes())?;
    Ok(accounts)
}

fn account(user: &str, organization: &str, role: &str) -> DemoAccount {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let password = (0..16)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    DemoAccount {
        user: user.to_string(),
        password,
        organization: organization.to_string(),
        role: role.to_string(),
    }
}

fn create(node: &Node, account: &DemoAccount) -> Result<()> {
    bonded_portal::create_account(
        &node.store,
        &account.user,
        &account.organization,
        &account.role,
        &account.password,
    )
    .with_context(|| format!("creating the portal account {}", account.user))
}

/// Prints where the portal is and who can sign in.
pub fn print(accounts: &[DemoAccount], address: SocketAddr) {
    println!("\nPortal: http://{address}/portal/ (Vietnamese; English from the header)");
    println!(
        "  {:<18} {:<18} {:<16} role",
        "user", "password", "organization"
    );
    for account in accounts {
        println!(
            "  {:<18} {:<18} {:<16} {}",
            account.user, account.password, account.organization, account.role
        );
    }
}
