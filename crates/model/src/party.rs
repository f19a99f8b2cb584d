//! Organizations: customs and the enterprises it supervises.
//!
//! An enterprise is identified by its tax code (mã số thuế, MST). Customs sorts enterprises into
//! three intake groups, which decide how norms reach the verifier: group 1 are authorized
//! economic operators running the enclave on their premises, group 2 enterprises send encrypted
//! norms through the API, group 3 use the portal.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{text, ModelError};

/// A stable organization identifier, for example `ENT-0301234567` or `CUSTOMS-HCM`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrganizationId(pub String);

impl OrganizationId {
    pub const ID_LENGTH_MAX: usize = 64;

    pub fn validate(&self) -> Result<(), ModelError> {
        text("organization id", &self.0, Self::ID_LENGTH_MAX)?;
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if !self.0.chars().all(allowed) {
            return Err(ModelError::UnknownKind {
                field: "organization id character in",
                value: self.0.clone(),
            });
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrganizationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Vietnamese tax code: 10 digits, or 10 digits, a dash and a 3-digit branch suffix.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaxCode(pub String);

impl TaxCode {
    pub fn validate(&self) -> Result<(), ModelError> {
        let (head, branch) = match self.0.split_once('-') {
            Some((head, branch)) => (head, Some(branch)),
            None => (self.0.as_str(), None),
        };
        let digits = |part: &str, count: usize| {
            part.len() == count && part.bytes().all(|b| b.is_ascii_digit())
        };
        let branch_ok = branch.is_none_or(|branch| digits(branch, 3));
        if !digits(head, 10) || !branch_ok {
            return Err(ModelError::InvalidTaxCode(self.0.clone()));
        }
        Ok(())
    }
}

/// How an enterprise's norms reach the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IntakeGroup(u8);

impl IntakeGroup {
    pub fn new(group: u8) -> Result<Self, ModelError> {
        if !(1..=3).contains(&group) {
            return Err(ModelError::InvalidIntakeGroup(group));
        }
        Ok(IntakeGroup(group))
    }

    pub fn number(self) -> u8 {
        self.0
    }
}

/// What kind of party an organization is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Customs,
    Enterprise {
        tax_code: TaxCode,
        authorized_economic_operator: bool,
        intake_group: IntakeGroup,
    },
    /// A registered enclave: who hosts it, the identity its quote proved, and the key norms
    /// are sealed to. Its registry key signs verdicts.
    Enclave {
        host: OrganizationId,
        mr_enclave: [u8; 32],
        mr_signer: [u8; 32],
        product_id: u16,
        security_version: u16,
        debug: bool,
        norms_key: [u8; 32],
    },
}

/// An organization as recorded in the registry on the system channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRecord {
    pub id: OrganizationId,
    pub name: String,
    pub kind: OrganizationKind,
}

impl OrganizationRecord {
    pub const NAME_LENGTH_MAX: usize = 200;

    pub fn validate(&self) -> Result<(), ModelError> {
        self.id.validate()?;
        text("organization name", &self.name, Self::NAME_LENGTH_MAX)?;
        if let OrganizationKind::Enterprise {
            tax_code,
            intake_group,
            ..
        } = &self.kind
        {
            tax_code.validate()?;
            IntakeGroup::new(intake_group.0)?;
        }
        Ok(())
    }

    pub fn is_customs(&self) -> bool {
        matches!(self.kind, OrganizationKind::Customs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes_follow_the_mst_format() {
        for good in ["0301234567", "0301234567-001"] {
            assert!(TaxCode(good.into()).validate().is_ok(), "{good}");
        }
        for bad in [
            "030123456",
            "03012345678",
            "0301234567-01",
            "03012345x7",
            "",
        ] {
            assert!(TaxCode(bad.into()).validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn intake_group_is_one_to_three() {
        assert!(IntakeGroup::new(0).is_err());
        assert!(IntakeGroup::new(4).is_err());
        assert_eq!(IntakeGroup::new(2).unwrap().number(), 2);
    }
}
