//! The JSONata binding: evaluating `{% … %}` expressions and JSONata templates with AWS's
//! `$states` object and the workflow variables bound, and AWS's `States.QueryEvaluationError`
//! texts when an expression fails or returns nothing.

use crate::failure::{Failure, names};
use baton_asl::jsonata::JsonataExpression;
use baton_asl::template::JsonataTemplate;
use jlens_core::Bindings;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A failed JSONata evaluation: the failure and the field path it happened at (`Output/result`).
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationError {
    /// `States.QueryEvaluationError` with AWS's cause.
    pub failure: Failure,
    /// The field path of the expression, when the error is tied to one.
    pub location: Option<String>,
}

/// What an expression can see: `$states` and the workflow variables.
pub struct JsonataScope<'a> {
    /// The `$states` object (`input`, `context`, and `result` / `errorOutput` where they exist).
    pub states: Value,
    /// Workflow variables, bound as `$name`.
    pub variables: &'a HashMap<String, Value>,
    /// The state evaluating, for cause texts.
    pub state_name: &'a str,
    /// Id of the state's Entered event, for cause texts.
    pub entered_event_id: u64,
}

impl JsonataScope<'_> {
    fn bindings(&self) -> Bindings {
        let mut bindings = Bindings::new().var("states", self.states.clone());
        for (name, value) in self.variables {
            bindings = bindings.var(name.clone(), value.clone());
        }
        bindings
    }

    /// A `States.QueryEvaluationError` at `location` with AWS's cause prefix.
    pub fn error(&self, location: Option<&str>, detail: impl std::fmt::Display) -> EvaluationError {
        EvaluationError {
            failure: Failure::in_state(
                names::QUERY_EVALUATION_ERROR,
                self.state_name,
                self.entered_event_id,
                detail,
            ),
            location: location.map(str::to_owned),
        }
    }

    /// Evaluates one expression for the field at `location`.
    pub fn expression(
        &self,
        expression: &JsonataExpression,
        location: &str,
    ) -> Result<Value, EvaluationError> {
        let source = expression.source().trim();
        match expression.compiled().evaluate(None, &self.bindings()) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(self.error(
                Some(location),
                format!("The JSONata expression '{source}' specified for the field '{location}' returned nothing (undefined)."),
            )),
            Err(e) => Err(self.error(
                Some(location),
                format!(
                    "The JSONata expression '{source}' specified for the field '{location}' threw an error during evaluation. {}: {}",
                    e.code(),
                    e.message()
                ),
            )),
        }
    }

    /// Evaluates a template for the field `field` (its expressions' locations are
    /// `field/key/…`).
    pub fn template(
        &self,
        template: &JsonataTemplate,
        field: &str,
    ) -> Result<Value, EvaluationError> {
        match template {
            JsonataTemplate::Static(value) => Ok(value.clone()),
            JsonataTemplate::Expression(expression) => self.expression(expression, field),
            JsonataTemplate::Object(members) => {
                let mut out = Map::with_capacity(members.len());
                for (key, member) in members {
                    out.insert(
                        key.clone(),
                        self.template(member, &format!("{field}/{key}"))?,
                    );
                }
                Ok(Value::Object(out))
            }
            JsonataTemplate::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.template(item, &format!("{field}/{i}")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
        }
    }
}

/// Builds `$states` from its parts.
pub fn states_object(
    input: &Value,
    context: Value,
    result: Option<&Value>,
    error_output: Option<&Value>,
) -> Value {
    let mut states = Map::new();
    states.insert("input".to_owned(), input.clone());
    states.insert("context".to_owned(), context);
    if let Some(result) = result {
        states.insert("result".to_owned(), result.clone());
    }
    if let Some(error_output) = error_output {
        states.insert("errorOutput".to_owned(), error_output.clone());
    }
    Value::Object(states)
}
