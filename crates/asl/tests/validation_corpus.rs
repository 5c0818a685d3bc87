//! Runs the labelled validation corpus (`../shared/validation/cases`) through the validator.
//! Skips when the corpus is absent. Cases where a third-party linter's label contradicts
//! AWS's recorded behaviour are listed in `validation_disagreements.txt` with the evidence;
//! the test fails if a listed case starts to agree with its label (so the list stays true).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_asl::{SourceFormat, StateMachineType, ValidateOptions, validate};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/validation/cases")
}

fn disagreements() -> BTreeMap<String, String> {
    include_str!("validation_disagreements.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(id, why)| (id.to_owned(), why.trim().to_owned()))
        .collect()
}

#[test]
fn validation_corpus_matches_labels() {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: no validation corpus at {}", dir.display());
        return;
    };
    let known = disagreements();
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    let (mut passed, mut mismatches, mut stale) = (0, Vec::new(), Vec::new());
    let mut golden = 0;
    let mut matrix = [[0usize; 2]; 2];
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let id = case["id"].as_str().unwrap().to_owned();
        let expected_valid = case["valid"].as_bool().unwrap();
        let text = match &case["definition"] {
            Value::String(s) => s.clone(),
            other => serde_json::to_string_pretty(other).unwrap(),
        };
        let machine_type = case["state_machine_type"]
            .as_str()
            .and_then(StateMachineType::parse)
            .unwrap_or_default();
        let report = validate(
            &text,
            ValidateOptions {
                state_machine_type: machine_type,
                format: SourceFormat::Json,
            },
        );
        matrix[usize::from(expected_valid)][usize::from(report.is_ok())] += 1;
        // AWS-recorded diagnostics are golden: same code, location and message.
        if let (Some(code), Some(message)) = (
            case["expected"]["code"].as_str(),
            case["expected"]["message"].as_str(),
        ) {
            let location = case["expected"]["location"].as_str().unwrap_or_default();
            let found = report.diagnostics.iter().any(|d| {
                d.code.as_str() == code
                    && d.location == location
                    && d.message.trim() == message.trim()
            });
            if !found {
                mismatches.push(format!(
                    "{id}: AWS reported {code} at {location}: {message:?}; we report {:?}",
                    report.diagnostics
                ));
            }
            golden += 1;
        }
        let agrees = report.is_ok() == expected_valid;
        match (agrees, known.contains_key(&id)) {
            (true, false) => passed += 1,
            (true, true) => stale.push(id),
            (false, true) => {}
            (false, false) => mismatches.push(format!(
                "{id}: expected valid={expected_valid}, got {:?}",
                report.diagnostics
            )),
        }
    }
    eprintln!(
        "validation corpus: {passed} agree, {} known disagreements, {} mismatches, {golden} AWS diagnostics compared; \
         valid accepted {} valid rejected {} invalid rejected {} invalid accepted {}",
        known.len(),
        mismatches.len(),
        matrix[1][1],
        matrix[1][0],
        matrix[0][0],
        matrix[0][1]
    );
    assert!(
        mismatches.is_empty(),
        "mismatches:\n{}",
        mismatches.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed as disagreements but now agree: {stale:?}"
    );
}
