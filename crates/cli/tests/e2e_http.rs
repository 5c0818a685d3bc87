//! End-to-end HTTP Task: a workflow calls a local HTTP service through `http:invoke` with an
//! API-key connection from `--connections`, and a failing call is caught by its status code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use aws_sdk_sfn::types::ExecutionStatus;
use common::{Server, temp_dir, wait_for_end};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A one-route HTTP service: `GET /orders/1` answers JSON, anything else 404. It records the
/// requests' head lines.
async fn service() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 16 * 1024];
                let mut read = 0;
                loop {
                    let n = stream.read(&mut buffer[read..]).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    read += n;
                    if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buffer[..read]).to_string();
                record.lock().unwrap().push(head.clone());
                let (status, body) = if head.starts_with("GET /orders/1") {
                    ("200 OK", json!({"id": 1, "state": "shipped"}).to_string())
                } else {
                    (
                        "404 Not Found",
                        json!({"message": "no such order"}).to_string(),
                    )
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    (address, seen)
}

#[tokio::test]
async fn http_tasks_call_services_with_connections() {
    let (address, seen) = service().await;
    let dir = temp_dir("http");
    let connection = "arn:aws:events:us-east-1:123456789012:connection/orders/0a1b2c3d";
    let connections = dir.join("connections.json");
    std::fs::write(
        &connections,
        json!({connection: {"AuthorizationType": "API_KEY",
            "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"}}}})
        .to_string(),
    )
    .unwrap();
    let server = Server::start(&[
        "--in-memory",
        "--connections",
        connections.to_str().unwrap(),
    ]);
    let client = server.client();
    let definition = json!({"StartAt": "Get", "States": {
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {"ApiEndpoint": format!("http://{address}/orders/1"), "Method": "GET",
                               "Authentication": {"ConnectionArn": connection}},
                "ResultSelector": {"order.$": "$.ResponseBody", "status.$": "$.StatusCode"},
                "ResultPath": "$.got", "Next": "Missing"},
        "Missing": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {"ApiEndpoint": format!("http://{address}/orders/2"), "Method": "GET",
                               "Authentication": {"ConnectionArn": connection}},
                "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "ResultPath": "$.missing", "Next": "Done"}],
                "End": true},
        "Done": {"Type": "Succeed"}}});
    let machine = common::create_machine(&client, "orders", definition.to_string()).await;
    let arn = client
        .start_execution()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_owned();
    let done = wait_for_end(&client, &arn, Duration::from_secs(10)).await;
    assert_eq!(
        done.status(),
        &ExecutionStatus::Succeeded,
        "{:?}",
        done.cause()
    );
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(
        output["got"],
        json!({"order": {"id": 1, "state": "shipped"}, "status": 200})
    );
    assert_eq!(
        output["missing"]["Error"],
        json!("States.Http.StatusCode.404")
    );
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[0]
            .to_ascii_lowercase()
            .contains("x-api-key: s3cret"),
        "{}",
        requests[0]
    );
    // The secret is sent to the service but never written to the history.
    let events = common::history(&client, &arn).await;
    let text = format!("{events:?}");
    assert!(!text.contains("s3cret"));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
