//! A compiled load generator for `baton serve` (one Python process stops near 1,000 calls/s).
//! It speaks the AWS JSON 1.0 protocol over keep-alive HTTP/1.1 connections and measures:
//!
//! * `standard`: 10-state STANDARD executions started (each is durable and finished when
//!   StartExecution answers, since its Pass states need no timer), executions/s;
//! * `sync`: StartSyncExecution of a 10-state EXPRESS machine, executions/s and latency;
//! * `history`: GetExecutionHistory of a ~2,000-event execution, all pages, latency.
//!
//! * `activities`: 10,000 activity tasks, workers polling and answering; tasks/s and the
//!   latency from StartExecution to the worker holding the task (SECONDS = starter connections).
//!
//! `cargo run --release -p baton-cli --example loadgen -- ENDPOINT MODE [SECONDS] [CONNECTIONS]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One keep-alive connection.
struct Connection {
    host: String,
    stream: BufReader<TcpStream>,
}

impl Connection {
    async fn open(host: &str) -> Self {
        let stream = TcpStream::connect(host).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        Self {
            host: host.to_owned(),
            stream: BufReader::new(stream),
        }
    }

    async fn call(&mut self, action: &str, body: &str) -> (u16, String) {
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AWSStepFunctions.{action}\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        self.stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line).await.unwrap();
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        self.stream.read_exact(&mut body).await.unwrap();
        (status, String::from_utf8(body).unwrap())
    }

    async fn json(&mut self, action: &str, body: &Value) -> Value {
        let (status, text) = self.call(action, &body.to_string()).await;
        assert_eq!(status, 200, "{action}: {text}");
        serde_json::from_str(&text).unwrap()
    }
}

fn ten_passes() -> String {
    let mut states = serde_json::Map::new();
    for i in 0..10 {
        let mut state =
            json!({"Type": "Pass", "Result": {"step": i}, "ResultPath": format!("$.s{i}")});
        if i == 9 {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), state);
    }
    json!({"StartAt": "S0", "States": states}).to_string()
}

async fn create(connection: &mut Connection, name: &str, definition: &str, kind: &str) -> String {
    let out = connection
        .json(
            "CreateStateMachine",
            &json!({"name": name, "definition": definition, "type": kind,
                    "roleArn": "arn:aws:iam::123456789012:role/bench"}),
        )
        .await;
    out["stateMachineArn"].as_str().unwrap().to_owned()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn drive(host: &str, arn: String, action: &'static str, seconds: u64, connections: usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (host, arn, stop, count) = (
            host.to_owned(),
            arn.clone(),
            Arc::clone(&stop),
            Arc::clone(&count),
        );
        workers.push(tokio::spawn(async move {
            let mut connection = Connection::open(&host).await;
            let body = json!({"stateMachineArn": arn, "input": "{\"order\": 42}"}).to_string();
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let (status, text) = connection.call(action, &body).await;
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(status, 200, "{text}");
                if action == "StartSyncExecution" {
                    assert!(text.contains("\"SUCCEEDED\""), "{text}");
                }
                count.fetch_add(1, Ordering::Relaxed);
            }
            latencies
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    println!(
        "{action}: {} executions in {elapsed:.1} s = {:.0}/s over {connections} connections; latency p50 {:.2} ms, p99 {:.2} ms",
        count.load(Ordering::Relaxed),
        count.load(Ordering::Relaxed) as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let endpoint = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8083".to_owned());
    let host = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mode = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "standard".to_owned());
    let seconds: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let connections: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(32);
    let mut admin = Connection::open(&host).await;
    let suffix = std::process::id();
    match mode.as_str() {
        "standard" => {
            let arn = create(
                &mut admin,
                &format!("bench-std-{suffix}"),
                &ten_passes(),
                "STANDARD",
            )
            .await;
            drive(&host, arn.clone(), "StartExecution", seconds, connections).await;
            let listed = admin
                .json(
                    "ListExecutions",
                    &json!({"stateMachineArn": arn, "statusFilter": "RUNNING", "maxResults": 10}),
                )
                .await;
            println!(
                "executions still RUNNING afterwards: {}",
                listed["executions"].as_array().map_or(0, Vec::len)
            );
        }
        "sync" => {
            let arn = create(
                &mut admin,
                &format!("bench-sync-{suffix}"),
                &ten_passes(),
                "EXPRESS",
            )
            .await;
            drive(&host, arn, "StartSyncExecution", seconds, connections).await;
        }
        "history" => {
            // A Map over 496 items: 4 events per item plus the frame, about 2,000 events.
            let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}})
                .to_string();
            let arn = create(
                &mut admin,
                &format!("bench-hist-{suffix}"),
                &definition,
                "STANDARD",
            )
            .await;
            let items: Vec<u32> = (0..496).collect();
            let started = admin
                .json(
                    "StartExecution",
                    &json!({"stateMachineArn": arn, "input": json!(items).to_string()}),
                )
                .await;
            let execution = started["executionArn"].as_str().unwrap().to_owned();
            let mut latencies = Vec::new();
            let mut events = 0;
            for _ in 0..200 {
                let began = Instant::now();
                let mut token: Option<String> = None;
                events = 0;
                loop {
                    let mut request = json!({"executionArn": execution, "maxResults": 1000});
                    if let Some(token) = &token {
                        request["nextToken"] = json!(token);
                    }
                    let (status, text) = admin
                        .call("GetExecutionHistory", &request.to_string())
                        .await;
                    assert_eq!(status, 200);
                    let page: Value = serde_json::from_str(&text).unwrap();
                    events += page["events"].as_array().map_or(0, Vec::len);
                    match page["nextToken"].as_str() {
                        Some(next) => token = Some(next.to_owned()),
                        None => break,
                    }
                }
                latencies.push(began.elapsed().as_secs_f64() * 1000.0);
            }
            latencies.sort_by(f64::total_cmp);
            println!(
                "GetExecutionHistory, {events} events, all pages (parsed by the client): p50 {:.2} ms, p99 {:.2} ms",
                percentile(&latencies, 0.5),
                percentile(&latencies, 0.99)
            );
        }
        "activities" => {
            let starters = usize::try_from(seconds).unwrap_or(16).max(1);
            activities(&host, &mut admin, suffix, connections, starters).await;
        }
        other => panic!("unknown mode {other}: standard | sync | history | activities"),
    }
}

/// 10,000 activity tasks: executions started as fast as `starters` connections can, `workers` worker
/// connections polling and answering. Reports tasks/s end to end and the dispatch latency
/// (StartExecution sent → the worker holds the task; an upper bound of scheduled → received).
async fn activities(
    host: &str,
    admin: &mut Connection,
    suffix: u32,
    workers: usize,
    starters: usize,
) {
    const TASKS: usize = 10_000;
    let activity = admin
        .json(
            "CreateActivity",
            &json!({"name": format!("bench-act-{suffix}")}),
        )
        .await["activityArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let definition = json!({"StartAt": "Work", "States": {"Work": {"Type": "Task",
        "Resource": activity, "End": true}}})
    .to_string();
    let machine = create(
        admin,
        &format!("bench-act-{suffix}"),
        &definition,
        "STANDARD",
    )
    .await;
    let epoch = Instant::now();
    let done = Arc::new(AtomicU64::new(0));
    // Set by the worker that answers the last task: the clock stops there, and the other
    // workers' idle long polls are abandoned rather than waited out.
    let finished = Arc::new(tokio::sync::Notify::new());
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut worker_tasks = Vec::new();
    for w in 0..workers {
        let (host, activity) = (host.to_owned(), activity.clone());
        let (done, finished, latencies) = (
            Arc::clone(&done),
            Arc::clone(&finished),
            Arc::clone(&latencies),
        );
        worker_tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(&host).await;
            let poll = json!({"activityArn": activity, "workerName": format!("w{w}")}).to_string();
            loop {
                let (status, text) = connection.call("GetActivityTask", &poll).await;
                assert_eq!(status, 200, "{text}");
                let task: Value = serde_json::from_str(&text).unwrap();
                let Some(token) = task["taskToken"].as_str() else {
                    continue;
                };
                let input: Value = serde_json::from_str(task["input"].as_str().unwrap()).unwrap();
                let sent = input["sentMicros"].as_u64().unwrap();
                let now = epoch.elapsed().as_micros() as u64;
                latencies
                    .lock()
                    .unwrap()
                    .push((now.saturating_sub(sent)) as f64 / 1000.0);
                let answer = json!({"taskToken": token, "output": "{\"ok\":true}"}).to_string();
                let (status, text) = connection.call("SendTaskSuccess", &answer).await;
                assert_eq!(status, 200, "{text}");
                if done.fetch_add(1, Ordering::Relaxed) + 1 == TASKS as u64 {
                    finished.notify_one();
                }
            }
        }));
    }
    let next = Arc::new(AtomicU64::new(0));
    let mut starter_tasks = Vec::new();
    for _ in 0..starters {
        let (host, machine, next) = (host.to_owned(), machine.clone(), Arc::clone(&next));
        starter_tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(&host).await;
            while next.fetch_add(1, Ordering::Relaxed) < TASKS as u64 {
                let sent = epoch.elapsed().as_micros() as u64;
                let input = json!({"sentMicros": sent}).to_string();
                let body = json!({"stateMachineArn": machine, "input": input}).to_string();
                let (status, text) = connection.call("StartExecution", &body).await;
                assert_eq!(status, 200, "{text}");
            }
        }));
    }
    for starter in starter_tasks {
        starter.await.unwrap();
    }
    finished.notified().await;
    let elapsed = epoch.elapsed().as_secs_f64();
    for worker in &worker_tasks {
        worker.abort();
    }
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort_by(f64::total_cmp);
    println!(
        "activities: {TASKS} tasks in {elapsed:.2} s = {:.0} tasks/s end to end over {workers} worker connections; \
         start→worker latency p50 {:.2} ms, p99 {:.2} ms",
        TASKS as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
}
