//! End-to-end activities through `aws-sdk-sfn`: the activity API, workers polling with
//! GetActivityTask (each task to exactly one worker), heartbeats, the empty answer after the
//! poll time, and a task token that survives a `kill -9` of the server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::ExecutionStatus;
use common::{Server, temp_dir, wait_for_end};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

async fn activity_machine(client: &Client, name: &str, activity: &str, extra: Value) -> String {
    let mut task = json!({"Type": "Task", "Resource": activity, "End": true});
    if let (Some(task), Some(extra)) = (task.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            task.insert(k.clone(), v.clone());
        }
    }
    common::create_machine(
        client,
        name,
        json!({"StartAt": "Work", "States": {"Work": task}}).to_string(),
    )
    .await
}

#[tokio::test]
async fn activity_api_create_describe_list_delete() {
    let server = Server::start(&["--in-memory", "--activity-poll-millis", "200"]);
    let client = server.client();
    let created = client
        .create_activity()
        .name("review")
        .send()
        .await
        .unwrap();
    let arn = created.activity_arn().to_owned();
    assert_eq!(arn, "arn:aws:states:us-east-1:123456789012:activity:review");
    let again = client
        .create_activity()
        .name("review")
        .send()
        .await
        .unwrap();
    assert_eq!(again.activity_arn(), arn);
    assert_eq!(again.creation_date(), created.creation_date());
    client
        .create_activity()
        .name("approve")
        .send()
        .await
        .unwrap();
    let described = client
        .describe_activity()
        .activity_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(described.name(), "review");
    let listed = client
        .list_activities()
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.activities().len(), 1);
    assert!(listed.next_token().is_some());

    // A poll with no task answers with no token once the poll time is up.
    let empty = client
        .get_activity_task()
        .activity_arn(&arn)
        .worker_name("idle")
        .send()
        .await
        .unwrap();
    assert!(empty.task_token().is_none());

    client
        .delete_activity()
        .activity_arn(&arn)
        .send()
        .await
        .unwrap();
    let gone = client
        .describe_activity()
        .activity_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("ActivityDoesNotExist"));
    let bad = client
        .describe_activity()
        .activity_arn("arn:aws:states:us-east-1:123456789012:stateMachine:x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Some("InvalidArn"));
}

#[tokio::test]
async fn two_workers_never_get_the_same_task() {
    let server = Server::start(&["--in-memory", "--activity-poll-millis", "300"]);
    let client = server.client();
    let activity = client
        .create_activity()
        .name("jobs")
        .send()
        .await
        .unwrap()
        .activity_arn()
        .to_owned();
    let machine = activity_machine(&client, "jobs-flow", &activity, json!({})).await;
    let mut executions = Vec::new();
    for i in 0..30 {
        let arn = common::start_execution(&client, &machine, json!({"job": i}).to_string()).await;
        executions.push(arn);
    }
    let mut workers = Vec::new();
    for w in 0..2 {
        let client = server.client();
        let activity = activity.clone();
        workers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let task = client
                    .get_activity_task()
                    .activity_arn(&activity)
                    .worker_name(format!("worker-{w}"))
                    .send()
                    .await
                    .unwrap();
                let Some(token) = task.task_token() else {
                    return seen;
                };
                let input: Value = serde_json::from_str(task.input().unwrap()).unwrap();
                client
                    .send_task_success()
                    .task_token(token)
                    .output(json!({"done": input["job"], "by": w}).to_string())
                    .send()
                    .await
                    .unwrap();
                seen.push((token.to_owned(), input["job"].as_i64().unwrap()));
            }
        }));
    }
    let mut tokens = HashSet::new();
    let mut jobs = HashSet::new();
    let mut per_worker = Vec::new();
    for worker in workers {
        let seen = worker.await.unwrap();
        per_worker.push(seen.len());
        for (token, job) in seen {
            assert!(tokens.insert(token), "a token was handed out twice");
            assert!(jobs.insert(job), "job {job} was handed out twice");
        }
    }
    assert_eq!(jobs.len(), 30, "every job was taken once: {per_worker:?}");
    for arn in &executions {
        let done = wait_for_end(&client, arn, Duration::from_secs(5)).await;
        assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    }
    let events = common::history(&client, &executions[0]).await;
    let types: Vec<&str> = events.iter().map(|e| e.r#type().as_str()).collect();
    assert_eq!(
        types,
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
    let started = events[3].activity_started_event_details().unwrap();
    assert!(started.worker_name().unwrap().starts_with("worker-"));
}

#[tokio::test]
async fn a_silent_worker_times_out_on_its_heartbeat() {
    // HeartbeatSeconds 10 at scale 0.01: 100 ms.
    let server = Server::start(&[
        "--in-memory",
        "--activity-poll-millis",
        "2000",
        "--wait-time-scale",
        "0.01",
    ]);
    let client = server.client();
    let activity = client
        .create_activity()
        .name("slow")
        .send()
        .await
        .unwrap()
        .activity_arn()
        .to_owned();
    let machine = activity_machine(
        &client,
        "slow-flow",
        &activity,
        json!({"HeartbeatSeconds": 10}),
    )
    .await;
    let arn = client
        .start_execution()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_owned();
    let task = client
        .get_activity_task()
        .activity_arn(&activity)
        .send()
        .await
        .unwrap();
    let token = task.task_token().unwrap().to_owned();
    let done = wait_for_end(&client, &arn, Duration::from_secs(5)).await;
    assert_eq!(done.status(), &ExecutionStatus::Failed);
    assert_eq!(done.error(), Some("States.HeartbeatTimeout"));
    let events = common::history(&client, &arn).await;
    assert_eq!(events[4].r#type().as_str(), "ActivityTimedOut");
    let late = client
        .send_task_success()
        .task_token(&token)
        .output("{}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(late.code(), Some("TaskTimedOut"));
}

#[tokio::test]
async fn a_task_token_survives_kill_9() {
    let dir = temp_dir("token");
    let server = Server::durable(&dir, "1");
    let client = server.client();
    let activity = client
        .create_activity()
        .name("durable")
        .send()
        .await
        .unwrap()
        .activity_arn()
        .to_owned();
    let machine = activity_machine(&client, "durable-flow", &activity, json!({})).await;
    let arn = common::start_execution(&client, &machine, r#"{"keep": true}"#).await;
    let task = client
        .get_activity_task()
        .activity_arn(&activity)
        .worker_name("survivor")
        .send()
        .await
        .unwrap();
    let token = task.task_token().unwrap().to_owned();
    // The poll answers once the hand-out is queued for the disk; the history (read from the
    // store) shows when it is there.
    let stored = async {
        loop {
            let events = common::history(&client, &arn).await;
            if events
                .iter()
                .any(|e| e.r#type().as_str() == "ActivityStarted")
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), stored)
        .await
        .unwrap();
    server.kill();

    let server = Server::durable(&dir, "1");
    let client = server.client();
    // The task was taken before the crash: it is not handed out again.
    let none = tokio::time::timeout(
        Duration::from_millis(300),
        client.get_activity_task().activity_arn(&activity).send(),
    )
    .await;
    assert!(none.is_err() || none.unwrap().unwrap().task_token().is_none());
    client
        .send_task_success()
        .task_token(&token)
        .output(r#"{"survived": true}"#)
        .send()
        .await
        .unwrap();
    let done = wait_for_end(&client, &arn, Duration::from_secs(5)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(done.output(), Some(r#"{"survived":true}"#));
    let events = common::history(&client, &arn).await;
    let types: Vec<&str> = events.iter().map(|e| e.r#type().as_str()).collect();
    assert_eq!(
        types,
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
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sigterm_does_not_wait_for_open_long_polls() {
    let mut server = Server::start(&["--in-memory"]);
    let client = server.client();
    let activity = client
        .create_activity()
        .name("idle")
        .send()
        .await
        .unwrap()
        .activity_arn()
        .to_owned();
    let poller = {
        let client = server.client();
        tokio::spawn(async move {
            client
                .get_activity_task()
                .activity_arn(&activity)
                .send()
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    let answered = tokio::time::timeout(Duration::from_secs(5), poller).await;
    let answered = answered
        .expect("the open poll was answered")
        .unwrap()
        .unwrap();
    assert!(answered.task_token().is_none());
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "baton serve did not stop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status:?}");
}
