//! Property tests: no input makes the parser/validator panic, and valid definitions stay
//! valid when re-serialised.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_asl::{SourceFormat, ValidateOptions, parse_definition};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Arbitrary JSON, biased towards ASL's vocabulary so the walker goes deep.
fn arb_json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "StartAt",
        "States",
        "Type",
        "Next",
        "End",
        "Choices",
        "Default",
        "Branches",
        "ItemProcessor",
        "Iterator",
        "ProcessorConfig",
        "Mode",
        "Parameters",
        "ResultPath",
        "InputPath",
        "OutputPath",
        "Resource",
        "Retry",
        "Catch",
        "ErrorEquals",
        "Seconds",
        "Timestamp",
        "Variable",
        "And",
        "Or",
        "Not",
        "StringEquals",
        "NumericEqualsPath",
        "Condition",
        "Arguments",
        "Output",
        "Assign",
        "QueryLanguage",
        "a.$",
        "x",
        "Credentials",
        "ItemReader",
        "ItemBatcher",
        "Label",
        "Error",
        "CausePath",
    ]);
    let strings = prop::sample::select(vec![
        "Pass",
        "Task",
        "Choice",
        "Wait",
        "Succeed",
        "Fail",
        "Parallel",
        "Map",
        "A",
        "B",
        "$",
        "$.a",
        "$$.x",
        "$.a[?(@.b > 1)]",
        "States.Format('{}', $.a)",
        "States.MathAdd(1, $.b)",
        "{% $states.input %}",
        "{% 1 + %}",
        "JSONata",
        "JSONPath",
        "States.ALL",
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::dynamodb:query",
        "2016-03-14T01:59:00Z",
        "DISTRIBUTED",
        "",
        "States.Bogus",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        strings.prop_map(|s| Value::String(s.to_owned())),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|members| Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<Map<_, _>>()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_json_never_panics(value in arb_json()) {
        let text = serde_json::to_string(&value).unwrap();
        let parsed = parse_definition(&text, ValidateOptions::default());
        // A model is produced exactly when no error was reported.
        prop_assert_eq!(parsed.state_machine.is_some(), !parsed.diagnostics.iter().any(|d| d.is_error()));
        let yaml = ValidateOptions { format: SourceFormat::Yaml, ..ValidateOptions::default() };
        let _ = parse_definition(&text, yaml);
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = parse_definition(&text, ValidateOptions::default());
    }

    #[test]
    fn wrapped_states_never_panic(state in arb_json()) {
        let definition = json!({"StartAt": "A", "States": {"A": state}});
        let _ = parse_definition(&definition.to_string(), ValidateOptions::default());
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let mut branch = json!({"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}});
    for i in 0..200 {
        branch = json!({"StartAt": format!("P{i}"), "States": {format!("P{i}"): {"Type": "Parallel", "Branches": [branch], "End": true}}});
    }
    let parsed = parse_definition(&branch.to_string(), ValidateOptions::default());
    assert!(parsed.state_machine.is_none());
}
