//! The enclave program's body, shared by the `bonded-enclave` binary and by `bonded
//! enclave-program`, so that one `cargo run` of the product is enough to host an enclave.
//!
//! [`serve_stdio`] measures the running executable, opens the simulated SGX platform whose secret
//! lives in the data folder, unseals or creates the keys and serves the framed protocol on stdin
//! and stdout until `Shutdown` or the end of input. The caller sets up logging (to stderr).
//!
//! Exit status: 0 after `Shutdown` or a clean end of input; 1 when the enclave cannot start;
//! 2 when the request stream breaks (an oversized or truncated frame, a closed output).

use std::io;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use bonded_tee::{EnclaveProgram, Platform, SimulatedSgx, SimulationSettings, VendorSecret};
use rand::rngs::OsRng;

use crate::keys::{self, KeyOrigin};
use crate::service::{self, Enclave};
use crate::{DEMO_SIGNER_PUBLIC_KEY, PRODUCT_ID, SECURITY_VERSION};

/// Runs the enclave on this process's stdin and stdout, with its platform and keys in `data`
/// and, when given, the simulated vendor's secret in `vendor` (shared by platforms that must
/// chain to one simulated root).
pub fn serve_stdio(data: &Path, vendor: Option<&Path>) -> ExitCode {
    match run(data, vendor) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "enclave cannot start");
            ExitCode::from(1)
        }
    }
}

fn run(data: &Path, vendor: Option<&Path>) -> anyhow::Result<ExitCode> {
    // Measure this program and open the platform it runs on.
    let executable = std::env::current_exe().context("locating the enclave executable")?;
    let program = EnclaveProgram::from_executable(
        &executable,
        DEMO_SIGNER_PUBLIC_KEY,
        PRODUCT_ID,
        SECURITY_VERSION,
    )
    .with_context(|| format!("measuring {}", executable.display()))?;
    let vendor = vendor.map(VendorSecret::load_or_create).transpose()?;
    let settings = SimulationSettings {
        vendor,
        ..SimulationSettings::default()
    };
    let platform = SimulatedSgx::open(data, &program, settings)?;
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
        "enclave.keys_ready"
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
            tracing::error!(%error, "enclave.stream_broken");
            Ok(ExitCode::from(2))
        }
    }
}
