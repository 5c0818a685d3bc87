//! Replays the Choice operator cases of the AWS-recorded conformance corpus
//! (`choice_operators_*.json`) through `baton_engine::choice`: each case's Choice state is
//! evaluated on the case input and the branch taken must produce the recorded output.
//! Skips cleanly when the corpus is absent (`BATON_CONFORMANCE_CASES` overrides its location).

use std::path::{Path, PathBuf};

use baton_asl::intrinsics::RandomSource;
use baton_asl::model::{StateKind, StateMachine};
use baton_asl::{ValidateOptions, parse_definition};
use baton_engine::choice::evaluate_condition;
use baton_engine::dataflow::{Env, apply_input_path};
use serde_json::{Value, json};

struct NoRandom;

impl RandomSource for NoRandom {
    fn uuid_v4_bytes(&mut self) -> [u8; 16] {
        [0; 16]
    }
    fn next_u64(&mut self) -> u64 {
        0
    }
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("BATON_CONFORMANCE_CASES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases"),
    };
    dir.is_dir().then_some(dir)
}

/// Runs the start Choice state on `input`; returns the name of the state it picks.
fn choose(machine: &StateMachine, input: &Value) -> Result<String, String> {
    let state = machine.scope.start_state().ok_or("no start state")?;
    let StateKind::Choice(choice) = &state.kind else {
        return Err(format!("start state {} is not a Choice", state.name));
    };
    let context =
        baton_engine::dataflow::LazyContext::ready(json!({"State": {"Name": state.name}}));
    let vars = |_: &str| None;
    let mut random = NoRandom;
    let mut env = Env {
        context: &context,
        variables: &vars,
        random: &mut random,
        state_name: &state.name,
        entered_event_id: 2,
    };
    let effective =
        apply_input_path(&state.input_path, input, &mut env).map_err(|f| f.to_string())?;
    for rule in &choice.choices {
        if evaluate_condition(&rule.condition, &effective, &mut env).map_err(|f| f.to_string())? {
            return Ok(rule.next.clone());
        }
    }
    choice
        .default
        .clone()
        .ok_or_else(|| "States.NoChoiceMatched".to_owned())
}

/// What the chosen branch outputs: the branch is a Pass state whose `Result` is the output.
fn branch_output(machine: &StateMachine, target: &str) -> Result<Value, String> {
    let state = machine
        .scope
        .state(target)
        .ok_or(format!("no state {target}"))?;
    match &state.kind {
        StateKind::Pass(pass) => pass.result.clone().ok_or(format!("{target} has no Result")),
        other => Err(format!("{target} is a {}", other.type_name())),
    }
}

fn run_case(file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let case: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let definition = case["definition"].to_string();
    let parsed = parse_definition(&definition, ValidateOptions::default());
    let machine = parsed
        .state_machine
        .ok_or_else(|| format!("definition rejected: {:?}", parsed.diagnostics))?;
    let input: Value = match case["input"].as_str() {
        Some(text) => serde_json::from_str(text).map_err(|e| e.to_string())?,
        None => json!({}),
    };
    let expected = &case["expected"];
    if expected["status"] != "SUCCEEDED" {
        return Err(format!("unexpected recorded status {}", expected["status"]));
    }
    let recorded: Value = expected["output"]
        .as_str()
        .ok_or("no recorded output")
        .and_then(|text| serde_json::from_str(text).map_err(|_| "bad recorded output"))?;
    let target = choose(&machine, &input)?;
    let output = branch_output(&machine, &target)?;
    if output == recorded {
        Ok(())
    } else {
        Err(format!(
            "took {target} (output {output}), AWS output {recorded} for input {input}"
        ))
    }
}

#[test]
fn choice_operator_corpus() {
    let Some(dir) = corpus_dir() else {
        eprintln!("conformance corpus not found; skipping");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| {
                            name.starts_with("choice_operators_") && name.ends_with(".json")
                        })
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut failures = Vec::new();
    for file in &files {
        if let Err(problem) = run_case(file) {
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            failures.push(format!("{name}: {problem}"));
        }
    }
    eprintln!(
        "choice operator corpus: {} of {} cases pass",
        files.len() - failures.len(),
        files.len()
    );
    assert!(
        !files.is_empty(),
        "no choice_operators cases in {}",
        dir.display()
    );
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
