//! The node process: it owns the store and the orderer and serves the HTTP API.
//!
//! The node performs the effects that the ledger's pure rules decide: it admits submissions
//! into the ordering pipeline, reads blocks and receipts back from the store, and answers over
//! HTTP (`/v1`, JSON, described by the OpenAPI document at `/v1/openapi.json`).

pub mod api;
pub mod enclaves;
pub mod serve;
pub mod verifier;
mod verifier_api;
pub mod verifier_views;
pub mod views;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use base64::Engine;
use bonded_ledger::Hash;
use bonded_ordering::{Orderer, OrdererSettings, OrderingError};
use bonded_store::{Store, StoreError};
use ed25519_dalek::SigningKey;
use tokio::net::TcpListener;

use crate::verifier::EnclaveHost;
use crate::views::{ReceiptView, TransactionView};

/// The comparison policy's k unless configured: groups of fewer enterprises stay inside.
pub const DEFAULT_COMPARISON_K: u32 = 5;

/// File name of the node's database inside its data folder.
pub const DATABASE_FILE: &str = "ledger.redb";

/// Why the node could not start or answer.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ordering(#[from] OrderingError),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        source: std::io::Error,
    },
    #[error("stored transaction {0} does not decode")]
    CorruptTransaction(Hash),
    #[error("this node already hosts an enclave")]
    EnclaveHosted,
}

/// A running node.
pub struct Node {
    pub store: Arc<Store>,
    pub orderer: Arc<Orderer>,
    /// The enclave this node hosts, once [`Node::host_enclave`] has started it.
    pub enclave: OnceLock<Arc<EnclaveHost>>,
    /// The least number of enterprises a released comparison group holds (policy; 5 unless
    /// configured).
    comparison_k: AtomicU32,
}

impl Node {
    /// Opens the data folder and starts ordering.
    pub async fn start(
        data_dir: &Path,
        orderer_key: SigningKey,
        settings: OrdererSettings,
    ) -> Result<Arc<Node>, NodeError> {
        std::fs::create_dir_all(data_dir).map_err(|source| NodeError::Listen {
            address: data_dir.display().to_string(),
            source,
        })?;
        let store = Arc::new(Store::open(&data_dir.join(DATABASE_FILE))?);
        let orderer = Orderer::start(store.clone(), orderer_key, settings).await?;
        Ok(Arc::new(Node {
            store,
            orderer,
            enclave: OnceLock::new(),
            comparison_k: AtomicU32::new(DEFAULT_COMPARISON_K),
        }))
    }

    pub fn comparison_k(&self) -> u32 {
        self.comparison_k.load(Ordering::Relaxed)
    }

    /// Sets the comparison policy's k; the enclave refuses values below its own floor.
    pub fn set_comparison_k(&self, k: u32) {
        self.comparison_k.store(k, Ordering::Relaxed);
    }

    /// Makes `host` this node's enclave; a node hosts at most one.
    pub fn host_enclave(&self, host: Arc<EnclaveHost>) -> Result<(), NodeError> {
        self.enclave.set(host).map_err(|_| NodeError::EnclaveHosted)
    }

    /// The stored transaction with its receipt, if it was ordered.
    pub fn transaction(&self, hash: &Hash) -> Result<Option<TransactionView>, NodeError> {
        let Some((block, receipt)) = self.store.receipt(hash)? else {
            return Ok(None);
        };
        let envelope = &block.transactions[receipt.index as usize];
        let decoded = bonded_ledger::SignedTransaction::from_bytes(envelope.clone())
            .and_then(|transaction| transaction.decode())
            .map_err(|_| NodeError::CorruptTransaction(*hash))?;
        let body = serde_json::to_value(&decoded.body)
            .map_err(|_| NodeError::CorruptTransaction(*hash))?;
        Ok(Some(TransactionView {
            transaction_hash: hash.to_hex(),
            signer: hex::encode(decoded.signer),
            kind: decoded.body.payload.kind().into(),
            channel: decoded.body.channel.to_string(),
            height: receipt.header.height,
            body,
            envelope: base64::engine::general_purpose::STANDARD.encode(envelope),
            receipt: ReceiptView::from(&receipt),
        }))
    }

    /// Serves the API on `listener` until `shutdown` resolves.
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), NodeError> {
        let app = api::router(self.clone());
        self.serve_app(listener, app, shutdown).await
    }

    /// Serves `app` (the API, and the portal if the caller merged it in) on `listener` until
    /// `shutdown` resolves, then stops ordering and the hosted enclave.
    pub async fn serve_app(
        self: Arc<Self>,
        listener: TcpListener,
        app: axum::Router,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), NodeError> {
        let address = listener
            .local_addr()
            .map(|address| address.to_string())
            .unwrap_or_default();
        tracing::info!(address = %address, "node.serving");
        serve::serve(listener, app, shutdown).await;
        self.orderer.shutdown().await;
        if let Some(host) = self.enclave.get().cloned() {
            let _ = tokio::task::spawn_blocking(move || host.stop()).await;
        }
        Ok(())
    }
}

/// Current time in milliseconds since the Unix epoch: the orderer's batch clock, and the time
/// the verifier asks collateral for.
pub fn wall_clock_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

/// Binds a listener, with a clear error when the address is taken.
pub async fn bind(address: SocketAddr) -> Result<TcpListener, NodeError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| NodeError::Listen {
            address: address.to_string(),
            source,
        })
}
