//! `bonded norms submit`, `bonded verdict` and `bonded compare`: the enterprise's and customs'
//! ends of a confidential verification, over the node's API.
//!
//! `norms submit` never sends a norm in clear. It finds the customs enclave in the registry,
//! checks the enclave's registration itself (the DCAP quote against the chain's attestation
//! trust and approved code list, at the time the ledger accepted it, and that the quote binds
//! the norms key it is about to use), seals the norm set to that key with a fresh salt, records
//! the commitment (with the envelope's hash) in the enterprise's channel, and only then hands
//! the envelope to the node. The opening (salt and rows) stays on the enterprise's machine, in a
//! file beside the input, for re-sealing to another enclave or proving the commitment later.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use base64::Engine as _;
use bonded_ledger::state::ChainInfo;
use bonded_ledger::{ChannelId, Payload};
use bonded_model::{
    ApprovedCode, AttestationTrust, EnclaveRegistration, NaiveDate, NormCommitment, OrganizationId,
    OrganizationKind, OrganizationRecord, Regime,
};
use bonded_node::verifier_views::{
    ApprovedCodeView, CommitmentView, EnclaveView, KeyOwnerView, NormEnvelopeView, VerificationView,
};
use bonded_node::views::ChainView;
use bonded_norms::{Binding, NormRow, NormSet, Opening, Salt};
use rand::RngCore as _;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::client::Client;
use crate::keys;
use crate::network::Signer;

/// What `norms submit` was asked to do.
pub struct SubmitArgs<'a> {
    pub node: &'a str,
    pub key: &'a Path,
    pub input: &'a Path,
    pub regime: Option<Regime>,
    pub enclave: Option<&'a str>,
}

/// Seals a norms file to the customs enclave, records its commitment and sends the envelope.
pub fn submit(args: &SubmitArgs<'_>) -> Result<bool> {
    let key = keys::read(args.key)?;
    let client = Client::new(args.node);
    let enterprise = key_owner(&client, &key.verifying_key().to_bytes())?;
    let chain = client.chain()?;
    let enclave = choose_enclave(&client, &chain, args.enclave)?;
    check_registration(&chain, &enclave)?;
    let set = read_norms(args.input)?;
    let recorded: Vec<CommitmentView> = client
        .get(&format!("/v1/channels/{enterprise}/commitments"))?
        .unwrap_or_default();
    let regime = regime(args.regime, recorded.last())?;
    let version = recorded.last().map_or(1, |last| last.version + 1);

    let opening = Opening {
        salt: Salt::random(&mut rand::rngs::OsRng),
        set,
    };
    let commitment = opening.commitment();
    let sealed = seal(&chain.chain_id, &enterprise, &enclave.norms_key, &opening)?;
    let envelope_sha256: [u8; 32] = Sha256::digest(&sealed).into();
    let opening_file = keep_opening(args.input, &opening)?;
    let record = commitment_record(&opening, regime, version, envelope_sha256)?;
    let transaction = record_commitment(&client, &chain, &key, &enterprise, record)?;
    let base64 = base64::engine::general_purpose::STANDARD;
    let stored: NormEnvelopeView = client.post(
        "/v1/norms",
        &json!({
            "enterprise": enterprise,
            "enclave": enclave.id,
            "commitment": hex::encode(commitment),
            "sealed_norms": base64.encode(&sealed),
        }),
    )?;
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "enterprise": enterprise,
            "version": version,
            "commitment": hex::encode(commitment),
            "commitment_transaction": transaction,
            "enclave": enclave.id,
            "enclave_mr_enclave": enclave.mr_enclave,
            "registration_checked": true,
            "attestation_trust": chain.attestation.trust,
            "envelope_sha256": stored.envelope_sha256,
            "opening_file": opening_file.display().to_string(),
        }))?
    );
    Ok(true)
}

/// Asks the node to verify `enterprise` (over `period`, a calendar year, when given) and prints
/// the verdict as JSON.
pub fn verdict(node: &str, enterprise: &str, period: Option<i32>) -> Result<bool> {
    let client = Client::new(node);
    let (from, to) = match period {
        Some(year) => (
            Some(NaiveDate::from_ymd_opt(year, 1, 1).context("the year is out of range")?),
            Some(NaiveDate::from_ymd_opt(year, 12, 31).context("the year is out of range")?),
        ),
        None => (None, None),
    };
    let verification: VerificationView = client.post(
        "/v1/verifications",
        &json!({ "enterprise": enterprise, "from": from, "to": to }),
    )?;
    println!("{}", serde_json::to_string_pretty(&verification)?);
    Ok(true)
}

/// Asks the node for a comparison of norms across enterprises and prints it as JSON.
pub fn compare(node: &str, hs_code: &str, subject: Option<&str>) -> Result<bool> {
    let client = Client::new(node);
    let comparison: serde_json::Value = client.post(
        "/v1/comparisons",
        &json!({ "hs_code": hs_code, "subject": subject }),
    )?;
    println!("{}", serde_json::to_string_pretty(&comparison)?);
    Ok(true)
}

fn key_owner(client: &Client, key: &[u8; 32]) -> Result<String> {
    let owner: Option<KeyOwnerView> = client.get(&format!("/v1/keys/{}", hex::encode(key)))?;
    Ok(owner
        .context("the key is not registered to any organization on this ledger")?
        .organization)
}

/// The enclave named, or the newest one customs hosts.
fn choose_enclave(client: &Client, chain: &ChainView, named: Option<&str>) -> Result<EnclaveView> {
    let enclaves: Vec<EnclaveView> = client.get("/v1/enclaves")?.unwrap_or_default();
    let chosen = match named {
        Some(id) => enclaves.into_iter().find(|enclave| enclave.id == id),
        None => enclaves
            .into_iter()
            .rev()
            .find(|enclave| enclave.host == chain.customs),
    };
    match (chosen, named) {
        (Some(enclave), _) => Ok(enclave),
        (None, Some(id)) => bail!("no enclave {id} is registered on this ledger"),
        (None, None) => bail!("customs has registered no enclave on this ledger yet"),
    }
}

/// Re-runs the ledger's registration check on this machine, and confirms the view's keys are
/// the ones the quote binds.
///
/// TODO: the chain's attestation trust and approved code come from the node's `/v1/chain`; a
/// client that pinned the genesis hash (or the Intel root) would not have to trust the node for
/// them.
pub fn check_registration(chain: &ChainView, enclave: &EnclaveView) -> Result<()> {
    let info = chain_info(chain)?;
    let registration = registration(enclave)?;
    let host = OrganizationRecord {
        id: OrganizationId(enclave.host.clone()),
        name: enclave.host.clone(),
        kind: OrganizationKind::Customs,
    };
    let record =
        bonded_ledger::enclave::attest(&info, &host, &registration, enclave.registered_at_ms)
            .map_err(|rejection| {
                anyhow::anyhow!(
                    "enclave {} fails the registration check: {rejection}",
                    enclave.id
                )
            })?;
    let OrganizationKind::Enclave { mr_enclave, .. } = record.kind else {
        bail!("the registration check did not produce an enclave");
    };
    ensure!(
        hex::encode(mr_enclave) == enclave.mr_enclave,
        "the node reports a measurement the quote does not hold"
    );
    if let AttestationTrust::Test { .. } = info.attestation {
        eprintln!(
            "warning: this chain trusts a SIMULATED attestation root (test policy); enclave {} \
             is not protected by hardware",
            enclave.id
        );
    }
    Ok(())
}

fn registration(enclave: &EnclaveView) -> Result<EnclaveRegistration> {
    let base64 = base64::engine::general_purpose::STANDARD;
    Ok(EnclaveRegistration {
        enclave: OrganizationId(enclave.id.clone()),
        name: enclave.name.clone(),
        quote: base64
            .decode(&enclave.quote)
            .context("the enclave's quote")?,
        collateral: base64
            .decode(&enclave.collateral)
            .context("the enclave's collateral")?,
        verdict_key: hex32(&enclave.verdict_key).context("the enclave's verdict key")?,
        norms_key: hex32(&enclave.norms_key).context("the enclave's norms key")?,
    })
}

fn chain_info(chain: &ChainView) -> Result<ChainInfo> {
    let base64 = base64::engine::general_purpose::STANDARD;
    let attestation = match (
        &chain.attestation.trust[..],
        &chain.attestation.simulated_root,
    ) {
        ("production", _) => AttestationTrust::Production,
        ("test", Some(root)) => AttestationTrust::Test {
            simulated_root: base64.decode(root).context("the simulated root")?,
        },
        (other, _) => bail!("the node reports an unknown attestation trust {other:?}"),
    };
    let approved_code = chain
        .attestation
        .approved_code
        .iter()
        .map(approved_code)
        .collect::<Result<_>>()?;
    let orderer_keys = chain
        .orderer_keys
        .iter()
        .map(|key| hex32(key))
        .collect::<Result<_>>()?;
    Ok(ChainInfo {
        chain_id: chain.chain_id.clone(),
        customs: OrganizationId(chain.customs.clone()),
        orderer_keys,
        attestation,
        approved_code,
    })
}

fn approved_code(view: &ApprovedCodeView) -> Result<ApprovedCode> {
    match (&view.kind[..], &view.mr_enclave, &view.mr_signer) {
        ("enclave", Some(mr_enclave), _) => Ok(ApprovedCode::Enclave {
            mr_enclave: hex32(mr_enclave)?,
        }),
        ("signer", _, Some(mr_signer)) => Ok(ApprovedCode::Signer {
            mr_signer: hex32(mr_signer)?,
            product_id: view
                .product_id
                .context("a signer entry names its product")?,
            min_security_version: view
                .min_security_version
                .context("a signer entry names its minimum version")?,
        }),
        _ => bail!("the node reports an approved code entry it cannot read"),
    }
}

fn hex32(text: &str) -> Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).context("expected 32 bytes of hex")?;
    Ok(bytes)
}

fn regime(flag: Option<Regime>, last: Option<&CommitmentView>) -> Result<Regime> {
    if let Some(regime) = flag {
        return Ok(regime);
    }
    match last {
        Some(last) => last
            .regime
            .parse()
            .with_context(|| format!("the last commitment's regime {:?}", last.regime)),
        None => bail!("this is the enterprise's first norm commitment: name its --regime"),
    }
}

/// Reads a `norms.csv` (the columns `bonded reconcile` reads) into a norm set.
pub fn read_norms(path: &Path) -> Result<NormSet> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .with_context(|| format!("{}: reading the header", path.display()))?
        .clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|field| field.eq_ignore_ascii_case(name))
            .with_context(|| format!("{}: no {name} column", path.display()))
    };
    let columns = [
        column("product_code")?,
        column("material_code")?,
        column("norm")?,
        column("loss_percent")?,
        column("loss_convention")?,
        column("valid_from")?,
        column("valid_to")?,
    ];
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: reading a row", path.display()))?;
        let line = record.position().map_or(0, |position| position.line());
        let row =
            norm_row(&record, &columns).with_context(|| format!("{}:{line}", path.display()))?;
        rows.push(row);
    }
    NormSet::new(rows).with_context(|| format!("{}", path.display()))
}

fn norm_row(record: &csv::StringRecord, columns: &[usize; 7]) -> Result<NormRow> {
    let field = |index: usize| record.get(columns[index]).unwrap_or_default();
    let valid_to = Some(field(6)).filter(|text| !text.is_empty());
    Ok(NormRow {
        product_code: field(0).to_string(),
        material_code: field(1).to_string(),
        norm: field(2).parse().context("norm is not a decimal number")?,
        loss_percent: field(3)
            .parse()
            .context("loss_percent is not a decimal number")?,
        loss_convention: field(4).parse().context("loss_convention")?,
        valid_from: field(5)
            .parse()
            .context("valid_from is not a date (YYYY-MM-DD)")?,
        valid_to: valid_to
            .map(str::parse)
            .transpose()
            .context("valid_to is not a date (YYYY-MM-DD)")?,
    })
}

/// Seals `opening` to the enclave's norms key under the chain, enterprise and commitment.
pub fn seal(
    chain_id: &str,
    enterprise: &str,
    norms_key: &str,
    opening: &Opening,
) -> Result<Vec<u8>> {
    let key = hex32(norms_key).context("the enclave's norms key")?;
    let commitment = opening.commitment();
    let binding = Binding {
        chain_id,
        enterprise,
        commitment: &commitment,
    };
    let sealed = bonded_norms::seal(&key, binding, opening, &mut rand::rngs::OsRng)
        .context("sealing the norms")?;
    Ok(sealed.to_bytes())
}

/// The commitment record of `opening`, naming its envelope.
pub fn commitment_record(
    opening: &Opening,
    regime: Regime,
    version: u32,
    envelope_sha256: [u8; 32],
) -> Result<NormCommitment> {
    let rows = opening.set.rows();
    let first = rows.first().context("the norm set is empty")?;
    let valid_from = rows
        .iter()
        .map(|row| row.valid_from)
        .min()
        .unwrap_or(first.valid_from);
    let open_ended = rows.iter().any(|row| row.valid_to.is_none());
    let valid_to = if open_ended {
        None
    } else {
        rows.iter().filter_map(|row| row.valid_to).max()
    };
    Ok(NormCommitment {
        regime,
        version,
        valid_from,
        valid_to,
        // TODO: the record carries one loss convention while rows carry their own; it takes the
        // first row's until the commitment format says what a mixed set records.
        loss_convention: first.loss_convention,
        commitment: opening.commitment(),
        norm_count: u32::try_from(rows.len()).context("too many norm rows")?,
        envelopes: vec![envelope_sha256],
    })
}

/// Signs and orders the commitment; returns its transaction hash.
fn record_commitment(
    client: &Client,
    chain: &ChainView,
    key: &ed25519_dalek::SigningKey,
    enterprise: &str,
    record: NormCommitment,
) -> Result<String> {
    let signer = Signer::new(&chain.chain_id, rand::rngs::OsRng.next_u64());
    let channel = ChannelId(enterprise.to_string());
    let envelope = signer.sign(key, channel, Payload::NormCommitment(record))?;
    let response = client.submit(&[envelope])?;
    let result = response
        .results
        .into_iter()
        .next()
        .context("the node answered no result")?;
    match (&result.status[..], result.transaction_hash) {
        ("accepted", Some(hash)) => Ok(hash),
        _ => bail!(
            "the ledger refused the commitment: {}: {}",
            result.reason_code.unwrap_or_default(),
            result.reason.unwrap_or_default()
        ),
    }
}

/// Writes the opening beside the input, readable by its owner only.
fn keep_opening(input: &Path, opening: &Opening) -> Result<PathBuf> {
    let mut name = input.as_os_str().to_owned();
    name.push(format!(
        ".{}.opening",
        hex::encode(&opening.commitment()[..8])
    ));
    let path = PathBuf::from(name);
    keys::write_private(&path, opening.to_text().as_bytes())?;
    Ok(path)
}
