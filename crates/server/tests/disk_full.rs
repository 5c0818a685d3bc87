//! A store that cannot write (a full disk) fails the request with a 5xx and loses nothing: what
//! was stored stays readable, and an execution waiting on a timer continues once the disk has
//! room again.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_server::api::{App, dispatch};
use baton_server::runtime::RuntimeConfig;
use baton_server::{ServerConfig, build};
use baton_store::memory::MemoryStore;
use baton_store::{
    ActivityRecord, EventQuery, ExecutionQuery, ExecutionRecord, JournalEntry, StateMachineRecord,
    Store, StoreError, StoredEvent, Write,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A memory store whose writes fail while `full` is set.
#[derive(Default)]
struct FillableStore {
    inner: MemoryStore,
    full: AtomicBool,
}

impl Store for FillableStore {
    fn apply(&self, writes: &[Write]) -> Result<(), StoreError> {
        if self.full.load(Ordering::SeqCst) {
            return Err(StoreError::DiskFull);
        }
        self.inner.apply(writes)
    }
    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, StoreError> {
        self.inner.state_machine(arn)
    }
    fn state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>, StoreError> {
        self.inner.state_machines(after, limit)
    }
    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, StoreError> {
        self.inner.activity(arn)
    }
    fn activities(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        self.inner.activities(after, limit)
    }
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        self.inner.execution(arn)
    }
    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRecord>, StoreError> {
        self.inner.executions(query)
    }
    fn events(&self, arn: &str, query: EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner.events(arn, query)
    }
    fn journal(&self, arn: &str) -> Result<Vec<JournalEntry>, StoreError> {
        self.inner.journal(arn)
    }
    fn running(&self) -> Result<Vec<ExecutionRecord>, StoreError> {
        self.inner.running()
    }
}

async fn call(app: &Arc<App>, action: &str, body: Value) -> Result<Value, (String, u16)> {
    dispatch(
        app,
        &format!("AWSStepFunctions.{action}"),
        body.to_string().as_bytes(),
    )
    .await
    .map(|text| serde_json::from_str(&text).unwrap())
    .map_err(|e| (e.wire_type(), e.status.as_u16()))
}

#[tokio::test]
async fn a_full_disk_fails_requests_and_keeps_the_data() {
    let store = Arc::new(FillableStore::default());
    let config = ServerConfig {
        runtime: RuntimeConfig {
            wait_time_scale: 0.001,
            ..RuntimeConfig::default()
        },
        ..ServerConfig::default()
    };
    let (_router, app) = build(Arc::clone(&store) as Arc<dyn Store>, config)
        .await
        .unwrap();
    let role = "arn:aws:iam::123456789012:role/r";
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 100, "Next": "P"},
        "P": {"Type": "Pass", "Result": "after", "End": true}}})
    .to_string();
    let machine = call(
        &app,
        "CreateStateMachine",
        json!({"name": "m", "roleArn": role, "definition": definition}),
    )
    .await
    .unwrap()["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = call(
        &app,
        "StartExecution",
        json!({"stateMachineArn": machine, "name": "before"}),
    )
    .await
    .unwrap();
    let before = started["executionArn"].as_str().unwrap().to_owned();

    // The disk fills up: writes fail with a service error, reads still work.
    store.full.store(true, Ordering::SeqCst);
    let refused = call(
        &app,
        "StartExecution",
        json!({"stateMachineArn": machine, "name": "during"}),
    )
    .await;
    assert_eq!(
        refused.unwrap_err(),
        (
            "com.amazonaws.swf.service.v2.model#ServiceUnavailable".to_owned(),
            503
        )
    );
    let refused = call(
        &app,
        "CreateStateMachine",
        json!({"name": "m2", "roleArn": role, "definition": definition}),
    )
    .await;
    assert_eq!(refused.unwrap_err().1, 503);
    let missing = call(
        &app,
        "DescribeExecution",
        json!({"executionArn": before.replace(":before", ":during")}),
    )
    .await;
    assert_eq!(
        missing.unwrap_err().1,
        400,
        "the refused execution was not created"
    );
    // The running execution's timer fires (100 s × 0.001) while nothing can be stored: the step
    // is not lost, it waits.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let described = call(&app, "DescribeExecution", json!({"executionArn": before}))
        .await
        .unwrap();
    assert_eq!(described["status"], "RUNNING");

    // Room again: the execution continues and ends exactly as it would have.
    store.full.store(false, Ordering::SeqCst);
    let mut status = String::new();
    for _ in 0..100 {
        let described = call(&app, "DescribeExecution", json!({"executionArn": before}))
            .await
            .unwrap();
        status = described["status"].as_str().unwrap().to_owned();
        if status != "RUNNING" {
            assert_eq!(described["output"], "\"after\"");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "SUCCEEDED");
    let history = call(&app, "GetExecutionHistory", json!({"executionArn": before}))
        .await
        .unwrap();
    let types: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
}
