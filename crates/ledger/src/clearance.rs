//! Whether an enterprise stands cleared: what its channel's verdicts add up to.
//!
//! A verdict says what one enclave computed on the channel as it stood; clearance is the rule
//! customs applies to the verdicts that are still current, meaning no record has entered the
//! channel after them (verdicts and customs' decisions are not records of the enterprise's
//! trade):
//!
//! - An enterprise is **cleared** by a current, compliant verdict of an enclave customs hosts.
//! - An authorized economic operator may run the enclave on its own premises. Its own verdict
//!   does not clear it alone: it is **awaiting confirmation** until a customs-hosted enclave,
//!   given norms the enterprise also sealed to it, reaches the same result, meaning the same
//!   commitment, period and report hash. If the two disagree, the enterprise is flagged
//!   (**disagreement**), which points at a compromised or misconfigured enclave on one side.
//! - A customs verdict with critical findings makes the enterprise **not compliant**.
//! - Verdicts followed by new records are **stale**: the enterprise needs a new run.
//!
//! The rule is a pure function of the channel's transactions and of who hosts each enclave, so
//! the node, a client and an auditor replaying the chain all reach the same answer.

use bonded_model::{OrganizationId, VerdictRecord};
use serde::Serialize;

use crate::{DecodedTransaction, Hash, Payload};

/// Who runs the enclave that signed a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Customs,
    /// The enterprise itself (an authorized economic operator's own enclave).
    Enterprise(OrganizationId),
    /// Anyone else; such verdicts count for nothing here.
    Other,
}

/// A verdict with its transaction hash and the host of its enclave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedVerdict {
    pub transaction: Hash,
    pub host: Host,
    pub record: VerdictRecord,
}

/// The clearance state of one enterprise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Clearance {
    Cleared {
        verdict: Hash,
        /// For an AEO's own verdict: the customs verdict that confirmed it.
        confirmed_by: Option<Hash>,
    },
    NotCompliant {
        verdict: Hash,
    },
    AwaitingConfirmation {
        verdict: Hash,
    },
    Disagreement {
        own: Hash,
        customs: Hash,
    },
    Stale {
        verdict: Hash,
    },
    NoVerdict,
}

/// The current verdicts of a channel: those after its last record, in order.
pub fn current_verdicts(
    transactions: &[DecodedTransaction],
    host_of: impl Fn(&[u8; 32]) -> Host,
) -> (Vec<SignedVerdict>, Option<Hash>) {
    let mut current = Vec::new();
    let mut newest_stale = None;
    for transaction in transactions {
        match &transaction.body.payload {
            Payload::Verdict(record) => current.push(SignedVerdict {
                transaction: transaction.hash,
                host: host_of(&transaction.signer),
                record: record.clone(),
            }),
            // Customs' decisions act on verdicts; they are not records a verdict covers.
            Payload::Decision(_) => {}
            _ => {
                if let Some(last) = current.last() {
                    newest_stale = Some(last.transaction);
                }
                current.clear();
            }
        }
    }
    (current, newest_stale)
}

/// Applies the clearance rule to `enterprise`'s channel.
pub fn clearance(
    enterprise: &OrganizationId,
    transactions: &[DecodedTransaction],
    host_of: impl Fn(&[u8; 32]) -> Host,
) -> Clearance {
    let (current, stale) = current_verdicts(transactions, host_of);
    let newest = |host: &Host| current.iter().rev().find(|verdict| verdict.host == *host);
    let customs = newest(&Host::Customs);
    let own = newest(&Host::Enterprise(enterprise.clone()));
    match (own, customs) {
        (Some(own), Some(customs)) => confirm(own, &current, customs),
        (None, Some(customs)) => on_customs_verdict(customs, None),
        (Some(own), None) => Clearance::AwaitingConfirmation {
            verdict: own.transaction,
        },
        (None, None) => match stale {
            Some(verdict) => Clearance::Stale { verdict },
            None => Clearance::NoVerdict,
        },
    }
}

/// An AEO's own verdict against the current customs verdicts.
fn confirm(own: &SignedVerdict, current: &[SignedVerdict], newest: &SignedVerdict) -> Clearance {
    let agreeing = current
        .iter()
        .rev()
        .find(|verdict| verdict.host == Host::Customs && same_result(&own.record, &verdict.record));
    match agreeing {
        Some(customs) => on_customs_verdict(customs, Some(own.transaction)),
        None => Clearance::Disagreement {
            own: own.transaction,
            customs: newest.transaction,
        },
    }
}

fn on_customs_verdict(customs: &SignedVerdict, own: Option<Hash>) -> Clearance {
    if !customs.record.compliant() {
        return Clearance::NotCompliant {
            verdict: customs.transaction,
        };
    }
    match own {
        Some(own) => Clearance::Cleared {
            verdict: own,
            confirmed_by: Some(customs.transaction),
        },
        None => Clearance::Cleared {
            verdict: customs.transaction,
            confirmed_by: None,
        },
    }
}

/// Two runs agree when they used the same norms over the same period and produced the same
/// report, byte for byte.
fn same_result(a: &VerdictRecord, b: &VerdictRecord) -> bool {
    a.commitment == b.commitment
        && a.report_sha256 == b.report_sha256
        && a.from == b.from
        && a.to == b.to
}

#[cfg(test)]
mod tests {
    use bonded_model::{Item, ItemKind};

    use super::*;
    use crate::{ChannelId, TransactionBody};

    const CUSTOMS_ENCLAVE: [u8; 32] = [1; 32];
    const OWN_ENCLAVE: [u8; 32] = [2; 32];
    const STRANGER: [u8; 32] = [3; 32];

    fn enterprise() -> OrganizationId {
        OrganizationId("ENT-1".into())
    }

    fn host_of(key: &[u8; 32]) -> Host {
        match *key {
            CUSTOMS_ENCLAVE => Host::Customs,
            OWN_ENCLAVE => Host::Enterprise(enterprise()),
            _ => Host::Other,
        }
    }

    fn transaction(signer: [u8; 32], nonce: u64, payload: Payload) -> DecodedTransaction {
        DecodedTransaction {
            hash: Hash([nonce as u8; 32]),
            signer,
            body: TransactionBody {
                chain_id: "test".into(),
                channel: ChannelId("ENT-1".into()),
                nonce,
                payload,
            },
        }
    }

    fn record() -> DecodedTransaction {
        let item = Item {
            code: "NL-A".into(),
            kind: ItemKind::Material,
            name: "a".into(),
            unit: bonded_model::Unit::Kilogram,
            hs_code: bonded_model::HsCode("52010000".into()),
        };
        transaction([9; 32], 1, Payload::Item(item))
    }

    fn verdict(signer: [u8; 32], nonce: u64, report: u8, critical: u32) -> DecodedTransaction {
        let record = VerdictRecord {
            enterprise: enterprise(),
            channel_height: 0,
            channel_head: [0; 32],
            commitment: [7; 32],
            from: None,
            to: None,
            report_sha256: [report; 32],
            critical,
            warning: 0,
            info: 0,
            not_evaluable: 0,
        };
        transaction(signer, nonce, Payload::Verdict(record))
    }

    fn status(transactions: &[DecodedTransaction]) -> Clearance {
        clearance(&enterprise(), transactions, host_of)
    }

    #[test]
    fn a_compliant_customs_verdict_clears() {
        let channel = [record(), verdict(CUSTOMS_ENCLAVE, 2, 1, 0)];
        let cleared = Clearance::Cleared {
            verdict: Hash([2; 32]),
            confirmed_by: None,
        };
        assert_eq!(status(&channel), cleared);
        let failing = [record(), verdict(CUSTOMS_ENCLAVE, 2, 1, 3)];
        let not = Clearance::NotCompliant {
            verdict: Hash([2; 32]),
        };
        assert_eq!(status(&failing), not);
    }

    #[test]
    fn an_own_verdict_waits_for_the_customs_enclave_to_agree() {
        let own = [record(), verdict(OWN_ENCLAVE, 2, 1, 0)];
        let waiting = Clearance::AwaitingConfirmation {
            verdict: Hash([2; 32]),
        };
        assert_eq!(status(&own), waiting);
        let confirmed = [
            record(),
            verdict(OWN_ENCLAVE, 2, 1, 0),
            verdict(CUSTOMS_ENCLAVE, 3, 1, 0),
        ];
        let cleared = Clearance::Cleared {
            verdict: Hash([2; 32]),
            confirmed_by: Some(Hash([3; 32])),
        };
        assert_eq!(status(&confirmed), cleared);
        let other_report = [
            record(),
            verdict(OWN_ENCLAVE, 2, 1, 0),
            verdict(CUSTOMS_ENCLAVE, 3, 2, 0),
        ];
        let disagreement = Clearance::Disagreement {
            own: Hash([2; 32]),
            customs: Hash([3; 32]),
        };
        assert_eq!(status(&other_report), disagreement);
    }

    #[test]
    fn records_after_a_verdict_make_it_stale_and_strangers_count_for_nothing() {
        let stale = [verdict(CUSTOMS_ENCLAVE, 2, 1, 0), record()];
        let expected = Clearance::Stale {
            verdict: Hash([2; 32]),
        };
        assert_eq!(status(&stale), expected);
        assert_eq!(status(&[record()]), Clearance::NoVerdict);
        let stranger = [record(), verdict(STRANGER, 2, 1, 0)];
        assert_eq!(status(&stranger), Clearance::NoVerdict);
    }
}
