//! Every intrinsic-function outcome recorded on AWS (`intrinsics_aws_cases.json`, from the
//! public tiny-asl-machine conformance catalog) run through the engine: a one-state Pass
//! machine evaluates the expression and the status, output, error and cause must be AWS's.
//! Random or unrecorded values are checked by shape (an unseeded `States.MathRandom` only by
//! range). Cases that do not pass yet are listed in `intrinsics_aws_known_failures.txt`; the
//! test fails when an unlisted case fails and when a listed case starts passing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_asl::{ValidateOptions, parse_definition};
use baton_engine::local::{NoIntegrations, VirtualEnvironment, run_to_completion};
use baton_engine::{ExecutionInfo, ExecutionStatus};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

fn info() -> ExecutionInfo {
    ExecutionInfo::new(
        "123456789012",
        "us-east-1",
        "intrinsics",
        "e",
        "arn:aws:iam::111111111111:role/sfn",
    )
}

/// Expands the table's generators: `{"$repeat": [s, n]}` and `{"$range": [first, last, step]}`.
fn expand(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 => {
            if let Some(Value::Array(spec)) = map.get("$repeat") {
                let text = spec[0].as_str().unwrap();
                return Value::String(text.repeat(spec[1].as_u64().unwrap() as usize));
            }
            if let Some(Value::Array(spec)) = map.get("$range") {
                let (first, last, step) = (
                    spec[0].as_i64().unwrap(),
                    spec[1].as_i64().unwrap(),
                    spec[2].as_i64().unwrap(),
                );
                let mut items = Vec::new();
                let mut n = first;
                while (step > 0 && n <= last) || (step < 0 && n >= last) {
                    items.push(Value::from(n));
                    n += step;
                }
                return Value::Array(items);
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), expand(v))).collect())
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), expand(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(expand).collect()),
        other => other.clone(),
    }
}

fn definition(case: &Value) -> Value {
    if let Some(definition) = case.get("definition") {
        return definition.clone();
    }
    let fields: Map<String, Value> = match case.get("fields") {
        Some(Value::Object(fields)) => fields.clone(),
        _ => Map::from_iter([("value".to_owned(), case["expression"].clone())]),
    };
    let parameters: Map<String, Value> = fields
        .into_iter()
        .map(|(key, expression)| (format!("{key}.$"), expression))
        .collect();
    json!({"StartAt": "Evaluate", "States": {"Evaluate": {
        "Type": "Pass", "Parameters": parameters, "End": true}}})
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn is_uuid_v4(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let parts: Vec<&str> = text.split('-').collect();
    let hex = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    };
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| hex(p))
        && parts[2].starts_with('4')
        && parts[3].starts_with(['8', '9', 'a', 'b'])
}

fn int_in(value: &Value, lo: i64, hi: i64) -> bool {
    value.as_i64().is_some_and(|n| (lo..hi).contains(&n)) && !value.is_f64()
}

/// Checks an output whose value is random or was not recorded.
fn check(spec: &Value, output: &Value) -> Result<(), String> {
    let key = |name: &str| spec[name].as_str().unwrap_or_default().to_owned();
    let (lo, hi) = (
        spec["lo"].as_i64().unwrap_or(0),
        spec["hi"].as_i64().unwrap_or(0),
    );
    let ok = match spec["kind"].as_str().unwrap() {
        "uuid_v4" => {
            let keys = spec["keys"].as_array().unwrap();
            let subset = spec.get("subset").and_then(Value::as_object);
            keys.iter()
                .all(|k| is_uuid_v4(&output[k.as_str().unwrap()]))
                && subset.is_none_or(|s| s.iter().all(|(k, v)| &output[k] == v))
        }
        "int_in_range" => int_in(&output[key("key")], lo, hi),
        "int_in_range_multi" => spec["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| int_in(&output[k.as_str().unwrap()], lo, hi)),
        "int_array_in_range" => output.as_array().is_some_and(|items| {
            items.len() as u64 == spec["count"].as_u64().unwrap()
                && items.iter().all(|v| int_in(v, lo, hi))
        }),
        "hex" => output[key("key")].as_str().is_some_and(|s| {
            s.len() as u64 == spec["length"].as_u64().unwrap()
                && s.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        }),
        "base64_of" => {
            let original = expand(&spec["original"]);
            output[key("key")].as_str()
                == Some(base64(original.as_str().unwrap().as_bytes()).as_str())
        }
        "base64_nonempty" => output[key("key")].as_str().is_some_and(|s| {
            !s.is_empty()
                && s.trim_end_matches('=')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
        }),
        "string_value" => output[key("key")].is_string(),
        "number_value" => output[key("key")].is_number(),
        other => return Err(format!("unknown check {other}")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("check {spec} failed on output {output}"))
    }
}

/// Runs one case: `Ok` when the engine does what AWS did.
fn run_case(case: &Value) -> Result<(), String> {
    let parsed = parse_definition(&definition(case).to_string(), ValidateOptions::default());
    let Some(machine) = parsed.state_machine else {
        let messages: Vec<&str> = parsed
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        if case.get("rejected").is_none() {
            return Err(format!("definition rejected: {messages:?}"));
        }
        let wanted = case.get("message_contains").and_then(Value::as_array);
        for text in wanted.into_iter().flatten() {
            let text = text.as_str().unwrap();
            if !messages.iter().any(|m| m.contains(text)) {
                return Err(format!("rejection lacks {text:?}: {messages:?}"));
            }
        }
        return Ok(());
    };
    if case.get("rejected").is_some() {
        return Err("AWS rejects the definition; it was accepted".to_owned());
    }
    let mut env = VirtualEnvironment::new(1_700_000_000_000, 7);
    let execution = run_to_completion(
        Arc::new(machine),
        info(),
        expand(&case["input"]),
        &mut env,
        &mut NoIntegrations,
    );
    match (execution.status(), case.get("error")) {
        (ExecutionStatus::Succeeded(output), None) => {
            if let Some(expected) = case.get("output") {
                let expected = expand(expected);
                if output != &expected {
                    return Err(format!("output {output}, AWS {expected}"));
                }
                Ok(())
            } else {
                check(&case["check"], output)
            }
        }
        (ExecutionStatus::Failed(failure), Some(error)) => {
            if failure.error != error.as_str().unwrap() {
                return Err(format!("error {failure}, AWS {error}"));
            }
            if let Some(cause) = case.get("cause").and_then(Value::as_str)
                && failure.cause != cause
            {
                return Err(format!("cause {:?}, AWS {cause:?}", failure.cause));
            }
            let parts = case.get("cause_contains").and_then(Value::as_array);
            for part in parts.into_iter().flatten() {
                let part = part.as_str().unwrap();
                if !failure.cause.contains(part) {
                    return Err(format!("cause {:?} lacks {part:?}", failure.cause));
                }
            }
            Ok(())
        }
        (status, _) => Err(format!(
            "status {status:?}, AWS {}",
            case.get("error")
                .map_or("SUCCEEDED".to_owned(), |e| format!("FAILED with {e}"))
        )),
    }
}

#[test]
fn intrinsic_outcomes_match_aws() {
    let table: Value = serde_json::from_str(include_str!("intrinsics_aws_cases.json")).unwrap();
    let known: BTreeSet<String> = include_str!("intrinsics_aws_known_failures.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').next().unwrap_or_default().trim().to_owned())
        .collect();
    let cases = table["cases"].as_array().unwrap();
    let ids: BTreeSet<&str> = cases.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), cases.len(), "case ids must be unique");
    let unknown: Vec<&String> = known
        .iter()
        .filter(|id| !ids.contains(id.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "known failures that are not cases: {unknown:?}"
    );
    let (mut passed, mut unexpected, mut stale) = (0, Vec::new(), Vec::new());
    for case in cases {
        let id = case["id"].as_str().unwrap();
        match (run_case(case), known.contains(id)) {
            (Ok(()), false) => passed += 1,
            (Ok(()), true) => stale.push(id.to_owned()),
            (Err(_), true) => {}
            (Err(why), false) => unexpected.push(format!("{id}: {why}")),
        }
    }
    eprintln!(
        "intrinsics vs AWS: {passed} passed, {} known failures, {} unexpected failures",
        known.len(),
        unexpected.len()
    );
    assert!(
        unexpected.is_empty(),
        "cases that differ from AWS:\n{}",
        unexpected.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed in intrinsics_aws_known_failures.txt but now pass (remove them): {stale:?}"
    );
}
