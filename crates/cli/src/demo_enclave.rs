//! The demo's confidential verifier: customs hosts an enclave, every demo enterprise seals its
//! norms to it, and the demo prints the verdicts beside the reconciliation in the clear.
//!
//! The enclave runs as `bonded enclave-program`, a child process of the demo, on the simulated
//! SGX platform whose secret lives in `DIR/enclave`. The chain trusts the simulated root (the
//! test attestation policy) and says so. The measurement follows the binary: after a rebuild the
//! enclave has new keys, so customs approves and registers the new enclave and the enterprises
//! seal their norms again, exactly as they would after an enclave upgrade on hardware.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use bonded_enclave::host::Launch;
use bonded_ledger::{ChannelId, Hash, Payload, SignedTransaction};
use bonded_model::{
    ApprovedCode, AttestationTrust, EnclaveRegistration, OrganizationId, Regime, VerdictRecord,
};
use bonded_node::verifier::EnclaveHost;
use bonded_node::Node;
use bonded_norms::{Opening, Salt};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

use crate::network::{self, Signer};
use crate::norms_cmd;

/// Starts the enclave as a child of this process, on `folder`.
pub fn start(folder: &Path, chain_id: &str) -> Result<Arc<EnclaveHost>> {
    let launch = Launch {
        program: std::env::current_exe().context("locating the bonded executable")?,
        arguments: vec!["enclave-program".into()],
        echo_log: true,
        keep_output: false,
    };
    let host = EnclaveHost::start(&launch, folder, chain_id, network::wall_clock_ms())
        .context("starting the demo enclave")?;
    Ok(host)
}

/// The attestation trust of a demo chain: the enclave's simulated root.
pub fn trust(host: &EnclaveHost) -> Result<AttestationTrust> {
    let root = host
        .identity()
        .simulated_root
        .as_deref()
        .context("the demo enclave reports no simulated root")?;
    let simulated_root = base64::engine::general_purpose::STANDARD
        .decode(root)
        .context("the simulated root")?;
    Ok(AttestationTrust::Test { simulated_root })
}

/// Approves and registers the hosted enclave unless it already is; returns its registry id.
pub async fn register(node: &Node, signer: &Signer, customs: &SigningKey) -> Result<String> {
    if let Some(id) = node.hosted_enclave_id()? {
        return Ok(id.to_string());
    }
    let chain = node
        .store
        .chain()?
        .context("the demo chain has no genesis")?;
    if !matches!(chain.attestation, AttestationTrust::Test { .. }) {
        bail!(
            "this demo folder was created before the demo hosted an enclave (its chain trusts \
             only Intel's root); remove the folder and start the demo again"
        );
    }
    let host = node.enclave.get().context("the demo hosts no enclave")?;
    let identity = host.attest(&chain.chain_id, network::wall_clock_ms())?;
    let id = format!("ENCLAVE-CUSTOMS-{}", &identity.mr_enclave[..8]);
    let base64 = base64::engine::general_purpose::STANDARD;
    let registration = EnclaveRegistration {
        enclave: OrganizationId(id.clone()),
        name: "Customs verifier (simulated SGX)".into(),
        quote: base64.decode(&identity.quote)?,
        collateral: base64.decode(&identity.collateral)?,
        verdict_key: hex32(&identity.verdict_key)?,
        norms_key: hex32(&identity.norms_key)?,
    };
    let approval = ApprovedCode::Enclave {
        mr_enclave: hex32(&identity.mr_enclave)?,
    };
    let system = ChannelId::system();
    let mut envelopes = Vec::new();
    if !chain.approved_code.contains(&approval) {
        let payload = Payload::ApproveEnclaveCode(approval);
        envelopes.push(signer.sign(customs, system.clone(), payload)?);
    }
    envelopes.push(signer.sign(customs, system, Payload::RegisterEnclave(registration))?);
    submit(node, envelopes).await?;
    Ok(id)
}

/// Seals an enterprise's norms file to the hosted enclave and records the commitment, unless
/// its newest commitment already names an envelope for this enclave.
pub async fn seal_norms(
    node: &Node,
    signer: &Signer,
    enterprise: (&str, &SigningKey, Regime),
    enclave: &str,
    norms_file: &Path,
) -> Result<bool> {
    let (id, key, regime) = enterprise;
    let recorded = node.commitments(id)?;
    let enclave_id = OrganizationId(enclave.to_string());
    if let Some(newest) = recorded.last() {
        let stored = newest.envelopes.iter().any(|hash| {
            matches!(node.store.envelope(hash), Ok(Some(envelope)) if envelope.enclave == enclave_id.0)
        });
        if stored {
            return Ok(false);
        }
    }
    let chain = node
        .store
        .chain()?
        .context("the demo chain has no genesis")?;
    let host = node.enclave.get().context("the demo hosts no enclave")?;
    let opening = Opening {
        salt: Salt::random(&mut rand::rngs::OsRng),
        set: norms_cmd::read_norms(norms_file)?,
    };
    let sealed = norms_cmd::seal(&chain.chain_id, id, &host.identity().norms_key, &opening)?;
    let envelope: [u8; 32] = Sha256::digest(&sealed).into();
    let version = recorded.last().map_or(1, |last| last.version + 1);
    let record = norms_cmd::commitment_record(&opening, regime, version, envelope)?;
    let channel = ChannelId(id.to_string());
    let transaction = signer.sign(key, channel, Payload::NormCommitment(record))?;
    submit(node, vec![transaction]).await?;
    let base64 = base64::engine::general_purpose::STANDARD;
    let commitment = hex::encode(opening.commitment());
    node.submit_envelope(id, enclave, &commitment, &base64.encode(&sealed))?;
    Ok(true)
}

/// One verdict line per enterprise: its current verdict, or a fresh run when records arrived
/// since the last one (so reopening an unchanged demo records nothing new).
pub async fn print_verdicts(node: &Node, enterprises: &[&str]) -> Result<()> {
    println!("\nConfidential verification in the customs enclave (norms sealed; TEST POLICY):");
    for enterprise in enterprises {
        let current = match node.current_verdict(enterprise)? {
            Some(current) => Ok(current),
            None => fresh_verdict(node, enterprise).await,
        };
        match current {
            Ok((record, hash)) => println!(
                "  {enterprise}: {} ({} critical, {} warning, {} not evaluable), block {}, \
                 verdict {hash}",
                if record.compliant() {
                    "compliant"
                } else {
                    "NOT compliant"
                },
                record.critical,
                record.warning,
                record.not_evaluable,
                record.channel_height,
            ),
            Err(error) => println!("  {enterprise}: verification failed: {error:#}"),
        }
    }
    Ok(())
}

async fn fresh_verdict(node: &Node, enterprise: &str) -> Result<(VerdictRecord, Hash)> {
    let verified = node.verify_enterprise(enterprise, None, None).await?;
    let decoded = verified.transaction.decode()?;
    let Payload::Verdict(record) = decoded.body.payload else {
        bail!("the enclave signed something other than a verdict");
    };
    Ok((record, verified.transaction.hash()))
}

async fn submit(node: &Node, envelopes: Vec<SignedTransaction>) -> Result<()> {
    for outcome in node.orderer.submit(envelopes).await {
        match outcome {
            bonded_ordering::SubmitOutcome::Accepted(_) => {}
            bonded_ordering::SubmitOutcome::Rejected(rejection) => {
                bail!("the ledger refused a demo record: {rejection}")
            }
            bonded_ordering::SubmitOutcome::Unavailable(reason) => {
                bail!("the ordering service failed: {reason}")
            }
        }
    }
    Ok(())
}

fn hex32(text: &str) -> Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).context("expected 32 bytes of hex")?;
    Ok(bytes)
}
