//! A small hand-made bundle, its norms with distinctive values, and an enclave to run it in.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use bonded_enclave::host::EnclaveProcess;
use bonded_enclave::protocol::{IdentityResponse, Request, Response, VerifyRequest};
use bonded_ledger::memory::MemoryLedger;
use bonded_ledger::state::Decision;
use bonded_ledger::{ChannelId, Genesis, Payload, SignedTransaction, TransactionBody};
use bonded_model::{
    ApprovedCode, AttestationTrust, Declaration, DeclarationLine, EnclaveRegistration, HsCode,
    IntakeGroup, Item, ItemKind, LossConvention, NaiveDate, NormCommitment, OrganizationId,
    OrganizationKind, OrganizationRecord, Regime, TaxCode, Unit,
};
use bonded_norms::{Binding, NormRow, NormSet, Opening, Salt};
use ed25519_dalek::SigningKey;

pub const CHAIN_ID: &str = "bonded-test-chain";
pub const ENTERPRISE: &str = "0312345678";
/// 2025-10-01, inside the simulated certificates' validity.
pub const AT_MS: i64 = 1_759_276_800_000;

/// Values that appear nowhere else: if one of these (or an effective norm derived from them)
/// shows up in the enclave's output, a norm leaked.
pub const SECRET_VALUES: [&str; 4] = ["1.234567", "2.345678", "3.456789", "12.345678"];

fn row(material: &str, norm: &str, loss: &str, convention: LossConvention) -> NormRow {
    NormRow {
        product_code: "SP-BAG".into(),
        material_code: material.into(),
        norm: norm.parse().expect("norm"),
        loss_percent: loss.parse().expect("loss"),
        loss_convention: convention,
        valid_from: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        valid_to: None,
    }
}

/// The thread norm's loss is above the 10 % cap, so NRM-LOSS-CAP fires and quotes it in clear.
pub fn opening() -> Opening {
    let set = NormSet::new(vec![
        row(
            "NL-FABRIC",
            "1.234567",
            "2.345678",
            LossConvention::PercentOfNorm,
        ),
        row(
            "NL-THREAD",
            "3.456789",
            "12.345678",
            LossConvention::PercentOfNorm,
        ),
    ])
    .expect("norm set");
    Opening {
        salt: Salt([42; 32]),
        set,
    }
}

/// The enterprise's catalogue: fabric and thread in metres, bags by the piece.
pub fn items() -> Vec<Item> {
    let item = |code: &str, kind, name: &str, unit: &str, hs: &str| Item {
        code: code.into(),
        kind,
        name: name.into(),
        unit: unit.parse::<Unit>().expect("unit"),
        hs_code: HsCode(hs.into()),
    };
    vec![
        item(
            "NL-FABRIC",
            ItemKind::Material,
            "Polyester fabric",
            "MTR",
            "54076100",
        ),
        item(
            "NL-THREAD",
            ItemKind::Material,
            "Sewing thread",
            "MTR",
            "54011010",
        ),
        item("SP-BAG", ItemKind::Product, "Travel bag", "PCE", "42029290"),
    ]
}

/// One declaration line: number, type code, date (2025), line number, item, quantity, unit, VND.
type Line = (
    &'static str,
    &'static str,
    (u32, u32),
    u32,
    &'static str,
    &'static str,
    &'static str,
    i64,
);

/// Two imports of fabric and thread, two exports of bags.
pub const DECLARATION_LINES: [Line; 5] = [
    (
        "104000000001",
        "E31",
        (1, 10),
        1,
        "NL-FABRIC",
        "500",
        "MTR",
        50_000_000,
    ),
    (
        "104000000001",
        "E31",
        (1, 10),
        2,
        "NL-THREAD",
        "900",
        "MTR",
        9_000_000,
    ),
    (
        "104000000002",
        "E31",
        (3, 2),
        1,
        "NL-FABRIC",
        "100",
        "MTR",
        10_000_000,
    ),
    (
        "306000000001",
        "E62",
        (4, 15),
        1,
        "SP-BAG",
        "100",
        "PCE",
        90_000_000,
    ),
    (
        "306000000002",
        "E62",
        (6, 20),
        1,
        "SP-BAG",
        "150",
        "PCE",
        135_000_000,
    ),
];

/// The declarations of [`DECLARATION_LINES`], lines grouped by number.
pub fn declarations() -> Vec<Declaration> {
    let mut declarations: Vec<Declaration> = Vec::new();
    for (number, type_code, (month, day), line_number, item, quantity, unit, value) in
        DECLARATION_LINES
    {
        let line = DeclarationLine {
            line_number,
            item_code: item.into(),
            quantity: quantity.parse().expect("quantity"),
            unit: unit.parse().expect("unit"),
            value_vnd: value.into(),
        };
        match declarations.last_mut() {
            Some(last) if last.number == number => last.lines.push(line),
            _ => declarations.push(Declaration {
                number: number.into(),
                type_code: type_code.parse().expect("type code"),
                date: NaiveDate::from_ymd_opt(2025, month, day).expect("date"),
                contract: None,
                lines: vec![line],
            }),
        }
    }
    declarations
}

pub const ENCLAVE_ID: &str = "ENCLAVE-CUSTOMS-1";

/// A chain in memory: customs, one orderer, the enterprise with its records and commitment, and
/// the test enclave approved and registered from its attested identity.
pub struct Chain {
    pub ledger: MemoryLedger,
    pub customs: SigningKey,
    pub enterprise: SigningKey,
    nonce: u64,
    time_ms: i64,
}

impl Chain {
    pub fn new(identity: &IdentityResponse, commitment: &[u8; 32]) -> Chain {
        let mut chain = Chain {
            ledger: MemoryLedger::new(SigningKey::from_bytes(&[2; 32])),
            customs: SigningKey::from_bytes(&[1; 32]),
            enterprise: SigningKey::from_bytes(&[3; 32]),
            nonce: 0,
            time_ms: AT_MS,
        };
        let attestation = identity.attestation_trust().expect("the root decodes");
        assert!(
            matches!(attestation, AttestationTrust::Test { .. }),
            "simulated root"
        );
        let genesis = Payload::Genesis(Genesis {
            customs: OrganizationRecord {
                id: OrganizationId("CUSTOMS".into()),
                name: "Customs".into(),
                kind: OrganizationKind::Customs,
            },
            customs_keys: vec![chain.customs.verifying_key().to_bytes()],
            orderer_keys: vec![chain.ledger.orderer_key()],
            attestation,
        });
        chain.customs_records(vec![genesis]);
        chain.customs_records(vec![
            Payload::ApproveEnclaveCode(ApprovedCode::Enclave {
                mr_enclave: hex32(&identity.mr_enclave),
            }),
            Payload::RegisterEnclave(registration(identity)),
            Payload::RegisterOrganization {
                organization: enterprise_record(),
                keys: vec![chain.enterprise.verifying_key().to_bytes()],
            },
        ]);
        let items = items().into_iter().map(Payload::Item).collect();
        chain.enterprise_records(items);
        let declarations = declarations()
            .into_iter()
            .map(Payload::Declaration)
            .collect();
        chain.customs_declarations(declarations);
        chain.enterprise_records(vec![commitment_record(commitment)]);
        chain
    }

    /// Signs `payload` for `channel` with `key`.
    pub fn sign(
        &mut self,
        key: &SigningKey,
        channel: ChannelId,
        payload: Payload,
    ) -> SignedTransaction {
        self.nonce += 1;
        let body = TransactionBody {
            chain_id: CHAIN_ID.into(),
            channel,
            nonce: self.nonce,
            payload,
        };
        SignedTransaction::sign(&body, key).expect("sign")
    }

    /// Orders one batch, a second after the previous one.
    pub fn order(&mut self, transactions: &[SignedTransaction]) -> Vec<Decision> {
        self.time_ms += 1000;
        let decisions = self.ledger.order(transactions, self.time_ms);
        decisions
            .into_iter()
            .map(|(_, decision)| decision)
            .collect()
    }

    fn order_accepted(&mut self, transactions: Vec<SignedTransaction>) {
        for decision in self.order(&transactions) {
            assert!(matches!(decision, Decision::Accepted(_)), "{decision:?}");
        }
    }

    fn customs_records(&mut self, payloads: Vec<Payload>) {
        let key = self.customs.clone();
        let signed = payloads
            .into_iter()
            .map(|payload| self.sign(&key, ChannelId::system(), payload))
            .collect();
        self.order_accepted(signed);
    }

    pub fn customs_declarations(&mut self, payloads: Vec<Payload>) {
        let key = self.customs.clone();
        let signed = payloads
            .into_iter()
            .map(|payload| self.sign(&key, channel(), payload))
            .collect();
        self.order_accepted(signed);
    }

    pub fn enterprise_records(&mut self, payloads: Vec<Payload>) {
        let key = self.enterprise.clone();
        let signed = payloads
            .into_iter()
            .map(|payload| self.sign(&key, channel(), payload))
            .collect();
        self.order_accepted(signed);
    }

    /// The enterprise channel's blocks as a `Verify` request carries them.
    pub fn blocks_base64(&self) -> Vec<String> {
        let base64 = base64::engine::general_purpose::STANDARD;
        self.ledger
            .blocks(&channel())
            .iter()
            .map(|block| base64.encode(bonded_ledger::channel::encode_block(block)))
            .collect()
    }
}

pub fn channel() -> ChannelId {
    ChannelId(ENTERPRISE.into())
}

pub fn hex32(text: &str) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).expect("32 bytes of hex");
    bytes
}

pub fn registration(identity: &IdentityResponse) -> EnclaveRegistration {
    identity
        .registration(ENCLAVE_ID, "Customs verifier")
        .expect("the identity decodes")
}

fn enterprise_record() -> OrganizationRecord {
    OrganizationRecord {
        id: OrganizationId(ENTERPRISE.into()),
        name: "Bag maker".into(),
        kind: OrganizationKind::Enterprise {
            tax_code: TaxCode(ENTERPRISE.into()),
            authorized_economic_operator: false,
            intake_group: IntakeGroup::new(2).expect("group"),
        },
    }
}

pub fn commitment_record(commitment: &[u8; 32]) -> Payload {
    commitment_record_version(commitment, 1)
}

pub fn commitment_record_version(commitment: &[u8; 32], version: u32) -> Payload {
    Payload::NormCommitment(NormCommitment {
        regime: Regime::ExportProduction,
        version,
        valid_from: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        valid_to: None,
        loss_convention: LossConvention::PercentOfNorm,
        commitment: *commitment,
        norm_count: 2,
        envelopes: Vec::new(),
    })
}

/// The same norms as the `norms.csv` a user would give `bonded reconcile`.
pub const NORMS_CSV: &str = "\
product_code,material_code,norm,loss_percent,loss_convention,valid_from,valid_to
SP-BAG,NL-FABRIC,1.234567,2.345678,percent_of_norm,2025-01-01,
SP-BAG,NL-THREAD,3.456789,12.345678,percent_of_norm,2025-01-01,
";

pub fn seal_to(norms_key_hex: &str, opening: &Opening, commitment: &[u8; 32]) -> String {
    let mut key = [0u8; 32];
    hex::decode_to_slice(norms_key_hex, &mut key).expect("norms key hex");
    let binding = Binding {
        chain_id: CHAIN_ID,
        enterprise: ENTERPRISE,
        commitment,
    };
    let sealed = bonded_norms::seal(&key, binding, opening, &mut rand::rngs::OsRng).expect("seal");
    base64::engine::general_purpose::STANDARD.encode(sealed.to_bytes())
}

pub fn verify_request(chain: &Chain, sealed_norms: String, commitment: &[u8; 32]) -> VerifyRequest {
    VerifyRequest {
        chain_id: CHAIN_ID.into(),
        enterprise: ENTERPRISE.into(),
        commitment: hex::encode(commitment),
        sealed_norms,
        orderer_keys: vec![hex::encode(chain.ledger.orderer_key())],
        blocks: chain.blocks_base64(),
        from: None,
        to: None,
        nonce: 1,
    }
}

pub fn spawn(data: &Path) -> EnclaveProcess {
    let executable = Path::new(env!("CARGO_BIN_EXE_bonded-enclave"));
    let mut enclave = EnclaveProcess::spawn(executable, data, false).expect("spawn");
    enclave.timeout = Duration::from_secs(30);
    enclave
}

pub fn identity(enclave: &mut EnclaveProcess) -> IdentityResponse {
    let request = Request::Identity {
        chain_id: CHAIN_ID.into(),
        at_ms: AT_MS,
    };
    match enclave.request(&request).expect("identity") {
        Response::Identity(identity) => identity,
        other => panic!("expected an identity, got {other:?}"),
    }
}

pub fn shutdown(enclave: &mut EnclaveProcess) {
    let response = enclave.request(&Request::Shutdown {}).expect("shutdown");
    assert_eq!(response, Response::Goodbye {});
    let status = enclave.wait(Duration::from_secs(10)).expect("exits");
    assert!(status.success(), "exit status {status:?}");
}

pub fn decode64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

/// Whether `haystack` holds `needle` as bytes.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// A running enclave registered on a chain that holds the fixture's records and commitment,
/// with the fixture's norms sealed to its attested norms key.
pub struct SealedSession {
    pub enclave: EnclaveProcess,
    pub identity: IdentityResponse,
    pub chain: Chain,
    pub opening: Opening,
    pub commitment: [u8; 32],
    /// The envelope, base64, as a `Verify` request carries it.
    pub sealed: String,
}

pub fn sealed_session(data: &Path) -> SealedSession {
    let mut enclave = spawn(data);
    let identity = identity(&mut enclave);
    let opening = opening();
    let commitment = opening.commitment();
    let sealed = seal_to(&identity.norms_key, &opening, &commitment);
    let chain = Chain::new(&identity, &commitment);
    SealedSession {
        enclave,
        identity,
        chain,
        opening,
        commitment,
        sealed,
    }
}
