//! Synthetic definitions for benchmarks and stress tests: large, valid, deeply nested state
//! machines that exercise every parser path (templates, intrinsics, Choice rules, Map, Parallel).

use serde_json::{Map, Value, json};

/// Builds a valid definition of at most `target_bytes` (and close to it) of pretty-printed
/// JSON: a chain of blocks, each a Pass with a payload template, a Task with Retry/Catch, a
/// Choice, a Map whose processor nests a Parallel `depth` levels deep, and a Wait.
pub fn large_definition(target_bytes: usize, depth: usize) -> String {
    let mut one = Map::new();
    add_block(&mut one, 0, depth);
    let block_bytes = render(&one, 1).len().max(1);
    let mut blocks = (target_bytes / block_bytes).max(1);
    loop {
        let mut states = Map::new();
        for block in 0..blocks {
            add_block(&mut states, block, depth);
        }
        let text = render(&states, blocks);
        if text.len() <= target_bytes || blocks == 1 {
            return text;
        }
        blocks -= 1;
    }
}

fn render(states: &Map<String, Value>, blocks: usize) -> String {
    let mut states = states.clone();
    // Close the chain: the last block's Wait goes to a terminal Succeed.
    states.insert("Done".to_owned(), json!({"Type": "Succeed"}));
    if let Some(Value::Object(last)) = states.get_mut(&format!("Wait{}", blocks - 1)) {
        last.insert("Next".to_owned(), json!("Done"));
    }
    let definition = json!({
        "Comment": "synthetic benchmark definition",
        "StartAt": "Pass0",
        "States": states,
    });
    serde_json::to_string_pretty(&definition).unwrap_or_default()
}

fn nested_parallel(prefix: &str, depth: usize) -> Value {
    if depth == 0 {
        return json!({
            "StartAt": format!("{prefix}Leaf"),
            "States": {
                format!("{prefix}Leaf"): {
                    "Type": "Pass",
                    "Parameters": {"leaf.$": "$.value", "id.$": "States.UUID()"},
                    "End": true
                }
            }
        });
    }
    json!({
        "StartAt": format!("{prefix}P{depth}"),
        "States": {
            format!("{prefix}P{depth}"): {
                "Type": "Parallel",
                "Branches": [
                    nested_parallel(&format!("{prefix}a{depth}"), depth - 1),
                    nested_parallel(&format!("{prefix}b{depth}"), depth - 1)
                ],
                "ResultSelector": {"merged.$": "States.JsonMerge($[0], $[1], false)"},
                "End": true
            }
        }
    })
}

fn add_block(states: &mut Map<String, Value>, i: usize, depth: usize) {
    let next = |name: &str| format!("{name}{i}");
    states.insert(
        next("Pass"),
        json!({
            "Type": "Pass",
            "Parameters": {
                "greeting.$": "States.Format('Hello {} from {}', $.name, $$.Execution.Id)",
                "items.$": "$.items[?(@.price < 10)].id",
                "sum.$": "States.MathAdd($.counter, 1)",
                "nested": {"static": [1, 2, 3], "copy.$": "$.payload.data"}
            },
            "ResultPath": "$.pass",
            "Next": next("Task")
        }),
    );
    states.insert(
        next("Task"),
        json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:work", "Payload.$": "$"},
            "ResultSelector": {"body.$": "$.Payload"},
            "ResultPath": "$.task",
            "TimeoutSeconds": 30,
            "Retry": [
                {"ErrorEquals": ["Lambda.ServiceException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2},
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": next("Choice")}],
            "Next": next("Choice")
        }),
    );
    states.insert(
        next("Choice"),
        json!({
            "Type": "Choice",
            "Choices": [
                {"And": [
                    {"Variable": "$.task.body.status", "StringEquals": "ok"},
                    {"Variable": "$.counter", "NumericLessThanEquals": 100},
                    {"Not": {"Variable": "$.flag", "BooleanEquals": true}}
                ], "Next": next("Map")},
                {"Variable": "$.when", "TimestampGreaterThanPath": "$.deadline", "Next": next("Wait")},
                {"Variable": "$.name", "StringMatches": "user-*", "Next": next("Map")}
            ],
            "Default": next("Map")
        }),
    );
    states.insert(
        next("Map"),
        json!({
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
            "MaxConcurrency": 10,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": format!("Inner{i}"),
                "States": {
                    format!("Inner{i}"): {
                        "Type": "Parallel",
                        "Branches": [nested_parallel(&format!("m{i}x"), depth), nested_parallel(&format!("m{i}y"), depth)],
                        "End": true
                    }
                }
            },
            "ResultPath": "$.mapped",
            "Next": next("Wait")
        }),
    );
    states.insert(
        next("Wait"),
        json!({"Type": "Wait", "Seconds": 1, "Next": format!("Pass{}", i + 1)}),
    );
}

#[cfg(test)]
mod tests {
    use super::large_definition;
    use crate::model::{Scope, StateKind};
    use crate::{ValidateOptions, parse_definition};

    fn count_states(scope: &Scope) -> usize {
        scope
            .states
            .iter()
            .map(|state| {
                1 + match &state.kind {
                    StateKind::Parallel(p) => p.branches.iter().map(count_states).sum(),
                    StateKind::Map(m) => count_states(&m.processor.scope),
                    _ => 0,
                }
            })
            .sum()
    }

    #[test]
    fn large_definition_is_valid_and_about_the_requested_size() {
        let text = large_definition(1024 * 1024, 4);
        assert!(
            text.len() <= 1024 * 1024 && text.len() > 900 * 1024,
            "{}",
            text.len()
        );
        let parsed = parse_definition(&text, ValidateOptions::default());
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let machine = parsed.state_machine.unwrap();
        eprintln!(
            "synthetic definition: {} bytes, {} top-level states, {} states in all",
            text.len(),
            machine.scope.states.len(),
            count_states(&machine.scope)
        );
    }
}
