//! `bonded bench ingest`: durable ingest throughput through the node's submission path.
//!
//! Setup (untimed): a fresh ledger, customs, 50 enterprises with their item catalogues. Then N
//! declaration transactions are signed in advance (timed separately), and submitted by
//! concurrent clients through `Orderer::submit`, the call the HTTP handler makes: signature
//! check, batching, ordering log, state machine, durable commit, receipts.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use bonded_ledger::{ChannelId, Payload, SignedTransaction};
use bonded_model::{
    AttestationTrust, Decimal, Declaration, DeclarationLine, HsCode, Item, ItemKind, NaiveDate,
    Unit,
};
use bonded_node::Node;
use bonded_ordering::{OrdererSettings, SubmitOutcome};
use ed25519_dalek::SigningKey;
use serde_json::json;

use crate::network::{self, Signer};

const ENTERPRISES: usize = 50;
const CLIENTS: usize = 16;
const REQUEST_TRANSACTIONS: usize = 500;
const LINES_PER_DECLARATION: usize = 3;

pub async fn ingest(transactions: usize, data: Option<&Path>) -> Result<()> {
    let scratch = tempfile::tempdir().context("creating a scratch folder")?;
    let folder = data.unwrap_or(scratch.path());
    if folder.join(bonded_node::DATABASE_FILE).exists() {
        bail!(
            "{} already holds a ledger; benchmark into an empty folder",
            folder.display()
        );
    }
    let mut rng = rand::rngs::OsRng;
    let customs = SigningKey::generate(&mut rng);
    let orderer = SigningKey::generate(&mut rng);
    let settings = OrdererSettings {
        node_id: 1,
        address: "127.0.0.1:0".into(),
        clock: Arc::new(network::wall_clock_ms),
    };
    let node = Node::start(folder, orderer.clone(), settings).await?;
    let signer = Signer::new("bonded-bench", 1);
    let enterprises = setup(&node, &signer, &customs, &orderer).await?;

    let signing_started = Instant::now();
    let envelopes = sign_declarations(&signer, &customs, &enterprises, transactions)?;
    let signing_seconds = signing_started.elapsed().as_secs_f64();

    let started = Instant::now();
    let cpu_started = cpu_seconds();
    let accepted = submit_concurrently(&node, envelopes).await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_started;
    node.orderer.shutdown().await;
    if accepted != transactions {
        bail!("only {accepted} of {transactions} transactions were accepted");
    }
    let report = json!({
        "transactions": accepted,
        "seconds": seconds,
        "transactions_per_second": accepted as f64 / seconds,
        "peak_rss_bytes": peak_rss_bytes(),
        "signing_seconds": signing_seconds,
        "cpu_seconds": cpu,
        "clients": CLIENTS,
        "data": folder.display().to_string(),
    });
    println!("{report}");
    Ok(())
}

async fn setup(
    node: &Node,
    signer: &Signer,
    customs: &SigningKey,
    orderer: &SigningKey,
) -> Result<Vec<(ChannelId, SigningKey)>> {
    start_chain(node, signer, customs, orderer).await?;
    let mut enterprises = Vec::new();
    let mut registrations = Vec::new();
    for index in 0..ENTERPRISES {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let id = format!("ENT-{:010}", 3_100_000_000u64 + index as u64);
        let tax_code = format!("{:010}", 3_100_000_000u64 + index as u64);
        let record = network::enterprise_record(&id, "Benchmark enterprise", &tax_code, false, 2)?;
        registrations.push(network::register(signer, customs, record, &key)?);
        enterprises.push((ChannelId(id), key));
    }
    expect_accepted(node.orderer.submit(registrations).await)?;
    let mut items = Vec::new();
    for (channel, key) in &enterprises {
        for line in 0..LINES_PER_DECLARATION {
            let item = Item {
                code: format!("NL-{line}"),
                kind: ItemKind::Material,
                name: format!("Material {line}"),
                unit: Unit::Kilogram,
                hs_code: HsCode("52081100".into()),
            };
            items.push(signer.sign(key, channel.clone(), Payload::Item(item))?);
        }
    }
    expect_accepted(node.orderer.submit(items).await)?;
    Ok(enterprises)
}

fn sign_declarations(
    signer: &Signer,
    customs: &SigningKey,
    enterprises: &[(ChannelId, SigningKey)],
    count: usize,
) -> Result<Vec<SignedTransaction>> {
    let date = NaiveDate::from_ymd_opt(2026, 6, 1).context("a valid date")?;
    (0..count)
        .map(|index| {
            let (channel, _) = &enterprises[index % enterprises.len()];
            let lines = (0..LINES_PER_DECLARATION)
                .map(|line| DeclarationLine {
                    line_number: line as u32 + 1,
                    item_code: format!("NL-{line}"),
                    quantity: Decimal::new(12_500 + index as i64 % 1000, 2),
                    unit: Unit::Kilogram,
                    value_vnd: Decimal::from(3_250_000),
                })
                .collect();
            let declaration = Declaration {
                number: format!("{}", 100_000_000_000u64 + index as u64),
                type_code: "E31".parse()?,
                date,
                contract: None,
                lines,
            };
            signer.sign(customs, channel.clone(), Payload::Declaration(declaration))
        })
        .collect()
}

async fn submit_concurrently(node: &Arc<Node>, envelopes: Vec<SignedTransaction>) -> Result<usize> {
    let chunks: Vec<Vec<SignedTransaction>> = envelopes
        .chunks(REQUEST_TRANSACTIONS)
        .map(<[_]>::to_vec)
        .collect();
    let queue = Arc::new(tokio::sync::Mutex::new(chunks));
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let queue = queue.clone();
        let node = node.clone();
        clients.push(tokio::spawn(async move {
            let mut accepted = 0usize;
            loop {
                let Some(chunk) = queue.lock().await.pop() else {
                    return accepted;
                };
                let outcomes = node.orderer.submit(chunk).await;
                accepted += outcomes
                    .iter()
                    .filter(|o| matches!(o, SubmitOutcome::Accepted(_)))
                    .count();
            }
        }));
    }
    let mut accepted = 0;
    for client in clients {
        accepted += client.await.context("a benchmark client failed")?;
    }
    Ok(accepted)
}

/// Writes a benchmark chain's genesis: one customs office, `orderer` its only orderer, under
/// the production attestation policy.
pub(crate) async fn start_chain(
    node: &Node,
    signer: &Signer,
    customs: &SigningKey,
    orderer: &SigningKey,
) -> Result<()> {
    let record = network::customs_record("CUSTOMS-BENCH", "Benchmark customs office");
    let genesis = network::genesis(
        signer,
        record,
        customs,
        std::slice::from_ref(orderer),
        AttestationTrust::Production,
    )?;
    expect_accepted(node.orderer.submit(vec![genesis]).await)
}

fn expect_accepted(outcomes: Vec<SubmitOutcome>) -> Result<()> {
    for outcome in outcomes {
        if !matches!(outcome, SubmitOutcome::Accepted(_)) {
            bail!("benchmark setup was refused: {outcome:?}");
        }
    }
    Ok(())
}

/// The process's peak resident set size, from /proc (0 where that is not available).
pub fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// CPU time (user and system) the process has used so far, in seconds, from /proc (0 where that
/// is not available). Clock ticks are 100 per second on Linux, which the kernel fixes for
/// /proc whatever its internal tick rate.
pub fn cpu_seconds() -> f64 {
    const TICKS_PER_SECOND: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / TICKS_PER_SECOND,
        _ => 0.0,
    }
}
