//! The host's end of the protocol: starts the enclave program and exchanges frames with it.
//!
//! A reader thread turns the child's stdout into a channel of responses, so that every wait has
//! a timeout and a hung enclave is an error, not a hung host. Another thread drains stderr into
//! a buffer the caller can inspect (the tests scan it for norm values) and, if asked, echoes it.
//! Every byte read from stdout is also kept in a transcript for the same reason, unless the
//! [`Launch`] says not to, as a long-running node does.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::frame::{self, FrameError};
use crate::protocol::{Request, Response};

/// How long the host waits for one response by default.
pub const RESPONSE_TIMEOUT_MS: u64 = 60_000;

/// Why an exchange with the enclave failed.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("starting the enclave: {0}")]
    Spawn(io::Error),
    #[error("sending to the enclave: {0}")]
    Send(FrameError),
    #[error("no response within {timeout_ms} ms")]
    Timeout { timeout_ms: u64 },
    #[error("the enclave closed its output")]
    Closed,
    #[error("reading from the enclave: {0}")]
    Receive(String),
    #[error("the enclave's response is not JSON of the protocol: {0}")]
    Decode(serde_json::Error),
    #[error("encoding the request: {0}")]
    Encode(serde_json::Error),
}

type Shared = Arc<Mutex<Vec<u8>>>;

/// A running enclave process.
pub struct EnclaveProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    responses: Receiver<Result<Vec<u8>, String>>,
    transcript: Shared,
    log: Shared,
    pub timeout: Duration,
}

/// How to start the enclave program.
#[derive(Clone, Debug)]
pub struct Launch {
    /// The executable, and the arguments that come before `--data DIR`: none for
    /// `bonded-enclave`, `enclave-program` for the product's own binary.
    pub program: PathBuf,
    pub arguments: Vec<OsString>,
    /// Copy the enclave's stderr to this process's stderr.
    pub echo_log: bool,
    /// Keep every byte of the enclave's stdout and stderr for [`EnclaveProcess::transcript`] and
    /// [`EnclaveProcess::log`]: for tests, which scan them; a long-running host turns it off.
    pub keep_output: bool,
}

impl Launch {
    /// The `bonded-enclave` binary at `program`, output kept, log not echoed.
    pub fn binary(program: &Path) -> Self {
        Launch {
            program: program.to_path_buf(),
            arguments: Vec::new(),
            echo_log: false,
            keep_output: true,
        }
    }
}

impl EnclaveProcess {
    /// Starts `executable --data data`. With `echo_log`, the enclave's stderr is also copied to
    /// this process's stderr.
    pub fn spawn(
        executable: &Path,
        data: &Path,
        echo_log: bool,
    ) -> Result<EnclaveProcess, HostError> {
        let launch = Launch {
            echo_log,
            ..Launch::binary(executable)
        };
        Self::launch(&launch, data)
    }

    /// Starts the program `launch` describes on the data folder `data`.
    pub fn launch(launch: &Launch, data: &Path) -> Result<EnclaveProcess, HostError> {
        let mut child = Command::new(&launch.program)
            .args(&launch.arguments)
            .arg("--data")
            .arg(data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(HostError::Spawn)?;
        let (stdout, stderr) = match (child.stdout.take(), child.stderr.take()) {
            (Some(stdout), Some(stderr)) => (stdout, stderr),
            _ => return Err(HostError::Spawn(io::Error::other("pipes missing"))),
        };
        let transcript = Shared::default();
        let log = Shared::default();
        let (sender, responses) = mpsc::channel();
        let keep = launch.keep_output;
        let recorded = keep.then(|| Arc::clone(&transcript));
        thread::spawn(move || read_responses(stdout, recorded, sender));
        let logged = keep.then(|| Arc::clone(&log));
        let echo = launch.echo_log;
        thread::spawn(move || drain(stderr, logged, echo));
        Ok(EnclaveProcess {
            stdin: child.stdin.take(),
            child,
            responses,
            transcript,
            log,
            timeout: Duration::from_millis(RESPONSE_TIMEOUT_MS),
        })
    }

    /// The enclave process's operating-system id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends one request and waits for its response.
    pub fn request(&mut self, request: &Request) -> Result<Response, HostError> {
        let bytes = serde_json::to_vec(request).map_err(HostError::Encode)?;
        self.send_frame(&bytes)?;
        self.receive()
    }

    /// Sends `payload` as one frame, whatever it holds.
    pub fn send_frame(&mut self, payload: &[u8]) -> Result<(), HostError> {
        let stdin = self.stdin.as_mut().ok_or(HostError::Closed)?;
        frame::write(stdin, payload).map_err(HostError::Send)
    }

    /// Sends raw bytes, framing included: for tests of broken framing.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), HostError> {
        let stdin = self.stdin.as_mut().ok_or(HostError::Closed)?;
        stdin
            .write_all(bytes)
            .and_then(|()| stdin.flush())
            .map_err(|error| HostError::Send(error.into()))
    }

    /// Waits for the next response.
    pub fn receive(&mut self) -> Result<Response, HostError> {
        let timeout_ms = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        let payload = match self.responses.recv_timeout(self.timeout) {
            Ok(Ok(payload)) => payload,
            Ok(Err(reason)) => return Err(HostError::Receive(reason)),
            Err(RecvTimeoutError::Timeout) => return Err(HostError::Timeout { timeout_ms }),
            Err(RecvTimeoutError::Disconnected) => return Err(HostError::Closed),
        };
        serde_json::from_slice(&payload).map_err(HostError::Decode)
    }

    /// Closes the enclave's input and waits up to `timeout` for it to exit; kills it after.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.stdin = None;
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }

    /// Every byte the enclave wrote to stdout so far.
    pub fn transcript(&self) -> Vec<u8> {
        self.transcript
            .lock()
            .map(|b| b.clone())
            .unwrap_or_default()
    }

    /// Every byte the enclave wrote to stderr so far.
    pub fn log(&self) -> Vec<u8> {
        self.log.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

impl Drop for EnclaveProcess {
    fn drop(&mut self) {
        self.stdin = None;
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Copies frames into the channel; stops at the end of output or the first broken frame.
fn read_responses(
    stdout: impl Read,
    transcript: Option<Shared>,
    sender: mpsc::Sender<Result<Vec<u8>, String>>,
) {
    let mut reader = Recorder {
        inner: stdout,
        record: transcript,
    };
    loop {
        let message = match frame::read(&mut reader) {
            Ok(Some(payload)) => Ok(payload),
            Ok(None) => return,
            Err(error) => Err(error.to_string()),
        };
        let stop = message.is_err();
        if sender.send(message).is_err() || stop {
            return;
        }
    }
}

fn drain(mut stderr: impl Read, log: Option<Shared>, echo: bool) {
    let mut buffer = [0u8; 8192];
    while let Ok(count) = stderr.read(&mut buffer) {
        if count == 0 {
            return;
        }
        if echo {
            let _ = io::stderr().write_all(&buffer[..count]);
        }
        if let Some(Ok(mut log)) = log.as_ref().map(|log| log.lock()) {
            log.extend_from_slice(&buffer[..count]);
        }
    }
}

/// A reader that keeps a copy of everything it reads.
struct Recorder<R> {
    inner: R,
    record: Option<Shared>,
}

impl<R: Read> Read for Recorder<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        if let Some(Ok(mut record)) = self.record.as_ref().map(|record| record.lock()) {
            record.extend_from_slice(&buffer[..count]);
        }
        Ok(count)
    }
}
