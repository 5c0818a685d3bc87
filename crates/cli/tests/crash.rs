//! Crash recovery: executions that wait, loop and fan out survive repeated `kill -9` of the
//! server. After the last restart every execution reaches the status and output an
//! uninterrupted run gives, and its history is event for event the uninterrupted history
//! (timestamps aside).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use baton_asl::{ValidateOptions, parse_definition};
use baton_engine::ExecutionInfo;
use baton_engine::local::{NoIntegrations, VirtualEnvironment, run_to_completion};
use common::{ROLE, Server, temp_dir, wait_for_end};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// (name, definition, input) of the workloads.
fn workloads() -> Vec<(&'static str, Value, Value)> {
    vec![
        (
            "waits",
            json!({"StartAt": "W1", "States": {
                "W1": {"Type": "Wait", "Seconds": 20, "Next": "P"},
                "P": {"Type": "Pass", "Result": "done", "ResultPath": "$.r", "Next": "W2"},
                "W2": {"Type": "Wait", "Seconds": 20, "End": true}}}),
            json!({"k": 1}),
        ),
        (
            "loops",
            json!({"StartAt": "Init", "States": {
                "Init": {"Type": "Pass", "Parameters": {"i": 0}, "Next": "Check"},
                "Check": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericGreaterThanEquals": 12, "Next": "Done"}], "Default": "Step"},
                "Step": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Nap"},
                "Nap": {"Type": "Wait", "Seconds": 5, "Next": "Check"},
                "Done": {"Type": "Succeed"}}}),
            json!({}),
        ),
        (
            "fans",
            json!({"StartAt": "Par", "States": {
                "Par": {"Type": "Parallel", "Next": "Map", "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 15, "End": true}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "Next": "BW"},
                                                 "BW": {"Type": "Wait", "Seconds": 25, "End": true}}}]},
                "Map": {"Type": "Map", "ItemsPath": "$[0].items", "MaxConcurrency": 3, "End": true,
                    "ItemProcessor": {"StartAt": "I", "States": {
                        "I": {"Type": "Wait", "Seconds": 10, "Next": "J"},
                        "J": {"Type": "Pass", "End": true}}}}}}),
            json!({"items": [1, 2, 3, 4, 5, 6, 7]}),
        ),
    ]
}

/// The history of an uninterrupted run, without timestamps.
fn reference(name: &str, definition: &Value, input: &Value, exec: &str) -> (String, Vec<Value>) {
    let machine = parse_definition(&definition.to_string(), ValidateOptions::default())
        .state_machine
        .unwrap();
    let info = ExecutionInfo::new("123456789012", "us-east-1", name, exec, ROLE);
    let mut env = VirtualEnvironment::new(1_700_000_000_000, 1);
    let execution = run_to_completion(
        Arc::new(machine),
        info,
        input.clone(),
        &mut env,
        &mut NoIntegrations,
    );
    let events = execution
        .events()
        .iter()
        .map(|e| without_timestamp(e.to_wire(true)))
        .collect();
    (execution.status().as_str().to_owned(), events)
}

fn without_timestamp(mut event: Value) -> Value {
    if let Some(fields) = event.as_object_mut() {
        fields.remove("timestamp");
    }
    event
}

/// The server's history as the same JSON the engine's wire form gives.
async fn served_history(client: &aws_sdk_sfn::Client, server: &Server, arn: &str) -> Vec<Value> {
    let _ = client;
    // Read the raw wire JSON (the SDK's types would hide missing or extra fields).
    let body = json!({"executionArn": arn, "maxResults": 1000}).to_string();
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = serde_json::from_str::<Value>(&body).unwrap();
        if let Some(token) = &token {
            request["nextToken"] = json!(token);
        }
        let page = raw_call(&server.address, "GetExecutionHistory", &request).await;
        for event in page["events"].as_array().unwrap() {
            events.push(without_timestamp(event.clone()));
        }
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => return events,
        }
    }
}

async fn raw_call(address: &str, action: &str, body: &Value) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let text = body.to_string();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AWSStepFunctions.{action}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        text.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap();
    serde_json::from_str(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_survive_repeated_kill_9() {
    let dir = temp_dir("crash");
    // 1 s of Wait takes 10 ms.
    let scale = "0.01";
    let mut server = Server::durable(&dir, scale);
    let client = server.client();
    let mut started = Vec::new();
    for (name, definition, input) in workloads() {
        let machine = common::create_machine(&client, name, definition.to_string()).await;
        for i in 0..3 {
            let exec = format!("{name}-{i}");
            let arn = client
                .start_execution()
                .state_machine_arn(&machine)
                .name(&exec)
                .input(input.to_string())
                .send()
                .await
                .unwrap()
                .execution_arn()
                .to_owned();
            started.push((name, definition.clone(), input.clone(), exec, arn));
        }
    }
    // Kill the server at several points of the runs and start it again on the same data.
    for pause in [35, 90, 20, 150, 60] {
        tokio::time::sleep(Duration::from_millis(pause)).await;
        // The kill must land mid-run: some execution is still running.
        let client = server.client();
        let mut running = 0;
        for (_, _, _, _, arn) in &started {
            let status = client
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .unwrap();
            running += usize::from(status.status().as_str() == "RUNNING");
        }
        assert!(running > 0, "every execution ended before the kill");
        server.kill();
        server = Server::durable(&dir, scale);
    }
    let client = server.client();
    for (name, definition, input, exec, arn) in &started {
        let done = wait_for_end(&client, arn, Duration::from_secs(30)).await;
        let (status, expected) = reference(name, definition, input, exec);
        assert_eq!(done.status().as_str(), status, "{arn}");
        let got = served_history(&client, &server, arn).await;
        assert_eq!(got.len(), expected.len(), "{arn}: event count");
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g, e, "{arn}");
        }
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
