//! Names and ARNs: AWS's naming rules for state machines and executions, and ARNs parsed once
//! into typed parts.

use crate::error::ApiError;

/// Whether `name` follows AWS's rules for state machine and execution names: 1–80 characters,
/// no whitespace, brackets, wildcards, the characters `"#%\^|~`$&,;:/`, or control characters.
pub fn is_valid_name(name: &str) -> bool {
    let len = name.chars().count();
    (1..=80).contains(&len)
        && !name.chars().any(|c| {
            c.is_whitespace()
                || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
                || ('\u{0}'..='\u{1f}').contains(&c)
                || ('\u{7f}'..='\u{9f}').contains(&c)
        })
}

/// Checks a name, answering `InvalidName` as AWS does.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(ApiError::invalid_name(name))
    }
}

/// The kinds of Step Functions resources an ARN can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// `stateMachine`.
    StateMachine,
    /// `execution`.
    Execution,
    /// `express` (an EXPRESS execution).
    Express,
    /// `activity`.
    Activity,
    /// `mapRun`.
    MapRun,
}

/// A Step Functions ARN: `arn:<partition>:states:<region>:<account>:<kind>:<parts…>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceArn {
    /// The region.
    pub region: String,
    /// The account id.
    pub account: String,
    /// What it names.
    pub kind: ResourceKind,
    /// The parts after the kind (state machine name, execution name, …).
    pub parts: Vec<String>,
}

impl ResourceArn {
    /// Parses `text`, answering `InvalidArn` with AWS's texts.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let fields: Vec<&str> = text.split(':').collect();
        if fields.len() < 7 || fields.first() != Some(&"arn") {
            return Err(ApiError::invalid_arn(format_args!(
                "Invalid ARN prefix: {text}"
            )));
        }
        let partition = fields.get(1).copied().unwrap_or_default();
        let service = fields.get(2).copied().unwrap_or_default();
        if !partition.starts_with("aws") || service != "states" {
            return Err(ApiError::invalid_arn(format_args!(
                "Invalid ARN prefix: {text}"
            )));
        }
        let region = fields.get(3).copied().unwrap_or_default();
        let account = fields.get(4).copied().unwrap_or_default();
        if region.is_empty() || account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(ApiError::invalid_arn(format_args!(
                "Invalid ARN prefix: {text}"
            )));
        }
        let kind = match fields.get(5).copied().unwrap_or_default() {
            "stateMachine" => ResourceKind::StateMachine,
            "execution" => ResourceKind::Execution,
            "express" => ResourceKind::Express,
            "activity" => ResourceKind::Activity,
            "mapRun" => ResourceKind::MapRun,
            other => {
                return Err(ApiError::invalid_arn(format_args!(
                    "Resource type not valid in this context: {other}"
                )));
            }
        };
        let parts: Vec<String> = fields.iter().skip(6).map(|s| (*s).to_owned()).collect();
        if parts.iter().any(String::is_empty) {
            return Err(ApiError::invalid_arn(format_args!(
                "Invalid ARN prefix: {text}"
            )));
        }
        Ok(Self {
            region: region.to_owned(),
            account: account.to_owned(),
            kind,
            parts,
        })
    }

    /// Parses a state machine ARN (no version or alias qualifier).
    pub fn state_machine(text: &str) -> Result<Self, ApiError> {
        let arn = Self::parse(text)?;
        if arn.kind != ResourceKind::StateMachine {
            return Err(wrong_kind(&arn));
        }
        if arn.parts.len() != 1 {
            return Err(ApiError::invalid_arn(format_args!(
                "Qualified state machine ARNs are not supported: {text}"
            )));
        }
        Ok(arn)
    }

    /// Parses an execution ARN (STANDARD or EXPRESS).
    pub fn execution(text: &str) -> Result<Self, ApiError> {
        let arn = Self::parse(text)?;
        let parts_ok = match arn.kind {
            ResourceKind::Execution => arn.parts.len() == 2,
            ResourceKind::Express => arn.parts.len() == 3,
            _ => return Err(wrong_kind(&arn)),
        };
        if !parts_ok {
            return Err(ApiError::invalid_arn(format_args!(
                "Invalid ARN prefix: {text}"
            )));
        }
        Ok(arn)
    }
}

fn wrong_kind(arn: &ResourceArn) -> ApiError {
    let kind = match arn.kind {
        ResourceKind::StateMachine => "stateMachine",
        ResourceKind::Execution => "execution",
        ResourceKind::Express => "express",
        ResourceKind::Activity => "activity",
        ResourceKind::MapRun => "mapRun",
    };
    ApiError::invalid_arn(format_args!(
        "Resource type not valid in this context: {kind}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_rules() {
        for good in ["a", "Hello-World_1", "x".repeat(80).as_str(), "é"] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in [
            "",
            "a b",
            "a/b",
            "a:b",
            "a*",
            "a\u{7}",
            "x".repeat(81).as_str(),
            "a{b",
        ] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn arns_parse_into_parts() {
        let arn =
            ResourceArn::state_machine("arn:aws:states:us-east-1:123456789012:stateMachine:M")
                .unwrap();
        assert_eq!(arn.parts, ["M"]);
        let arn =
            ResourceArn::execution("arn:aws:states:us-east-1:123456789012:execution:M:e").unwrap();
        assert_eq!(arn.parts, ["M", "e"]);
        for (text, message) in [
            ("nope", "Invalid Arn: 'Invalid ARN prefix: nope'"),
            (
                "arn:aws:states:us-east-1:123456789012:execution:M:e",
                "Invalid Arn: 'Resource type not valid in this context: execution'",
            ),
        ] {
            let err = ResourceArn::state_machine(text).unwrap_err();
            assert_eq!(err.code, "InvalidArn");
            assert_eq!(err.message, message);
        }
    }
}
