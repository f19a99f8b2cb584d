//! The enclave program. `bonded-enclave --data DIR` serves the framed protocol of the
//! `bonded_enclave` crate on stdin and stdout (see [`bonded_enclave::program`]). Logs go to
//! stderr and never carry norm values.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

fn main() -> ExitCode {
    init_logging();
    match parse_arguments(std::env::args().skip(1)) {
        Ok(data) => bonded_enclave::program::serve_stdio(&data),
        Err(error) => {
            eprintln!("bonded-enclave: {error:#}\nusage: bonded-enclave --data DIR");
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
