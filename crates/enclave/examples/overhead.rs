//! Times a reconciliation run directly against the same reconciliation run through the enclave
//! process (frame, JSON and base64 encoding, HPKE opening, redaction, signing included).
//!
//! ```text
//! cargo build --release -p bonded-enclave
//! cargo run --release -p bonded-enclave --example overhead -- [LINES] [RUNS]
//! ```
//!
//! The enclave binary is looked up beside the example's own folder (`target/release`); set
//! `BONDED_ENCLAVE` to use another one.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use base64::Engine as _;
use bonded_enclave::host::EnclaveProcess;
use bonded_enclave::protocol::{Request, Response, VerifyRequest};
use bonded_norms::{Binding, NormRow, NormSet, Opening, Salt};
use bonded_reconcile::generate::{generate_enterprise, GeneratedBundle, GeneratorConfig};
use bonded_reconcile::{reconcile, render, Policy};

const CHAIN_ID: &str = "bonded-overhead";
const ENTERPRISE: &str = "0300000001";
const AT_MS: i64 = 1_759_276_800_000;

fn main() -> anyhow::Result<()> {
    let mut arguments = std::env::args().skip(1);
    let lines: usize = arguments.next().map_or(Ok(100_000), |a| a.parse())?;
    let runs: usize = arguments.next().map_or(Ok(7), |a| a.parse())?;
    let config = GeneratorConfig {
        lines,
        ..GeneratorConfig::default()
    };
    let bundle = generate_enterprise(&config, 0);
    let opening = opening(&bundle)?;
    println!(
        "bundle: {} declaration lines, {} norm rows, {runs} runs each (median)",
        bundle.truth.declaration_lines,
        opening.set.rows().len()
    );

    let direct = median(runs, || direct_run(&bundle))?;
    let enclave = through_enclave(&bundle, &opening, runs)?;
    let overhead = (enclave.as_secs_f64() / direct.as_secs_f64() - 1.0) * 100.0;
    println!("direct reconcile + render:  {:>9.2} ms", millis(direct));
    println!("through the enclave process: {:>8.2} ms", millis(enclave));
    println!("overhead: {overhead:+.1} %");
    Ok(())
}

fn direct_run(bundle: &GeneratedBundle) -> anyhow::Result<()> {
    let report = reconcile(&bundle.input(), &Policy::default(), None, None)?;
    render::json(&report)?;
    Ok(())
}

fn through_enclave(
    bundle: &GeneratedBundle,
    opening: &Opening,
    runs: usize,
) -> anyhow::Result<Duration> {
    let data = std::env::temp_dir().join(format!("bonded-overhead-{}", std::process::id()));
    let mut enclave = EnclaveProcess::spawn(&enclave_binary()?, &data, false)?;
    let Response::Identity(identity) = enclave.request(&Request::Identity {
        chain_id: CHAIN_ID.into(),
        at_ms: AT_MS,
    })?
    else {
        bail!("the enclave did not answer with its identity");
    };
    let request = Request::Verify(verify_request(bundle, opening, &identity.norms_key)?);
    let elapsed = median(runs, || match enclave.request(&request)? {
        Response::Verdict(_) => Ok(()),
        other => bail!("expected a verdict, got {other:?}"),
    });
    enclave.request(&Request::Shutdown {})?;
    enclave.wait(Duration::from_secs(10));
    std::fs::remove_dir_all(&data).ok();
    elapsed
}

fn verify_request(
    bundle: &GeneratedBundle,
    opening: &Opening,
    norms_key: &str,
) -> anyhow::Result<VerifyRequest> {
    let base64 = base64::engine::general_purpose::STANDARD;
    let mut key = [0u8; 32];
    hex::decode_to_slice(norms_key, &mut key)?;
    let commitment = opening.commitment();
    let binding = Binding {
        chain_id: CHAIN_ID,
        enterprise: ENTERPRISE,
        commitment: &commitment,
    };
    let sealed = bonded_norms::seal(&key, binding, opening, &mut rand::rngs::OsRng)?;
    let files = bundle.files.iter().filter(|(name, _)| *name != "norms.csv");
    Ok(VerifyRequest {
        chain_id: CHAIN_ID.into(),
        enterprise: ENTERPRISE.into(),
        commitment: hex::encode(commitment),
        sealed_norms: base64.encode(sealed.to_bytes()),
        bundle: files
            .map(|(name, bytes)| (name.to_string(), base64.encode(bytes)))
            .collect(),
        from: None,
        to: None,
    })
}

/// The generated `norms.csv` as an opening with a fixed salt.
fn opening(bundle: &GeneratedBundle) -> anyhow::Result<Opening> {
    let bytes = bundle.file("norms.csv").context("the bundle has norms")?;
    let mut reader = csv::Reader::from_reader(bytes);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let field = |index: usize| record.get(index).unwrap_or_default();
        rows.push(NormRow {
            product_code: field(0).to_string(),
            material_code: field(1).to_string(),
            norm: field(2).parse()?,
            loss_percent: field(3).parse()?,
            loss_convention: field(4).parse()?,
            valid_from: field(5).parse()?,
            valid_to: Some(field(6))
                .filter(|t| !t.is_empty())
                .map(str::parse)
                .transpose()?,
        });
    }
    Ok(Opening {
        salt: Salt([1; 32]),
        set: NormSet::new(rows)?,
    })
}

fn enclave_binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("BONDED_ENCLAVE") {
        return Ok(PathBuf::from(path));
    }
    let example = std::env::current_exe()?;
    let profile = example
        .parent()
        .and_then(|examples| examples.parent())
        .context("the example runs from target/<profile>/examples")?;
    let binary = profile.join("bonded-enclave");
    if !binary.exists() {
        bail!(
            "{} is missing: cargo build --release -p bonded-enclave",
            binary.display()
        );
    }
    Ok(binary)
}

fn median(runs: usize, mut run: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
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
    duration.as_secs_f64() * 1000.0
}
