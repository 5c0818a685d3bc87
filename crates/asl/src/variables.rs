//! Which workflow variables each state references: `DescribeStateMachine.variableReferences`.
//!
//! The analysis reads the decoded definition. In a JSONata state every `{% %}` expression of
//! the state's own fields counts, through jlens's static analysis of the bindings it reads
//! (local `:=` bindings and lambda parameters are not bindings, `$states` and AWS's functions
//! are not variables). In a JSONPath state the paths and intrinsic calls of its fields count:
//! `$name…` roots (not `$`, `$.…` or `$$.…`). The states of a Parallel branch or a Map
//! processor are states of their own.

use crate::jsonata::JsonataExpression;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Names bound by Step Functions that are not workflow variables.
const NOT_VARIABLES: &[&str] = &[
    "states",
    "partition",
    "range",
    "hash",
    "random",
    "uuid",
    "parse",
];

/// Fields that hold nested states rather than this state's own expressions.
const NESTED: &[&str] = &["Branches", "ItemProcessor", "Iterator"];

/// The variables each state of `definition` references, by state name; states that reference
/// none are left out. Names are sorted.
pub fn variable_references(definition: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let jsonata_default =
        definition.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
    collect_scope(definition, jsonata_default, &mut out);
    out
}

fn collect_scope(scope: &Value, jsonata_default: bool, out: &mut BTreeMap<String, Vec<String>>) {
    let Some(states) = scope.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        let Some(fields) = state.as_object() else {
            continue;
        };
        let jsonata = match fields.get("QueryLanguage").and_then(Value::as_str) {
            Some(language) => language == "JSONata",
            None => jsonata_default,
        };
        let mut names = BTreeSet::new();
        for (key, value) in fields {
            if NESTED.contains(&key.as_str()) {
                continue;
            }
            if jsonata {
                jsonata_names(value, &mut names);
            } else {
                jsonpath_names(key, value, &mut names);
            }
        }
        if !names.is_empty() {
            out.insert(name.clone(), names.into_iter().collect());
        }
        for branch in fields
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_scope(branch, jsonata_default, out);
        }
        for key in ["ItemProcessor", "Iterator"] {
            if let Some(processor) = fields.get(key) {
                collect_scope(processor, jsonata_default, out);
            }
        }
    }
}

/// Variables read by the `{% %}` expressions anywhere in `value`.
fn jsonata_names(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            if let Ok(expression) = JsonataExpression::parse_delimited(text) {
                let reads = expression.compiled().reads();
                for name in reads.bindings().keys() {
                    if !NOT_VARIABLES.contains(&name.as_str()) {
                        names.insert(name.clone());
                    }
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| jsonata_names(v, names)),
        Value::Object(members) => {
            for (key, v) in members {
                // Assign keys are names being set, not read; only values count.
                let _ = key;
                jsonata_names(v, names);
            }
        }
        _ => {}
    }
}

/// Variables read by the JSONPath field `key` with `value` (paths, templates, Choice rules).
fn jsonpath_names(key: &str, value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::String(text)
            if key.ends_with(".$") || key.ends_with("Path") || key == "Variable" =>
        {
            path_names(text, names);
        }
        Value::Object(members) => object_names(members, names),
        Value::Array(items) => {
            for item in items {
                if let Value::Object(members) = item {
                    object_names(members, names);
                }
            }
        }
        _ => {}
    }
}

fn object_names(members: &Map<String, Value>, names: &mut BTreeSet<String>) {
    for (key, value) in members {
        jsonpath_names(key, value, names);
    }
}

/// `$name` roots in a path or an intrinsic call, outside single-quoted string literals.
fn path_names(text: &str, names: &mut BTreeSet<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut quoted = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            i += 2;
            continue;
        }
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted && c == '$' {
            let before = if i == 0 {
                None
            } else {
                chars.get(i - 1).copied()
            };
            let starts_root = before.is_none_or(|b| !(b == '$' || b.is_alphanumeric() || b == '_'));
            let mut end = i + 1;
            while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            if starts_root && end > i + 1 && chars.get(i + 1) != Some(&'$') {
                names.insert(chars[i + 1..end].iter().collect());
            }
            i = end;
            continue;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_per_state_in_both_languages() {
        let definition = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1, "y.$": "$.in"}, "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"a.$": "$x", "b.$": "States.Format('{} $notvar', $y.deep)", "c.$": "$$.Execution.Id", "d.$": "$.plain"}, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$x", "NumericEqualsPath": "$limit", "Next": "D"}], "Default": "D"},
            "D": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"v": "{% $x + $count($list) + ($local := 2; $local) %}", "s": "{% $states.input.a & $uuid() %}"}, "Next": "P"},
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "InputPath": "$branchVar", "End": true}}}]}
        }});
        let refs = variable_references(&definition);
        assert_eq!(refs.get("A"), None);
        assert_eq!(refs["B"], ["x", "y"]);
        assert_eq!(refs["C"], ["limit", "x"]);
        assert_eq!(refs["D"], ["list", "x"]);
        assert_eq!(refs["Inner"], ["branchVar"]);
        assert_eq!(refs.get("P"), None);
    }
}
