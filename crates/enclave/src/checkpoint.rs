//! What the enclave keeps of each channel between verifications, so that the next one checks
//! only the blocks added since.
//!
//! A checkpoint is the tip the enclave verified a channel up to, the bundle files of the records
//! up to that tip, rendered once and appended to as the channel grows, the item catalogue and
//! the channel's norm commitments. It lives in the enclave's memory only: a restarted enclave starts again from
//! height 0, which costs time and nothing else. The host learns a channel's tip with a
//! `Checkpoint` request and sends the blocks after it; blocks starting at height 0 always start
//! over. At most [`CHANNELS_MAX`] channels are kept; the least recently used goes first.

use std::collections::HashMap;

use bonded_ledger::channel::ChannelTip;
use bonded_ledger::ChannelId;
use bonded_model::{Item, NormCommitment};
use bonded_reconcile::LedgerFiles;

use crate::records::ChannelRecords;

/// Most channels whose checkpoints an enclave keeps.
pub const CHANNELS_MAX: usize = 64;

/// One channel, verified up to `tip`.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    pub tip: ChannelTip,
    pub files: LedgerFiles,
    /// The item catalogue, kept whole (it is small) for comparisons by HS code.
    pub items: Vec<Item>,
    pub commitments: Vec<NormCommitment>,
    last_used: u64,
}

/// Checkpoints by chain and channel.
#[derive(Debug, Default)]
pub struct Checkpoints {
    entries: HashMap<(String, ChannelId), Checkpoint>,
    clock: u64,
}

impl Checkpoints {
    /// The tip `channel` of `chain_id` was verified up to, if the enclave still holds it.
    pub fn tip(&self, chain_id: &str, channel: &ChannelId) -> Option<ChannelTip> {
        self.entries
            .get(&(chain_id.to_string(), channel.clone()))
            .map(|checkpoint| checkpoint.tip)
    }

    /// Records that the channel was verified on to `tip` with `added` records after the previous
    /// tip; `fresh` discards what was kept, because the blocks started again from height 0.
    pub fn advance(
        &mut self,
        chain_id: &str,
        channel: &ChannelId,
        fresh: bool,
        tip: ChannelTip,
        added: ChannelRecords,
    ) -> &Checkpoint {
        let key = (chain_id.to_string(), channel.clone());
        if fresh || !self.entries.contains_key(&key) {
            self.make_room(&key);
            let empty = Checkpoint {
                tip,
                files: LedgerFiles::empty(),
                items: Vec::new(),
                commitments: Vec::new(),
                last_used: 0,
            };
            self.entries.insert(key.clone(), empty);
        }
        self.clock += 1;
        let clock = self.clock;
        let checkpoint = self
            .entries
            .get_mut(&key)
            .expect("the entry was inserted above");
        checkpoint.tip = tip;
        checkpoint.files.append(&added.records);
        checkpoint.items.extend(added.records.items);
        checkpoint.commitments.extend(added.commitments);
        checkpoint.last_used = clock;
        checkpoint
    }

    /// Evicts the least recently used checkpoint when a new channel would exceed the limit.
    fn make_room(&mut self, incoming: &(String, ChannelId)) {
        if self.entries.len() < CHANNELS_MAX || self.entries.contains_key(incoming) {
            return;
        }
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, checkpoint)| checkpoint.last_used)
            .map(|(key, _)| key.clone());
        if let Some(oldest) = oldest {
            self.entries.remove(&oldest);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
