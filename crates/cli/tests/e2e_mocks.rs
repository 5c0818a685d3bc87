//! End-to-end mocked integrations: `--mock-config` with Step Functions Local's format; a
//! mocked state that fails is retried and caught as the definition says, and unmocked test
//! cases are refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::ExecutionStatus;
use common::{Server, temp_dir, wait_for_end};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn mocked_failures_are_retried_and_caught() {
    let dir = temp_dir("mocks");
    let config = dir.join("mocks.json");
    std::fs::write(
        &config,
        json!({
            "StateMachines": {"orders": {"TestCases": {
                "FlakyThenOk": {"Charge": "ChargeFlaky"},
                "AlwaysDown": {"Charge": "ChargeDown"}}}},
            "MockedResponses": {
                "ChargeFlaky": {
                    "0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
                    "2": {"Return": {"StatusCode": 200, "Payload": {"charged": 42}}}},
                "ChargeDown": {
                    "0-3": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "down"}}}}
        })
        .to_string(),
    )
    .unwrap();
    let server = Server::start(&[
        "--in-memory",
        "--wait-time-scale",
        "0.001",
        "--mock-config",
        config.to_str().unwrap(),
    ]);
    let client = server.client();
    let definition = json!({"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                   "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException", "Lambda.ServiceException"],
                              "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}],
                   "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Refund"}],
                   "OutputPath": "$.Payload", "End": true},
        "Refund": {"Type": "Pass", "End": true}}});
    let machine = common::create_machine(&client, "orders", definition.to_string()).await;

    // Two throttles, then the mocked success: retried twice, as the Retry allows.
    let arn = client
        .start_execution()
        .state_machine_arn(format!("{machine}#FlakyThenOk"))
        .input(r#"{"order": 7}"#)
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_owned();
    let done = wait_for_end(&client, &arn, Duration::from_secs(5)).await;
    assert_eq!(
        done.status(),
        &ExecutionStatus::Succeeded,
        "{:?}",
        done.cause()
    );
    assert_eq!(done.output(), Some(r#"{"charged":42}"#));
    let events = common::history(&client, &arn).await;
    let failed = events
        .iter()
        .filter(|e| e.r#type().as_str() == "TaskFailed")
        .count();
    assert_eq!(failed, 2);

    // Always down: 1 try + 2 retries, then the Catch.
    let arn = client
        .start_execution()
        .state_machine_arn(format!("{machine}#AlwaysDown"))
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_owned();
    let done = wait_for_end(&client, &arn, Duration::from_secs(5)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(
        output["failure"],
        json!({"Error": "Lambda.ServiceException", "Cause": "down"})
    );
    let events = common::history(&client, &arn).await;
    let scheduled = events
        .iter()
        .filter(|e| e.r#type().as_str() == "TaskScheduled")
        .count();
    assert_eq!(scheduled, 3);

    // A test case the config does not define is refused.
    let unknown = client
        .start_execution()
        .state_machine_arn(format!("{machine}#Nope"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Some("ValidationException"));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
