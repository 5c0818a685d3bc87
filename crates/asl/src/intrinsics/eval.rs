//! Runtime evaluation of parsed intrinsic calls against the state input, the context
//! object and workflow variables.

use serde_json::{Map, Value};

use super::check::{HASH_ALGORITHMS, MAX_RANGE_ITEMS, java_round};
use super::digest;
use super::{FormatPiece, IntrinsicArg, IntrinsicCall, IntrinsicError, IntrinsicFunction};
use crate::path::{PathError, PathRoot};

/// Longest string `States.Base64Encode`/`Decode`/`Hash` accept (AWS limit).
const MAX_DATA_CHARS: usize = 10_000;

/// Source of randomness for `States.UUID` and `States.MathRandom` (injectable for tests).
pub trait RandomSource {
    /// 16 random bytes; version and variant bits are set by the caller.
    fn uuid_v4_bytes(&mut self) -> [u8; 16];
    /// A uniformly distributed 64-bit value.
    fn next_u64(&mut self) -> u64;
}

/// SplitMix64, used for seeded `States.MathRandom` so the same seed gives the same number.
struct SplitMix64(u64);

impl RandomSource for SplitMix64 {
    fn uuid_v4_bytes(&mut self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
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
    match arg {
        IntrinsicArg::Literal(value) => Ok(value.clone()),
        IntrinsicArg::Call(call) => evaluate_call(call, env),
        IntrinsicArg::Path(path) => match path.root() {
            PathRoot::Input => Ok(path.evaluate(env.input)?),
            PathRoot::Context => Ok(path.evaluate(env.context)?),
            PathRoot::Variable(name) => {
                let value = (env.vars)(name).ok_or_else(|| PathError::NotFound {
                    path: path.as_str().to_string(),
                    detail: format!("the variable '{name}' is not defined"),
                })?;
                Ok(path.evaluate(&value)?)
            }
        },
    }
}

fn evaluate_call(call: &IntrinsicCall, env: &mut Env<'_>) -> Result<Value, IntrinsicError> {
    let mut args = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        args.push(evaluate_arg(arg, env)?);
    }
    let function = call.function;
    let arg = |index: usize| args.get(index).unwrap_or(&Value::Null);
    match function {
        IntrinsicFunction::Format => format(call, &args),
        IntrinsicFunction::StringToJson => {
            let text = expect_str(function, arg(0), 1)?;
            // AWS (Jackson) reads blank text as null.
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            serde_json::from_str(text)
                .map_err(|e| fail(function, format!("the string is not valid JSON: {e}")))
        }
        IntrinsicFunction::JsonToString => serde_json::to_string(arg(0))
            .map(Value::String)
            .map_err(|e| fail(function, e.to_string())),
        IntrinsicFunction::Array => Ok(Value::Array(args)),
        IntrinsicFunction::ArrayPartition => {
            let items = expect_array(function, arg(0), 1)?;
            let size = expect_integer(function, arg(1), 2)?;
            let size = usize::try_from(size)
                .ok()
                .filter(|size| *size > 0)
                .ok_or_else(|| fail(function, "the chunk size must be a positive integer"))?;
            Ok(Value::Array(
                items
                    .chunks(size)
                    .map(|chunk| Value::Array(chunk.to_vec()))
                    .collect(),
            ))
        }
        IntrinsicFunction::ArrayContains => {
            let items = expect_array(function, arg(0), 1)?;
            Ok(Value::Bool(items.iter().any(|item| json_eq(item, arg(1)))))
        }
        IntrinsicFunction::ArrayRange => array_range(function, arg(0), arg(1), arg(2)),
        IntrinsicFunction::ArrayGetItem => {
            let items = expect_array(function, arg(0), 1)?;
            let index = expect_integer(function, arg(1), 2)?;
            usize::try_from(index)
                .ok()
                .and_then(|index| items.get(index))
                .cloned()
                .ok_or_else(|| {
                    fail(
                        function,
                        format!(
                            "index {index} is out of bounds for an array of length {}",
                            items.len()
                        ),
                    )
                })
        }
        IntrinsicFunction::ArrayLength => Ok(Value::from(expect_array(function, arg(0), 1)?.len())),
        IntrinsicFunction::ArrayUnique => {
            let items = expect_array(function, arg(0), 1)?;
            let mut unique: Vec<Value> = Vec::new();
            for item in items {
                if !unique.iter().any(|seen| json_eq(seen, item)) {
                    unique.push(item.clone());
                }
            }
            Ok(Value::Array(unique))
        }
        IntrinsicFunction::Base64Encode => {
            let text = expect_data(function, arg(0))?;
            Ok(Value::String(digest::base64_encode(text.as_bytes())))
        }
        IntrinsicFunction::Base64Decode => {
            let text = expect_data(function, arg(0))?;
            let bytes = digest::base64_decode(text)
                .ok_or_else(|| fail(function, "the argument is not valid base64"))?;
            String::from_utf8(bytes)
                .map(Value::String)
                .map_err(|_| fail(function, "the decoded data is not valid UTF-8"))
        }
        IntrinsicFunction::Hash => hash(function, arg(0), arg(1)),
        IntrinsicFunction::JsonMerge => {
            let (Value::Object(first), Value::Object(second)) = (arg(0), arg(1)) else {
                return Err(fail(
                    function,
                    "the first two arguments must be JSON objects",
                ));
            };
            if arg(2) != &Value::Bool(false) {
                return Err(fail(
                    function,
                    "the third argument must be false: deep merge is not supported",
                ));
            }
            let mut merged: Map<String, Value> = first.clone();
            for (key, value) in second {
                merged.insert(key.clone(), value.clone());
            }
            Ok(Value::Object(merged))
        }
        IntrinsicFunction::MathRandom => math_random(function, &args, env),
        IntrinsicFunction::MathAdd => {
            let a = expect_integer(function, arg(0), 1)?;
            let b = expect_integer(function, arg(1), 2)?;
            a.checked_add(b)
                .map(Value::from)
                .ok_or_else(|| fail(function, "the sum overflows"))
        }
        IntrinsicFunction::StringSplit => {
            let text = expect_str(function, arg(0), 1)?;
            let delimiters = expect_str(function, arg(1), 2)?;
            let parts = if delimiters.is_empty() {
                vec![Value::String(text.to_string())]
            } else {
                text.split(|c: char| delimiters.contains(c))
                    .filter(|part| !part.is_empty())
                    .map(|part| Value::String(part.to_string()))
                    .collect()
            };
            Ok(Value::Array(parts))
        }
        IntrinsicFunction::Uuid => {
            let mut bytes = env.rng.uuid_v4_bytes();
            bytes[6] = (bytes[6] & 0x0F) | 0x40;
            bytes[8] = (bytes[8] & 0x3F) | 0x80;
            let hex = digest::hex(&bytes);
            let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default();
            Ok(Value::String(format!(
                "{}-{}-{}-{}-{}",
                part(0..8),
                part(8..12),
                part(12..16),
                part(16..20),
                part(20..32)
            )))
        }
    }
}

fn position_error(
    function: IntrinsicFunction,
    position: usize,
    expected: &str,
    value: &Value,
) -> IntrinsicError {
    fail(
        function,
        format!(
            "argument {position} must be {expected}, but it is a {}",
            crate::path::json_type_name(value)
        ),
    )
}

fn expect_str(
    function: IntrinsicFunction,
    value: &Value,
    position: usize,
) -> Result<&str, IntrinsicError> {
    value
        .as_str()
        .ok_or_else(|| position_error(function, position, "a string", value))
}

fn expect_data(function: IntrinsicFunction, value: &Value) -> Result<&str, IntrinsicError> {
    let text = expect_str(function, value, 1)?;
    if text.chars().count() > MAX_DATA_CHARS {
        return Err(fail(
            function,
            format!("the input is longer than {MAX_DATA_CHARS} characters"),
        ));
    }
    Ok(text)
}

fn expect_array(
    function: IntrinsicFunction,
    value: &Value,
    position: usize,
) -> Result<&Vec<Value>, IntrinsicError> {
    value
        .as_array()
        .ok_or_else(|| position_error(function, position, "an array", value))
}

/// Reads a number as an integer, rounding non-integers like Java's `Math.round`.
fn expect_integer(
    function: IntrinsicFunction,
    value: &Value,
    position: usize,
) -> Result<i64, IntrinsicError> {
    let Value::Number(number) = value else {
        return Err(position_error(function, position, "a number", value));
    };
    if let Some(i) = number.as_i64() {
        return Ok(i);
    }
    let rounded = number.as_f64().map(java_round).unwrap_or(f64::NAN);
    if rounded.is_finite() && rounded.abs() < 9.0e15 {
        Ok(rounded as i64)
    } else {
        Err(fail(
            function,
            format!("argument {position} is out of the integer range"),
        ))
    }
}

/// JSON equality where numbers compare by value (`1` equals `1.0`).
fn json_eq(a: &Value, b: &Value) -> bool {
    let mut stack = vec![(a, b)];
    while let Some((x, y)) = stack.pop() {
        match (x, y) {
            (Value::Number(m), Value::Number(n)) => {
                if crate::path::number_cmp(m, n) != Some(std::cmp::Ordering::Equal) {
                    return false;
                }
            }
            (Value::Array(xs), Value::Array(ys)) => {
                if xs.len() != ys.len() {
                    return false;
                }
                stack.extend(xs.iter().zip(ys.iter()));
            }
            (Value::Object(xm), Value::Object(ym)) => {
                if xm.len() != ym.len() {
                    return false;
                }
                for (key, xv) in xm {
                    match ym.get(key) {
                        Some(yv) => stack.push((xv, yv)),
                        None => return false,
                    }
                }
            }
            _ => {
                if x != y {
                    return false;
                }
            }
        }
    }
    true
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
    let pieces: Vec<FormatPiece> = match call.format_template() {
        Some(pieces) => pieces.to_vec(),
        None => {
            let template = expect_str(function, args.first().unwrap_or(&Value::Null), 1)?;
            let mut pieces = Vec::new();
            for (i, text) in template.split("{}").enumerate() {
                if i > 0 {
                    pieces.push(FormatPiece::Placeholder);
                }
                if !text.is_empty() {
                    pieces.push(FormatPiece::Text(text.to_string()));
                }
            }
            pieces
        }
    };
    let values = args.get(1..).unwrap_or_default();
    let placeholders = pieces
        .iter()
        .filter(|piece| matches!(piece, FormatPiece::Placeholder))
        .count();
    if placeholders != values.len() {
        return Err(fail(
            function,
            format!(
                "the template has {placeholders} placeholder(s) but {} argument(s) were given",
                values.len()
            ),
        ));
    }
    let mut out = String::new();
    let mut next = values.iter();
    for piece in &pieces {
        match piece {
            FormatPiece::Text(text) => out.push_str(text),
            FormatPiece::Placeholder => {
                if let Some(value) = next.next() {
                    format_value(value, &mut out);
                }
            }
        }
    }
    Ok(Value::String(out))
}

fn array_range(
    function: IntrinsicFunction,
    start: &Value,
    end: &Value,
    step: &Value,
) -> Result<Value, IntrinsicError> {
    let start = expect_integer(function, start, 1)?;
    let end = expect_integer(function, end, 2)?;
    let step = expect_integer(function, step, 3)?;
    if step == 0 {
        return Err(fail(function, "the step must not be zero"));
    }
    let mut items = Vec::new();
    let mut current = start;
    while (step > 0 && current <= end) || (step < 0 && current >= end) {
        if items.len() >= MAX_RANGE_ITEMS {
            return Err(fail(
                function,
                "the range would contain more than 1000 elements",
            ));
        }
        items.push(Value::from(current));
        match current.checked_add(step) {
            Some(next) => current = next,
            None => break,
        }
    }
    Ok(Value::Array(items))
}

fn hash(
    function: IntrinsicFunction,
    data: &Value,
    algorithm: &Value,
) -> Result<Value, IntrinsicError> {
    let text = match data {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_DATA_CHARS {
        return Err(fail(
            function,
            format!("the input is longer than {MAX_DATA_CHARS} characters"),
        ));
    }
    let algorithm = expect_str(function, algorithm, 2)?;
    match hash_hex(text.as_bytes(), algorithm) {
        Some(hex) => Ok(Value::String(hex)),
        None => Err(fail(
            function,
            format!(
                "unsupported algorithm '{algorithm}' (expected one of {})",
                HASH_ALGORITHMS.join(", ")
            ),
        )),
    }
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

fn math_random(
    function: IntrinsicFunction,
    args: &[Value],
    env: &mut Env<'_>,
) -> Result<Value, IntrinsicError> {
    let null = Value::Null;
    let start = expect_integer(function, args.first().unwrap_or(&null), 1)?;
    let end = expect_integer(function, args.get(1).unwrap_or(&null), 2)?;
    if start > end {
        return Err(fail(function, "the start must not be greater than the end"));
    }
    let raw = match args.get(2) {
        Some(seed) => {
            let seed = expect_integer(function, seed, 3)?;
            SplitMix64(u64::from_ne_bytes(seed.to_ne_bytes())).next_u64()
        }
        None => env.rng.next_u64(),
    };
    // Inclusive range [start, end]; the span fits in u128 for any i64 pair.
    let span = (i128::from(end) - i128::from(start) + 1) as u128;
    let offset = (u128::from(raw) % span) as i128;
    i64::try_from(i128::from(start) + offset)
        .map(Value::from)
        .map_err(|_| fail(function, "the result is out of range"))
}
