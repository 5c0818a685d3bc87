//! Property: an execution is a pure function of its definition, input, clock, randomness and
//! signals. Replaying the recorded signals on a fresh execution rebuilds exactly the same
//! history and status, for arbitrary inputs and a spread of state machines.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_asl::{ValidateOptions, parse_definition};
use baton_engine::ExecutionInfo;
use baton_engine::local::{NoIntegrations, VirtualEnvironment, replay, run_recording};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::Arc;

fn info() -> ExecutionInfo {
    ExecutionInfo::new(
        "123456789012",
        "us-east-1",
        "sm",
        "e",
        "arn:aws:iam::111111111111:role/sfn",
    )
}

/// State machines that exercise waits, retries, catches, choices, maps and parallels.
fn machines() -> Vec<Value> {
    vec![
        json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 0, "Next": "W"}], "Default": "F"},
            "W": {"Type": "Wait", "SecondsPath": "$.n", "Next": "D"},
            "D": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, -1)", "id.$": "States.UUID()"}, "Next": "C"},
            "F": {"Type": "Succeed"}}}),
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "End": true,
            "ItemProcessor": {"StartAt": "W", "States": {
                "W": {"Type": "Wait", "SecondsPath": "$.n", "Next": "T"},
                "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true,
                      "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1, "JitterStrategy": "FULL"}],
                      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "P"}]},
                "P": {"Type": "Pass", "End": true}}}}}}),
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 3, "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"r.$": "States.MathRandom(1, 100)"}, "End": true}}}
        ]}}}),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn replaying_signals_rebuilds_the_same_history(
        which in 0usize..3,
        n in 0u64..4,
        items in prop::collection::vec(0u64..5, 0..6),
        seed in any::<u64>(),
        start in 1_600_000_000_000i64..1_900_000_000_000,
    ) {
        let definition = machines().swap_remove(which);
        let machine = Arc::new(parse_definition(&definition.to_string(), ValidateOptions::default()).state_machine.unwrap());
        let input = json!({"n": n, "items": items.iter().map(|n| json!({"n": n})).collect::<Vec<_>>()});
        let mut env = VirtualEnvironment::new(start, seed);
        let (original, signals) = run_recording(Arc::clone(&machine), info(), input.clone(), &mut env, &mut NoIntegrations);
        prop_assert!(!original.status().is_running());
        let mut fresh = VirtualEnvironment::new(start, seed);
        let replayed = replay(machine, info(), input, &mut fresh, &signals);
        prop_assert_eq!(original.events(), replayed.events());
        prop_assert_eq!(original.status(), replayed.status());
    }
}
