//! Confidential norm sets: what an enterprise's norms look like on their way to the enclave.
//!
//! A norm set version (quantity of each material per unit of each product, with its loss) is the
//! enterprise's trade secret. Only two things about it leave the enterprise:
//!
//! 1. A **commitment** recorded on the ledger before the norms are used:
//!    `SHA-256(opening)`, where the opening is the text
//!    `"bonded-norms-v1\n" || hex(salt) || "\n" || canonical rows`. The salt is 32 random bytes
//!    kept secret with the norms, so nobody holding the commitment can test guesses of the norms
//!    against it; the hash binds the enterprise to exactly one norm set.
//! 2. A **sealed envelope** of that same opening, encrypted with HPKE (RFC 9180, base mode) to
//!    the enclave's attested public key, in the suite DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//!    AES-128-GCM (RFC 9180 appendix A.1). A browser produces the same suite with WebCrypto's
//!    X25519 and AES-GCM, so the portal can seal norms before anything is sent. The HPKE `info`
//!    binds the chain, the enterprise and the commitment: an envelope opened under any other
//!    binding fails authentication, so a host cannot replay one enterprise's norms for another.
//!
//! The canonical rows are plain text so that every client (CLI, portal, an enterprise's ERP)
//! can build them: rows sorted by product, material and validity start, one per line, fields
//! separated by tabs: product, material, norm, loss percent, loss convention, valid from,
//! valid to (empty when open-ended). Decimals are written without trailing zeros. Opening an
//! envelope parses the text and renders it again: anything that is not exactly canonical is
//! refused, so one norm set has exactly one commitment.

use bonded_model::{LossConvention, NaiveDate};
use hpke::aead::AesGcm128;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use rand::{CryptoRng, RngCore};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

/// The HPKE suite of every envelope: KEM, KDF and AEAD identifiers of RFC 9180.
pub const SUITE: (u16, u16, u16) = (0x0020, 0x0001, 0x0001);
/// First line of every opening, naming its format.
pub const OPENING_PREFIX: &str = "bonded-norms-v1\n";
/// Format byte of a sealed envelope.
pub const ENVELOPE_VERSION: u8 = 1;
/// Largest opening accepted, in bytes: 60,000 rows of long codes fit well inside.
pub const OPENING_BYTES_MAX: usize = 16 * 1024 * 1024;

type Kem = X25519HkdfSha256;

/// Why a norm set, an opening or an envelope is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NormsError {
    #[error("row {row}: {reason}")]
    Row { row: usize, reason: String },
    #[error("row {row} repeats product {product}, material {material} from {valid_from}")]
    Duplicate {
        row: usize,
        product: String,
        material: String,
        valid_from: NaiveDate,
    },
    #[error("the norm set is empty")]
    Empty,
    #[error("the opening is not in the canonical form: {0}")]
    NotCanonical(String),
    #[error("the opening is {0} bytes, more than the limit")]
    TooLarge(usize),
    #[error("the envelope is malformed: {0}")]
    MalformedEnvelope(String),
    #[error("the envelope does not open with this key and binding")]
    Unauthentic,
    #[error("the norms do not match their commitment on the ledger")]
    CommitmentMismatch,
    #[error("encryption failed: {0}")]
    Seal(String),
}

/// One norm: how much of a material one unit of a product uses, and its loss.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormRow {
    pub product_code: String,
    pub material_code: String,
    pub norm: Decimal,
    pub loss_percent: Decimal,
    pub loss_convention: LossConvention,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl NormRow {
    /// The seven fields in file order (product, material, norm, loss, convention, valid from,
    /// valid to), numbers normalized and an open end empty, joined by `separator`.
    pub fn joined(&self, separator: char) -> String {
        let valid_to = self
            .valid_to
            .map(|date| date.to_string())
            .unwrap_or_default();
        [
            self.product_code.clone(),
            self.material_code.clone(),
            self.norm.normalize().to_string(),
            self.loss_percent.normalize().to_string(),
            self.loss_convention.as_str().to_string(),
            self.valid_from.to_string(),
            valid_to,
        ]
        .join(&separator.to_string())
    }

    fn check(&self, row: usize) -> Result<(), NormsError> {
        let refuse = |reason: String| Err(NormsError::Row { row, reason });
        for (name, code) in [
            ("product", &self.product_code),
            ("material", &self.material_code),
        ] {
            if code.is_empty() || code.chars().any(char::is_control) {
                return refuse(format!(
                    "{name} code {code:?} is empty or holds control characters"
                ));
            }
        }
        if self.norm <= Decimal::ZERO {
            return refuse(format!("norm {} is not positive", self.norm));
        }
        if self.loss_percent < Decimal::ZERO || self.loss_percent >= Decimal::ONE_HUNDRED {
            return refuse(format!("loss {} % is outside 0 to 100", self.loss_percent));
        }
        if self.valid_to.is_some_and(|to| to < self.valid_from) {
            return refuse("valid_to is before valid_from".into());
        }
        Ok(())
    }

    fn sort_key(&self) -> (&str, &str, NaiveDate) {
        (&self.product_code, &self.material_code, self.valid_from)
    }
}

/// A checked norm set version, rows in canonical order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormSet {
    rows: Vec<NormRow>,
}

impl NormSet {
    /// Checks every row and sorts them; refuses an empty set and repeated rows.
    pub fn new(mut rows: Vec<NormRow>) -> Result<Self, NormsError> {
        if rows.is_empty() {
            return Err(NormsError::Empty);
        }
        for (index, row) in rows.iter().enumerate() {
            row.check(index + 1)?;
        }
        rows.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        if let Some(index) = rows
            .windows(2)
            .position(|w| w[0].sort_key() == w[1].sort_key())
        {
            let row = &rows[index + 1];
            return Err(NormsError::Duplicate {
                row: index + 2,
                product: row.product_code.clone(),
                material: row.material_code.clone(),
                valid_from: row.valid_from,
            });
        }
        Ok(NormSet { rows })
    }

    pub fn rows(&self) -> &[NormRow] {
        &self.rows
    }

    /// The canonical text of the rows, one line each.
    pub fn canonical_rows(&self) -> String {
        let mut text = String::new();
        for row in &self.rows {
            text.push_str(&row.joined('\t'));
            text.push('\n');
        }
        text
    }
}

/// The secret that hides a commitment: 32 random bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Salt(pub [u8; 32]);

impl Salt {
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Salt(bytes)
    }
}

/// A norm set with its salt: what the enterprise keeps, and what the enclave receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opening {
    pub salt: Salt,
    pub set: NormSet,
}

impl Opening {
    /// The exact bytes that are committed to and sealed.
    pub fn to_text(&self) -> String {
        format!(
            "{OPENING_PREFIX}{}\n{}",
            hex::encode(self.salt.0),
            self.set.canonical_rows()
        )
    }

    /// The commitment recorded on the ledger.
    pub fn commitment(&self) -> [u8; 32] {
        Sha256::digest(self.to_text().as_bytes()).into()
    }

    /// Parses an opening and insists that it is canonical.
    pub fn parse(bytes: &[u8]) -> Result<Self, NormsError> {
        if bytes.len() > OPENING_BYTES_MAX {
            return Err(NormsError::TooLarge(bytes.len()));
        }
        let not_canonical = |reason: &str| NormsError::NotCanonical(reason.to_string());
        let text = std::str::from_utf8(bytes).map_err(|_| not_canonical("not UTF-8"))?;
        let rest = text
            .strip_prefix(OPENING_PREFIX)
            .ok_or_else(|| not_canonical("missing the bonded-norms-v1 line"))?;
        let (salt_hex, rows_text) = rest
            .split_once('\n')
            .ok_or_else(|| not_canonical("missing the salt line"))?;
        let mut salt = [0u8; 32];
        hex::decode_to_slice(salt_hex, &mut salt).map_err(|_| not_canonical("bad salt"))?;
        let rows = rows_text
            .lines()
            .enumerate()
            .map(|(index, line)| parse_row(index + 1, line))
            .collect::<Result<Vec<_>, _>>()?;
        let opening = Opening {
            salt: Salt(salt),
            set: NormSet::new(rows)?,
        };
        if opening.to_text().as_bytes() != bytes {
            return Err(not_canonical(
                "rows out of order or numbers not in lowest form",
            ));
        }
        Ok(opening)
    }
}

fn parse_row(row: usize, line: &str) -> Result<NormRow, NormsError> {
    let bad = |reason: String| NormsError::Row { row, reason };
    let fields: Vec<&str> = line.split('\t').collect();
    let [product, material, norm, loss, convention, from, to] = fields[..] else {
        return Err(bad(format!("{} fields, 7 expected", fields.len())));
    };
    let decimal = |name: &str, value: &str| {
        value
            .parse::<Decimal>()
            .map_err(|_| bad(format!("{name} {value:?} is not a decimal")))
    };
    let date = |name: &str, value: &str| {
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map_err(|_| bad(format!("{name} {value:?} is not a date")))
    };
    Ok(NormRow {
        product_code: product.to_string(),
        material_code: material.to_string(),
        norm: decimal("norm", norm)?,
        loss_percent: decimal("loss", loss)?,
        loss_convention: convention
            .parse()
            .map_err(|_| bad(format!("unknown loss convention {convention:?}")))?,
        valid_from: date("valid_from", from)?,
        valid_to: if to.is_empty() {
            None
        } else {
            Some(date("valid_to", to)?)
        },
    })
}

/// Whose norms an envelope carries: bound into the HPKE key schedule.
#[derive(Clone, Copy, Debug)]
pub struct Binding<'a> {
    pub chain_id: &'a str,
    pub enterprise: &'a str,
    pub commitment: &'a [u8; 32],
}

impl Binding<'_> {
    /// The HPKE `info`: a label, the chain, the enterprise and the commitment, separated by
    /// zero bytes (ids never hold one).
    pub fn info(&self) -> Vec<u8> {
        let mut info = b"bonded-norms-v1".to_vec();
        for part in [self.chain_id.as_bytes(), self.enterprise.as_bytes()] {
            info.push(0);
            info.extend_from_slice(part);
        }
        info.push(0);
        info.extend_from_slice(self.commitment);
        info
    }
}

/// An enclave's HPKE key pair. The private half never leaves the enclave.
pub struct EnclaveKey {
    private: <Kem as hpke::Kem>::PrivateKey,
    public: [u8; 32],
}

impl EnclaveKey {
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let (private, public) = Kem::gen_keypair(rng);
        Self::from_parts(private, &public)
    }

    /// Restores a key from its 32 private bytes (for instance after unsealing).
    pub fn from_private_bytes(bytes: &[u8; 32]) -> Result<Self, NormsError> {
        let private = <Kem as hpke::Kem>::PrivateKey::from_bytes(bytes)
            .map_err(|error| NormsError::MalformedEnvelope(error.to_string()))?;
        let public = <Kem as hpke::Kem>::sk_to_pk(&private);
        Ok(Self::from_parts(private, &public))
    }

    fn from_parts(
        private: <Kem as hpke::Kem>::PrivateKey,
        public: &<Kem as hpke::Kem>::PublicKey,
    ) -> Self {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&public.to_bytes());
        EnclaveKey {
            private,
            public: bytes,
        }
    }

    pub fn public_bytes(&self) -> [u8; 32] {
        self.public
    }

    pub fn private_bytes(&self) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&self.private.to_bytes());
        bytes
    }
}

/// An opening sealed to an enclave key: version byte, encapsulated key, ciphertext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedNorms {
    pub encapsulated_key: [u8; 32],
    pub ciphertext: Vec<u8>,
}

impl SealedNorms {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(33 + self.ciphertext.len());
        bytes.push(ENVELOPE_VERSION);
        bytes.extend_from_slice(&self.encapsulated_key);
        bytes.extend_from_slice(&self.ciphertext);
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, NormsError> {
        let malformed = |reason: &str| NormsError::MalformedEnvelope(reason.to_string());
        let (&version, rest) = bytes.split_first().ok_or_else(|| malformed("empty"))?;
        if version != ENVELOPE_VERSION {
            return Err(malformed(&format!("unknown version {version}")));
        }
        if rest.len() < 32 + 16 {
            return Err(malformed("shorter than a key and a tag"));
        }
        if rest.len() > 32 + 16 + OPENING_BYTES_MAX {
            return Err(NormsError::TooLarge(rest.len()));
        }
        let mut encapsulated_key = [0u8; 32];
        encapsulated_key.copy_from_slice(&rest[..32]);
        Ok(SealedNorms {
            encapsulated_key,
            ciphertext: rest[32..].to_vec(),
        })
    }
}

/// Seals `opening` to the enclave's public key under `binding`, whose commitment must be the
/// opening's own.
pub fn seal<R: RngCore + CryptoRng>(
    enclave_public: &[u8; 32],
    binding: Binding<'_>,
    opening: &Opening,
    rng: &mut R,
) -> Result<SealedNorms, NormsError> {
    if &opening.commitment() != binding.commitment {
        return Err(NormsError::CommitmentMismatch);
    }
    let public = <Kem as hpke::Kem>::PublicKey::from_bytes(enclave_public)
        .map_err(|error| NormsError::Seal(error.to_string()))?;
    let (encapsulated, ciphertext) = hpke::single_shot_seal::<AesGcm128, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &public,
        &binding.info(),
        opening.to_text().as_bytes(),
        &[],
        rng,
    )
    .map_err(|error| NormsError::Seal(error.to_string()))?;
    let mut encapsulated_key = [0u8; 32];
    encapsulated_key.copy_from_slice(&encapsulated.to_bytes());
    Ok(SealedNorms {
        encapsulated_key,
        ciphertext,
    })
}

/// Opens an envelope inside the enclave and checks the norms against the ledger's commitment.
pub fn open(
    key: &EnclaveKey,
    binding: Binding<'_>,
    sealed: &SealedNorms,
) -> Result<Opening, NormsError> {
    let encapsulated = <Kem as hpke::Kem>::EncappedKey::from_bytes(&sealed.encapsulated_key)
        .map_err(|error| NormsError::MalformedEnvelope(error.to_string()))?;
    let plaintext = hpke::single_shot_open::<AesGcm128, HkdfSha256, Kem>(
        &OpModeR::Base,
        &key.private,
        &encapsulated,
        &binding.info(),
        &sealed.ciphertext,
        &[],
    )
    .map_err(|_| NormsError::Unauthentic)?;
    let opening = Opening::parse(&plaintext)?;
    if &opening.commitment() != binding.commitment {
        return Err(NormsError::CommitmentMismatch);
    }
    Ok(opening)
}
