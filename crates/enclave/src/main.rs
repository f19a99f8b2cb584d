//! The enclave program. `bonded-enclave --data DIR` opens the simulated SGX platform whose
//! secret lives in DIR, measures itself from its own executable, unseals or creates its keys,
//! and serves the framed protocol of the `bonded_enclave` crate on stdin and stdout until
//! `Shutdown` or the end of input. Logs go to stderr and never carry norm values.
//!
//! Exit status: 0 after `Shutdown` or a clean end of input; 1 when the enclave cannot start;
//! 2 when the request stream breaks (an oversized or truncated frame, a closed output).

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use bonded_enclave::keys::{self, KeyOrigin};
use bonded_enclave::service::{self, Enclave};
use bonded_enclave::{DEMO_SIGNER_PUBLIC_KEY, PRODUCT_ID, SECURITY_VERSION};
use bonded_tee::{EnclaveProgram, Platform, SimulatedSgx, SimulationSettings};
use rand::rngs::OsRng;

fn main() -> ExitCode {
    init_logging();
    let data = match parse_arguments(std::env::args().skip(1)) {
        Ok(data) => data,
        Err(error) => {
            eprintln!("bonded-enclave: {error:#}\nusage: bonded-enclave --data DIR");
            return ExitCode::from(1);
        }
    };
    match run(&data) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "enclave cannot start");
            ExitCode::from(1)
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(false)
        .init();
}

fn parse_arguments(mut arguments: impl Iterator<Item = String>) -> anyhow::Result<PathBuf> {
    match (
        arguments.next().as_deref(),
        arguments.next(),
        arguments.next(),
    ) {
        (Some("--data"), Some(folder), None) => Ok(PathBuf::from(folder)),
        _ => bail!("expected exactly --data DIR"),
    }
}

fn run(data: &std::path::Path) -> anyhow::Result<ExitCode> {
    // Measure this program and open the platform it runs on.
    let executable = std::env::current_exe().context("locating the enclave executable")?;
    let program = EnclaveProgram::from_executable(
        &executable,
        DEMO_SIGNER_PUBLIC_KEY,
        PRODUCT_ID,
        SECURITY_VERSION,
    )
    .with_context(|| format!("measuring {}", executable.display()))?;
    let platform = SimulatedSgx::open(data, &program, SimulationSettings::default())?;
    let identity = platform.identity();
    tracing::info!(
        mr_enclave = %identity.mr_enclave,
        mr_signer = %identity.mr_signer,
        debug = identity.debug(),
        platform = %platform.kind(),
        "enclave.start"
    );

    // Restore or create the keys.
    let (keys, origin) = keys::load_or_create(&platform, data, &mut OsRng)?;
    tracing::info!(
        verdict_key = hex::encode(keys.verdict_public()),
        norms_key = hex::encode(keys.norms_public()),
        generated = origin == KeyOrigin::Generated,
        "keys ready"
    );

    // Serve until told to stop.
    let enclave = Enclave::new(&platform, keys, Some(platform.attestation_root()));
    let stdin = io::stdin();
    let stdout = io::stdout();
    match service::serve(&enclave, &mut stdin.lock(), &mut stdout.lock()) {
        Ok(stop) => {
            tracing::info!(stop = ?stop, "enclave.stop");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            tracing::error!(%error, "request stream broken, stopping");
            Ok(ExitCode::from(2))
        }
    }
}
