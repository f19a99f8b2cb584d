//! Policy: every threshold the rules use, read from TOML.
//!
//! The thresholds are proposals of a customs-side pilot, not law, so none of them is written into
//! a rule. A policy names the regulation version it was written for; the report repeats it so
//! that a finding can always be traced to the rule set that produced it. Percentages are exact
//! decimals (`5` means 5 %). A key missing from the file takes its default; an unknown key is an
//! error, because a misspelt threshold silently falling back to its default would hide a setting.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

/// Why a policy file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy file: {message}")]
    Syntax { message: String },
    #[error("policy setting {setting}: {reason}")]
    Invalid {
        setting: &'static str,
        reason: &'static str,
    },
}

/// Every threshold of the rules, with the defaults of the issue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// The regulation version the thresholds were set for.
    pub regulation: String,
    /// Largest difference, in the item's unit, that still counts as rounding.
    #[serde(deserialize_with = "decimal")]
    pub rounding_tolerance: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub import_mismatch_warning_percent: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub import_mismatch_critical_percent: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub export_mismatch_warning_percent: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub export_mismatch_critical_percent: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub consumption_warning_percent: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub consumption_critical_percent: Decimal,
    /// Traceability below this share of the material that left the books is a warning.
    #[serde(deserialize_with = "decimal")]
    pub traceability_warning_percent: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub traceability_critical_percent: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub drift_warning_percent: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub drift_critical_percent: Decimal,
    /// Highest loss rate a norm may state.
    #[serde(deserialize_with = "decimal")]
    pub loss_percent_cap: Decimal,
    /// Production as a share of the declared capacity for the period.
    #[serde(deserialize_with = "decimal")]
    pub capacity_warning_percent: Decimal,
    #[serde(deserialize_with = "decimal")]
    pub capacity_critical_percent: Decimal,
    /// Import growth against the previous quarter above which a surge is suspected.
    #[serde(deserialize_with = "decimal")]
    pub surge_import_growth_percent: Decimal,
    /// The surge fires only while export growth stays under this.
    #[serde(deserialize_with = "decimal")]
    pub surge_export_growth_percent: Decimal,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            regulation: "Circular 38/2015/TT-BTC as amended by 39/2018/TT-BTC".to_string(),
            rounding_tolerance: Decimal::new(1, 2),
            import_mismatch_warning_percent: Decimal::from(5),
            import_mismatch_critical_percent: Decimal::from(20),
            export_mismatch_warning_percent: Decimal::from(1),
            export_mismatch_critical_percent: Decimal::from(5),
            consumption_warning_percent: Decimal::from(5),
            consumption_critical_percent: Decimal::from(20),
            traceability_warning_percent: Decimal::from(80),
            traceability_critical_percent: Decimal::from(60),
            drift_warning_percent: Decimal::from(20),
            drift_critical_percent: Decimal::from(50),
            loss_percent_cap: Decimal::from(10),
            capacity_warning_percent: Decimal::from(150),
            capacity_critical_percent: Decimal::from(200),
            surge_import_growth_percent: Decimal::from(50),
            surge_export_growth_percent: Decimal::from(10),
        }
    }
}

impl Policy {
    /// Reads a policy from TOML text; missing keys keep their defaults.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|error| PolicyError::Syntax {
            message: error.to_string(),
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks that each warning threshold sits on the lenient side of its critical one.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let pairs = [
            (
                "import_mismatch",
                self.import_mismatch_warning_percent,
                self.import_mismatch_critical_percent,
            ),
            (
                "export_mismatch",
                self.export_mismatch_warning_percent,
                self.export_mismatch_critical_percent,
            ),
            (
                "consumption",
                self.consumption_warning_percent,
                self.consumption_critical_percent,
            ),
            (
                "drift",
                self.drift_warning_percent,
                self.drift_critical_percent,
            ),
            (
                "capacity",
                self.capacity_warning_percent,
                self.capacity_critical_percent,
            ),
        ];
        for (setting, warning, critical) in pairs {
            if warning > critical {
                return Err(PolicyError::Invalid {
                    setting,
                    reason: "the warning threshold is above the critical one",
                });
            }
        }
        if self.traceability_warning_percent < self.traceability_critical_percent {
            return Err(PolicyError::Invalid {
                setting: "traceability",
                reason: "the warning threshold is below the critical one",
            });
        }
        if self.rounding_tolerance < Decimal::ZERO {
            return Err(PolicyError::Invalid {
                setting: "rounding_tolerance",
                reason: "must not be negative",
            });
        }
        Ok(())
    }
}

/// Accepts an integer, a float written in the file, or a string, as an exact decimal.
fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Integer(i64),
        Float(f64),
        Text(String),
    }
    let text = match Number::deserialize(deserializer)? {
        Number::Integer(value) => return Ok(Decimal::from(value)),
        // The shortest text that reads back as the same float is what the author wrote.
        Number::Float(value) => value.to_string(),
        Number::Text(text) => text,
    };
    text.trim()
        .parse::<Decimal>()
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a decimal number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_keep_their_defaults() {
        let policy = Policy::from_toml("drift_warning_percent = 25\nrounding_tolerance = 0.001")
            .expect("valid policy");
        assert_eq!(policy.drift_warning_percent, Decimal::from(25));
        assert_eq!(policy.rounding_tolerance, Decimal::new(1, 3));
        assert_eq!(policy.drift_critical_percent, Decimal::from(50));
    }

    #[test]
    fn unknown_keys_and_inverted_thresholds_are_refused() {
        assert!(Policy::from_toml("drift_warn = 5").is_err());
        let inverted = Policy::from_toml("capacity_warning_percent = 300");
        assert!(matches!(
            inverted,
            Err(PolicyError::Invalid {
                setting: "capacity",
                ..
            })
        ));
    }
}
