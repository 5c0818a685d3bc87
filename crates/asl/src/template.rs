//! Payload templates: the JSON shapes of `Parameters`, `ResultSelector`, `ItemSelector` and
//! JSONPath `Assign` (keys ending in `.$` take a path or intrinsic call), and of JSONata
//! `Arguments`, `Output` and `Assign` (strings written `{% … %}` are expressions). Both are
//! parsed once into trees whose static parts stay plain JSON.

use crate::intrinsics::IntrinsicCall;
use crate::jsonata::JsonataExpression;
use crate::path::JsonPath;
use serde_json::Value;

/// A JSONPath-language payload template, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum PayloadTemplate {
    /// A subtree with no dynamic parts, copied as is.
    Static(Value),
    /// An object whose members may be dynamic; keys are stored without the `.$` suffix.
    Object(Vec<(String, PayloadTemplate)>),
    /// An array containing dynamic parts somewhere below it.
    Array(Vec<PayloadTemplate>),
    /// A `"key.$": "$.path"` value: the selected input, context or variable value.
    Path(JsonPath),
    /// A `"key.$": "States.Function(…)"` value.
    Intrinsic(IntrinsicCall),
}

impl PayloadTemplate {
    /// True when evaluating the template cannot depend on its input.
    pub fn is_static(&self) -> bool {
        matches!(self, Self::Static(_))
    }
}

/// A JSONata-language template: any JSON in which `{% … %}` strings are expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonataTemplate {
    /// A subtree with no expression, copied as is.
    Static(Value),
    /// An object with expressions somewhere below it.
    Object {
        /// The members, in definition order.
        members: Vec<(String, JsonataTemplate)>,
        /// The whole object as one JSONata object constructor, when every member is an
        /// expression, a literal or such an object: evaluated in one call instead of one per
        /// member (the per-member form gives the exact error when this one fails).
        combined: Option<JsonataExpression>,
    },
    /// An array with expressions somewhere below it.
    Array(Vec<JsonataTemplate>),
    /// A `{% … %}` string.
    Expression(JsonataExpression),
}

impl JsonataTemplate {
    /// True when the template contains no expression.
    pub fn is_static(&self) -> bool {
        matches!(self, Self::Static(_))
    }
}

/// A problem found while parsing a template, with the JSON pointer suffix (relative to the
/// template's own field) where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProblem {
    /// Pointer suffix below the template field, e.g. `/a/0/b.$`.
    pub at: String,
    /// What is wrong, worded like AWS.
    pub message: String,
}

/// Parses a JSONPath payload template. `field` is the template's field name, for messages.
pub fn parse_payload_template(
    value: &Value,
    problems: &mut Vec<TemplateProblem>,
) -> PayloadTemplate {
    payload_node(value, "", problems, 0)
}

const MAX_TEMPLATE_DEPTH: usize = 512;

fn payload_node(
    value: &Value,
    at: &str,
    problems: &mut Vec<TemplateProblem>,
    depth: usize,
) -> PayloadTemplate {
    if depth > MAX_TEMPLATE_DEPTH {
        problems.push(TemplateProblem {
            at: at.to_owned(),
            message: "The template is nested too deeply".to_owned(),
        });
        return PayloadTemplate::Static(Value::Null);
    }
    if !has_dynamic_key(value, depth) {
        return PayloadTemplate::Static(value.clone());
    }
    match value {
        Value::Object(map) => {
            let mut members = Vec::with_capacity(map.len());
            let mut dynamic = false;
            for (key, member) in map {
                let member_at = format!("{at}/{}", crate::source::escape_pointer_segment(key));
                if let Some(name) = key.strip_suffix(".$") {
                    if map.contains_key(name) {
                        problems.push(TemplateProblem {
                            at: member_at.clone(),
                            message: format!(
                                "The field '{name}' is specified both as '{name}' and '{key}'"
                            ),
                        });
                    }
                    dynamic = true;
                    members.push((
                        name.to_owned(),
                        dynamic_value(key, member, &member_at, problems),
                    ));
                } else {
                    let node = payload_node(member, &member_at, problems, depth + 1);
                    dynamic |= !node.is_static();
                    members.push((key.clone(), node));
                }
            }
            if dynamic {
                PayloadTemplate::Object(members)
            } else {
                PayloadTemplate::Static(value.clone())
            }
        }
        Value::Array(items) => {
            let nodes: Vec<PayloadTemplate> = items
                .iter()
                .enumerate()
                .map(|(i, item)| payload_node(item, &format!("{at}/{i}"), problems, depth + 1))
                .collect();
            if nodes.iter().all(PayloadTemplate::is_static) {
                PayloadTemplate::Static(value.clone())
            } else {
                PayloadTemplate::Array(nodes)
            }
        }
        other => PayloadTemplate::Static(other.clone()),
    }
}

/// True when some object key at or below `value` ends with `.$` (or the tree is too deep to
/// tell, so the caller reports it).
fn has_dynamic_key(value: &Value, depth: usize) -> bool {
    if depth > MAX_TEMPLATE_DEPTH {
        return true;
    }
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.ends_with(".$") || has_dynamic_key(v, depth + 1)),
        Value::Array(items) => items.iter().any(|v| has_dynamic_key(v, depth + 1)),
        _ => false,
    }
}

/// True when some string at or below `value` looks like a JSONata expression.
fn has_jsonata_string(value: &Value, depth: usize) -> bool {
    if depth > MAX_TEMPLATE_DEPTH {
        return true;
    }
    match value {
        Value::String(s) => s.starts_with("{%") || s.ends_with("%}"),
        Value::Object(map) => map.values().any(|v| has_jsonata_string(v, depth + 1)),
        Value::Array(items) => items.iter().any(|v| has_jsonata_string(v, depth + 1)),
        _ => false,
    }
}

/// Parses the value of a `key.$` member: a path or an intrinsic function call.
fn dynamic_value(
    key: &str,
    value: &Value,
    at: &str,
    problems: &mut Vec<TemplateProblem>,
) -> PayloadTemplate {
    let message = || {
        format!(
            "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
        )
    };
    let Some(text) = value.as_str() else {
        problems.push(TemplateProblem {
            at: at.to_owned(),
            message: message(),
        });
        return PayloadTemplate::Static(Value::Null);
    };
    match parse_path_or_intrinsic(text) {
        Ok(node) => node,
        Err(detail) => {
            problems.push(TemplateProblem {
                at: at.to_owned(),
                message: format!("{} ({detail})", message()),
            });
            PayloadTemplate::Static(Value::Null)
        }
    }
}

/// Parses a string that must be a JSONPath (input `$`, context `$$` or variable `$name`) or an
/// intrinsic function call.
pub fn parse_path_or_intrinsic(text: &str) -> Result<PayloadTemplate, String> {
    if text.starts_with(char::is_whitespace) {
        return Err(format!("'{text}' starts with whitespace"));
    }
    if crate::intrinsics::looks_like_intrinsic(text) {
        IntrinsicCall::parse(text)
            .map(PayloadTemplate::Intrinsic)
            .map_err(|e| e.to_string())
    } else {
        JsonPath::parse(text)
            .map(PayloadTemplate::Path)
            .map_err(|e| e.to_string())
    }
}

/// Parses a JSONata template; `{% … %}` strings are compiled, other values kept static.
pub fn parse_jsonata_template(
    value: &Value,
    problems: &mut Vec<TemplateProblem>,
) -> JsonataTemplate {
    jsonata_node(value, "", problems, 0)
}

fn jsonata_node(
    value: &Value,
    at: &str,
    problems: &mut Vec<TemplateProblem>,
    depth: usize,
) -> JsonataTemplate {
    if depth > MAX_TEMPLATE_DEPTH {
        problems.push(TemplateProblem {
            at: at.to_owned(),
            message: "The template is nested too deeply".to_owned(),
        });
        return JsonataTemplate::Static(Value::Null);
    }
    if !has_jsonata_string(value, depth) {
        return JsonataTemplate::Static(value.clone());
    }
    match value {
        Value::String(text) => match jsonata_string(text) {
            Ok(Some(expression)) => JsonataTemplate::Expression(expression),
            Ok(None) => JsonataTemplate::Static(value.clone()),
            Err(message) => {
                problems.push(TemplateProblem {
                    at: at.to_owned(),
                    message,
                });
                JsonataTemplate::Static(Value::Null)
            }
        },
        Value::Object(map) => {
            let members: Vec<(String, JsonataTemplate)> = map
                .iter()
                .map(|(k, v)| {
                    let member_at = format!("{at}/{}", crate::source::escape_pointer_segment(k));
                    (k.clone(), jsonata_node(v, &member_at, problems, depth + 1))
                })
                .collect();
            if members.iter().all(|(_, t)| t.is_static()) {
                JsonataTemplate::Static(value.clone())
            } else {
                let combined = combined_source(&members)
                    .and_then(|source| JsonataExpression::compile(&source).ok());
                JsonataTemplate::Object { members, combined }
            }
        }
        Value::Array(items) => {
            let nodes: Vec<JsonataTemplate> = items
                .iter()
                .enumerate()
                .map(|(i, item)| jsonata_node(item, &format!("{at}/{i}"), problems, depth + 1))
                .collect();
            if nodes.iter().all(JsonataTemplate::is_static) {
                JsonataTemplate::Static(value.clone())
            } else {
                JsonataTemplate::Array(nodes)
            }
        }
        other => JsonataTemplate::Static(other.clone()),
    }
}

/// JSONata source for an object template as one object constructor, or `None` when a member
/// cannot be expressed that way (arrays: JSONata's array constructor flattens sequences).
fn combined_source(members: &[(String, JsonataTemplate)]) -> Option<String> {
    let mut out = String::from("{");
    for (i, (key, member)) in members.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&serde_json::to_string(key).ok()?);
        out.push_str(": ");
        match member {
            JsonataTemplate::Expression(e) => {
                out.push('(');
                out.push_str(e.source());
                out.push(')');
            }
            JsonataTemplate::Static(
                value @ (Value::String(_) | Value::Number(_) | Value::Bool(_)),
            ) => {
                out.push_str(&serde_json::to_string(value).ok()?);
            }
            JsonataTemplate::Object { members, .. } => out.push_str(&combined_source(members)?),
            _ => return None,
        }
    }
    out.push('}');
    Some(out)
}

/// Classifies a string in a JSONata template: `Ok(Some)` for a well-formed expression,
/// `Ok(None)` for a plain literal, `Err` for a malformed `{% … %}` wrapper or bad syntax.
pub fn jsonata_string(text: &str) -> Result<Option<JsonataExpression>, String> {
    let opens = text.starts_with("{%");
    let closes = text.ends_with("%}");
    if !opens && !closes {
        return Ok(None);
    }
    let well_wrapped = opens
        && closes
        && text.len() >= 6
        && text[2..].starts_with(char::is_whitespace)
        && text[..text.len() - 2].ends_with(char::is_whitespace)
        && !text[2..]
            .trim_start_matches([' ', '\t'])
            .starts_with(['\n', '\r']);
    if !well_wrapped {
        return Err(format!(
            "The JSONata expression '{text}' must be written as '{{% <JSONata expression> %}}'"
        ));
    }
    JsonataExpression::parse_delimited(text)
        .map(Some)
        .map_err(|e| format!("{e} in '{text}'"))
}
