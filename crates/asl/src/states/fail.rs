//! The Fail state: stops the execution (or branch) with an error name and cause.

use crate::model::{Dynamic, QueryLanguage};
use crate::parse::{Obj, Parser};
use crate::template::{PayloadTemplate, parse_path_or_intrinsic};
use serde_json::Value;

/// A Fail state's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FailState {
    /// `Error` / `ErrorPath`.
    pub error: Option<Dynamic<String>>,
    /// `Cause` / `CausePath`.
    pub cause: Option<Dynamic<String>>,
}

impl Parser {
    pub(crate) fn fail_state(&mut self, obj: Obj<'_>, language: QueryLanguage) -> FailState {
        FailState {
            error: self.fail_field(obj, "Error", "ErrorPath", language),
            cause: self.fail_field(obj, "Cause", "CausePath", language),
        }
    }

    fn fail_field(
        &mut self,
        obj: Obj<'_>,
        key: &str,
        path_key: &str,
        language: QueryLanguage,
    ) -> Option<Dynamic<String>> {
        if !self.at_most_one(obj, &[key, path_key]) {
            return None;
        }
        if let Some(value) = obj.get(path_key) {
            let at = obj.ptr(path_key);
            let Value::String(text) = value else {
                self.error(
                    &at,
                    format!("The value for the field '{path_key}' must be a STRING"),
                );
                return None;
            };
            return match parse_path_or_intrinsic(text) {
                Ok(PayloadTemplate::Path(p)) if p.is_reference_path() => Some(Dynamic::Path(p)),
                Ok(PayloadTemplate::Intrinsic(call)) => Some(Dynamic::Intrinsic(call)),
                Ok(_) | Err(_) => {
                    self.error(
                        &at,
                        format!("The value for the field '{path_key}' must be a valid reference path or intrinsic function"),
                    );
                    None
                }
            };
        }
        let value = obj.get(key)?;
        let at = obj.ptr(key);
        match (language, value) {
            (QueryLanguage::Jsonata, Value::String(s))
                if s.starts_with("{%") || s.ends_with("%}") =>
            {
                self.jsonata_expression_value(value, &at, key)
                    .map(Dynamic::Expression)
            }
            (_, Value::String(s)) => Some(Dynamic::Static(s.clone())),
            _ => {
                self.error(
                    &at,
                    format!("The value for the field '{key}' must be a STRING"),
                );
                None
            }
        }
    }
}
