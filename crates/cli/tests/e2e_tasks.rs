//! End-to-end Task integrations through `aws-sdk-sfn`: nested executions (request-response,
//! `.sync`, `.sync:2`, `.waitForTaskToken`), callbacks answered with SendTask*, heartbeats and
//! their timeouts, and stop propagation from parent to child.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::ExecutionStatus;
use common::{Server, wait_for_end};
use serde_json::{Value, json};
use std::time::Duration;

async fn create(client: &Client, name: &str, definition: Value) -> String {
    common::create_machine(client, name, definition).await
}

async fn start(client: &Client, machine: &str, input: Value) -> String {
    common::start_execution(client, machine, input).await
}

async fn running_child_input(client: &Client, machine: &str) -> (String, Value) {
    for _ in 0..200 {
        let listed = client
            .list_executions()
            .state_machine_arn(machine)
            .send()
            .await
            .unwrap();
        if let Some(child) = listed.executions().first() {
            let described = client
                .describe_execution()
                .execution_arn(child.execution_arn())
                .send()
                .await
                .unwrap();
            let input: Value = serde_json::from_str(described.input().unwrap()).unwrap();
            return (child.execution_arn().to_owned(), input);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no child execution appeared");
}

#[tokio::test]
async fn nested_executions_sync_and_sync2_and_failures() {
    let server = Server::in_memory();
    let client = server.client();
    let child = create(
        &client,
        "child",
        json!({"StartAt": "C", "States": {"C": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": true}}}),
    )
    .await;
    let failing = create(
        &client,
        "failing-child",
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "ChildBroke", "Cause": "on purpose"}}}),
    )
    .await;
    let parent = create(
        &client,
        "parent",
        json!({"StartAt": "Sync2", "States": {
            "Sync2": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                      "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n"}},
                      "ResultSelector": {"out.$": "$.Output", "status.$": "$.Status"}, "ResultPath": "$.sync2", "Next": "Sync"},
            "Sync": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
                     "Parameters": {"StateMachineArn": child, "Input": {"n": 5}},
                     "ResultSelector": {"out.$": "$.Output"}, "ResultPath": "$.sync", "Next": "Fire"},
            "Fire": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
                     "Parameters": {"StateMachineArn": child, "Input": {"n": 1}},
                     "ResultSelector": {"arn.$": "$.ExecutionArn"}, "ResultPath": "$.fire", "Next": "Broken"},
            "Broken": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
                       "Parameters": {"StateMachineArn": failing}, "End": true,
                       "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.caught", "Next": "Done"}]},
            "Done": {"Type": "Succeed"}}}),
    )
    .await;
    let arn = start(&client, &parent, json!({"n": 21})).await;
    let done = wait_for_end(&client, &arn, Duration::from_secs(10)).await;
    assert_eq!(
        done.status(),
        &ExecutionStatus::Succeeded,
        "{:?}",
        done.cause()
    );
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(
        output["sync2"],
        json!({"out": {"doubled": 42}, "status": "SUCCEEDED"})
    );
    assert_eq!(output["sync"], json!({"out": "{\"doubled\":10}"}));
    assert!(
        output["fire"]["arn"]
            .as_str()
            .unwrap()
            .contains(":execution:child:")
    );
    assert_eq!(output["caught"]["Error"], json!("States.TaskFailed"));
    let cause: Value = serde_json::from_str(output["caught"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["Status"], json!("FAILED"));
    assert_eq!(cause["Error"], json!("ChildBroke"));

    let events = common::history(&client, &arn).await;
    let types: Vec<&str> = events.iter().map(|e| e.r#type().as_str()).collect();
    assert_eq!(
        &types[2..7],
        [
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited"
        ]
    );
}

#[tokio::test]
async fn callbacks_take_send_task_answers_once() {
    let server = Server::in_memory();
    let client = server.client();
    let waiter = create(
        &client,
        "waiter",
        json!({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
    )
    .await;
    let parent = create(
        &client,
        "asker",
        json!({"StartAt": "Ask", "States": {
            "Ask": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
                    "Parameters": {"StateMachineArn": waiter, "Input": {"token.$": "$$.Task.Token"}},
                    "End": true}}}),
    )
    .await;
    let arn = start(&client, &parent, json!({})).await;
    let (_, input) = running_child_input(&client, &waiter).await;
    let token = input["token"].as_str().unwrap().to_owned();

    let bad = client
        .send_task_success()
        .task_token("not-a-token")
        .output("{}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Some("InvalidToken"));
    let bad_output = client
        .send_task_success()
        .task_token(&token)
        .output("{not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad_output.code(), Some("InvalidOutput"));
    let too_big = client
        .send_task_success()
        .task_token(&token)
        .output(json!("x".repeat(300 * 1024)).to_string())
        .send()
        .await
        .unwrap_err();
    assert_eq!(too_big.code(), Some("ValidationException"));
    client
        .send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .unwrap();

    client
        .send_task_success()
        .task_token(&token)
        .output(r#"{"answer": 42}"#)
        .send()
        .await
        .unwrap();
    let done = wait_for_end(&client, &arn, Duration::from_secs(5)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(done.output(), Some(r#"{"answer":42}"#));
    let again = client
        .send_task_success()
        .task_token(&token)
        .output("{}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("TaskTimedOut"));
}

#[tokio::test]
async fn heartbeats_keep_a_callback_alive_and_silence_times_it_out() {
    // 10 s heartbeats at scale 0.01: 100 ms.
    let server = Server::in_memory();
    let client = server.client();
    let waiter = create(
        &client,
        "hb-waiter",
        json!({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 36000, "End": true}}}),
    )
    .await;
    let parent = create(
        &client,
        "hb-asker",
        json!({"StartAt": "Ask", "States": {
            "Ask": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
                    "HeartbeatSeconds": 10,
                    "Parameters": {"StateMachineArn": waiter, "Input": {"token.$": "$$.Task.Token"}},
                    "End": true}}}),
    )
    .await;
    // Kept alive by heartbeats for 3 periods, then answered.
    let arn = start(&client, &parent, json!({})).await;
    let (_, input) = running_child_input(&client, &waiter).await;
    let token = input["token"].as_str().unwrap().to_owned();
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        client
            .send_task_heartbeat()
            .task_token(&token)
            .send()
            .await
            .unwrap();
    }
    client
        .send_task_success()
        .task_token(&token)
        .output("true")
        .send()
        .await
        .unwrap();
    let done = wait_for_end(&client, &arn, Duration::from_secs(5)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);

    // Silent: States.HeartbeatTimeout after one period.
    let arn = start(&client, &parent, json!({"second": true})).await;
    let done = wait_for_end(&client, &arn, Duration::from_secs(5)).await;
    assert_eq!(done.status(), &ExecutionStatus::Failed);
    assert_eq!(done.error(), Some("States.HeartbeatTimeout"));
    let events = common::history(&client, &arn).await;
    assert!(events.iter().any(|e| e.r#type().as_str() == "TaskTimedOut"));
}

#[tokio::test]
async fn stopping_a_parent_stops_its_sync_child() {
    let server = Server::in_memory();
    let client = server.client();
    let slow = create(
        &client,
        "slow-child",
        json!({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 36000, "End": true}}}),
    )
    .await;
    let parent = create(
        &client,
        "slow-parent",
        json!({"StartAt": "Run", "States": {
            "Run": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
                    "Parameters": {"StateMachineArn": slow}, "End": true}}}),
    )
    .await;
    let arn = start(&client, &parent, json!({})).await;
    let (child, _) = running_child_input(&client, &slow).await;
    client
        .stop_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    let child_done = wait_for_end(&client, &child, Duration::from_secs(5)).await;
    assert_eq!(child_done.status(), &ExecutionStatus::Aborted);
    let parent_done = wait_for_end(&client, &arn, Duration::from_secs(5)).await;
    assert_eq!(parent_done.status(), &ExecutionStatus::Aborted);
}
