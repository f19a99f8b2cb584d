//! Comparing norms across enterprises inside the real enclave process: only groups of at least
//! k enterprises come back, as percentiles; the subject gets a band; no input value leaves.

mod common;

use base64::Engine as _;
use bonded_enclave::protocol::{
    CompareInput, CompareRequest, Comparison, ErrorCode, Request, Response,
};
use bonded_ledger::state::Decision;
use bonded_ledger::{ChannelId, Payload};
use bonded_model::{
    HsCode, IntakeGroup, Item, ItemKind, LossConvention, NaiveDate, OrganizationId,
    OrganizationKind, OrganizationRecord, TaxCode,
};
use bonded_norms::{Binding, NormRow, NormSet, Opening, Salt};
use common::*;
use ed25519_dalek::SigningKey;

/// Six bag makers' fabric norms (one far above the rest) and four thread norms.
const FABRIC: [&str; 6] = ["1.1111", "1.2222", "1.3333", "1.4444", "1.5555", "2.9999"];
const THREAD: [&str; 4] = ["0.0311", "0.0322", "0.0333", "0.0344"];

fn enterprise_id(index: usize) -> String {
    format!("030000000{index}")
}

fn item(code: &str, kind: ItemKind, unit: &str, hs: &str) -> Item {
    Item {
        code: code.into(),
        kind,
        name: code.into(),
        unit: unit.parse().expect("unit"),
        hs_code: HsCode(hs.into()),
    }
}

fn row(material: &str, norm: &str) -> NormRow {
    NormRow {
        product_code: "BAG".into(),
        material_code: material.into(),
        norm: norm.parse().expect("norm"),
        loss_percent: "0".parse().expect("loss"),
        loss_convention: LossConvention::Included,
        valid_from: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        valid_to: None,
    }
}

/// One comparison participant: its key, its opening and its envelope to the enclave.
struct Participant {
    id: String,
    opening: Opening,
    sealed: String,
}

fn register(chain: &mut Chain, index: usize) -> SigningKey {
    let key = SigningKey::from_bytes(&[50 + index as u8; 32]);
    let record = OrganizationRecord {
        id: OrganizationId(enterprise_id(index)),
        name: format!("Bag maker {index}"),
        kind: OrganizationKind::Enterprise {
            tax_code: TaxCode(enterprise_id(index)),
            authorized_economic_operator: false,
            intake_group: IntakeGroup::new(2).expect("group"),
        },
    };
    let payload = Payload::RegisterOrganization {
        organization: record,
        keys: vec![key.verifying_key().to_bytes()],
    };
    let customs = chain.customs.clone();
    let signed = chain.sign(&customs, ChannelId::system(), payload);
    assert!(matches!(chain.order(&[signed])[0], Decision::Accepted(_)));
    key
}

fn participant(chain: &mut Chain, norms_key: &str, index: usize) -> Participant {
    let key = register(chain, index);
    let id = enterprise_id(index);
    let mut rows = vec![row("FABRIC", FABRIC[index])];
    let mut items = vec![
        item("FABRIC", ItemKind::Material, "MTR", "54076100"),
        item("BAG", ItemKind::Product, "PCE", "42029290"),
    ];
    if let Some(thread) = THREAD.get(index) {
        rows.push(row("THREAD", thread));
        items.push(item("THREAD", ItemKind::Material, "MTR", "54011010"));
    }
    let opening = Opening {
        salt: Salt([index as u8; 32]),
        set: NormSet::new(rows).expect("norm set"),
    };
    let commitment = opening.commitment();
    let mut payloads: Vec<Payload> = items.into_iter().map(Payload::Item).collect();
    payloads.push(commitment_record(&commitment));
    let channel = ChannelId(id.clone());
    let signed: Vec<_> = payloads
        .into_iter()
        .map(|payload| chain.sign(&key, channel.clone(), payload))
        .collect();
    for decision in chain.order(&signed) {
        assert!(matches!(decision, Decision::Accepted(_)), "{decision:?}");
    }
    let binding = Binding {
        chain_id: CHAIN_ID,
        enterprise: &id,
        commitment: &commitment,
    };
    let norms_key = hex32(norms_key);
    let sealed =
        bonded_norms::seal(&norms_key, binding, &opening, &mut rand::rngs::OsRng).expect("seal");
    Participant {
        id,
        opening,
        sealed: base64::engine::general_purpose::STANDARD.encode(sealed.to_bytes()),
    }
}

fn request(chain: &Chain, participants: &[Participant], k: u32) -> CompareRequest {
    let base64 = base64::engine::general_purpose::STANDARD;
    CompareRequest {
        chain_id: CHAIN_ID.into(),
        orderer_keys: vec![hex::encode(chain.ledger.orderer_key())],
        hs_code: "4202".into(),
        k,
        subject: Some(enterprise_id(5)),
        enterprises: participants
            .iter()
            .map(|participant| CompareInput {
                enterprise: participant.id.clone(),
                commitment: hex::encode(participant.opening.commitment()),
                sealed_norms: participant.sealed.clone(),
                blocks: chain
                    .ledger
                    .blocks(&ChannelId(participant.id.clone()))
                    .iter()
                    .map(|block| base64.encode(bonded_ledger::channel::encode_block(block)))
                    .collect(),
            })
            .collect(),
    }
}

fn comparison(response: Response) -> Comparison {
    match response {
        Response::Comparison(comparison) => comparison,
        other => panic!("expected a comparison, got {other:?}"),
    }
}

#[test]
fn only_groups_of_k_enterprises_are_released_as_percentiles() {
    let data = tempfile::tempdir().expect("data folder");
    let mut session = sealed_session(data.path());
    let norms_key = session.identity.norms_key.clone();
    let participants: Vec<Participant> = (0..6)
        .map(|index| participant(&mut session.chain, &norms_key, index))
        .collect();

    let answer = session
        .enclave
        .request(&Request::Compare(request(&session.chain, &participants, 5)))
        .expect("compare");
    let released = comparison(answer);
    assert_eq!(released.enterprises, 6);
    assert_eq!(released.withheld_groups, 1, "four thread norms stay inside");
    assert_eq!(released.groups.len(), 1);
    let fabric = &released.groups[0];
    assert_eq!(fabric.material_hs, "540761");
    assert_eq!(fabric.enterprises, 6);
    assert_eq!(
        (
            fabric.p25.as_str(),
            fabric.median.as_str(),
            fabric.p75.as_str()
        ),
        ("1.249975", "1.38885", "1.527725")
    );
    let subject = released.subject.as_ref().expect("a subject");
    assert_eq!(subject.bands.len(), 1);
    assert_eq!(subject.bands[0].position, "above_p75");
    let text = serde_json::to_string(&released).expect("json");
    for value in FABRIC.iter().chain(THREAD.iter()) {
        assert!(!text.contains(value), "the comparison states {value}");
    }

    // A k above the group sizes releases nothing; one below the enclave's floor is refused.
    let answer = session
        .enclave
        .request(&Request::Compare(request(&session.chain, &participants, 7)))
        .expect("compare");
    let none = comparison(answer);
    assert!(none.groups.is_empty());
    assert_eq!(none.withheld_groups, 2);
    assert!(none.subject.expect("a subject").bands.is_empty());
    let answer = session
        .enclave
        .request(&Request::Compare(request(&session.chain, &participants, 2)))
        .expect("compare");
    assert!(matches!(
        answer,
        Response::Error {
            code: ErrorCode::BadComparison,
            ..
        }
    ));

    // An envelope that does not belong to its enterprise's commitment spoils the whole run.
    let mut swapped = request(&session.chain, &participants, 5);
    swapped.enterprises[0].sealed_norms = participants[1].sealed.clone();
    let answer = session
        .enclave
        .request(&Request::Compare(swapped))
        .expect("compare");
    match answer {
        Response::Error { code, message } => {
            assert_eq!(code, ErrorCode::EnvelopeUnauthentic);
            assert!(message.starts_with(&enterprise_id(0)), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    shutdown(&mut session.enclave);
}
