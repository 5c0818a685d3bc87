//! Runs the official JSONata test suite (`../shared/jsonata-test-suite`) through Baton's
//! JSONata binding. Skips when the suite is absent. The cases the engine does not pass are
//! listed in `jsonata_suite_known_failures.txt`; the test fails when an unlisted case fails
//! and when a listed case starts passing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_asl::jsonata::JsonataExpression;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/jsonata-test-suite")
}

/// Numbers compare by value, objects without regard to key order.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => {
                x == y || ((x - y).abs() <= f64::EPSILON * x.abs().max(y.abs()) * 4.0)
            }
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Runs one case; `Some(true)` pass, `Some(false)` fail, `None` skipped.
fn run_case(case: &Value, datasets: &Path) -> Option<bool> {
    if case.get("expr-file").is_some() || case.get("timelimit").is_some() {
        return None;
    }
    let expr = case.get("expr")?.as_str()?;
    // `data` (even null) is the input; otherwise a named `dataset`; `"dataset": null` means
    // the input is undefined.
    let input = match (
        case.get("data"),
        case.get("dataset").and_then(Value::as_str),
    ) {
        (Some(data), _) => Some(data.clone()),
        (None, Some(name)) => Some(
            serde_json::from_str(
                &std::fs::read_to_string(datasets.join(format!("{name}.json"))).ok()?,
            )
            .ok()?,
        ),
        (None, None) => None,
    };
    let bindings: Vec<(String, Value)> = case
        .get("bindings")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let expected_code = case.get("code").and_then(Value::as_str).or_else(|| {
        case.get("error")
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
    });
    let compiled = JsonataExpression::compile(expr);
    let outcome = match &compiled {
        Ok(expression) => expression.evaluate(input.as_ref(), &bindings),
        Err(baton_asl::jsonata::JsonataError::Syntax { code, message }) => {
            Err((code.clone(), message.clone()))
        }
        Err(other) => Err((String::new(), other.to_string())),
    };
    Some(match (outcome, expected_code) {
        (Err((code, _)), Some(expected)) => code == expected,
        (Err(_), None) => false,
        (Ok(_), Some(_)) => false,
        (Ok(None), None) => case
            .get("undefinedResult")
            .is_some_and(|u| u == &Value::Bool(true)),
        (Ok(Some(value)), None) => case.get("result").is_some_and(|r| same(r, &value)),
    })
}

#[test]
fn official_jsonata_suite() {
    let dir = suite_dir();
    let Ok(groups) = std::fs::read_dir(dir.join("groups")) else {
        eprintln!("skipping: no JSONata test suite at {}", dir.display());
        return;
    };
    let known: BTreeSet<String> = include_str!("jsonata_suite_known_failures.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect();
    let datasets = dir.join("datasets");
    let (mut passed, mut skipped) = (0, 0);
    let (mut unexpected, mut stale) = (Vec::new(), Vec::new());
    let mut groups: Vec<PathBuf> = groups.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    groups.sort();
    for group in groups {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&group)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        files.sort();
        for file in files
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "json"))
        {
            let Ok(parsed) =
                serde_json::from_str::<Value>(&std::fs::read_to_string(&file).unwrap())
            else {
                skipped += 1;
                continue;
            };
            let cases = match parsed {
                Value::Array(cases) => cases,
                one => vec![one],
            };
            for (i, case) in cases.iter().enumerate() {
                let id = format!(
                    "{}/{}#{i}",
                    group.file_name().unwrap().to_string_lossy(),
                    file.file_stem().unwrap().to_string_lossy()
                );
                match run_case(case, &datasets) {
                    None => skipped += 1,
                    Some(true) if known.contains(&id) => stale.push(id),
                    Some(true) => passed += 1,
                    Some(false) if known.contains(&id) => {}
                    Some(false) => unexpected.push(id),
                }
            }
        }
    }
    eprintln!(
        "JSONata suite: {passed} passed, {} known failures, {} unexpected failures, {skipped} skipped",
        known.len(),
        unexpected.len()
    );
    assert!(
        unexpected.is_empty(),
        "unexpected failures:\n{}",
        unexpected.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed as failing but now pass:\n{}",
        stale.join("\n")
    );
}
