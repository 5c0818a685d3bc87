//! The JSONata binding: evaluating `{% … %}` expressions and JSONata templates with AWS's
//! `$states` object and the workflow variables bound, and AWS's `States.QueryEvaluationError`
//! texts when an expression fails or returns nothing.

use crate::failure::{Failure, names};
use baton_asl::jsonata::{JsonataExpression, StatesRoot};
use baton_asl::template::JsonataTemplate;
use jlens_core::{Bindings, HostFunction};
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
    /// The `$states` object (`input`, `context`, and `result` / `errorOutput` where they exist);
    /// moved into the bindings on first use rather than copied.
    pub states: std::cell::Cell<Value>,
    /// Workflow variables, bound as `$name`.
    pub variables: &'a HashMap<String, Value>,
    /// The state evaluating, for cause texts.
    pub state_name: &'a str,
    /// Id of the state's Entered event, for cause texts.
    pub entered_event_id: u64,
    /// Seed for `$random()` and `$uuid()`, drawn by the engine so replays repeat it.
    pub seed: u64,
    /// The bindings, built on first use and shared by every expression of one evaluation.
    pub cache: std::cell::OnceCell<Bindings>,
    /// Whether some expression may call `$random` or `$uuid`.
    pub uses_randomness: bool,
}

impl JsonataScope<'_> {
    fn bindings(&self) -> &Bindings {
        self.cache.get_or_init(|| {
            // `$random()` / `$uuid()` depend on the state's seed: rebind them only for
            // expressions that may call them.
            let mut bindings = if self.uses_randomness {
                aws_functions(Bindings::new(), self.seed)
            } else {
                base_bindings().clone()
            }
            .var("states", self.states.take());
            for (name, value) in self.variables {
                bindings = bindings.var(name.clone(), value.clone());
            }
            bindings
        })
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
        match expression.compiled().evaluate(None, self.bindings()) {
            Ok(Some(value)) => Ok(value),
            Ok(None) if returns_function(&expression.compiled().ast().root) => Err(self.error(
                Some(location),
                format!("The JSONata expression '{source}' specified for the field '{location}' returned an unsupported result type."),
            )),
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
            JsonataTemplate::Object { members, combined } => {
                // Fast path: the whole object in one evaluation. It is exact when every key
                // came back; otherwise evaluate member by member for AWS's precise error.
                if let Some(combined) = combined
                    && let Ok(Some(Value::Object(map))) =
                        combined.compiled().evaluate(None, self.bindings())
                    && map.len() == members.len()
                    && members
                        .iter()
                        .zip(map.values())
                        .all(|((_, member), value)| member_shape_ok(member, value))
                {
                    return Ok(Value::Object(map));
                }
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

/// An error raised by one of AWS's JSONata functions.
fn function_error(message: impl Into<String>) -> jlens_core::Error {
    jlens_core::Error::new("D3000").with("message", message.into())
}

/// SplitMix64 step: the pseudo-random source of `$random` and `$uuid`.
fn split_mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number as JSON, integral values as integers (`$parse('-0')` is `0`).
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}

/// Binds AWS's JSONata functions: `$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`.
fn aws_functions(bindings: Bindings, seed: u64) -> Bindings {
    let partition = HostFunction::new(2, |args, _| {
        let items = args
            .first()
            .and_then(|a| a.as_ref())
            .and_then(Value::as_array)
            .ok_or_else(|| function_error("$partition expects an array"))?;
        let size = args
            .get(1)
            .and_then(|a| a.as_ref())
            .and_then(Value::as_f64)
            .filter(|n| *n >= 1.0 && n.fract() == 0.0)
            .ok_or_else(|| function_error("$partition expects a positive integer chunk size"))?;
        let chunks: Vec<Value> = items
            .chunks(size as usize)
            .map(|c| Value::Array(c.to_vec()))
            .collect();
        Ok(Some(Value::Array(chunks)))
    });
    let range = HostFunction::new(3, |args, _| {
        let get = |i: usize| args.get(i).and_then(|a| a.as_ref()).and_then(Value::as_f64);
        let (Some(start), Some(end), Some(step)) = (get(0), get(1), get(2)) else {
            return Err(function_error("$range expects three numbers"));
        };
        if step == 0.0 {
            return Err(function_error("$range step must not be zero"));
        }
        let mut out = Vec::new();
        let mut value = start;
        while (step > 0.0 && value <= end) || (step < 0.0 && value >= end) {
            out.push(number(value));
            if out.len() > 1000 {
                return Err(function_error("$range produces more than 1000 items"));
            }
            value += step;
        }
        Ok(Some(Value::Array(out)))
    });
    let hash = HostFunction::new(2, |args, _| {
        let data = match args.first().and_then(|a| a.as_ref()) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => crate::event::payload_text(other),
            None => return Err(function_error("$hash expects data")),
        };
        let algorithm = args
            .get(1)
            .and_then(|a| a.as_ref())
            .and_then(Value::as_str)
            .unwrap_or("SHA-256");
        let hex = baton_asl::intrinsics::hash_hex(data.as_bytes(), algorithm).ok_or_else(|| {
            function_error(format!("$hash does not support the algorithm {algorithm}"))
        })?;
        Ok(Some(Value::String(hex)))
    });
    let random = HostFunction::new(1, move |args, _| {
        let mut state = match args.first().and_then(|a| a.as_ref()) {
            Some(value) => {
                let text = crate::event::payload_text(value);
                text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                })
            }
            None => seed,
        };
        let unit = (split_mix(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
        Ok(Some(number_f64(unit)))
    });
    let uuid = HostFunction::new(0, move |_, _| {
        let mut state = seed ^ 0x5555_5555_5555_5555;
        let mut bytes = [0u8; 16];
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let word = split_mix(&mut state).wrapping_add(i as u64).to_le_bytes();
            chunk.copy_from_slice(&word);
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Some(Value::String(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ))))
    });
    let parse = HostFunction::new(1, |args, _| {
        let text = args
            .first()
            .and_then(|a| a.as_ref())
            .and_then(Value::as_str)
            .ok_or_else(|| function_error("$parse expects a string"))?;
        let value: Value =
            serde_json::from_str(text).map_err(|e| function_error(format!("$parse: {e}")))?;
        Ok(Some(match value {
            Value::Number(n) => n.as_f64().map_or(Value::Number(n), number),
            other => other,
        }))
    });
    bindings
        .function("partition", partition)
        .function("range", range)
        .function("hash", hash)
        .function("random", random)
        .function("uuid", uuid)
        .function("parse", parse)
}

/// The AWS functions with a fixed seed, built once: cloning `Bindings` shares its function
/// table, so each evaluation pays only for its variables.
fn base_bindings() -> &'static Bindings {
    static BASE: std::sync::OnceLock<Bindings> = std::sync::OnceLock::new();
    BASE.get_or_init(|| aws_functions(Bindings::new(), 0))
}

/// A fraction as JSON.
fn number_f64(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// True when an expression evidently evaluates to a function (a lambda, possibly bound or at
/// the end of a block): JSON cannot carry it, and AWS reports an unsupported result type.
fn returns_function(node: &jlens_core::Node) -> bool {
    use jlens_core::NodeKind;
    match &node.kind {
        NodeKind::Lambda(_) => true,
        NodeKind::Bind { rhs, .. } => returns_function(rhs),
        NodeKind::Block { exprs, .. } => exprs.last().is_some_and(returns_function),
        _ => false,
    }
}

/// True when some expression of `template` may read `$states.context` (a conservative text
/// check), so the context object must be built.
pub fn mentions_context(template: &JsonataTemplate) -> bool {
    match template {
        JsonataTemplate::Static(_) => false,
        JsonataTemplate::Expression(e) => e.mentions_context(),
        JsonataTemplate::Object { members, .. } => members.iter().any(|(_, t)| mentions_context(t)),
        JsonataTemplate::Array(items) => items.iter().any(mentions_context),
    }
}

/// Evaluates `template` without the JSONata evaluator when every expression in it is a plain
/// `$states.input|result|errorOutput.<name>…` path that reaches a value through objects only
/// (what JSONata gives for it is then that value). `None`: use the evaluator.
pub fn fast_template(
    template: &JsonataTemplate,
    input: &Value,
    result: Option<&Value>,
    error_output: Option<&Value>,
) -> Option<Value> {
    match template {
        JsonataTemplate::Static(value) => Some(value.clone()),
        JsonataTemplate::Expression(expression) => {
            let (root, names) = expression.simple_path()?;
            let mut value = match root {
                StatesRoot::Input => input,
                StatesRoot::Result => result?,
                StatesRoot::ErrorOutput => error_output?,
            };
            for name in names {
                value = value.as_object()?.get(name)?;
            }
            // Arrays take JSONata's sequence rules: leave them to the evaluator.
            (!value.is_array()).then(|| value.clone())
        }
        JsonataTemplate::Object { members, .. } => {
            let mut out = Map::with_capacity(members.len());
            for (key, member) in members {
                out.insert(
                    key.clone(),
                    fast_template(member, input, result, error_output)?,
                );
            }
            Some(Value::Object(out))
        }
        JsonataTemplate::Array(items) => items
            .iter()
            .map(|item| fast_template(item, input, result, error_output))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
    }
}

/// True when some expression of `template` may call `$random` or `$uuid`.
pub fn mentions_randomness(template: &JsonataTemplate) -> bool {
    match template {
        JsonataTemplate::Static(_) => false,
        JsonataTemplate::Expression(e) => e.mentions_randomness(),
        JsonataTemplate::Object { members, .. } => {
            members.iter().any(|(_, t)| mentions_randomness(t))
        }
        JsonataTemplate::Array(items) => items.iter().any(mentions_randomness),
    }
}

/// Whether a member's value from the combined evaluation can stand: nested objects must have
/// all their keys too (an undefined member drops its key, which the per-member path reports).
fn member_shape_ok(member: &JsonataTemplate, value: &Value) -> bool {
    match (member, value) {
        (JsonataTemplate::Object { members, .. }, Value::Object(map)) => {
            map.len() == members.len()
                && members
                    .iter()
                    .zip(map.values())
                    .all(|((_, m), v)| member_shape_ok(m, v))
        }
        (JsonataTemplate::Object { .. }, _) => false,
        _ => true,
    }
}
