//! Norm envelopes: round trip, and every way a host or another party could misuse one.

use bonded_model::{LossConvention, NaiveDate};
use bonded_norms::*;
use rust_decimal::Decimal;

fn row(product: &str, material: &str, norm: &str, loss: &str) -> NormRow {
    NormRow {
        product_code: product.into(),
        material_code: material.into(),
        norm: norm.parse().unwrap(),
        loss_percent: loss.parse().unwrap(),
        loss_convention: LossConvention::PercentOfNorm,
        valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        valid_to: None,
    }
}

fn opening() -> Opening {
    let set = NormSet::new(vec![
        row("SP-SHIRT", "NL-COTTON", "1.450", "3.0"),
        row("SP-JACKET", "NL-COTTON", "2.4", "4"),
    ])
    .unwrap();
    Opening {
        salt: Salt([7; 32]),
        set,
    }
}

fn binding<'a>(commitment: &'a [u8; 32], enterprise: &'a str) -> Binding<'a> {
    Binding {
        chain_id: "bonded-demo",
        enterprise,
        commitment,
    }
}

#[test]
fn the_canonical_text_is_sorted_and_in_lowest_form() {
    let text = opening().to_text();
    let expected = format!(
        "bonded-norms-v1\n{}\n\
         SP-JACKET\tNL-COTTON\t2.4\t4\tpercent_of_norm\t2026-01-01\t\n\
         SP-SHIRT\tNL-COTTON\t1.45\t3\tpercent_of_norm\t2026-01-01\t\n",
        "07".repeat(32)
    );
    assert_eq!(text, expected);
    assert_eq!(Opening::parse(text.as_bytes()).unwrap(), opening());
}

#[test]
fn a_non_canonical_opening_is_refused() {
    let text = opening().to_text().replace("\t1.45\t", "\t1.450\t");
    assert!(matches!(
        Opening::parse(text.as_bytes()),
        Err(NormsError::NotCanonical(_))
    ));
}

#[test]
fn bad_rows_are_named() {
    let mut zero = row("SP", "NL", "0", "1");
    assert!(matches!(
        NormSet::new(vec![zero.clone()]),
        Err(NormsError::Row { row: 1, .. })
    ));
    zero.norm = Decimal::ONE;
    zero.loss_percent = Decimal::ONE_HUNDRED;
    assert!(matches!(
        NormSet::new(vec![zero]),
        Err(NormsError::Row { row: 1, .. })
    ));
    let twice = vec![row("SP", "NL", "1", "1"), row("SP", "NL", "2", "1")];
    assert!(matches!(
        NormSet::new(twice),
        Err(NormsError::Duplicate { .. })
    ));
    assert_eq!(NormSet::new(Vec::new()), Err(NormsError::Empty));
}

#[test]
fn the_enclave_opens_what_was_sealed_to_it() {
    let mut rng = rand::rngs::OsRng;
    let key = EnclaveKey::generate(&mut rng);
    let opening = opening();
    let commitment = opening.commitment();
    let bound = binding(&commitment, "ENT-0302222222");
    let sealed = seal(&key.public_bytes(), bound, &opening, &mut rng).unwrap();
    let bytes = sealed.to_bytes();
    // Nothing of the norms is visible in the envelope.
    assert!(!bytes.windows(4).any(|w| w == b"1.45"));
    let received = SealedNorms::from_bytes(&bytes).unwrap();
    assert_eq!(open(&key, bound, &received).unwrap(), opening);

    // The key survives a restart through its private bytes.
    let restored = EnclaveKey::from_private_bytes(&key.private_bytes()).unwrap();
    assert_eq!(restored.public_bytes(), key.public_bytes());
    assert_eq!(open(&restored, bound, &received).unwrap(), opening);
}

#[test]
fn another_key_binding_or_altered_byte_does_not_open() {
    let mut rng = rand::rngs::OsRng;
    let key = EnclaveKey::generate(&mut rng);
    let opening = opening();
    let commitment = opening.commitment();
    let bound = binding(&commitment, "ENT-0302222222");
    let sealed = seal(&key.public_bytes(), bound, &opening, &mut rng).unwrap();

    let stranger = EnclaveKey::generate(&mut rng);
    assert_eq!(
        open(&stranger, bound, &sealed),
        Err(NormsError::Unauthentic)
    );

    let other_enterprise = binding(&commitment, "ENT-0301111111");
    assert_eq!(
        open(&key, other_enterprise, &sealed),
        Err(NormsError::Unauthentic)
    );

    let other_commitment = [9u8; 32];
    let replayed = binding(&other_commitment, "ENT-0302222222");
    assert_eq!(open(&key, replayed, &sealed), Err(NormsError::Unauthentic));

    let mut tampered = sealed.clone();
    tampered.ciphertext[3] ^= 1;
    assert_eq!(open(&key, bound, &tampered), Err(NormsError::Unauthentic));
}

#[test]
fn norms_that_do_not_match_their_commitment_are_refused() {
    let mut rng = rand::rngs::OsRng;
    let key = EnclaveKey::generate(&mut rng);
    let honest = opening();
    let committed = honest.commitment();
    // The enterprise seals other norms than it committed to: sealing refuses at once.
    let mut inflated = honest.clone();
    inflated.set = NormSet::new(vec![row("SP-SHIRT", "NL-COTTON", "1.9", "3")]).unwrap();
    let bound = binding(&committed, "ENT-0302222222");
    assert_eq!(
        seal(&key.public_bytes(), bound, &inflated, &mut rng),
        Err(NormsError::CommitmentMismatch)
    );
}

#[test]
fn malformed_envelopes_get_a_clear_error() {
    assert!(matches!(
        SealedNorms::from_bytes(&[]),
        Err(NormsError::MalformedEnvelope(_))
    ));
    assert!(matches!(
        SealedNorms::from_bytes(&[2; 80]),
        Err(NormsError::MalformedEnvelope(_))
    ));
    assert!(matches!(
        SealedNorms::from_bytes(&[1; 40]),
        Err(NormsError::MalformedEnvelope(_))
    ));
}
