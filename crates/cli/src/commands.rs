//! The smaller commands: node, keygen, submit, query and verify.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use bonded_ledger::{ChannelId, SignedTransaction};
use bonded_node::views::TransactionView;
use bonded_node::Node;
use bonded_ordering::{OrdererSettings, SubmitOutcome};
use bonded_store::Store;
use serde::Deserialize;
use serde_json::json;

use crate::client::Client;
use crate::network::{self, Signer};
use crate::{csv_input, keys};

/// `bonded node --config FILE`, as TOML. Relative paths are relative to the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeConfig {
    data_dir: PathBuf,
    listen: SocketAddr,
    orderer_key: PathBuf,
    node_id: u64,
    /// The signed genesis envelope, needed on the first start only.
    genesis: Option<PathBuf>,
    /// The enclave this node hosts, if any: its simulated platform's folder and, optionally,
    /// the simulated vendor secret its platform chains to.
    enclave: Option<EnclaveConfig>,
    /// The comparison policy's k (default 5).
    comparison_k: Option<u32>,
    /// Organization keys the portal signs with for its users, by organization id (customs' key
    /// lets officers record decisions); none by default, and the portal only reads.
    #[serde(default)]
    portal_signers: std::collections::BTreeMap<String, PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnclaveConfig {
    data_dir: PathBuf,
    vendor_secret: Option<PathBuf>,
}

pub async fn node(config_path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(config_path)
        .with_context(|| format!("reading {}", config_path.display()))?;
    let config: NodeConfig = toml::from_str(&text).with_context(|| {
        format!(
            "{} is not a valid node configuration",
            config_path.display()
        )
    })?;
    let base = config_path.parent().unwrap_or(Path::new("."));
    let key = keys::read(&base.join(&config.orderer_key))?;
    let listener = bonded_node::bind(config.listen).await?;
    let settings = OrdererSettings {
        node_id: config.node_id,
        address: config.listen.to_string(),
        clock: Arc::new(network::wall_clock_ms),
    };
    let node = Node::start(&base.join(&config.data_dir), key, settings).await?;
    if node.store.chain()?.is_none() {
        let Some(genesis) = &config.genesis else {
            bail!("the ledger is empty and the configuration names no genesis file");
        };
        let bytes = std::fs::read(base.join(genesis)).context("reading the genesis file")?;
        let envelope =
            SignedTransaction::from_bytes(bytes).context("the genesis file is not an envelope")?;
        match node.orderer.submit(vec![envelope]).await.pop() {
            Some(SubmitOutcome::Accepted(_)) => tracing::info!("node.genesis_recorded"),
            other => bail!("the genesis was not recorded: {other:?}"),
        }
    }
    if let Some(k) = config.comparison_k {
        node.set_comparison_k(k);
    }
    if let Some(enclave) = &config.enclave {
        let chain = node.store.chain()?.context("the ledger has no genesis")?;
        let vendor = enclave.vendor_secret.as_ref().map(|path| base.join(path));
        let host = crate::demo_enclave::start(
            &base.join(&enclave.data_dir),
            vendor.as_deref(),
            &chain.chain_id,
        )?;
        println!(
            "hosting enclave {} (verdict key {})",
            host.identity().mr_enclave,
            host.identity().verdict_key
        );
        node.host_enclave(host)?;
    }
    println!(
        "bonded node {} serving http://{}",
        config.node_id, config.listen
    );
    let mut signers = bonded_portal::Signers {
        chain_id: node
            .store
            .chain()?
            .map(|chain| chain.chain_id)
            .unwrap_or_default(),
        ..Default::default()
    };
    for (organization, path) in &config.portal_signers {
        signers
            .keys
            .insert(organization.clone(), keys::read(&base.join(path))?);
    }
    let app = bonded_portal::app(node.clone(), signers);
    node.serve_app(listener, app, crate::shutdown_signal())
        .await?;
    Ok(())
}

pub fn keygen(out: &Path) -> Result<()> {
    let key = keys::generate(out)?;
    let public = hex::encode(key.verifying_key().to_bytes());
    println!(
        "{}",
        json!({ "key_file": out.display().to_string(), "public_key": public })
    );
    Ok(())
}

/// Signs each record of a CSV file into the enterprise's channel and submits them.
pub fn submit(node_url: &str, key_path: &Path, enterprise: &str, input: &Path) -> Result<bool> {
    let key = keys::read(key_path)?;
    let text =
        std::fs::read_to_string(input).with_context(|| format!("reading {}", input.display()))?;
    let parsed = csv_input::parse(&text)
        .map_err(|reason| anyhow::anyhow!("{}: {reason}", input.display()))?;
    let client = Client::new(node_url);
    let chain = client.chain()?;
    let signer = Signer::new(&chain.chain_id, 0);
    let channel = ChannelId(enterprise.to_string());

    let envelopes = parsed
        .records
        .iter()
        .map(|record| {
            signer.sign_with_nonce(&key, channel.clone(), record.payload.clone(), record.nonce)
        })
        .collect::<Result<Vec<_>>>()?;
    tracing::info!(
        kind = parsed.kind,
        records = parsed.records.len(),
        refused = parsed.errors.len(),
        "submit.parsed"
    );
    let mut all_ok = parsed.errors.is_empty();
    for error in &parsed.errors {
        eprintln!(
            "{}:{}: rejected: {}",
            input.display(),
            error.line,
            error.reason
        );
    }
    if envelopes.is_empty() {
        return Ok(all_ok && !parsed.records.is_empty());
    }
    let response = client.submit(&envelopes)?;
    for result in response.results {
        let record = &parsed.records[result.index];
        match (&result.status[..], &result.receipt) {
            ("accepted", Some(receipt)) => println!(
                "{}",
                json!({ "tx_hash": receipt.transaction_hash, "height": receipt.height,
                        "channel": receipt.channel, "lines": record.lines })
            ),
            _ => {
                all_ok = false;
                let code = result.reason_code.unwrap_or_default();
                let reason = result.reason.unwrap_or_default();
                for line in &record.lines {
                    eprintln!("{}:{line}: rejected: {code}: {reason}", input.display());
                }
            }
        }
    }
    Ok(all_ok)
}

pub fn query_transaction(node_url: &str, hash: &str) -> Result<bool> {
    let client = Client::new(node_url);
    let found: Option<TransactionView> = client.get(&format!("/v1/transactions/{hash}"))?;
    match found {
        Some(view) => {
            println!("{}", serde_json::to_string_pretty(&view)?);
            Ok(true)
        }
        None => {
            eprintln!("transaction {hash} is not on the ledger");
            Ok(false)
        }
    }
}

/// Checks the whole stored chain offline; prints one JSON line.
pub fn verify(data: &Path) -> Result<bool> {
    let path = data.join(bonded_node::DATABASE_FILE);
    if !path.exists() {
        bail!("no ledger at {}", path.display());
    }
    let started = Instant::now();
    let store = Store::open(&path)?;
    let result = store.verify_chain();
    let seconds = started.elapsed().as_secs_f64();
    let summary = match &result {
        Ok(summary) => json!({ "blocks": summary.blocks, "transactions": summary.transactions,
                               "ok": true, "seconds": seconds }),
        Err((summary, error)) => json!({ "blocks": summary.blocks,
                                         "transactions": summary.transactions, "ok": false,
                                         "error": error.to_string(), "seconds": seconds }),
    };
    println!("{summary}");
    Ok(result.is_ok())
}
