//! SGX simulated in software.
//!
//! Everything a real SGX platform would keep in hardware comes from one 32-byte platform secret
//! in a file (`platform-secret`, created on first use with mode 0600, refused if anyone but the
//! owner can read it): the sealing keys, and the keys of a whole simulated attestation PKI (root
//! CA, PCK CA, PCK certificate, TCB signer) and of the quoting enclave's attestation key. The
//! quote, its certificate chain and its collateral are byte-compatible with Intel DCAP, so the
//! same verifier checks them; only the trust anchor differs.
//!
//! What the simulation does not protect: the enclave's memory is ordinary process memory, the
//! platform secret is a file the host's root can read, and whoever holds that file can sign a
//! quote for any measurement. This is why every simulated enclave has the DEBUG attribute set and
//! why the production policy refuses both the simulated root and debug enclaves.

mod collateral;
mod pki;

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rand::RngCore;

use crate::identity::{Attributes, EnclaveIdentity, EnclaveProgram, Measurement};
use crate::platform::{CollateralSource, Platform, PlatformKind, QuoteError};
use crate::quote::{self, Quote, QuoteHeader, ReportBody, ReportData, SIGNED_LEN};
use crate::seal::{self, SealError, SealPolicy, SealRng};
use crate::verify::{Collateral, TrustAnchor};
use pki::{SimKey, SimulatedPki};

/// The file in the platform folder that holds the platform secret.
pub const SECRET_FILE_NAME: &str = "platform-secret";
const SECRET_LEN: usize = 32;

/// Product id of the simulated quoting enclave (Intel's QE is product 1).
const QE_PRODUCT_ID: u16 = 1;
/// The quoting enclave is initialised, 64-bit, may use the provisioning key, and is never debug.
const QE_ATTRIBUTES: Attributes = Attributes {
    flags: Attributes::FLAG_INIT | Attributes::FLAG_PROVISION_KEY,
    xfrm: 0,
};
/// The QE authentication data the QE report hashes together with the attestation key.
const QE_AUTHENTICATION_DATA: [u8; 32] = *b"bonded-tee simulated QE auth v1.";

/// What the simulated hardware claims about itself. The defaults describe an up-to-date platform
/// whose certificates are valid from 2025-01-01 to 2050-01-01 and whose collateral lives 30 days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulationSettings {
    pub cpu_security_version: [u8; 16],
    pub pce_security_version: u16,
    pub qe_security_version: u16,
    /// The level the simulated TCB info calls `UpToDate`; a platform below it is `OutOfDate`.
    pub latest_cpu_security_version: [u8; 16],
    pub latest_pce_security_version: u16,
    pub fmspc: [u8; 6],
    pub certificates_valid_from_ms: i64,
    pub certificates_valid_until_ms: i64,
    pub collateral_lifetime_ms: i64,
    /// Whether the enclave runs with the DEBUG attribute. It should stay `true`: the simulation
    /// protects nothing, and the flag is what tells a verifier so. Tests turn it off to check that
    /// the simulated root alone is enough for the production policy to refuse.
    pub debug: bool,
    /// The simulated vendor's secret, playing Intel's part: the root CA, the PCK CA and the TCB
    /// signer derive from it, so platforms that share it chain to one root as real platforms
    /// chain to Intel's, while each keeps its own PCK, attestation and sealing keys. `None`:
    /// the platform's own secret plays the vendor too, a world of one platform.
    pub vendor: Option<VendorSecret>,
}

/// The simulated vendor's 32-byte secret. Shown as `VendorSecret(..)`, never its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct VendorSecret(pub [u8; SECRET_LEN]);

impl std::fmt::Debug for VendorSecret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("VendorSecret(..)")
    }
}

impl VendorSecret {
    /// Reads the vendor secret at `path`, creating it (mode 0600) on first use.
    pub fn load_or_create(path: &Path) -> Result<Self, PlatformError> {
        load_or_create_file(path).map(VendorSecret)
    }
}

impl Default for SimulationSettings {
    fn default() -> Self {
        let svn = [2, 2, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0];
        SimulationSettings {
            cpu_security_version: svn,
            pce_security_version: 13,
            qe_security_version: 8,
            latest_cpu_security_version: svn,
            latest_pce_security_version: 13,
            fmspc: [0xb0, 0x4e, 0xd0, 0x00, 0x00, 0x00],
            certificates_valid_from_ms: 1_735_689_600_000,
            certificates_valid_until_ms: 2_524_608_000_000,
            collateral_lifetime_ms: 30 * 24 * 3600 * 1000,
            debug: true,
            vendor: None,
        }
    }
}

/// Why the simulated platform could not start. The enclave process stops with this reason.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("platform secret file {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("platform secret file {path} is readable by others (mode {mode:o}); expected 0600")]
    SecretFileExposed { path: PathBuf, mode: u32 },
    #[error("platform secret file {path} has {len} bytes, expected {SECRET_LEN}")]
    SecretFileCorrupt { path: PathBuf, len: usize },
    #[error(transparent)]
    Pki(#[from] QuoteError),
}

/// A simulated SGX platform running one enclave program.
pub struct SimulatedSgx {
    identity: EnclaveIdentity,
    secret: [u8; SECRET_LEN],
    settings: SimulationSettings,
    platform_id: [u8; 16],
    pki: SimulatedPki,
    attestation_key: SimKey,
    qe_mr_enclave: Measurement,
    qe_mr_signer: Measurement,
}

impl SimulatedSgx {
    /// Opens the platform whose secret lives in `folder`, creating the secret on first use.
    pub fn open(
        folder: &Path,
        program: &EnclaveProgram,
        settings: SimulationSettings,
    ) -> Result<SimulatedSgx, PlatformError> {
        let secret = load_or_create_secret(folder)?;
        SimulatedSgx::from_secret(secret, program, settings)
    }

    /// A platform with a given secret and no file: for seeded tests and benchmarks.
    pub fn from_secret(
        secret: [u8; 32],
        program: &EnclaveProgram,
        settings: SimulationSettings,
    ) -> Result<SimulatedSgx, PlatformError> {
        let debug_flag = if settings.debug {
            Attributes::FLAG_DEBUG
        } else {
            0
        };
        let attributes = Attributes {
            flags: Attributes::FLAG_INIT | Attributes::FLAG_MODE64BIT | debug_flag,
            xfrm: Attributes::XFRM_LEGACY,
        };
        let platform_id = platform_id(&secret);
        let vendor = settings.vendor.as_ref().map_or(secret, |vendor| vendor.0);
        let pki = SimulatedPki::build(&vendor, &secret, &settings, &platform_id)?;
        Ok(SimulatedSgx {
            identity: program.identity(attributes),
            secret,
            platform_id,
            pki,
            attestation_key: SimKey::derive(&secret, "attestation-key"),
            qe_mr_enclave: Measurement::of(b"bonded-tee simulated quoting enclave"),
            qe_mr_signer: Measurement::of(b"bonded-tee simulated quoting enclave signer"),
            settings,
        })
    }

    /// The simulated root CA, the trust anchor a verifier needs for this platform's quotes.
    pub fn attestation_root(&self) -> TrustAnchor {
        TrustAnchor::simulated(self.pki.root_der())
    }

    pub fn settings(&self) -> &SimulationSettings {
        &self.settings
    }

    /// The quoting enclave's report: its identity, with the hash that binds the attestation key.
    fn qe_report_body(&self, attestation_public: &[u8; 64]) -> ReportBody {
        let binding = Measurement::of(&[&attestation_public[..], &QE_AUTHENTICATION_DATA].concat());
        let mut report_data = ReportData::ZERO;
        report_data.0[..32].copy_from_slice(&binding.0);
        ReportBody {
            cpu_security_version: self.settings.cpu_security_version,
            misc_select: 0,
            attributes: QE_ATTRIBUTES,
            mr_enclave: self.qe_mr_enclave,
            mr_signer: self.qe_mr_signer,
            product_id: QE_PRODUCT_ID,
            security_version: self.settings.qe_security_version,
            report_data,
        }
    }

    /// Signature data: quote signature, attestation key, QE report and its PCK signature, QE
    /// authentication data, PCK certificate chain.
    fn signature_data(&self, signed: &[u8; SIGNED_LEN]) -> Vec<u8> {
        let attestation_public = self.attestation_key.public_xy();
        let qe_report = self.qe_report_body(&attestation_public).encode();
        let chain = self.pki.pck_chain_pem().into_bytes();

        let mut out = Vec::with_capacity(700 + chain.len());
        out.extend_from_slice(&self.attestation_key.sign_raw(signed));
        out.extend_from_slice(&attestation_public);
        out.extend_from_slice(&qe_report);
        out.extend_from_slice(&self.pki.pck_key().sign_raw(&qe_report));
        out.extend_from_slice(&(QE_AUTHENTICATION_DATA.len() as u16).to_le_bytes());
        out.extend_from_slice(&QE_AUTHENTICATION_DATA);
        out.extend_from_slice(&quote::CERTIFICATION_DATA_PCK_CHAIN.to_le_bytes());
        let chain_len = u32::try_from(chain.len()).expect("a certificate chain fits in 32 bits");
        out.extend_from_slice(&chain_len.to_le_bytes());
        out.extend_from_slice(&chain);
        out
    }
}

impl Platform for SimulatedSgx {
    fn kind(&self) -> PlatformKind {
        PlatformKind::SimulatedSgx
    }

    fn identity(&self) -> &EnclaveIdentity {
        &self.identity
    }

    fn seal(
        &self,
        policy: SealPolicy,
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut dyn SealRng,
    ) -> Result<Vec<u8>, SealError> {
        seal::seal(&self.secret, &self.identity, policy, aad, plaintext, rng)
    }

    fn unseal(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        seal::unseal(&self.secret, &self.identity, aad, sealed)
    }

    fn quote(&self, report_data: &ReportData) -> Result<Quote, QuoteError> {
        let _span = tracing::debug_span!("tee.quote").entered();
        let mut user_data = [0u8; 20];
        user_data[..16].copy_from_slice(&self.platform_id);
        let header = QuoteHeader {
            qe_security_version: self.settings.qe_security_version,
            pce_security_version: self.settings.pce_security_version,
            user_data,
        };
        let body = ReportBody::for_enclave(
            &self.identity,
            self.settings.cpu_security_version,
            *report_data,
        );

        let mut signed = [0u8; SIGNED_LEN];
        signed[..quote::HEADER_LEN].copy_from_slice(&header.encode());
        signed[quote::HEADER_LEN..].copy_from_slice(&body.encode());
        Ok(Quote::from_parts(&signed, &self.signature_data(&signed)))
    }
}

impl CollateralSource for SimulatedSgx {
    fn collateral(&self, issued_at_ms: i64) -> Result<Collateral, QuoteError> {
        collateral::issue(
            &self.pki,
            &self.settings,
            &self.qe_mr_signer.0,
            issued_at_ms,
        )
    }
}

/// A stable identifier of the simulated platform (the PPID of its PCK certificate), derived from
/// the secret so it reveals nothing about it.
fn platform_id(secret: &[u8; 32]) -> [u8; 16] {
    let digest = Measurement::of(&[&b"bonded-tee/platform-id/v1"[..], secret].concat());
    digest.0[..16].try_into().expect("16 bytes")
}

fn load_or_create_secret(folder: &Path) -> Result<[u8; SECRET_LEN], PlatformError> {
    load_or_create_file(&folder.join(SECRET_FILE_NAME))
}

fn load_or_create_file(path: &Path) -> Result<[u8; SECRET_LEN], PlatformError> {
    let path = path.to_path_buf();
    let io_error = |source| PlatformError::Io {
        path: path.clone(),
        source,
    };
    if let Some(folder) = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    {
        fs::create_dir_all(folder).map_err(io_error)?;
    }

    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            // First use: the only randomness the simulated platform draws itself, as hardware
            // fuses its secret at manufacture. A write cut short leaves a file of the wrong
            // length, reported on the next open rather than replaced: replacing it would
            // orphan everything sealed under it.
            let mut secret = [0u8; SECRET_LEN];
            rand::rngs::OsRng.fill_bytes(&mut secret);
            file.write_all(&secret).map_err(io_error)?;
            file.sync_all().map_err(io_error)?;
            tracing::info!(path = %path.display(), "created simulated platform secret");
            Ok(secret)
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => read_secret(&path),
        Err(error) => Err(io_error(error)),
    }
}

fn read_secret(path: &Path) -> Result<[u8; SECRET_LEN], PlatformError> {
    let io_error = |source| PlatformError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(io_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(io_error)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(PlatformError::SecretFileExposed {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    let mut bytes = Vec::with_capacity(SECRET_LEN);
    // One byte more than expected, so an oversized file is reported rather than read whole.
    file.take(SECRET_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    bytes
        .try_into()
        .map_err(|bytes: Vec<u8>| PlatformError::SecretFileCorrupt {
            path: path.to_path_buf(),
            len: bytes.len(),
        })
}
