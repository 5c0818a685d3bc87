//! Benchmark: [`Store::apply`] on an SQLite store in a temporary file, with batches shaped like
//! the server's group commit under load. Each batch holds 32 started executions of a typical
//! 10-state workflow, each one a `CreateExecution` and an `AppendStep` with 22 history events of
//! about 250 bytes, one journal entry and the outcome (such a workflow runs to its end in the
//! start step). Throughput is executions stored per second: `apply/32_started_executions` per
//! second of wall-clock time (each commit's fsync included), and
//! `apply/32_started_executions_cpu_time` per second of CPU time used by the whole process
//! (the writer and the store's checkpoint thread), on Linux.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_store::sqlite::SqliteStore;
use baton_store::{
    ExecutionOutcome, ExecutionRecord, JournalEntry, RunStatus, Store, StoredEvent, WorkflowType,
    Write,
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::path::PathBuf;
use std::time::Duration;

/// Executions per batch.
const PER_BATCH: usize = 32;

/// History events per execution.
const EVENTS: u64 = 22;

const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:order-pipeline";
const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/StepFunctions-order-pipeline";

/// A 10-state definition, shared by every execution (as when one state machine is run).
fn definition() -> String {
    let mut states = Vec::new();
    for i in 0..10 {
        let next = if i == 9 {
            r#""End":true"#.to_owned()
        } else {
            format!(r#""Next":"Step{}""#, i + 1)
        };
        states.push(format!(
            r#""Step{i}":{{"Type":"Pass","Comment":"step {i} of the order pipeline","Parameters":{{"order.$":"$.order","step":{i},"note":"validated"}},"ResultPath":"$.step{i}",{next}}}"#
        ));
    }
    format!(
        r#"{{"Comment":"Order pipeline","StartAt":"Step0","States":{{{}}}}}"#,
        states.join(",")
    )
}

/// A history event body of about 250 bytes.
fn event_body(id: u64, n: u64) -> String {
    let kind = match id {
        1 => "ExecutionStarted",
        EVENTS => "ExecutionSucceeded",
        _ if id.is_multiple_of(2) => "PassStateEntered",
        _ => "PassStateExited",
    };
    let body = format!(
        r#"{{"timestamp":1700000000.{:03},"type":"{kind}","id":{id},"previousEventId":{},"stateEnteredEventDetails":{{"name":"Step{}","input":"{{\"order\":{{\"id\":{n},\"items\":3,\"total\":129.5}},\"step\":{}}}","inputDetails":{{"truncated":false}}}}}}"#,
        id % 1000,
        id - 1,
        id / 2,
        id / 2
    );
    debug_assert!((200..300).contains(&body.len()), "{}", body.len());
    body
}

/// SplitMix64's finalizer: a well-mixed 64-bit value for `n`.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The writes of one started execution, number `n`.
fn execution(n: u64, definition: &str) -> [Write; 2] {
    // Execution names are UUIDs, as StartExecution makes them: random, not in start order.
    let (a, b) = (mix(n), mix(!n));
    let arn = format!(
        "arn:aws:states:us-east-1:123456789012:execution:order-pipeline:{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    );
    let input = format!(r#"{{"order":{{"id":{n},"items":3,"total":129.5}}}}"#);
    let record = ExecutionRecord {
        arn: arn.clone(),
        state_machine_arn: MACHINE.to_owned(),
        name: arn.rsplit(':').next().unwrap_or_default().to_owned(),
        workflow_type: WorkflowType::Standard,
        status: RunStatus::Running,
        input: input.clone(),
        output: None,
        error: None,
        cause: None,
        started: 1_700_000_000_000 + n as i64,
        stopped: None,
        definition: definition.to_owned(),
        role_arn: ROLE.to_owned(),
        revision_id: "5b0f6c2e-1d3a-4e7b-8c9d-0a1b2c3d4e5f".to_owned(),
        event_count: 0,
    };
    let step = Write::AppendStep {
        execution_arn: arn,
        journal: Some(JournalEntry {
            seq: 0,
            at: 1_700_000_000_000 + n as i64,
            seed: n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            signal: r#"{"Start":{"input":"{\"order\":{\"id\":1}}","traceHeader":null}}"#.to_owned(),
        }),
        events: (1..=EVENTS)
            .map(|id| StoredEvent {
                id,
                body: event_body(id, n),
            })
            .collect(),
        outcome: Some(ExecutionOutcome {
            status: RunStatus::Succeeded,
            output: Some(input),
            error: None,
            cause: None,
            stopped: 1_700_000_000_005 + n as i64,
        }),
    };
    [Write::CreateExecution(record), step]
}

/// A database file in a fresh directory under the temp directory, removed when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("baton-store-bench-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }

    fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.0.join("baton.sqlite3")).unwrap()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The next batch of [`PER_BATCH`] new executions, numbered from `*next` on.
fn next_batch(next: &mut u64, definition: &str) -> Vec<Write> {
    let batch = (*next..*next + PER_BATCH as u64)
        .flat_map(|n| execution(n, definition))
        .collect();
    *next += PER_BATCH as u64;
    batch
}

/// CPU time used so far by all the threads of this process (the caller's and the store's
/// checkpoint thread), from `/proc/self/task/*/schedstat`; `None` where that is unavailable.
fn process_cpu() -> Option<Duration> {
    let mut nanos = 0_u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(text) = std::fs::read_to_string(task.ok()?.path().join("schedstat")) else {
            // The thread ended meanwhile.
            continue;
        };
        nanos += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(nanos))
}

fn apply_started_executions(c: &mut Criterion) {
    let definition = definition();
    let mut group = c.benchmark_group("apply");
    group.throughput(Throughput::Elements(PER_BATCH as u64));

    // Wall-clock time: includes each commit's fsync.
    let dir = TempDb::new("wall");
    let store = dir.store();
    let mut next = 0_u64;
    group.bench_function("32_started_executions", |b| {
        b.iter_batched(
            || next_batch(&mut next, &definition),
            |batch| store.apply(&batch).unwrap(),
            BatchSize::SmallInput,
        )
    });
    drop(store);

    // CPU time of the whole process (what competes with the server's other threads), without
    // building the batches: its throughput is executions per CPU second.
    if process_cpu().is_some() {
        let dir = TempDb::new("cpu");
        let store = dir.store();
        let mut next = 0_u64;
        group.bench_function("32_started_executions_cpu_time", |b| {
            b.iter_custom(|iters| {
                let batches: Vec<Vec<Write>> = (0..iters)
                    .map(|_| next_batch(&mut next, &definition))
                    .collect();
                let start = process_cpu().unwrap_or_default();
                for batch in &batches {
                    store.apply(batch).unwrap();
                }
                process_cpu().unwrap_or_default().saturating_sub(start)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, apply_started_executions);
criterion_main!(benches);
