//! The state machine's rules, one table row per named rejection, and what acceptance builds.
//!
//! Every rejection row also checks that the rejected transaction had no effect at all: the batch
//! decides, builds and changes exactly what the same batch without it does, and the rejected
//! envelope sits in no block.

mod common;

use bonded_ledger::merkle::{self, leaf_hash};
use bonded_ledger::state::{Decision, Location};
use bonded_ledger::transaction::EnvelopeError;
use bonded_ledger::{
    apply_batch, BatchOutcome, ChannelId, Genesis, Hash, MemoryState, Payload, Rejection,
    StateChanges, StateView,
};
use bonded_model::{
    AttestationTrust, Contract, Decimal, HsCode, Item, ItemKind, LossConvention, ModelError,
    MovementKind, NormCommitment, Regime, Unit,
};
use common::*;

/// The state a row starts from.
#[derive(Clone, Copy, Debug)]
enum Base {
    /// No genesis yet.
    Empty,
    /// The fixture's chain: genesis, two enterprises, their catalogues.
    Chain,
}

/// What the last transaction of the row's batch must be rejected with.
enum Expected {
    Exact(Rejection),
    /// A body that does not decode: postcard's own message follows this prefix.
    UndecodableBody,
}

struct Row {
    name: &'static str,
    base: Base,
    /// Applied and committed first; every one must be accepted.
    earlier: Vec<Vec<u8>>,
    /// The batch under test; its last transaction is the one rejected.
    batch: Vec<Vec<u8>>,
    expected: Expected,
    code: &'static str,
}

fn row(name: &'static str, batch: Vec<Vec<u8>>, expected: Rejection, code: &'static str) -> Row {
    Row {
        name,
        base: Base::Chain,
        earlier: Vec::new(),
        batch,
        expected: Expected::Exact(expected),
        code,
    }
}

fn on_empty(mut row: Row) -> Row {
    row.base = Base::Empty;
    row
}

fn after(earlier: Vec<Vec<u8>>, mut row: Row) -> Row {
    row.earlier = earlier;
    row
}

fn malformed(error: EnvelopeError) -> Rejection {
    Rejection::Malformed(error.to_string())
}

fn invalid(error: ModelError) -> Rejection {
    Rejection::Invalid(error.to_string())
}

fn not_authorized(organization: &str, kind: &str) -> Rejection {
    Rejection::SignerNotAuthorized {
        organization: organization.to_string(),
        kind: kind.to_string(),
    }
}

fn not_owned(organization: &str, channel: &str) -> Rejection {
    Rejection::ChannelNotOwned {
        organization: organization.to_string(),
        channel: channel.to_string(),
    }
}

fn unit_mismatch(item: &str, line_unit: &str, item_unit: &str) -> Rejection {
    Rejection::UnitMismatch {
        item: item.to_string(),
        line_unit: line_unit.to_string(),
        item_unit: item_unit.to_string(),
    }
}

fn kind_mismatch(item: &str, type_code: &str, expected: &str, found: &str) -> Rejection {
    Rejection::ItemKindMismatch {
        item: item.to_string(),
        type_code: type_code.to_string(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

/// Replaces the only occurrence of `from` in an envelope's body and signs the result again.
fn rewrite_body(f: &Fixture, envelope: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut body = envelope[97..].to_vec();
    let positions: Vec<usize> = body
        .windows(from.len())
        .enumerate()
        .filter(|(_, window)| *window == from)
        .map(|(position, _)| position)
        .collect();
    assert_eq!(positions.len(), 1, "{from:?} must occur once in the body");
    body[positions[0]..positions[0] + from.len()].copy_from_slice(to);
    envelope_from_body(&body, &f.enterprise_a)
}

fn envelope_rows(f: &Fixture) -> Vec<Row> {
    let valid = f.as_a(item("NL-NUT", ItemKind::Material, Unit::Piece));
    let truncated_header = valid[..96].to_vec();
    let truncated_body = valid[..valid.len() - 3].to_vec();
    let mut trailing = valid.clone();
    trailing.push(0);
    let mut version_two = valid.clone();
    version_two[0] = 2;
    let mut garbage_body = vec![1u8];
    garbage_body.extend_from_slice(&[0xab; 96]);
    garbage_body.extend_from_slice(&[0xff; 24]);
    let metres = f.as_a(movement(
        FABRIC,
        MovementKind::IssuedToProduction,
        "5",
        Unit::Metre,
    ));
    let unknown_unit = rewrite_body(f, &metres, b"MTR", b"XYZ");
    let import = f.customs_into(
        ENTERPRISE_A,
        declaration(
            "104000000091",
            "E21",
            vec![line(1, FABRIC, "5", Unit::Metre)],
        ),
    );
    let unknown_type_code = rewrite_body(f, &import, b"E21", b"E56");
    let undecodable = |name, envelope| Row {
        name,
        base: Base::Chain,
        earlier: Vec::new(),
        batch: vec![envelope],
        expected: Expected::UndecodableBody,
        code: "Malformed",
    };

    vec![
        row(
            "garbage shorter than a header",
            vec![b"not a transaction".to_vec()],
            malformed(EnvelopeError::Truncated(17)),
            "Malformed",
        ),
        row(
            "garbage as long as an envelope",
            vec![vec![0xab; 160]],
            malformed(EnvelopeError::UnsupportedVersion(0xab)),
            "Malformed",
        ),
        undecodable("garbage after a well-formed header", garbage_body),
        row(
            "envelope cut inside the header",
            vec![truncated_header],
            malformed(EnvelopeError::Truncated(96)),
            "Malformed",
        ),
        undecodable("envelope cut inside the body", truncated_body),
        row(
            "a byte after the body",
            vec![trailing],
            malformed(EnvelopeError::TrailingBytes(1)),
            "Malformed",
        ),
        row(
            "format version 2",
            vec![version_two],
            malformed(EnvelopeError::UnsupportedVersion(2)),
            "Malformed",
        ),
        undecodable("a unit code outside Recommendation 20", unknown_unit),
        undecodable("an abolished declaration type code", unknown_type_code),
    ]
}

fn genesis_rows(f: &Fixture) -> Vec<Row> {
    let genesis = f.genesis();
    let original_genesis = f.history[0].batch.transactions[0].clone();
    let by_stranger = f.sign(&f.stranger, system(), f.genesis_payload());
    let outside_system = f.sign(&f.customs, channel(ENTERPRISE_A), f.genesis_payload());
    let no_orderer = Payload::Genesis(Genesis {
        customs: customs_record(CUSTOMS),
        customs_keys: vec![public(&f.customs)],
        orderer_keys: Vec::new(),
        attestation: AttestationTrust::Production,
    });
    let enterprise_genesis = Payload::Genesis(Genesis {
        customs: enterprise_record(ENTERPRISE_A, "0301234567"),
        customs_keys: vec![public(&f.customs)],
        orderer_keys: vec![public(&f.orderer)],
        attestation: AttestationTrust::Production,
    });
    let other_chain_genesis =
        f.sign_for_chain("other-chain", &f.customs, system(), f.genesis_payload());

    vec![
        on_empty(row(
            "an item before any genesis",
            vec![f.as_a(item(FABRIC, ItemKind::Material, Unit::Metre))],
            Rejection::GenesisRequired,
            "GenesisRequired",
        )),
        on_empty(row(
            "a registration before any genesis",
            vec![f.sign(
                &f.customs,
                system(),
                register(customs_record("C2"), vec![public(&key(55))]),
            )],
            Rejection::GenesisRequired,
            "GenesisRequired",
        )),
        on_empty(row(
            "a genesis signed by a key it does not list",
            vec![by_stranger],
            Rejection::UnregisteredSigner,
            "UnregisteredSigner",
        )),
        on_empty(row(
            "a genesis outside the system channel",
            vec![outside_system],
            not_owned(CUSTOMS, ENTERPRISE_A),
            "ChannelNotOwned",
        )),
        on_empty(row(
            "a genesis without orderer keys",
            vec![f.sign(&f.customs, system(), no_orderer)],
            invalid_text("the genesis must name at least one orderer key"),
            "Invalid",
        )),
        on_empty(row(
            "a genesis naming an enterprise as customs",
            vec![f.sign(&f.customs, system(), enterprise_genesis)],
            invalid_text("the genesis organization must be customs"),
            "Invalid",
        )),
        on_empty(row(
            "a second genesis in the first batch",
            vec![f.genesis(), f.genesis()],
            Rejection::GenesisRepeated,
            "GenesisRepeated",
        )),
        row(
            "a second genesis on a running chain",
            vec![genesis],
            Rejection::GenesisRepeated,
            "GenesisRepeated",
        ),
        row(
            "the first genesis replayed is a repeated genesis",
            vec![original_genesis],
            Rejection::GenesisRepeated,
            "GenesisRepeated",
        ),
        row(
            "a genesis for another chain is the wrong chain first",
            vec![other_chain_genesis],
            wrong_chain("other-chain"),
            "WrongChain",
        ),
    ]
}

fn invalid_text(text: &str) -> Rejection {
    Rejection::Invalid(text.to_string())
}

fn wrong_chain(found: &str) -> Rejection {
    Rejection::WrongChain {
        expected: CHAIN_ID.to_string(),
        found: found.to_string(),
    }
}

fn authority_rows(f: &Fixture) -> Vec<Row> {
    let import = || {
        declaration(
            "104000000092",
            "E21",
            vec![line(1, FABRIC, "5", Unit::Metre)],
        )
    };
    let button = || item("NL-NUT", ItemKind::Material, Unit::Piece);
    let newcomer = || {
        register(
            enterprise_record("ENT-0312345678", "0312345678"),
            vec![public(&key(55))],
        )
    };

    vec![
        row(
            "a transaction for another chain",
            vec![f.sign_for_chain(
                "other-chain",
                &f.enterprise_a,
                channel(ENTERPRISE_A),
                button(),
            )],
            wrong_chain("other-chain"),
            "WrongChain",
        ),
        row(
            "a key registered to nobody",
            vec![f.sign(&f.stranger, channel(ENTERPRISE_A), button())],
            Rejection::UnregisteredSigner,
            "UnregisteredSigner",
        ),
        row(
            "an enterprise records a declaration",
            vec![f.as_a(import())],
            not_authorized(ENTERPRISE_A, "declaration"),
            "SignerNotAuthorized",
        ),
        row(
            "customs records an item",
            vec![f.customs_into(ENTERPRISE_A, button())],
            not_authorized(CUSTOMS, "item"),
            "SignerNotAuthorized",
        ),
        row(
            "customs records a movement",
            vec![f.customs_into(
                ENTERPRISE_A,
                movement(FABRIC, MovementKind::Scrap, "1", Unit::Metre),
            )],
            not_authorized(CUSTOMS, "movement"),
            "SignerNotAuthorized",
        ),
        row(
            "customs records a norm commitment",
            vec![f.customs_into(ENTERPRISE_A, norm_commitment(1))],
            not_authorized(CUSTOMS, "norm_commitment"),
            "SignerNotAuthorized",
        ),
        row(
            "an enterprise registers an organization",
            vec![f.sign(&f.enterprise_a, system(), newcomer())],
            not_authorized(ENTERPRISE_A, "register_organization"),
            "SignerNotAuthorized",
        ),
        row(
            "enterprise A writes an item into B's channel",
            vec![f.sign(&f.enterprise_a, channel(ENTERPRISE_B), button())],
            not_owned(ENTERPRISE_A, ENTERPRISE_B),
            "ChannelNotOwned",
        ),
        row(
            "an enterprise writes a contract into the system channel",
            vec![f.sign(&f.enterprise_a, system(), contract("HD-09"))],
            not_owned(ENTERPRISE_A, "system"),
            "ChannelNotOwned",
        ),
        row(
            "customs registers an organization outside the system channel",
            vec![f.customs_into(ENTERPRISE_A, newcomer())],
            not_owned(CUSTOMS, ENTERPRISE_A),
            "ChannelNotOwned",
        ),
        row(
            "a declaration into a channel nobody registered",
            vec![f.customs_into("ENT-0999999999", import())],
            Rejection::UnknownChannel("ENT-0999999999".to_string()),
            "UnknownChannel",
        ),
        row(
            "a declaration into the system channel",
            vec![f.customs_into("system", import())],
            Rejection::UnknownChannel("system".to_string()),
            "UnknownChannel",
        ),
        row(
            "a declaration into customs' own channel",
            vec![f.customs_into(CUSTOMS, import())],
            Rejection::UnknownChannel(CUSTOMS.to_string()),
            "UnknownChannel",
        ),
    ]
}

fn uniqueness_rows(f: &Fixture) -> Vec<Row> {
    let button = f.as_a(item("NL-NUT", ItemKind::Material, Unit::Piece));
    let button_hash = leaf_hash(&button);
    let number = "104000000093";
    let into_a = f.customs_into(
        ENTERPRISE_A,
        declaration(number, "E21", vec![line(1, FABRIC, "5", Unit::Metre)]),
    );
    let into_b = f.customs_into(
        ENTERPRISE_B,
        declaration(number, "E31", vec![line(1, LEATHER, "5", Unit::Kilogram)]),
    );
    let again_into_a = f.customs_into(
        ENTERPRISE_A,
        declaration(number, "E21", vec![line(1, THREAD, "2", Unit::Kilogram)]),
    );
    let newcomer = |id: &str, key: [u8; 32]| {
        let tax_code = id.trim_start_matches("ENT-");
        f.sign(
            &f.customs,
            system(),
            register(enterprise_record(id, tax_code), vec![key]),
        )
    };
    let hoop = || item("NL-KHUY", ItemKind::Material, Unit::Piece);

    vec![
        after(
            vec![button.clone()],
            row(
                "the same envelope in a later batch",
                vec![button.clone()],
                Rejection::Replayed(button_hash),
                "Replayed",
            ),
        ),
        row(
            "the same envelope twice in one batch",
            vec![button.clone(), button],
            Rejection::Replayed(button_hash),
            "Replayed",
        ),
        after(
            vec![into_a.clone()],
            row(
                "a declaration number already used in another channel",
                vec![into_b],
                Rejection::DuplicateDeclaration(number.to_string()),
                "DuplicateDeclaration",
            ),
        ),
        row(
            "a declaration number used twice in one batch",
            vec![into_a, again_into_a],
            Rejection::DuplicateDeclaration(number.to_string()),
            "DuplicateDeclaration",
        ),
        row(
            "an enterprise registered again",
            vec![newcomer(ENTERPRISE_A, public(&key(55)))],
            Rejection::DuplicateOrganization(ENTERPRISE_A.to_string()),
            "DuplicateOrganization",
        ),
        row(
            "customs registered again under its own id",
            vec![f.sign(
                &f.customs,
                system(),
                register(customs_record(CUSTOMS), vec![public(&key(55))]),
            )],
            Rejection::DuplicateOrganization(CUSTOMS.to_string()),
            "DuplicateOrganization",
        ),
        row(
            "an organization named like the system channel",
            vec![f.sign(
                &f.customs,
                system(),
                register(customs_record("system"), vec![public(&key(55))]),
            )],
            Rejection::DuplicateOrganization("system".to_string()),
            "DuplicateOrganization",
        ),
        row(
            "one organization registered twice in one batch",
            vec![
                newcomer("ENT-0312345678", public(&key(55))),
                newcomer("ENT-0312345678", public(&key(56))),
            ],
            Rejection::DuplicateOrganization("ENT-0312345678".to_string()),
            "DuplicateOrganization",
        ),
        row(
            "a newcomer with enterprise A's key",
            vec![newcomer("ENT-0312345678", public(&f.enterprise_a))],
            Rejection::DuplicateKey(ENTERPRISE_A.to_string()),
            "DuplicateKey",
        ),
        row(
            "a newcomer with customs' key",
            vec![newcomer("ENT-0312345678", public(&f.customs))],
            Rejection::DuplicateKey(CUSTOMS.to_string()),
            "DuplicateKey",
        ),
        row(
            "two newcomers sharing a key in one batch",
            vec![
                newcomer("ENT-0312345678", public(&key(55))),
                newcomer("ENT-0387654321", public(&key(55))),
            ],
            Rejection::DuplicateKey("ENT-0312345678".to_string()),
            "DuplicateKey",
        ),
        row(
            "an item code already in the catalogue",
            vec![f.as_a(item(FABRIC, ItemKind::Material, Unit::Kilogram))],
            Rejection::DuplicateItem(FABRIC.to_string()),
            "DuplicateItem",
        ),
        row(
            "an item code twice in one batch",
            vec![f.as_a(hoop()), f.as_a(hoop())],
            Rejection::DuplicateItem("NL-KHUY".to_string()),
            "DuplicateItem",
        ),
        after(
            vec![f.as_a(contract("HD-01"))],
            row(
                "a contract number already recorded in the channel",
                vec![f.as_a(contract("HD-01"))],
                Rejection::DuplicateContract("HD-01".to_string()),
                "DuplicateContract",
            ),
        ),
    ]
}

fn consistency_rows(f: &Fixture) -> Vec<Row> {
    let declare = |enterprise: &str, number: &str, type_code: &str, item_code: &str, unit| {
        let lines = vec![line(1, item_code, "10", unit)];
        f.customs_into(enterprise, declaration(number, type_code, lines))
    };

    vec![
        row(
            "a line for an item nobody registered",
            vec![declare(
                ENTERPRISE_A,
                "104000000101",
                "E21",
                "NL-KHONG",
                Unit::Metre,
            )],
            Rejection::UnknownItem("NL-KHONG".to_string()),
            "UnknownItem",
        ),
        row(
            "a line for an item of another enterprise's catalogue",
            vec![declare(
                ENTERPRISE_A,
                "104000000102",
                "E21",
                LEATHER,
                Unit::Kilogram,
            )],
            Rejection::UnknownItem(LEATHER.to_string()),
            "UnknownItem",
        ),
        row(
            "a movement of an item nobody registered",
            vec![f.as_b(movement(
                "NL-KHONG",
                MovementKind::Scrap,
                "1",
                Unit::Kilogram,
            ))],
            Rejection::UnknownItem("NL-KHONG".to_string()),
            "UnknownItem",
        ),
        row(
            "a KGM line on an item kept in MTR",
            vec![declare(
                ENTERPRISE_A,
                "104000000103",
                "E21",
                FABRIC,
                Unit::Kilogram,
            )],
            unit_mismatch(FABRIC, "KGM", "MTR"),
            "UnitMismatch",
        ),
        row(
            "a movement in pieces of an item kept in pairs",
            vec![f.as_b(movement(SHOE, MovementKind::Produced, "10", Unit::Piece))],
            unit_mismatch(SHOE, "PCE", "PR"),
            "UnitMismatch",
        ),
        row(
            "a product on an E21 import line",
            vec![declare(
                ENTERPRISE_A,
                "104000000104",
                "E21",
                SHIRT,
                Unit::Piece,
            )],
            kind_mismatch(SHIRT, "E21", "material", "product"),
            "ItemKindMismatch",
        ),
        row(
            "a material on an E52 export line",
            vec![declare(
                ENTERPRISE_A,
                "304000000105",
                "E52",
                FABRIC,
                Unit::Metre,
            )],
            kind_mismatch(FABRIC, "E52", "product", "material"),
            "ItemKindMismatch",
        ),
        row(
            "a product on an E54 material re-export line",
            vec![declare(
                ENTERPRISE_A,
                "304000000106",
                "E54",
                SHIRT,
                Unit::Piece,
            )],
            kind_mismatch(SHIRT, "E54", "material", "product"),
            "ItemKindMismatch",
        ),
        row(
            "a material on an E41 product return line",
            vec![declare(
                ENTERPRISE_B,
                "104000000107",
                "E41",
                LEATHER,
                Unit::Kilogram,
            )],
            kind_mismatch(LEATHER, "E41", "product", "material"),
            "ItemKindMismatch",
        ),
    ]
}

fn validity_rows(f: &Fixture) -> Vec<Row> {
    let import =
        |number: &str, lines| f.customs_into(ENTERPRISE_A, declaration(number, "E21", lines));
    let many: Vec<_> = (1..=51)
        .map(|n| line(n, FABRIC, "1", Unit::Metre))
        .collect();
    let bad_tax_code = enterprise_record("ENT-0312345678", "12345");
    let bad_hs_code = Payload::Item(Item {
        code: "NL-NUT".to_string(),
        kind: ItemKind::Material,
        name: "nút áo".to_string(),
        unit: Unit::Piece,
        hs_code: HsCode("9606".to_string()),
    });
    let inverted_contract = Payload::Contract(Contract {
        number: "HD-02".to_string(),
        regime: Regime::Processing,
        foreign_party: "Foreign Trader Ltd".to_string(),
        valid_from: date(20),
        valid_to: date(10),
        products: Vec::new(),
    });
    let inverted_commitment = Payload::NormCommitment(NormCommitment {
        regime: Regime::Processing,
        version: 2,
        valid_from: date(20),
        valid_to: Some(date(10)),
        loss_convention: LossConvention::PercentOfNorm,
        commitment: [2; 32],
        norm_count: 1,
        envelopes: Vec::new(),
    });
    let inverted = ModelError::InvertedValidity {
        from: date(20),
        to: date(10),
    };

    vec![
        row(
            "a line of zero quantity",
            vec![import(
                "104000000201",
                vec![line(1, FABRIC, "0", Unit::Metre)],
            )],
            invalid(ModelError::NonPositiveQuantity(Decimal::ZERO)),
            "Invalid",
        ),
        row(
            "a line of negative quantity",
            vec![import(
                "104000000202",
                vec![line(1, FABRIC, "-5", Unit::Metre)],
            )],
            invalid(ModelError::NonPositiveQuantity(Decimal::from(-5))),
            "Invalid",
        ),
        row(
            "a declaration of 51 lines",
            vec![import("104000000203", many)],
            invalid(ModelError::LineCount(51)),
            "Invalid",
        ),
        row(
            "a declaration without lines",
            vec![import("104000000204", Vec::new())],
            invalid(ModelError::LineCount(0)),
            "Invalid",
        ),
        row(
            "a line number used twice",
            vec![import(
                "104000000205",
                vec![
                    line(3, FABRIC, "1", Unit::Metre),
                    line(3, THREAD, "1", Unit::Kilogram),
                ],
            )],
            invalid(ModelError::DuplicateLineNumber(3)),
            "Invalid",
        ),
        row(
            "an enterprise with a five-digit tax code",
            vec![f.sign(
                &f.customs,
                system(),
                register(bad_tax_code, vec![public(&key(55))]),
            )],
            invalid(ModelError::InvalidTaxCode("12345".to_string())),
            "Invalid",
        ),
        row(
            "an organization without keys",
            vec![f.sign(
                &f.customs,
                system(),
                register(customs_record("CUSTOMS-HCM"), vec![]),
            )],
            invalid_text("an organization needs at least one key"),
            "Invalid",
        ),
        row(
            "an item with a four-digit HS code",
            vec![f.as_a(bad_hs_code)],
            invalid(ModelError::InvalidHsCode("9606".to_string())),
            "Invalid",
        ),
        row(
            "an issue to production of nothing",
            vec![f.as_a(movement(
                FABRIC,
                MovementKind::IssuedToProduction,
                "0",
                Unit::Metre,
            ))],
            invalid(ModelError::NonPositiveQuantity(Decimal::ZERO)),
            "Invalid",
        ),
        row(
            "a negative stock count",
            vec![f.as_a(movement(
                FABRIC,
                MovementKind::StockCount,
                "-1",
                Unit::Metre,
            ))],
            invalid(ModelError::NegativeValue(Decimal::from(-1))),
            "Invalid",
        ),
        row(
            "a contract that ends before it starts",
            vec![f.as_a(inverted_contract)],
            invalid(inverted.clone()),
            "Invalid",
        ),
        row(
            "a norm commitment that ends before it starts",
            vec![f.as_a(inverted_commitment)],
            invalid(inverted),
            "Invalid",
        ),
    ]
}

const WATCHED_CHANNELS: [&str; 5] = [
    "system",
    ENTERPRISE_A,
    ENTERPRISE_B,
    CUSTOMS,
    "ENT-0999999999",
];

fn check_row(f: &Fixture, row: Row) {
    let name = row.name;
    let (mut state, mut sequence) = match row.base {
        Base::Empty => (MemoryState::default(), 0),
        Base::Chain => (f.state.clone(), f.next_sequence()),
    };
    if !row.earlier.is_empty() {
        let outcome = apply_batch(&state, sequence, &batch_at(sequence, row.earlier.clone()));
        for (hash, decision) in &outcome.decisions {
            assert!(
                matches!(decision, Decision::Accepted(_)),
                "{name}: setup {hash} {decision:?}"
            );
        }
        state.commit(outcome.changes);
        sequence += 1;
    }

    // The decision on the last transaction.
    let rejected = row.batch.last().expect("a row has a batch").clone();
    let rejected_hash = leaf_hash(&rejected);
    let outcome = apply_batch(&state, sequence, &batch_at(sequence, row.batch.clone()));
    assert_eq!(
        outcome.decisions.len(),
        row.batch.len(),
        "{name}: one decision each"
    );
    let (hash, decision) = outcome.decisions.last().expect("checked above");
    assert_eq!(
        *hash, rejected_hash,
        "{name}: the decision names the envelope's hash"
    );
    let Decision::Rejected(rejection) = decision else {
        panic!("{name}: must be rejected, was {decision:?}");
    };
    match &row.expected {
        Expected::Exact(expected) => assert_eq!(rejection, expected, "{name}"),
        Expected::UndecodableBody => {
            let Rejection::Malformed(text) = rejection else {
                panic!("{name}: must be malformed, was {rejection:?}");
            };
            assert!(
                text.starts_with("transaction body does not decode"),
                "{name}: {text}"
            );
        }
    }
    assert_eq!(rejection.code(), row.code, "{name}: reason code");

    // No effect: the batch without the rejected transaction decides and builds the same.
    let kept = row.batch[..row.batch.len() - 1].to_vec();
    let without = apply_batch(&state, sequence, &batch_at(sequence, kept.clone()));
    assert_eq!(outcome.blocks, without.blocks, "{name}: blocks");
    assert_eq!(outcome.changes, without.changes, "{name}: state changes");
    assert_eq!(
        outcome.decisions[..kept.len()],
        without.decisions[..],
        "{name}: decisions"
    );
    if kept.is_empty() {
        assert!(
            outcome.blocks.is_empty(),
            "{name}: a lone rejection makes no block"
        );
        assert_eq!(
            outcome.changes,
            StateChanges::default(),
            "{name}: no change at all"
        );
    }
    let copies_in_blocks = outcome
        .blocks
        .iter()
        .flat_map(|block| &block.transactions)
        .filter(|envelope| **envelope == rejected)
        .count();
    let copies_accepted_before = kept
        .iter()
        .filter(|envelope| **envelope == rejected)
        .count();
    assert_eq!(
        copies_in_blocks, copies_accepted_before,
        "{name}: rejected envelope in a block"
    );

    // The committed state is the state without the rejected transaction.
    let seen_before = state.transaction_seen(&rejected_hash);
    let mut with_state = state.clone();
    with_state.commit(outcome.changes);
    let mut without_state = state;
    without_state.commit(without.changes);
    assert_eq!(
        with_state.transaction_count(),
        without_state.transaction_count(),
        "{name}"
    );
    assert_eq!(
        with_state.transaction_seen(&rejected_hash),
        seen_before || copies_accepted_before > 0,
        "{name}: transaction_seen"
    );
    for channel_name in WATCHED_CHANNELS {
        let channel = channel(channel_name);
        assert_eq!(
            with_state.head(&channel),
            without_state.head(&channel),
            "{name}: head"
        );
    }
    if let Some(number) = declaration_number(&rejected) {
        assert_eq!(
            with_state.declaration_seen(&number),
            without_state.declaration_seen(&number),
            "{name}: declaration_seen"
        );
    }
}

fn declaration_number(envelope: &[u8]) -> Option<String> {
    let transaction = bonded_ledger::SignedTransaction::from_bytes(envelope.to_vec()).ok()?;
    match transaction.decode().ok()?.body.payload {
        Payload::Declaration(declaration) => Some(declaration.number),
        _ => None,
    }
}

#[test]
fn malformed_envelopes_are_rejected_before_anything_else() {
    let f = Fixture::new();
    for row in envelope_rows(&f) {
        check_row(&f, row);
    }
}

#[test]
fn a_chain_starts_with_exactly_one_valid_genesis() {
    let f = Fixture::new();
    for row in genesis_rows(&f) {
        check_row(&f, row);
    }
}

#[test]
fn signers_write_only_what_their_role_allows_where_they_may() {
    let f = Fixture::new();
    for row in authority_rows(&f) {
        check_row(&f, row);
    }
}

#[test]
fn replays_and_duplicate_records_are_rejected() {
    let f = Fixture::new();
    for row in uniqueness_rows(&f) {
        check_row(&f, row);
    }
}

#[test]
fn lines_and_movements_must_match_the_catalogue() {
    let f = Fixture::new();
    for row in consistency_rows(&f) {
        check_row(&f, row);
    }
}

#[test]
fn payloads_must_be_valid_by_the_domain_model() {
    let f = Fixture::new();
    for row in validity_rows(&f) {
        check_row(&f, row);
    }
}

#[test]
fn every_named_reason_has_a_row_and_its_own_code() {
    let f = Fixture::new();
    let mut codes: Vec<&str> = [
        envelope_rows(&f),
        genesis_rows(&f),
        authority_rows(&f),
        uniqueness_rows(&f),
        consistency_rows(&f),
        validity_rows(&f),
    ]
    .into_iter()
    .flatten()
    .map(|row| row.code)
    .collect();
    codes.sort_unstable();
    codes.dedup();
    // BadSignature is decided by the node on admission and by the verifier, not here.
    let expected = [
        "DuplicateContract",
        "DuplicateDeclaration",
        "DuplicateItem",
        "DuplicateKey",
        "DuplicateOrganization",
        "GenesisRepeated",
        "GenesisRequired",
        "Invalid",
        "ItemKindMismatch",
        "Malformed",
        "Replayed",
        "SignerNotAuthorized",
        "UnitMismatch",
        "UnknownChannel",
        "UnknownItem",
        "UnregisteredSigner",
        "WrongChain",
        "ChannelNotOwned",
    ];
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(codes, expected);
    assert_eq!(Rejection::BadSignature.code(), "BadSignature");
}

#[test]
fn rules_are_checked_in_their_documented_order() {
    // A transaction that breaks two rules is rejected for the earlier one.
    let f = Fixture::new();
    let button = item("NL-NUT", ItemKind::Material, Unit::Piece);
    let unknown = || {
        declaration(
            "104000000301",
            "E21",
            vec![line(1, "NL-KHONG", "0", Unit::Metre)],
        )
    };
    let rows = vec![
        row(
            "wrong chain and unregistered signer: the chain comes first",
            vec![f.sign_for_chain(
                "other-chain",
                &f.stranger,
                channel(ENTERPRISE_A),
                button.clone(),
            )],
            wrong_chain("other-chain"),
            "WrongChain",
        ),
        row(
            "unregistered signer in a foreign channel: the signer comes first",
            vec![f.sign(&f.stranger, channel(ENTERPRISE_B), button.clone())],
            Rejection::UnregisteredSigner,
            "UnregisteredSigner",
        ),
        row(
            "not authorized and not owned: the role comes first",
            vec![f.sign(&f.enterprise_a, channel(ENTERPRISE_B), unknown())],
            not_authorized(ENTERPRISE_A, "declaration"),
            "SignerNotAuthorized",
        ),
        row(
            "invalid and unknown item: the domain model comes first",
            vec![f.customs_into(ENTERPRISE_A, unknown())],
            invalid(ModelError::NonPositiveQuantity(Decimal::ZERO)),
            "Invalid",
        ),
    ];
    for row in rows {
        check_row(&f, row);
    }
}

/// Applies one batch to a copy of the fixture's state and returns the outcome.
fn try_batch(f: &Fixture, transactions: Vec<Vec<u8>>) -> BatchOutcome {
    let sequence = f.next_sequence();
    apply_batch(&f.state, sequence, &batch_at(sequence, transactions))
}

#[test]
fn declarations_are_accepted_with_the_item_kinds_their_type_code_needs() {
    let f = Fixture::new();
    // Enterprise, type code, lines: each row one declaration that must be accepted.
    type Lines = Vec<(&'static str, &'static str, Unit)>;
    let rows: Vec<(&str, &str, Lines)> = vec![
        (
            ENTERPRISE_A,
            "E21",
            vec![(FABRIC, "100", Unit::Metre), (THREAD, "2500", Unit::Gram)],
        ),
        (
            ENTERPRISE_A,
            "E52",
            vec![(SHIRT, "400", Unit::Piece), (SHIRT, "10", Unit::Dozen)],
        ),
        (
            ENTERPRISE_B,
            "E31",
            vec![(LEATHER, "1.5", Unit::Tonne), (SOLE, "800", Unit::Piece)],
        ),
        (ENTERPRISE_B, "E62", vec![(SHOE, "400", Unit::Pair)]),
        (ENTERPRISE_A, "E11", vec![(FABRIC, "250", Unit::Yard)]),
        (ENTERPRISE_B, "E42", vec![(SHOE, "120", Unit::Pair)]),
        (ENTERPRISE_A, "E54", vec![(THREAD, "3", Unit::Kilogram)]),
        (ENTERPRISE_A, "E41", vec![(SHIRT, "5", Unit::Piece)]),
        // Repurposing and codes outside the balance take either kind.
        (
            ENTERPRISE_A,
            "A42",
            vec![(SHIRT, "5", Unit::Piece), (FABRIC, "5", Unit::Metre)],
        ),
        (
            ENTERPRISE_B,
            "E13",
            vec![(SOLE, "5", Unit::Piece), (SHOE, "5", Unit::Pair)],
        ),
    ];
    for (position, (enterprise, type_code, lines)) in rows.into_iter().enumerate() {
        let number = format!("10500000{position:04}");
        let lines = lines
            .into_iter()
            .enumerate()
            .map(|(index, (code, quantity, unit))| line(index as u32 + 1, code, quantity, unit))
            .collect();
        let envelope = f.customs_into(enterprise, declaration(&number, type_code, lines));
        let outcome = try_batch(&f, vec![envelope.clone()]);
        let head = f
            .state
            .head(&channel(enterprise))
            .expect("the catalogue made a block");
        let expected = Location {
            channel: channel(enterprise),
            height: head.height + 1,
            index: 0,
        };
        assert_eq!(location(&outcome, 0), expected, "{type_code}");
        assert_eq!(outcome.blocks.len(), 1, "{type_code}");
        assert_eq!(
            outcome.blocks[0].transactions,
            vec![envelope],
            "{type_code}"
        );
        assert_eq!(outcome.changes.declarations.len(), 1, "{type_code}");
        assert_eq!(
            outcome.changes.declarations[&number],
            leaf_hash(&outcome.blocks[0].transactions[0])
        );
        let mut state = f.state.clone();
        assert!(!state.declaration_seen(&number), "{type_code}");
        state.commit(outcome.changes);
        assert!(state.declaration_seen(&number), "{type_code}");
    }
}

#[test]
fn enterprises_record_their_own_books() {
    let f = Fixture::new();
    let scrap = || movement(FABRIC, MovementKind::Scrap, "2.5", Unit::Metre);
    let first_scrap = f.as_a(scrap());
    let second_scrap = f.as_a(scrap());
    let batch = vec![
        f.as_a(movement(
            FABRIC,
            MovementKind::IssuedToProduction,
            "1200",
            Unit::Centimetre,
        )),
        f.as_a(movement(SHIRT, MovementKind::Produced, "300", Unit::Piece)),
        f.as_a(movement(
            THREAD,
            MovementKind::StockCount,
            "0",
            Unit::Kilogram,
        )),
        first_scrap.clone(),
        second_scrap.clone(),
        f.as_a(contract("HD-01")),
        // Contract numbers and item codes are unique per channel, not across channels.
        f.as_b(contract("HD-01")),
        f.as_b(item(FABRIC, ItemKind::Material, Unit::SquareMetre)),
        f.as_a(norm_commitment(1)),
        f.as_a(norm_commitment(2)),
    ];
    let outcome = try_batch(&f, batch.clone());
    assert_all_accepted(&outcome);
    // Two equal facts with different nonces are two transactions.
    assert_ne!(leaf_hash(&first_scrap), leaf_hash(&second_scrap));
    assert_eq!(outcome.blocks.len(), 2);
    assert_eq!(outcome.blocks[0].header.channel, channel(ENTERPRISE_A));
    assert_eq!(outcome.blocks[0].transactions.len(), 8);
    assert_eq!(outcome.blocks[1].header.channel, channel(ENTERPRISE_B));
    assert_eq!(outcome.blocks[1].transactions.len(), 2);
    let mut state = f.state.clone();
    state.commit(outcome.changes);
    assert!(state.contract_seen(&channel(ENTERPRISE_A), "HD-01"));
    assert!(state.contract_seen(&channel(ENTERPRISE_B), "HD-01"));
    let fabric_of_b = state
        .item(&channel(ENTERPRISE_B), FABRIC)
        .expect("registered");
    assert_eq!(fabric_of_b.unit, Unit::SquareMetre);
    let fabric_of_a = state
        .item(&channel(ENTERPRISE_A), FABRIC)
        .expect("registered");
    assert_eq!(fabric_of_a.unit, Unit::Metre);
    assert_eq!(fabric_of_a.kind, ItemKind::Material);
}

#[test]
fn the_fixture_registers_parties_and_catalogues() {
    let f = Fixture::new();
    let chain = f.state.chain().expect("genesis applied");
    assert_eq!(chain.chain_id, CHAIN_ID);
    assert_eq!(chain.customs.as_str(), CUSTOMS);
    assert_eq!(chain.orderer_keys, vec![public(&f.orderer)]);
    let owners = [
        (&f.customs, CUSTOMS),
        (&f.enterprise_a, ENTERPRISE_A),
        (&f.enterprise_b, ENTERPRISE_B),
    ];
    for (key, owner) in owners {
        let organization = f
            .state
            .organization_of_key(&public(key))
            .expect("registered key");
        assert_eq!(organization.as_str(), owner);
    }
    assert_eq!(f.state.organization_of_key(&public(&f.stranger)), None);
    assert_eq!(f.state.organization_of_key(&public(&f.orderer)), None);
    let units = [
        (ENTERPRISE_A, FABRIC, Unit::Metre, ItemKind::Material),
        (ENTERPRISE_A, THREAD, Unit::Kilogram, ItemKind::Material),
        (ENTERPRISE_A, SHIRT, Unit::Piece, ItemKind::Product),
        (ENTERPRISE_B, LEATHER, Unit::Kilogram, ItemKind::Material),
        (ENTERPRISE_B, SOLE, Unit::Piece, ItemKind::Material),
        (ENTERPRISE_B, SHOE, Unit::Pair, ItemKind::Product),
    ];
    for (enterprise, code, unit, kind) in units {
        let entry = f
            .state
            .item(&channel(enterprise), code)
            .expect("catalogued");
        assert_eq!((entry.unit, entry.kind), (unit, kind), "{code}");
    }
    assert_eq!(f.state.item(&channel(ENTERPRISE_B), FABRIC), None);
    assert_eq!(f.state.transaction_count(), 9);
    let heights: Vec<u64> = [system(), channel(ENTERPRISE_A), channel(ENTERPRISE_B)]
        .iter()
        .map(|channel| f.state.head(channel).expect("a block").height)
        .collect();
    assert_eq!(heights, vec![1, 0, 0]);
}

/// RFC 6962's recursive definition of the tree head, written out independently of the crate's
/// level-wise builder.
fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => merkle::empty_root(),
        1 => leaves[0],
        count => {
            // The largest power of two smaller than the count.
            let mut split = 1;
            while split * 2 < count {
                split *= 2;
            }
            merkle::node_hash(
                &reference_root(&leaves[..split]),
                &reference_root(&leaves[split..]),
            )
        }
    }
}

#[test]
fn a_batch_makes_one_block_per_channel_chained_to_the_channel_head() {
    let mut f = Fixture::new();
    let heads_before: Vec<_> = [system(), channel(ENTERPRISE_A), channel(ENTERPRISE_B)]
        .iter()
        .map(|channel| f.state.head(channel).expect("a block"))
        .collect();
    let rejected = f.as_a(item(FABRIC, ItemKind::Material, Unit::Metre));
    let batch = vec![
        f.as_a(item("NL-NUT", ItemKind::Material, Unit::Piece)),
        f.customs_into(
            ENTERPRISE_B,
            declaration(
                "104000000401",
                "E31",
                vec![line(1, LEATHER, "40", Unit::Kilogram)],
            ),
        ),
        rejected.clone(),
        f.as_a(movement(
            "NL-NUT",
            MovementKind::IssuedToProduction,
            "12",
            Unit::Dozen,
        )),
        f.sign(
            &f.customs,
            system(),
            register(
                enterprise_record("ENT-0312345678", "0312345678"),
                vec![public(&key(55))],
            ),
        ),
        f.as_a(contract("HD-01")),
    ];
    let sequence = f.next_sequence();
    let outcome = f.apply(batch.clone());

    // One block per channel: the system channel first, then the others in the order they first
    // appear in the batch.
    let channels: Vec<&ChannelId> = outcome.blocks.iter().map(|b| &b.header.channel).collect();
    assert_eq!(
        channels,
        vec![&system(), &channel(ENTERPRISE_A), &channel(ENTERPRISE_B)]
    );
    let expected_transactions = [
        vec![batch[4].clone()],
        vec![batch[0].clone(), batch[3].clone(), batch[5].clone()],
        vec![batch[1].clone()],
    ];
    let previous = [&heads_before[0], &heads_before[1], &heads_before[2]];
    for ((block, transactions), head) in outcome
        .blocks
        .iter()
        .zip(&expected_transactions)
        .zip(previous)
    {
        let header = &block.header;
        assert_eq!(&block.transactions, transactions, "{}", header.channel);
        assert_eq!(header.version, 1);
        assert_eq!(header.chain_id, CHAIN_ID);
        assert_eq!(header.height, head.height + 1, "{}", header.channel);
        assert_eq!(header.previous_hash, head.hash, "{}", header.channel);
        assert_eq!(header.transaction_count as usize, transactions.len());
        assert_eq!(header.batch, sequence);
        assert_eq!(header.timestamp_ms, EPOCH_MS + sequence as i64 * 1000);
        let leaves: Vec<Hash> = transactions.iter().map(|t| leaf_hash(t)).collect();
        assert_eq!(
            header.merkle_root,
            reference_root(&leaves),
            "{}",
            header.channel
        );
        assert!(
            block.signatures.is_empty(),
            "the state machine does not sign"
        );
        let new_head = f.state.head(&header.channel).expect("committed");
        assert_eq!(new_head.height, header.height);
        assert_eq!(new_head.hash, header.hash());
        assert_eq!(
            new_head.transaction_count,
            head.transaction_count + transactions.len() as u64
        );
    }

    // Each decision names its place; the rejected transaction has none.
    let places = [
        (0, ENTERPRISE_A, 0),
        (1, ENTERPRISE_B, 0),
        (3, ENTERPRISE_A, 1),
        (4, "system", 0),
        (5, ENTERPRISE_A, 2),
    ];
    for (position, channel_name, index) in places {
        let place = location(&outcome, position);
        let block = outcome
            .blocks
            .iter()
            .find(|b| b.header.channel == place.channel)
            .expect("block");
        assert_eq!(
            place.channel,
            channel(channel_name),
            "transaction {position}"
        );
        assert_eq!(place.index, index, "transaction {position}");
        assert_eq!(place.height, block.header.height, "transaction {position}");
        assert_eq!(block.transactions[index as usize], batch[position]);
        assert_eq!(f.state.location(&leaf_hash(&batch[position])), Some(&place));
    }
    assert_eq!(
        outcome.decisions[2].1,
        Decision::Rejected(Rejection::DuplicateItem(FABRIC.to_string()))
    );
    assert_eq!(f.state.location(&leaf_hash(&rejected)), None);

    // A later batch touching one channel extends only that channel.
    let a_block_hash = outcome.blocks[1].hash();
    let next = f.apply(vec![f.as_a(norm_commitment(1))]);
    assert_eq!(next.blocks.len(), 1);
    assert_eq!(next.blocks[0].header.height, heads_before[1].height + 2);
    assert_eq!(next.blocks[0].header.previous_hash, a_block_hash);
    assert_eq!(next.blocks[0].header.batch, sequence + 1);
    assert_eq!(
        f.state.head(&channel(ENTERPRISE_B)).expect("block").hash,
        outcome.blocks[2].hash()
    );
}

#[test]
fn a_batch_of_only_rejections_makes_no_block() {
    let f = Fixture::new();
    let outcome = try_batch(
        &f,
        vec![
            f.as_a(Payload::Genesis(Genesis {
                customs: customs_record(CUSTOMS),
                customs_keys: vec![],
                orderer_keys: vec![],
                attestation: AttestationTrust::Production,
            })),
            b"junk".to_vec(),
        ],
    );
    assert!(outcome.blocks.is_empty());
    assert_eq!(outcome.changes, StateChanges::default());
    assert_eq!(outcome.decisions.len(), 2);
    assert_eq!(
        outcome.decisions[0].1,
        Decision::Rejected(Rejection::GenesisRepeated)
    );
    let empty = try_batch(&f, Vec::new());
    assert!(empty.blocks.is_empty());
    assert!(empty.decisions.is_empty());
}

#[test]
fn keys_that_cannot_sign_or_sign_anything_are_refused_at_registration() {
    let f = Fixture::new();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    for (name, key) in [
        ("the identity point", identity),
        ("no curve point", not_a_point),
    ] {
        let record = enterprise_record("ENT-0312345678", "0312345678");
        let envelope = f.sign(&f.customs, system(), register(record, vec![key]));
        let outcome = try_batch(&f, vec![envelope]);
        let Decision::Rejected(rejection) = &outcome.decisions[0].1 else {
            panic!("{name}: registered");
        };
        assert_eq!(rejection.code(), "Invalid", "{name}");
    }
}
