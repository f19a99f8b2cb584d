//! The authorization matrix of the state machine: every payload kind, signed by every kind of
//! signer into the system channel or an enterprise's channel, and the one decision each cell
//! must get.
//!
//! # How a cell is decided
//!
//! The shared fixture's chain (genesis, enterprises A and B with their catalogues) is extended
//! once with an authorized economic operator that has a catalogue of its own, approved enclave
//! code, an enclave customs hosts and an enclave the operator hosts on its own premises. Each
//! cell then signs one transaction and applies it, as a batch of its own, to that same state
//! without committing it: cells cannot influence one another, and the table can be read in any
//! order.
//!
//! Each payload is built valid for the channel it is written into (lines and movements use that
//! channel's own catalogue, a verdict names that channel's newest block, an enclave registration
//! carries a fresh quote that binds its keys to this chain), so a rejection can only come from
//! who signed the transaction and where it was written. Every accepted cell proves it: it passed
//! validation as well.
//!
//! Decisions and verdicts name the enterprise whose channel they are written into: enterprise A
//! on the system channel, and in the `OfBNamingA` rows enterprise A while written into B's
//! channel, the one place where the subject and the channel disagree.
//!
//! A genesis is refused before its signer is looked up, so on a running chain every signer gets
//! `GenesisRepeated`. The `FirstGenesis` rows apply a genesis to an empty ledger instead, where
//! the only key that counts is one the genesis itself lists for customs.
//!
//! Run with `--nocapture` to print the matrix as a markdown table.

mod common;

use std::fmt;

use bonded_ledger::state::Decision as Outcome;
use bonded_ledger::{apply_batch, ChannelId, Payload, StateView};
use bonded_model::{
    ApprovedCode, Decision, DecisionKind, EnclaveRegistration, IntakeGroup, ItemKind, Movement,
    MovementKind, OrganizationId, OrganizationKind, OrganizationRecord, TaxCode, Unit,
    VerdictRecord,
};
use bonded_tee::{CollateralSource, Platform, ReportData};
use common::*;
use ed25519_dalek::SigningKey;

/// The authorized economic operator the matrix adds to the fixture.
const AEO: &str = "ENT-0309999999";
/// The enclave customs hosts, and the one the operator hosts on its own premises.
const CUSTOMS_ENCLAVE: &str = "ENCLAVE-CUSTOMS-1";
const AEO_ENCLAVE: &str = "ENCLAVE-AEO-1";
/// A channel named for no organization.
const NOBODY: &str = "ENT-0300000000";

/// A payload kind; `FirstGenesis` is a genesis applied to an empty ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    FirstGenesis,
    Genesis,
    RegisterOrganization,
    Item,
    Contract,
    Declaration,
    Movement,
    NormCommitment,
    ApproveEnclaveCode,
    RegisterEnclave,
    Verdict,
    Decision,
}

impl Kind {
    /// The kinds applied to the running chain; each has a row for every signer and channel.
    const RUNNING: [Kind; 11] = [
        Kind::Genesis,
        Kind::RegisterOrganization,
        Kind::Item,
        Kind::Contract,
        Kind::Declaration,
        Kind::Movement,
        Kind::NormCommitment,
        Kind::ApproveEnclaveCode,
        Kind::RegisterEnclave,
        Kind::Verdict,
        Kind::Decision,
    ];

    fn label(self) -> &'static str {
        match self {
            Kind::FirstGenesis => "genesis (empty ledger)",
            _ => self.payload_kind(),
        }
    }

    /// The name `Payload::kind` gives the payload built for this kind.
    fn payload_kind(self) -> &'static str {
        match self {
            Kind::FirstGenesis | Kind::Genesis => "genesis",
            Kind::RegisterOrganization => "register_organization",
            Kind::Item => "item",
            Kind::Contract => "contract",
            Kind::Declaration => "declaration",
            Kind::Movement => "movement",
            Kind::NormCommitment => "norm_commitment",
            Kind::ApproveEnclaveCode => "approve_enclave_code",
            Kind::RegisterEnclave => "register_enclave",
            Kind::Verdict => "verdict",
            Kind::Decision => "decision",
        }
    }
}

/// Who signs the transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signer {
    Customs,
    /// Enterprise A, not an authorized economic operator.
    EnterpriseA,
    /// An authorized economic operator, which may host an enclave.
    Aeo,
    /// The verdict key of the enclave customs hosts.
    Enclave,
    /// The verdict key of the enclave the operator hosts on its own premises.
    AeoEnclave,
    /// A key registered to no organization.
    Stranger,
}

impl Signer {
    fn label(self) -> &'static str {
        match self {
            Signer::Customs => "customs",
            Signer::EnterpriseA => "enterprise A",
            Signer::Aeo => "AEO enterprise",
            Signer::Enclave => "customs-hosted enclave",
            Signer::AeoEnclave => "AEO-hosted enclave",
            Signer::Stranger => "unregistered key",
        }
    }
}

/// Where the transaction is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    System,
    OfA,
    OfB,
    OfAeo,
    /// A channel named for no organization.
    OfNobody,
    /// B's channel, with a decision or verdict that names enterprise A.
    OfBNamingA,
}

impl Channel {
    fn label(self) -> &'static str {
        match self {
            Channel::System => "system",
            Channel::OfA => "A",
            Channel::OfB => "B",
            Channel::OfAeo => "AEO",
            Channel::OfNobody => "of no organization",
            Channel::OfBNamingA => "B, payload naming A",
        }
    }

    fn id(self) -> ChannelId {
        match self {
            Channel::System => system(),
            Channel::OfA => channel(ENTERPRISE_A),
            Channel::OfB | Channel::OfBNamingA => channel(ENTERPRISE_B),
            Channel::OfAeo => channel(AEO),
            Channel::OfNobody => channel(NOBODY),
        }
    }

    /// The enterprise a decision or verdict written here names.
    fn subject(self) -> OrganizationId {
        let id = match self {
            Channel::System | Channel::OfA | Channel::OfBNamingA => ENTERPRISE_A,
            Channel::OfB => ENTERPRISE_B,
            Channel::OfAeo => AEO,
            Channel::OfNobody => NOBODY,
        };
        OrganizationId(id.to_string())
    }

    /// A material of this channel's catalogue (A's fabric where the channel has none).
    fn material(self) -> (&'static str, Unit) {
        match self {
            Channel::OfB | Channel::OfBNamingA | Channel::OfAeo => (LEATHER, Unit::Kilogram),
            _ => (FABRIC, Unit::Metre),
        }
    }
}

/// What the state machine must decide: acceptance, or a rejection by its API reason code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expected {
    Accepted,
    Rejected(&'static str),
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Accepted => f.write_str("Accepted"),
            Expected::Rejected(code) => write!(f, "Rejected({code})"),
        }
    }
}

/// The whole policy, one row per cell, grouped by payload kind.
mod policy {
    use super::Channel::*;
    use super::Expected::*;
    use super::Kind::*;
    use super::Signer::*;
    use super::{Channel, Expected, Kind, Signer};

    /// Every signer and channel a running-chain kind is tried with.
    pub const COMBINATIONS: [(Signer, Channel); 17] = [
        (Customs, System),
        (Customs, OfA),
        (Customs, OfNobody),
        (EnterpriseA, System),
        (EnterpriseA, OfA),
        (EnterpriseA, OfB),
        (Aeo, System),
        (Aeo, OfAeo),
        (Aeo, OfA),
        (Enclave, System),
        (Enclave, OfA),
        (Enclave, OfNobody),
        (AeoEnclave, System),
        (AeoEnclave, OfAeo),
        (AeoEnclave, OfA),
        (Stranger, System),
        (Stranger, OfA),
    ];

    // One row per line, so that the table reads as a table.
    #[rustfmt::skip]
    pub const MATRIX: &[(Kind, Signer, Channel, Expected)] = &[
        // The first transaction of a chain: only a key it lists for customs, only in the system
        // channel. The channel is checked first.
        (FirstGenesis, Customs, System, Accepted),
        (FirstGenesis, Customs, OfA, Rejected("ChannelNotOwned")),
        (FirstGenesis, Stranger, System, Rejected("UnregisteredSigner")),
        (FirstGenesis, Stranger, OfA, Rejected("ChannelNotOwned")),
        // A second genesis is refused before the signer is even looked up.
        (Genesis, Customs, System, Rejected("GenesisRepeated")),
        (Genesis, Customs, OfA, Rejected("GenesisRepeated")),
        (Genesis, Customs, OfNobody, Rejected("GenesisRepeated")),
        (Genesis, EnterpriseA, System, Rejected("GenesisRepeated")),
        (Genesis, EnterpriseA, OfA, Rejected("GenesisRepeated")),
        (Genesis, EnterpriseA, OfB, Rejected("GenesisRepeated")),
        (Genesis, Aeo, System, Rejected("GenesisRepeated")),
        (Genesis, Aeo, OfAeo, Rejected("GenesisRepeated")),
        (Genesis, Aeo, OfA, Rejected("GenesisRepeated")),
        (Genesis, Enclave, System, Rejected("GenesisRepeated")),
        (Genesis, Enclave, OfA, Rejected("GenesisRepeated")),
        (Genesis, Enclave, OfNobody, Rejected("GenesisRepeated")),
        (Genesis, AeoEnclave, System, Rejected("GenesisRepeated")),
        (Genesis, AeoEnclave, OfAeo, Rejected("GenesisRepeated")),
        (Genesis, AeoEnclave, OfA, Rejected("GenesisRepeated")),
        (Genesis, Stranger, System, Rejected("GenesisRepeated")),
        (Genesis, Stranger, OfA, Rejected("GenesisRepeated")),
        // Customs governance, on the system channel only.
        (RegisterOrganization, Customs, System, Accepted),
        (RegisterOrganization, Customs, OfA, Rejected("ChannelNotOwned")),
        (RegisterOrganization, Customs, OfNobody, Rejected("ChannelNotOwned")),
        (RegisterOrganization, EnterpriseA, System, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, EnterpriseA, OfA, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, EnterpriseA, OfB, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, Aeo, System, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, Aeo, OfAeo, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, Aeo, OfA, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, Enclave, System, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, Enclave, OfA, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, Enclave, OfNobody, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, AeoEnclave, OfAeo, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (RegisterOrganization, Stranger, System, Rejected("UnregisteredSigner")),
        (RegisterOrganization, Stranger, OfA, Rejected("UnregisteredSigner")),
        // An enterprise's own records, in its own channel only; an AEO is an enterprise here.
        (Item, Customs, System, Rejected("SignerNotAuthorized")),
        (Item, Customs, OfA, Rejected("SignerNotAuthorized")),
        (Item, Customs, OfNobody, Rejected("SignerNotAuthorized")),
        (Item, EnterpriseA, System, Rejected("ChannelNotOwned")),
        (Item, EnterpriseA, OfA, Accepted),
        (Item, EnterpriseA, OfB, Rejected("ChannelNotOwned")),
        (Item, Aeo, System, Rejected("ChannelNotOwned")),
        (Item, Aeo, OfAeo, Accepted),
        (Item, Aeo, OfA, Rejected("ChannelNotOwned")),
        (Item, Enclave, System, Rejected("SignerNotAuthorized")),
        (Item, Enclave, OfA, Rejected("SignerNotAuthorized")),
        (Item, Enclave, OfNobody, Rejected("SignerNotAuthorized")),
        (Item, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (Item, AeoEnclave, OfAeo, Rejected("SignerNotAuthorized")),
        (Item, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (Item, Stranger, System, Rejected("UnregisteredSigner")),
        (Item, Stranger, OfA, Rejected("UnregisteredSigner")),
        (Contract, Customs, System, Rejected("SignerNotAuthorized")),
        (Contract, Customs, OfA, Rejected("SignerNotAuthorized")),
        (Contract, Customs, OfNobody, Rejected("SignerNotAuthorized")),
        (Contract, EnterpriseA, System, Rejected("ChannelNotOwned")),
        (Contract, EnterpriseA, OfA, Accepted),
        (Contract, EnterpriseA, OfB, Rejected("ChannelNotOwned")),
        (Contract, Aeo, System, Rejected("ChannelNotOwned")),
        (Contract, Aeo, OfAeo, Accepted),
        (Contract, Aeo, OfA, Rejected("ChannelNotOwned")),
        (Contract, Enclave, System, Rejected("SignerNotAuthorized")),
        (Contract, Enclave, OfA, Rejected("SignerNotAuthorized")),
        (Contract, Enclave, OfNobody, Rejected("SignerNotAuthorized")),
        (Contract, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (Contract, AeoEnclave, OfAeo, Rejected("SignerNotAuthorized")),
        (Contract, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (Contract, Stranger, System, Rejected("UnregisteredSigner")),
        (Contract, Stranger, OfA, Rejected("UnregisteredSigner")),
        // A cleared declaration: customs, into any enterprise's channel that exists.
        (Declaration, Customs, System, Rejected("UnknownChannel")),
        (Declaration, Customs, OfA, Accepted),
        (Declaration, Customs, OfNobody, Rejected("UnknownChannel")),
        (Declaration, EnterpriseA, System, Rejected("SignerNotAuthorized")),
        (Declaration, EnterpriseA, OfA, Rejected("SignerNotAuthorized")),
        (Declaration, EnterpriseA, OfB, Rejected("SignerNotAuthorized")),
        (Declaration, Aeo, System, Rejected("SignerNotAuthorized")),
        (Declaration, Aeo, OfAeo, Rejected("SignerNotAuthorized")),
        (Declaration, Aeo, OfA, Rejected("SignerNotAuthorized")),
        (Declaration, Enclave, System, Rejected("SignerNotAuthorized")),
        (Declaration, Enclave, OfA, Rejected("SignerNotAuthorized")),
        (Declaration, Enclave, OfNobody, Rejected("SignerNotAuthorized")),
        (Declaration, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (Declaration, AeoEnclave, OfAeo, Rejected("SignerNotAuthorized")),
        (Declaration, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (Declaration, Stranger, System, Rejected("UnregisteredSigner")),
        (Declaration, Stranger, OfA, Rejected("UnregisteredSigner")),
        (Movement, Customs, System, Rejected("SignerNotAuthorized")),
        (Movement, Customs, OfA, Rejected("SignerNotAuthorized")),
        (Movement, Customs, OfNobody, Rejected("SignerNotAuthorized")),
        (Movement, EnterpriseA, System, Rejected("ChannelNotOwned")),
        (Movement, EnterpriseA, OfA, Accepted),
        (Movement, EnterpriseA, OfB, Rejected("ChannelNotOwned")),
        (Movement, Aeo, System, Rejected("ChannelNotOwned")),
        (Movement, Aeo, OfAeo, Accepted),
        (Movement, Aeo, OfA, Rejected("ChannelNotOwned")),
        (Movement, Enclave, System, Rejected("SignerNotAuthorized")),
        (Movement, Enclave, OfA, Rejected("SignerNotAuthorized")),
        (Movement, Enclave, OfNobody, Rejected("SignerNotAuthorized")),
        (Movement, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (Movement, AeoEnclave, OfAeo, Rejected("SignerNotAuthorized")),
        (Movement, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (Movement, Stranger, System, Rejected("UnregisteredSigner")),
        (Movement, Stranger, OfA, Rejected("UnregisteredSigner")),
        (NormCommitment, Customs, System, Rejected("SignerNotAuthorized")),
        (NormCommitment, Customs, OfA, Rejected("SignerNotAuthorized")),
        (NormCommitment, Customs, OfNobody, Rejected("SignerNotAuthorized")),
        (NormCommitment, EnterpriseA, System, Rejected("ChannelNotOwned")),
        (NormCommitment, EnterpriseA, OfA, Accepted),
        (NormCommitment, EnterpriseA, OfB, Rejected("ChannelNotOwned")),
        (NormCommitment, Aeo, System, Rejected("ChannelNotOwned")),
        (NormCommitment, Aeo, OfAeo, Accepted),
        (NormCommitment, Aeo, OfA, Rejected("ChannelNotOwned")),
        (NormCommitment, Enclave, System, Rejected("SignerNotAuthorized")),
        (NormCommitment, Enclave, OfA, Rejected("SignerNotAuthorized")),
        (NormCommitment, Enclave, OfNobody, Rejected("SignerNotAuthorized")),
        (NormCommitment, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (NormCommitment, AeoEnclave, OfAeo, Rejected("SignerNotAuthorized")),
        (NormCommitment, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (NormCommitment, Stranger, System, Rejected("UnregisteredSigner")),
        (NormCommitment, Stranger, OfA, Rejected("UnregisteredSigner")),
        (ApproveEnclaveCode, Customs, System, Accepted),
        (ApproveEnclaveCode, Customs, OfA, Rejected("ChannelNotOwned")),
        (ApproveEnclaveCode, Customs, OfNobody, Rejected("ChannelNotOwned")),
        (ApproveEnclaveCode, EnterpriseA, System, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, EnterpriseA, OfA, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, EnterpriseA, OfB, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, Aeo, System, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, Aeo, OfAeo, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, Aeo, OfA, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, Enclave, System, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, Enclave, OfA, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, Enclave, OfNobody, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, AeoEnclave, OfAeo, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (ApproveEnclaveCode, Stranger, System, Rejected("UnregisteredSigner")),
        (ApproveEnclaveCode, Stranger, OfA, Rejected("UnregisteredSigner")),
        // An enclave host: customs, or an authorized economic operator, on the system channel.
        (RegisterEnclave, Customs, System, Accepted),
        (RegisterEnclave, Customs, OfA, Rejected("ChannelNotOwned")),
        (RegisterEnclave, Customs, OfNobody, Rejected("ChannelNotOwned")),
        (RegisterEnclave, EnterpriseA, System, Rejected("SignerNotAuthorized")),
        (RegisterEnclave, EnterpriseA, OfA, Rejected("SignerNotAuthorized")),
        (RegisterEnclave, EnterpriseA, OfB, Rejected("SignerNotAuthorized")),
        (RegisterEnclave, Aeo, System, Accepted),
        (RegisterEnclave, Aeo, OfAeo, Rejected("ChannelNotOwned")),
        (RegisterEnclave, Aeo, OfA, Rejected("ChannelNotOwned")),
        (RegisterEnclave, Enclave, System, Rejected("SignerNotAuthorized")),
        (RegisterEnclave, Enclave, OfA, Rejected("SignerNotAuthorized")),
        (RegisterEnclave, Enclave, OfNobody, Rejected("SignerNotAuthorized")),
        (RegisterEnclave, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (RegisterEnclave, AeoEnclave, OfAeo, Rejected("SignerNotAuthorized")),
        (RegisterEnclave, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (RegisterEnclave, Stranger, System, Rejected("UnregisteredSigner")),
        (RegisterEnclave, Stranger, OfA, Rejected("UnregisteredSigner")),
        // A registered enclave, into the channel of the enterprise its verdict names, hosted by
        // customs or by that enterprise itself.
        (Verdict, Customs, System, Rejected("SignerNotAuthorized")),
        (Verdict, Customs, OfA, Rejected("SignerNotAuthorized")),
        (Verdict, Customs, OfNobody, Rejected("SignerNotAuthorized")),
        (Verdict, EnterpriseA, System, Rejected("SignerNotAuthorized")),
        (Verdict, EnterpriseA, OfA, Rejected("SignerNotAuthorized")),
        (Verdict, EnterpriseA, OfB, Rejected("SignerNotAuthorized")),
        (Verdict, Aeo, System, Rejected("SignerNotAuthorized")),
        (Verdict, Aeo, OfAeo, Rejected("SignerNotAuthorized")),
        (Verdict, Aeo, OfA, Rejected("SignerNotAuthorized")),
        (Verdict, Enclave, System, Rejected("ChannelNotOwned")),
        (Verdict, Enclave, OfA, Accepted),
        (Verdict, Enclave, OfNobody, Rejected("UnknownChannel")),
        (Verdict, Enclave, OfBNamingA, Rejected("ChannelNotOwned")),
        // An AEO's own enclave speaks for its host only: a verdict on A is refused anywhere (it
        // used to be recorded, moving A's channel head; found by this matrix).
        (Verdict, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (Verdict, AeoEnclave, OfAeo, Accepted),
        (Verdict, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (Verdict, Stranger, System, Rejected("UnregisteredSigner")),
        (Verdict, Stranger, OfA, Rejected("UnregisteredSigner")),
        // An officer's decision: customs, into the channel of the enterprise it names.
        (Decision, Customs, System, Rejected("ChannelNotOwned")),
        (Decision, Customs, OfA, Accepted),
        (Decision, Customs, OfNobody, Rejected("UnknownChannel")),
        (Decision, Customs, OfBNamingA, Rejected("ChannelNotOwned")),
        (Decision, EnterpriseA, System, Rejected("SignerNotAuthorized")),
        (Decision, EnterpriseA, OfA, Rejected("SignerNotAuthorized")),
        (Decision, EnterpriseA, OfB, Rejected("SignerNotAuthorized")),
        (Decision, Aeo, System, Rejected("SignerNotAuthorized")),
        (Decision, Aeo, OfAeo, Rejected("SignerNotAuthorized")),
        (Decision, Aeo, OfA, Rejected("SignerNotAuthorized")),
        (Decision, Enclave, System, Rejected("SignerNotAuthorized")),
        (Decision, Enclave, OfA, Rejected("SignerNotAuthorized")),
        (Decision, Enclave, OfNobody, Rejected("SignerNotAuthorized")),
        (Decision, AeoEnclave, System, Rejected("SignerNotAuthorized")),
        (Decision, AeoEnclave, OfAeo, Rejected("SignerNotAuthorized")),
        (Decision, AeoEnclave, OfA, Rejected("SignerNotAuthorized")),
        (Decision, Stranger, System, Rejected("UnregisteredSigner")),
        (Decision, Stranger, OfA, Rejected("UnregisteredSigner")),
    ];
}

/// The ledgers the cells are applied to, and the keys of the signers the fixture lacks.
struct World {
    /// The fixture's chain plus the operator, approved code and both enclaves.
    running: Fixture,
    /// No genesis yet, for the `FirstGenesis` rows.
    empty: Fixture,
    aeo: SigningKey,
    enclave: SigningKey,
    aeo_enclave: SigningKey,
}

impl World {
    fn new() -> Self {
        let mut world = World {
            running: Fixture::new(),
            empty: Fixture::empty(),
            aeo: key(32),
            enclave: key(30),
            aeo_enclave: key(33),
        };
        world.add_operator_and_enclaves();
        world
    }

    /// Approves the fixture's enclave program, registers the operator, its catalogue and the
    /// two enclaves; every step must be accepted.
    fn add_operator_and_enclaves(&mut self) {
        let f = &self.running;
        let approve = f.sign(
            &f.customs,
            system(),
            Payload::ApproveEnclaveCode(approved_program()),
        );
        let operator = f.sign(
            &f.customs,
            system(),
            register(aeo_record(), vec![public(&self.aeo)]),
        );
        let batch = vec![approve, operator];
        self.running.apply_accepted(batch);

        let f = &self.running;
        let customs_hosted = Payload::RegisterEnclave(registration(CUSTOMS_ENCLAVE, &self.enclave));
        let own_premises = Payload::RegisterEnclave(registration(AEO_ENCLAVE, &self.aeo_enclave));
        let batch = vec![
            f.sign(&f.customs, system(), customs_hosted),
            f.sign(&self.aeo, system(), own_premises),
            f.sign(
                &self.aeo,
                channel(AEO),
                item(LEATHER, ItemKind::Material, Unit::Kilogram),
            ),
        ];
        self.running.apply_accepted(batch);
    }

    fn key(&self, signer: Signer) -> &SigningKey {
        let f = &self.running;
        match signer {
            Signer::Customs => &f.customs,
            Signer::EnterpriseA => &f.enterprise_a,
            Signer::Aeo => &self.aeo,
            Signer::Enclave => &self.enclave,
            Signer::AeoEnclave => &self.aeo_enclave,
            Signer::Stranger => &f.stranger,
        }
    }

    /// Signs one cell's transaction and applies it alone to its ledger, without committing.
    fn decide(&self, kind: Kind, signer: Signer, channel: Channel) -> Result<(), String> {
        let fixture = match kind {
            Kind::FirstGenesis => &self.empty,
            _ => &self.running,
        };
        let payload = self.payload(kind, channel);
        assert_eq!(
            payload.kind(),
            kind.payload_kind(),
            "the cell builds its kind"
        );
        let envelope = fixture.sign(self.key(signer), channel.id(), payload);
        let sequence = fixture.next_sequence();
        let outcome = apply_batch(
            &fixture.state,
            sequence,
            &batch_at(sequence, vec![envelope]),
        );
        assert_eq!(outcome.decisions.len(), 1, "one decision per cell");
        match &outcome.decisions[0].1 {
            Outcome::Accepted(_) => Ok(()),
            Outcome::Rejected(rejection) => Err(format!("{}: {rejection}", rejection.code())),
        }
    }

    /// A payload of `kind`, valid for `channel`, so that only authorization can refuse it.
    fn payload(&self, kind: Kind, channel: Channel) -> Payload {
        let (material, unit) = channel.material();
        match kind {
            Kind::FirstGenesis => self.empty.genesis_payload(),
            Kind::Genesis => self.running.genesis_payload(),
            Kind::RegisterOrganization => register(
                enterprise_record("ENT-0305555555", "0305555555"),
                vec![public(&key(50))],
            ),
            Kind::Item => item("NL-NUT", ItemKind::Material, Unit::Piece),
            Kind::Contract => contract("HD-2026-0001"),
            Kind::Declaration => {
                declaration("104000000001", "E21", vec![line(1, material, "5", unit)])
            }
            Kind::Movement => Payload::Movement(Movement {
                date: date(3),
                item_code: material.to_string(),
                kind: MovementKind::IssuedToProduction,
                quantity: decimal("1"),
                unit,
                reference: "PX-0001".to_string(),
            }),
            Kind::NormCommitment => norm_commitment(1),
            Kind::ApproveEnclaveCode => Payload::ApproveEnclaveCode(ApprovedCode::Enclave {
                mr_enclave: [7; 32],
            }),
            Kind::RegisterEnclave => {
                Payload::RegisterEnclave(registration("ENCLAVE-NEW", &key(40)))
            }
            Kind::Verdict => Payload::Verdict(self.verdict(channel)),
            Kind::Decision => Payload::Decision(Decision {
                enterprise: channel.subject(),
                kind: DecisionKind::AcceptReport,
                verdict: None,
                officer: "officer.hcm".to_string(),
                note: String::new(),
            }),
        }
    }

    /// A verdict on the channel's subject that names the channel's newest block, so that it is
    /// current wherever authorization lets it through.
    fn verdict(&self, channel: Channel) -> VerdictRecord {
        let head = self.running.state.head(&channel.id());
        VerdictRecord {
            enterprise: channel.subject(),
            channel_height: head.as_ref().map_or(0, |head| head.height),
            channel_head: head.map_or([0; 32], |head| head.hash.0),
            commitment: [1; 32],
            from: None,
            to: None,
            report_sha256: [2; 32],
            critical: 0,
            warning: 0,
            info: 0,
            not_evaluable: 0,
        }
    }
}

fn approved_program() -> ApprovedCode {
    ApprovedCode::Enclave {
        mr_enclave: enclave_program(1).mr_enclave().0,
    }
}

fn aeo_record() -> OrganizationRecord {
    OrganizationRecord {
        id: OrganizationId(AEO.to_string()),
        name: "AEO footwear".to_string(),
        kind: OrganizationKind::Enterprise {
            tax_code: TaxCode("0309999999".to_string()),
            authorized_economic_operator: true,
            intake_group: IntakeGroup::new(1).expect("group 1 exists"),
        },
    }
}

/// A registration whose fresh quote binds the enclave's keys to the fixture's chain.
fn registration(enclave: &str, verdict: &SigningKey) -> EnclaveRegistration {
    let platform = enclave_platform();
    let verdict_key = public(verdict);
    let norms_key = [5; 32];
    let report_data = ReportData::binding(&[&verdict_key, &norms_key], CHAIN_ID.as_bytes());
    EnclaveRegistration {
        enclave: OrganizationId(enclave.to_string()),
        name: format!("verifier {enclave}"),
        quote: platform.quote(&report_data).expect("a quote").into_bytes(),
        collateral: platform.collateral(EPOCH_MS).expect("collateral").to_json(),
        verdict_key,
        norms_key,
    }
}

fn decided(result: &Result<(), String>) -> String {
    match result {
        Ok(()) => "Accepted".to_string(),
        Err(reason) => format!("Rejected({reason})"),
    }
}

fn matches(expected: Expected, result: &Result<(), String>) -> bool {
    match (expected, result) {
        (Expected::Accepted, Ok(())) => true,
        (Expected::Rejected(code), Err(reason)) => reason.split(':').next() == Some(code),
        _ => false,
    }
}

fn print_markdown() {
    println!("| payload | signer | channel | expected |");
    println!("|---|---|---|---|");
    for (kind, signer, channel, expected) in policy::MATRIX {
        let (kind, signer, channel) = (kind.label(), signer.label(), channel.label());
        println!("| {kind} | {signer} | {channel} | {expected} |");
    }
}

#[test]
fn every_cell_of_the_matrix_gets_its_decision() {
    let world = World::new();
    let mut wrong = Vec::new();
    for &(kind, signer, channel, expected) in policy::MATRIX {
        let result = world.decide(kind, signer, channel);
        if !matches(expected, &result) {
            wrong.push(format!(
                "{} by {} in channel {}: expected {expected}, got {}",
                kind.label(),
                signer.label(),
                channel.label(),
                decided(&result)
            ));
        }
    }
    print_markdown();
    assert!(
        wrong.is_empty(),
        "cells decided otherwise:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_matrix_has_one_row_for_every_kind_signer_and_channel() {
    for kind in Kind::RUNNING {
        for (signer, channel) in policy::COMBINATIONS {
            let rows = policy::MATRIX
                .iter()
                .filter(|row| row.0 == kind && row.1 == signer && row.2 == channel)
                .count();
            assert_eq!(rows, 1, "{kind:?} by {signer:?} in {channel:?}");
        }
    }
    for (index, row) in policy::MATRIX.iter().enumerate() {
        let repeated = policy::MATRIX[index + 1..]
            .iter()
            .any(|other| (other.0, other.1, other.2) == (row.0, row.1, row.2));
        assert!(!repeated, "{row:?} is listed twice");
    }
}
