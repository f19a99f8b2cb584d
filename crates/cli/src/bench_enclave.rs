//! `bonded bench enclave`: what running a reconciliation inside the enclave costs over running it
//! directly.
//!
//! Setup (untimed): one generated enterprise-year, its items, declarations and movements
//! recorded on an in-memory chain ([`bonded_ledger::memory::MemoryLedger`], the same blocks a
//! node stores), the enclave process started from this binary, attested and registered, the
//! norms sealed to it and committed. Then, median of R runs each:
//!
//! - **direct**: `bonded reconcile` on the channel's records written as bundle files (the bytes
//!   the enclave's engine reads) and the norms file, JSON report rendered;
//! - **from blocks**: the same reconciliation from the channel's block bytes in this process:
//!   decode and check the blocks, collect the records, write the bundle files, reconcile;
//! - **enclave, cold**: one `Verify` exchange with a freshly started enclave process given the
//!   whole channel: the host builds the request (base64 of each block) and frames it; the
//!   enclave decodes and checks every block (hash links, Merkle roots, orderer signatures),
//!   collects the records, opens the HPKE envelope, checks the commitment, reconciles, redacts
//!   and signs the verdict transaction; the host reads the answer;
//! - **enclave, resumed**: the same exchange with an enclave that already verified the channel
//!   up to the block before (its checkpoint), given the one new block: the steady state of
//!   continuous verification, where each run adds the records that arrived since the last.
//!
//! The resumed and the cold runs must report the same hash, or the benchmark fails.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use bonded_enclave::host::{EnclaveProcess, Launch};
use bonded_enclave::protocol::{IdentityResponse, Request, Response, VerifyRequest};
use bonded_ledger::memory::MemoryLedger;
use bonded_ledger::state::Decision;
use bonded_ledger::{ChannelId, Payload, SignedTransaction};
use bonded_model::{ApprovedCode, Regime};
use bonded_norms::{Opening, Salt};
use bonded_reconcile::generate::{generate_enterprise, GeneratedBundle, GeneratorConfig};
use bonded_reconcile::{render, LedgerFiles, Policy};
use ed25519_dalek::SigningKey;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::csv_input;
use crate::network::{self, Signer};
use crate::norms_cmd;

const CHAIN_ID: &str = "bonded-bench-enclave";
const ENTERPRISE: &str = "ENT-BENCH";
/// Transactions per ordered batch (and so per block) while the chain is built.
const BATCH: usize = 500;
/// Most timed runs: each resumed run needs one block of its own at the channel's end.
const TAIL_MAX: usize = 50;

/// Runs the comparison and prints one JSON line.
pub fn run(lines: usize, runs: usize) -> Result<()> {
    let config = GeneratorConfig {
        lines,
        ..GeneratorConfig::default()
    };
    let bundle = generate_enterprise(&config, 0);
    let scratch = tempfile::tempdir().context("creating a scratch folder")?;
    let folder = scratch.path().join("enclave");
    let identity = attest(&mut spawn(&folder)?)?;
    let norms_bytes = bundle
        .file("norms.csv")
        .context("the bundle has norms")?
        .to_vec();
    let norms_file = scratch.path().join("norms.csv");
    std::fs::write(&norms_file, &norms_bytes)?;
    let opening = Opening {
        salt: Salt::random(&mut rand::rngs::OsRng),
        set: norms_cmd::read_norms(&norms_file)?,
    };
    let sealed = norms_cmd::seal(CHAIN_ID, ENTERPRISE, &identity.norms_key, &opening)?;
    let runs = runs.clamp(1, TAIL_MAX);
    let chain = build_chain(&bundle, &identity, &opening, &sealed, runs)?;
    let blocks = chain.blocks(&ChannelId(ENTERPRISE.into()));
    let last = blocks.len() - 1;

    // The engine's input exactly as the enclave builds it: the channel's records as bundle
    // files, and the norms file.
    let files = ledger_files(blocks, chain.orderer_key())?;
    let direct = median(runs, || direct_run(&files, &norms_bytes))?;
    let encoded: Vec<Vec<u8>> = blocks
        .iter()
        .map(bonded_ledger::channel::encode_block)
        .collect();
    let from_blocks = median(runs, || {
        from_blocks_run(&encoded, chain.orderer_key(), &norms_bytes)
    })?;
    let request = |start: usize, nonce: u64| {
        Request::Verify(verify_request(&chain, &opening, &sealed, start, nonce))
    };
    // Cold: a fresh enclave given the whole channel. Warm: an enclave that verified all but the
    // newest block, given that block.
    let (cold, cold_report) = median_fresh(runs, &folder, |nonce| request(0, nonce))?;
    let resumed = median_resumed(runs, &folder, last, request, || {
        direct_run(&files, &norms_bytes)
    })?;
    let (warm, warm_report) = (resumed.enclave, resumed.report);
    if cold_report != warm_report {
        bail!("the resumed verification reported {warm_report}, the whole one {cold_report}");
    }
    let transactions: usize = blocks.iter().map(|block| block.transactions.len()).sum();
    let overhead = |time: Duration| {
        ((time.as_secs_f64() / direct.as_secs_f64() - 1.0) * 1000.0).round() / 10.0
    };
    println!(
        "{}",
        json!({
            "declaration_lines": bundle.truth.declaration_lines,
            "norm_rows": opening.set.rows().len(),
            "channel_blocks": blocks.len(),
            "channel_transactions": transactions,
            "resumed_runs_add": "one block of one record each",
            "runs": runs,
            "direct_ms": millis(direct),
            "from_blocks_ms": millis(from_blocks),
            "enclave_cold_ms": millis(cold),
            "enclave_resumed_ms": millis(warm),
            "cold_overhead_percent": overhead(cold),
            "resumed_overhead_percent": overhead(warm),
            "paired_direct_ms": millis(resumed.direct),
            "paired_overhead_percent": (resumed.ratio * 1000.0).round() / 10.0,
        })
    );
    Ok(())
}

/// Resumed runs, each paired with a direct run just before it so that both see the same load.
struct Resumed {
    enclave: Duration,
    direct: Duration,
    /// The median over pairs of (resumed / direct - 1).
    ratio: f64,
    report: String,
}

/// The median time of one `Verify` exchange in a running enclave that holds the channel up to
/// the block before, each run adding one of the channel's last `runs` blocks (one record each),
/// and of the direct run timed right before it.
fn median_resumed(
    runs: usize,
    folder: &std::path::Path,
    last: usize,
    request: impl Fn(usize, u64) -> Request,
    mut direct: impl FnMut() -> Result<()>,
) -> Result<Resumed> {
    let mut enclave = spawn(folder)?;
    let first = last + 1 - runs;
    let primer = match request(0, 0) {
        Request::Verify(mut verify) => {
            verify.blocks.truncate(first);
            Request::Verify(verify)
        }
        other => other,
    };
    expect_verdict(enclave.request(&primer)?)?;
    let (mut enclave_times, mut direct_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut report = String::new();
    for start in first..=last {
        let mut next = request(start, start as u64 + 1);
        if let Request::Verify(verify) = &mut next {
            verify.blocks.truncate(1);
        }
        let started = Instant::now();
        direct()?;
        let direct_time = started.elapsed();
        let started = Instant::now();
        let answer = enclave.request(&next)?;
        let enclave_time = started.elapsed();
        report = expect_verdict(answer)?;
        ratios.push(enclave_time.as_secs_f64() / direct_time.as_secs_f64() - 1.0);
        enclave_times.push(enclave_time);
        direct_times.push(direct_time);
    }
    let _ = enclave.request(&Request::Shutdown {});
    enclave.wait(Duration::from_secs(10));
    enclave_times.sort();
    direct_times.sort();
    ratios.sort_by(f64::total_cmp);
    Ok(Resumed {
        enclave: enclave_times[runs / 2],
        direct: direct_times[runs / 2],
        ratio: ratios[runs / 2],
        report,
    })
}

/// The median time of one `Verify` exchange, each run in a fresh enclave process that has
/// started (answered an `Identity` request) before the clock starts.
fn median_fresh(
    runs: usize,
    folder: &std::path::Path,
    request: impl Fn(u64) -> Request,
) -> Result<(Duration, String)> {
    let mut times = Vec::with_capacity(runs);
    let mut report = String::new();
    for run in 0..runs.max(1) {
        let mut enclave = spawn(folder)?;
        // Untimed: the enclave measures its executable and unseals its keys before it answers.
        attest(&mut enclave)?;
        let request = request(run as u64 + 1);
        let started = Instant::now();
        let answer = enclave.request(&request)?;
        times.push(started.elapsed());
        report = expect_verdict(answer)?;
        let _ = enclave.request(&Request::Shutdown {});
        enclave.wait(Duration::from_secs(10));
    }
    times.sort();
    Ok((times[times.len() / 2], report))
}

/// The verdict's report hash.
fn expect_verdict(response: Response) -> Result<String> {
    match response {
        Response::Verdict(verdict) => Ok(verdict.report_sha256),
        other => bail!("expected a verdict, got {other:?}"),
    }
}

fn spawn(data: &std::path::Path) -> Result<EnclaveProcess> {
    let launch = Launch {
        program: std::env::current_exe().context("locating the bonded executable")?,
        arguments: vec!["enclave-program".into()],
        // BONDED_LOG=bonded_enclave=debug shows the enclave's own phase timings.
        echo_log: true,
        keep_output: false,
    };
    let mut enclave = EnclaveProcess::launch(&launch, data)?;
    enclave.timeout = Duration::from_secs(600);
    Ok(enclave)
}

fn attest(enclave: &mut EnclaveProcess) -> Result<IdentityResponse> {
    let request = Request::Identity {
        chain_id: CHAIN_ID.into(),
        at_ms: network::wall_clock_ms(),
    };
    match enclave.request(&request)? {
        Response::Identity(identity) => Ok(identity),
        other => bail!("expected the enclave's identity, got {other:?}"),
    }
}

/// `bonded reconcile` on the channel's files and the norms: parse, balances, rules, JSON.
fn direct_run(files: &LedgerFiles, norms: &[u8]) -> Result<()> {
    let mut input = files.input();
    input.norms = Some(norms);
    let report = bonded_reconcile::reconcile(&input, &Policy::default(), None, None)?;
    render::json(&report)?;
    Ok(())
}

/// The bundle files of the channel's records.
fn ledger_files(blocks: &[bonded_ledger::Block], orderer_key: [u8; 32]) -> Result<LedgerFiles> {
    let channel = ChannelId(ENTERPRISE.into());
    let anchor = bonded_ledger::channel::ChannelAnchor {
        chain_id: CHAIN_ID,
        channel: &channel,
        orderer_keys: &[orderer_key],
    };
    let verified = bonded_ledger::channel::verify_channel(anchor, blocks)?;
    let records = bonded_enclave::records::ChannelRecords::collect(&verified.transactions);
    Ok(records.records.files())
}

/// The same reconciliation from the channel's block bytes, in this process: decode and check
/// the blocks, collect the records, reconcile with the norms file, render.
fn from_blocks_run(encoded: &[Vec<u8>], orderer_key: [u8; 32], norms: &[u8]) -> Result<()> {
    let blocks = encoded
        .iter()
        .enumerate()
        .map(|(position, bytes)| bonded_ledger::channel::decode_block(bytes, position))
        .collect::<Result<Vec<_>, _>>()?;
    let channel = ChannelId(ENTERPRISE.into());
    let anchor = bonded_ledger::channel::ChannelAnchor {
        chain_id: CHAIN_ID,
        channel: &channel,
        orderer_keys: &[orderer_key],
    };
    let started = Instant::now();
    let verified = bonded_ledger::channel::verify_channel(anchor, &blocks)?;
    let verified_ms = started.elapsed().as_secs_f64() * 1000.0;
    let records = bonded_enclave::records::ChannelRecords::collect(&verified.transactions);
    let files = records.records.files();
    let files_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut input = files.input();
    input.norms = Some(norms);
    let report = bonded_reconcile::reconcile(&input, &Policy::default(), None, None)?;
    render::json(&report)?;
    tracing::debug!(
        verified_ms,
        files_ms,
        done_ms = started.elapsed().as_secs_f64() * 1000.0,
        "bench.from_blocks"
    );
    Ok(())
}

fn verify_request(
    chain: &MemoryLedger,
    opening: &Opening,
    sealed: &[u8],
    start: usize,
    nonce: u64,
) -> VerifyRequest {
    let base64 = base64::engine::general_purpose::STANDARD;
    VerifyRequest {
        chain_id: CHAIN_ID.into(),
        enterprise: ENTERPRISE.into(),
        commitment: hex::encode(opening.commitment()),
        sealed_norms: base64.encode(sealed),
        orderer_keys: vec![hex::encode(chain.orderer_key())],
        blocks: chain.blocks(&ChannelId(ENTERPRISE.into()))[start..]
            .iter()
            .map(|block| base64.encode(bonded_ledger::channel::encode_block(block)))
            .collect(),
        from: None,
        to: None,
        nonce,
    }
}

/// Genesis, the enclave and the enterprise registered, its records and its commitment.
fn build_chain(
    bundle: &GeneratedBundle,
    identity: &IdentityResponse,
    opening: &Opening,
    sealed: &[u8],
    tail: usize,
) -> Result<MemoryLedger> {
    let mut rng = rand::rngs::OsRng;
    let customs = SigningKey::generate(&mut rng);
    let enterprise = SigningKey::generate(&mut rng);
    let mut chain = MemoryLedger::new(SigningKey::generate(&mut rng));
    let signer = Signer::new(CHAIN_ID, 1);
    let mut clock = network::wall_clock_ms();
    let mut order = |chain: &mut MemoryLedger, batch: &[SignedTransaction]| -> Result<()> {
        clock += 1;
        for (_, decision) in chain.order(batch, clock) {
            if let Decision::Rejected(rejection) = decision {
                bail!("the benchmark chain refused a record: {rejection}");
            }
        }
        Ok(())
    };
    let system = registry(
        &signer,
        &customs,
        &enterprise,
        identity,
        chain.orderer_key(),
    )?;
    for transaction in system {
        order(&mut chain, std::slice::from_ref(&transaction))?;
    }
    let envelope: [u8; 32] = Sha256::digest(sealed).into();
    let record = norms_cmd::commitment_record(opening, Regime::ExportProduction, 1, envelope)?;
    let channel = ChannelId(ENTERPRISE.into());
    let commitment = signer.sign(&enterprise, channel, Payload::NormCommitment(record))?;
    let mut records = records(bundle, &signer, &customs, &enterprise)?;
    records.insert(0, commitment);
    // The last `tail` records come one per block, as the day's records a resumed run adds.
    let split = records.len().saturating_sub(tail);
    for batch in records[..split].chunks(BATCH) {
        order(&mut chain, batch)?;
    }
    for single in records[split..].chunks(1) {
        order(&mut chain, single)?;
    }
    Ok(chain)
}

/// The system channel's records: genesis with the enclave's simulated root, the enclave
/// approved and registered, the enterprise registered.
fn registry(
    signer: &Signer,
    customs: &SigningKey,
    enterprise: &SigningKey,
    identity: &IdentityResponse,
    orderer_key: [u8; 32],
) -> Result<Vec<SignedTransaction>> {
    let genesis = Payload::Genesis(bonded_ledger::Genesis {
        customs: network::customs_record("CUSTOMS", "Customs"),
        customs_keys: vec![customs.verifying_key().to_bytes()],
        orderer_keys: vec![orderer_key],
        attestation: identity.attestation_trust()?,
    });
    let mr_enclave = identity.mr_enclave_bytes()?;
    let registration = identity.registration("ENCLAVE-BENCH", "Benchmark enclave")?;
    let record =
        network::enterprise_record(ENTERPRISE, "Benchmark enterprise", "0300000001", false, 2)?;
    let system = ChannelId::system();
    Ok(vec![
        signer.sign(customs, system.clone(), genesis)?,
        signer.sign(
            customs,
            system.clone(),
            Payload::ApproveEnclaveCode(ApprovedCode::Enclave { mr_enclave }),
        )?,
        signer.sign(
            customs,
            system.clone(),
            Payload::RegisterEnclave(registration),
        )?,
        network::register(signer, customs, record, enterprise)?,
    ])
}

/// The bundle's items, declarations and movements as signed records of the channel.
fn records(
    bundle: &GeneratedBundle,
    signer: &Signer,
    customs: &SigningKey,
    enterprise: &SigningKey,
) -> Result<Vec<SignedTransaction>> {
    let channel = ChannelId(ENTERPRISE.into());
    let mut signed = Vec::new();
    for (name, key) in [
        ("items.csv", enterprise),
        ("declarations.csv", customs),
        ("movements.csv", enterprise),
    ] {
        let bytes = bundle
            .file(name)
            .with_context(|| format!("the bundle has {name}"))?;
        let text = std::str::from_utf8(bytes).with_context(|| format!("{name} is UTF-8"))?;
        let parsed =
            csv_input::parse(text).map_err(|reason| anyhow::anyhow!("{name}: {reason}"))?;
        if let Some(error) = parsed.errors.first() {
            bail!("{name}:{}: {}", error.line, error.reason);
        }
        for record in parsed.records {
            signed.push(signer.sign(key, channel.clone(), record.payload)?);
        }
    }
    Ok(signed)
}

fn median(runs: usize, mut run: impl FnMut() -> Result<()>) -> Result<Duration> {
    run()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        run()?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 100_000.0).round() / 100.0
}
