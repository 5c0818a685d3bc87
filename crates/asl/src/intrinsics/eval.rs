//! Runtime evaluation of parsed intrinsic calls against the state input, the context
//! object and workflow variables. Every failure is AWS's: "Invalid arguments in States.<Fn>"
//! for a wrong argument count, type or range, and the special texts of `States.Format`,
//! `States.JsonToString` and `States.StringToJson`.

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

use super::java::{JavaRandom, hash_set_order};
use super::{
    FormatPiece, IntrinsicArg, IntrinsicCall, IntrinsicError, IntrinsicFunction, TemplateBuilder,
    digest, jackson,
};
use crate::path::{PathError, PathRoot};

/// Longest string (in UTF-16 units, as Java counts) `States.Base64Encode`/`Decode`/`Hash` accept.
const MAX_DATA_CHARS: usize = 10_000;

/// Largest array `States.ArrayRange` may produce.
const MAX_RANGE_ITEMS: i64 = 1000;

/// Source of randomness for `States.UUID` and `States.MathRandom` (injectable for tests).
pub trait RandomSource {
    /// 16 random bytes; version and variant bits are set by the caller.
    fn uuid_v4_bytes(&mut self) -> [u8; 16];
    /// A uniformly distributed 64-bit value.
    fn next_u64(&mut self) -> u64;
}

/// "Invalid arguments in States.<Fn>", AWS's cause for a bad argument count, type or value.
fn invalid(function: IntrinsicFunction) -> IntrinsicError {
    IntrinsicError::Failure {
        function,
        message: format!("Invalid arguments in {function}"),
    }
}

fn fail(function: IntrinsicFunction, message: impl Into<String>) -> IntrinsicError {
    IntrinsicError::Failure {
        function,
        message: message.into(),
    }
}

/// Evaluation environment shared by nested calls.
struct Env<'e> {
    input: &'e Value,
    context: &'e Value,
    vars: &'e dyn Fn(&str) -> Option<Value>,
    rng: &'e mut dyn RandomSource,
}

impl IntrinsicCall {
    /// Evaluates the call: `$` paths read `input`, `$$` paths read `context`, `$name`
    /// paths read `vars(name)`; `rng` feeds `States.UUID` and unseeded `States.MathRandom`.
    pub fn evaluate(
        &self,
        input: &Value,
        context: &Value,
        vars: &dyn Fn(&str) -> Option<Value>,
        rng: &mut dyn RandomSource,
    ) -> Result<Value, IntrinsicError> {
        let mut env = Env {
            input,
            context,
            vars,
            rng,
        };
        evaluate_call(self, &mut env)
    }
}

fn evaluate_arg(arg: &IntrinsicArg, env: &mut Env<'_>) -> Result<Value, IntrinsicError> {
    let path = match arg {
        IntrinsicArg::Literal(value) => return Ok(value.clone()),
        IntrinsicArg::Call(call) => return evaluate_call(call, env),
        IntrinsicArg::Path(path) => path,
    };
    let found = match path.root() {
        PathRoot::Input => path.evaluate(env.input),
        PathRoot::Context => path.evaluate(env.context),
        PathRoot::Variable(name) => match (env.vars)(name) {
            Some(value) => path.evaluate(&value),
            None => Err(PathError::NotFound {
                path: path.as_str().to_string(),
                detail: format!("the variable '{name}' is not defined"),
            }),
        },
    };
    found.map_err(|error| match error {
        PathError::NotFound { .. } => IntrinsicError::ArgumentNotFound {
            path: path.as_str().to_string(),
            input: env.input.to_string(),
        },
        other => IntrinsicError::PathFailed(other),
    })
}

/// The arguments when there are exactly `N` of them.
fn exactly<const N: usize>(
    function: IntrinsicFunction,
    args: &[Value],
) -> Result<&[Value; N], IntrinsicError> {
    args.try_into().map_err(|_| invalid(function))
}

fn evaluate_call(call: &IntrinsicCall, env: &mut Env<'_>) -> Result<Value, IntrinsicError> {
    let mut args = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        args.push(evaluate_arg(arg, env)?);
    }
    let function = call.function;
    match function {
        IntrinsicFunction::Format => format(call, &args),
        IntrinsicFunction::StringToJson => {
            let [Value::String(text)] = exactly(function, &args)? else {
                return Err(invalid(function));
            };
            jackson::parse(text).map_err(|detail| {
                fail(
                    function,
                    format!(
                        "Cannot convert String to Json in States.StringToJson, caused by: {detail}"
                    ),
                )
            })
        }
        IntrinsicFunction::JsonToString => {
            let [value] = exactly(function, &args).map_err(|_| {
                fail(
                    function,
                    "Invalid arguments in States.JsonToString: only a single argument is allowed.",
                )
            })?;
            Ok(Value::String(value.to_string()))
        }
        IntrinsicFunction::Array => Ok(Value::Array(args)),
        IntrinsicFunction::ArrayPartition => {
            let [Value::Array(items), size] = exactly(function, &args)? else {
                return Err(invalid(function));
            };
            let size = truncated_int(size)
                .and_then(|size| usize::try_from(size).ok())
                .filter(|size| *size > 0)
                .ok_or_else(|| invalid(function))?;
            Ok(Value::Array(
                items
                    .chunks(size)
                    .map(|chunk| Value::Array(chunk.to_vec()))
                    .collect(),
            ))
        }
        IntrinsicFunction::ArrayContains => {
            let [Value::Array(items), target] = exactly(function, &args)? else {
                return Err(invalid(function));
            };
            let target = loose_text(target);
            Ok(Value::Bool(
                items.iter().any(|item| loose_text(item) == target),
            ))
        }
        IntrinsicFunction::ArrayRange => {
            let [start, end, step] = exactly(function, &args)?;
            array_range(function, start, end, step)
        }
        IntrinsicFunction::ArrayGetItem => {
            let [Value::Array(items), index] = exactly(function, &args)? else {
                return Err(invalid(function));
            };
            let index = truncated_int(index)
                .and_then(|index| usize::try_from(index).ok())
                .ok_or_else(|| invalid(function))?;
            match items.get(index) {
                Some(item) => Ok(item.clone()),
                // AWS returns null for any index into an empty array (and fails otherwise).
                None if items.is_empty() => Ok(Value::Null),
                None => Err(invalid(function)),
            }
        }
        IntrinsicFunction::ArrayLength => {
            let [Value::Array(items)] = exactly(function, &args)? else {
                return Err(invalid(function));
            };
            Ok(Value::from(items.len()))
        }
        IntrinsicFunction::ArrayUnique => {
            let [Value::Array(items)] = exactly(function, &args)? else {
                return Err(invalid(function));
            };
            Ok(Value::Array(hash_set_order(items)))
        }
        IntrinsicFunction::Base64Encode => {
            let [Value::String(text)] = exactly(function, &args)? else {
                return Err(invalid(function));
            };
            let text = limited(function, text)?;
            Ok(Value::String(digest::base64_encode(text.as_bytes())))
        }
        IntrinsicFunction::Base64Decode => {
            let [Value::String(text)] = exactly(function, &args)? else {
                return Err(invalid(function));
            };
            let bytes = digest::base64_decode_lenient(limited(function, text)?);
            Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        }
        IntrinsicFunction::Hash => {
            let [data, algorithm] = exactly(function, &args)?;
            hash(function, data, algorithm)
        }
        IntrinsicFunction::JsonMerge => {
            let [Value::Object(first), Value::Object(second), deep] = exactly(function, &args)?
            else {
                return Err(invalid(function));
            };
            // Deep merging is not supported: a flag Jackson reads as true fails (the string
            // 'false' is accepted, as on AWS).
            if jackson_as_boolean(deep) {
                return Err(invalid(function));
            }
            let mut merged: Map<String, Value> = first.clone();
            for (key, value) in second {
                merged.insert(key.clone(), value.clone());
            }
            Ok(Value::Object(merged))
        }
        IntrinsicFunction::MathRandom => math_random(function, &args, env),
        IntrinsicFunction::MathAdd => {
            let [a, b] = exactly(function, &args)?;
            let (Some(a), Some(b)) = (add_operand(a), add_operand(b)) else {
                return Err(invalid(function));
            };
            a.checked_add(b)
                .map(Value::from)
                .ok_or_else(|| invalid(function))
        }
        IntrinsicFunction::StringSplit => {
            let [Value::String(text), Value::String(delimiters)] = exactly(function, &args)? else {
                return Err(invalid(function));
            };
            // Like java.util.StringTokenizer: the delimiter is a set of characters and empty
            // tokens are dropped.
            Ok(Value::Array(
                text.split(|c: char| delimiters.contains(c))
                    .filter(|part| !part.is_empty())
                    .map(|part| Value::String(part.to_string()))
                    .collect(),
            ))
        }
        // AWS ignores any arguments of States.UUID.
        IntrinsicFunction::Uuid => Ok(Value::String(uuid(env.rng))),
    }
}

fn uuid(rng: &mut dyn RandomSource) -> String {
    let mut bytes = rng.uuid_v4_bytes();
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex = digest::hex(&bytes);
    let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

/// A string no longer than [`MAX_DATA_CHARS`] UTF-16 units.
fn limited(function: IntrinsicFunction, text: &str) -> Result<&str, IntrinsicError> {
    if text.encode_utf16().count() > MAX_DATA_CHARS {
        return Err(invalid(function));
    }
    Ok(text)
}

/// A number argument of `ArrayPartition`, `ArrayRange`, `ArrayGetItem` and `MathRandom`: AWS
/// truncates fractions toward zero (2.6 -> 2, -0.6 -> 0). `None` for a non-number or a value
/// outside the 32-bit range.
fn truncated_int(value: &Value) -> Option<i32> {
    let Value::Number(number) = value else {
        return None;
    };
    match number.as_i64() {
        Some(i) => i32::try_from(i).ok(),
        None => {
            let truncated = number.as_f64()?.trunc();
            (f64::from(i32::MIN)..=f64::from(i32::MAX))
                .contains(&truncated)
                .then_some(truncated as i32)
        }
    }
}

/// An operand of `States.MathAdd`: an integer must fit 32 bits; a fraction is rounded like
/// Java's `(int) Math.round(double)` (AWS: 1.6 + 2.7 = 5, 0.1 + 0.2 = 0). The cast wraps, which
/// is what lets AWS add `1e309` (beyond the double range) and return a number.
fn add_operand(value: &Value) -> Option<i32> {
    let Value::Number(number) = value else {
        return None;
    };
    if number.is_f64() {
        let x = number.as_f64()?;
        let floor = x.floor();
        let rounded = if x - floor >= 0.5 { floor + 1.0 } else { floor };
        // Saturating to i64 (as Java's Math.round), then the low 32 bits (as Java's int cast).
        return Some((rounded as i64) as i32);
    }
    number.as_i64().and_then(|i| i32::try_from(i).ok())
}

/// Jackson's `JsonNode.asBoolean()`: true for `true`, the string "true" and non-zero integers.
fn jackson_as_boolean(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => s.trim() == "true",
        Value::Number(n) => n.as_i64().is_some_and(|i| i != 0) || n.as_u64().is_some(),
        _ => false,
    }
}

/// How `States.ArrayContains` compares values: scalars by their text (AWS finds the number
/// 9007199254740991 in ["9007199254740991"] and `true` in ["true"], but not `false` in [0]),
/// arrays and objects by their JSON text, so object key order matters ({"a","b"} is not
/// {"b","a"}).
fn loose_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

/// String rendering of a `States.Format` argument (objects/arrays in Java `toString` style).
fn format_value(value: &Value, out: &mut String) {
    // Explicit stack: (value, is_closing_marker) entries keep deep inputs off the call stack.
    enum Item<'v> {
        Value(&'v Value),
        Text(&'static str),
        Key(&'v str),
    }
    let mut stack = vec![Item::Value(value)];
    while let Some(item) = stack.pop() {
        match item {
            Item::Text(text) => out.push_str(text),
            Item::Key(key) => {
                out.push_str(key);
                out.push('=');
            }
            Item::Value(Value::String(s)) => out.push_str(s),
            Item::Value(Value::Array(items)) => {
                stack.push(Item::Text("]"));
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push(Item::Value(item));
                    if i > 0 {
                        stack.push(Item::Text(", "));
                    }
                }
                stack.push(Item::Text("["));
            }
            Item::Value(Value::Object(map)) => {
                stack.push(Item::Text("}"));
                let entries: Vec<_> = map.iter().collect();
                for (i, (key, item)) in entries.into_iter().enumerate().rev() {
                    stack.push(Item::Value(item));
                    stack.push(Item::Key(key));
                    if i > 0 {
                        stack.push(Item::Text(", "));
                    }
                }
                stack.push(Item::Text("{"));
            }
            Item::Value(other) => out.push_str(&other.to_string()),
        }
    }
}

fn format(call: &IntrinsicCall, args: &[Value]) -> Result<Value, IntrinsicError> {
    let function = IntrinsicFunction::Format;
    let Some((template, values)) = args.split_first() else {
        return Err(invalid(function));
    };
    let pieces: Cow<'_, [FormatPiece]> = match (call.format_template(), template) {
        (Some(pieces), _) => Cow::Borrowed(pieces),
        (None, Value::String(text)) => Cow::Owned(TemplateBuilder::split(text)),
        (None, _) => return Err(invalid(function)),
    };
    let mut placeholders = 0;
    for piece in pieces.iter() {
        match piece {
            FormatPiece::Placeholder => placeholders += 1,
            FormatPiece::Unmatched('}') => {
                return Err(fail(
                    function,
                    "Invalid template in States.Format: matching '{' not found for '}'.",
                ));
            }
            FormatPiece::Unmatched(_) => {
                return Err(fail(
                    function,
                    "Invalid template in States.Format: matching '}' not found for '{'.",
                ));
            }
            FormatPiece::Text(_) => {}
        }
    }
    if placeholders != values.len() {
        return Err(invalid(function));
    }
    let mut out = String::new();
    let mut next = values.iter();
    for piece in pieces.iter() {
        match piece {
            FormatPiece::Text(text) => out.push_str(text),
            FormatPiece::Placeholder => {
                if let Some(value) = next.next() {
                    format_value(value, &mut out);
                }
            }
            FormatPiece::Unmatched(_) => {}
        }
    }
    Ok(Value::String(out))
}

/// `States.ArrayRange`: bounds and step truncated; a zero step or more than 1000 items fails;
/// a step pointing away from the end gives `[]`, equal bounds give `[start]`.
fn array_range(
    function: IntrinsicFunction,
    start: &Value,
    end: &Value,
    step: &Value,
) -> Result<Value, IntrinsicError> {
    let (Some(start), Some(end), Some(step)) = (
        truncated_int(start),
        truncated_int(end),
        truncated_int(step),
    ) else {
        return Err(invalid(function));
    };
    let (start, end, step) = (i64::from(start), i64::from(end), i64::from(step));
    if step == 0 {
        return Err(invalid(function));
    }
    let count = if start == end {
        1
    } else if (end > start) != (step > 0) {
        0
    } else {
        (end - start) / step + 1
    };
    if count > MAX_RANGE_ITEMS {
        return Err(invalid(function));
    }
    Ok(Value::Array(
        (0..count).map(|i| Value::from(start + i * step)).collect(),
    ))
}

/// `States.Hash`: the data is a string, or any other value as its JSON text; at most 10,000
/// characters; the algorithm name must match exactly.
fn hash(
    function: IntrinsicFunction,
    data: &Value,
    algorithm: &Value,
) -> Result<Value, IntrinsicError> {
    let text = loose_text(data);
    let text = limited(function, &text)?;
    let Value::String(algorithm) = algorithm else {
        return Err(invalid(function));
    };
    hash_hex(text.as_bytes(), algorithm)
        .map(Value::String)
        .ok_or_else(|| invalid(function))
}

/// The lower-case hex digest of `bytes` with one of `States.Hash`'s algorithms (MD5, SHA-1,
/// SHA-256, SHA-384, SHA-512); `None` for any other name. JSONata's `$hash` shares it.
pub fn hash_hex(bytes: &[u8], algorithm: &str) -> Option<String> {
    let digest = match algorithm {
        "MD5" => digest::md5(bytes),
        "SHA-1" => digest::sha1(bytes),
        "SHA-256" => digest::sha256(bytes),
        "SHA-384" => digest::sha384(bytes),
        "SHA-512" => digest::sha512(bytes),
        _ => return None,
    };
    Some(digest::hex(&digest))
}

/// `States.MathRandom(start, end[, seed])`: `start + new java.util.Random(seed).nextInt(end -
/// start)`, which reproduces every seeded value recorded on AWS. Bounds are truncated, the end
/// is exclusive, and an empty or inverted range (or one wider than `Integer.MAX_VALUE`) fails.
/// Without a seed, the seed comes from `rng`.
fn math_random(
    function: IntrinsicFunction,
    args: &[Value],
    env: &mut Env<'_>,
) -> Result<Value, IntrinsicError> {
    let (start, end, seed) = match args {
        [start, end] => (start, end, None),
        [start, end, seed] => (start, end, Some(seed)),
        _ => return Err(invalid(function)),
    };
    let (Some(start), Some(end)) = (truncated_int(start), truncated_int(end)) else {
        return Err(invalid(function));
    };
    let bound = i32::try_from(i64::from(end) - i64::from(start))
        .ok()
        .filter(|bound| *bound > 0)
        .ok_or_else(|| invalid(function))?;
    let seed = match seed {
        Some(Value::Number(number)) => seed_of(number),
        Some(_) => return Err(invalid(function)),
        None => i64::from_ne_bytes(env.rng.next_u64().to_ne_bytes()),
    };
    let offset = JavaRandom::new(seed).next_int(bound);
    Ok(Value::from(i64::from(start) + i64::from(offset)))
}

/// A `long` seed: integers as they are, fractions truncated (saturating).
fn seed_of(number: &Number) -> i64 {
    number
        .as_i64()
        .unwrap_or_else(|| number.as_f64().map_or(0, |f| f.trunc() as i64))
}
