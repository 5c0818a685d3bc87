//! The wire protocol from the outside, with raw HTTP requests: malformed bodies, unknown
//! operations, missing headers and oversized requests each get AWS's error shape, and nothing
//! panics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_server::{ServerConfig, bind, build, serve};
use baton_store::memory::MemoryStore;
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start() -> String {
    let (listener, address) = bind("127.0.0.1:0").await.unwrap();
    let config = ServerConfig {
        max_request_bytes: 64 * 1024,
        ..ServerConfig::default()
    };
    let (router, _app) = build(Arc::new(MemoryStore::new()), config).await.unwrap();
    tokio::spawn(serve(listener, router, std::future::pending()));
    address.to_string()
}

/// Sends one request and returns (status, parsed JSON body).
async fn call(address: &str, target: Option<&str>, body: &[u8]) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let mut head = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(target) = target {
        head.push_str(&format!("X-Amz-Target: {target}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_requests_get_aws_error_shapes() {
    let address = start().await;
    let cases: Vec<(Option<&str>, Vec<u8>, u16, &str)> = vec![
        (Some("AWSStepFunctions.ListStateMachines"), b"{not json".to_vec(), 400, "com.amazon.coral.service#SerializationException"),
        (Some("AWSStepFunctions.ListStateMachines"), b"[1,2]".to_vec(), 400, "com.amazon.coral.service#SerializationException"),
        (Some("AWSStepFunctions.NoSuchThing"), b"{}".to_vec(), 400, "com.amazon.coral.service#UnknownOperationException"),
        (Some("Other.ListStateMachines"), b"{}".to_vec(), 400, "com.amazon.coral.service#UnknownOperationException"),
        (None, b"{}".to_vec(), 400, "com.amazon.coral.service#UnknownOperationException"),
        (Some("AWSStepFunctions.DescribeExecution"), b"{}".to_vec(), 400, "com.amazon.coral.validate#ValidationException"),
        (Some("AWSStepFunctions.DescribeExecution"), br#"{"executionArn": 5}"#.to_vec(), 400, "com.amazon.coral.service#SerializationException"),
        (Some("AWSStepFunctions.DescribeExecution"), br#"{"executionArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x"}"#.to_vec(), 400, "com.amazonaws.swf.service.v2.model#InvalidArn"),
        (Some("AWSStepFunctions.ListExecutions"), br#"{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x", "maxResults": 5000}"#.to_vec(), 400, "com.amazon.coral.validate#ValidationException"),
        (Some("AWSStepFunctions.ListStateMachines"), br#"{"nextToken": "forged"}"#.to_vec(), 400, "com.amazonaws.swf.service.v2.model#InvalidToken"),
        (Some("AWSStepFunctions.CreateStateMachine"), vec![b' '; 70 * 1024], 413, "com.amazon.coral.service#RequestEntityTooLargeException"),
    ];
    for (target, body, status, wire_type) in cases {
        let (got_status, got) = call(&address, target, &body).await;
        assert_eq!(got_status, status, "{target:?}: {got}");
        assert_eq!(got["__type"], wire_type, "{target:?}");
        assert!(got["message"].is_string(), "{target:?}: {got}");
    }
}

#[tokio::test]
async fn oversized_input_is_rejected_and_the_server_still_serves() {
    let address = start().await;
    let create = br#"{"name": "m", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}"#;
    let (status, created) = call(
        &address,
        Some("AWSStepFunctions.CreateStateMachine"),
        create,
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let arn = created["stateMachineArn"].as_str().unwrap();
    let big = format!("\"{}\"", "x".repeat(40 * 1024));
    let body = serde_json::json!({"stateMachineArn": arn, "input": big}).to_string();
    let config_limit = ServerConfig::default().max_payload_bytes;
    assert!(big.len() < config_limit);
    let (status, started) = call(
        &address,
        Some("AWSStepFunctions.StartExecution"),
        body.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{started}");
    let (status, listed) = call(&address, Some("AWSStepFunctions.ListStateMachines"), b"").await;
    assert_eq!(status, 200);
    assert_eq!(listed["stateMachines"].as_array().map(Vec::len), Some(1));
}
