//! The benchmark workloads of issue 3, shared by the criterion bench and the memory example.

#![allow(clippy::panic, dead_code)]

use baton_asl::model::StateMachine;
use baton_asl::{ValidateOptions, parse_definition};
use baton_engine::ExecutionInfo;
use serde_json::{Value, json};

/// A 1,000-iteration Choice + Pass loop counting with `States.MathAdd` (2,001 + 2 transitions).
pub fn choice_loop() -> (StateMachine, Value) {
    machine(
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.i", "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": 1000, "Next": "Inc"}], "Default": "Done"},
            "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Check"},
            "Done": {"Type": "Succeed"}
        }}),
        json!({}),
    )
}

/// An inline Map over 2,000 items: Pass → Choice → Pass per item.
pub fn map_2000() -> (StateMachine, Value) {
    let items: Vec<Value> = (0..2000).map(|i| json!({"i": i})).collect();
    machine(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 0, "End": true,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Seen", "States": {
            "Seen": {"Type": "Pass", "Result": true, "ResultPath": "$.seen", "Next": "Band"},
            "Band": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericGreaterThanEquals": 1000, "Next": "High"}], "Default": "Low"},
            "High": {"Type": "Pass", "Result": "high", "ResultPath": "$.band", "End": true},
            "Low": {"Type": "Pass", "Result": "low", "ResultPath": "$.band", "End": true}
        }}}}}),
        Value::Array(items),
    )
}

/// A chain of 10 Pass states, each writing `p<i>`.
pub fn pass_chain() -> (StateMachine, Value) {
    let mut states = serde_json::Map::new();
    for i in 0..10 {
        let mut state = json!({"Type": "Pass", "Result": i + 1, "ResultPath": format!("$.p{i}")});
        if i == 9 {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(format!("P{}", i + 1));
        }
        states.insert(format!("P{i}"), state);
    }
    machine(
        json!({"StartAt": "P0", "States": states}),
        json!({"start": true}),
    )
}

fn machine(definition: Value, input: Value) -> (StateMachine, Value) {
    let parsed = parse_definition(&definition.to_string(), ValidateOptions::default());
    match parsed.state_machine {
        Some(m) => (m, input),
        None => panic!("benchmark definition invalid: {:?}", parsed.diagnostics),
    }
}

/// A JSONata Pass state that builds a 10-field object from `$states.input`, repeated in a
/// 100-state chain (100 transitions).
pub fn jsonata_pass_chain() -> (StateMachine, Value) {
    jsonata_pass_chain_of("$states.input.f{f}")
}

/// The same chain with a computed field (`$states.input.fN + 1`): every field goes through the
/// JSONata evaluator rather than the plain-path fast path.
pub fn jsonata_pass_chain_computed() -> (StateMachine, Value) {
    jsonata_pass_chain_of("$states.input.f{f} + 1")
}

fn jsonata_pass_chain_of(field: &str) -> (StateMachine, Value) {
    let mut states = serde_json::Map::new();
    for i in 0..100 {
        let mut output = serde_json::Map::new();
        for f in 0..10 {
            output.insert(
                format!("f{f}"),
                json!(format!("{{% {} %}}", field.replace("{f}", &f.to_string()))),
            );
        }
        let mut state = json!({"Type": "Pass", "Output": output});
        if i == 99 {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), state);
    }
    let input: serde_json::Map<String, Value> =
        (0..10).map(|f| (format!("f{f}"), json!(f))).collect();
    machine(
        json!({"QueryLanguage": "JSONata", "StartAt": "S0", "States": states}),
        Value::Object(input),
    )
}

/// A 1,000-iteration Choice loop written in JSONata with a counter variable (2,002 transitions).
pub fn jsonata_choice_loop() -> (StateMachine, Value) {
    machine(
        json!({"QueryLanguage": "JSONata", "StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"i": 0}, "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Condition": "{% $i < 1000 %}", "Next": "Inc"}], "Default": "Done"},
            "Inc": {"Type": "Pass", "Assign": {"i": "{% $i + 1 %}"}, "Next": "Check"},
            "Done": {"Type": "Succeed"}
        }}),
        json!({}),
    )
}

/// Names and ARNs for benchmark executions.
pub fn info() -> ExecutionInfo {
    ExecutionInfo::new(
        "123456789012",
        "us-east-1",
        "bench",
        "run",
        "arn:aws:iam::111111111111:role/sfn",
    )
}
