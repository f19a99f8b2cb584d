//! The enclave registry as clients read it: every registered enclave with its keys, its quote
//! and the time the ledger accepted it, so a client can check a registration itself before it
//! seals norms to the enclave's key.
//!
//! Registrations live on the system channel, which holds only registry and governance records,
//! so reading them is a walk over a short chain.

use base64::Engine as _;
use bonded_ledger::{ChannelId, Payload};
use bonded_model::{OrganizationId, OrganizationKind};

use crate::verifier::VerifierError;
use crate::verifier_views::EnclaveView;
use crate::Node;

impl Node {
    /// Every registered enclave, in order of registration.
    pub fn enclaves(&self) -> Result<Vec<EnclaveView>, VerifierError> {
        let blocks = self.store.channel_blocks(&ChannelId::system())?;
        let mut views = Vec::new();
        for block in &blocks {
            let decoded = block
                .decode_transactions()
                .map_err(|_| VerifierError::CorruptBlock(ChannelId::SYSTEM_NAME.into()))?;
            for transaction in decoded {
                if let Payload::RegisterEnclave(registration) = transaction.body.payload {
                    let registered = (transaction.hash.to_hex(), block.header.timestamp_ms);
                    if let Some(view) = self.enclave_view(&registration, registered)? {
                        views.push(view);
                    }
                }
            }
        }
        Ok(views)
    }

    /// The registered enclave `id`.
    pub fn enclave_by_id(&self, id: &str) -> Result<Option<EnclaveView>, VerifierError> {
        Ok(self.enclaves()?.into_iter().find(|view| view.id == id))
    }

    fn enclave_view(
        &self,
        registration: &bonded_model::EnclaveRegistration,
        (transaction, at_ms): (String, i64),
    ) -> Result<Option<EnclaveView>, VerifierError> {
        let Some(record) = self.store.organization(&registration.enclave)? else {
            return Ok(None);
        };
        let OrganizationKind::Enclave {
            host,
            mr_enclave,
            mr_signer,
            product_id,
            security_version,
            debug,
            norms_key,
        } = record.kind
        else {
            return Ok(None);
        };
        let base64 = base64::engine::general_purpose::STANDARD;
        Ok(Some(EnclaveView {
            id: record.id.to_string(),
            name: record.name,
            host: host.to_string(),
            mr_enclave: hex::encode(mr_enclave),
            mr_signer: hex::encode(mr_signer),
            product_id,
            security_version,
            debug,
            verdict_key: hex::encode(registration.verdict_key),
            norms_key: hex::encode(norms_key),
            registration: transaction,
            registered_at_ms: at_ms,
            quote: base64.encode(&registration.quote),
            collateral: base64.encode(&registration.collateral),
        }))
    }

    /// The registry id of the hosted enclave, if it is registered.
    pub fn hosted_enclave_id(&self) -> Result<Option<OrganizationId>, VerifierError> {
        let Some(host) = self.enclave.get() else {
            return Ok(None);
        };
        Ok(self.store.organization_of_key(&host.verdict_key()?)?)
    }
}
