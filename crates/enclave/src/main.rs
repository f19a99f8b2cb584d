//! The enclave program. `bonded-enclave --data DIR [--vendor FILE]` serves the framed protocol of the
//! `bonded_enclave` crate on stdin and stdout (see [`bonded_enclave::program`]). Logs go to
//! stderr and never carry norm values.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

fn main() -> ExitCode {
    init_logging();
    match parse_arguments(std::env::args().skip(1)) {
        Ok((data, vendor)) => bonded_enclave::program::serve_stdio(&data, vendor.as_deref()),
        Err(error) => {
            eprintln!(
                "bonded-enclave: {error:#}\nusage: bonded-enclave --data DIR [--vendor FILE]"
            );
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

/// `--data DIR` and an optional `--vendor FILE`, in either order.
fn parse_arguments(
    arguments: impl Iterator<Item = String>,
) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
    let (mut data, mut vendor) = (None, None);
    let mut arguments = arguments.peekable();
    while let Some(flag) = arguments.next() {
        let value = arguments.next().map(PathBuf::from);
        match (flag.as_str(), value) {
            ("--data", Some(folder)) if data.is_none() => data = Some(folder),
            ("--vendor", Some(file)) if vendor.is_none() => vendor = Some(file),
            _ => bail!("expected --data DIR and optionally --vendor FILE"),
        }
    }
    match data {
        Some(data) => Ok((data, vendor)),
        None => bail!("expected --data DIR"),
    }
}
