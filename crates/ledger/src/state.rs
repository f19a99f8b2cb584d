//! The deterministic state machine: from a batch of envelopes and the current state, the new
//! blocks, the state changes and a named decision for every transaction.
//!
//! # Rules, in the order they are checked
//!
//! 1. The envelope decodes and names this chain (`Malformed`, `WrongChain`).
//! 2. A chain starts with exactly one genesis, signed by a key it lists for customs
//!    (`GenesisRequired`, `GenesisRepeated`).
//! 3. The signer's key is registered to an organization (`UnregisteredSigner`).
//! 4. The signer's organization may record this kind, in this channel: customs registers
//!    organizations on the system channel and records cleared declarations in an enterprise's
//!    channel; an enterprise records its own items, contracts, movements and norm commitments in
//!    its own channel and nothing anywhere else (`SignerNotAuthorized`, `ChannelNotOwned`,
//!    `UnknownChannel`).
//! 5. The envelope was not ordered before (`Replayed`).
//! 6. The payload is valid by the domain model (`Invalid`), and consistent with the channel's
//!    records: unique declaration numbers across the whole ledger (`DuplicateDeclaration`),
//!    known items (`UnknownItem`), units in the item's dimension (`UnitMismatch`), materials on
//!    import lines and products on export lines (`ItemKindMismatch`).
//! 7. A verdict comes from a registered enclave (its verdict key is the signer's only key) into
//!    the channel of the enterprise it names, the enclave is hosted by customs or by that
//!    enterprise itself (an authorized economic operator's own enclave speaks for no one else:
//!    `SignerNotAuthorized`), and the channel block it names is still the
//!    channel's newest, with nothing else accepted into that channel earlier in the same batch
//!    (`VerdictNotCurrent`).
//!
//! Acceptance only ever depends on records existing or not (and, for a verdict, on the channel's
//! head before the batch, which a replay reproduces), and system-channel records never depend on
//! enterprise channels, so replaying the accepted transactions block by block, in the
//! order of the batches, accepts every one of them again: that is what `bonded verify` does.
//!
//! Signatures are not checked here. The node checks them on admission, before a transaction
//! can reach a batch, and `bonded verify` checks them again over the stored chain.

use std::collections::{BTreeMap, HashMap, HashSet};

use bonded_model::{
    ApprovedCode, AttestationTrust, BalanceColumn, Declaration, EnclaveRegistration, ItemKind,
    ModelError, Movement, OrganizationId, OrganizationKind, OrganizationRecord, Unit,
    VerdictRecord,
};
use serde::{Deserialize, Serialize};

use crate::block::{Batch, Block, BlockHeader, BLOCK_VERSION};
use crate::merkle::MerkleTree;
use crate::transaction::EnvelopeError;
use crate::TransactionBody;
use crate::{ChannelId, DecodedTransaction, Genesis, Hash, Payload, PublicKeyBytes};

/// A transaction's place in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub channel: ChannelId,
    pub height: u64,
    pub index: u32,
}

/// The newest block of a channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelHead {
    pub height: u64,
    pub hash: Hash,
    pub transaction_count: u64,
}

/// What the state machine remembers of an item to check lines against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemEntry {
    pub kind: ItemKind,
    pub unit: Unit,
}

/// What the chain was started with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainInfo {
    pub chain_id: String,
    pub customs: OrganizationId,
    pub orderer_keys: Vec<PublicKeyBytes>,
    /// The attestation roots enclave registrations are checked against, fixed at genesis.
    pub attestation: AttestationTrust,
    /// Enclave code customs governance has approved, in order of approval.
    pub approved_code: Vec<ApprovedCode>,
}

/// Read access to the ledger state. The store implements it over its tables.
pub trait StateView {
    fn chain(&self) -> Option<ChainInfo>;
    fn organization_of_key(&self, key: &PublicKeyBytes) -> Option<OrganizationId>;
    fn organization(&self, id: &OrganizationId) -> Option<OrganizationRecord>;
    fn transaction_seen(&self, hash: &Hash) -> bool;
    fn declaration_seen(&self, number: &str) -> bool;
    fn item(&self, channel: &ChannelId, code: &str) -> Option<ItemEntry>;
    fn contract_seen(&self, channel: &ChannelId, number: &str) -> bool;
    fn head(&self, channel: &ChannelId) -> Option<ChannelHead>;
}

/// A named reason for refusing a transaction. Each maps to one documented API reason code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Rejection {
    #[error("transaction is malformed: {0}")]
    Malformed(String),
    #[error("signature does not verify for the stated signer")]
    BadSignature,
    #[error("transaction names chain {found:?}, this ledger is {expected:?}")]
    WrongChain { expected: String, found: String },
    #[error("the ledger has no genesis yet; the first transaction must be the genesis")]
    GenesisRequired,
    #[error("the ledger already has a genesis")]
    GenesisRepeated,
    #[error("signer key is not registered to any organization")]
    UnregisteredSigner,
    #[error("{organization} may not record {kind} transactions")]
    SignerNotAuthorized { organization: String, kind: String },
    #[error("{organization} may not write to channel {channel}")]
    ChannelNotOwned {
        organization: String,
        channel: String,
    },
    #[error("channel {0} does not exist")]
    UnknownChannel(String),
    #[error("transaction {0} was already ordered")]
    Replayed(Hash),
    #[error("declaration number {0} is already recorded")]
    DuplicateDeclaration(String),
    #[error("organization {0} is already registered")]
    DuplicateOrganization(String),
    #[error("a key is already registered to {0}")]
    DuplicateKey(String),
    #[error("item {0} is already in this channel's catalogue")]
    DuplicateItem(String),
    #[error("contract {0} is already recorded")]
    DuplicateContract(String),
    #[error("item {0} is not in this channel's catalogue")]
    UnknownItem(String),
    #[error("item {item} is kept in {item_unit}; {line_unit} measures another dimension")]
    UnitMismatch {
        item: String,
        line_unit: String,
        item_unit: String,
    },
    #[error("item {item} is a {found}, but a {type_code} line needs a {expected}")]
    ItemKindMismatch {
        item: String,
        type_code: String,
        expected: String,
        found: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("enclave attestation refused: {0}")]
    AttestationRefused(String),
    #[error(
        "the verdict was computed on channel block {named}, but the channel has moved on to \
         block {current}; run the verification again"
    )]
    VerdictNotCurrent { named: u64, current: String },
}

impl Rejection {
    /// The stable reason code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Malformed(_) => "Malformed",
            Rejection::BadSignature => "BadSignature",
            Rejection::WrongChain { .. } => "WrongChain",
            Rejection::GenesisRequired => "GenesisRequired",
            Rejection::GenesisRepeated => "GenesisRepeated",
            Rejection::UnregisteredSigner => "UnregisteredSigner",
            Rejection::SignerNotAuthorized { .. } => "SignerNotAuthorized",
            Rejection::ChannelNotOwned { .. } => "ChannelNotOwned",
            Rejection::UnknownChannel(_) => "UnknownChannel",
            Rejection::Replayed(_) => "Replayed",
            Rejection::DuplicateDeclaration(_) => "DuplicateDeclaration",
            Rejection::DuplicateOrganization(_) => "DuplicateOrganization",
            Rejection::DuplicateKey(_) => "DuplicateKey",
            Rejection::DuplicateItem(_) => "DuplicateItem",
            Rejection::DuplicateContract(_) => "DuplicateContract",
            Rejection::UnknownItem(_) => "UnknownItem",
            Rejection::UnitMismatch { .. } => "UnitMismatch",
            Rejection::ItemKindMismatch { .. } => "ItemKindMismatch",
            Rejection::Invalid(_) => "Invalid",
            Rejection::AttestationRefused(_) => "AttestationRefused",
            Rejection::VerdictNotCurrent { .. } => "VerdictNotCurrent",
        }
    }
}

impl From<EnvelopeError> for Rejection {
    fn from(error: EnvelopeError) -> Self {
        Rejection::Malformed(error.to_string())
    }
}

impl From<ModelError> for Rejection {
    fn from(error: ModelError) -> Self {
        Rejection::Invalid(error.to_string())
    }
}

/// The decision on one transaction of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Accepted(Location),
    Rejected(Rejection),
}

/// Everything a batch changes, to be written atomically with its blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateChanges {
    pub chain: Option<ChainInfo>,
    pub organizations: BTreeMap<OrganizationId, OrganizationRecord>,
    pub keys: BTreeMap<PublicKeyBytes, OrganizationId>,
    pub transactions: HashMap<Hash, Location>,
    pub declarations: HashMap<String, Hash>,
    pub items: HashMap<(ChannelId, String), ItemEntry>,
    pub contracts: HashSet<(ChannelId, String)>,
    pub heads: BTreeMap<ChannelId, ChannelHead>,
}

/// The result of applying one batch.
#[derive(Clone, Debug)]
pub struct BatchOutcome {
    /// New blocks, unsigned, one per channel touched, system channel first.
    pub blocks: Vec<Block>,
    /// The Merkle tree of each block, in the order of `blocks`, kept for receipts.
    pub trees: Vec<MerkleTree>,
    /// One decision per transaction of the batch, in batch order, with its hash.
    pub decisions: Vec<(Hash, Decision)>,
    pub changes: StateChanges,
}

/// Reads through the batch's own changes to the state underneath.
struct Overlay<'a, V: StateView + ?Sized> {
    base: &'a V,
    changes: StateChanges,
    /// The batch's time, set by the orderer: the time attestation is checked at.
    time_ms: i64,
}

impl<V: StateView + ?Sized> Overlay<'_, V> {
    fn chain(&self) -> Option<ChainInfo> {
        self.changes.chain.clone().or_else(|| self.base.chain())
    }

    fn organization_of_key(&self, key: &PublicKeyBytes) -> Option<OrganizationId> {
        self.changes
            .keys
            .get(key)
            .cloned()
            .or_else(|| self.base.organization_of_key(key))
    }

    fn organization(&self, id: &OrganizationId) -> Option<OrganizationRecord> {
        self.changes
            .organizations
            .get(id)
            .cloned()
            .or_else(|| self.base.organization(id))
    }

    fn transaction_seen(&self, hash: &Hash) -> bool {
        self.changes.transactions.contains_key(hash) || self.base.transaction_seen(hash)
    }

    fn declaration_seen(&self, number: &str) -> bool {
        self.changes.declarations.contains_key(number) || self.base.declaration_seen(number)
    }

    fn item(&self, channel: &ChannelId, code: &str) -> Option<ItemEntry> {
        let key = (channel.clone(), code.to_string());
        self.changes
            .items
            .get(&key)
            .copied()
            .or_else(|| self.base.item(channel, code))
    }

    fn contract_seen(&self, channel: &ChannelId, number: &str) -> bool {
        let key = (channel.clone(), number.to_string());
        self.changes.contracts.contains(&key) || self.base.contract_seen(channel, number)
    }
}

/// Applies `batch`, the `sequence`-th batch of the total order, on top of `state`.
pub fn apply_batch<V: StateView + ?Sized>(state: &V, sequence: u64, batch: &Batch) -> BatchOutcome {
    let mut overlay = Overlay {
        base: state,
        changes: StateChanges::default(),
        time_ms: batch.timestamp_ms,
    };
    let mut accepted: Vec<(ChannelId, Hash, Vec<u8>)> = Vec::new();
    let mut decisions = Vec::with_capacity(batch.transactions.len());

    for envelope in &batch.transactions {
        match admit(&mut overlay, envelope) {
            Ok(transaction) => {
                overlay.changes.transactions.insert(
                    transaction.hash,
                    Location {
                        channel: transaction.body.channel.clone(),
                        height: 0,
                        index: 0,
                    },
                );
                decisions.push((transaction.hash, None));
                accepted.push((transaction.body.channel, transaction.hash, envelope.clone()));
            }
            Err(refused) => {
                let (hash, rejection) = *refused;
                decisions.push((hash, Some(rejection)));
            }
        }
    }

    let (blocks, trees) = build_blocks(&mut overlay, sequence, batch.timestamp_ms, accepted);
    let decisions = decisions
        .into_iter()
        .map(|(hash, rejection)| match rejection {
            Some(rejection) => (hash, Decision::Rejected(rejection)),
            None => {
                let location = overlay.changes.transactions[&hash].clone();
                (hash, Decision::Accepted(location))
            }
        })
        .collect();
    BatchOutcome {
        blocks,
        trees,
        decisions,
        changes: overlay.changes,
    }
}

/// Groups accepted envelopes into one block per channel and records their locations.
fn build_blocks<V: StateView + ?Sized>(
    overlay: &mut Overlay<'_, V>,
    sequence: u64,
    timestamp_ms: i64,
    accepted: Vec<(ChannelId, Hash, Vec<u8>)>,
) -> (Vec<Block>, Vec<MerkleTree>) {
    let mut order: Vec<ChannelId> = Vec::new();
    let mut grouped: HashMap<ChannelId, (Vec<Hash>, Vec<Vec<u8>>)> = HashMap::new();
    for (channel, hash, envelope) in accepted {
        let entry = grouped.entry(channel.clone()).or_insert_with(|| {
            order.push(channel);
            (Vec::new(), Vec::new())
        });
        entry.0.push(hash);
        entry.1.push(envelope);
    }
    // The system channel goes first: enterprise records may depend on a registration made
    // earlier in the same batch, never the other way round, so a replay block by block in
    // this order accepts what the batch accepted.
    order.sort_by_key(|channel| !channel.is_system());
    let chain_id = overlay
        .chain()
        .map(|chain| chain.chain_id)
        .unwrap_or_default();

    let mut blocks = Vec::with_capacity(order.len());
    let mut trees = Vec::with_capacity(order.len());
    for channel in order {
        let (hashes, transactions) = grouped.remove(&channel).expect("grouped by the same keys");
        let position = BlockPosition {
            chain_id: &chain_id,
            channel,
            sequence,
            timestamp_ms,
        };
        let (block, tree) = seal_block(overlay, position, hashes, transactions);
        blocks.push(block);
        trees.push(tree);
    }
    (blocks, trees)
}

/// Where a new block goes: its chain, channel and the batch that produces it.
struct BlockPosition<'a> {
    chain_id: &'a str,
    channel: ChannelId,
    sequence: u64,
    timestamp_ms: i64,
}

/// Seals one channel's accepted envelopes, whose leaf hashes are `hashes`, into its next block.
fn seal_block<V: StateView + ?Sized>(
    overlay: &mut Overlay<'_, V>,
    position: BlockPosition<'_>,
    hashes: Vec<Hash>,
    transactions: Vec<Vec<u8>>,
) -> (Block, MerkleTree) {
    let channel = position.channel;
    let previous = overlay.base.head(&channel);
    let (height, previous_hash, previous_count) = match &previous {
        Some(head) => (head.height + 1, head.hash, head.transaction_count),
        None => (0, Hash::ZERO, 0),
    };
    let tree = MerkleTree::from_leaf_hashes(hashes);
    let header = BlockHeader {
        version: BLOCK_VERSION,
        chain_id: position.chain_id.to_string(),
        channel: channel.clone(),
        height,
        previous_hash,
        merkle_root: tree.root(),
        transaction_count: transactions.len() as u32,
        batch: position.sequence,
        timestamp_ms: position.timestamp_ms,
    };
    for (index, hash) in tree.leaves().iter().enumerate() {
        let location = overlay
            .changes
            .transactions
            .get_mut(hash)
            .expect("every accepted transaction has a provisional location");
        location.height = height;
        location.index = index as u32;
    }
    overlay.changes.heads.insert(
        channel,
        ChannelHead {
            height,
            hash: header.hash(),
            transaction_count: previous_count + transactions.len() as u64,
        },
    );
    let block = Block {
        header,
        transactions,
        signatures: Vec::new(),
    };
    (block, tree)
}

/// Decides one envelope; on acceptance its effects are already in the overlay.
fn admit<V: StateView + ?Sized>(
    overlay: &mut Overlay<'_, V>,
    envelope: &[u8],
) -> Result<DecodedTransaction, Box<(Hash, Rejection)>> {
    let hash = crate::merkle::leaf_hash(envelope);
    let decoded = crate::transaction::decode_envelope(envelope, hash)
        .map_err(|error| Box::new((hash, Rejection::from(error))))?;
    check(overlay, &decoded).map_err(|rejection| Box::new((hash, rejection)))?;
    Ok(decoded)
}

fn check<V: StateView + ?Sized>(
    overlay: &mut Overlay<'_, V>,
    transaction: &DecodedTransaction,
) -> Result<(), Rejection> {
    let body = &transaction.body;
    let Some(chain) = overlay.chain() else {
        return match &body.payload {
            Payload::Genesis(genesis) => apply_genesis(overlay, transaction, genesis),
            _ => Err(Rejection::GenesisRequired),
        };
    };
    if body.chain_id != chain.chain_id {
        return Err(Rejection::WrongChain {
            expected: chain.chain_id,
            found: body.chain_id.clone(),
        });
    }
    if matches!(body.payload, Payload::Genesis(_)) {
        return Err(Rejection::GenesisRepeated);
    }
    let signer = overlay
        .organization_of_key(&transaction.signer)
        .and_then(|id| overlay.organization(&id))
        .ok_or(Rejection::UnregisteredSigner)?;
    authorize(overlay, &signer, body)?;
    if overlay.transaction_seen(&transaction.hash) {
        return Err(Rejection::Replayed(transaction.hash));
    }
    apply_payload(overlay, transaction)
}

fn apply_genesis<V: StateView + ?Sized>(
    overlay: &mut Overlay<'_, V>,
    transaction: &DecodedTransaction,
    genesis: &Genesis,
) -> Result<(), Rejection> {
    genesis.customs.validate()?;
    if !genesis.customs.is_customs() {
        return Err(Rejection::Invalid(
            "the genesis organization must be customs".into(),
        ));
    }
    if !transaction.body.channel.is_system() {
        return Err(Rejection::ChannelNotOwned {
            organization: genesis.customs.id.to_string(),
            channel: transaction.body.channel.to_string(),
        });
    }
    if !genesis.customs_keys.contains(&transaction.signer) {
        return Err(Rejection::UnregisteredSigner);
    }
    check_keys(&genesis.customs_keys)?;
    check_keys(&genesis.orderer_keys)?;
    if genesis.orderer_keys.is_empty() {
        return Err(Rejection::Invalid(
            "the genesis must name at least one orderer key".into(),
        ));
    }
    let changes = &mut overlay.changes;
    changes.chain = Some(ChainInfo {
        chain_id: transaction.body.chain_id.clone(),
        customs: genesis.customs.id.clone(),
        orderer_keys: genesis.orderer_keys.clone(),
        attestation: genesis.attestation.clone(),
        approved_code: Vec::new(),
    });
    for key in &genesis.customs_keys {
        changes.keys.insert(*key, genesis.customs.id.clone());
    }
    changes
        .organizations
        .insert(genesis.customs.id.clone(), genesis.customs.clone());
    Ok(())
}

/// Checks that the signer's organization may record this kind in this channel.
fn authorize<V: StateView + ?Sized>(
    overlay: &Overlay<'_, V>,
    signer: &OrganizationRecord,
    body: &TransactionBody,
) -> Result<(), Rejection> {
    let not_authorized = || Rejection::SignerNotAuthorized {
        organization: signer.id.to_string(),
        kind: body.payload.kind().to_string(),
    };
    let not_owned = || Rejection::ChannelNotOwned {
        organization: signer.id.to_string(),
        channel: body.channel.to_string(),
    };
    match &body.payload {
        Payload::Genesis(_) => Err(Rejection::GenesisRepeated),
        Payload::RegisterOrganization { .. } | Payload::ApproveEnclaveCode(_) => {
            if !signer.is_customs() {
                return Err(not_authorized());
            }
            if !body.channel.is_system() {
                return Err(not_owned());
            }
            Ok(())
        }
        Payload::RegisterEnclave(_) => {
            if !crate::enclave::may_host(signer) {
                return Err(not_authorized());
            }
            if !body.channel.is_system() {
                return Err(not_owned());
            }
            Ok(())
        }
        Payload::Declaration(_) => {
            if !signer.is_customs() {
                return Err(not_authorized());
            }
            require_enterprise_channel(overlay, &body.channel)
        }
        Payload::Decision(decision) => {
            if !signer.is_customs() {
                return Err(not_authorized());
            }
            if body.channel != ChannelId::enterprise(&decision.enterprise) {
                return Err(not_owned());
            }
            require_enterprise_channel(overlay, &body.channel)
        }
        Payload::Verdict(verdict) => {
            let OrganizationKind::Enclave { host, .. } = &signer.kind else {
                return Err(not_authorized());
            };
            let hosted_by_customs = overlay
                .organization(host)
                .is_some_and(|record| record.is_customs());
            if !hosted_by_customs && host != &verdict.enterprise {
                return Err(not_authorized());
            }
            if body.channel != ChannelId::enterprise(&verdict.enterprise) {
                return Err(not_owned());
            }
            require_enterprise_channel(overlay, &body.channel)
        }
        Payload::Item(_)
        | Payload::Contract(_)
        | Payload::Movement(_)
        | Payload::NormCommitment(_) => {
            if !matches!(signer.kind, OrganizationKind::Enterprise { .. }) {
                return Err(not_authorized());
            }
            if body.channel != ChannelId::enterprise(&signer.id) {
                return Err(not_owned());
            }
            Ok(())
        }
    }
}

fn require_enterprise_channel<V: StateView + ?Sized>(
    overlay: &Overlay<'_, V>,
    channel: &ChannelId,
) -> Result<(), Rejection> {
    let organization = overlay.organization(&OrganizationId(channel.0.clone()));
    match organization {
        Some(record) if matches!(record.kind, OrganizationKind::Enterprise { .. }) => Ok(()),
        _ => Err(Rejection::UnknownChannel(channel.to_string())),
    }
}

/// Validates the payload against the state and records its effects.
fn apply_payload<V: StateView + ?Sized>(
    overlay: &mut Overlay<'_, V>,
    transaction: &DecodedTransaction,
) -> Result<(), Rejection> {
    let channel = &transaction.body.channel;
    match &transaction.body.payload {
        Payload::Genesis(_) => Err(Rejection::GenesisRepeated),
        Payload::RegisterOrganization { organization, keys } => {
            register_organization(overlay, organization, keys)
        }
        Payload::Item(item) => {
            item.validate()?;
            if overlay.item(channel, &item.code).is_some() {
                return Err(Rejection::DuplicateItem(item.code.clone()));
            }
            let entry = ItemEntry {
                kind: item.kind,
                unit: item.unit,
            };
            overlay
                .changes
                .items
                .insert((channel.clone(), item.code.clone()), entry);
            Ok(())
        }
        Payload::Contract(contract) => {
            contract.validate()?;
            if overlay.contract_seen(channel, &contract.number) {
                return Err(Rejection::DuplicateContract(contract.number.clone()));
            }
            overlay
                .changes
                .contracts
                .insert((channel.clone(), contract.number.clone()));
            Ok(())
        }
        Payload::Declaration(declaration) => {
            check_declaration(overlay, channel, declaration)?;
            overlay
                .changes
                .declarations
                .insert(declaration.number.clone(), transaction.hash);
            Ok(())
        }
        Payload::Movement(movement) => check_movement(overlay, channel, movement),
        Payload::NormCommitment(commitment) => Ok(commitment.validate()?),
        Payload::ApproveEnclaveCode(code) => {
            let mut chain = overlay.chain().ok_or(Rejection::GenesisRequired)?;
            crate::enclave::approve(&mut chain, *code)?;
            overlay.changes.chain = Some(chain);
            Ok(())
        }
        Payload::RegisterEnclave(registration) => {
            register_enclave(overlay, &transaction.signer, registration)
        }
        Payload::Verdict(verdict) => {
            verdict.validate()?;
            check_verdict_current(overlay, channel, verdict)
        }
        Payload::Decision(decision) => Ok(decision.validate()?),
    }
}

/// A verdict stands only on the channel's newest block: the one before this batch, with nothing
/// accepted into the channel earlier in the batch (that would move the head under it).
fn check_verdict_current<V: StateView + ?Sized>(
    overlay: &Overlay<'_, V>,
    channel: &ChannelId,
    verdict: &VerdictRecord,
) -> Result<(), Rejection> {
    let head = overlay.base.head(channel);
    let moved_in_batch = overlay
        .changes
        .transactions
        .values()
        .any(|location| &location.channel == channel);
    let current = head.as_ref().is_some_and(|head| {
        head.height == verdict.channel_height && head.hash.0 == verdict.channel_head
    });
    if current && !moved_in_batch {
        return Ok(());
    }
    let current = match (&head, moved_in_batch) {
        (_, true) => "a block of this batch".to_string(),
        (Some(head), false) => format!("{} ({})", head.height, head.hash),
        (None, false) => "none".to_string(),
    };
    Err(Rejection::VerdictNotCurrent {
        named: verdict.channel_height,
        current,
    })
}

fn register_enclave<V: StateView + ?Sized>(
    overlay: &mut Overlay<'_, V>,
    signer: &PublicKeyBytes,
    registration: &EnclaveRegistration,
) -> Result<(), Rejection> {
    registration.validate()?;
    let chain = overlay.chain().ok_or(Rejection::GenesisRequired)?;
    let host = overlay
        .organization_of_key(signer)
        .and_then(|id| overlay.organization(&id))
        .ok_or(Rejection::UnregisteredSigner)?;
    let record = crate::enclave::attest(&chain, &host, registration, overlay.time_ms)?;
    register_organization(overlay, &record, &[registration.verdict_key])
}

fn register_organization<V: StateView + ?Sized>(
    overlay: &mut Overlay<'_, V>,
    organization: &OrganizationRecord,
    keys: &[PublicKeyBytes],
) -> Result<(), Rejection> {
    organization.validate()?;
    if organization.id.0 == ChannelId::SYSTEM_NAME
        || overlay.organization(&organization.id).is_some()
    {
        return Err(Rejection::DuplicateOrganization(
            organization.id.to_string(),
        ));
    }
    if keys.is_empty() {
        return Err(Rejection::Invalid(
            "an organization needs at least one key".into(),
        ));
    }
    check_keys(keys)?;
    for key in keys {
        if let Some(owner) = overlay.organization_of_key(key) {
            return Err(Rejection::DuplicateKey(owner.to_string()));
        }
    }
    for key in keys {
        overlay.changes.keys.insert(*key, organization.id.clone());
    }
    overlay
        .changes
        .organizations
        .insert(organization.id.clone(), organization.clone());
    Ok(())
}

/// Refuses keys that are not Ed25519 points, or whose small order would let signatures be
/// forged for them.
fn check_keys(keys: &[PublicKeyBytes]) -> Result<(), Rejection> {
    for key in keys {
        let usable = ed25519_dalek::VerifyingKey::from_bytes(key).is_ok_and(|key| !key.is_weak());
        if !usable {
            return Err(Rejection::Invalid(format!(
                "key {} is not a usable Ed25519 public key",
                hex::encode(key)
            )));
        }
    }
    Ok(())
}

fn check_declaration<V: StateView + ?Sized>(
    overlay: &Overlay<'_, V>,
    channel: &ChannelId,
    declaration: &Declaration,
) -> Result<(), Rejection> {
    declaration.validate()?;
    if overlay.declaration_seen(&declaration.number) {
        return Err(Rejection::DuplicateDeclaration(declaration.number.clone()));
    }
    let expected_kind = match declaration.type_code.column() {
        BalanceColumn::MaterialImported | BalanceColumn::MaterialReexported => {
            Some(ItemKind::Material)
        }
        BalanceColumn::ProductExported | BalanceColumn::ProductReturned => Some(ItemKind::Product),
        BalanceColumn::MaterialRepurposed | BalanceColumn::OutsideBalance => None,
    };
    for line in &declaration.lines {
        let item = check_item_unit(overlay, channel, &line.item_code, line.unit)?;
        if let Some(expected) = expected_kind.filter(|expected| *expected != item.kind) {
            return Err(Rejection::ItemKindMismatch {
                item: line.item_code.clone(),
                type_code: declaration.type_code.to_string(),
                expected: kind_name(expected).into(),
                found: kind_name(item.kind).into(),
            });
        }
    }
    Ok(())
}

fn check_movement<V: StateView + ?Sized>(
    overlay: &Overlay<'_, V>,
    channel: &ChannelId,
    movement: &Movement,
) -> Result<(), Rejection> {
    movement.validate()?;
    check_item_unit(overlay, channel, &movement.item_code, movement.unit)?;
    Ok(())
}

fn check_item_unit<V: StateView + ?Sized>(
    overlay: &Overlay<'_, V>,
    channel: &ChannelId,
    code: &str,
    unit: Unit,
) -> Result<ItemEntry, Rejection> {
    let item = overlay
        .item(channel, code)
        .ok_or_else(|| Rejection::UnknownItem(code.to_string()))?;
    if item.unit.dimension() != unit.dimension() {
        return Err(Rejection::UnitMismatch {
            item: code.to_string(),
            line_unit: unit.to_string(),
            item_unit: item.unit.to_string(),
        });
    }
    Ok(item)
}

fn kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Material => "material",
        ItemKind::Product => "product",
    }
}

/// The whole state in memory: used by `bonded verify` and by tests.
#[derive(Clone, Debug, Default)]
pub struct MemoryState {
    chain: Option<ChainInfo>,
    organizations: HashMap<OrganizationId, OrganizationRecord>,
    keys: HashMap<PublicKeyBytes, OrganizationId>,
    transactions: HashMap<Hash, Location>,
    declarations: HashMap<String, Hash>,
    items: HashMap<(ChannelId, String), ItemEntry>,
    contracts: HashSet<(ChannelId, String)>,
    heads: HashMap<ChannelId, ChannelHead>,
}

impl MemoryState {
    /// Folds a batch's changes into the state.
    pub fn commit(&mut self, changes: StateChanges) {
        if changes.chain.is_some() {
            self.chain = changes.chain;
        }
        self.organizations.extend(changes.organizations);
        self.keys.extend(changes.keys);
        self.transactions.extend(changes.transactions);
        self.declarations.extend(changes.declarations);
        self.items.extend(changes.items);
        self.contracts.extend(changes.contracts);
        self.heads.extend(changes.heads);
    }

    pub fn location(&self, hash: &Hash) -> Option<&Location> {
        self.transactions.get(hash)
    }

    pub fn transaction_count(&self) -> usize {
        self.transactions.len()
    }
}

impl StateView for MemoryState {
    fn chain(&self) -> Option<ChainInfo> {
        self.chain.clone()
    }

    fn organization_of_key(&self, key: &PublicKeyBytes) -> Option<OrganizationId> {
        self.keys.get(key).cloned()
    }

    fn organization(&self, id: &OrganizationId) -> Option<OrganizationRecord> {
        self.organizations.get(id).cloned()
    }

    fn transaction_seen(&self, hash: &Hash) -> bool {
        self.transactions.contains_key(hash)
    }

    fn declaration_seen(&self, number: &str) -> bool {
        self.declarations.contains_key(number)
    }

    fn item(&self, channel: &ChannelId, code: &str) -> Option<ItemEntry> {
        self.items
            .get(&(channel.clone(), code.to_string()))
            .copied()
    }

    fn contract_seen(&self, channel: &ChannelId, number: &str) -> bool {
        self.contracts
            .contains(&(channel.clone(), number.to_string()))
    }

    fn head(&self, channel: &ChannelId) -> Option<ChannelHead> {
        self.heads.get(channel).cloned()
    }
}
