//! A customs officer's decision on an enterprise, recorded in its channel.
//!
//! Decisions are customs' acts, signed with a customs key: accepting a finalization report,
//! asking the enterprise to explain a finding (which it has five working days to answer), or
//! opening an inspection. Each names the officer who took it and, when it answers one, the
//! verdict it rests on, so the channel holds the trail from evidence to act.

use serde::{Deserialize, Serialize};

use crate::{ModelError, OrganizationId};

/// What the officer decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    AcceptReport,
    RequestExplanation,
    OpenInspection,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 3] = [
        DecisionKind::AcceptReport,
        DecisionKind::RequestExplanation,
        DecisionKind::OpenInspection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::AcceptReport => "accept_report",
            DecisionKind::RequestExplanation => "request_explanation",
            DecisionKind::OpenInspection => "open_inspection",
        }
    }
}

impl std::str::FromStr for DecisionKind {
    type Err = ModelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        DecisionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| ModelError::UnknownKind {
                field: "decision",
                value: text.to_string(),
            })
    }
}

/// One decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub enterprise: OrganizationId,
    pub kind: DecisionKind,
    /// The transaction hash of the verdict the decision rests on, if any.
    pub verdict: Option<[u8; 32]>,
    /// The officer's account name.
    pub officer: String,
    pub note: String,
}

impl Decision {
    pub const OFFICER_LENGTH_MAX: usize = 64;
    pub const NOTE_LENGTH_MAX: usize = 2_000;

    pub fn validate(&self) -> Result<(), ModelError> {
        self.enterprise.validate()?;
        crate::text("officer", &self.officer, Self::OFFICER_LENGTH_MAX)?;
        if self.note.chars().count() > Self::NOTE_LENGTH_MAX {
            return Err(ModelError::TooLong {
                field: "note",
                max: Self::NOTE_LENGTH_MAX,
            });
        }
        Ok(())
    }
}
