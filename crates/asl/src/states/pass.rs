//! The Pass state: passes its input (or a fixed `Result`) to its output.

use crate::model::QueryLanguage;
use crate::parse::{Obj, Parser};
use serde_json::Value;

/// A Pass state's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct PassState {
    /// `Result` (JSONPath states): a fixed value used as the state's result.
    pub result: Option<Value>,
}

impl Parser {
    pub(crate) fn pass_state(&mut self, obj: Obj<'_>, language: QueryLanguage) -> PassState {
        let result = match language {
            QueryLanguage::JsonPath => obj.get("Result").cloned(),
            QueryLanguage::Jsonata => None,
        };
        PassState { result }
    }
}
