//! The node's confidential verifier: it hosts one enclave process, keeps the norm envelopes that
//! enterprises submit, and runs verifications on request.
//!
//! # Design
//!
//! The enclave is a child process ([`bonded_enclave::host`]); the node only ever holds what
//! crosses its boundary: ciphertext envelopes in, signed verdicts and redacted reports out. The
//! node never needs a norm in clear, so it has no code path that could log or store one.
//!
//! - **Envelopes.** `POST /v1/norms` keeps an envelope only if the enterprise's norm commitment
//!   on the ledger names the envelope's SHA-256 and the named enclave is registered. The
//!   commitment is signed by the enterprise, so no one else can plant or swap the envelope a
//!   verification opens.
//! - **Verification.** The node reads every block of the enterprise's channel, takes the newest
//!   norm commitment among them and the envelope it names for the hosted enclave, and hands all of
//!   it to the enclave, which checks the blocks itself. The signed verdict comes back as a ledger
//!   transaction; the node stores the report under its hash and submits the transaction through
//!   the orderer like any other. If a record lands in the channel meanwhile, the ledger refuses
//!   the verdict as not current and the node runs the verification again, a few times at most.
//! - **One request at a time.** The enclave answers in order, so the process sits behind a mutex
//!   and each exchange runs on a blocking thread, off the async workers.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bonded_enclave::host::{EnclaveProcess, HostError, Launch};
use bonded_enclave::protocol::{
    hex32, CompareInput, CompareRequest, Comparison, ErrorCode, IdentityResponse, ProtocolError,
    Request, Response, Verdict, VerifyRequest,
};
use bonded_ledger::clearance::{Clearance, Host};
use bonded_ledger::state::Rejection;
use bonded_ledger::{Block, ChannelId, DecodedTransaction, Payload, SignedTransaction};
use bonded_model::{NaiveDate, NormCommitment, OrganizationId, OrganizationKind};
use bonded_ordering::SubmitOutcome;
use bonded_store::{StoreError, StoredEnvelope};

use crate::Node;

/// How many times a verification is run when records keep arriving during the runs.
pub const ATTEMPTS_MAX: u32 = 3;

/// Why a verifier request failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    #[error("this node hosts no enclave")]
    NoEnclave,
    #[error("the hosted enclave is not registered on the ledger yet")]
    Unregistered,
    #[error("the ledger has no genesis yet")]
    NoGenesis,
    #[error("{0} is not a registered enterprise")]
    UnknownEnterprise(String),
    #[error("{0} is not a registered enclave")]
    UnknownEnclave(String),
    #[error("the envelope is not a norm envelope of the supported format")]
    MalformedEnvelope,
    #[error(
        "no norm commitment {commitment} of {enterprise} names envelope {envelope}; record the \
         commitment, with the envelope's hash, before sending the envelope"
    )]
    NotCommitted {
        enterprise: String,
        commitment: String,
        envelope: String,
    },
    #[error("{0} has recorded no norm commitment")]
    NoCommitment(String),
    #[error("no norms sealed to {enclave} were sent for commitment {commitment}")]
    NoEnvelope { enclave: String, commitment: String },
    #[error("the enclave refused: {message}")]
    Refused { code: ErrorCode, message: String },
    #[error("the enclave: {0}")]
    Host(#[from] HostError),
    #[error("the enclave answered out of protocol")]
    Protocol,
    #[error(transparent)]
    Decoding(#[from] ProtocolError),
    #[error("the restarted enclave has other keys than the registered one; it must be registered")]
    EnclaveChanged,
    #[error("the ledger refused the verdict: {0}")]
    VerdictRejected(Rejection),
    #[error("records kept arriving in the channel; {ATTEMPTS_MAX} runs were overtaken")]
    Overtaken,
    #[error("the ordering service is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored block of {0} does not decode")]
    CorruptBlock(String),
}

/// One enclave process and the identity it attested at start.
pub struct EnclaveHost {
    process: Mutex<EnclaveProcess>,
    identity: IdentityResponse,
    nonce: AtomicU64,
    /// Held through a whole verification (checkpoint, request, verdict), so that two runs never
    /// interleave and each request continues the checkpoint it was built from.
    turn: tokio::sync::Mutex<()>,
    /// How to start the enclave again if its process dies.
    launch: Launch,
    data: std::path::PathBuf,
    chain_id: String,
}

impl EnclaveHost {
    /// Starts the enclave on `data` and asks its identity for `chain_id` at `at_ms`.
    pub fn start(
        launch: &Launch,
        data: &Path,
        chain_id: &str,
        at_ms: i64,
    ) -> Result<Arc<Self>, VerifierError> {
        std::fs::create_dir_all(data).map_err(HostError::Spawn)?;
        let mut process = EnclaveProcess::launch(launch, data)?;
        let identity = identity(&mut process, chain_id, at_ms)?;
        tracing::info!(
            mr_enclave = %identity.mr_enclave,
            verdict_key = %identity.verdict_key,
            debug = identity.debug,
            "verifier.enclave_started"
        );
        // Verdict nonces start from the clock so that a restarted node never repeats one.
        let first_nonce = u64::try_from(at_ms).unwrap_or(0).saturating_mul(1000);
        Ok(Arc::new(EnclaveHost {
            process: Mutex::new(process),
            identity,
            nonce: AtomicU64::new(first_nonce),
            turn: tokio::sync::Mutex::new(()),
            launch: launch.clone(),
            data: data.to_path_buf(),
            chain_id: chain_id.to_string(),
        }))
    }

    /// The enclave process's id, for tests that kill it.
    pub fn process_id(&self) -> u32 {
        self.lock().id()
    }

    /// Sends `request` and returns the answer. If the enclave's process has died (its pipes are
    /// closed or it stopped answering), starts it again on the same data folder, where its keys
    /// are sealed, checks that it is the same enclave (the same verdict key), and asks once more:
    /// a crash costs the enclave its checkpoints, never the node its verifier.
    fn exchange(&self, request: &Request) -> Result<Response, VerifierError> {
        let mut process = self.lock();
        match process.request(request) {
            Ok(response) => return Ok(response),
            Err(HostError::Closed | HostError::Receive(_) | HostError::Send(_)) => {}
            Err(HostError::Timeout { timeout_ms }) => {
                tracing::warn!(timeout_ms, "verifier.enclave_hung");
            }
            Err(error) => return Err(error.into()),
        }
        tracing::warn!("verifier.enclave_restarting");
        let mut restarted = EnclaveProcess::launch(&self.launch, &self.data)?;
        let identity = identity(&mut restarted, &self.chain_id, crate::wall_clock_ms())?;
        if identity.verdict_key != self.identity.verdict_key {
            return Err(VerifierError::EnclaveChanged);
        }
        *process = restarted;
        tracing::info!("verifier.enclave_restarted");
        Ok(process.request(request)?)
    }

    pub fn identity(&self) -> &IdentityResponse {
        &self.identity
    }

    /// A fresh attestation with collateral issued at `at_ms` (blocking).
    pub fn attest(&self, chain_id: &str, at_ms: i64) -> Result<IdentityResponse, VerifierError> {
        let mut process = self.lock();
        identity(&mut process, chain_id, at_ms)
    }

    pub fn verdict_key(&self) -> Result<[u8; 32], VerifierError> {
        Ok(hex32("verdict_key", &self.identity.verdict_key)?)
    }

    fn next_nonce(&self) -> u64 {
        self.nonce.fetch_add(1, Ordering::Relaxed)
    }

    /// Runs one verification (blocking).
    fn verify(&self, request: &VerifyRequest) -> Result<Verdict, VerifierError> {
        match self.exchange(&Request::Verify(request.clone()))? {
            Response::Verdict(verdict) => Ok(verdict),
            Response::Error { code, message } => Err(VerifierError::Refused { code, message }),
            _ => Err(VerifierError::Protocol),
        }
    }

    /// The tip the enclave holds `enterprise`'s channel verified up to (blocking).
    fn checkpoint(
        &self,
        chain_id: &str,
        enterprise: &str,
    ) -> Result<Option<(u64, String)>, VerifierError> {
        let request = Request::Checkpoint {
            chain_id: chain_id.to_string(),
            enterprise: enterprise.to_string(),
        };
        match self.exchange(&request)? {
            Response::Checkpoint {
                height: Some(height),
                head: Some(head),
            } => Ok(Some((height, head))),
            Response::Checkpoint { .. } => Ok(None),
            Response::Error { code, message } => Err(VerifierError::Refused { code, message }),
            _ => Err(VerifierError::Protocol),
        }
    }

    /// Runs one comparison (blocking).
    fn compare(&self, request: &CompareRequest) -> Result<Comparison, VerifierError> {
        match self.exchange(&Request::Compare(request.clone()))? {
            Response::Comparison(comparison) => Ok(comparison),
            Response::Error { code, message } => Err(VerifierError::Refused { code, message }),
            _ => Err(VerifierError::Protocol),
        }
    }

    /// Asks the enclave to stop and waits for it (blocking).
    pub fn stop(&self) {
        let mut process = self.lock();
        let _ = process.request(&Request::Shutdown {});
        process.wait(std::time::Duration::from_secs(10));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, EnclaveProcess> {
        // A panic while holding the lock leaves the process as it was; keep using it.
        self.process
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn identity(
    process: &mut EnclaveProcess,
    chain_id: &str,
    at_ms: i64,
) -> Result<IdentityResponse, VerifierError> {
    let request = Request::Identity {
        chain_id: chain_id.to_string(),
        at_ms,
    };
    match process.request(&request)? {
        Response::Identity(identity) => Ok(identity),
        Response::Error { code, message } => Err(VerifierError::Refused { code, message }),
        _ => Err(VerifierError::Protocol),
    }
}

/// A verdict the ledger accepted, with what the node read to get it.
pub struct Verified {
    pub verdict: Verdict,
    pub transaction: SignedTransaction,
    pub receipt: bonded_ledger::Receipt,
    pub enclave: OrganizationId,
    pub attempts: u32,
}

impl Node {
    /// Keeps a sealed norm envelope that the enterprise's commitment names.
    pub fn submit_envelope(
        &self,
        enterprise: &str,
        enclave: &str,
        commitment: &str,
        sealed_base64: &str,
    ) -> Result<StoredEnvelope, VerifierError> {
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(sealed_base64)
            .map_err(|_| ProtocolError::Encoding {
                field: "sealed_norms",
                encoding: "base64",
            })?;
        bonded_norms::SealedNorms::from_bytes(&sealed)
            .map_err(|_| VerifierError::MalformedEnvelope)?;
        let envelope = StoredEnvelope {
            enterprise: self.enterprise(enterprise)?.0,
            enclave: self.registered_enclave(enclave)?.0,
            commitment: hex32("commitment", commitment)?,
            sealed,
        };
        let hash = envelope.sha256();
        let blocks = self.channel_blocks(enterprise)?;
        let named = commitments(&blocks, enterprise)?.iter().any(|recorded| {
            recorded.commitment == envelope.commitment && recorded.envelopes.contains(&hash)
        });
        if !named {
            return Err(VerifierError::NotCommitted {
                enterprise: enterprise.to_string(),
                commitment: commitment.to_string(),
                envelope: hex::encode(hash),
            });
        }
        self.store.put_envelope(&envelope)?;
        tracing::info!(
            enterprise,
            enclave,
            envelope = %hex::encode(hash),
            "verifier.envelope_stored"
        );
        Ok(envelope)
    }

    /// The enclave this node hosts.
    pub fn hosted(&self) -> Result<Arc<EnclaveHost>, VerifierError> {
        self.enclave.get().cloned().ok_or(VerifierError::NoEnclave)
    }

    /// The registry id of `host`'s enclave, which must be registered.
    fn registered_id(&self, host: &EnclaveHost) -> Result<OrganizationId, VerifierError> {
        self.store
            .organization_of_key(&host.verdict_key()?)?
            .ok_or(VerifierError::Unregistered)
    }

    /// Verifies `enterprise` in the hosted enclave and orders the verdict.
    pub async fn verify_enterprise(
        &self,
        enterprise: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Verified, VerifierError> {
        let host = self.hosted()?;
        self.verify_with(&host, enterprise, from, to).await
    }

    /// Verifies `enterprise` in `host`, which need not be the node's own enclave: an
    /// authorized economic operator's enclave runs beside the node on its premises.
    pub async fn verify_with(
        &self,
        host: &Arc<EnclaveHost>,
        enterprise: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Verified, VerifierError> {
        let enclave = self.registered_id(host)?;
        self.enterprise(enterprise)?;
        let _turn = host.turn.lock().await;
        let chain_id = self
            .store
            .chain()?
            .ok_or(VerifierError::NoGenesis)?
            .chain_id;
        for attempt in 1..=ATTEMPTS_MAX {
            let (asking, chain, id) = (host.clone(), chain_id.clone(), enterprise.to_string());
            let tip = tokio::task::spawn_blocking(move || asking.checkpoint(&chain, &id))
                .await
                .map_err(|_| VerifierError::Protocol)??;
            let request = self.verify_request(host, &enclave, enterprise, (from, to), tip)?;
            let runner = host.clone();
            let verdict = tokio::task::spawn_blocking(move || runner.verify(&request))
                .await
                .map_err(|_| VerifierError::Protocol)??;
            // The report is stored before its verdict is ordered, so an ordered verdict's
            // report is always at hand.
            self.store.put_report(&verdict.report)?;
            let transaction = SignedTransaction::from_bytes(
                base64::engine::general_purpose::STANDARD
                    .decode(&verdict.transaction)
                    .map_err(|_| VerifierError::Protocol)?,
            )
            .map_err(|_| VerifierError::Protocol)?;
            let outcome = self.orderer.submit(vec![transaction.clone()]).await;
            match outcome.into_iter().next() {
                Some(SubmitOutcome::Accepted(receipt)) => {
                    tracing::info!(enterprise, attempt, "verifier.verdict_ordered");
                    return Ok(Verified {
                        verdict,
                        transaction,
                        receipt,
                        enclave,
                        attempts: attempt,
                    });
                }
                Some(SubmitOutcome::Rejected(Rejection::VerdictNotCurrent { .. })) => {
                    tracing::info!(enterprise, attempt, "verifier.verdict_overtaken");
                }
                Some(SubmitOutcome::Rejected(rejection)) => {
                    return Err(VerifierError::VerdictRejected(rejection))
                }
                Some(SubmitOutcome::Unavailable(reason)) => {
                    return Err(VerifierError::Unavailable(reason))
                }
                None => return Err(VerifierError::Unavailable("no outcome".into())),
            }
        }
        Err(VerifierError::Overtaken)
    }

    /// Everything the enclave needs for one run: the blocks after its checkpoint when that
    /// checkpoint is a block of this channel, all of them otherwise.
    fn verify_request(
        &self,
        host: &EnclaveHost,
        enclave: &OrganizationId,
        enterprise: &str,
        (from, to): (Option<NaiveDate>, Option<NaiveDate>),
        tip: Option<(u64, String)>,
    ) -> Result<VerifyRequest, VerifierError> {
        let chain = self.store.chain()?.ok_or(VerifierError::NoGenesis)?;
        let blocks = self.channel_blocks(enterprise)?;
        let newest = newest_commitment(&blocks, enterprise)?
            .ok_or_else(|| VerifierError::NoCommitment(enterprise.to_string()))?;
        let envelope = self.envelope_for(&newest, enclave)?;
        Ok(VerifyRequest {
            chain_id: chain.chain_id,
            enterprise: enterprise.to_string(),
            commitment: hex::encode(newest.commitment),
            sealed_norms: base64::engine::general_purpose::STANDARD.encode(&envelope.sealed),
            orderer_keys: chain.orderer_keys.iter().map(hex::encode).collect(),
            blocks: blocks_after(&blocks, tip),
            from,
            to,
            nonce: host.next_nonce(),
        })
    }

    /// Compares, in the hosted enclave, the norms of every enterprise that sealed its newest
    /// norms to it; only groups of at least the node's k enterprises come back.
    pub async fn compare(
        &self,
        hs_code: &str,
        subject: Option<&str>,
    ) -> Result<Comparison, VerifierError> {
        let host = self.hosted()?;
        let enclave = self.registered_id(&host)?;
        let _turn = host.turn.lock().await;
        let chain = self.store.chain()?.ok_or(VerifierError::NoGenesis)?;
        let mut enterprises = Vec::new();
        for record in self.store.organizations()? {
            if !matches!(record.kind, OrganizationKind::Enterprise { .. }) {
                continue;
            }
            let (asking, chain_id, id) =
                (host.clone(), chain.chain_id.clone(), record.id.0.clone());
            let tip = tokio::task::spawn_blocking(move || asking.checkpoint(&chain_id, &id))
                .await
                .map_err(|_| VerifierError::Protocol)??;
            if let Some(input) = self.compare_input(&record.id.0, &enclave, tip)? {
                enterprises.push(input);
            }
        }
        let request = CompareRequest {
            chain_id: chain.chain_id,
            orderer_keys: chain.orderer_keys.iter().map(hex::encode).collect(),
            hs_code: hs_code.to_string(),
            k: self.comparison_k(),
            subject: subject.map(str::to_string),
            enterprises,
        };
        let runner = host.clone();
        tokio::task::spawn_blocking(move || runner.compare(&request))
            .await
            .map_err(|_| VerifierError::Protocol)?
    }

    /// An enterprise's part in a comparison, if its newest norms were sealed to `enclave`.
    fn compare_input(
        &self,
        enterprise: &str,
        enclave: &OrganizationId,
        tip: Option<(u64, String)>,
    ) -> Result<Option<CompareInput>, VerifierError> {
        let blocks = self.channel_blocks(enterprise)?;
        let Some(newest) = newest_commitment(&blocks, enterprise)? else {
            return Ok(None);
        };
        let envelope = match self.envelope_for(&newest, enclave) {
            Ok(envelope) => envelope,
            Err(VerifierError::NoEnvelope { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        Ok(Some(CompareInput {
            enterprise: enterprise.to_string(),
            commitment: hex::encode(newest.commitment),
            sealed_norms: base64::engine::general_purpose::STANDARD.encode(&envelope.sealed),
            blocks: blocks_after(&blocks, tip),
        }))
    }

    /// The envelope `commitment` names for `enclave`.
    fn envelope_for(
        &self,
        commitment: &NormCommitment,
        enclave: &OrganizationId,
    ) -> Result<StoredEnvelope, VerifierError> {
        for hash in &commitment.envelopes {
            if let Some(envelope) = self.store.envelope(hash)? {
                if envelope.enclave == enclave.0 && envelope.commitment == commitment.commitment {
                    return Ok(envelope);
                }
            }
        }
        Err(VerifierError::NoEnvelope {
            enclave: enclave.to_string(),
            commitment: hex::encode(commitment.commitment),
        })
    }

    /// Whether `enterprise` stands cleared by its current verdicts
    /// ([`bonded_ledger::clearance`]).
    pub fn clearance(&self, enterprise: &str) -> Result<Clearance, VerifierError> {
        let id = self.enterprise(enterprise)?;
        let customs = self.store.chain()?.ok_or(VerifierError::NoGenesis)?.customs;
        let transactions: Vec<DecodedTransaction> = self
            .channel_transactions(&ChannelId(enterprise.to_string()))?
            .into_iter()
            .map(|(_, transaction)| transaction)
            .collect();
        // Resolve each verdict signer's host first, so that a storage failure is an error
        // rather than a verdict that silently counts for nothing.
        let mut hosts = std::collections::HashMap::new();
        for transaction in &transactions {
            if matches!(transaction.body.payload, Payload::Verdict(_)) {
                let host = self.host_of(&transaction.signer, &customs, &id)?;
                hosts.insert(transaction.signer, host);
            }
        }
        let host_of = |key: &[u8; 32]| hosts.get(key).cloned().unwrap_or(Host::Other);
        Ok(bonded_ledger::clearance::clearance(
            &id,
            &transactions,
            host_of,
        ))
    }

    /// Who hosts the enclave whose verdict key is `key`.
    fn host_of(
        &self,
        key: &[u8; 32],
        customs: &OrganizationId,
        enterprise: &OrganizationId,
    ) -> Result<Host, VerifierError> {
        let Some(id) = self.store.organization_of_key(key)? else {
            return Ok(Host::Other);
        };
        let kind = self.store.organization(&id)?.map(|record| record.kind);
        Ok(match kind {
            Some(OrganizationKind::Enclave { host, .. }) if host == *customs => Host::Customs,
            Some(OrganizationKind::Enclave { host, .. }) if host == *enterprise => {
                Host::Enterprise(host)
            }
            _ => Host::Other,
        })
    }

    /// The norm commitments recorded in `channel`, oldest first.
    pub fn commitments(&self, channel: &str) -> Result<Vec<NormCommitment>, VerifierError> {
        commitments(&self.channel_blocks(channel)?, channel)
    }

    /// Every transaction of `channel`, decoded, with the height of its block.
    pub fn channel_transactions(
        &self,
        channel: &ChannelId,
    ) -> Result<Vec<(u64, DecodedTransaction)>, VerifierError> {
        let mut transactions = Vec::new();
        for block in self.store.channel_blocks(channel)? {
            let decoded = block
                .decode_transactions()
                .map_err(|_| VerifierError::CorruptBlock(channel.to_string()))?;
            let height = block.header.height;
            transactions.extend(decoded.into_iter().map(|transaction| (height, transaction)));
        }
        Ok(transactions)
    }

    fn enterprise(&self, id: &str) -> Result<OrganizationId, VerifierError> {
        let id = OrganizationId(id.to_string());
        match self.store.organization(&id)? {
            Some(record) if matches!(record.kind, OrganizationKind::Enterprise { .. }) => Ok(id),
            _ => Err(VerifierError::UnknownEnterprise(id.0)),
        }
    }

    fn registered_enclave(&self, id: &str) -> Result<OrganizationId, VerifierError> {
        let id = OrganizationId(id.to_string());
        match self.store.organization(&id)? {
            Some(record) if matches!(record.kind, OrganizationKind::Enclave { .. }) => Ok(id),
            _ => Err(VerifierError::UnknownEnclave(id.0)),
        }
    }

    fn channel_blocks(&self, enterprise: &str) -> Result<Vec<Block>, VerifierError> {
        let channel = ChannelId(enterprise.to_string());
        Ok(self.store.channel_blocks(&channel)?)
    }
}

/// The norm commitments recorded in `blocks`, oldest first.
fn commitments(blocks: &[Block], channel: &str) -> Result<Vec<NormCommitment>, VerifierError> {
    let mut found = Vec::new();
    for payload in payloads(blocks, channel)? {
        if let Payload::NormCommitment(commitment) = payload {
            found.push(commitment);
        }
    }
    Ok(found)
}

/// The blocks after the enclave's checkpoint when that checkpoint is a block of this channel,
/// all of them otherwise, each as the base64 of its postcard bytes.
fn blocks_after(blocks: &[Block], tip: Option<(u64, String)>) -> Vec<String> {
    let resume = tip.and_then(|(height, head)| {
        let index = usize::try_from(height).ok()?;
        let block = blocks.get(index)?;
        (block.hash().to_hex() == head).then_some(index + 1)
    });
    let base64 = base64::engine::general_purpose::STANDARD;
    blocks[resume.unwrap_or(0)..]
        .iter()
        .map(|block| base64.encode(bonded_ledger::channel::encode_block(block)))
        .collect()
}

/// The newest norm commitment in `blocks`, read from the newest block back.
fn newest_commitment(
    blocks: &[Block],
    channel: &str,
) -> Result<Option<NormCommitment>, VerifierError> {
    for block in blocks.iter().rev() {
        let decoded = block
            .decode_transactions()
            .map_err(|_| VerifierError::CorruptBlock(channel.to_string()))?;
        for transaction in decoded.into_iter().rev() {
            if let Payload::NormCommitment(commitment) = transaction.body.payload {
                return Ok(Some(commitment));
            }
        }
    }
    Ok(None)
}

/// Every payload of `blocks`, in order.
fn payloads(blocks: &[Block], channel: &str) -> Result<Vec<Payload>, VerifierError> {
    let mut payloads = Vec::new();
    for block in blocks {
        let decoded = block
            .decode_transactions()
            .map_err(|_| VerifierError::CorruptBlock(channel.to_string()))?;
        payloads.extend(
            decoded
                .into_iter()
                .map(|transaction| transaction.body.payload),
        );
    }
    Ok(payloads)
}
