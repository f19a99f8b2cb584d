//! The shared fixture: a chain with customs, one orderer and two enterprises with catalogues.
//!
//! Every key comes from a fixed seed and every batch time from the batch's sequence number, so
//! two fixtures built the same way produce byte-identical chains. Transactions are signed with a
//! nonce counter, so that two equal facts still hash differently.

// Each test binary uses a different part of the fixture; the rest would be dead code there.
#![allow(dead_code)]

use std::cell::Cell;

use bonded_ledger::block::Batch;
use bonded_ledger::state::{Decision, Location};
use bonded_ledger::transaction::signing_message;
use bonded_ledger::verify::StoredBatch;
use bonded_ledger::{
    apply_batch, BatchOutcome, Block, ChannelId, Genesis, MemoryState, OrdererSignature, Payload,
    SignedTransaction, StateView, TransactionBody,
};
use bonded_model::{
    AttestationTrust, Contract, Decimal, Declaration, DeclarationLine, HsCode, IntakeGroup, Item,
    ItemKind, LossConvention, Movement, MovementKind, NaiveDate, NormCommitment, OrganizationId,
    OrganizationKind, OrganizationRecord, Regime, TaxCode, Unit,
};
use ed25519_dalek::{Signer, SigningKey};

pub const CHAIN_ID: &str = "bonded-test";
pub const CUSTOMS: &str = "CUSTOMS-GDVC";
pub const ENTERPRISE_A: &str = "ENT-0301234567";
pub const ENTERPRISE_B: &str = "ENT-0107654321";
/// Batch times are this plus one second per batch: no clock is read.
pub const EPOCH_MS: i64 = 1_767_225_600_000;

/// Enterprise A processes garments (gia công): fabric in metres, thread in kilograms, shirts.
pub const FABRIC: &str = "NL-VAI";
pub const THREAD: &str = "NL-CHI";
pub const SHIRT: &str = "SP-AO";
/// Enterprise B produces shoes for export: leather in kilograms, soles in pieces, shoes in pairs.
pub const LEATHER: &str = "NL-DA";
pub const SOLE: &str = "NL-DE";
pub const SHOE: &str = "SP-GIAY";

/// The simulated SGX platform the fixture's chain trusts, seeded so every run is the same.
pub fn enclave_platform() -> bonded_tee::SimulatedSgx {
    bonded_tee::SimulatedSgx::from_secret(
        [42; 32],
        &enclave_program(1),
        bonded_tee::SimulationSettings::default(),
    )
    .expect("simulated platform")
}

/// The enclave program of the fixture, at a security version.
pub fn enclave_program(security_version: u16) -> bonded_tee::EnclaveProgram {
    bonded_tee::EnclaveProgram::from_code(
        b"bonded verifier enclave (test build)",
        b"bonded enclave signer (test)",
        1,
        security_version,
    )
}

pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

pub fn public(key: &SigningKey) -> [u8; 32] {
    key.verifying_key().to_bytes()
}

pub fn system() -> ChannelId {
    ChannelId::system()
}

pub fn channel(organization: &str) -> ChannelId {
    ChannelId(organization.to_string())
}

pub fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).expect("a day of March")
}

pub fn decimal(text: &str) -> Decimal {
    text.parse().expect("a decimal literal")
}

pub fn customs_record(id: &str) -> OrganizationRecord {
    OrganizationRecord {
        id: OrganizationId(id.to_string()),
        name: "Tổng cục Hải quan".to_string(),
        kind: OrganizationKind::Customs,
    }
}

pub fn enterprise_record(id: &str, tax_code: &str) -> OrganizationRecord {
    OrganizationRecord {
        id: OrganizationId(id.to_string()),
        name: format!("Công ty {id}"),
        kind: OrganizationKind::Enterprise {
            tax_code: TaxCode(tax_code.to_string()),
            authorized_economic_operator: false,
            intake_group: IntakeGroup::new(2).expect("group 2 exists"),
        },
    }
}

pub fn register(organization: OrganizationRecord, keys: Vec<[u8; 32]>) -> Payload {
    Payload::RegisterOrganization { organization, keys }
}

pub fn item(code: &str, kind: ItemKind, unit: Unit) -> Payload {
    Payload::Item(Item {
        code: code.to_string(),
        kind,
        name: format!("hàng {code}"),
        unit,
        hs_code: HsCode("52081100".to_string()),
    })
}

pub fn line(number: u32, item_code: &str, quantity: &str, unit: Unit) -> DeclarationLine {
    DeclarationLine {
        line_number: number,
        item_code: item_code.to_string(),
        quantity: decimal(quantity),
        unit,
        value_vnd: Decimal::from(1_000_000),
    }
}

pub fn declaration_of(number: &str, type_code: &str, lines: Vec<DeclarationLine>) -> Declaration {
    Declaration {
        number: number.to_string(),
        type_code: type_code.parse().expect("a known type code"),
        date: date(2),
        contract: None,
        lines,
    }
}

pub fn declaration(number: &str, type_code: &str, lines: Vec<DeclarationLine>) -> Payload {
    Payload::Declaration(declaration_of(number, type_code, lines))
}

pub fn movement(item_code: &str, kind: MovementKind, quantity: &str, unit: Unit) -> Payload {
    Payload::Movement(Movement {
        date: date(3),
        item_code: item_code.to_string(),
        kind,
        quantity: decimal(quantity),
        unit,
        reference: "PX-0001".to_string(),
    })
}

pub fn contract(number: &str) -> Payload {
    Payload::Contract(Contract {
        number: number.to_string(),
        regime: Regime::Processing,
        foreign_party: "Foreign Trader Ltd".to_string(),
        valid_from: date(1),
        valid_to: date(31),
        products: vec![SHIRT.to_string()],
    })
}

pub fn norm_commitment(version: u32) -> Payload {
    Payload::NormCommitment(NormCommitment {
        regime: Regime::Processing,
        version,
        valid_from: date(1),
        valid_to: None,
        loss_convention: LossConvention::Included,
        commitment: [version as u8; 32],
        norm_count: 3,
        envelopes: Vec::new(),
    })
}

/// Builds an envelope around arbitrary body bytes, signed like a real one.
pub fn envelope_from_body(body: &[u8], key: &SigningKey) -> Vec<u8> {
    let signature = key.sign(&signing_message(body));
    let mut bytes = vec![1u8];
    bytes.extend_from_slice(key.verifying_key().as_bytes());
    bytes.extend_from_slice(&signature.to_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// A batch applied to the fixture's chain, with what the state machine decided.
#[derive(Clone, Debug)]
pub struct Applied {
    pub sequence: u64,
    pub batch: Batch,
    pub outcome: BatchOutcome,
}

/// A running chain: keys, the committed state and every batch applied so far.
pub struct Fixture {
    pub customs: SigningKey,
    pub orderer: SigningKey,
    pub enterprise_a: SigningKey,
    pub enterprise_b: SigningKey,
    /// A key registered to nobody.
    pub stranger: SigningKey,
    pub state: MemoryState,
    pub history: Vec<Applied>,
    nonce: Cell<u64>,
}

impl Fixture {
    /// An empty ledger with the keys but no genesis yet.
    pub fn empty() -> Self {
        Fixture {
            customs: key(1),
            orderer: key(2),
            enterprise_a: key(3),
            enterprise_b: key(4),
            stranger: key(9),
            state: MemoryState::default(),
            history: Vec::new(),
            nonce: Cell::new(0),
        }
    }

    /// Genesis (batch 0), both enterprises registered (batch 1), their catalogues (batch 2).
    pub fn new() -> Self {
        let mut fixture = Fixture::empty();
        let genesis = fixture.genesis();
        fixture.apply_accepted(vec![genesis]);

        let register_a = fixture.sign(
            &fixture.customs,
            system(),
            register(
                enterprise_record(ENTERPRISE_A, "0301234567"),
                vec![public(&fixture.enterprise_a)],
            ),
        );
        let register_b = fixture.sign(
            &fixture.customs,
            system(),
            register(
                enterprise_record(ENTERPRISE_B, "0107654321"),
                vec![public(&fixture.enterprise_b)],
            ),
        );
        fixture.apply_accepted(vec![register_a, register_b]);

        let catalogue = vec![
            fixture.as_a(item(FABRIC, ItemKind::Material, Unit::Metre)),
            fixture.as_a(item(THREAD, ItemKind::Material, Unit::Kilogram)),
            fixture.as_a(item(SHIRT, ItemKind::Product, Unit::Piece)),
            fixture.as_b(item(LEATHER, ItemKind::Material, Unit::Kilogram)),
            fixture.as_b(item(SOLE, ItemKind::Material, Unit::Piece)),
            fixture.as_b(item(SHOE, ItemKind::Product, Unit::Pair)),
        ];
        fixture.apply_accepted(catalogue);
        fixture
    }

    pub fn genesis_payload(&self) -> Payload {
        Payload::Genesis(Genesis {
            customs: customs_record(CUSTOMS),
            customs_keys: vec![public(&self.customs)],
            orderer_keys: vec![public(&self.orderer)],
            attestation: AttestationTrust::Test {
                simulated_root: enclave_platform().attestation_root().der().to_vec(),
            },
        })
    }

    pub fn genesis(&self) -> Vec<u8> {
        self.sign(&self.customs, system(), self.genesis_payload())
    }

    /// Signs a body for this chain with the next nonce.
    pub fn sign(&self, key: &SigningKey, channel: ChannelId, payload: Payload) -> Vec<u8> {
        self.sign_for_chain(CHAIN_ID, key, channel, payload)
    }

    pub fn sign_for_chain(
        &self,
        chain_id: &str,
        key: &SigningKey,
        channel: ChannelId,
        payload: Payload,
    ) -> Vec<u8> {
        let nonce = self.nonce.get();
        self.nonce.set(nonce + 1);
        let body = TransactionBody {
            chain_id: chain_id.to_string(),
            channel,
            nonce,
            payload,
        };
        SignedTransaction::sign(&body, key)
            .expect("a fixture body fits an envelope")
            .into_bytes()
    }

    /// Enterprise A writing into its own channel.
    pub fn as_a(&self, payload: Payload) -> Vec<u8> {
        self.sign(&self.enterprise_a, channel(ENTERPRISE_A), payload)
    }

    /// Enterprise B writing into its own channel.
    pub fn as_b(&self, payload: Payload) -> Vec<u8> {
        self.sign(&self.enterprise_b, channel(ENTERPRISE_B), payload)
    }

    /// Customs recording a cleared declaration in an enterprise's channel.
    pub fn customs_into(&self, enterprise: &str, payload: Payload) -> Vec<u8> {
        self.sign(&self.customs, channel(enterprise), payload)
    }

    pub fn next_sequence(&self) -> u64 {
        self.history.len() as u64
    }

    pub fn batch(&self, transactions: Vec<Vec<u8>>) -> Batch {
        batch_at(self.next_sequence(), transactions)
    }

    /// Applies a batch on top of the fixture's state and commits it.
    pub fn apply(&mut self, transactions: Vec<Vec<u8>>) -> BatchOutcome {
        let sequence = self.next_sequence();
        let batch = self.batch(transactions);
        let outcome = apply_batch(&self.state, sequence, &batch);
        self.state.commit(outcome.changes.clone());
        self.history.push(Applied {
            sequence,
            batch,
            outcome: outcome.clone(),
        });
        outcome
    }

    /// Applies a batch that must be accepted in full.
    pub fn apply_accepted(&mut self, transactions: Vec<Vec<u8>>) -> BatchOutcome {
        let outcome = self.apply(transactions);
        assert_all_accepted(&outcome);
        outcome
    }

    /// Every block so far, signed by the orderer, grouped by batch as the store keeps them.
    pub fn stored_batches(&self) -> Vec<StoredBatch> {
        self.history
            .iter()
            .filter(|applied| !applied.outcome.blocks.is_empty())
            .map(|applied| StoredBatch {
                sequence: applied.sequence,
                blocks: applied
                    .outcome
                    .blocks
                    .iter()
                    .map(|block| sign_block(block.clone(), &self.orderer))
                    .collect(),
            })
            .collect()
    }

    pub fn head_hash(&self, channel: &ChannelId) -> bonded_ledger::Hash {
        self.state
            .head(channel)
            .expect("the channel has a block")
            .hash
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

pub fn batch_at(sequence: u64, transactions: Vec<Vec<u8>>) -> Batch {
    Batch {
        timestamp_ms: EPOCH_MS + sequence as i64 * 1000,
        transactions,
    }
}

/// Replaces a block's signatures with one orderer signature over its hash.
pub fn sign_block(mut block: Block, key: &SigningKey) -> Block {
    block.signatures = vec![OrdererSignature::sign(&block.hash(), key)];
    block
}

pub fn assert_all_accepted(outcome: &BatchOutcome) {
    for (position, (hash, decision)) in outcome.decisions.iter().enumerate() {
        assert!(
            matches!(decision, Decision::Accepted(_)),
            "transaction {position} ({hash}) must be accepted, got {decision:?}"
        );
    }
}

pub fn location(outcome: &BatchOutcome, position: usize) -> Location {
    match &outcome.decisions[position].1 {
        Decision::Accepted(location) => location.clone(),
        Decision::Rejected(rejection) => {
            panic!("transaction {position} must be accepted, was rejected: {rejection}")
        }
    }
}
