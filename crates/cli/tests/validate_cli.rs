//! Black-box tests of `baton validate`: output formats, exit statuses, EXPRESS rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn baton(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .output()
        .unwrap()
}

fn write(dir: &tempdir::Dir, name: &str, text: &str) -> String {
    let path = dir.0.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

mod tempdir {
    use super::PathBuf;
    /// A scratch directory removed on drop.
    pub struct Dir(pub PathBuf);
    impl Dir {
        pub fn new(tag: &str) -> Self {
            let path = std::env::temp_dir().join(format!("baton-cli-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

const VALID: &str = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#;
const INVALID: &str = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"Next\": \"Nowhere\"}\n  }\n}\n";

#[test]
fn valid_file_exits_zero() {
    let dir = tempdir::Dir::new("valid");
    let file = write(&dir, "ok.json", VALID);
    let out = baton(&["validate", &file]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn invalid_file_prints_positioned_diagnostics_and_exits_one() {
    let dir = tempdir::Dir::new("invalid");
    let file = write(&dir, "bad.json", INVALID);
    let out = baton(&["validate", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let expected = format!(
        "{file}:4:27: error[MISSING_TRANSITION_TARGET]: Missing 'Next' target: Nowhere (at /States/A/Next)"
    );
    assert!(stdout.lines().any(|l| l == expected), "{stdout}");
}

#[test]
fn json_format_is_the_aws_response_shape() {
    let dir = tempdir::Dir::new("json");
    let file = write(&dir, "bad.json", INVALID);
    let out = baton(&["validate", "--format", "json", &file]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["result"], "FAIL");
    assert_eq!(report["truncated"], false);
    let d = &report["diagnostics"][0];
    assert_eq!(d["severity"], "ERROR");
    assert_eq!(d["code"], "MISSING_TRANSITION_TARGET");
    assert_eq!(d["location"], "/States/A/Next");
    let ok = write(&dir, "ok.json", VALID);
    let out = baton(&["validate", "--format", "json", &ok]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report,
        serde_json::json!({"result": "OK", "diagnostics": [], "truncated": false})
    );
}

#[test]
fn not_json_is_invalid_json_description() {
    let dir = tempdir::Dir::new("notjson");
    let file = write(&dir, "nope.json", "not a definition");
    let out = baton(&["validate", "--format", "json", &file]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["diagnostics"][0]["code"], "INVALID_JSON_DESCRIPTION");
    assert_eq!(
        report["diagnostics"][0]["location"],
        "[Source: (String)\"not a definition\"; line: 1, column: 4]"
    );
    assert!(
        report["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unrecognized token 'not'")
    );
}

#[test]
fn unreadable_file_exits_two() {
    let out = baton(&["validate", "/nonexistent/definitely/missing.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn yaml_definitions_are_accepted() {
    let dir = tempdir::Dir::new("yaml");
    let file = write(
        &dir,
        "sm.yaml",
        "StartAt: A\nStates:\n  A:\n    Type: Succeed\n",
    );
    assert_eq!(baton(&["validate", &file]).status.code(), Some(0));
}

#[test]
fn express_type_rejects_callbacks() {
    let dir = tempdir::Dir::new("express");
    let file = write(
        &dir,
        "cb.json",
        r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}"#,
    );
    assert_eq!(baton(&["validate", &file]).status.code(), Some(0));
    let out = baton(&["validate", "--type", "EXPRESS", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("Express state machine does not support '.waitForTaskToken'")
    );
}

#[test]
fn several_files_report_each_and_the_worst_status() {
    let dir = tempdir::Dir::new("many");
    let ok = write(&dir, "ok.json", VALID);
    let bad = write(&dir, "bad.json", INVALID);
    let out = baton(&["validate", "--format", "json", &ok, &bad]);
    assert_eq!(out.status.code(), Some(1));
    let reports: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reports[0]["file"], ok.as_str());
    assert_eq!(reports[0]["result"], "OK");
    assert_eq!(reports[1]["result"], "FAIL");
}

#[test]
fn example_in_the_repository_is_valid() {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello.asl.json");
    assert_eq!(
        baton(&["validate", example.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn run_prints_describe_execution_and_events() {
    let dir = tempdir::Dir::new("run");
    let file = write(
        &dir,
        "sm.json",
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "W"}, "W": {"Type": "Wait", "Seconds": 30, "End": true}}}"#,
    );
    let out = baton(&[
        "run",
        &file,
        "--input",
        r#"{"in": true}"#,
        "--name",
        "n1",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "SUCCEEDED");
    assert_eq!(report["name"], "n1");
    assert!(
        report["executionArn"]
            .as_str()
            .unwrap()
            .ends_with(":execution:sm:n1")
    );
    assert_eq!(
        serde_json::from_str::<Value>(report["output"].as_str().unwrap()).unwrap(),
        serde_json::json!({"in": true, "r": {"x": 1}})
    );
    let types: Vec<&str> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "WaitStateEntered",
            "WaitStateExited",
            "ExecutionSucceeded"
        ]
    );
    let stamps: Vec<f64> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["timestamp"].as_f64().unwrap())
        .collect();
    assert!(
        (stamps[4] - stamps[3] - 30.0).abs() < 1e-6,
        "the wait takes 30 virtual seconds"
    );
}

#[test]
fn run_of_a_failing_machine_exits_one_with_error_and_cause() {
    let dir = tempdir::Dir::new("runfail");
    let file = write(
        &dir,
        "f.json",
        r#"{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "because"}}}"#,
    );
    let out = baton(&["run", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("FAILED")
            && stdout.contains("error: Oops")
            && stdout.contains("cause: because"),
        "{stdout}"
    );
}
