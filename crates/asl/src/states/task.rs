//! The Task state: hands work to an integration (activity, Lambda, service, HTTP, …).

use crate::diagnostic::DiagnosticCode;
use crate::model::{Dynamic, QueryLanguage, StateMachineType, Template};
use crate::parse::{MAX_SECONDS, Obj, Parser};
use crate::resource::{ResourceError, TaskResource, parse_resource};
use serde_json::Value;

/// A Task state's `Resource`.
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    /// A recognised ARN: activity, Lambda function, optimized integration or AWS SDK call.
    Known(TaskResource),
    /// Any other URI: accepted by the validator, resolved (or failed) at run time.
    Other(String),
}

impl Resource {
    /// The resource text as written.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(r) => r.as_str(),
            Self::Other(s) => s,
        }
    }
}

/// A Task state's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskState {
    /// `Resource`.
    pub resource: Resource,
    /// `TimeoutSeconds` / `TimeoutSecondsPath` (default 99999999).
    pub timeout_seconds: Option<Dynamic<u64>>,
    /// `HeartbeatSeconds` / `HeartbeatSecondsPath`.
    pub heartbeat_seconds: Option<Dynamic<u64>>,
    /// `Credentials`: the role to assume for the call.
    pub credentials: Option<Template>,
}

/// True for `${Name}`: a definition-substitution placeholder (SAM, CloudFormation and CDK
/// replace these before the definition reaches Step Functions).
fn is_substitution_placeholder(text: &str) -> bool {
    text.strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
        .is_some_and(|name| !name.is_empty() && !name.contains(['{', '}']))
}

/// True for `arn:PARTITION:states:…` and `arn:PARTITION:lambda:…`: activities, Lambda
/// functions and the optimized and SDK integrations, whose shapes AWS checks at creation.
fn is_checked_arn(text: &str) -> bool {
    let mut parts = text.splitn(4, ':');
    parts.next() == Some("arn")
        && parts.next().is_some()
        && matches!(parts.next(), Some("states" | "lambda"))
}

/// True for `{"Ref": …}` / `{"Fn::GetAtt": …}`: a CloudFormation reference that the template
/// engine replaces with an ARN before the definition reaches Step Functions.
fn is_cloudformation_reference(object: &serde_json::Map<String, Value>) -> bool {
    object.len() == 1 && object.keys().all(|k| k == "Ref" || k.starts_with("Fn::"))
}

/// True for `scheme:rest` strings, the shape statelint and AWS accept for non-ARN resources.
fn is_uri(text: &str) -> bool {
    match text.split_once(':') {
        Some((scheme, rest)) => {
            let mut chars = scheme.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !rest.is_empty()
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

impl Parser {
    pub(crate) fn task_state(
        &mut self,
        obj: Obj<'_>,
        language: QueryLanguage,
    ) -> Option<TaskState> {
        if !self.require(obj, "Resource") {
            return None;
        }
        let at = obj.ptr("Resource");
        if let Some(Value::Object(placeholder)) = obj.get("Resource")
            && is_cloudformation_reference(placeholder)
        {
            return Some(self.task_fields(
                obj,
                language,
                Resource::Other(Value::Object(placeholder.clone()).to_string()),
            ));
        }
        let text = self.string(obj, "Resource")?;
        let resource = match parse_resource(text) {
            Err(_) if is_substitution_placeholder(text) => Resource::Other(text.to_owned()),
            Ok(known) => {
                if self.machine_type == StateMachineType::Express
                    && let Some(message) = known.express_violation()
                {
                    self.error(&at, message);
                }
                Resource::Known(known)
            }
            Err(ResourceError::NotAnArn { .. }) if is_uri(text) && !text.starts_with("arn:") => {
                Resource::Other(text.to_owned())
            }
            Err(
                e
                @ (ResourceError::NotRecognized { .. } | ResourceError::UnsupportedPattern { .. }),
            ) if is_checked_arn(text) => {
                self.error(&at, e.to_string());
                return None;
            }
            Err(e) => {
                if is_uri(text) {
                    Resource::Other(text.to_owned())
                } else {
                    self.error_code(DiagnosticCode::InvalidResource, &at, e.to_string());
                    return None;
                }
            }
        };
        Some(self.task_fields(obj, language, resource))
    }

    fn task_fields(
        &mut self,
        obj: Obj<'_>,
        language: QueryLanguage,
        resource: Resource,
    ) -> TaskState {
        let timeout_seconds = self.dynamic_integer(
            obj,
            "TimeoutSeconds",
            Some("TimeoutSecondsPath"),
            language,
            1,
            MAX_SECONDS - 1,
        );
        let heartbeat_seconds = self.dynamic_integer(
            obj,
            "HeartbeatSeconds",
            Some("HeartbeatSecondsPath"),
            language,
            1,
            MAX_SECONDS - 1,
        );
        if let (Some(Dynamic::Static(timeout)), Some(Dynamic::Static(heartbeat))) =
            (&timeout_seconds, &heartbeat_seconds)
            && heartbeat >= timeout
        {
            self.error(
                obj.ptr("HeartbeatSeconds"),
                "The value for the field 'HeartbeatSeconds' must be smaller than the value for the field 'TimeoutSeconds'",
            );
        }
        let credentials = self.credentials(obj, language);
        TaskState {
            resource,
            timeout_seconds,
            heartbeat_seconds,
            credentials,
        }
    }

    fn credentials(&mut self, obj: Obj<'_>, language: QueryLanguage) -> Option<Template> {
        let value = obj.get("Credentials")?;
        let at = obj.ptr("Credentials");
        let Value::Object(map) = value else {
            self.error(
                &at,
                "The value for the field 'Credentials' must be an OBJECT",
            );
            return None;
        };
        let is_role_key = |key: &str| {
            key.eq_ignore_ascii_case("RoleArn")
                || (language == QueryLanguage::JsonPath && key.eq_ignore_ascii_case("RoleArn.$"))
        };
        let has_role = map.keys().any(|k| is_role_key(k));
        if !has_role {
            self.error(&at, "The field 'RoleArn' is required but was missing");
        }
        for key in map.keys() {
            if !is_role_key(key) {
                self.error(
                    format!("{at}/{key}"),
                    format!("The field '{key}' is not supported in Credentials"),
                );
            }
        }
        if let Some(Value::String(role)) = map.get("RoleArn")
            && role.is_empty()
        {
            self.error(
                format!("{at}/RoleArn"),
                "The value for the field 'RoleArn' cannot be empty",
            );
        }
        self.object_template(obj, "Credentials", language)
    }
}

#[cfg(test)]
mod tests {
    use super::is_uri;

    #[test]
    fn uri_shapes() {
        for (text, ok) in [
            ("foo:bar", true),
            ("xxx", false),
            ("1", false),
            ("a b:c", false),
            (":x", false),
            ("http://x", true),
        ] {
            assert_eq!(is_uri(text), ok, "{text}");
        }
    }
}
