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
    assert_eq!(
        event_types(&app, &before).await,
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

/// The kinds of `arn`'s history events, and checks that their ids run 1, 2, 3, … with no gap.
async fn event_types(app: &Arc<App>, arn: &str) -> Vec<String> {
    let history = call(app, "GetExecutionHistory", json!({"executionArn": arn}))
        .await
        .unwrap();
    let events = history["events"].as_array().unwrap();
    for (index, event) in events.iter().enumerate() {
        assert_eq!(event["id"], index as u64 + 1, "{history}");
    }
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_hand_out_the_disk_refuses_is_handed_out_again() {
    let store = Arc::new(FillableStore::default());
    let config = ServerConfig {
        activity_poll_millis: 2_000,
        ..ServerConfig::default()
    };
    let (_router, app) = build(Arc::clone(&store) as Arc<dyn Store>, config)
        .await
        .unwrap();
    let activity = call(&app, "CreateActivity", json!({"name": "review"}))
        .await
        .unwrap()["activityArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let definition =
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": activity, "End": true}}})
            .to_string();
    let machine = call(
        &app,
        "CreateStateMachine",
        json!({"name": "m", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": definition}),
    )
    .await
    .unwrap()["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let execution = call(&app, "StartExecution", json!({"stateMachineArn": machine}))
        .await
        .unwrap()["executionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let poll = json!({"activityArn": activity, "workerName": "w"});

    // The worker gets the task, but its ActivityStarted cannot be stored.
    store.full.store(true, Ordering::SeqCst);
    let first = call(&app, "GetActivityTask", poll.clone()).await.unwrap();
    let token = first["taskToken"].as_str().unwrap().to_owned();
    // The execution is reloaded from the store, where the task was never handed out: the next
    // poll gets it again.
    let second = call(&app, "GetActivityTask", poll.clone()).await.unwrap();
    assert_eq!(second["taskToken"], token.as_str());
    // Its answer cannot be stored either: the service error, and the execution is untouched.
    let refused = call(
        &app,
        "SendTaskSuccess",
        json!({"taskToken": token, "output": "{\"ok\":1}"}),
    )
    .await;
    assert_eq!(refused.unwrap_err().1, 503);
    assert_eq!(
        event_types(&app, &execution).await,
        ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled"]
    );

    // Room again: the execution was reloaded from the store, so the task is handed out again
    // with the same token, and the answer completes it with a history without gaps.
    store.full.store(false, Ordering::SeqCst);
    let again = call(&app, "GetActivityTask", poll).await.unwrap();
    assert_eq!(again["taskToken"], token.as_str());
    call(
        &app,
        "SendTaskSuccess",
        json!({"taskToken": token, "output": "{\"ok\":1}"}),
    )
    .await
    .unwrap();
    let described = call(
        &app,
        "DescribeExecution",
        json!({"executionArn": execution}),
    )
    .await
    .unwrap();
    assert_eq!(described["status"], "SUCCEEDED");
    assert_eq!(described["output"], "{\"ok\":1}");
    assert_eq!(
        event_types(&app, &execution).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}
