//! What a reconciliation reads from a channel's transactions.
//!
//! The enclave collects these from blocks it verified; `bonded reconcile` on a node's store
//! collects them the same way, so both feed the engine the same records.

use bonded_ledger::{DecodedTransaction, Payload};
use bonded_model::NormCommitment;
use bonded_reconcile::LedgerRecords;

/// A channel's reconciliation records and its norm commitments, in ledger order.
#[derive(Clone, Debug, Default)]
pub struct ChannelRecords {
    pub records: LedgerRecords,
    pub commitments: Vec<NormCommitment>,
}

impl ChannelRecords {
    /// Collects the records of `transactions`, skipping kinds a reconciliation does not read.
    pub fn collect<'t>(transactions: impl IntoIterator<Item = &'t DecodedTransaction>) -> Self {
        let mut collected = ChannelRecords::default();
        for transaction in transactions {
            collected.push(&transaction.body.payload);
        }
        collected
    }

    pub fn push(&mut self, payload: &Payload) {
        let records = &mut self.records;
        match payload {
            Payload::Item(item) => records.items.push(item.clone()),
            Payload::Declaration(declaration) => records.declarations.push(declaration.clone()),
            Payload::Movement(movement) => records.movements.push(movement.clone()),
            Payload::NormCommitment(commitment) => self.commitments.push(commitment.clone()),
            _ => {}
        }
    }

    /// The commitment a verification must use: the newest one recorded.
    pub fn current_commitment(&self) -> Option<&NormCommitment> {
        self.commitments.last()
    }
}
