//! Runs the real `bonded` binary for end-to-end tests: a demo node on a free loopback port,
//! HTTP calls against it, and signed transactions made with the demo's own keys.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use bonded_ledger::{ChannelId, Payload, SignedTransaction, TransactionBody};
use bonded_model::{Decimal, Declaration, DeclarationLine, NaiveDate, Unit};
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::SigningKey;

pub const GARMENT: &str = "ENT-0302222222";
pub const FOOTWEAR: &str = "ENT-0301111111";
const START_TIMEOUT_S: u64 = 60;

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_bonded")
}

pub fn run(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A demo node running as a child process.
pub struct Demo {
    pub child: Child,
    pub url: String,
    pub data: PathBuf,
}

impl Demo {
    /// Starts (or reopens) the demo in `data` and waits until it prints its URL.
    pub fn start(data: &Path) -> Demo {
        Self::spawn(data, None)
    }

    /// Like [`Demo::start`], with verbose logs (`BONDED_LOG=info`, the enclave's included) and
    /// all of the demo's output written to `log`.
    pub fn start_logged(data: &Path, log: &Path) -> Demo {
        Self::spawn(data, Some(log))
    }

    fn spawn(data: &Path, log: Option<&Path>) -> Demo {
        let stderr = match log {
            Some(path) => {
                Stdio::from(std::fs::File::create(path.with_extension("stderr")).unwrap())
            }
            None => Stdio::null(),
        };
        let mut stdout_copy = log.map(|path| std::fs::File::create(path).unwrap());
        let mut child = Command::new(binary())
            .env("BONDED_LOG", if log.is_some() { "info" } else { "warn" })
            .args([
                "demo",
                "--data",
                data.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the demo starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(file) = stdout_copy.as_mut() {
                    use std::io::Write as _;
                    let _ = writeln!(file, "{line}");
                }
                if let Some(url) = line.strip_prefix("bonded demo network is running at ") {
                    let _ = sender.send(url.trim().to_string());
                }
            }
        });
        let url = receiver
            .recv_timeout(Duration::from_secs(START_TIMEOUT_S))
            .expect("the demo prints its URL");
        Demo {
            child,
            url,
            data: data.to_path_buf(),
        }
    }

    /// Stops the node with SIGTERM and waits for it to exit.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the node did not stop on SIGTERM");
    }

    /// Kills the node with SIGKILL, as a crash would.
    pub fn crash(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn key(&self, name: &str) -> SigningKey {
        let path = self.data.join("keys").join(format!("{name}.pem"));
        let text = std::fs::read_to_string(path).unwrap();
        SigningKey::from_pkcs8_pem(&text).unwrap()
    }

    pub fn node_data(&self) -> PathBuf {
        self.data.join("node")
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// GETs a path and returns the status and the JSON body.
pub fn get(url: &str, path: &str) -> (u16, serde_json::Value) {
    let mut response = agent().get(&format!("{url}{path}")).call().unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// POSTs raw bytes with a JSON content type.
pub fn post_raw(url: &str, path: &str, body: &[u8]) -> (u16, serde_json::Value) {
    let result = agent()
        .post(&format!("{url}{path}"))
        .content_type("application/json")
        .send(body);
    let mut response = result.unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// Whether the node refuses `body` as too large: a 413, or the connection closed while the
/// client was still sending, which is how a server stops reading an oversize body early.
pub fn refuses_oversize(url: &str, path: &str, body: &[u8]) -> bool {
    let result = agent()
        .post(&format!("{url}{path}"))
        .content_type("application/json")
        .send(body);
    match result {
        Ok(response) => response.status().as_u16() == 413,
        Err(ureq::Error::Io(error)) => matches!(
            error.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        Err(_) => false,
    }
}

pub fn submit(url: &str, envelopes: &[SignedTransaction]) -> (u16, serde_json::Value) {
    let encoded: Vec<String> = envelopes
        .iter()
        .map(|e| base64::engine::general_purpose::STANDARD.encode(e.as_bytes()))
        .collect();
    let body = serde_json::json!({ "transactions": encoded });
    post_raw(url, "/v1/transactions", body.to_string().as_bytes())
}

pub fn sign(key: &SigningKey, channel: &str, nonce: u64, payload: Payload) -> SignedTransaction {
    let body = TransactionBody {
        chain_id: "bonded-demo".into(),
        channel: ChannelId(channel.into()),
        nonce,
        payload,
    };
    SignedTransaction::sign(&body, key).unwrap()
}

/// A one-line E31 import declaration of cotton fabric for the garment enterprise.
pub fn cotton_import(number: u64) -> Payload {
    Payload::Declaration(Declaration {
        number: format!("{number:012}"),
        type_code: "E31".parse().unwrap(),
        date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        contract: None,
        lines: vec![DeclarationLine {
            line_number: 1,
            item_code: "NL-COTTON".into(),
            quantity: Decimal::new(15_000, 1),
            unit: Unit::Metre,
            value_vnd: Decimal::from(78_000_000),
        }],
    })
}

/// The channel heads as the node reports them, for before/after comparisons.
pub fn heads(url: &str) -> serde_json::Value {
    let (status, heads) = get(url, "/v1/channels");
    assert_eq!(status, 200);
    heads
}
