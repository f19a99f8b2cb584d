//! JSON shapes of the HTTP API. Hashes, keys and signatures are lowercase hex; envelopes are
//! standard base64.

use bonded_ledger::{Block, BlockHeader, OrdererSignature, Receipt};
use bonded_model::{OrganizationKind, OrganizationRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Signed transaction envelopes to order.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitRequest {
    /// Each envelope as standard base64 (see docs/design.md for the byte layout).
    pub transactions: Vec<String>,
}

/// One result per submitted envelope, in order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubmitResponse {
    pub results: Vec<SubmitResult>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubmitResult {
    /// Position of the envelope in the request.
    pub index: usize,
    /// `accepted`, `rejected` or `unavailable` (not ordered; safe to retry).
    pub status: String,
    pub transaction_hash: Option<String>,
    pub receipt: Option<ReceiptView>,
    /// Stable reason code of a rejection, for example `DuplicateDeclaration`.
    pub reason_code: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SignatureView {
    pub public_key: String,
    pub signature: String,
}

impl From<&OrdererSignature> for SignatureView {
    fn from(signature: &OrdererSignature) -> Self {
        SignatureView {
            public_key: hex::encode(signature.public_key),
            signature: hex::encode(&signature.signature),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HeaderView {
    pub version: u8,
    pub chain_id: String,
    pub channel: String,
    pub height: u64,
    pub previous_hash: String,
    pub merkle_root: String,
    pub transaction_count: u32,
    pub batch: u64,
    pub timestamp_ms: i64,
}

impl From<&BlockHeader> for HeaderView {
    fn from(header: &BlockHeader) -> Self {
        HeaderView {
            version: header.version,
            chain_id: header.chain_id.clone(),
            channel: header.channel.to_string(),
            height: header.height,
            previous_hash: header.previous_hash.to_hex(),
            merkle_root: header.merkle_root.to_hex(),
            transaction_count: header.transaction_count,
            batch: header.batch,
            timestamp_ms: header.timestamp_ms,
        }
    }
}

/// Proof that a transaction is in a signed block.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReceiptView {
    pub transaction_hash: String,
    pub channel: String,
    pub height: u64,
    pub index: u32,
    pub block_hash: String,
    pub header: HeaderView,
    /// RFC 6962 audit path, leaf level first.
    pub proof: Vec<String>,
    pub orderer_signatures: Vec<SignatureView>,
}

impl From<&Receipt> for ReceiptView {
    fn from(receipt: &Receipt) -> Self {
        ReceiptView {
            transaction_hash: receipt.transaction_hash.to_hex(),
            channel: receipt.header.channel.to_string(),
            height: receipt.header.height,
            index: receipt.index,
            block_hash: receipt.block_hash.to_hex(),
            header: HeaderView::from(&receipt.header),
            proof: receipt.proof.iter().map(|hash| hash.to_hex()).collect(),
            orderer_signatures: receipt.signatures.iter().map(SignatureView::from).collect(),
        }
    }
}

/// A stored transaction with its decoded body and its receipt.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransactionView {
    pub transaction_hash: String,
    pub signer: String,
    pub kind: String,
    pub channel: String,
    pub height: u64,
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// The signed envelope, base64.
    pub envelope: String,
    pub receipt: ReceiptView,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BlockView {
    pub hash: String,
    pub header: HeaderView,
    pub transaction_hashes: Vec<String>,
    pub orderer_signatures: Vec<SignatureView>,
}

impl From<&Block> for BlockView {
    fn from(block: &Block) -> Self {
        BlockView {
            hash: block.hash().to_hex(),
            header: HeaderView::from(&block.header),
            transaction_hashes: block
                .transaction_hashes()
                .iter()
                .map(|h| h.to_hex())
                .collect(),
            orderer_signatures: block.signatures.iter().map(SignatureView::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChannelHeadView {
    pub channel: String,
    pub height: u64,
    pub hash: String,
    pub transaction_count: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganizationView {
    pub id: String,
    pub name: String,
    /// `customs`, `enterprise` or `enclave`.
    pub kind: String,
    pub tax_code: Option<String>,
    pub authorized_economic_operator: bool,
    pub intake_group: Option<u8>,
    /// For an enclave: the organization hosting it.
    pub host: Option<String>,
    /// For an enclave: its attested MRENCLAVE, in hex.
    pub mr_enclave: Option<String>,
    /// For an enclave: whether it runs in debug mode (every simulated enclave does).
    pub debug: Option<bool>,
}

impl From<&OrganizationRecord> for OrganizationView {
    fn from(record: &OrganizationRecord) -> Self {
        let mut view = OrganizationView {
            id: record.id.to_string(),
            name: record.name.clone(),
            kind: "customs".into(),
            tax_code: None,
            authorized_economic_operator: false,
            intake_group: None,
            host: None,
            mr_enclave: None,
            debug: None,
        };
        match &record.kind {
            OrganizationKind::Customs => {}
            OrganizationKind::Enterprise {
                tax_code,
                authorized_economic_operator,
                intake_group,
            } => {
                view.kind = "enterprise".into();
                view.tax_code = Some(tax_code.0.clone());
                view.authorized_economic_operator = *authorized_economic_operator;
                view.intake_group = Some(intake_group.number());
            }
            OrganizationKind::Enclave {
                host,
                mr_enclave,
                debug,
                ..
            } => {
                view.kind = "enclave".into();
                view.host = Some(host.to_string());
                view.mr_enclave = Some(hex::encode(mr_enclave));
                view.debug = Some(*debug);
            }
        }
        view
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChainView {
    pub chain_id: String,
    pub customs: String,
    pub orderer_keys: Vec<String>,
    pub attestation: crate::verifier_views::AttestationView,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthView {
    pub status: String,
    pub node_id: u64,
    pub leader: Option<u64>,
    pub last_applied: Option<u64>,
    pub chain_id: Option<String>,
}

/// Every error answer: a stable code and a sentence.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorView {
    pub code: String,
    pub message: String,
}
