//! A small hand-made bundle, its norms with distinctive values, and an enclave to run it in.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use bonded_enclave::host::EnclaveProcess;
use bonded_enclave::protocol::{IdentityResponse, Request, Response, VerifyRequest};
use bonded_model::{LossConvention, NaiveDate};
use bonded_norms::{Binding, NormRow, NormSet, Opening, Salt};

pub const CHAIN_ID: &str = "bonded-test-chain";
pub const ENTERPRISE: &str = "0312345678";
/// 2025-10-01, inside the simulated certificates' validity.
pub const AT_MS: i64 = 1_759_276_800_000;

/// Values that appear nowhere else: if one of these (or an effective norm derived from them)
/// shows up in the enclave's output, a norm leaked.
pub const SECRET_VALUES: [&str; 4] = ["1.234567", "2.345678", "3.456789", "12.345678"];

pub const ITEMS: &str = "\
code,kind,name,unit,hs_code
NL-FABRIC,material,Polyester fabric,MTR,54076100
NL-THREAD,material,Sewing thread,MTR,54011010
SP-BAG,product,Travel bag,PCE,42029290
";

pub const DECLARATIONS: &str = "\
declaration_no,type_code,date,line_no,item_code,quantity,unit,value_vnd
104000000001,E31,2025-01-10,1,NL-FABRIC,500,MTR,50000000
104000000001,E31,2025-01-10,2,NL-THREAD,900,MTR,9000000
104000000002,E31,2025-03-02,1,NL-FABRIC,100,MTR,10000000
306000000001,E62,2025-04-15,1,SP-BAG,100,PCE,90000000
306000000002,E62,2025-06-20,1,SP-BAG,150,PCE,135000000
";

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

/// The same norms as the `norms.csv` a user would give `bonded reconcile`.
pub const NORMS_CSV: &str = "\
product_code,material_code,norm,loss_percent,loss_convention,valid_from,valid_to
SP-BAG,NL-FABRIC,1.234567,2.345678,percent_of_norm,2025-01-01,
SP-BAG,NL-THREAD,3.456789,12.345678,percent_of_norm,2025-01-01,
";

pub fn bundle() -> BTreeMap<String, String> {
    let base64 = base64::engine::general_purpose::STANDARD;
    [("items.csv", ITEMS), ("declarations.csv", DECLARATIONS)]
        .into_iter()
        .map(|(name, text)| (name.to_string(), base64.encode(text)))
        .collect()
}

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

pub fn verify_request(sealed_norms: String, commitment: &[u8; 32]) -> VerifyRequest {
    VerifyRequest {
        chain_id: CHAIN_ID.into(),
        enterprise: ENTERPRISE.into(),
        commitment: hex::encode(commitment),
        sealed_norms,
        bundle: bundle(),
        from: None,
        to: None,
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

/// A running enclave with the fixture's norms sealed to its attested norms key.
pub struct SealedSession {
    pub enclave: EnclaveProcess,
    pub identity: IdentityResponse,
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
    SealedSession {
        enclave,
        identity,
        opening,
        commitment,
        sealed,
    }
}
