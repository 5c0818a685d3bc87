//! Choice rule evaluation in the JSONPath query language: `And`/`Or`/`Not`, the `String…`,
//! `Numeric…`, `Boolean…` and `Timestamp…` comparisons (literal and `…Path` operands),
//! `StringMatches` and the `Is…` type tests, with AWS's missing-path and type-mismatch rules.
//! JSONata `Condition`s belong to the JSONata binding.

use std::borrow::Cow;
use std::cmp::Ordering;

use baton_asl::path::{JsonPath, Segment};
use baton_asl::states::{Comparison, ComparisonKind, Condition, Operand, Relation, TypeTest};
use baton_asl::timestamp::parse_timestamp;
use serde_json::{Number, Value};

use crate::dataflow::{Env, view_path};
use crate::failure::{Failure, names};

/// Evaluates one Choice rule against the (effective) state input.
///
/// A comparison whose `Variable` (or `…Path` operand) is missing fails with `States.Runtime`;
/// a value of the wrong type makes the comparison false.
pub fn evaluate_condition(
    condition: &Condition,
    input: &Value,
    env: &mut Env,
) -> Result<bool, Failure> {
    evaluate(condition, input, env)
}

fn evaluate(condition: &Condition, input: &Value, env: &Env) -> Result<bool, Failure> {
    match condition {
        Condition::Constant(value) => Ok(*value),
        Condition::Jsonata(_) => Err(Failure::new(
            names::RUNTIME,
            "JSONata conditions are evaluated by the JSONata binding",
        )),
        Condition::And(rules) => {
            for rule in rules {
                if !evaluate(rule, input, env)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(rules) => {
            for rule in rules {
                if evaluate(rule, input, env)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(rule) => evaluate(rule, input, env).map(|holds| !holds),
        Condition::Compare {
            variable,
            comparison,
        } => compare(variable, comparison, input, env),
    }
}

/// AWS's cause detail for a comparison path that selects nothing.
fn invalid_path(path: &JsonPath, env: &Env) -> Failure {
    env.runtime(format_args!(
        "Invalid path '{}': The choice state's condition path references an invalid value.",
        path.as_str()
    ))
}

/// Whether a read counts as present: it found something, and an indefinite path (without a
/// trailing function) matched at least one node.
fn is_present(path: &JsonPath, found: Option<&Value>) -> bool {
    match found {
        None => false,
        Some(Value::Array(items)) if items.is_empty() => {
            path.is_definite() || matches!(path.segments().last(), Some(Segment::Function(_)))
        }
        Some(_) => true,
    }
}

fn compare(
    variable: &JsonPath,
    comparison: &Comparison,
    input: &Value,
    env: &Env,
) -> Result<bool, Failure> {
    let found = view_path(variable, input, env)?;
    if let Comparison::TypeTest(TypeTest::IsPresent, expected) = comparison {
        return Ok(is_present(variable, found.as_deref()) == *expected);
    }
    let Some(value) = found else {
        return Err(invalid_path(variable, env));
    };
    let value: &Value = &value;
    match comparison {
        Comparison::TypeTest(test, expected) => Ok(type_test(*test, value) == *expected),
        Comparison::StringMatches(pattern) => Ok(value
            .as_str()
            .is_some_and(|text| string_matches(text, pattern))),
        Comparison::Compare {
            kind,
            relation,
            operand,
        } => {
            let operand: Cow<'_, Value> = match operand {
                Operand::Literal(literal) => Cow::Borrowed(literal),
                Operand::Path(path) => match view_path(path, input, env)? {
                    Some(found) => found,
                    None => return Err(invalid_path(path, env)),
                },
            };
            Ok(compare_values(*kind, *relation, value, &operand))
        }
    }
}

fn type_test(test: TypeTest, value: &Value) -> bool {
    match test {
        TypeTest::IsNull => value.is_null(),
        TypeTest::IsPresent => true,
        TypeTest::IsNumeric => value.is_number(),
        TypeTest::IsString => value.is_string(),
        TypeTest::IsBoolean => value.is_boolean(),
        TypeTest::IsTimestamp => value.as_str().is_some_and(|s| parse_timestamp(s).is_some()),
    }
}

fn holds(relation: Relation, ordering: Ordering) -> bool {
    match relation {
        Relation::Equals => ordering == Ordering::Equal,
        Relation::LessThan => ordering == Ordering::Less,
        Relation::GreaterThan => ordering == Ordering::Greater,
        Relation::LessThanEquals => ordering != Ordering::Greater,
        Relation::GreaterThanEquals => ordering != Ordering::Less,
    }
}

/// Compares `value` with `operand` as `kind`; any operand of another type makes it false.
fn compare_values(
    kind: ComparisonKind,
    relation: Relation,
    value: &Value,
    operand: &Value,
) -> bool {
    match (kind, value, operand) {
        (ComparisonKind::String, Value::String(a), Value::String(b)) => {
            if relation == Relation::Equals {
                a == b
            } else {
                // Java's String.compareTo: UTF-16 code units.
                holds(relation, a.encode_utf16().cmp(b.encode_utf16()))
            }
        }
        (ComparisonKind::Numeric, Value::Number(a), Value::Number(b)) => {
            compare_numbers(a, b).is_some_and(|ordering| holds(relation, ordering))
        }
        (ComparisonKind::Boolean, Value::Bool(a), Value::Bool(b)) => {
            relation == Relation::Equals && a == b
        }
        (ComparisonKind::Timestamp, Value::String(a), Value::String(b)) => {
            match (parse_timestamp(a), parse_timestamp(b)) {
                // OffsetDateTime orders by instant, whatever the offsets.
                (Some(a), Some(b)) => holds(relation, a.cmp(&b)),
                _ => false,
            }
        }
        _ => false,
    }
}

fn integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// Orders an integer against a finite float exactly (no rounding of the integer).
fn integer_vs_float(i: i128, f: f64) -> Ordering {
    // Every JSON integer serde_json keeps as an integer fits in (-2^63, 2^64).
    if f >= 18_446_744_073_709_551_616.0 {
        return Ordering::Less;
    }
    if f < -9_223_372_036_854_775_808.0 {
        return Ordering::Greater;
    }
    let whole = f.trunc();
    // In range by the checks above, so the conversion is exact.
    let whole_int = whole as i128;
    match i.cmp(&whole_int) {
        Ordering::Equal if f > whole => Ordering::Less,
        Ordering::Equal if f < whole => Ordering::Greater,
        ordering => ordering,
    }
}

/// Numeric order: integers exactly, floats as f64, mixed pairs exactly.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(x), None) => b.as_f64().map(|f| integer_vs_float(x, f)),
        (None, Some(y)) => a.as_f64().map(|f| integer_vs_float(y, f).reverse()),
        (None, None) => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// One element of a `StringMatches` pattern.
#[derive(Clone, Copy, PartialEq)]
enum Token {
    /// `*`: any run of characters.
    Star,
    /// A literal character (`\*` and `\\` escape `*` and `\`).
    Char(char),
}

/// The token starting at byte `at` of `pattern` and the byte offset after it.
fn token_at(pattern: &str, at: usize) -> Option<(Token, usize)> {
    let mut chars = pattern.get(at..)?.chars();
    let first = chars.next()?;
    let after = at + first.len_utf8();
    match first {
        '*' => Some((Token::Star, after)),
        '\\' => match chars.next() {
            Some(escaped) => Some((Token::Char(escaped), after + escaped.len_utf8())),
            None => Some((Token::Char('\\'), after)),
        },
        other => Some((Token::Char(other), after)),
    }
}

/// `StringMatches`: the whole text must match; `*` matches any run (also empty), `\*` a
/// literal star and `\\` a backslash. Linear backtracking over the last star, no allocation.
fn string_matches(text: &str, pattern: &str) -> bool {
    let mut p = 0;
    let mut t = 0;
    // After the most recent star: (pattern position after it, text position it resumes from).
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        let token = token_at(pattern, p);
        let Some(current) = text.get(t..).and_then(|rest| rest.chars().next()) else {
            // Text consumed: the rest of the pattern must be stars only.
            let mut p = p;
            while let Some((Token::Star, next)) = token_at(pattern, p) {
                p = next;
            }
            return p >= pattern.len();
        };
        match token {
            Some((Token::Star, next)) => {
                backtrack = Some((next, t));
                p = next;
                continue;
            }
            Some((Token::Char(c), next)) if c == current => {
                p = next;
                t += current.len_utf8();
                continue;
            }
            _ => {}
        }
        let Some((star_next, star_t)) = backtrack else {
            return false;
        };
        let Some(skipped) = text.get(star_t..).and_then(|rest| rest.chars().next()) else {
            return false;
        };
        let resume = star_t + skipped.len_utf8();
        backtrack = Some((star_next, resume));
        p = star_next;
        t = resume;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_asl::intrinsics::RandomSource;
    use baton_asl::states::Comparison as C;
    use serde_json::json;

    struct Fixed;

    impl RandomSource for Fixed {
        fn uuid_v4_bytes(&mut self) -> [u8; 16] {
            [0; 16]
        }
        fn next_u64(&mut self) -> u64 {
            4
        }
    }

    fn vars(name: &str) -> Option<Value> {
        (name == "limit").then(|| json!({"max": 10}))
    }

    fn eval(condition: &Condition, input: &Value) -> Result<bool, Failure> {
        let context = crate::dataflow::LazyContext::ready(
            json!({"Execution": {"Name": "e", "StartTime": "2024-01-01T00:00:00Z"}}),
        );
        let mut random = Fixed;
        let mut env = Env {
            context: &context,
            variables: &vars,
            random: &mut random,
            state_name: "Choose",
            entered_event_id: 2,
        };
        evaluate_condition(condition, input, &mut env)
    }

    fn path(text: &str) -> JsonPath {
        JsonPath::parse(text).expect("valid path")
    }

    fn cmp(variable: &str, kind: ComparisonKind, relation: Relation, operand: Value) -> Condition {
        Condition::Compare {
            variable: path(variable),
            comparison: C::Compare {
                kind,
                relation,
                operand: Operand::Literal(operand),
            },
        }
    }

    fn cmp_path(
        variable: &str,
        kind: ComparisonKind,
        relation: Relation,
        operand: &str,
    ) -> Condition {
        Condition::Compare {
            variable: path(variable),
            comparison: C::Compare {
                kind,
                relation,
                operand: Operand::Path(path(operand)),
            },
        }
    }

    fn test(variable: &str, test: TypeTest, expected: bool) -> Condition {
        Condition::Compare {
            variable: path(variable),
            comparison: C::TypeTest(test, expected),
        }
    }

    fn matches(variable: &str, pattern: &str) -> Condition {
        Condition::Compare {
            variable: path(variable),
            comparison: C::StringMatches(pattern.to_owned()),
        }
    }

    #[test]
    fn relations_for_every_kind() {
        use ComparisonKind::{Numeric, String as Str, Timestamp};
        use Relation::{
            Equals as Eq, GreaterThan as Gt, GreaterThanEquals as Ge, LessThan as Lt,
            LessThanEquals as Le,
        };
        let input = json!({
            "n": 5, "f": 5.5, "big": 18446744073709551615u64, "neg": -3,
            "s": "b", "t": "2024-01-01T10:00:00+02:00", "tz": "2024-01-01T08:00:00Z",
            "bad_t": "2024-01-01 08:00:00Z"
        });
        let cases = [
            (cmp("$.n", Numeric, Eq, json!(5)), true),
            (cmp("$.n", Numeric, Eq, json!(5.0)), true),
            (cmp("$.n", Numeric, Lt, json!(5.5)), true),
            (cmp("$.n", Numeric, Gt, json!(4.999)), true),
            (cmp("$.n", Numeric, Le, json!(5)), true),
            (cmp("$.n", Numeric, Ge, json!(6)), false),
            (cmp("$.f", Numeric, Gt, json!(5)), true),
            (cmp("$.f", Numeric, Eq, json!(5.5)), true),
            (
                cmp("$.big", Numeric, Gt, json!(18446744073709551614u64)),
                true,
            ),
            (cmp("$.big", Numeric, Lt, json!(1.9e19)), true),
            (cmp("$.neg", Numeric, Lt, json!(-2.5)), true),
            (cmp("$.neg", Numeric, Gt, json!(-3.5)), true),
            (cmp("$.s", Str, Eq, json!("b")), true),
            (cmp("$.s", Str, Lt, json!("c")), true),
            (cmp("$.s", Str, Gt, json!("ab")), true),
            (cmp("$.s", Str, Le, json!("b")), true),
            (cmp("$.s", Str, Ge, json!("ba")), false),
            (
                cmp("$.t", Timestamp, Eq, json!("2024-01-01T08:00:00Z")),
                true,
            ),
            (
                cmp("$.t", Timestamp, Lt, json!("2024-01-01T08:00:01Z")),
                true,
            ),
            (
                cmp("$.t", Timestamp, Gt, json!("2024-01-01T07:59:59.999Z")),
                true,
            ),
            (
                cmp("$.t", Timestamp, Le, json!("2024-01-01T08:00:00Z")),
                true,
            ),
            (
                cmp("$.t", Timestamp, Ge, json!("2024-01-02T00:00:00Z")),
                false,
            ),
            (
                cmp("$.bad_t", Timestamp, Eq, json!("2024-01-01T08:00:00Z")),
                false,
            ),
            (cmp_path("$.t", Timestamp, Eq, "$.tz"), true),
            (cmp_path("$.n", Numeric, Lt, "$.f"), true),
            (cmp_path("$.s", Str, Eq, "$.s"), true),
            (cmp_path("$.n", Numeric, Le, "$limit.max"), true),
            (cmp_path("$.n", Numeric, Eq, "$.s"), false),
            (cmp("$$.Execution.Name", Str, Eq, json!("e")), true),
        ];
        for (condition, expected) in cases {
            assert_eq!(eval(&condition, &input), Ok(expected), "{condition:?}");
        }
    }

    #[test]
    fn string_order_is_utf16() {
        // U+FF61 sorts after U+1F600 in UTF-16 (surrogates are 0xD83D…) but before it by code point.
        let input = json!({"s": "\u{FF61}"});
        let condition = cmp(
            "$.s",
            ComparisonKind::String,
            Relation::GreaterThan,
            json!("\u{1F600}"),
        );
        assert_eq!(eval(&condition, &input), Ok(true));
    }

    #[test]
    fn type_mismatches_are_false() {
        use ComparisonKind::{Boolean, Numeric, String as Str, Timestamp};
        let values = [
            json!(null),
            json!("1"),
            json!(1),
            json!(true),
            json!([]),
            json!({}),
        ];
        for value in values {
            let input = json!({"v": value});
            let checks = [
                (
                    cmp("$.v", Numeric, Relation::Equals, json!(1)),
                    value.is_number(),
                ),
                (
                    cmp("$.v", Str, Relation::Equals, json!("1")),
                    value.is_string(),
                ),
                (
                    cmp("$.v", Boolean, Relation::Equals, json!(true)),
                    value.is_boolean(),
                ),
                (
                    cmp(
                        "$.v",
                        Timestamp,
                        Relation::Equals,
                        json!("2024-01-01T00:00:00Z"),
                    ),
                    false,
                ),
            ];
            for (condition, expected) in checks {
                assert_eq!(
                    eval(&condition, &input),
                    Ok(expected),
                    "{condition:?} on {input}"
                );
            }
        }
    }

    #[test]
    fn type_tests() {
        let input = json!({
            "null": null, "num": 1.5, "str": "x", "bool": false,
            "ts": "2016-03-14T01:59:00Z", "ts_lower": "2016-03-14t01:59:00z", "arr": [], "obj": {}
        });
        let cases = [
            ("$.null", TypeTest::IsNull, true),
            ("$.str", TypeTest::IsNull, false),
            ("$.num", TypeTest::IsNumeric, true),
            ("$.str", TypeTest::IsNumeric, false),
            ("$.str", TypeTest::IsString, true),
            ("$.num", TypeTest::IsString, false),
            ("$.bool", TypeTest::IsBoolean, true),
            ("$.null", TypeTest::IsBoolean, false),
            ("$.ts", TypeTest::IsTimestamp, true),
            ("$.ts_lower", TypeTest::IsTimestamp, false),
            ("$.str", TypeTest::IsTimestamp, false),
            ("$.null", TypeTest::IsPresent, true),
            ("$.arr", TypeTest::IsPresent, true),
            ("$.nope", TypeTest::IsPresent, false),
            ("$.str.deeper", TypeTest::IsPresent, false),
            ("$.arr[0]", TypeTest::IsPresent, false),
            ("$.arr[*]", TypeTest::IsPresent, false),
            ("$$.Execution.Name", TypeTest::IsPresent, true),
            ("$limit.max", TypeTest::IsPresent, true),
            ("$limit.min", TypeTest::IsPresent, false),
            ("$unknown", TypeTest::IsPresent, false),
        ];
        for (variable, t, expected) in cases {
            assert_eq!(
                eval(&test(variable, t, true), &input),
                Ok(expected),
                "{variable} {t:?}"
            );
            assert_eq!(
                eval(&test(variable, t, false), &input),
                Ok(!expected),
                "{variable} {t:?} false"
            );
        }
        // Every test but IsPresent on a missing variable is a failure.
        let missing = test("$.nope", TypeTest::IsNull, true);
        assert!(eval(&missing, &input).is_err());
    }

    #[test]
    fn missing_paths_fail_with_aws_text() {
        let input = json!({"a": 1});
        let cases = [
            (
                cmp(
                    "$.nope",
                    ComparisonKind::Numeric,
                    Relation::Equals,
                    json!(1),
                ),
                "$.nope",
            ),
            (
                cmp_path("$.a", ComparisonKind::Numeric, Relation::Equals, "$.other"),
                "$.other",
            ),
            (matches("$.nope", "*"), "$.nope"),
            (test("$.a.b", TypeTest::IsString, false), "$.a.b"),
        ];
        for (condition, shown) in cases {
            assert_eq!(
                eval(&condition, &input),
                Err(Failure::new(
                    "States.Runtime",
                    format!(
                        "An error occurred while executing the state 'Choose' (entered at the event id #2). Invalid path '{shown}': The choice state's condition path references an invalid value."
                    )
                )),
                "{condition:?}"
            );
        }
    }

    #[test]
    fn string_matches_table() {
        let cases = [
            ("log-*.txt", "log-2024.txt", true),
            ("log-*.txt", "log-.txt", true),
            ("log-*.txt", "log-2024.txt.bak", false),
            ("*", "", true),
            ("*", "anything", true),
            ("", "", true),
            ("", "a", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "abcabc", true),
            ("a*b*c", "acb", false),
            ("**", "x", true),
            ("*a", "bba", true),
            ("*a", "bab", false),
            (r"\*", "*", true),
            (r"\*", "x", false),
            (r"a\*b", "a*b", true),
            (r"a\*b", "axb", false),
            (r"\\", r"\", true),
            (r"a\\*", r"a\bc", true),
            (r"a\\*", "abc", false),
            (r"x\", r"x\", true),
            ("héllo*", "héllo wörld", true),
            ("*ö*", "wörld", true),
            ("h?llo", "hello", false),
            ("h?llo", "h?llo", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(
                string_matches(text, pattern),
                expected,
                "{pattern:?} ~ {text:?}"
            );
            let input = json!({"s": text});
            assert_eq!(
                eval(&matches("$.s", pattern), &input),
                Ok(expected),
                "{pattern:?}"
            );
        }
        assert_eq!(eval(&matches("$.n", "*"), &json!({"n": 1})), Ok(false));
    }

    #[test]
    fn combinators_and_constants() {
        let input = json!({"a": 1, "b": "x"});
        let t = cmp("$.a", ComparisonKind::Numeric, Relation::Equals, json!(1));
        let f = cmp("$.b", ComparisonKind::String, Relation::Equals, json!("y"));
        let missing = cmp("$.zz", ComparisonKind::Numeric, Relation::Equals, json!(1));
        let cases = [
            (Condition::And(vec![t.clone(), t.clone()]), Ok(true)),
            (Condition::And(vec![t.clone(), f.clone()]), Ok(false)),
            // Short circuit: the missing path after a false And member is never read.
            (Condition::And(vec![f.clone(), missing.clone()]), Ok(false)),
            (Condition::Or(vec![f.clone(), t.clone()]), Ok(true)),
            (Condition::Or(vec![t.clone(), missing.clone()]), Ok(true)),
            (Condition::Or(vec![f.clone(), f.clone()]), Ok(false)),
            (Condition::Not(Box::new(f.clone())), Ok(true)),
            (Condition::Not(Box::new(t.clone())), Ok(false)),
            (Condition::Constant(true), Ok(true)),
            (Condition::Constant(false), Ok(false)),
        ];
        for (condition, expected) in cases {
            assert_eq!(eval(&condition, &input), expected, "{condition:?}");
        }
        assert!(eval(&Condition::Or(vec![f, missing]), &input).is_err());
    }

    #[test]
    fn numbers_compare_exactly() {
        let cases = [
            (
                json!(9007199254740993u64),
                json!(9007199254740992.0),
                Ordering::Greater,
            ),
            (json!(1), json!(1.0), Ordering::Equal),
            (json!(-1), json!(-0.5), Ordering::Less),
            (json!(0), json!(-0.0), Ordering::Equal),
            (json!(2.5), json!(2), Ordering::Greater),
            (json!(u64::MAX), json!(i64::MIN), Ordering::Greater),
        ];
        for (a, b, expected) in cases {
            let (Value::Number(x), Value::Number(y)) = (&a, &b) else {
                unreachable!()
            };
            assert_eq!(compare_numbers(x, y), Some(expected), "{a} vs {b}");
        }
    }

    #[test]
    fn jsonata_conditions_are_delegated() {
        let expression = baton_asl::jsonata::JsonataExpression::parse_delimited("{% true %}")
            .expect("valid expression");
        let got = eval(&Condition::Jsonata(expression), &json!({}));
        assert_eq!(
            got,
            Err(Failure::new(
                "States.Runtime",
                "JSONata conditions are evaluated by the JSONata binding"
            ))
        );
    }
}
