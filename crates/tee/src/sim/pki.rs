//! The simulated attestation PKI: a root CA standing in for Intel's SGX Root CA, a PCK CA under
//! it, the platform's PCK certificate, and a TCB signing certificate for the collateral, laid out
//! as Intel's are so the same verifier walks the same paths.
//!
//! Every key is derived from the platform secret with HKDF-SHA256 under its own label, and every
//! signature is deterministic (RFC 6979), so the same secret and settings always give the same
//! certificates, collateral and quotes: the simulated root stays the same across restarts and a
//! seeded test replays byte for byte.

use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, CertificateRevocationListParams,
    CustomExtension, DistinguishedName, DnType, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RemoteKeyPair, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::der;
use crate::platform::QuoteError;
use crate::sim::SimulationSettings;

/// OID arcs of the Intel SGX extension in PCK certificates (1.2.840.113741.1.13.1).
const SGX_EXTENSION: [u64; 7] = [1, 2, 840, 113741, 1, 13, 1];
const ORGANIZATION: &str = "Bonded simulated attestation (not Intel)";
pub(crate) const ROOT_COMMON_NAME: &str = "Bonded Simulated SGX Root CA";

/// A P-256 key derived from the platform secret.
#[derive(Clone)]
pub(crate) struct SimKey {
    signing: SigningKey,
    public_sec1: Vec<u8>,
}

impl SimKey {
    pub(crate) fn derive(secret: &[u8; 32], label: &str) -> SimKey {
        let hkdf = Hkdf::<Sha256>::new(Some(b"bonded-tee/simulated-pki/v1"), secret);
        // A 32-byte string is a valid scalar unless it is zero or above the group order, a chance
        // of about 2^-32; the counter moves past such a string.
        for counter in 0u8..=255 {
            let mut scalar = [0u8; 32];
            let info = [label.as_bytes(), &[counter]].concat();
            hkdf.expand(&info, &mut scalar)
                .expect("32 bytes is a valid HKDF output length");
            if let Ok(signing) = SigningKey::from_slice(&scalar) {
                let public_sec1 = signing
                    .verifying_key()
                    .to_sec1_point(false)
                    .as_bytes()
                    .to_vec();
                return SimKey {
                    signing,
                    public_sec1,
                };
            }
        }
        unreachable!("256 consecutive HKDF outputs are all invalid P-256 scalars")
    }

    /// ECDSA-P256-SHA256 over `message`, as fixed-width `r || s`.
    pub(crate) fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        let signature: Signature = self.signing.sign(message);
        signature.to_bytes().into()
    }

    /// The public point as `x || y`, the form a quote carries.
    pub(crate) fn public_xy(&self) -> [u8; 64] {
        assert_eq!(
            self.public_sec1[0], 0x04,
            "an uncompressed SEC1 point starts with 4"
        );
        self.public_sec1[1..]
            .try_into()
            .expect("65-byte uncompressed point")
    }

    fn rcgen_key_pair(&self) -> Result<KeyPair, QuoteError> {
        KeyPair::from_remote(Box::new(self.clone())).map_err(certificate_error)
    }

    fn key_identifier(&self) -> Vec<u8> {
        Sha256::digest(&self.public_sec1)[..20].to_vec()
    }
}

impl RemoteKeyPair for SimKey {
    fn public_key(&self) -> &[u8] {
        &self.public_sec1
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(der::ecdsa_signature(&self.sign_raw(message)))
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

struct Issued {
    key: SimKey,
    key_pair: KeyPair,
    certificate: Certificate,
}

/// The certificates a simulated platform presents, and the CA keys that sign its CRLs.
pub(crate) struct SimulatedPki {
    root: Issued,
    pck_ca: Issued,
    pck: Issued,
    tcb_signer: Issued,
}

impl SimulatedPki {
    /// The vendor's CAs and TCB signer from `vendor`, this platform's PCK from `platform`.
    pub(crate) fn build(
        vendor: &[u8; 32],
        platform: &[u8; 32],
        settings: &SimulationSettings,
        platform_id: &[u8; 16],
    ) -> Result<SimulatedPki, QuoteError> {
        let secret = vendor;
        let from = offset_date_time(settings.certificates_valid_from_ms)?;
        let until = offset_date_time(settings.certificates_valid_until_ms)?;

        // The root signs itself, the PCK CA and the TCB signer; the PCK CA signs the PCK leaf.
        let root_key = SimKey::derive(secret, "root-ca");
        let root_params = params(ROOT_COMMON_NAME, 1, (from, until), Role::Root, &root_key);
        let root_key_pair = root_key.rcgen_key_pair()?;
        let root_certificate = root_params
            .self_signed(&root_key_pair)
            .map_err(certificate_error)?;
        let root = Issued {
            key: root_key,
            key_pair: root_key_pair,
            certificate: root_certificate,
        };

        let pck_ca_name = "Bonded Simulated SGX PCK Processor CA";
        let pck_ca = issue(
            secret,
            "pck-ca",
            pck_ca_name,
            2,
            (from, until),
            Role::Ca,
            &root,
        )?;
        let tcb_name = "Bonded Simulated SGX TCB Signing";
        let tcb_signer = issue(
            secret,
            "tcb-signer",
            tcb_name,
            3,
            (from, until),
            Role::Leaf,
            &root,
        )?;

        let pck_key = SimKey::derive(platform, "pck");
        let pck_name = "Bonded Simulated SGX PCK Certificate";
        let mut pck_params = params(pck_name, 4, (from, until), Role::Leaf, &pck_key);
        pck_params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                &SGX_EXTENSION,
                sgx_extension(settings, platform_id),
            ));
        let pck = issue_with(pck_key, pck_params, &pck_ca)?;

        Ok(SimulatedPki {
            root,
            pck_ca,
            pck,
            tcb_signer,
        })
    }

    pub(crate) fn root_der(&self) -> Vec<u8> {
        self.root.certificate.der().to_vec()
    }

    pub(crate) fn pck_key(&self) -> &SimKey {
        &self.pck.key
    }

    pub(crate) fn tcb_signer_key(&self) -> &SimKey {
        &self.tcb_signer.key
    }

    /// PCK leaf, PCK CA, root: the certification data of a quote.
    pub(crate) fn pck_chain_pem(&self) -> String {
        [&self.pck, &self.pck_ca, &self.root]
            .map(|c| c.certificate.pem())
            .concat()
    }

    /// PCK CA, root: the issuer chain of the PCK CRL.
    pub(crate) fn pck_crl_issuer_chain_pem(&self) -> String {
        [&self.pck_ca, &self.root]
            .map(|c| c.certificate.pem())
            .concat()
    }

    /// TCB signer, root: the issuer chain of the TCB info and the QE identity.
    pub(crate) fn tcb_issuer_chain_pem(&self) -> String {
        [&self.tcb_signer, &self.root]
            .map(|c| c.certificate.pem())
            .concat()
    }

    /// Empty CRLs from the root and from the PCK CA, valid from `this_update_ms` to
    /// `next_update_ms`.
    pub(crate) fn crls(
        &self,
        this_update_ms: i64,
        next_update_ms: i64,
    ) -> Result<(Vec<u8>, Vec<u8>), QuoteError> {
        let window = (
            offset_date_time(this_update_ms)?,
            offset_date_time(next_update_ms)?,
        );
        let root_crl = crl(&self.root, window)?;
        let pck_crl = crl(&self.pck_ca, window)?;
        Ok((root_crl, pck_crl))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    Ca,
    Leaf,
}

fn params(
    common_name: &str,
    serial: u64,
    (not_before, not_after): (OffsetDateTime, OffsetDateTime),
    role: Role,
    key: &SimKey,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, ORGANIZATION);
    params.distinguished_name = name;
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(SerialNumber::from(serial));
    params.key_identifier_method = KeyIdMethod::PreSpecified(key.key_identifier());
    params.use_authority_key_identifier_extension = role != Role::Root;
    (params.is_ca, params.key_usages) = match role {
        Role::Root => (
            IsCa::Ca(BasicConstraints::Unconstrained),
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        ),
        Role::Ca => (
            IsCa::Ca(BasicConstraints::Constrained(0)),
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        ),
        Role::Leaf => (
            IsCa::ExplicitNoCa,
            vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ],
        ),
    };
    params
}

fn issue(
    secret: &[u8; 32],
    label: &str,
    common_name: &str,
    serial: u64,
    validity: (OffsetDateTime, OffsetDateTime),
    role: Role,
    issuer: &Issued,
) -> Result<Issued, QuoteError> {
    let key = SimKey::derive(secret, label);
    let params = params(common_name, serial, validity, role, &key);
    issue_with(key, params, issuer)
}

fn issue_with(
    key: SimKey,
    params: CertificateParams,
    issuer: &Issued,
) -> Result<Issued, QuoteError> {
    let key_pair = key.rcgen_key_pair()?;
    let certificate = params
        .signed_by(&key_pair, &issuer.certificate, &issuer.key_pair)
        .map_err(certificate_error)?;
    Ok(Issued {
        key,
        key_pair,
        certificate,
    })
}

fn crl(
    issuer: &Issued,
    (this_update, next_update): (OffsetDateTime, OffsetDateTime),
) -> Result<Vec<u8>, QuoteError> {
    let params = CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: Vec::new(),
        key_identifier_method: KeyIdMethod::PreSpecified(issuer.key.key_identifier()),
    };
    let crl = params
        .signed_by(&issuer.certificate, &issuer.key_pair)
        .map_err(certificate_error)?;
    Ok(crl.der().to_vec())
}

/// The Intel SGX extension: PPID, TCB (16 CPU SVN components, PCE SVN, CPU SVN), PCE id, FMSPC
/// and SGX type, each a SEQUENCE of its OID and value, as in Intel's PCK certificate profile.
fn sgx_extension(settings: &SimulationSettings, platform_id: &[u8; 16]) -> Vec<u8> {
    let arc = |tail: &[u64]| der::object_identifier(&[&SGX_EXTENSION[..], tail].concat());
    let entry = |tail: &[u64], value: Vec<u8>| der::sequence(&[arc(tail), value]);

    let cpu_svn = settings.cpu_security_version;
    let mut tcb: Vec<Vec<u8>> = (0..16)
        .map(|i| entry(&[2, i as u64 + 1], der::unsigned_integer(&[cpu_svn[i]])))
        .collect();
    tcb.push(entry(
        &[2, 17],
        der::unsigned_integer(&settings.pce_security_version.to_be_bytes()),
    ));
    tcb.push(entry(&[2, 18], der::octet_string(&cpu_svn)));

    der::sequence(&[
        entry(&[1], der::octet_string(platform_id)),
        entry(&[2], der::sequence(&tcb)),
        entry(&[3], der::octet_string(&[0, 0])),
        entry(&[4], der::octet_string(&settings.fmspc)),
        entry(&[5], der::enumerated(0)),
    ])
}

fn offset_date_time(at_ms: i64) -> Result<OffsetDateTime, QuoteError> {
    OffsetDateTime::from_unix_timestamp(at_ms.div_euclid(1000))
        .map_err(|_| QuoteError::TimeOutOfRange { at_ms })
}

fn certificate_error(error: rcgen::Error) -> QuoteError {
    QuoteError::Certificate(error.to_string())
}
