//! The demo's confidential verifier: customs hosts an enclave, every demo enterprise seals its
//! norms to it, and the demo prints each enterprise's clearance beside the reconciliation in
//! the clear. The footwear maker is an authorized economic operator: it also runs an enclave of
//! its own (on one machine, beside the node; in a network, on its own premises), seals its norms
//! to both, and its own verdict clears it only once the customs enclave reaches the same one.
//!
//! Each enclave runs as `bonded enclave-program`, a child process of the demo, on a simulated SGX
//! platform of its own (`DIR/enclave`, `DIR/aeo-enclave`); both platforms chain to one simulated
//! vendor root (`DIR/simulated-vendor-secret`), as real ones chain to Intel's. The chain trusts
//! that simulated root (the test attestation policy) and says so. The measurement follows the binary: after a rebuild the
//! enclave has new keys, so customs approves and registers the new enclave and the enterprises
//! seal their norms again, exactly as they would after an enclave upgrade on hardware.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use bonded_enclave::host::Launch;
use bonded_ledger::clearance::Clearance;
use bonded_ledger::{ChannelId, Payload};
use bonded_model::{ApprovedCode, AttestationTrust, Regime};
use bonded_node::verifier::EnclaveHost;
use bonded_node::Node;
use bonded_norms::{Opening, Salt};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

use crate::network::{self, Signer};
use crate::norms_cmd;

/// Starts an enclave as a child of this process, on the simulated platform in `folder`, whose
/// PKI chains to the simulated vendor whose secret is in `vendor` (or to its own).
pub fn start(folder: &Path, vendor: Option<&Path>, chain_id: &str) -> Result<Arc<EnclaveHost>> {
    let mut arguments = vec!["enclave-program".into()];
    if let Some(vendor) = vendor {
        arguments.extend(["--vendor".into(), vendor.as_os_str().to_owned()]);
    }
    let launch = Launch {
        program: std::env::current_exe().context("locating the bonded executable")?,
        arguments,
        echo_log: true,
        keep_output: false,
    };
    let host = EnclaveHost::start(&launch, folder, chain_id, network::wall_clock_ms())
        .context("starting the demo enclave")?;
    Ok(host)
}

/// The attestation trust of a demo chain: the enclave's simulated root.
pub fn trust(host: &EnclaveHost) -> Result<AttestationTrust> {
    let trust = host.identity().attestation_trust()?;
    if trust == AttestationTrust::Production {
        bail!("the demo enclave reports no simulated root");
    }
    Ok(trust)
}

/// A registered enclave the demo runs: its registry id and norms key.
pub struct DemoEnclave {
    pub id: String,
    pub norms_key: String,
    pub host: Arc<EnclaveHost>,
}

/// Approves and registers the customs enclave unless it already is.
pub async fn register_customs(
    node: &Node,
    signer: &Signer,
    customs: &SigningKey,
) -> Result<DemoEnclave> {
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
    let host = node
        .enclave
        .get()
        .context("the demo hosts no enclave")?
        .clone();
    let approval = ApprovedCode::Enclave {
        mr_enclave: host.identity().mr_enclave_bytes()?,
    };
    if !chain.approved_code.contains(&approval) {
        let payload = Payload::ApproveEnclaveCode(approval);
        let approval = signer.sign(customs, ChannelId::system(), payload)?;
        crate::demo::submit_all(node, vec![approval]).await?;
    }
    let prefix = "ENCLAVE-CUSTOMS";
    register(
        node,
        signer,
        (customs, prefix, "Customs verifier (simulated SGX)"),
        host,
    )
    .await
}

/// Registers an enclave under `key`'s organization (customs, or an AEO for its own premises)
/// unless it already is; the code must be approved already.
pub async fn register(
    node: &Node,
    signer: &Signer,
    (key, prefix, name): (&SigningKey, &str, &str),
    host: Arc<EnclaveHost>,
) -> Result<DemoEnclave> {
    let norms_key = host.identity().norms_key.clone();
    if let Some(id) = node.store.organization_of_key(&host.verdict_key()?)? {
        return Ok(DemoEnclave {
            id: id.to_string(),
            norms_key,
            host,
        });
    }
    let identity = host.attest(signer.chain_id.as_str(), network::wall_clock_ms())?;
    let id = format!("{prefix}-{}", &identity.mr_enclave[..8]);
    let payload = Payload::RegisterEnclave(identity.registration(&id, name)?);
    crate::demo::submit_all(node, vec![signer.sign(key, ChannelId::system(), payload)?]).await?;
    Ok(DemoEnclave {
        id,
        norms_key,
        host,
    })
}

/// Seals an enterprise's norms file to each of `enclaves` and records one commitment naming
/// every envelope, unless its newest commitment already names an envelope for each.
pub async fn seal_norms(
    node: &Node,
    signer: &Signer,
    enterprise: (&str, &SigningKey, Regime),
    enclaves: &[&DemoEnclave],
    norms_file: &Path,
) -> Result<bool> {
    let (id, key, regime) = enterprise;
    let recorded = node.commitments(id)?;
    if let Some(newest) = recorded.last() {
        let held = |enclave: &&DemoEnclave| {
            newest.envelopes.iter().any(|hash| {
                matches!(node.store.envelope(hash), Ok(Some(stored)) if stored.enclave == enclave.id)
            })
        };
        if enclaves.iter().all(held) {
            return Ok(false);
        }
    }
    let chain = node
        .store
        .chain()?
        .context("the demo chain has no genesis")?;
    let opening = Opening {
        salt: Salt::random(&mut rand::rngs::OsRng),
        set: norms_cmd::read_norms(norms_file)?,
    };
    let sealed = enclaves
        .iter()
        .map(|enclave| norms_cmd::seal(&chain.chain_id, id, &enclave.norms_key, &opening))
        .collect::<Result<Vec<_>>>()?;
    let version = recorded.last().map_or(1, |last| last.version + 1);
    let first: [u8; 32] = Sha256::digest(&sealed[0]).into();
    let mut record = norms_cmd::commitment_record(&opening, regime, version, first)?;
    record.envelopes = sealed
        .iter()
        .map(|bytes| Sha256::digest(bytes).into())
        .collect();
    let channel = ChannelId(id.to_string());
    let transaction = signer.sign(key, channel, Payload::NormCommitment(record))?;
    crate::demo::submit_all(node, vec![transaction]).await?;
    let base64 = base64::engine::general_purpose::STANDARD;
    let commitment = hex::encode(opening.commitment());
    for (enclave, bytes) in enclaves.iter().zip(&sealed) {
        node.submit_envelope(id, &enclave.id, &commitment, &base64.encode(bytes))?;
    }
    Ok(true)
}

/// Each enterprise's clearance, after running what it lacks: an AEO's own enclave first (its
/// self-assessment), then the customs enclave, which confirms it or not. An enterprise whose
/// verdicts are still current is not run again, so reopening an unchanged demo records nothing.
pub async fn print_clearances(node: &Node, enterprises: &[(&str, Option<&DemoEnclave>)]) {
    println!("\nConfidential verification (norms sealed to the enclaves; TEST POLICY):");
    for (enterprise, own) in enterprises {
        match clear(node, enterprise, *own).await {
            Ok(line) => println!("  {enterprise}: {line}"),
            Err(error) => println!("  {enterprise}: verification failed: {error:#}"),
        }
    }
}

async fn clear(node: &Node, enterprise: &str, own: Option<&DemoEnclave>) -> Result<String> {
    let settled = |clearance: &Clearance| {
        matches!(
            clearance,
            Clearance::Cleared { .. }
                | Clearance::NotCompliant { .. }
                | Clearance::Disagreement { .. }
        )
    };
    if !settled(&node.clearance(enterprise)?) {
        if let Some(own) = own {
            node.verify_with(&own.host, enterprise, None, None).await?;
        }
        node.verify_enterprise(enterprise, None, None).await?;
    }
    Ok(describe(&node.clearance(enterprise)?))
}

/// A comparison across enterprises; with the demo's few enterprises it shows the k rule
/// holding everything back.
pub async fn print_comparison(node: &Node, hs_code: &str, subject: &str) {
    match node.compare(hs_code, Some(subject)).await {
        Ok(comparison) => println!(
            "\nNorm comparison for HS {hs_code}: {} enterprise(s) make such goods, {} group(s) \
             released, {} withheld (k = {}: no aggregate over fewer enterprises leaves the \
             enclave)",
            comparison.enterprises,
            comparison.groups.len(),
            comparison.withheld_groups,
            comparison.k
        ),
        Err(error) => println!("\nNorm comparison for HS {hs_code} failed: {error}"),
    }
}

fn describe(clearance: &Clearance) -> String {
    match clearance {
        Clearance::Cleared {
            verdict,
            confirmed_by: Some(customs),
        } => format!(
            "cleared: its own enclave's verdict {verdict} confirmed by the customs enclave's \
             {customs}"
        ),
        Clearance::Cleared { verdict, .. } => format!("cleared by verdict {verdict}"),
        Clearance::NotCompliant { verdict } => {
            format!("NOT compliant: verdict {verdict} has critical findings")
        }
        Clearance::AwaitingConfirmation { verdict } => {
            format!("awaiting the customs enclave's confirmation of {verdict}")
        }
        Clearance::Disagreement { own, customs } => {
            format!("DISAGREEMENT: own verdict {own} and customs verdict {customs} differ")
        }
        Clearance::Stale { verdict } => format!("stale: records arrived after {verdict}"),
        Clearance::NoVerdict => "no verdict yet".into(),
    }
}
