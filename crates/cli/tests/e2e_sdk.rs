//! End-to-end: `baton serve` driven by the official `aws-sdk-sfn` client, as users drive AWS.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionStatus, StateMachineType, Tag};
use common::{ROLE, Server, history, wait_for_end};
use serde_json::{Value, json};
use std::time::Duration;

const PASS_CHAIN: &str = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"n":1},"ResultPath":"$.a","Next":"B"},"B":{"Type":"Pass","End":true}}}"#;
const WAIT_LONG: &str =
    r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}"#;

#[tokio::test]
async fn state_machines_create_describe_update_list_delete() {
    let server = Server::in_memory();
    let client = server.client();
    let created = client
        .create_state_machine()
        .name("orders")
        .definition(PASS_CHAIN)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let arn = created.state_machine_arn().to_owned();
    assert_eq!(
        arn,
        "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
    );

    // The same request again is idempotent; a different definition under the name is not.
    let again = client
        .create_state_machine()
        .name("orders")
        .definition(PASS_CHAIN)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    assert_eq!(again.state_machine_arn(), arn);
    assert_eq!(again.creation_date(), created.creation_date());
    let clash = client
        .create_state_machine()
        .name("orders")
        .definition(WAIT_LONG)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(clash.code(), Some("StateMachineAlreadyExists"));

    let described = client
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(described.name(), "orders");
    assert_eq!(described.definition(), PASS_CHAIN);
    assert_eq!(described.r#type(), &StateMachineType::Standard);
    assert_eq!(described.role_arn(), ROLE);

    client
        .update_state_machine()
        .state_machine_arn(&arn)
        .definition(WAIT_LONG)
        .send()
        .await
        .unwrap();
    let described = client
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(described.definition(), WAIT_LONG);

    for name in ["b-machine", "c-machine"] {
        client
            .create_state_machine()
            .name(name)
            .definition(PASS_CHAIN)
            .role_arn(ROLE)
            .send()
            .await
            .unwrap();
    }
    let first = client
        .list_state_machines()
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.state_machines().len(), 2);
    let rest = client
        .list_state_machines()
        .max_results(2)
        .set_next_token(first.next_token().map(str::to_owned))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.state_machines().len(), 1);
    assert!(rest.next_token().is_none());

    client
        .delete_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    let gone = client
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("StateMachineDoesNotExist"));
}

#[tokio::test]
async fn executions_run_and_report_like_aws() {
    let server = Server::in_memory();
    let client = server.client();
    let machine = common::create_machine(&client, "chain", PASS_CHAIN).await;
    let started = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("first")
        .input(r#"{"x": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        started.execution_arn(),
        "arn:aws:states:us-east-1:123456789012:execution:chain:first"
    );
    let done = wait_for_end(&client, started.execution_arn(), Duration::from_secs(5)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output, json!({"x": 1, "a": {"n": 1}}));
    assert_eq!(done.input(), Some(r#"{"x": 1}"#));

    // Same name and input while it runs would be idempotent; after it ended, it is taken.
    let taken = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("first")
        .input(r#"{"x": 1}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(taken.code(), Some("ExecutionAlreadyExists"));

    let events = history(&client, started.execution_arn()).await;
    let types: Vec<&str> = events.iter().map(|e| e.r#type().as_str()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let links: Vec<(i64, i64)> = events
        .iter()
        .map(|e| (e.id(), e.previous_event_id()))
        .collect();
    assert_eq!(links, [(1, 0), (2, 0), (3, 2), (4, 3), (5, 4), (6, 5)]);

    let machine_for = client
        .describe_state_machine_for_execution()
        .execution_arn(started.execution_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(machine_for.definition(), PASS_CHAIN);
}

#[tokio::test]
async fn long_histories_page_both_ways() {
    let server = Server::in_memory();
    let client = server.client();
    // A Map over 300 items: 4 + 300 × 4 + … events.
    let definition = r#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#;
    let machine = common::create_machine(&client, "fan", definition).await;
    let items: Vec<u32> = (0..300).collect();
    let input = json!({"items": items}).to_string();
    let arn = common::start_execution(&client, &machine, input).await;
    wait_for_end(&client, &arn, Duration::from_secs(10)).await;
    let events = history(&client, &arn).await;
    let ids: Vec<i64> = events.iter().map(|e| e.id()).collect();
    let expected: Vec<i64> = (1..=ids.len() as i64).collect();
    assert_eq!(ids, expected);
    assert!(ids.len() > 1200, "{}", ids.len());

    let newest = client
        .get_execution_history()
        .execution_arn(&arn)
        .reverse_order(true)
        .max_results(10)
        .send()
        .await
        .unwrap();
    let newest_ids: Vec<i64> = newest.events().iter().map(|e| e.id()).collect();
    let last = ids.len() as i64;
    assert_eq!(newest_ids, ((last - 9)..=last).rev().collect::<Vec<_>>());
    let next = client
        .get_execution_history()
        .execution_arn(&arn)
        .reverse_order(true)
        .max_results(10)
        .set_next_token(newest.next_token().map(str::to_owned))
        .send()
        .await
        .unwrap();
    assert_eq!(next.events().first().map(|e| e.id()), Some(last - 10));

    let without_data = client
        .get_execution_history()
        .execution_arn(&arn)
        .include_execution_data(false)
        .max_results(1)
        .send()
        .await
        .unwrap();
    let started = without_data.events()[0]
        .execution_started_event_details()
        .unwrap();
    assert!(started.input().is_none());
}

#[tokio::test]
async fn list_executions_newest_first_with_filters_and_stop() {
    let server = Server::in_memory();
    let client = server.client();
    let waits = common::create_machine(&client, "waits", WAIT_LONG).await;
    let mut arns = Vec::new();
    for i in 0..3 {
        let arn = client
            .start_execution()
            .state_machine_arn(&waits)
            .name(format!("run-{i}"))
            .send()
            .await
            .unwrap()
            .execution_arn()
            .to_owned();
        arns.push(arn);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Idempotent while running: same name, same input.
    let same = client
        .start_execution()
        .state_machine_arn(&waits)
        .name("run-0")
        .send()
        .await
        .unwrap();
    assert_eq!(same.execution_arn(), arns[0]);

    let stopped = client
        .stop_execution()
        .execution_arn(&arns[1])
        .error("Manual")
        .cause("probe")
        .send()
        .await
        .unwrap();
    assert!(stopped.stop_date().secs() > 0);
    let described = client
        .describe_execution()
        .execution_arn(&arns[1])
        .send()
        .await
        .unwrap();
    assert_eq!(described.status(), &ExecutionStatus::Aborted);
    assert_eq!(described.error(), Some("Manual"));
    assert_eq!(described.cause(), Some("probe"));
    let events = history(&client, &arns[1]).await;
    let last = events.last().unwrap();
    assert_eq!(last.r#type().as_str(), "ExecutionAborted");
    assert_eq!(last.previous_event_id(), 0);

    let all = client
        .list_executions()
        .state_machine_arn(&waits)
        .send()
        .await
        .unwrap();
    let listed: Vec<&str> = all.executions().iter().map(|e| e.name()).collect();
    assert_eq!(listed, ["run-2", "run-1", "run-0"]);
    let running = client
        .list_executions()
        .state_machine_arn(&waits)
        .status_filter(ExecutionStatus::Running)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(running.executions()[0].name(), "run-2");
    let page2 = client
        .list_executions()
        .state_machine_arn(&waits)
        .status_filter(ExecutionStatus::Running)
        .max_results(1)
        .set_next_token(running.next_token().map(str::to_owned))
        .send()
        .await
        .unwrap();
    assert_eq!(page2.executions()[0].name(), "run-0");
    assert!(page2.next_token().is_none());
}

#[tokio::test]
async fn express_sync_execution_answers_with_the_outcome() {
    let server = Server::in_memory();
    let client = server.client();
    let failing =
        r#"{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Bad","Cause":"because"}}}"#;
    let express = client
        .create_state_machine()
        .name("quick")
        .definition(PASS_CHAIN)
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_owned();
    let out = client
        .start_sync_execution()
        .state_machine_arn(&express)
        .input(r#"{"k": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_str(), "SUCCEEDED");
    assert!(out.execution_arn().contains(":express:quick:"));
    let output: Value = serde_json::from_str(out.output().unwrap()).unwrap();
    assert_eq!(output, json!({"k": true, "a": {"n": 1}}));

    let failing = client
        .create_state_machine()
        .name("quick-fail")
        .definition(failing)
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_owned();
    let out = client
        .start_sync_execution()
        .state_machine_arn(&failing)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_str(), "FAILED");
    assert_eq!(out.error(), Some("Bad"));
    assert_eq!(out.cause(), Some("because"));

    // StartSyncExecution is for EXPRESS machines only.
    let standard = common::create_machine(&client, "slow", PASS_CHAIN).await;
    let err = client
        .start_sync_execution()
        .state_machine_arn(&standard)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("StateMachineTypeNotSupported"));
}

#[tokio::test]
async fn tags_and_validation() {
    let server = Server::in_memory();
    let client = server.client();
    let arn = client
        .create_state_machine()
        .name("tagged")
        .definition(PASS_CHAIN)
        .role_arn(ROLE)
        .tags(Tag::builder().key("team").value("a").build())
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_owned();
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags(Tag::builder().key("env").value("dev").build())
        .tags(Tag::builder().key("team").value("b").build())
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let pairs: Vec<(&str, &str)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or(""), t.value().unwrap_or("")))
        .collect();
    assert_eq!(pairs, [("team", "b")]);

    let report = client
        .validate_state_machine_definition()
        .definition(r#"{"StartAt":"Nope","States":{"A":{"Type":"Pass","End":true}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(report.result().as_str(), "FAIL");
    assert!(!report.diagnostics().is_empty());
}

#[tokio::test]
async fn bad_requests_get_aws_errors() {
    let server = Server::in_memory();
    let client = server.client();
    let cases = [
        (
            client
                .describe_execution()
                .execution_arn("arn:aws:states:us-east-1:123456789012:execution:none:x")
                .send()
                .await
                .unwrap_err()
                .code()
                .map(str::to_owned),
            "ExecutionDoesNotExist",
        ),
        (
            client
                .describe_state_machine()
                .state_machine_arn("not-an-arn")
                .send()
                .await
                .unwrap_err()
                .code()
                .map(str::to_owned),
            "InvalidArn",
        ),
        (
            client
                .create_state_machine()
                .name("has space")
                .definition(PASS_CHAIN)
                .role_arn(ROLE)
                .send()
                .await
                .unwrap_err()
                .code()
                .map(str::to_owned),
            "InvalidName",
        ),
        (
            client
                .create_state_machine()
                .name("broken")
                .definition(r#"{"StartAt":"X","States":{}}"#)
                .role_arn(ROLE)
                .send()
                .await
                .unwrap_err()
                .code()
                .map(str::to_owned),
            "InvalidDefinition",
        ),
        (
            client
                .start_execution()
                .state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:none")
                .send()
                .await
                .unwrap_err()
                .code()
                .map(str::to_owned),
            "StateMachineDoesNotExist",
        ),
        (
            client
                .create_state_machine()
                .name("x".repeat(81))
                .definition(PASS_CHAIN)
                .role_arn(ROLE)
                .send()
                .await
                .unwrap_err()
                .code()
                .map(str::to_owned),
            "ValidationException",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got.as_deref(), Some(want));
    }
    let machine = common::create_machine(&client, "input-check", PASS_CHAIN).await;
    let bad_input = client
        .start_execution()
        .state_machine_arn(&machine)
        .input("{not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad_input.code(), Some("InvalidExecutionInput"));
}

#[tokio::test]
async fn describe_state_machine_lists_variable_references() {
    let server = Server::in_memory();
    let client = server.client();
    let definition = r#"{"QueryLanguage":"JSONata","StartAt":"Set","States":{
        "Set":{"Type":"Pass","Assign":{"total":0,"limit":"{% $states.input.limit %}"},"Next":"Use"},
        "Use":{"Type":"Pass","Output":"{% $total + $limit %}","End":true}}}"#;
    let arn = common::create_machine(&client, "vars", definition).await;
    let described = client
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    let references = described.variable_references().unwrap();
    assert_eq!(references.len(), 1, "{references:?}");
    assert_eq!(references["Use"], ["limit", "total"]);
}
