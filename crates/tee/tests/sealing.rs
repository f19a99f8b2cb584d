//! Sealing: a round trip, across a restart, and the refusals that keep sealed state from other
//! programs, older versions and other platforms.

mod common;

use bonded_tee::sim::SECRET_FILE_NAME;
use bonded_tee::{
    EnclaveProgram, Platform, PlatformError, SealError, SealPolicy, SimulatedSgx,
    SimulationSettings,
};
use common::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const STATE: &[u8] = b"enclave signing key and norm cache";
const AAD: &[u8] = b"bonded-enclave state v1";

fn rng() -> StdRng {
    StdRng::seed_from_u64(42)
}

fn sealed_by(platform: &SimulatedSgx, policy: SealPolicy) -> Vec<u8> {
    platform
        .seal(policy, AAD, STATE, &mut rng())
        .expect("seals")
}

#[test]
fn sealed_state_opens_under_both_policies() {
    let platform = platform();
    for policy in [SealPolicy::EnclaveIdentity, SealPolicy::Signer] {
        let sealed = sealed_by(&platform, policy);
        assert!(
            !sealed.windows(STATE.len()).any(|w| w == STATE),
            "no plaintext in the blob"
        );
        assert_eq!(platform.unseal(AAD, &sealed).expect("opens"), STATE);
    }
}

#[test]
fn sealed_state_survives_a_restart() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let program = program(b"enclave code v1", 1);
    let settings = SimulationSettings::default;

    let first = SimulatedSgx::open(folder.path(), &program, settings()).expect("creates");
    let sealed = sealed_by(&first, SealPolicy::EnclaveIdentity);
    let root = first.attestation_root();
    drop(first);

    let second = SimulatedSgx::open(folder.path(), &program, settings()).expect("reopens");
    assert_eq!(
        second.unseal(AAD, &sealed).expect("opens after restart"),
        STATE
    );
    assert_eq!(
        second.attestation_root(),
        root,
        "the simulated root is stable"
    );
}

#[test]
fn another_program_cannot_open_enclave_sealed_state() {
    let sealed = sealed_by(&platform(), SealPolicy::EnclaveIdentity);
    let other = platform_with(1, &program(b"a different enclave", 1));
    assert_eq!(other.unseal(AAD, &sealed), Err(SealError::NotOpenable));
}

#[test]
fn signer_sealed_state_follows_upgrades_but_not_downgrades() {
    let version_2 = platform_with(1, &program(b"enclave code v2", 2));
    let sealed = sealed_by(&version_2, SealPolicy::Signer);

    let version_3 = platform_with(1, &program(b"enclave code v3", 3));
    assert_eq!(
        version_3
            .unseal(AAD, &sealed)
            .expect("a later version opens"),
        STATE
    );

    let version_1 = platform_with(1, &program(b"enclave code v1", 1));
    assert_eq!(
        version_1.unseal(AAD, &sealed),
        Err(SealError::SealedByNewerVersion {
            sealed: 2,
            current: 1
        })
    );
}

#[test]
fn enclave_sealed_state_refuses_a_lower_security_version() {
    let sealed = sealed_by(
        &platform_with(1, &program(b"code", 2)),
        SealPolicy::EnclaveIdentity,
    );
    let older = platform_with(1, &program(b"code", 1));
    assert_eq!(
        older.unseal(AAD, &sealed),
        Err(SealError::SealedByNewerVersion {
            sealed: 2,
            current: 1
        })
    );
}

#[test]
fn another_product_or_platform_cannot_open() {
    let sealed = sealed_by(&platform(), SealPolicy::Signer);

    let other_program =
        EnclaveProgram::from_code(b"enclave code v1", SIGNER_KEY, PRODUCT_ID + 1, 1);
    let other_product = platform_with(1, &other_program);
    assert_eq!(
        other_product.unseal(AAD, &sealed),
        Err(SealError::ProductMismatch {
            sealed: PRODUCT_ID,
            current: PRODUCT_ID + 1
        })
    );

    let other_platform = platform_with(2, &program(b"enclave code v1", 1));
    assert_eq!(
        other_platform.unseal(AAD, &sealed),
        Err(SealError::NotOpenable)
    );
}

#[test]
fn altered_blobs_and_other_associated_data_are_refused() {
    let platform = platform();
    let sealed = sealed_by(&platform, SealPolicy::EnclaveIdentity);

    assert_eq!(
        platform.unseal(b"other context", &sealed),
        Err(SealError::NotOpenable)
    );
    for offset in [5, 10, 42, 54, sealed.len() - 1] {
        let mut altered = sealed.clone();
        altered[offset] ^= 0x01;
        assert!(platform.unseal(AAD, &altered).is_err(), "offset {offset}");
    }
    let truncated = &sealed[..20];
    assert!(matches!(
        platform.unseal(AAD, truncated),
        Err(SealError::Malformed { .. })
    ));
}

#[cfg(unix)]
#[test]
fn the_platform_secret_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;

    let folder = tempfile::tempdir().expect("temporary folder");
    let program = program(b"code", 1);
    SimulatedSgx::open(folder.path(), &program, SimulationSettings::default()).expect("creates");
    let path = folder.path().join(SECRET_FILE_NAME);
    let metadata = std::fs::metadata(&path).expect("secret file");
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    assert_eq!(metadata.len(), 32);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = SimulatedSgx::open(folder.path(), &program, SimulationSettings::default());
    assert!(matches!(
        error,
        Err(PlatformError::SecretFileExposed { mode: 0o644, .. })
    ));
}

/// Pins the sealed blob format for a seeded platform and random source.
#[test]
fn sealed_bytes_are_pinned() {
    let sealed = sealed_by(&platform(), SealPolicy::Signer);
    assert_eq!(&sealed[..6], b"BSEL\x01\x02");
    assert_eq!(
        bonded_tee::Measurement::of(&sealed).to_hex(),
        PINNED_SEALED_SHA256
    );
}

const PINNED_SEALED_SHA256: &str =
    "4e72ff0d4050dea482ff787d4a32c448af256b5e37a267d135eec9528b4d862f";
