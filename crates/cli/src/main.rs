//! `bonded`: one binary for every role of the customs ledger.
//!
//! Each subcommand is a thin layer over the library crates; `anyhow` is used only here, to
//! carry errors to the user with their context.

mod bench;
mod bench_enclave;
mod bench_extract;
mod client;
mod commands;
mod csv_input;
mod demo;
mod demo_accounts;
mod demo_enclave;
mod demo_reports;
mod keys;
mod ledger_bundle;
mod network;
mod norms_cmd;
mod reconcile_cmd;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// bonded: a permissioned ledger and confidential verifier for Vietnam's processing-trade
/// customs regimes (gia công, SXXK, export-processing enterprises).
#[derive(Parser, Debug)]
#[command(name = "bonded", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create (first run) or reopen a demo network on this machine and serve its API.
    Demo {
        /// Folder for the demo's keys and ledger.
        #[arg(long, default_value = "bonded-demo")]
        data: PathBuf,
        /// Address the API listens on.
        #[arg(long, default_value = "127.0.0.1:7300")]
        listen: SocketAddr,
    },
    /// Run a node from a TOML configuration (data_dir, listen, orderer_key, node_id, genesis).
    Node {
        #[arg(long)]
        config: PathBuf,
    },
    /// Generate an Ed25519 key and write it as a PKCS#8 PEM file.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign and submit declarations, items or movements from a CSV file into an enterprise's
    /// channel; prints one JSON line per accepted transaction.
    Submit {
        /// Node URL, for example http://127.0.0.1:7300.
        #[arg(long)]
        node: String,
        /// Key file of the accountable party (customs for declarations).
        #[arg(long)]
        key: PathBuf,
        /// Organization id of the enterprise whose channel receives the records.
        #[arg(long)]
        enterprise: String,
        /// CSV file; its header tells declarations, items and movements apart.
        input: PathBuf,
    },
    /// Query the ledger.
    Query {
        #[arg(long)]
        node: String,
        #[command(subcommand)]
        what: Query,
    },
    /// Check a stored chain offline: hash links, signatures, Merkle roots, state replay.
    Verify {
        /// The node's data folder (the one holding ledger.redb).
        #[arg(long)]
        data: PathBuf,
    },
    /// Reconcile an enterprise's bundle of CSV files into Mẫu 15/15a balances and findings.
    Reconcile(reconcile_cmd::ReconcileArgs),
    /// Generate synthetic enterprise bundles, clean or with injected fraud, and their ground truth.
    Generate(reconcile_cmd::GenerateArgs),
    /// Measure fraud detection precision and recall per fraud kind over many seeds.
    Evaluate(reconcile_cmd::EvaluateArgs),
    /// Measure performance.
    Bench {
        #[command(subcommand)]
        what: Bench,
    },
    /// Norm sets: seal them to the customs enclave and record their commitments.
    Norms {
        #[command(subcommand)]
        what: Norms,
    },
    /// Ask the node's enclave to verify an enterprise and print the signed verdict as JSON.
    Verdict {
        #[arg(long)]
        node: String,
        /// Organization id of the enterprise.
        #[arg(long)]
        enterprise: String,
        /// Calendar year to verify (all records when absent).
        #[arg(long)]
        period: Option<i32>,
    },
    /// Compare, inside the customs enclave, the norms of enterprises making goods under one HS
    /// code; prints only aggregates over at least k enterprises, as JSON.
    Compare {
        #[arg(long)]
        node: String,
        /// The product's HS code or its first digits.
        #[arg(long)]
        hs: String,
        /// An enterprise whose band in each released group is reported.
        #[arg(long)]
        subject: Option<String>,
    },
    /// The enclave program itself, served on stdin and stdout; the node starts it.
    #[command(hide = true)]
    EnclaveProgram {
        #[arg(long)]
        data: PathBuf,
        /// The simulated vendor's secret, shared by enclaves that chain to one simulated root.
        #[arg(long)]
        vendor: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum Norms {
    /// Seal a norms CSV (the columns `bonded reconcile` reads) to the customs enclave after
    /// checking its registration, record the commitment and send the envelope.
    Submit {
        #[arg(long)]
        node: String,
        /// The enterprise's key file.
        #[arg(long)]
        key: PathBuf,
        /// GC, SXXK or EPE; by default the regime of the enterprise's previous commitment.
        #[arg(long)]
        regime: Option<bonded_model::Regime>,
        /// Registry id of the enclave to seal to; by default the newest enclave customs hosts.
        #[arg(long)]
        enclave: Option<String>,
        input: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum Query {
    /// Print a transaction, its block height and its inclusion proof as JSON.
    Tx {
        /// Transaction hash, 64 hex digits.
        hash: String,
    },
}

#[derive(Subcommand, Debug)]
enum Bench {
    /// Sign N declarations and commit them durably through the node's submission path.
    Ingest {
        #[arg(long)]
        transactions: usize,
        /// Keep the ledger in this (empty) folder instead of a scratch one.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Time a verification inside the enclave process against the same reconciliation run
    /// directly, on one generated enterprise-year.
    Enclave {
        /// Declaration lines of the generated enterprise.
        #[arg(long, default_value_t = 100_000)]
        lines: usize,
        /// Timed runs of each (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Generate a customs line extract (kept in DIR for later runs), then time reading it and
    /// recording its declarations on a fresh single-node ledger.
    Extract {
        /// Size of the extract, in megabytes of 10^6 bytes.
        #[arg(long, default_value_t = 70)]
        size_mb: u64,
        /// Folder for the generated workbook and the scratch ledger.
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = bench_extract::Format::Xlsx)]
        format: bench_extract::Format,
    },
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("node.shutdown_requested");
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BONDED_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Command::EnclaveProgram { data, vendor } = &cli.command {
        return bonded_enclave::program::serve_stdio(data, vendor.as_deref());
    }
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<bool> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Demo { data, listen } => runtime.block_on(demo::run(&data, listen)).map(|_| true),
        Command::Node { config } => runtime.block_on(commands::node(&config)).map(|_| true),
        Command::Keygen { out } => commands::keygen(&out).map(|_| true),
        Command::Submit {
            node,
            key,
            enterprise,
            input,
        } => commands::submit(&node, &key, &enterprise, &input),
        Command::Query {
            node,
            what: Query::Tx { hash },
        } => commands::query_transaction(&node, &hash),
        Command::Verify { data } => commands::verify(&data),
        Command::Reconcile(args) => reconcile_cmd::run_reconcile(args).map(|_| true),
        Command::Generate(args) => reconcile_cmd::run_generate(args).map(|_| true),
        Command::Evaluate(args) => reconcile_cmd::run_evaluate(args).map(|_| true),
        Command::Bench {
            what: Bench::Ingest { transactions, data },
        } => runtime
            .block_on(bench::ingest(transactions, data.as_deref()))
            .map(|_| true),
        Command::Bench {
            what: Bench::Enclave { lines, runs },
        } => bench_enclave::run(lines, runs).map(|_| true),
        Command::Bench {
            what:
                Bench::Extract {
                    size_mb,
                    dir,
                    format,
                },
        } => runtime
            .block_on(bench_extract::run(size_mb, &dir, format))
            .map(|_| true),
        Command::Norms {
            what:
                Norms::Submit {
                    node,
                    key,
                    regime,
                    enclave,
                    input,
                },
        } => norms_cmd::submit(&norms_cmd::SubmitArgs {
            node: &node,
            key: &key,
            input: &input,
            regime,
            enclave: enclave.as_deref(),
        }),
        Command::Verdict {
            node,
            enterprise,
            period,
        } => norms_cmd::verdict(&node, &enterprise, period),
        Command::Compare { node, hs, subject } => {
            norms_cmd::compare(&node, &hs, subject.as_deref())
        }
        Command::EnclaveProgram { .. } => Ok(false),
    }
}
