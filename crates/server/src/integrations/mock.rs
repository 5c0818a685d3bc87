//! Step Functions Local *mock configurations* (the file `SFN_MOCK_CONFIG` / `--mock-config`
//! names; LocalStack reads the same format): parsing and validating it, and answering which
//! mocked response (`Return` or `Throw`) the n-th call of a Task state gets in a test case, the
//! one an execution started on `<stateMachineArn>#<TestCase>` runs under.
//!
//! Format (AWS, "Configuration file for mocked service integrations in Step Functions",
//! <https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html>):
//! `{"StateMachines": {NAME: {"TestCases": {CASE: {STATE: RESPONSE_NAME}}}},
//!   "MockedResponses": {RESPONSE_NAME: {"0": {"Return": ANY}, "1-2": {"Throw": {"Error": S, "Cause": S}}}}}`.
//! Invocation keys are 0-based call numbers of the state within one execution, a single number
//! `"N"` or an inclusive range `"N-M"`. This module is stricter than Step Functions Local, which
//! only complains when an execution reaches a broken entry: every mocked response must be
//! well-formed and its keys must cover `0, 1, 2, …` without gaps or overlaps, and every state of
//! every test case must name a defined response. A call past the last key has no response
//! ([`MockTestCase::response`] answers `None`); Step Functions Local fails the execution then.

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The label of the document root in error locations.
const ROOT: &str = "mock config";

/// What a mocked Task state invocation answers.
#[derive(Debug, Clone, PartialEq)]
pub enum MockResponse {
    /// The task succeeds with this result (any JSON value, used as the service's response).
    Return(Value),
    /// The task fails with this error.
    Throw {
        /// The error name (`Error`), matched by `Retry`/`Catch`.
        error: String,
        /// The error cause (`Cause`).
        cause: String,
    },
}

/// Why a mock configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum MockConfigError {
    /// The file could not be read.
    #[error("cannot read mock config file '{}': {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not JSON.
    #[error("mock config is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A value has the wrong type, or a required field is missing or unknown.
    #[error("{at}: {message}")]
    Shape {
        /// Where, as a dotted path (`StateMachines.Sm.TestCases`).
        at: String,
        /// What is wrong.
        message: String,
    },
    /// An invocation key is not `"N"` or `"N-M"` with `N <= M`.
    #[error(
        "{at}: invocation key '{key}' {reason}; keys are a number (\"3\") or an inclusive range (\"1-2\")"
    )]
    InvocationKey {
        /// The mocked response (`MockedResponses.Name`).
        at: String,
        /// The key as written.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two invocation keys cover the same invocation.
    #[error(
        "{at}: invocation keys '{first}' and '{second}' overlap (both cover invocation {invocation})"
    )]
    Overlap {
        /// The mocked response (`MockedResponses.Name`).
        at: String,
        /// The key that starts first.
        first: String,
        /// The key that overlaps it.
        second: String,
        /// The first invocation both cover.
        invocation: u64,
    },
    /// Some invocations before the last key are covered by no key.
    #[error("{at}: no key covers {}; keys must cover invocations 0, 1, 2, … consecutively", span_text(*.from, *.to))]
    Gap {
        /// The mocked response (`MockedResponses.Name`).
        at: String,
        /// The first uncovered invocation.
        from: u64,
        /// The last uncovered invocation.
        to: u64,
    },
    /// A test case maps a state to a mocked response that `MockedResponses` does not define.
    #[error("{at}: mocked response '{response}' is not defined in MockedResponses")]
    UnknownResponse {
        /// The test case's state (`StateMachines.Sm.TestCases.Case.State`).
        at: String,
        /// The undefined response name.
        response: String,
    },
}

/// "invocation 3" or "invocations 1-2".
fn span_text(from: u64, to: u64) -> String {
    if from == to {
        format!("invocation {from}")
    } else {
        format!("invocations {from}-{to}")
    }
}

/// One invocation key with its response: invocations `first..=last`.
#[derive(Debug, Clone)]
struct Span {
    first: u64,
    last: u64,
    response: MockResponse,
}

/// A parsed, validated mock configuration.
#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    /// State machine name → test case name → state name → index into `responses`.
    state_machines: HashMap<String, HashMap<String, HashMap<String, usize>>>,
    /// Each mocked response's spans, sorted, consecutive from invocation 0.
    responses: Vec<Vec<Span>>,
}

/// The mocked states of one test case of one state machine.
#[derive(Debug, Clone, Copy)]
pub struct MockTestCase<'a> {
    states: &'a HashMap<String, usize>,
    responses: &'a [Vec<Span>],
}

impl MockConfig {
    /// Parses and validates a mock configuration from its JSON text.
    pub fn parse(text: &str) -> Result<Self, MockConfigError> {
        let document: Value = serde_json::from_str(text)?;
        let root = object(
            &document,
            ROOT,
            "an object with 'StateMachines' and 'MockedResponses'",
        )?;

        // MockedResponses first, so test cases can be resolved against it.
        let responses_at = "MockedResponses";
        let responses_value = required(root, ROOT, responses_at)?;
        let responses_map = object(
            responses_value,
            responses_at,
            "an object of mocked responses",
        )?;
        let mut responses = Vec::with_capacity(responses_map.len());
        let mut response_index = HashMap::with_capacity(responses_map.len());
        for (name, value) in responses_map {
            let at = join(responses_at, name);
            responses.push(parse_mocked_response(value, &at)?);
            response_index.insert(name.as_str(), responses.len() - 1);
        }

        let machines_at = "StateMachines";
        let machines_value = required(root, ROOT, machines_at)?;
        let machines_map = object(machines_value, machines_at, "an object of state machines")?;
        let mut state_machines = HashMap::with_capacity(machines_map.len());
        for (machine, value) in machines_map {
            let machine_at = join(machines_at, machine);
            let machine_map = object(value, &machine_at, "an object with 'TestCases'")?;
            let cases_at = join(&machine_at, "TestCases");
            let cases_value = required(machine_map, &machine_at, "TestCases")?;
            let cases_map = object(cases_value, &cases_at, "an object of test cases")?;
            let mut cases = HashMap::with_capacity(cases_map.len());
            for (case, value) in cases_map {
                let case_at = join(&cases_at, case);
                let states_map = object(
                    value,
                    &case_at,
                    "an object mapping state names to mocked response names",
                )?;
                let mut states = HashMap::with_capacity(states_map.len());
                for (state, value) in states_map {
                    let state_at = join(&case_at, state);
                    let Value::String(response) = value else {
                        return Err(shape(
                            &state_at,
                            format!(
                                "expected a mocked response name (a string), found {}",
                                kind(value)
                            ),
                        ));
                    };
                    let Some(&index) = response_index.get(response.as_str()) else {
                        return Err(MockConfigError::UnknownResponse {
                            at: state_at,
                            response: response.clone(),
                        });
                    };
                    states.insert(state.clone(), index);
                }
                cases.insert(case.clone(), states);
            }
            state_machines.insert(machine.clone(), cases);
        }

        Ok(Self {
            state_machines,
            responses,
        })
    }

    /// Reads and parses the mock configuration file at `path`.
    pub fn load(path: &Path) -> Result<Self, MockConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| MockConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text)
    }

    /// The mocked states of test case `test_case` of the state machine named `state_machine`.
    pub fn test_case(&self, state_machine: &str, test_case: &str) -> Option<MockTestCase<'_>> {
        let states = self.state_machines.get(state_machine)?.get(test_case)?;
        Some(MockTestCase {
            states,
            responses: &self.responses,
        })
    }

    /// Whether the state machine named `state_machine` has a test case `test_case`.
    pub fn has_test_case(&self, state_machine: &str, test_case: &str) -> bool {
        self.test_case(state_machine, test_case).is_some()
    }
}

impl MockTestCase<'_> {
    /// Whether `state` is mocked in this test case.
    pub fn mocks(&self, state: &str) -> bool {
        self.states.contains_key(state)
    }

    /// The response for the `invocation`-th (0-based) call of `state`; None if the state is not mocked or no key covers it.
    ///
    /// `invocation` counts every call of the state in the execution, retries included. `None` for
    /// a mocked state means the calls ran past the last key: Step Functions Local then fails the
    /// execution (the docs: "If you do not specify a mocked response, the state machine execution
    /// will fail"); the last response is not reused.
    pub fn response(&self, state: &str, invocation: u64) -> Option<&MockResponse> {
        let spans = self.responses.get(*self.states.get(state)?)?;
        let at = spans.partition_point(|span| span.last < invocation);
        spans
            .get(at)
            .filter(|span| span.first <= invocation)
            .map(|span| &span.response)
    }
}

/// Splits StartExecution's state machine ARN `…:stateMachine:Name#Case` into the ARN and the
/// test case (at the first `#`; state machine names cannot contain `#`).
pub fn split_test_case(state_machine_arn: &str) -> (&str, Option<&str>) {
    match state_machine_arn.split_once('#') {
        Some((arn, case)) => (arn, Some(case)),
        None => (state_machine_arn, None),
    }
}

/// Parses one entry of `MockedResponses`: invocation keys to `Return`/`Throw`, checked to cover
/// `0..=last` exactly once.
fn parse_mocked_response(value: &Value, at: &str) -> Result<Vec<Span>, MockConfigError> {
    let entries = object(
        value,
        at,
        "an object mapping invocation keys (\"0\", \"1-2\") to responses",
    )?;
    let mut spans: Vec<(Span, &str)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let (first, last) = parse_key(key).map_err(|reason| MockConfigError::InvocationKey {
            at: at.to_owned(),
            key: key.clone(),
            reason,
        })?;
        let response = parse_response(value, &join(at, key))?;
        spans.push((
            Span {
                first,
                last,
                response,
            },
            key.as_str(),
        ));
    }
    spans.sort_by_key(|(span, _)| (span.first, span.last));

    // The next invocation to be covered; None once u64::MAX is covered.
    let mut next = Some(0u64);
    let mut previous: Option<&str> = None;
    for (span, key) in &spans {
        match next {
            Some(expected) if span.first > expected => {
                return Err(MockConfigError::Gap {
                    at: at.to_owned(),
                    from: expected,
                    to: span.first - 1,
                });
            }
            Some(expected) if span.first == expected => {}
            _ => {
                return Err(MockConfigError::Overlap {
                    at: at.to_owned(),
                    first: previous.unwrap_or_default().to_owned(),
                    second: (*key).to_owned(),
                    invocation: span.first,
                });
            }
        }
        next = span.last.checked_add(1);
        previous = Some(key);
    }
    Ok(spans.into_iter().map(|(span, _)| span).collect())
}

/// `"N"` → (N, N); `"N-M"` → (N, M) with N ≤ M; the error is the reason.
fn parse_key(key: &str) -> Result<(u64, u64), String> {
    let number = |text: &str| -> Result<u64, String> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err("is not a number or a range of numbers".to_owned());
        }
        text.parse::<u64>()
            .map_err(|_| format!("has a number larger than {}", u64::MAX))
    };
    match key.split_once('-') {
        None => number(key).map(|n| (n, n)),
        Some((start, end)) => {
            let (first, last) = (number(start)?, number(end)?);
            if first > last {
                Err(format!("is a descending range ({first} > {last})"))
            } else {
                Ok((first, last))
            }
        }
    }
}

/// Parses `{"Return": ANY}` or `{"Throw": {"Error": S, "Cause": S}}`.
fn parse_response(value: &Value, at: &str) -> Result<MockResponse, MockConfigError> {
    let entry = object(
        value,
        at,
        "an object with a single field 'Return' or 'Throw'",
    )?;
    if let Some(unknown) = entry.keys().find(|k| *k != "Return" && *k != "Throw") {
        return Err(shape(
            at,
            format!("unknown field '{unknown}'; a response has a single field 'Return' or 'Throw'"),
        ));
    }
    match (entry.get("Return"), entry.get("Throw")) {
        (Some(result), None) => Ok(MockResponse::Return(result.clone())),
        (None, Some(throw)) => {
            let throw_at = join(at, "Throw");
            let throw = object(throw, &throw_at, "an object with 'Error' and 'Cause'")?;
            Ok(MockResponse::Throw {
                error: string_field(throw, &throw_at, "Error")?,
                cause: string_field(throw, &throw_at, "Cause")?,
            })
        }
        (Some(_), Some(_)) => Err(shape(
            at,
            "has both 'Return' and 'Throw'; a response has exactly one of them",
        )),
        (None, None) => Err(shape(at, "missing field 'Return' or 'Throw'")),
    }
}

/// The required string field `name` of `object` (at `at`).
fn string_field(
    object: &Map<String, Value>,
    at: &str,
    name: &str,
) -> Result<String, MockConfigError> {
    match required(object, at, name)? {
        Value::String(text) => Ok(text.clone()),
        other => Err(shape(
            &join(at, name),
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

/// The field `name` of `object` (at `at`), which must be present.
fn required<'v>(
    object: &'v Map<String, Value>,
    at: &str,
    name: &str,
) -> Result<&'v Value, MockConfigError> {
    object
        .get(name)
        .ok_or_else(|| shape(at, format!("missing field '{name}'")))
}

/// `value` as an object, or a shape error saying `expected`.
fn object<'v>(
    value: &'v Value,
    at: &str,
    expected: &str,
) -> Result<&'v Map<String, Value>, MockConfigError> {
    value
        .as_object()
        .ok_or_else(|| shape(at, format!("expected {expected}, found {}", kind(value))))
}

fn shape(at: &str, message: impl Into<String>) -> MockConfigError {
    MockConfigError::Shape {
        at: at.to_owned(),
        message: message.into(),
    }
}

/// `parent.child`, where the root's children are just `child`.
fn join(parent: &str, child: &str) -> String {
    if parent == ROOT {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

/// A JSON value's type, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The example of AWS's "Configuration file for mocked service integrations" page.
    const AWS_EXAMPLE: &str = r#"{
      "StateMachines": {
        "LambdaSQSIntegration": {
          "TestCases": {
            "HappyPath": { "LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess" },
            "RetryPath": { "LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess" },
            "HybridPath": { "LambdaState": "MockedLambdaSuccess" }
          }
        }
      },
      "MockedResponses": {
        "MockedLambdaSuccess": {
          "0": { "Return": { "StatusCode": 200, "Payload": { "StatusCode": 200, "body": "Hello from Lambda!" } } }
        },
        "LambdaMockedResourceNotReady": {
          "0": { "Throw": { "Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready." } }
        },
        "MockedSQSSuccess": {
          "0": { "Return": { "MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51", "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51" } }
        },
        "MockedLambdaRetry": {
          "0": { "Throw": { "Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready." } },
          "1-2": { "Throw": { "Error": "Lambda.TimeoutException", "Cause": "Lambda timed out." } },
          "3": { "Return": { "StatusCode": 200, "Payload": { "StatusCode": 200, "body": "Hello from Lambda!" } } }
        }
      }
    }"#;

    fn throw(error: &str, cause: &str) -> MockResponse {
        MockResponse::Throw {
            error: error.to_owned(),
            cause: cause.to_owned(),
        }
    }

    /// A config with one state machine `Sm`, test case `Case`, state `S` → response `R`.
    fn single(response: Value) -> String {
        json!({
            "StateMachines": {"Sm": {"TestCases": {"Case": {"S": "R"}}}},
            "MockedResponses": {"R": response}
        })
        .to_string()
    }

    fn error_of(text: &str) -> String {
        match MockConfig::parse(text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(err) => err.to_string(),
        }
    }

    fn assert_error(text: &str, expected: &str) {
        let message = error_of(text);
        assert!(
            message.contains(expected),
            "error {message:?} does not contain {expected:?}"
        );
    }

    #[test]
    fn aws_doc_example() {
        let config = MockConfig::parse(AWS_EXAMPLE).unwrap();
        let lambda_ok = MockResponse::Return(
            json!({"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}),
        );

        let happy = config
            .test_case("LambdaSQSIntegration", "HappyPath")
            .unwrap();
        assert!(happy.mocks("LambdaState") && happy.mocks("SQSState"));
        assert!(!happy.mocks("Other"));
        assert_eq!(happy.response("LambdaState", 0), Some(&lambda_ok));
        assert_eq!(happy.response("LambdaState", 1), None);
        assert_eq!(
            happy.response("SQSState", 0),
            Some(&MockResponse::Return(json!({
                "MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
                "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"
            })))
        );
        assert_eq!(happy.response("Other", 0), None);

        let retry = config
            .test_case("LambdaSQSIntegration", "RetryPath")
            .unwrap();
        let not_ready = throw(
            "Lambda.ResourceNotReadyException",
            "Lambda resource is not ready.",
        );
        let timeout = throw("Lambda.TimeoutException", "Lambda timed out.");
        assert_eq!(retry.response("LambdaState", 0), Some(&not_ready));
        assert_eq!(retry.response("LambdaState", 1), Some(&timeout));
        assert_eq!(retry.response("LambdaState", 2), Some(&timeout));
        assert_eq!(retry.response("LambdaState", 3), Some(&lambda_ok));
        assert_eq!(retry.response("LambdaState", 4), None);
        assert_eq!(retry.response("LambdaState", u64::MAX), None);

        let hybrid = config
            .test_case("LambdaSQSIntegration", "HybridPath")
            .unwrap();
        assert!(hybrid.mocks("LambdaState"));
        assert!(!hybrid.mocks("SQSState"));
        assert_eq!(hybrid.response("SQSState", 0), None);

        assert!(config.has_test_case("LambdaSQSIntegration", "HappyPath"));
        assert!(!config.has_test_case("LambdaSQSIntegration", "SadPath"));
        assert!(!config.has_test_case("Other", "HappyPath"));
        assert!(config.test_case("Other", "HappyPath").is_none());
    }

    #[test]
    fn ranges_in_any_order() {
        let config = MockConfig::parse(&single(json!({
            "5-9": {"Return": 3},
            "0-2": {"Return": 1},
            "4-4": {"Throw": {"Error": "E", "Cause": "C"}},
            "3": {"Return": 2},
            "10": {"Return": 4}
        })))
        .unwrap();
        let case = config.test_case("Sm", "Case").unwrap();
        let got: Vec<_> = (0..12).map(|n| case.response("S", n).cloned()).collect();
        let r = |v: i64| Some(MockResponse::Return(json!(v)));
        assert_eq!(
            got,
            vec![
                r(1),
                r(1),
                r(1),
                r(2),
                Some(throw("E", "C")),
                r(3),
                r(3),
                r(3),
                r(3),
                r(3),
                r(4),
                None
            ]
        );
    }

    #[test]
    fn range_up_to_u64_max() {
        let config = MockConfig::parse(&single(json!({
            "0": {"Return": "first"},
            "1-18446744073709551615": {"Return": "rest"}
        })))
        .unwrap();
        let case = config.test_case("Sm", "Case").unwrap();
        assert_eq!(
            case.response("S", 0),
            Some(&MockResponse::Return(json!("first")))
        );
        assert_eq!(
            case.response("S", u64::MAX),
            Some(&MockResponse::Return(json!("rest")))
        );
        // Anything after a key reaching u64::MAX overlaps it.
        assert_error(
            &single(
                json!({"0-18446744073709551615": {"Return": 1}, "018446744073709551615": {"Return": 2}}),
            ),
            "MockedResponses.R: invocation keys '0-18446744073709551615' and '018446744073709551615' overlap (both cover invocation 18446744073709551615)",
        );
    }

    #[test]
    fn return_accepts_any_json() {
        for value in [
            json!(null),
            json!("text"),
            json!(1.5),
            json!([1, {"a": 2}]),
            json!({}),
            json!(false),
        ] {
            let config =
                MockConfig::parse(&single(json!({"0": {"Return": value.clone()}}))).unwrap();
            let case = config.test_case("Sm", "Case").unwrap();
            assert_eq!(case.response("S", 0), Some(&MockResponse::Return(value)));
        }
    }

    #[test]
    fn throw_keeps_strings_and_ignores_extra_fields() {
        let config = MockConfig::parse(&single(json!({
            "0": {"Throw": {"Error": "States.TaskFailed", "Cause": "", "Comment": "ignored"}}
        })))
        .unwrap();
        let case = config.test_case("Sm", "Case").unwrap();
        assert_eq!(case.response("S", 0), Some(&throw("States.TaskFailed", "")));
    }

    #[test]
    fn empty_mocked_response_mocks_without_answers() {
        // Step Functions Local accepts an entry with no keys (and fails an execution that calls it).
        let config = MockConfig::parse(&single(json!({}))).unwrap();
        let case = config.test_case("Sm", "Case").unwrap();
        assert!(case.mocks("S"));
        assert_eq!(case.response("S", 0), None);
    }

    #[test]
    fn empty_sections_and_extra_top_level_fields() {
        let config = MockConfig::parse(
            r#"{"StateMachines": {"Sm": {"TestCases": {"Empty": {}}, "Other": 1}}, "MockedResponses": {}, "Comment": "x"}"#,
        )
        .unwrap();
        let case = config.test_case("Sm", "Empty").unwrap();
        assert!(!case.mocks("S"));
        assert!(MockConfig::parse(r#"{"StateMachines": {}, "MockedResponses": {}}"#).is_ok());
    }

    #[test]
    fn unused_responses_are_still_validated() {
        assert_error(
            r#"{"StateMachines": {}, "MockedResponses": {"Unused": {"1": {"Return": 1}}}}"#,
            "MockedResponses.Unused: no key covers invocation 0",
        );
    }

    #[test]
    fn invalid_json() {
        let err = MockConfig::parse(r#"{"StateMachines": "#).unwrap_err();
        assert!(matches!(err, MockConfigError::Json(_)), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("mock config is not valid JSON: "),
            "{err}"
        );
        assert!(matches!(
            MockConfig::parse("").unwrap_err(),
            MockConfigError::Json(_)
        ));
    }

    #[test]
    fn wrong_shapes() {
        let cases: &[(&str, &str)] = &[
            (
                "[]",
                "mock config: expected an object with 'StateMachines' and 'MockedResponses', found an array",
            ),
            (
                r#"{"StateMachines": {}}"#,
                "mock config: missing field 'MockedResponses'",
            ),
            (
                r#"{"MockedResponses": {}}"#,
                "mock config: missing field 'StateMachines'",
            ),
            (
                r#"{"StateMachines": [], "MockedResponses": {}}"#,
                "StateMachines: expected an object of state machines, found an array",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": null}"#,
                "MockedResponses: expected an object of mocked responses, found null",
            ),
            (
                r#"{"StateMachines": {"Sm": "x"}, "MockedResponses": {}}"#,
                "StateMachines.Sm: expected an object with 'TestCases', found a string",
            ),
            (
                r#"{"StateMachines": {"Sm": {}}, "MockedResponses": {}}"#,
                "StateMachines.Sm: missing field 'TestCases'",
            ),
            (
                r#"{"StateMachines": {"Sm": {"TestCases": 1}}, "MockedResponses": {}}"#,
                "StateMachines.Sm.TestCases: expected an object of test cases, found a number",
            ),
            (
                r#"{"StateMachines": {"Sm": {"TestCases": {"C": ["R"]}}}, "MockedResponses": {}}"#,
                "StateMachines.Sm.TestCases.C: expected an object mapping state names to mocked response names, found an array",
            ),
            (
                r#"{"StateMachines": {"Sm": {"TestCases": {"C": {"S": {"0": {}}}}}}, "MockedResponses": {}}"#,
                "StateMachines.Sm.TestCases.C.S: expected a mocked response name (a string), found an object",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": [1]}}"#,
                "MockedResponses.R: expected an object mapping invocation keys (\"0\", \"1-2\") to responses, found an array",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": 1}}}"#,
                "MockedResponses.R.0: expected an object with a single field 'Return' or 'Throw', found a number",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {}}}}"#,
                "MockedResponses.R.0: missing field 'Return' or 'Throw'",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E", "Cause": "C"}}}}}"#,
                "MockedResponses.R.0: has both 'Return' and 'Throw'",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"return": 1}}}}"#,
                "MockedResponses.R.0: unknown field 'return'",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "Delay": 2}}}}"#,
                "MockedResponses.R.0: unknown field 'Delay'",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": "E"}}}}"#,
                "MockedResponses.R.0.Throw: expected an object with 'Error' and 'Cause', found a string",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": {"Cause": "C"}}}}}"#,
                "MockedResponses.R.0.Throw: missing field 'Error'",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": {"Error": "E"}}}}}"#,
                "MockedResponses.R.0.Throw: missing field 'Cause'",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": {"Error": 1, "Cause": "C"}}}}}"#,
                "MockedResponses.R.0.Throw.Error: expected a string, found a number",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": {"Error": "E", "Cause": null}}}}}"#,
                "MockedResponses.R.0.Throw.Cause: expected a string, found null",
            ),
        ];
        for (text, expected) in cases {
            let err = MockConfig::parse(text).unwrap_err();
            assert!(
                matches!(err, MockConfigError::Shape { .. }),
                "{text}: {err:?}"
            );
            assert!(err.to_string().starts_with(expected), "{text}: {err}");
        }
    }

    #[test]
    fn bad_invocation_keys() {
        let cases: &[(&str, &str)] = &[
            ("2-1", "invocation key '2-1' is a descending range (2 > 1)"),
            (
                "a",
                "invocation key 'a' is not a number or a range of numbers",
            ),
            (
                "",
                "invocation key '' is not a number or a range of numbers",
            ),
            ("1-", "invocation key '1-' is not a number"),
            ("-1", "invocation key '-1' is not a number"),
            ("0-1-2", "invocation key '0-1-2' is not a number"),
            (" 1", "invocation key ' 1' is not a number"),
            ("+1", "invocation key '+1' is not a number"),
            ("1.0", "invocation key '1.0' is not a number"),
            ("0..2", "invocation key '0..2' is not a number"),
            (
                "18446744073709551616",
                "invocation key '18446744073709551616' has a number larger than 18446744073709551615",
            ),
        ];
        for (key, expected) in cases {
            let err = MockConfig::parse(&single(json!({ *key: {"Return": 1} }))).unwrap_err();
            assert!(
                matches!(err, MockConfigError::InvocationKey { .. }),
                "{key}: {err:?}"
            );
            let message = err.to_string();
            assert!(
                message.starts_with(&format!("MockedResponses.R: {expected}")),
                "{key}: {message}"
            );
        }
        // The example from the brief: where, and which key.
        assert_error(
            &json!({
                "StateMachines": {},
                "MockedResponses": {"MockedLambdaRetry": {"0": {"Return": 1}, "2-1": {"Return": 2}}}
            })
            .to_string(),
            "MockedResponses.MockedLambdaRetry: invocation key '2-1' is a descending range (2 > 1); keys are a number (\"3\") or an inclusive range (\"1-2\")",
        );
    }

    #[test]
    fn overlapping_keys() {
        let cases: &[(Value, &str)] = &[
            (
                json!({"0-2": {"Return": 1}, "2": {"Return": 2}}),
                "invocation keys '0-2' and '2' overlap (both cover invocation 2)",
            ),
            (
                json!({"0": {"Return": 1}, "00": {"Return": 2}}),
                "invocation keys '0' and '00' overlap (both cover invocation 0)",
            ),
            (
                json!({"0-3": {"Return": 1}, "1-2": {"Return": 2}}),
                "invocation keys '0-3' and '1-2' overlap (both cover invocation 1)",
            ),
            (
                json!({"0-1": {"Return": 1}, "0-4": {"Return": 2}}),
                "invocation keys '0-1' and '0-4' overlap (both cover invocation 0)",
            ),
        ];
        for (responses, expected) in cases {
            let err = MockConfig::parse(&single(responses.clone())).unwrap_err();
            assert!(
                matches!(err, MockConfigError::Overlap { .. }),
                "{responses}: {err:?}"
            );
            assert_eq!(err.to_string(), format!("MockedResponses.R: {expected}"));
        }
    }

    #[test]
    fn gaps_between_keys() {
        let cases: &[(Value, &str)] = &[
            (json!({"1": {"Return": 1}}), "no key covers invocation 0"),
            (
                json!({"3-4": {"Return": 1}}),
                "no key covers invocations 0-2",
            ),
            (
                json!({"0": {"Return": 1}, "2": {"Return": 2}}),
                "no key covers invocation 1",
            ),
            (
                json!({"0-1": {"Return": 1}, "5-6": {"Return": 2}}),
                "no key covers invocations 2-4",
            ),
        ];
        for (responses, expected) in cases {
            let err = MockConfig::parse(&single(responses.clone())).unwrap_err();
            assert!(
                matches!(err, MockConfigError::Gap { .. }),
                "{responses}: {err:?}"
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "MockedResponses.R: {expected}; keys must cover invocations 0, 1, 2, … consecutively"
                )
            );
        }
    }

    #[test]
    fn unknown_response_name() {
        let text = r#"{
          "StateMachines": {"LambdaSQSIntegration": {"TestCases": {"HappyPath": {"LambdaState": "Missing"}}}},
          "MockedResponses": {"Present": {"0": {"Return": 1}}}
        }"#;
        let err = MockConfig::parse(text).unwrap_err();
        assert!(
            matches!(err, MockConfigError::UnknownResponse { .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "StateMachines.LambdaSQSIntegration.TestCases.HappyPath.LambdaState: mocked response 'Missing' is not defined in MockedResponses"
        );
    }

    #[test]
    fn load_reads_the_file() {
        let dir = std::env::temp_dir().join(format!("baton-mock-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("MockConfigFile.json");
        std::fs::write(&path, AWS_EXAMPLE).unwrap();
        let config = MockConfig::load(&path).unwrap();
        assert!(config.has_test_case("LambdaSQSIntegration", "RetryPath"));

        std::fs::write(&path, "{").unwrap();
        assert!(matches!(
            MockConfig::load(&path),
            Err(MockConfigError::Json(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();

        let err = MockConfig::load(&path).unwrap_err();
        assert!(matches!(err, MockConfigError::Io { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with(&format!(
                "cannot read mock config file '{}': ",
                path.display()
            )),
            "{err}"
        );
    }

    #[test]
    fn split_test_case_at_hash() {
        let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:LambdaSQSIntegration";
        assert_eq!(
            split_test_case(&format!("{arn}#HappyPath")),
            (arn, Some("HappyPath"))
        );
        assert_eq!(split_test_case(arn), (arn, None));
        assert_eq!(split_test_case(&format!("{arn}#")), (arn, Some("")));
        assert_eq!(split_test_case(&format!("{arn}#A#B")), (arn, Some("A#B")));
        let versioned = format!("{arn}:3");
        assert_eq!(
            split_test_case(&format!("{versioned}#Case")),
            (versioned.as_str(), Some("Case"))
        );
    }

    /// Every mock config of the shared conformance corpus parses, and its case resolves.
    #[test]
    fn conformance_mock_configs() {
        let dir = Path::new("/work/shared/conformance/cases/mocked");
        if !dir.is_dir() {
            eprintln!("skipped: {} is absent", dir.display());
            return;
        }
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let Some(mock) = case.get("mock") else {
                continue;
            };
            let config = MockConfig::parse(&mock["config"].to_string())
                .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let machine = mock["state_machine_name"].as_str().unwrap();
            let test_case_name = mock["test_case"].as_str().unwrap();
            let test_case = config
                .test_case(machine, test_case_name)
                .unwrap_or_else(|| {
                    panic!("{}: {machine}#{test_case_name} missing", path.display())
                });
            let states = mock["config"]["StateMachines"][machine]["TestCases"][test_case_name]
                .as_object()
                .unwrap();
            for state in states.keys() {
                assert!(test_case.mocks(state), "{}: {state}", path.display());
                assert!(
                    test_case.response(state, 0).is_some(),
                    "{}: {state} has no response 0",
                    path.display()
                );
            }
            seen += 1;
        }
        assert!(seen > 0, "no mocked cases in {}", dir.display());
    }
}
