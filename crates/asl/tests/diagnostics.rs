//! Table-driven tests: each definition must produce a diagnostic with the given code at the
//! given JSON pointer (and the message fragment), or none at all.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_asl::{StateMachineType, ValidateOptions, parse_definition};
use serde_json::{Value, json};

fn diagnostics(
    definition: &Value,
    machine_type: StateMachineType,
) -> Vec<(String, String, String)> {
    let text = serde_json::to_string_pretty(definition).unwrap();
    let options = ValidateOptions {
        state_machine_type: machine_type,
        ..ValidateOptions::default()
    };
    parse_definition(&text, options)
        .diagnostics
        .into_iter()
        .map(|d| (d.code.as_str().to_owned(), d.location, d.message))
        .collect()
}

/// A machine whose only state is `state`, called `S`.
fn one(state: Value) -> Value {
    json!({"StartAt": "S", "States": {"S": state}})
}

#[test]
fn each_rule_reports_at_the_right_place() {
    let long_name_location = format!("/States/{}", "x".repeat(81));
    let cases: Vec<(&str, Value, &str, &str, &str)> = vec![
        (
            "missing top-level fields",
            json!({}),
            "SCHEMA_VALIDATION_FAILED",
            "/",
            "These fields are required: [States, StartAt]",
        ),
        (
            "missing StartAt",
            json!({"States": {"S": {"Type": "Succeed"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/",
            "These fields are required: [StartAt]",
        ),
        (
            "unknown top-level field",
            json!({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}, "a": 1}),
            "SCHEMA_VALIDATION_FAILED",
            "/a",
            "not supported",
        ),
        (
            "StartAt target missing",
            json!({"StartAt": "X", "States": {"S": {"Type": "Succeed"}}}),
            "MISSING_TRANSITION_TARGET",
            "/StartAt",
            "Missing 'Next' target: X",
        ),
        (
            "Next target missing",
            one(json!({"Type": "Pass", "Next": "Nowhere"})),
            "MISSING_TRANSITION_TARGET",
            "/States/S/Next",
            "Missing 'Next' target: Nowhere",
        ),
        (
            "unreachable state",
            json!({"StartAt": "S", "States": {"S": {"Type": "Succeed"}, "T": {"Type": "Succeed"}}}),
            "MISSING_TRANSITION_TARGET",
            "/States/T",
            "State \"T\" is not reachable.",
        ),
        (
            "no terminal state",
            json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Next": "S"}}}),
            "MISSING_END_STATE",
            "/States",
            "no terminal state",
        ),
        (
            "neither Next nor End",
            one(json!({"Type": "Pass"})),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S",
            "'Next' or 'End",
        ),
        (
            "both Next and End",
            json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Next": "T", "End": true}, "T": {"Type": "Succeed"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S",
            "[Next, End]",
        ),
        (
            "Choice with End",
            one(
                json!({"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "S"}], "End": true}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/End",
            "not supported",
        ),
        (
            "unknown type",
            one(json!({"Type": "Sleep", "End": true})),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Type",
            "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
        ),
        (
            "two Wait fields",
            one(
                json!({"Type": "Wait", "Seconds": 1, "Timestamp": "2016-03-14T01:59:00Z", "End": true}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S",
            "Only one of",
        ),
        (
            "no Wait field",
            one(json!({"Type": "Wait", "End": true})),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S",
            "Exactly one of",
        ),
        (
            "bad timestamp",
            one(json!({"Type": "Wait", "Timestamp": "2016-03-14t01:59:00z", "End": true})),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Timestamp",
            "RFC3339",
        ),
        (
            "States.ALL not last",
            one(
                json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Retry/0/ErrorEquals",
            "States.ALL",
        ),
        (
            "States.ALL not alone",
            one(
                json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Retry": [{"ErrorEquals": ["States.ALL", "X"]}]}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Retry/0/ErrorEquals",
            "States.ALL",
        ),
        (
            "unknown States error",
            one(
                json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Retry": [{"ErrorEquals": ["States.Bogus"]}]}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Retry/0/ErrorEquals/0",
            "States.Bogus",
        ),
        (
            "negative MaxAttempts",
            one(
                json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}]}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Retry/0/MaxAttempts",
            "between",
        ),
        (
            "BackoffRate below 1",
            one(
                json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}]}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Retry/0/BackoffRate",
            "between",
        ),
        (
            "bad JitterStrategy",
            one(
                json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "SOME"}]}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Retry/0/JitterStrategy",
            "[FULL, NONE]",
        ),
        (
            "percentage over 100",
            one(
                json!({"Type": "Map", "ToleratedFailurePercentage": 101, "End": true, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/ToleratedFailurePercentage",
            "between",
        ),
        (
            "long state name",
            json!({"StartAt": "x".repeat(81), "States": {"x".repeat(81): {"Type": "Succeed"}}}),
            "INVALID_STATE_NAME",
            &long_name_location,
            "80",
        ),
        (
            "duplicate name across scopes",
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}]}}}),
            "DUPLICATE_STATE_NAME",
            "/States/P/Branches/0/States/P",
            "Duplicate State name",
        ),
        (
            "unreachable in branch",
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}}]}}}),
            "MISSING_TRANSITION_TARGET",
            "/States/P/Branches/0/States/B",
            "not reachable",
        ),
        (
            "unknown integration",
            one(
                json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": true}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Resource",
            "arn:<partition>:states:::dynamodb:query is not recognized",
        ),
        (
            "not a resource",
            one(json!({"Type": "Task", "Resource": "xxx", "End": true})),
            "INVALID_RESOURCE",
            "/States/S/Resource",
            "ARN",
        ),
        (
            "JSONPath field in JSONata",
            json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "InputPath": "$", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/InputPath",
            "JSONata",
        ),
        (
            "JSONata field in JSONPath",
            one(json!({"Type": "Pass", "Output": {}, "End": true})),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Output",
            "JSONPath",
        ),
        (
            "JSONPath state in JSONata machine",
            json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        ),
        (
            "bad JSONata",
            json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "Output": {"a": "{% 1 + %}"}, "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Output/a",
            "JSONata",
        ),
        (
            "bad template path",
            one(json!({"Type": "Pass", "Parameters": {"a.$": "nope"}, "End": true})),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Parameters/a.$",
            "JSONPath",
        ),
        (
            "conflicting template keys",
            one(json!({"Type": "Pass", "Parameters": {"a": 1, "a.$": "$.a"}, "End": true})),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Parameters/a.$",
            "both",
        ),
        (
            "ResultPath not a reference path",
            one(json!({"Type": "Pass", "ResultPath": "$.a[*]", "End": true})),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/ResultPath",
            "reference path",
        ),
        (
            "credentials without role",
            one(
                json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Credentials": {}, "End": true}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Credentials",
            "The field 'RoleArn' is required but was missing",
        ),
        (
            "empty Branches",
            one(json!({"Type": "Parallel", "Branches": [], "End": true})),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Branches",
            "Value cannot be empty",
        ),
        (
            "Map label too long",
            one(
                json!({"Type": "Map", "Label": "l".repeat(41), "End": true, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Label",
            "40",
        ),
        (
            "Map label bad char",
            one(
                json!({"Type": "Map", "Label": "a b", "End": true, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Label",
            "invalid character",
        ),
        (
            "Choice operator type",
            one(
                json!({"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericEquals": "1", "Next": "S"}]}),
            ),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Choices/0/NumericEquals",
            "NUMBER",
        ),
        (
            "Choice rule without Next",
            json!({"StartAt": "S", "States": {"S": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true}], "Default": "T"}, "T": {"Type": "Succeed"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Choices/0",
            "'Next' is required",
        ),
        (
            "Next in nested rule",
            json!({"StartAt": "S", "States": {"S": {"Type": "Choice", "Choices": [{"Not": {"Variable": "$.a", "IsNull": true, "Next": "T"}, "Next": "T"}]}, "T": {"Type": "Succeed"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/S/Choices/0/Not/Next",
            "nested",
        ),
    ];
    for (what, definition, code, location, fragment) in cases {
        let found = diagnostics(&definition, StateMachineType::Standard);
        assert!(
            found
                .iter()
                .any(|(c, l, m)| c == code && l == location && m.contains(fragment)),
            "{what}: expected {code} at {location} containing {fragment:?}, got {found:#?}"
        );
    }
}

#[test]
fn express_rules_apply_only_to_express() {
    let cases = [
        (
            "arn:aws:states:us-east-1:123456789012:activity:work",
            "Express state machine does not support Activity ARN",
        ),
        (
            "arn:aws:states:::states:startExecution.sync",
            "Express state machine does not support '.sync' service integration",
        ),
        (
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Express state machine does not support '.waitForTaskToken' service integration",
        ),
    ];
    for (resource, message) in cases {
        let definition = one(json!({"Type": "Task", "Resource": resource, "End": true}));
        assert!(
            diagnostics(&definition, StateMachineType::Standard).is_empty(),
            "{resource} is fine for STANDARD"
        );
        let express = diagnostics(&definition, StateMachineType::Express);
        assert!(
            express
                .iter()
                .any(|(c, l, m)| c == "SCHEMA_VALIDATION_FAILED"
                    && l == "/States/S/Resource"
                    && m.starts_with(message)),
            "{resource}: {express:?}"
        );
    }
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let definition = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Missing"},
        "B": {"Type": "Wait", "End": true},
        "C": {"Type": "Fail", "Error": 42}
    }});
    let found = diagnostics(&definition, StateMachineType::Standard);
    let locations: Vec<&str> = found.iter().map(|(_, l, _)| l.as_str()).collect();
    for expected in [
        "/States/A/Next",
        "/States/B",
        "/States/C/Error",
        "/States/C",
    ] {
        assert!(
            locations.contains(&expected),
            "{expected} missing from {found:#?}"
        );
    }
}

#[test]
fn valid_definitions_produce_a_model_and_no_diagnostics() {
    let text = include_str!("../../../examples/hello.asl.json");
    let parsed = parse_definition(text, ValidateOptions::default());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let machine = parsed.state_machine.unwrap();
    assert_eq!(machine.scope.start_at, "Greet");
    assert_eq!(machine.scope.states.len(), 4);
    assert!(machine.scope.state("IsVip").is_some());
}

#[test]
fn diagnostics_carry_source_positions() {
    let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"Next\": \"Nowhere\"}\n  }\n}";
    let parsed = parse_definition(text, ValidateOptions::default());
    let d = parsed
        .diagnostics
        .iter()
        .find(|d| d.location == "/States/A/Next")
        .unwrap();
    let position = d.position.unwrap();
    assert_eq!((position.line, position.column), (4, 27));
}

#[test]
fn duplicate_keys_are_rejected() {
    let text = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "End": true}}}"#;
    let parsed = parse_definition(text, ValidateOptions::default());
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.location == "/States/A/End" && d.message.contains("Duplicate"))
    );
}
