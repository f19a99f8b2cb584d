//! The HPKE suite of norm envelopes against RFC 9180 appendix A.1.1: DHKEM(X25519,
//! HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode.

use hpke::aead::AesGcm128;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use rand::{CryptoRng, RngCore};

const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
const IKM_E: &str = "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234";
const SK_EM: &str = "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736";
const PK_EM: &str = "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431";
const IKM_R: &str = "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037";
const SK_RM: &str = "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8";
const PK_RM: &str = "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d";
const PLAINTEXT: &str = "4265617574792069732074727574682c20747275746820626561757479";

/// (sequence number, aad, ciphertext) of the appendix's encryptions.
const ENCRYPTIONS: [(u32, &str, &str); 4] = [
    (
        0,
        "436f756e742d30",
        "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
    ),
    (
        1,
        "436f756e742d31",
        "af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84",
    ),
    (
        2,
        "436f756e742d32",
        "498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb72516491588d96a19ad4a683518973dcc180",
    ),
    (
        255,
        "436f756e742d323535",
        "7175db9717964058640a3a11fb9007941a5d1757fda1a6935c805c21af32505bf106deefec4a49ac38d71c9e0a",
    ),
];

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).unwrap()
}

/// An RNG that hands out fixed bytes: the appendix's ephemeral key material.
struct Fixed(Vec<u8>);

impl RngCore for Fixed {
    fn next_u32(&mut self) -> u32 {
        unreachable!("HPKE draws whole byte strings")
    }
    fn next_u64(&mut self) -> u64 {
        unreachable!("HPKE draws whole byte strings")
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let taken: Vec<u8> = self.0.drain(..dest.len()).collect();
        dest.copy_from_slice(&taken);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for Fixed {}

#[test]
fn key_derivation_matches_the_appendix() {
    let (sk_e, pk_e) = X25519HkdfSha256::derive_keypair(&unhex(IKM_E));
    assert_eq!(hex::encode(sk_e.to_bytes()), SK_EM);
    assert_eq!(hex::encode(pk_e.to_bytes()), PK_EM);
    let (sk_r, pk_r) = X25519HkdfSha256::derive_keypair(&unhex(IKM_R));
    assert_eq!(hex::encode(sk_r.to_bytes()), SK_RM);
    assert_eq!(hex::encode(pk_r.to_bytes()), PK_RM);
}

#[test]
fn sender_reproduces_every_ciphertext_and_the_receiver_opens_them() {
    let pk_r = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&unhex(PK_RM)).unwrap();
    let mut rng = Fixed(unhex(IKM_E));
    let (enc, mut sender) = hpke::setup_sender::<AesGcm128, HkdfSha256, X25519HkdfSha256, _>(
        &OpModeS::Base,
        &pk_r,
        &unhex(INFO),
        &mut rng,
    )
    .unwrap();
    assert_eq!(hex::encode(enc.to_bytes()), PK_EM);

    let sk_r = <X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(&unhex(SK_RM)).unwrap();
    let mut receiver = hpke::setup_receiver::<AesGcm128, HkdfSha256, X25519HkdfSha256>(
        &OpModeR::Base,
        &sk_r,
        &enc,
        &unhex(INFO),
    )
    .unwrap();

    let mut sequence = 0;
    for (target, aad, expected) in ENCRYPTIONS {
        // Advance both contexts to the vector's sequence number.
        while sequence < target {
            let skipped = sender.seal(b"skip", b"").unwrap();
            assert_eq!(receiver.open(&skipped, b"").unwrap(), b"skip");
            sequence += 1;
        }
        let ciphertext = sender.seal(&unhex(PLAINTEXT), &unhex(aad)).unwrap();
        assert_eq!(hex::encode(&ciphertext), expected, "sequence {target}");
        let opened = receiver.open(&ciphertext, &unhex(aad)).unwrap();
        assert_eq!(opened, unhex(PLAINTEXT));
        sequence += 1;
    }
}

#[test]
fn exporter_matches_the_appendix() {
    let sk_r = <X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(&unhex(SK_RM)).unwrap();
    let enc = <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(&unhex(PK_EM)).unwrap();
    let receiver = hpke::setup_receiver::<AesGcm128, HkdfSha256, X25519HkdfSha256>(
        &OpModeR::Base,
        &sk_r,
        &enc,
        &unhex(INFO),
    )
    .unwrap();
    let exports = [
        (
            "",
            "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee",
        ),
        (
            "00",
            "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5",
        ),
        (
            "54657374436f6e74657874",
            "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931",
        ),
    ];
    for (context, expected) in exports {
        let mut out = [0u8; 32];
        receiver.export(&unhex(context), &mut out).unwrap();
        assert_eq!(hex::encode(out), expected, "export context {context:?}");
    }
}
