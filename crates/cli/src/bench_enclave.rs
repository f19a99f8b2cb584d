//! `bonded bench enclave`: what running a reconciliation inside the enclave costs over running it
//! directly.
//!
//! Setup (untimed): one generated enterprise-year, its items, declarations and movements
//! recorded on an in-memory chain ([`bonded_ledger::memory::MemoryLedger`], the same blocks a
//! node stores), the enclave process started from this binary, attested and registered, the
//! norms sealed to it and committed. Then, median of R runs each:
//!
//! - **direct**: `bonded reconcile` on the bundle's files, JSON report rendered;
//! - **enclave**: one `Verify` exchange with the enclave process: the host builds the request
//!   from the channel's blocks (base64 of each block) and frames it; the enclave decodes and
//!   checks every block (hash links, Merkle roots, orderer signatures), collects the records,
//!   opens the HPKE envelope, checks the commitment, reconciles, redacts and signs the verdict
//!   transaction; the host reads the answer.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use bonded_enclave::host::{EnclaveProcess, Launch};
use bonded_enclave::protocol::{IdentityResponse, Request, Response, VerifyRequest};
use bonded_ledger::memory::MemoryLedger;
use bonded_ledger::state::Decision;
use bonded_ledger::{ChannelId, Payload, SignedTransaction};
use bonded_model::{ApprovedCode, AttestationTrust, EnclaveRegistration, OrganizationId, Regime};
use bonded_norms::{Opening, Salt};
use bonded_reconcile::generate::{generate_enterprise, GeneratedBundle, GeneratorConfig};
use bonded_reconcile::{render, Policy};
use ed25519_dalek::SigningKey;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::csv_input;
use crate::network::{self, Signer};
use crate::norms_cmd;

const CHAIN_ID: &str = "bonded-bench-enclave";
const ENTERPRISE: &str = "ENT-BENCH";
/// Transactions per ordered batch while the chain is built.
const BATCH: usize = 2_000;

/// Runs the comparison and prints one JSON line.
pub fn run(lines: usize, runs: usize) -> Result<()> {
    let config = GeneratorConfig {
        lines,
        ..GeneratorConfig::default()
    };
    let bundle = generate_enterprise(&config, 0);
    let scratch = tempfile::tempdir().context("creating a scratch folder")?;
    let mut enclave = spawn(scratch.path())?;
    let identity = attest(&mut enclave)?;
    let norms_file = scratch.path().join("norms.csv");
    std::fs::write(
        &norms_file,
        bundle.file("norms.csv").context("the bundle has norms")?,
    )?;
    let opening = Opening {
        salt: Salt::random(&mut rand::rngs::OsRng),
        set: norms_cmd::read_norms(&norms_file)?,
    };
    let sealed = norms_cmd::seal(CHAIN_ID, ENTERPRISE, &identity.norms_key, &opening)?;
    let chain = build_chain(&bundle, &identity, &opening, &sealed)?;
    let blocks = chain.blocks(&ChannelId(ENTERPRISE.into()));

    let direct = median(runs, || direct_run(&bundle))?;
    let mut nonce = 0;
    let enclave_time = median(runs, || {
        nonce += 1;
        let request = verify_request(&chain, &opening, &sealed, nonce);
        match enclave.request(&Request::Verify(request))? {
            Response::Verdict(_) => Ok(()),
            other => bail!("expected a verdict, got {other:?}"),
        }
    })?;
    let _ = enclave.request(&Request::Shutdown {});
    enclave.wait(Duration::from_secs(10));
    let transactions: usize = blocks.iter().map(|block| block.transactions.len()).sum();
    let overhead = (enclave_time.as_secs_f64() / direct.as_secs_f64() - 1.0) * 100.0;
    println!(
        "{}",
        json!({
            "declaration_lines": bundle.truth.declaration_lines,
            "norm_rows": opening.set.rows().len(),
            "channel_blocks": blocks.len(),
            "channel_transactions": transactions,
            "runs": runs,
            "direct_ms": millis(direct),
            "enclave_ms": millis(enclave_time),
            "overhead_percent": (overhead * 10.0).round() / 10.0,
        })
    );
    Ok(())
}

fn spawn(data: &std::path::Path) -> Result<EnclaveProcess> {
    let launch = Launch {
        program: std::env::current_exe().context("locating the bonded executable")?,
        arguments: vec!["enclave-program".into()],
        echo_log: false,
        keep_output: false,
    };
    let mut enclave = EnclaveProcess::launch(&launch, &data.join("enclave"))?;
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

fn direct_run(bundle: &GeneratedBundle) -> Result<()> {
    let report = bonded_reconcile::reconcile(&bundle.input(), &Policy::default(), None, None)?;
    render::json(&report)?;
    Ok(())
}

fn verify_request(
    chain: &MemoryLedger,
    opening: &Opening,
    sealed: &[u8],
    nonce: u64,
) -> VerifyRequest {
    let base64 = base64::engine::general_purpose::STANDARD;
    VerifyRequest {
        chain_id: CHAIN_ID.into(),
        enterprise: ENTERPRISE.into(),
        commitment: hex::encode(opening.commitment()),
        sealed_norms: base64.encode(sealed),
        orderer_keys: vec![hex::encode(chain.orderer_key())],
        blocks: chain
            .blocks(&ChannelId(ENTERPRISE.into()))
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
    let records = records(bundle, &signer, &customs, &enterprise)?;
    for batch in records.chunks(BATCH) {
        order(&mut chain, batch)?;
    }
    let envelope: [u8; 32] = Sha256::digest(sealed).into();
    let record = norms_cmd::commitment_record(opening, Regime::ExportProduction, 1, envelope)?;
    let channel = ChannelId(ENTERPRISE.into());
    let commitment = signer.sign(&enterprise, channel, Payload::NormCommitment(record))?;
    order(&mut chain, &[commitment])?;
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
    let base64 = base64::engine::general_purpose::STANDARD;
    let root = identity
        .simulated_root
        .as_deref()
        .context("the enclave reports no simulated root")?;
    let genesis = Payload::Genesis(bonded_ledger::Genesis {
        customs: network::customs_record("CUSTOMS", "Customs"),
        customs_keys: vec![customs.verifying_key().to_bytes()],
        orderer_keys: vec![orderer_key],
        attestation: AttestationTrust::Test {
            simulated_root: base64.decode(root)?,
        },
    });
    let mut mr_enclave = [0u8; 32];
    hex::decode_to_slice(&identity.mr_enclave, &mut mr_enclave)?;
    let mut verdict_key = [0u8; 32];
    hex::decode_to_slice(&identity.verdict_key, &mut verdict_key)?;
    let mut norms_key = [0u8; 32];
    hex::decode_to_slice(&identity.norms_key, &mut norms_key)?;
    let registration = EnclaveRegistration {
        enclave: OrganizationId("ENCLAVE-BENCH".into()),
        name: "Benchmark enclave".into(),
        quote: base64.decode(&identity.quote)?,
        collateral: base64.decode(&identity.collateral)?,
        verdict_key,
        norms_key,
    };
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
