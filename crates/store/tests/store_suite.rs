#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! The conformance suite every [`Store`] backend passes. Each check is written once, as a
//! function of `&dyn Store`, and runs against:
//!
//! - `memory`: the in-memory store (the reference);
//! - `sqlite_file`: an SQLite store in a file under the temp directory;
//! - `sqlite_reopened`: the same, but every call opens the file afresh and closes it after, so
//!   every read sees only what an earlier, closed store left on disk (durability);
//! - `sqlite_in_memory`: an SQLite store in a private in-memory database.
//!
//! A property test then checks that random sequences of batches give identical results and
//! reads on the in-memory and the SQLite store.

use baton_store::memory::MemoryStore;
use baton_store::sqlite::SqliteStore;
use baton_store::{
    ActivityRecord, EventQuery, ExecutionOutcome, ExecutionQuery, ExecutionRecord, JournalEntry,
    RunStatus, StateMachineRecord, Store, StoreError, StoredEvent, WorkflowType, Write,
    newest_first,
};
use proptest::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

// ---------------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------------

/// A directory under the temp directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("baton-store-test-{}-{n}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self(path)
    }

    /// The database file, in a subdirectory that does not exist yet (open must create it).
    fn db(&self) -> PathBuf {
        self.0.join("data").join("baton.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An SQLite store that opens its file for every call and closes it after.
struct Reopening(PathBuf);

impl Reopening {
    fn open(&self) -> Result<SqliteStore, StoreError> {
        SqliteStore::open(&self.0)
    }
}

impl Store for Reopening {
    fn apply(&self, writes: &[Write]) -> Result<(), StoreError> {
        self.open()?.apply(writes)
    }
    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, StoreError> {
        self.open()?.activity(arn)
    }
    fn activities(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        self.open()?.activities(after, limit)
    }
    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, StoreError> {
        self.open()?.state_machine(arn)
    }
    fn state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>, StoreError> {
        self.open()?.state_machines(after, limit)
    }
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        self.open()?.execution(arn)
    }
    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRecord>, StoreError> {
        self.open()?.executions(query)
    }
    fn events(&self, arn: &str, query: EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        self.open()?.events(arn, query)
    }
    fn journal(&self, arn: &str) -> Result<Vec<JournalEntry>, StoreError> {
        self.open()?.journal(arn)
    }
    fn running(&self) -> Result<Vec<ExecutionRecord>, StoreError> {
        self.open()?.running()
    }
}

fn on_memory(check: fn(&dyn Store)) {
    check(&MemoryStore::new());
}

fn on_sqlite_file(check: fn(&dyn Store), tag: &str) {
    let dir = TempDir::new(tag);
    let store = SqliteStore::open(&dir.db()).unwrap();
    check(&store);
    drop(store);
}

fn on_sqlite_reopened(check: fn(&dyn Store), tag: &str) {
    let dir = TempDir::new(tag);
    check(&Reopening(dir.db()));
}

fn on_sqlite_in_memory(check: fn(&dyn Store)) {
    check(&SqliteStore::open_in_memory().unwrap());
}

/// One test per check and backend, in a module per backend.
macro_rules! suite {
    ($($check:ident),* $(,)?) => {
        mod memory {
            $( #[test] fn $check() { super::on_memory(super::$check); } )*
        }
        mod sqlite_file {
            $( #[test] fn $check() { super::on_sqlite_file(super::$check, stringify!($check)); } )*
        }
        mod sqlite_reopened {
            $( #[test] fn $check() {
                super::on_sqlite_reopened(super::$check, stringify!($check));
            } )*
        }
        mod sqlite_in_memory {
            $( #[test] fn $check() { super::on_sqlite_in_memory(super::$check); } )*
        }
    };
}

suite!(
    state_machine_put_get_replace_delete,
    state_machines_list_in_arn_order_with_paging,
    deleting_a_state_machine_keeps_its_executions,
    execution_create_steps_and_outcome,
    create_and_steps_in_one_batch,
    outcome_replaces_every_outcome_field,
    events_forward_paging,
    events_reverse_paging,
    executions_newest_first_with_filters,
    executions_paging_with_after,
    journal_in_seq_order,
    running_lists_only_running_standard_executions,
    duplicate_create_fails,
    step_for_unknown_execution_fails,
    out_of_order_events_fail,
    failing_batch_leaves_nothing_applied,
    empty_batch_is_accepted,
    numbers_round_trip_over_their_full_range,
    text_round_trips_exactly,
    activities_put_get_list_delete,
);

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

fn machine(arn: &str) -> StateMachineRecord {
    StateMachineRecord {
        arn: arn.to_owned(),
        name: arn.rsplit(':').next().unwrap_or(arn).to_owned(),
        definition: r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#.to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/run".to_owned(),
        workflow_type: WorkflowType::Standard,
        created: 1_700_000_000_000,
        updated: None,
        revision_id: "r1".to_owned(),
        description: String::new(),
        logging_configuration: r#"{"level":"OFF"}"#.to_owned(),
        tracing_configuration: r#"{"enabled":false}"#.to_owned(),
        tags: Vec::new(),
    }
}

fn tagged(arn: &str, tags: &[(&str, &str)]) -> StateMachineRecord {
    StateMachineRecord {
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..machine(arn)
    }
}

fn execution(arn: &str, machine_arn: &str, started: i64) -> ExecutionRecord {
    ExecutionRecord {
        arn: arn.to_owned(),
        state_machine_arn: machine_arn.to_owned(),
        name: arn.rsplit(':').next().unwrap_or(arn).to_owned(),
        workflow_type: WorkflowType::Standard,
        status: RunStatus::Running,
        input: r#"{"in":1}"#.to_owned(),
        output: None,
        error: None,
        cause: None,
        started,
        stopped: None,
        definition: r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#.to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/run".to_owned(),
        revision_id: "r1".to_owned(),
        event_count: 0,
    }
}

fn event(id: u64) -> StoredEvent {
    StoredEvent {
        id,
        body: format!(r#"{{"id":{id},"type":"PassStateEntered"}}"#),
    }
}

fn events(ids: std::ops::RangeInclusive<u64>) -> Vec<StoredEvent> {
    ids.map(event).collect()
}

fn entry(seq: u64) -> JournalEntry {
    JournalEntry {
        seq,
        at: 1_700_000_000_000 + seq as i64,
        seed: seq.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        signal: format!(r#"{{"signal":{seq}}}"#),
    }
}

fn step(arn: &str, ids: std::ops::RangeInclusive<u64>) -> Write {
    Write::AppendStep {
        execution_arn: arn.to_owned(),
        journal: None,
        events: events(ids),
        outcome: None,
    }
}

fn journaled(arn: &str, seq: u64, ids: std::ops::RangeInclusive<u64>) -> Write {
    Write::AppendStep {
        execution_arn: arn.to_owned(),
        journal: Some(entry(seq)),
        events: events(ids),
        outcome: None,
    }
}

/// A step that runs a signal and adds no event.
fn signal_only(arn: &str, seq: u64) -> Write {
    Write::AppendStep {
        execution_arn: arn.to_owned(),
        journal: Some(entry(seq)),
        events: Vec::new(),
        outcome: None,
    }
}

fn finish(arn: &str, status: RunStatus, stopped: i64) -> Write {
    Write::AppendStep {
        execution_arn: arn.to_owned(),
        journal: None,
        events: Vec::new(),
        outcome: Some(ExecutionOutcome {
            status,
            output: (status == RunStatus::Succeeded).then(|| r#"{"out":1}"#.to_owned()),
            error: (status == RunStatus::Failed).then(|| "States.TaskFailed".to_owned()),
            cause: (status == RunStatus::Failed).then(|| "it broke".to_owned()),
            stopped,
        }),
    }
}

fn create(record: ExecutionRecord) -> Write {
    Write::CreateExecution(record)
}

const SM_A: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:a";
const SM_B: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:b";

fn ex(name: &str) -> String {
    format!("arn:aws:states:us-east-1:123456789012:execution:m:{name}")
}

fn arns(records: &[ExecutionRecord]) -> Vec<String> {
    records.iter().map(|r| r.arn.clone()).collect()
}

fn machine_arns(records: &[StateMachineRecord]) -> Vec<String> {
    records.iter().map(|r| r.arn.clone()).collect()
}

fn ids(events: &[StoredEvent]) -> Vec<u64> {
    events.iter().map(|e| e.id).collect()
}

fn forward(after: Option<u64>, limit: usize) -> EventQuery {
    EventQuery {
        after,
        reverse: false,
        limit,
    }
}

fn backward(after: Option<u64>, limit: usize) -> EventQuery {
    EventQuery {
        after,
        reverse: true,
        limit,
    }
}

fn all_executions(store: &dyn Store) -> Vec<ExecutionRecord> {
    store
        .executions(&ExecutionQuery {
            limit: usize::MAX,
            ..ExecutionQuery::default()
        })
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

fn state_machine_put_get_replace_delete(store: &dyn Store) {
    assert_eq!(store.state_machine(SM_A).unwrap(), None);

    let first = tagged(SM_A, &[("team", "core"), ("env", "dev"), ("a", "")]);
    store
        .apply(&[Write::PutStateMachine(first.clone())])
        .unwrap();
    assert_eq!(store.state_machine(SM_A).unwrap(), Some(first));

    let second = StateMachineRecord {
        definition: r#"{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}"#.to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/other".to_owned(),
        workflow_type: WorkflowType::Express,
        updated: Some(1_700_000_000_500),
        revision_id: "r2".to_owned(),
        description: "second".to_owned(),
        logging_configuration: r#"{"level":"ALL"}"#.to_owned(),
        tracing_configuration: r#"{"enabled":true}"#.to_owned(),
        ..tagged(SM_A, &[("z", "9")])
    };
    store
        .apply(&[Write::PutStateMachine(second.clone())])
        .unwrap();
    assert_eq!(store.state_machine(SM_A).unwrap(), Some(second.clone()));

    let untagged = StateMachineRecord {
        tags: Vec::new(),
        ..second
    };
    store
        .apply(&[Write::PutStateMachine(untagged.clone())])
        .unwrap();
    assert_eq!(store.state_machine(SM_A).unwrap(), Some(untagged));

    store
        .apply(&[Write::DeleteStateMachine {
            arn: SM_A.to_owned(),
        }])
        .unwrap();
    assert_eq!(store.state_machine(SM_A).unwrap(), None);
    assert_eq!(store.state_machines(None, usize::MAX).unwrap(), Vec::new());

    // Deleting what is not there is not an error.
    store
        .apply(&[Write::DeleteStateMachine {
            arn: SM_B.to_owned(),
        }])
        .unwrap();

    // Delete then put in one batch, and put then delete: the batch applies in order.
    let again = tagged(SM_A, &[("k", "v")]);
    store
        .apply(&[
            Write::DeleteStateMachine {
                arn: SM_A.to_owned(),
            },
            Write::PutStateMachine(again.clone()),
            Write::PutStateMachine(machine(SM_B)),
            Write::DeleteStateMachine {
                arn: SM_B.to_owned(),
            },
        ])
        .unwrap();
    assert_eq!(store.state_machine(SM_A).unwrap(), Some(again));
    assert_eq!(store.state_machine(SM_B).unwrap(), None);
}

fn state_machines_list_in_arn_order_with_paging(store: &dyn Store) {
    let arn = |n: &str| format!("arn:aws:states:us-east-1:123456789012:stateMachine:{n}");
    let puts: Vec<Write> = ["c", "a", "e", "b", "d"]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let tags: Vec<(&str, &str)> = [("t1", "1"), ("t2", "2"), ("t3", "3")]
                .into_iter()
                .take(i % 3)
                .collect();
            Write::PutStateMachine(tagged(&arn(n), &tags))
        })
        .collect();
    store.apply(&puts).unwrap();

    let all = store.state_machines(None, usize::MAX).unwrap();
    let expected: Vec<String> = ["a", "b", "c", "d", "e"].iter().map(|n| arn(n)).collect();
    assert_eq!(machine_arns(&all), expected);
    for record in &all {
        assert_eq!(
            store.state_machine(&record.arn).unwrap().as_ref(),
            Some(record)
        );
    }
    // Tags came back with their machines.
    assert_eq!(all[0].tags, vec![("t1".to_owned(), "1".to_owned())]);
    assert_eq!(all[1].tags, Vec::new());
    assert_eq!(all[4].tags.len(), 2);

    // Pages of two.
    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.state_machines(after.as_deref(), 2).unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|m| m.arn.clone());
        pages.push(machine_arns(&page));
    }
    assert_eq!(
        pages,
        vec![
            expected[0..2].to_vec(),
            expected[2..4].to_vec(),
            expected[4..].to_vec()
        ]
    );
    let paged: Vec<StateMachineRecord> = {
        let mut out = store.state_machines(None, 2).unwrap();
        out.extend(store.state_machines(Some(&expected[1]), 2).unwrap());
        out.extend(store.state_machines(Some(&expected[3]), 2).unwrap());
        out
    };
    assert_eq!(paged, all);

    // `after` need not name a machine.
    assert_eq!(
        machine_arns(&store.state_machines(Some(&arn("bb")), usize::MAX).unwrap()),
        expected[2..].to_vec()
    );
    assert_eq!(
        machine_arns(&store.state_machines(Some(""), 1).unwrap()),
        expected[..1].to_vec()
    );
    assert!(
        store
            .state_machines(Some(&arn("z")), 10)
            .unwrap()
            .is_empty()
    );
    assert!(store.state_machines(None, 0).unwrap().is_empty());
}

fn deleting_a_state_machine_keeps_its_executions(store: &dyn Store) {
    let e1 = ex("e1");
    store
        .apply(&[
            Write::PutStateMachine(machine(SM_A)),
            create(execution(&e1, SM_A, 10)),
        ])
        .unwrap();
    store
        .apply(&[Write::DeleteStateMachine {
            arn: SM_A.to_owned(),
        }])
        .unwrap();
    assert_eq!(store.state_machine(SM_A).unwrap(), None);
    assert_eq!(
        store.execution(&e1).unwrap(),
        Some(execution(&e1, SM_A, 10))
    );
    let listed = store
        .executions(&ExecutionQuery {
            state_machine_arn: Some(SM_A.to_owned()),
            limit: 10,
            ..ExecutionQuery::default()
        })
        .unwrap();
    assert_eq!(arns(&listed), vec![e1]);
}

fn execution_create_steps_and_outcome(store: &dyn Store) {
    let e1 = ex("e1");
    assert_eq!(store.execution(&e1).unwrap(), None);
    let record = execution(&e1, SM_A, 1_000);
    store.apply(&[create(record.clone())]).unwrap();
    assert_eq!(store.execution(&e1).unwrap(), Some(record.clone()));
    assert!(store.events(&e1, forward(None, 100)).unwrap().is_empty());
    assert!(store.journal(&e1).unwrap().is_empty());

    store.apply(&[step(&e1, 1..=3)]).unwrap();
    let after_start = store.execution(&e1).unwrap().unwrap();
    assert_eq!(after_start.event_count, 3);
    assert_eq!(after_start.status, RunStatus::Running);

    store.apply(&[journaled(&e1, 0, 4..=4)]).unwrap();
    // A step may add no event.
    store.apply(&[signal_only(&e1, 1)]).unwrap();
    store
        .apply(&[
            journaled(&e1, 2, 5..=6),
            Write::AppendStep {
                execution_arn: e1.clone(),
                journal: None,
                events: vec![event(7)],
                outcome: Some(ExecutionOutcome {
                    status: RunStatus::Succeeded,
                    output: Some(r#"{"done":true}"#.to_owned()),
                    error: None,
                    cause: None,
                    stopped: 2_000,
                }),
            },
        ])
        .unwrap();

    let done = store.execution(&e1).unwrap().unwrap();
    assert_eq!(
        done,
        ExecutionRecord {
            status: RunStatus::Succeeded,
            output: Some(r#"{"done":true}"#.to_owned()),
            stopped: Some(2_000),
            event_count: 7,
            ..record
        }
    );
    assert_eq!(
        store.events(&e1, forward(None, 100)).unwrap(),
        events(1..=7)
    );
    assert_eq!(
        store.journal(&e1).unwrap(),
        vec![entry(0), entry(1), entry(2)]
    );
    assert!(store.running().unwrap().is_empty());
}

fn create_and_steps_in_one_batch(store: &dyn Store) {
    let e1 = ex("e1");
    let e2 = ex("e2");
    store
        .apply(&[
            create(execution(&e1, SM_A, 5)),
            step(&e1, 1..=2),
            create(execution(&e2, SM_A, 6)),
            journaled(&e1, 0, 3..=4),
            step(&e2, 1..=1),
            finish(&e1, RunStatus::Failed, 9),
        ])
        .unwrap();
    let one = store.execution(&e1).unwrap().unwrap();
    assert_eq!(one.event_count, 4);
    assert_eq!(one.status, RunStatus::Failed);
    assert_eq!(one.error.as_deref(), Some("States.TaskFailed"));
    assert_eq!(one.stopped, Some(9));
    assert_eq!(store.execution(&e2).unwrap().unwrap().event_count, 1);
    assert_eq!(
        ids(&store.events(&e1, forward(None, 10)).unwrap()),
        vec![1, 2, 3, 4]
    );
    assert_eq!(store.events(&e2, forward(None, 10)).unwrap(), events(1..=1));
}

fn outcome_replaces_every_outcome_field(store: &dyn Store) {
    let e1 = ex("e1");
    store.apply(&[create(execution(&e1, SM_A, 5))]).unwrap();
    store
        .apply(&[Write::AppendStep {
            execution_arn: e1.clone(),
            journal: None,
            events: vec![event(1)],
            outcome: Some(ExecutionOutcome {
                status: RunStatus::Aborted,
                output: Some(String::new()),
                error: Some("Stopped".to_owned()),
                cause: Some(String::new()),
                stopped: 50,
            }),
        }])
        .unwrap();
    let stopped = store.execution(&e1).unwrap().unwrap();
    assert_eq!(stopped.status, RunStatus::Aborted);
    assert_eq!(stopped.output.as_deref(), Some(""));
    assert_eq!(stopped.error.as_deref(), Some("Stopped"));
    assert_eq!(stopped.cause.as_deref(), Some(""));
    assert_eq!(stopped.stopped, Some(50));

    // A later outcome replaces all of them, clearing what it leaves out.
    store
        .apply(&[finish(&e1, RunStatus::TimedOut, 60)])
        .unwrap();
    let timed_out = store.execution(&e1).unwrap().unwrap();
    assert_eq!(timed_out.status, RunStatus::TimedOut);
    assert_eq!(timed_out.output, None);
    assert_eq!(timed_out.error, None);
    assert_eq!(timed_out.cause, None);
    assert_eq!(timed_out.stopped, Some(60));
    assert_eq!(timed_out.event_count, 1);
}

fn events_forward_paging(store: &dyn Store) {
    let e1 = ex("e1");
    let e2 = ex("e2");
    store
        .apply(&[
            create(execution(&e1, SM_A, 1)),
            step(&e1, 1..=4),
            create(execution(&e2, SM_A, 2)),
            step(&e2, 1..=2),
        ])
        .unwrap();
    store.apply(&[step(&e1, 5..=10)]).unwrap();

    let get = |after, limit| ids(&store.events(&e1, forward(after, limit)).unwrap());
    assert_eq!(get(None, usize::MAX), (1..=10).collect::<Vec<_>>());
    assert_eq!(get(None, 3), vec![1, 2, 3]);
    assert_eq!(get(Some(3), 3), vec![4, 5, 6]);
    assert_eq!(get(Some(6), 3), vec![7, 8, 9]);
    assert_eq!(get(Some(9), 3), vec![10]);
    assert_eq!(get(Some(10), 3), Vec::<u64>::new());
    assert_eq!(get(Some(0), 2), vec![1, 2]);
    assert_eq!(get(Some(50), 2), Vec::<u64>::new());
    assert_eq!(get(Some(u64::MAX), 2), Vec::<u64>::new());
    assert_eq!(get(Some(i64::MAX as u64), 2), Vec::<u64>::new());
    assert_eq!(get(None, 0), Vec::<u64>::new());

    // Bodies come back with their ids, and executions do not mix.
    assert_eq!(
        store.events(&e1, forward(Some(4), 2)).unwrap(),
        events(5..=6)
    );
    assert_eq!(store.events(&e2, forward(None, 10)).unwrap(), events(1..=2));
    assert!(
        store
            .events(&ex("nope"), forward(None, 10))
            .unwrap()
            .is_empty()
    );
}

fn events_reverse_paging(store: &dyn Store) {
    let e1 = ex("e1");
    let e2 = ex("e2");
    store
        .apply(&[
            create(execution(&e1, SM_A, 1)),
            step(&e1, 1..=10),
            create(execution(&e2, SM_A, 2)),
            step(&e2, 1..=3),
        ])
        .unwrap();

    let get = |after, limit| ids(&store.events(&e1, backward(after, limit)).unwrap());
    assert_eq!(get(None, usize::MAX), (1..=10).rev().collect::<Vec<_>>());
    assert_eq!(get(None, 3), vec![10, 9, 8]);
    assert_eq!(get(Some(8), 3), vec![7, 6, 5]);
    assert_eq!(get(Some(5), 3), vec![4, 3, 2]);
    assert_eq!(get(Some(2), 3), vec![1]);
    assert_eq!(get(Some(1), 3), Vec::<u64>::new());
    assert_eq!(get(Some(0), 3), Vec::<u64>::new());
    assert_eq!(get(Some(11), 2), vec![10, 9]);
    assert_eq!(get(Some(500), 2), vec![10, 9]);
    assert_eq!(get(Some(u64::MAX), 2), vec![10, 9]);
    assert_eq!(get(None, 0), Vec::<u64>::new());

    assert_eq!(
        store.events(&e1, backward(Some(3), 5)).unwrap(),
        events(1..=2).into_iter().rev().collect::<Vec<_>>()
    );
    assert_eq!(
        ids(&store.events(&e2, backward(None, 10)).unwrap()),
        vec![3, 2, 1]
    );
    assert!(
        store
            .events(&ex("nope"), backward(None, 10))
            .unwrap()
            .is_empty()
    );
}

/// Five executions over two machines, with a tie on start time.
fn listing_fixture(store: &dyn Store) {
    let mut express = execution(&ex("b1"), SM_B, 150);
    express.workflow_type = WorkflowType::Express;
    store
        .apply(&[
            create(execution(&ex("a1"), SM_A, 100)),
            create(execution(&ex("a2"), SM_A, 200)),
            create(execution(&ex("a3"), SM_A, 200)),
            create(express),
            create(execution(&ex("b2"), SM_B, 300)),
        ])
        .unwrap();
    store
        .apply(&[
            finish(&ex("a2"), RunStatus::Succeeded, 250),
            finish(&ex("b1"), RunStatus::Failed, 160),
        ])
        .unwrap();
}

fn executions_newest_first_with_filters(store: &dyn Store) {
    listing_fixture(store);
    let list = |machine: Option<&str>, status: Option<RunStatus>| {
        arns(
            &store
                .executions(&ExecutionQuery {
                    state_machine_arn: machine.map(str::to_owned),
                    status,
                    after: None,
                    limit: 100,
                })
                .unwrap(),
        )
    };
    let names = |names: &[&str]| names.iter().map(|n| ex(n)).collect::<Vec<_>>();

    assert_eq!(list(None, None), names(&["b2", "a3", "a2", "b1", "a1"]));
    assert_eq!(list(Some(SM_A), None), names(&["a3", "a2", "a1"]));
    assert_eq!(list(Some(SM_B), None), names(&["b2", "b1"]));
    assert_eq!(
        list(None, Some(RunStatus::Running)),
        names(&["b2", "a3", "a1"])
    );
    assert_eq!(list(None, Some(RunStatus::Succeeded)), names(&["a2"]));
    assert_eq!(list(None, Some(RunStatus::Failed)), names(&["b1"]));
    assert_eq!(list(None, Some(RunStatus::Aborted)), names(&[]));
    assert_eq!(
        list(Some(SM_A), Some(RunStatus::Running)),
        names(&["a3", "a1"])
    );
    assert_eq!(list(Some(SM_B), Some(RunStatus::Succeeded)), names(&[]));
    assert_eq!(list(Some("arn:unknown"), None), names(&[]));

    // The records are the full rows, in `newest_first` order.
    let all = all_executions(store);
    let mut sorted = all.clone();
    sorted.sort_by(newest_first);
    assert_eq!(all, sorted);
    for record in &all {
        assert_eq!(store.execution(&record.arn).unwrap().as_ref(), Some(record));
    }
    assert!(
        store
            .executions(&ExecutionQuery {
                limit: 0,
                ..ExecutionQuery::default()
            })
            .unwrap()
            .is_empty()
    );
}

fn executions_paging_with_after(store: &dyn Store) {
    listing_fixture(store);
    let page = |machine: Option<&str>, status: Option<RunStatus>, after: Option<&str>, limit| {
        arns(
            &store
                .executions(&ExecutionQuery {
                    state_machine_arn: machine.map(str::to_owned),
                    status,
                    after: after.map(str::to_owned),
                    limit,
                })
                .unwrap(),
        )
    };
    let names = |names: &[&str]| names.iter().map(|n| ex(n)).collect::<Vec<_>>();

    for (machine, status) in [
        (None, None),
        (Some(SM_A), None),
        (Some(SM_B), None),
        (None, Some(RunStatus::Running)),
        (Some(SM_A), Some(RunStatus::Running)),
    ] {
        let whole = page(machine, status, None, usize::MAX);
        for size in 1..=3 {
            let mut walked = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let next = page(machine, status, after.as_deref(), size);
                assert!(next.len() <= size);
                if next.is_empty() {
                    break;
                }
                after = next.last().cloned();
                walked.extend(next);
            }
            assert_eq!(walked, whole, "{machine:?} {status:?} pages of {size}");
        }
    }

    // Ties on start time continue by ARN, descending.
    assert_eq!(page(None, None, Some(&ex("a3")), 1), names(&["a2"]));
    // The cursor need not match the filter: listing continues after its position.
    assert_eq!(page(Some(SM_A), None, Some(&ex("b1")), 10), names(&["a1"]));
    assert_eq!(
        page(None, Some(RunStatus::Running), Some(&ex("a2")), 10),
        names(&["a1"])
    );
    // After the last one, and after an unknown execution: nothing.
    assert_eq!(page(None, None, Some(&ex("a1")), 10), names(&[]));
    assert_eq!(page(None, None, Some(&ex("nope")), 10), names(&[]));
    assert_eq!(page(None, None, Some(&ex("b2")), 0), names(&[]));
}

fn journal_in_seq_order(store: &dyn Store) {
    let e1 = ex("e1");
    let e2 = ex("e2");
    store
        .apply(&[
            create(execution(&e1, SM_A, 1)),
            create(execution(&e2, SM_A, 2)),
        ])
        .unwrap();
    store
        .apply(&[journaled(&e1, 0, 1..=2), journaled(&e2, 0, 1..=1)])
        .unwrap();
    store.apply(&[step(&e1, 3..=3)]).unwrap();
    store
        .apply(&[journaled(&e1, 1, 4..=4), journaled(&e1, 2, 5..=5)])
        .unwrap();
    store.apply(&[signal_only(&e1, 3)]).unwrap();
    assert_eq!(
        store.journal(&e1).unwrap(),
        vec![entry(0), entry(1), entry(2), entry(3)]
    );
    assert_eq!(store.journal(&e2).unwrap(), vec![entry(0)]);
    assert!(store.journal(&ex("nope")).unwrap().is_empty());
}

fn running_lists_only_running_standard_executions(store: &dyn Store) {
    let mut express = execution(&ex("x1"), SM_B, 4);
    express.workflow_type = WorkflowType::Express;
    store
        .apply(&[
            create(execution(&ex("r1"), SM_A, 1)),
            create(execution(&ex("r2"), SM_A, 2)),
            create(execution(&ex("r3"), SM_B, 3)),
            create(express),
            create(execution(&ex("f1"), SM_A, 5)),
        ])
        .unwrap();
    // Created after the others, yet older (r4), or as old with a smaller ARN (r0).
    store
        .apply(&[
            create(execution(&ex("r4"), SM_A, 0)),
            create(execution(&ex("r0"), SM_B, 3)),
        ])
        .unwrap();
    store
        .apply(&[
            step(&ex("r1"), 1..=2),
            finish(&ex("r2"), RunStatus::Succeeded, 10),
            finish(&ex("f1"), RunStatus::Aborted, 11),
        ])
        .unwrap();

    // Oldest first: by start time, then by ARN.
    let running = store.running().unwrap();
    assert_eq!(arns(&running), vec![ex("r4"), ex("r1"), ex("r0"), ex("r3")]);
    assert_eq!(running[1], store.execution(&ex("r1")).unwrap().unwrap());
    assert_eq!(running[1].event_count, 2);
    for record in &running {
        assert_eq!(store.execution(&record.arn).unwrap().as_ref(), Some(record));
    }

    store
        .apply(&[
            finish(&ex("r1"), RunStatus::Failed, 20),
            finish(&ex("r3"), RunStatus::TimedOut, 21),
        ])
        .unwrap();
    assert_eq!(arns(&store.running().unwrap()), vec![ex("r4"), ex("r0")]);
    store
        .apply(&[
            finish(&ex("r4"), RunStatus::Succeeded, 22),
            finish(&ex("r0"), RunStatus::Succeeded, 23),
        ])
        .unwrap();
    assert!(store.running().unwrap().is_empty());
}

fn duplicate_create_fails(store: &dyn Store) {
    let e1 = ex("e1");
    let first = execution(&e1, SM_A, 1);
    store
        .apply(&[create(first.clone()), step(&e1, 1..=1)])
        .unwrap();

    let mut second = execution(&e1, SM_B, 2);
    second.input = "{}".to_owned();
    let err = store.apply(&[create(second.clone())]).unwrap_err();
    assert!(
        matches!(&err, StoreError::ExecutionExists(a) if *a == e1),
        "{err:?}"
    );

    // The same execution twice in one batch.
    let e2 = ex("e2");
    let err = store
        .apply(&[
            Write::PutStateMachine(machine(SM_A)),
            create(execution(&e2, SM_A, 3)),
            create(execution(&e2, SM_A, 3)),
        ])
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::ExecutionExists(a) if *a == e2),
        "{err:?}"
    );

    // Nothing of either batch was applied; the first execution is untouched.
    assert_eq!(store.execution(&e2).unwrap(), None);
    assert_eq!(store.state_machine(SM_A).unwrap(), None);
    assert_eq!(
        store.execution(&e1).unwrap(),
        Some(ExecutionRecord {
            event_count: 1,
            ..first
        })
    );
    assert_eq!(store.events(&e1, forward(None, 10)).unwrap(), events(1..=1));
    assert_eq!(arns(&all_executions(store)), vec![e1]);
}

fn step_for_unknown_execution_fails(store: &dyn Store) {
    let nope = ex("nope");
    let err = store.apply(&[step(&nope, 1..=1)]).unwrap_err();
    assert!(
        matches!(&err, StoreError::NoSuchExecution(a) if *a == nope),
        "{err:?}"
    );
    let err = store
        .apply(&[finish(&nope, RunStatus::Aborted, 1)])
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::NoSuchExecution(a) if *a == nope),
        "{err:?}"
    );

    // A step before its execution's create, in the same batch, fails too.
    let e1 = ex("e1");
    let err = store
        .apply(&[step(&e1, 1..=1), create(execution(&e1, SM_A, 1))])
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::NoSuchExecution(a) if *a == e1),
        "{err:?}"
    );
    assert_eq!(store.execution(&e1).unwrap(), None);
    assert!(store.events(&nope, forward(None, 10)).unwrap().is_empty());
    assert!(store.journal(&nope).unwrap().is_empty());
    assert!(all_executions(store).is_empty());
}

fn out_of_order_events_fail(store: &dyn Store) {
    let e1 = ex("e1");
    store.apply(&[create(execution(&e1, SM_A, 1))]).unwrap();

    let out_of_order = |result: Result<(), StoreError>, last: u64, got: u64| match result {
        Err(StoreError::EventOutOfOrder {
            arn,
            last: l,
            got: g,
        }) => {
            assert_eq!((arn.as_str(), l, g), (e1.as_str(), last, got));
        }
        other => panic!("expected EventOutOfOrder, got {other:?}"),
    };

    out_of_order(store.apply(&[step(&e1, 2..=3)]), 0, 2);
    out_of_order(store.apply(&[step(&e1, 0..=1)]), 0, 0);
    out_of_order(
        store.apply(&[Write::AppendStep {
            execution_arn: e1.clone(),
            journal: None,
            events: vec![event(1), event(3)],
            outcome: None,
        }]),
        1,
        3,
    );
    store.apply(&[step(&e1, 1..=2)]).unwrap();
    out_of_order(store.apply(&[step(&e1, 2..=2)]), 2, 2);
    out_of_order(store.apply(&[step(&e1, 1..=3)]), 2, 1);
    out_of_order(store.apply(&[step(&e1, 4..=4)]), 2, 4);
    // Within one batch, the second step must follow the first.
    out_of_order(
        store.apply(&[journaled(&e1, 0, 3..=4), step(&e1, 4..=5)]),
        4,
        4,
    );
    // And a fresh execution in the batch starts from 1.
    let e2 = ex("e2");
    let err = store
        .apply(&[create(execution(&e2, SM_A, 2)), step(&e2, 2..=2)])
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::EventOutOfOrder { arn, last: 0, got: 2 } if *arn == e2),
        "{err:?}"
    );

    // None of the failing batches left anything.
    assert_eq!(store.events(&e1, forward(None, 10)).unwrap(), events(1..=2));
    assert!(store.journal(&e1).unwrap().is_empty());
    assert_eq!(store.execution(&e1).unwrap().unwrap().event_count, 2);
    assert_eq!(store.execution(&e2).unwrap(), None);
    store.apply(&[step(&e1, 3..=3)]).unwrap();
    assert_eq!(store.execution(&e1).unwrap().unwrap().event_count, 3);
}

fn failing_batch_leaves_nothing_applied(store: &dyn Store) {
    // The brief's example: the machine must not be created.
    let err = store
        .apply(&[
            Write::PutStateMachine(machine(SM_A)),
            step(&ex("nope"), 1..=1),
        ])
        .unwrap_err();
    assert!(matches!(err, StoreError::NoSuchExecution(_)), "{err:?}");
    assert_eq!(store.state_machine(SM_A).unwrap(), None);

    // A batch touching everything, failing at its last write.
    let e0 = ex("e0");
    store
        .apply(&[
            Write::PutStateMachine(tagged(SM_B, &[("keep", "me")])),
            create(execution(&e0, SM_B, 1)),
            journaled(&e0, 0, 1..=2),
        ])
        .unwrap();
    let machines_before = store.state_machines(None, usize::MAX).unwrap();
    let executions_before = all_executions(store);
    let err = store
        .apply(&[
            Write::PutStateMachine(machine(SM_A)),
            Write::PutStateMachine(tagged(SM_B, &[("changed", "yes")])),
            Write::DeleteStateMachine {
                arn: SM_B.to_owned(),
            },
            create(execution(&ex("e1"), SM_A, 2)),
            step(&ex("e1"), 1..=1),
            journaled(&e0, 1, 3..=5),
            finish(&e0, RunStatus::Succeeded, 9),
            step(&e0, 7..=7),
        ])
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::EventOutOfOrder {
                last: 5,
                got: 7,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        store.state_machines(None, usize::MAX).unwrap(),
        machines_before
    );
    assert_eq!(all_executions(store), executions_before);
    assert_eq!(store.execution(&ex("e1")).unwrap(), None);
    assert!(
        store
            .events(&ex("e1"), forward(None, 10))
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.events(&e0, forward(None, 10)).unwrap(), events(1..=2));
    assert_eq!(store.journal(&e0).unwrap(), vec![entry(0)]);
    assert_eq!(arns(&store.running().unwrap()), vec![e0]);
}

fn empty_batch_is_accepted(store: &dyn Store) {
    store.apply(&[]).unwrap();
    assert!(store.state_machines(None, 10).unwrap().is_empty());
    assert!(all_executions(store).is_empty());
    assert!(store.running().unwrap().is_empty());
}

fn numbers_round_trip_over_their_full_range(store: &dyn Store) {
    let e1 = ex("e1");
    let seeds = [u64::MAX, 0, 1, 1 << 63, i64::MAX as u64, (1 << 63) + 1];
    let ats = [i64::MIN, -1, 0, i64::MAX, 1_700_000_000_000, 42];
    let journal: Vec<JournalEntry> = seeds
        .iter()
        .zip(ats)
        .enumerate()
        .map(|(seq, (&seed, at))| JournalEntry {
            seq: seq as u64,
            at,
            seed,
            signal: format!("s{seq}"),
        })
        .collect();
    let mut record = execution(&e1, SM_A, i64::MIN);
    record.stopped = Some(i64::MAX);
    store.apply(&[create(record.clone())]).unwrap();
    assert_eq!(store.execution(&e1).unwrap(), Some(record));
    let steps: Vec<Write> = journal
        .iter()
        .map(|j| Write::AppendStep {
            execution_arn: e1.clone(),
            journal: Some(j.clone()),
            events: Vec::new(),
            outcome: None,
        })
        .collect();
    store.apply(&steps).unwrap();
    assert_eq!(store.journal(&e1).unwrap(), journal);

    let mut machine = machine(SM_A);
    machine.created = i64::MIN;
    machine.updated = Some(i64::MAX);
    store
        .apply(&[Write::PutStateMachine(machine.clone())])
        .unwrap();
    assert_eq!(store.state_machine(SM_A).unwrap(), Some(machine));

    // Negative and extreme start times still list newest first.
    let e2 = ex("e2");
    let e3 = ex("e3");
    store
        .apply(&[
            create(execution(&e2, SM_A, i64::MAX)),
            create(execution(&e3, SM_A, -5)),
        ])
        .unwrap();
    assert_eq!(
        arns(&all_executions(store)),
        vec![e2, e3.clone(), e1.clone()]
    );
    let after_e3 = store
        .executions(&ExecutionQuery {
            after: Some(e3),
            limit: 10,
            ..ExecutionQuery::default()
        })
        .unwrap();
    assert_eq!(arns(&after_e3), vec![e1]);
}

fn text_round_trips_exactly(store: &dyn Store) {
    let odd = "é ✓ 🚀 'quote' \"dq\" \\ back\nnew\tline\u{0}nul; DROP TABLE events; --";
    let arn = format!("{SM_A}:{odd}");
    let machine = StateMachineRecord {
        name: odd.to_owned(),
        definition: odd.to_owned(),
        description: odd.to_owned(),
        tags: vec![
            (odd.to_owned(), odd.to_owned()),
            (String::new(), String::new()),
            ("dup".to_owned(), "1".to_owned()),
            ("dup".to_owned(), "2".to_owned()),
        ],
        ..machine(&arn)
    };
    store
        .apply(&[Write::PutStateMachine(machine.clone())])
        .unwrap();
    assert_eq!(store.state_machine(&arn).unwrap(), Some(machine.clone()));
    assert_eq!(store.state_machines(None, 10).unwrap(), vec![machine]);

    let e1 = format!("{}:{odd}", ex("e1"));
    let record = ExecutionRecord {
        input: odd.to_owned(),
        output: Some(String::new()),
        error: Some(odd.to_owned()),
        cause: None,
        ..execution(&e1, &arn, 1)
    };
    store.apply(&[create(record.clone())]).unwrap();
    assert_eq!(store.execution(&e1).unwrap(), Some(record));
    let body = StoredEvent {
        id: 1,
        body: odd.to_owned(),
    };
    let signal = JournalEntry {
        signal: odd.to_owned(),
        ..entry(0)
    };
    store
        .apply(&[Write::AppendStep {
            execution_arn: e1.clone(),
            journal: Some(signal.clone()),
            events: vec![body.clone()],
            outcome: None,
        }])
        .unwrap();
    assert_eq!(store.events(&e1, forward(None, 10)).unwrap(), vec![body]);
    assert_eq!(store.journal(&e1).unwrap(), vec![signal]);
    let listed = store
        .executions(&ExecutionQuery {
            state_machine_arn: Some(arn),
            after: None,
            status: Some(RunStatus::Running),
            limit: 10,
        })
        .unwrap();
    assert_eq!(arns(&listed), vec![e1]);
}

// ---------------------------------------------------------------------------------------------
// SQLite only
// ---------------------------------------------------------------------------------------------

#[test]
fn sqlite_store_is_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<SqliteStore>();
    let _: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
}

#[test]
fn sqlite_file_uses_wal_and_schema_version_2() {
    let dir = TempDir::new("pragmas");
    let path = dir.db();
    let store = SqliteStore::open(&path).unwrap();
    store
        .apply(&[Write::PutStateMachine(machine(SM_A))])
        .unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
    drop(raw);
    drop(store);
    // Reopening an existing store keeps its data.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.state_machine(SM_A).unwrap(), Some(machine(SM_A)));
}

#[test]
fn sqlite_refuses_a_newer_schema() {
    let dir = TempDir::new("newer");
    let path = dir.db();
    drop(SqliteStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", 3).unwrap();
    drop(raw);
    match SqliteStore::open(&path) {
        Err(StoreError::Backend(message)) => assert!(message.contains('3'), "{message}"),
        other => panic!("expected a backend error, got {other:?}"),
    }
}

#[test]
fn sqlite_refuses_a_version_1_file_and_leaves_it_alone() {
    let dir = TempDir::new("v1");
    let path = dir.db();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // What the first SQLite store wrote: another layout, and version 1.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "CREATE TABLE events (execution_arn TEXT NOT NULL, id INTEGER NOT NULL, \
         body TEXT NOT NULL, PRIMARY KEY (execution_arn, id)) STRICT, WITHOUT ROWID; \
         INSERT INTO events VALUES ('arn:e1', 1, '{}'); \
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(raw);
    match SqliteStore::open(&path) {
        Err(StoreError::Backend(message)) => {
            assert!(message.contains("version is 1"), "{message}");
            assert!(message.contains("version 2"), "{message}");
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
    let events: i64 = raw
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(events, 1);
}

#[test]
fn sqlite_rejects_a_file_that_is_not_a_database() {
    let dir = TempDir::new("garbage");
    let path = dir.db();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Backend(_))
    ));
}

#[test]
fn sqlite_opens_in_an_existing_directory() {
    let dir = TempDir::new("bare");
    std::fs::create_dir_all(&dir.0).unwrap();
    let path = dir.0.join("plain.db");
    let store = SqliteStore::open(Path::new(&path)).unwrap();
    store
        .apply(&[create(execution(&ex("e1"), SM_A, 1))])
        .unwrap();
    assert!(store.execution(&ex("e1")).unwrap().is_some());
}

#[test]
fn sqlite_concurrent_writers_and_readers() {
    let dir = TempDir::new("concurrent");
    let store = Arc::new(SqliteStore::open(&dir.db()).unwrap());
    const WRITERS: usize = 4;
    const STEPS: u64 = 40;
    let mut handles = Vec::new();
    for w in 0..WRITERS {
        let store = Arc::clone(&store);
        handles.push(std::thread::spawn(move || {
            let arn = ex(&format!("w{w}"));
            store
                .apply(&[create(execution(&arn, SM_A, w as i64))])
                .unwrap();
            for n in 1..=STEPS {
                store.apply(&[journaled(&arn, n - 1, n..=n)]).unwrap();
            }
        }));
    }
    for _ in 0..2 {
        let store = Arc::clone(&store);
        handles.push(std::thread::spawn(move || {
            for _ in 0..100 {
                for w in 0..WRITERS {
                    let arn = ex(&format!("w{w}"));
                    // Whatever a reader sees is a whole batch: as many events as journal
                    // entries, and a record agreeing with both.
                    let journal = store.journal(&arn).unwrap();
                    let events = store.events(&arn, forward(None, usize::MAX)).unwrap();
                    assert!(events.len() >= journal.len());
                    let ids: Vec<u64> = events.iter().map(|e| e.id).collect();
                    assert_eq!(ids, (1..=events.len() as u64).collect::<Vec<_>>());
                }
                let _ = store.running().unwrap();
            }
        }));
    }
    for handle in handles {
        handle.join().unwrap();
    }
    for w in 0..WRITERS {
        let arn = ex(&format!("w{w}"));
        assert_eq!(store.execution(&arn).unwrap().unwrap().event_count, STEPS);
        assert_eq!(store.journal(&arn).unwrap().len() as u64, STEPS);
    }
    assert_eq!(store.running().unwrap().len(), WRITERS);
}

#[test]
fn sqlite_two_stores_on_one_file_see_each_other() {
    let dir = TempDir::new("two");
    let one = SqliteStore::open(&dir.db()).unwrap();
    let two = SqliteStore::open(&dir.db()).unwrap();
    one.apply(&[Write::PutStateMachine(machine(SM_A))]).unwrap();
    assert_eq!(two.state_machine(SM_A).unwrap(), Some(machine(SM_A)));
    two.apply(&[create(execution(&ex("e1"), SM_A, 1))]).unwrap();
    assert_eq!(arns(&one.running().unwrap()), vec![ex("e1")]);
}

// ---------------------------------------------------------------------------------------------
// Model test: random batches, identical results and reads
// ---------------------------------------------------------------------------------------------

const MACHINES: usize = 3;
const EXECUTIONS: usize = 5;

fn model_machine_arn(i: usize) -> String {
    format!("arn:aws:states:us-east-1:123456789012:stateMachine:m{i}")
}

fn model_execution_arn(i: usize) -> String {
    format!("arn:aws:states:us-east-1:123456789012:execution:x:e{i}")
}

const STATUSES: [RunStatus; 5] = [
    RunStatus::Running,
    RunStatus::Succeeded,
    RunStatus::Failed,
    RunStatus::TimedOut,
    RunStatus::Aborted,
];

/// A write with its ARNs and event ids still abstract.
#[derive(Debug, Clone)]
enum Op {
    Put {
        machine: usize,
        revision: u8,
        express: bool,
        updated: Option<i64>,
        tags: Vec<(u8, u8)>,
    },
    Delete {
        machine: usize,
    },
    Create {
        execution: usize,
        machine: usize,
        started: i64,
        express: bool,
        status: usize,
        event_count: u64,
    },
    Step {
        execution: usize,
        journal: Option<(i64, u64)>,
        events: u64,
        /// Shifts the first event id off its expected value (0 = in order).
        skew: i64,
        outcome: Option<(usize, bool, i64)>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (
            0..MACHINES,
            any::<u8>(),
            any::<bool>(),
            proptest::option::of(-3_i64..3),
            proptest::collection::vec((0_u8..4, any::<u8>()), 0..4),
        )
            .prop_map(|(machine, revision, express, updated, tags)| Op::Put {
                machine,
                revision,
                express,
                updated,
                tags,
            }),
        1 => (0..MACHINES).prop_map(|machine| Op::Delete { machine }),
        3 => (
            0..EXECUTIONS,
            0..MACHINES,
            0_i64..4,
            any::<bool>(),
            prop_oneof![4 => Just(0_usize), 1 => 0..STATUSES.len()],
            prop_oneof![4 => Just(0_u64), 1 => any::<u64>()],
        )
            .prop_map(|(execution, machine, started, express, status, event_count)| {
                Op::Create {
                    execution,
                    machine,
                    started,
                    express,
                    status,
                    event_count,
                }
            }),
        6 => (
            0..EXECUTIONS,
            proptest::option::of((any::<i64>(), any::<u64>())),
            0_u64..4,
            prop_oneof![8 => Just(0_i64), 1 => -2_i64..3],
            proptest::option::of((0..STATUSES.len(), any::<bool>(), 0_i64..100)),
        )
            .prop_map(|(execution, journal, events, skew, outcome)| Op::Step {
                execution,
                journal,
                events,
                skew,
                outcome,
            }),
    ]
}

/// Turns abstract ops into a batch, with event ids and journal positions that follow what
/// `reference` holds (plus what the batch adds before), unless an op asks for a skew.
fn concrete(reference: &dyn Store, ops: &[Op]) -> Vec<Write> {
    let mut last_event: HashMap<usize, u64> = HashMap::new();
    let mut next_seq: HashMap<usize, u64> = HashMap::new();
    ops.iter()
        .map(|op| match op {
            Op::Put {
                machine: m,
                revision,
                express,
                updated,
                tags,
            } => Write::PutStateMachine(StateMachineRecord {
                revision_id: format!("r{revision}"),
                workflow_type: if *express {
                    WorkflowType::Express
                } else {
                    WorkflowType::Standard
                },
                updated: *updated,
                tags: tags
                    .iter()
                    .map(|(k, v)| (format!("k{k}"), format!("v{v}")))
                    .collect(),
                ..machine(&model_machine_arn(*m))
            }),
            Op::Delete { machine: m } => Write::DeleteStateMachine {
                arn: model_machine_arn(*m),
            },
            Op::Create {
                execution: e,
                machine: m,
                started,
                express,
                status,
                event_count,
            } => {
                last_event.insert(*e, 0);
                next_seq.insert(*e, 0);
                Write::CreateExecution(ExecutionRecord {
                    workflow_type: if *express {
                        WorkflowType::Express
                    } else {
                        WorkflowType::Standard
                    },
                    status: STATUSES[*status],
                    event_count: *event_count,
                    ..execution(&model_execution_arn(*e), &model_machine_arn(*m), *started)
                })
            }
            Op::Step {
                execution: e,
                journal,
                events: count,
                skew,
                outcome,
            } => {
                let arn = model_execution_arn(*e);
                let last = *last_event.entry(*e).or_insert_with(|| {
                    reference
                        .events(&arn, backward(None, 1))
                        .unwrap()
                        .first()
                        .map_or(0, |e| e.id)
                });
                let seq = *next_seq
                    .entry(*e)
                    .or_insert_with(|| reference.journal(&arn).unwrap().len() as u64);
                let first = (last + 1).saturating_add_signed(*skew);
                let events: Vec<StoredEvent> = (first..first + count).map(event).collect();
                if let Some(event) = events.last() {
                    last_event.insert(*e, event.id);
                }
                if journal.is_some() {
                    next_seq.insert(*e, seq + 1);
                }
                Write::AppendStep {
                    execution_arn: arn,
                    journal: journal.map(|(at, seed)| JournalEntry {
                        seq,
                        at,
                        seed,
                        signal: format!("sig{seq}"),
                    }),
                    events,
                    outcome: outcome.map(|(status, with_output, stopped)| ExecutionOutcome {
                        status: STATUSES[status],
                        output: with_output.then(|| format!("out{stopped}")),
                        error: (!with_output).then(|| format!("err{stopped}")),
                        cause: None,
                        stopped,
                    }),
                }
            }
        })
        .collect()
}

/// Compares two results of `apply`: both fine, or both the same error.
fn same_outcome(a: &Result<(), StoreError>, b: &Result<(), StoreError>) -> Result<(), String> {
    match (a, b) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(x), Err(y)) if format!("{x:?}") == format!("{y:?}") => Ok(()),
        _ => Err(format!("apply differs: {a:?} vs {b:?}")),
    }
}

/// Every read the trait offers, over the model's ARNs, must agree.
fn same_reads(a: &dyn Store, b: &dyn Store, thorough: bool) -> Result<(), TestCaseError> {
    let machine_cursors: Vec<Option<String>> = std::iter::once(None)
        .chain((0..MACHINES).map(|i| Some(model_machine_arn(i))))
        .collect();
    for limit in [usize::MAX, 1, 2] {
        for after in &machine_cursors {
            prop_assert_eq!(
                a.state_machines(after.as_deref(), limit).unwrap(),
                b.state_machines(after.as_deref(), limit).unwrap()
            );
        }
    }
    for i in 0..MACHINES {
        let arn = model_machine_arn(i);
        prop_assert_eq!(
            a.state_machine(&arn).unwrap(),
            b.state_machine(&arn).unwrap()
        );
    }
    // Both list oldest first.
    let running = a.running().unwrap();
    prop_assert!(running.is_sorted_by(|x, y| newest_first(y, x).is_le()));
    prop_assert_eq!(running, b.running().unwrap());

    for i in 0..EXECUTIONS {
        let arn = model_execution_arn(i);
        prop_assert_eq!(a.execution(&arn).unwrap(), b.execution(&arn).unwrap());
        prop_assert_eq!(a.journal(&arn).unwrap(), b.journal(&arn).unwrap());
        let count = a.events(&arn, forward(None, usize::MAX)).unwrap().len() as u64;
        let afters: Vec<Option<u64>> = if thorough {
            std::iter::once(None)
                .chain((0..=count + 1).map(Some))
                .chain([Some(u64::MAX)])
                .collect()
        } else {
            vec![None]
        };
        for after in afters {
            for reverse in [false, true] {
                for limit in [usize::MAX, 2] {
                    let query = EventQuery {
                        after,
                        reverse,
                        limit,
                    };
                    prop_assert_eq!(
                        a.events(&arn, query).unwrap(),
                        b.events(&arn, query).unwrap()
                    );
                }
            }
        }
    }

    let machine_filters: Vec<Option<String>> = std::iter::once(None)
        .chain((0..MACHINES).map(|i| Some(model_machine_arn(i))))
        .collect();
    let status_filters: Vec<Option<RunStatus>> = std::iter::once(None)
        .chain(STATUSES.iter().copied().map(Some))
        .collect();
    let execution_cursors: Vec<Option<String>> = std::iter::once(None)
        .chain((0..EXECUTIONS).map(|i| Some(model_execution_arn(i))))
        .collect();
    for state_machine_arn in &machine_filters {
        for status in &status_filters {
            let cursors = if thorough {
                &execution_cursors[..]
            } else {
                &execution_cursors[..1]
            };
            for after in cursors {
                for limit in [usize::MAX, 2] {
                    let query = ExecutionQuery {
                        state_machine_arn: state_machine_arn.clone(),
                        status: *status,
                        after: after.clone(),
                        limit,
                    };
                    prop_assert_eq!(a.executions(&query).unwrap(), b.executions(&query).unwrap());
                }
            }
        }
    }
    Ok(())
}

fn run_model(batches: &[Vec<Op>], other: &dyn Store) -> Result<(), TestCaseError> {
    let reference = MemoryStore::new();
    for ops in batches {
        let writes = concrete(&reference, ops);
        let expected = reference.apply(&writes);
        let got = other.apply(&writes);
        same_outcome(&expected, &got).map_err(TestCaseError::fail)?;
        same_reads(&reference, other, false)?;
    }
    same_reads(&reference, other, true)
}

fn batches() -> impl Strategy<Value = Vec<Vec<Op>>> {
    proptest::collection::vec(proptest::collection::vec(op(), 1..5), 1..25)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn sqlite_in_memory_reads_like_memory_store(batches in batches()) {
        let store = SqliteStore::open_in_memory().unwrap();
        run_model(&batches, &store)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn sqlite_file_reads_like_memory_store(batches in batches()) {
        let dir = TempDir::new("model");
        let store = SqliteStore::open(&dir.db()).unwrap();
        run_model(&batches, &store)?;
    }
}

fn activity(arn: &str, tags: &[(&str, &str)]) -> ActivityRecord {
    ActivityRecord {
        arn: arn.to_owned(),
        name: arn.rsplit(':').next().unwrap().to_owned(),
        created: 1_700_000_000_123,
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

fn activities_put_get_list_delete(store: &dyn Store) {
    let a = "arn:aws:states:us-east-1:123456789012:activity:a";
    let b = "arn:aws:states:us-east-1:123456789012:activity:b";
    let c = "arn:aws:states:us-east-1:123456789012:activity:c";
    store
        .apply(&[
            Write::PutActivity(activity(b, &[("team", "x"), ("env", "dev")])),
            Write::PutActivity(activity(a, &[])),
            Write::PutActivity(activity(c, &[])),
        ])
        .unwrap();
    assert_eq!(
        store.activity(b).unwrap(),
        Some(activity(b, &[("team", "x"), ("env", "dev")]))
    );
    assert_eq!(store.activity("arn:nope").unwrap(), None);
    let page: Vec<String> = store
        .activities(None, 2)
        .unwrap()
        .into_iter()
        .map(|r| r.arn)
        .collect();
    assert_eq!(page, [a, b]);
    let rest: Vec<String> = store
        .activities(Some(b), 10)
        .unwrap()
        .into_iter()
        .map(|r| r.arn)
        .collect();
    assert_eq!(rest, [c]);
    // Replacing keeps one record with the new tags; deleting removes it and its tags.
    store
        .apply(&[Write::PutActivity(activity(b, &[("team", "y")]))])
        .unwrap();
    assert_eq!(
        store.activity(b).unwrap(),
        Some(activity(b, &[("team", "y")]))
    );
    store
        .apply(&[Write::DeleteActivity { arn: b.to_owned() }])
        .unwrap();
    assert_eq!(store.activity(b).unwrap(), None);
    store
        .apply(&[Write::PutActivity(activity(b, &[]))])
        .unwrap();
    assert_eq!(store.activity(b).unwrap(), Some(activity(b, &[])));
    // Activities and state machines are apart.
    assert!(store.state_machines(None, 10).unwrap().is_empty());
}
