//! Static checks applied while parsing an intrinsic call: arity, literal argument
//! types, nested-call result types, `States.Format` placeholders and literal ranges.

use serde_json::Value;

use super::{IntrinsicArg, IntrinsicCall, IntrinsicError, IntrinsicFunction};
use crate::path::json_type_name as type_name;

/// Hash algorithms accepted by `States.Hash`.
pub(super) const HASH_ALGORITHMS: [&str; 5] = ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

/// Largest array `States.ArrayRange` may produce.
pub(super) const MAX_RANGE_ITEMS: usize = 1000;

/// What an argument position accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Any,
    String,
    Number,
    PositiveInteger,
    NonNegativeInteger,
    Array,
    Object,
    False,
    HashAlgorithm,
}

/// What a nested call returns, as far as is known statically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Returns {
    Any,
    String,
    Number,
    Boolean,
    Array,
    Object,
}

fn returns(function: IntrinsicFunction) -> Returns {
    use IntrinsicFunction as F;
    match function {
        F::Format | F::JsonToString | F::Base64Encode | F::Base64Decode | F::Hash | F::Uuid => {
            Returns::String
        }
        F::Array | F::ArrayPartition | F::ArrayRange | F::ArrayUnique | F::StringSplit => {
            Returns::Array
        }
        F::ArrayContains => Returns::Boolean,
        F::ArrayLength | F::MathRandom | F::MathAdd => Returns::Number,
        F::JsonMerge => Returns::Object,
        F::StringToJson | F::ArrayGetItem => Returns::Any,
    }
}

fn rule(function: IntrinsicFunction, index: usize) -> Kind {
    use IntrinsicFunction as F;
    match (function, index) {
        (F::Format, 0) | (F::StringToJson, _) => Kind::String,
        (F::Base64Encode | F::Base64Decode | F::StringSplit, _) => Kind::String,
        (F::ArrayPartition | F::ArrayContains | F::ArrayGetItem, 0) => Kind::Array,
        (F::ArrayLength | F::ArrayUnique, _) => Kind::Array,
        (F::ArrayPartition, _) => Kind::PositiveInteger,
        (F::ArrayGetItem, _) => Kind::NonNegativeInteger,
        (F::ArrayRange | F::MathAdd | F::MathRandom, _) => Kind::Number,
        (F::Hash, 1) => Kind::HashAlgorithm,
        (F::JsonMerge, 0 | 1) => Kind::Object,
        (F::JsonMerge, _) => Kind::False,
        _ => Kind::Any,
    }
}

fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::Any => "any value",
        Kind::String => "a string",
        Kind::Number => "a number",
        Kind::PositiveInteger => "a positive integer",
        Kind::NonNegativeInteger => "a non-negative integer",
        Kind::Array => "an array",
        Kind::Object => "a JSON object",
        Kind::False => "the boolean false (deep merge is not supported)",
        Kind::HashAlgorithm => "one of MD5, SHA-1, SHA-256, SHA-384, SHA-512",
    }
}

fn is_integer_at_least(value: &Value, min: i64) -> bool {
    match value {
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i >= min,
            (None, Some(_), _) => true,
            (None, None, Some(f)) => f.fract() == 0.0 && f >= min as f64,
            _ => false,
        },
        _ => false,
    }
}

fn literal_fits(kind: Kind, value: &Value) -> bool {
    match kind {
        Kind::Any => true,
        Kind::String => value.is_string(),
        Kind::Number => value.is_number(),
        Kind::PositiveInteger => is_integer_at_least(value, 1),
        Kind::NonNegativeInteger => is_integer_at_least(value, 0),
        // Intrinsic literals cannot be arrays or objects: those come from paths or calls.
        Kind::Array | Kind::Object => false,
        Kind::False => value == &Value::Bool(false),
        Kind::HashAlgorithm => value
            .as_str()
            .is_some_and(|name| HASH_ALGORITHMS.contains(&name)),
    }
}

fn result_fits(kind: Kind, result: Returns) -> bool {
    matches!(
        (kind, result),
        (Kind::Any, _)
            | (_, Returns::Any)
            | (Kind::String | Kind::HashAlgorithm, Returns::String)
            | (
                Kind::Number | Kind::PositiveInteger | Kind::NonNegativeInteger,
                Returns::Number
            )
            | (Kind::Array, Returns::Array)
            | (Kind::Object, Returns::Object)
            | (Kind::False, Returns::Boolean)
    )
}

fn result_name(result: Returns) -> &'static str {
    match result {
        Returns::Any => "any value",
        Returns::String => "a string",
        Returns::Number => "a number",
        Returns::Boolean => "a boolean",
        Returns::Array => "an array",
        Returns::Object => "an object",
    }
}

/// Rounds like Java's `Math.round` (AWS rounds non-integer numeric arguments).
pub(super) fn java_round(value: f64) -> f64 {
    (value + 0.5).floor()
}

fn expected_arity(function: IntrinsicFunction) -> String {
    let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
    match function.arity() {
        (min, Some(max)) if min == max => format!("exactly {min} {}", plural(min)),
        (min, Some(max)) => format!("{min} to {max} arguments"),
        (min, None) => format!("at least {min} {}", plural(min)),
    }
}

/// Checks one freshly parsed call (its nested calls were checked already).
pub(super) fn check_call(call: &IntrinsicCall, text: &str) -> Result<(), IntrinsicError> {
    let function = call.function;
    let count = call.args.len();
    let (min, max) = function.arity();
    if count < min || max.is_some_and(|max| count > max) {
        return Err(IntrinsicError::Arity {
            text: text.to_string(),
            function,
            expected: expected_arity(function),
            found: count,
        });
    }
    for (index, arg) in call.args.iter().enumerate() {
        let kind = rule(function, index);
        let problem = match arg {
            IntrinsicArg::Literal(value) if !literal_fits(kind, value) => Some(format!(
                "must be {}, but the literal is {}",
                describe(kind),
                match value {
                    Value::String(s) => format!("the string '{s}'"),
                    other => format!("{} {other}", type_name(other)),
                }
            )),
            IntrinsicArg::Call(inner) if !result_fits(kind, returns(inner.function)) => {
                Some(format!(
                    "must be {}, but {} returns {}",
                    describe(kind),
                    inner.function,
                    result_name(returns(inner.function))
                ))
            }
            _ => None,
        };
        if let Some(message) = problem {
            return Err(IntrinsicError::ArgumentType {
                text: text.to_string(),
                function,
                position: index + 1,
                message,
            });
        }
    }
    if let Some(template) = call.format_template() {
        let placeholders = template
            .iter()
            .filter(|piece| matches!(piece, super::FormatPiece::Placeholder))
            .count();
        let arguments = count.saturating_sub(1);
        if placeholders != arguments {
            return Err(IntrinsicError::FormatPlaceholders {
                text: text.to_string(),
                placeholders,
                arguments,
            });
        }
    }
    if function == IntrinsicFunction::ArrayRange {
        check_range(call, text)?;
    }
    Ok(())
}

fn check_range(call: &IntrinsicCall, text: &str) -> Result<(), IntrinsicError> {
    let literal = |index: usize| match call.args.get(index) {
        Some(IntrinsicArg::Literal(value)) => value.as_f64().map(java_round),
        _ => None,
    };
    let error = |position: usize, message: &str| IntrinsicError::ArgumentType {
        text: text.to_string(),
        function: IntrinsicFunction::ArrayRange,
        position,
        message: message.to_string(),
    };
    if literal(2) == Some(0.0) {
        return Err(error(3, "(the step) must not be zero"));
    }
    if let (Some(start), Some(end), Some(step)) = (literal(0), literal(1), literal(2)) {
        let count = ((end - start) / step).floor() + 1.0;
        if count > MAX_RANGE_ITEMS as f64 {
            return Err(error(3, "would make the range longer than 1000 elements"));
        }
    }
    Ok(())
}
