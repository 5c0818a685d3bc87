//! The embedded SQLite store: one database file (WAL journal, `synchronous=FULL`) holding state
//! machines, executions, their history events and their journals. Owns the schema, its version
//! (`PRAGMA user_version`) and the mapping between the store's records and SQLite rows.
//!
//! Behaviour is [`MemoryStore`](crate::memory::MemoryStore)'s (the conformance suite in
//! `tests/store_suite.rs` runs the same checks against both), except where the trait leaves it
//! open: [`Store::running`] lists oldest first (the in-memory store, in hash order), and a
//! journal entry whose `seq` its execution already has fails the batch with a backend error (the
//! in-memory store keeps both and returns the journal in append order, not `seq` order).
//!
//! Writes go through one connection behind a mutex, each [`Store::apply`] batch in one
//! `BEGIN IMMEDIATE` transaction. A file-backed store reads through a second connection so that
//! reads never wait for a write in progress (WAL lets readers and the writer run together).
//!
//! Unsigned numbers (event ids, counts, journal positions, seeds) are stored as the `i64` with
//! the same bit pattern, so every `u64` round-trips.

use crate::{
    EventQuery, ExecutionOutcome, ExecutionQuery, ExecutionRecord, JournalEntry, RunStatus,
    StateMachineRecord, Store, StoreError, StoredEvent, WorkflowType, Write,
};
use rusqlite::types::Type;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Row, Transaction, TransactionBehavior, params,
};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The schema version this code reads and writes.
const SCHEMA_VERSION: i64 = 1;

/// How long a connection waits for another one's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many prepared statements each connection keeps.
const STATEMENT_CACHE: usize = 64;

/// Schema version 1.
const SCHEMA: &str = "
CREATE TABLE state_machines (
    arn TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    workflow_type TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER,
    revision_id TEXT NOT NULL,
    description TEXT NOT NULL,
    logging_configuration TEXT NOT NULL,
    tracing_configuration TEXT NOT NULL
) STRICT;

CREATE TABLE state_machine_tags (
    state_machine_arn TEXT NOT NULL,
    pos INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (state_machine_arn, pos)
) STRICT, WITHOUT ROWID;

CREATE TABLE executions (
    arn TEXT NOT NULL PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    workflow_type TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    started INTEGER NOT NULL,
    stopped INTEGER,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    event_count INTEGER NOT NULL
) STRICT;

CREATE INDEX executions_newest
    ON executions (started DESC, arn DESC);
CREATE INDEX executions_by_machine
    ON executions (state_machine_arn, started DESC, arn DESC);
CREATE INDEX executions_by_status
    ON executions (status, started DESC, arn DESC);
CREATE INDEX executions_by_machine_status
    ON executions (state_machine_arn, status, started DESC, arn DESC);

CREATE TABLE events (
    execution_arn TEXT NOT NULL,
    id INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE journal (
    execution_arn TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    signal TEXT NOT NULL,
    PRIMARY KEY (execution_arn, seq)
) STRICT, WITHOUT ROWID;
";

/// The state machine columns, in the order [`machine_from_row`] reads them.
const MACHINE_COLUMNS: &str = "m.arn, m.name, m.definition, m.role_arn, m.workflow_type, \
     m.created, m.updated, m.revision_id, m.description, m.logging_configuration, \
     m.tracing_configuration";

/// The execution columns, in the order [`execution_from_row`] reads them.
const EXECUTION_COLUMNS: &str = "arn, state_machine_arn, name, workflow_type, status, input, \
     output, error, cause, started, stopped, definition, role_arn, revision_id, event_count";

/// A [`Store`] in an SQLite database file.
#[derive(Debug)]
pub struct SqliteStore {
    /// The connection every write goes through.
    writer: Mutex<Connection>,
    /// The connection reads go through; `None` when reads share the writer (in-memory database).
    reader: Option<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating it and its directory when missing) the store in the file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Backend(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let mut writer = Connection::open(path).map_err(backend)?;
        configure(&writer)?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "cannot use a write-ahead log for {} (journal mode stays {mode})",
                path.display()
            )));
        }
        migrate(&mut writer)?;
        let reader = Connection::open(path).map_err(backend)?;
        configure(&reader)?;
        reader
            .pragma_update(None, "query_only", true)
            .map_err(backend)?;
        Ok(Self {
            writer: Mutex::new(writer),
            reader: Some(Mutex::new(reader)),
        })
    }

    /// A store in a private in-memory database, gone when dropped (for tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let mut writer = Connection::open_in_memory().map_err(backend)?;
        configure(&writer)?;
        migrate(&mut writer)?;
        Ok(Self {
            writer: Mutex::new(writer),
            reader: None,
        })
    }

    /// The connection reads go through.
    fn read(&self) -> MutexGuard<'_, Connection> {
        lock(self.reader.as_ref().unwrap_or(&self.writer))
    }
}

/// Locks a connection. A panic while holding it cannot leave a half-applied batch (the open
/// transaction rolls back when dropped during unwinding), so a poisoned lock is still usable.
fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    connection.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Per-connection settings.
fn configure(connection: &Connection) -> Result<(), StoreError> {
    connection.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(backend)?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Creates the schema in a new database, or checks an existing one's version.
fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(backend)?;
    match version {
        0 => {
            tx.execute_batch(SCHEMA).map_err(backend)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(backend)?;
        }
        SCHEMA_VERSION => {}
        _ => {
            return Err(StoreError::Backend(format!(
                "the store's schema version is {version}; this Baton knows version \
                 {SCHEMA_VERSION} (is the file from a newer Baton?)"
            )));
        }
    }
    tx.commit().map_err(backend)
}

/// Maps an SQLite error: a full disk is [`StoreError::DiskFull`], anything else a backend error.
fn backend(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::DiskFull,
        _ => StoreError::Backend(error.to_string()),
    }
}

/// A `LIMIT` value for `limit` (SQLite limits are signed).
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A column that held text the store never writes.
fn bad_column(index: usize, what: &str, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        Type::Text,
        Box::new(StoreError::Backend(format!("unknown {what} {text:?}"))),
    )
}

/// Reads a workflow type column.
fn workflow_type_at(row: &Row<'_>, index: usize) -> rusqlite::Result<WorkflowType> {
    let text: String = row.get(index)?;
    WorkflowType::parse(&text).ok_or_else(|| bad_column(index, "workflow type", &text))
}

/// Reads a status column.
fn status_at(row: &Row<'_>, index: usize) -> rusqlite::Result<RunStatus> {
    let text: String = row.get(index)?;
    RunStatus::parse(&text).ok_or_else(|| bad_column(index, "execution status", &text))
}

/// Reads a state machine (without its tags) from [`MACHINE_COLUMNS`].
fn machine_from_row(row: &Row<'_>) -> rusqlite::Result<StateMachineRecord> {
    Ok(StateMachineRecord {
        arn: row.get(0)?,
        name: row.get(1)?,
        definition: row.get(2)?,
        role_arn: row.get(3)?,
        workflow_type: workflow_type_at(row, 4)?,
        created: row.get(5)?,
        updated: row.get(6)?,
        revision_id: row.get(7)?,
        description: row.get(8)?,
        logging_configuration: row.get(9)?,
        tracing_configuration: row.get(10)?,
        tags: Vec::new(),
    })
}

/// Reads state machines from rows of [`MACHINE_COLUMNS`] followed by a tag's key and value
/// (both NULL for a machine without tags), ordered by ARN then tag position.
fn machines_with_tags(
    statement: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<StateMachineRecord>> {
    let mut machines: Vec<StateMachineRecord> = Vec::new();
    let mut rows = statement.query(params)?;
    while let Some(row) = rows.next()? {
        let arn: String = row.get(0)?;
        let tag: Option<(String, String)> = match row.get::<_, Option<String>>(11)? {
            Some(key) => Some((key, row.get(12)?)),
            None => None,
        };
        match machines.last_mut() {
            Some(machine) if machine.arn == arn => machine.tags.extend(tag),
            _ => {
                let mut machine = machine_from_row(row)?;
                machine.tags.extend(tag);
                machines.push(machine);
            }
        }
    }
    Ok(machines)
}

/// Reads an execution from [`EXECUTION_COLUMNS`].
fn execution_from_row(row: &Row<'_>) -> rusqlite::Result<ExecutionRecord> {
    Ok(ExecutionRecord {
        arn: row.get(0)?,
        state_machine_arn: row.get(1)?,
        name: row.get(2)?,
        workflow_type: workflow_type_at(row, 3)?,
        status: status_at(row, 4)?,
        input: row.get(5)?,
        output: row.get(6)?,
        error: row.get(7)?,
        cause: row.get(8)?,
        started: row.get(9)?,
        stopped: row.get(10)?,
        definition: row.get(11)?,
        role_arn: row.get(12)?,
        revision_id: row.get(13)?,
        event_count: row.get::<_, i64>(14)? as u64,
    })
}

/// The query listing executions newest first, with the filters and cursor asked for.
///
/// Parameters: `?1` state machine ARN, `?2` status, `?3` and `?4` the cursor's start time and
/// ARN, `?5` the limit; those a variant does not use are bound to NULL.
fn executions_sql(by_machine: bool, by_status: bool, after: bool) -> String {
    let mut sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE 1");
    if by_machine {
        sql.push_str(" AND state_machine_arn = ?1");
    }
    if by_status {
        sql.push_str(" AND status = ?2");
    }
    if after {
        sql.push_str(" AND (started, arn) < (?3, ?4)");
    }
    sql.push_str(" ORDER BY started DESC, arn DESC LIMIT ?5");
    sql
}

/// The query listing every running STANDARD execution, oldest first (through
/// `executions_by_status`).
const RUNNING_SQL: &str = "SELECT arn, state_machine_arn, name, workflow_type, status, input, \
     output, error, cause, started, stopped, definition, role_arn, revision_id, event_count \
     FROM executions WHERE status = 'RUNNING' AND workflow_type = 'STANDARD' \
     ORDER BY started, arn";

/// Writes one change inside the batch's transaction. `counts` holds the event count of every
/// execution the batch already touched.
fn apply_one<'w>(
    tx: &Transaction<'_>,
    write: &'w Write,
    counts: &mut HashMap<&'w str, u64>,
) -> Result<(), StoreError> {
    match write {
        Write::PutStateMachine(machine) => put_machine(tx, machine).map_err(backend),
        Write::DeleteStateMachine { arn } => {
            tx.prepare_cached("DELETE FROM state_machines WHERE arn = ?1")
                .and_then(|mut s| s.execute([arn]))
                .map_err(backend)?;
            tx.prepare_cached("DELETE FROM state_machine_tags WHERE state_machine_arn = ?1")
                .and_then(|mut s| s.execute([arn]))
                .map_err(backend)?;
            Ok(())
        }
        Write::CreateExecution(record) => {
            create_execution(tx, record).map_err(|e| match e.sqlite_error_code() {
                // The primary key is the only constraint a record can break.
                Some(ErrorCode::ConstraintViolation) => {
                    StoreError::ExecutionExists(record.arn.clone())
                }
                _ => backend(e),
            })?;
            counts.insert(&record.arn, 0);
            Ok(())
        }
        Write::AppendStep {
            execution_arn,
            journal,
            events,
            outcome,
        } => {
            let last = match counts.get(execution_arn.as_str()) {
                Some(count) => *count,
                None => stored_event_count(tx, execution_arn)?
                    .ok_or_else(|| StoreError::NoSuchExecution(execution_arn.clone()))?,
            };
            let mut next = last;
            for event in events {
                if event.id != next.wrapping_add(1) {
                    return Err(StoreError::EventOutOfOrder {
                        arn: execution_arn.clone(),
                        last: next,
                        got: event.id,
                    });
                }
                next = event.id;
            }
            append_step(
                tx,
                execution_arn,
                journal.as_ref(),
                events,
                outcome.as_ref(),
                next,
            )?;
            counts.insert(execution_arn, next);
            Ok(())
        }
    }
}

/// Creates or replaces a state machine and its tags.
fn put_machine(tx: &Transaction<'_>, machine: &StateMachineRecord) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO state_machines (arn, name, definition, role_arn, workflow_type, \
         created, updated, revision_id, description, logging_configuration, \
         tracing_configuration) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        machine.arn,
        machine.name,
        machine.definition,
        machine.role_arn,
        machine.workflow_type.as_str(),
        machine.created,
        machine.updated,
        machine.revision_id,
        machine.description,
        machine.logging_configuration,
        machine.tracing_configuration,
    ])?;
    tx.prepare_cached("DELETE FROM state_machine_tags WHERE state_machine_arn = ?1")?
        .execute([&machine.arn])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO state_machine_tags (state_machine_arn, pos, key, value) \
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (pos, (key, value)) in (0_i64..).zip(&machine.tags) {
        insert.execute(params![machine.arn, pos, key, value])?;
    }
    Ok(())
}

/// Inserts a new execution row.
fn create_execution(tx: &Transaction<'_>, record: &ExecutionRecord) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO executions (arn, state_machine_arn, name, workflow_type, status, input, \
         output, error, cause, started, stopped, definition, role_arn, revision_id, \
         event_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        record.arn,
        record.state_machine_arn,
        record.name,
        record.workflow_type.as_str(),
        record.status.as_str(),
        record.input,
        record.output,
        record.error,
        record.cause,
        record.started,
        record.stopped,
        record.definition,
        record.role_arn,
        record.revision_id,
        record.event_count as i64,
    ])?;
    Ok(())
}

/// How many events an execution has stored (its last event id), `None` when it does not exist.
///
/// Counted from the events themselves, like the in-memory store, rather than read from the
/// record's `event_count`, which a new execution's record may carry with any value.
fn stored_event_count(tx: &Transaction<'_>, arn: &str) -> Result<Option<u64>, StoreError> {
    let last: Option<Option<i64>> = tx
        .prepare_cached(
            "SELECT (SELECT MAX(id) FROM events WHERE execution_arn = ?1) \
             FROM executions WHERE arn = ?1",
        )
        .and_then(|mut s| s.query_row([arn], |row| row.get(0)).optional())
        .map_err(backend)?;
    Ok(last.map(|id| id.map_or(0, |id| id as u64)))
}

/// Writes an execution's step: its journal entry, its events, its new event count and outcome.
fn append_step(
    tx: &Transaction<'_>,
    arn: &str,
    journal: Option<&JournalEntry>,
    events: &[StoredEvent],
    outcome: Option<&ExecutionOutcome>,
    event_count: u64,
) -> Result<(), StoreError> {
    if let Some(entry) = journal {
        tx.prepare_cached(
            "INSERT INTO journal (execution_arn, seq, at, seed, signal) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| {
            s.execute(params![
                arn,
                entry.seq as i64,
                entry.at,
                entry.seed as i64,
                entry.signal,
            ])
        })
        .map_err(|e| match e.sqlite_error_code() {
            Some(ErrorCode::ConstraintViolation) => StoreError::Backend(format!(
                "execution {arn}: journal entry {} already exists",
                entry.seq
            )),
            _ => backend(e),
        })?;
    }
    if !events.is_empty() {
        let mut insert = tx
            .prepare_cached("INSERT INTO events (execution_arn, id, body) VALUES (?1, ?2, ?3)")
            .map_err(backend)?;
        for event in events {
            insert
                .execute(params![arn, event.id as i64, event.body])
                .map_err(backend)?;
        }
    }
    let count = event_count as i64;
    match outcome {
        Some(outcome) => tx
            .prepare_cached(
                "UPDATE executions SET event_count = ?2, status = ?3, output = ?4, error = ?5, \
                 cause = ?6, stopped = ?7 WHERE arn = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    arn,
                    count,
                    outcome.status.as_str(),
                    outcome.output,
                    outcome.error,
                    outcome.cause,
                    outcome.stopped,
                ])
            }),
        None => tx
            .prepare_cached("UPDATE executions SET event_count = ?2 WHERE arn = ?1")
            .and_then(|mut s| s.execute(params![arn, count])),
    }
    .map_err(backend)?;
    Ok(())
}

impl Store for SqliteStore {
    fn apply(&self, writes: &[Write]) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        let mut connection = lock(&self.writer);
        // Dropping the transaction without committing (on any error below) rolls it back.
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let mut counts = HashMap::new();
        for write in writes {
            apply_one(&tx, write, &mut counts)?;
        }
        tx.commit().map_err(backend)
    }

    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, StoreError> {
        let connection = self.read();
        let sql = format!(
            "SELECT {MACHINE_COLUMNS}, t.key, t.value FROM state_machines m \
             LEFT JOIN state_machine_tags t ON t.state_machine_arn = m.arn \
             WHERE m.arn = ?1 ORDER BY t.pos"
        );
        let mut statement = connection.prepare_cached(&sql).map_err(backend)?;
        let machines = machines_with_tags(&mut statement, [arn]).map_err(backend)?;
        Ok(machines.into_iter().next())
    }

    fn state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>, StoreError> {
        let connection = self.read();
        let page = match after {
            Some(_) => "SELECT * FROM state_machines WHERE arn > ?1 ORDER BY arn LIMIT ?2",
            None => "SELECT * FROM state_machines WHERE ?1 IS NULL ORDER BY arn LIMIT ?2",
        };
        let sql = format!(
            "SELECT {MACHINE_COLUMNS}, t.key, t.value FROM ({page}) m \
             LEFT JOIN state_machine_tags t ON t.state_machine_arn = m.arn \
             ORDER BY m.arn, t.pos"
        );
        let mut statement = connection.prepare_cached(&sql).map_err(backend)?;
        machines_with_tags(&mut statement, params![after, sql_limit(limit)]).map_err(backend)
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        let connection = self.read();
        let sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE arn = ?1");
        connection
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([arn], execution_from_row).optional())
            .map_err(backend)
    }

    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRecord>, StoreError> {
        let connection = self.read();
        // An execution's start time and ARN never change, so the cursor needs no transaction
        // shared with the listing.
        let cursor: Option<(i64, &str)> = match &query.after {
            Some(after) => {
                let started = connection
                    .prepare_cached("SELECT started FROM executions WHERE arn = ?1")
                    .and_then(|mut s| s.query_row([after], |row| row.get(0)).optional())
                    .map_err(backend)?;
                match started {
                    Some(started) => Some((started, after.as_str())),
                    // Like the in-memory store: an unknown cursor is past the end.
                    None => return Ok(Vec::new()),
                }
            }
            None => None,
        };
        let sql = executions_sql(
            query.state_machine_arn.is_some(),
            query.status.is_some(),
            cursor.is_some(),
        );
        let mut statement = connection.prepare_cached(&sql).map_err(backend)?;
        let rows = statement
            .query_map(
                params![
                    query.state_machine_arn,
                    query.status.map(RunStatus::as_str),
                    cursor.map(|c| c.0),
                    cursor.map(|c| c.1),
                    sql_limit(query.limit),
                ],
                execution_from_row,
            )
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }

    fn events(&self, arn: &str, query: EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        // Stored ids never exceed i64::MAX: reading forward after a larger one finds nothing,
        // reading backward before one finds everything.
        let after = match query.after.map(i64::try_from) {
            Some(Ok(after)) => Some(after),
            Some(Err(_)) if query.reverse => None,
            Some(Err(_)) => return Ok(Vec::new()),
            None => None,
        };
        let sql = match (query.reverse, after.is_some()) {
            (false, false) => {
                "SELECT id, body FROM events WHERE execution_arn = ?1 AND ?2 IS NULL \
                 ORDER BY id LIMIT ?3"
            }
            (false, true) => {
                "SELECT id, body FROM events WHERE execution_arn = ?1 AND id > ?2 \
                 ORDER BY id LIMIT ?3"
            }
            (true, false) => {
                "SELECT id, body FROM events WHERE execution_arn = ?1 AND ?2 IS NULL \
                 ORDER BY id DESC LIMIT ?3"
            }
            (true, true) => {
                "SELECT id, body FROM events WHERE execution_arn = ?1 AND id < ?2 \
                 ORDER BY id DESC LIMIT ?3"
            }
        };
        let connection = self.read();
        let mut statement = connection.prepare_cached(sql).map_err(backend)?;
        let rows = statement
            .query_map(params![arn, after, sql_limit(query.limit)], |row| {
                Ok(StoredEvent {
                    id: row.get::<_, i64>(0)? as u64,
                    body: row.get(1)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }

    fn journal(&self, arn: &str) -> Result<Vec<JournalEntry>, StoreError> {
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(
                "SELECT seq, at, seed, signal FROM journal WHERE execution_arn = ?1 ORDER BY seq",
            )
            .map_err(backend)?;
        let rows = statement
            .query_map([arn], |row| {
                Ok(JournalEntry {
                    seq: row.get::<_, i64>(0)? as u64,
                    at: row.get(1)?,
                    seed: row.get::<_, i64>(2)? as u64,
                    signal: row.get(3)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }

    fn running(&self) -> Result<Vec<ExecutionRecord>, StoreError> {
        let connection = self.read();
        let mut statement = connection.prepare_cached(RUNNING_SQL).map_err(backend)?;
        let rows = statement
            .query_map([], execution_from_row)
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use rusqlite::types::Value;

    /// The query plan of `sql`, one line per step.
    fn plan(connection: &Connection, sql: &str) -> Vec<String> {
        let mut statement = connection
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let count = statement.parameter_count();
        let params: Vec<Value> = vec![Value::Null; count];
        statement
            .query_map(rusqlite::params_from_iter(params), |row| {
                row.get::<_, String>(3)
            })
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
    }

    #[test]
    fn listings_use_indexes_without_sorting() {
        let store = SqliteStore::open_in_memory().unwrap();
        let connection = lock(&store.writer);
        let mut queries = vec![RUNNING_SQL.to_owned()];
        for machine in [false, true] {
            for status in [false, true] {
                for after in [false, true] {
                    queries.push(executions_sql(machine, status, after));
                }
            }
        }
        for sql in queries {
            let steps = plan(&connection, &sql);
            assert!(
                steps.iter().any(|s| s.contains("USING INDEX executions_")),
                "{sql}: {steps:?}"
            );
            assert!(
                !steps.iter().any(|s| s.contains("TEMP B-TREE")),
                "{sql}: {steps:?}"
            );
        }
    }

    /// Fills the database up to its page limit with one batch: SQLite reports SQLITE_FULL.
    fn fill_up(store: &SqliteStore) {
        let pages: i64 = lock(&store.writer)
            .query_row("PRAGMA page_count", [], |row| row.get(0))
            .unwrap();
        let _: i64 = lock(&store.writer)
            .query_row(
                &format!("PRAGMA max_page_count = {}", pages + 4),
                [],
                |row| row.get(0),
            )
            .unwrap();
        let arn = "arn:aws:states:us-east-1:123456789012:execution:m:big";
        let record = ExecutionRecord {
            arn: arn.to_owned(),
            state_machine_arn: "arn:sm".to_owned(),
            name: "big".to_owned(),
            workflow_type: WorkflowType::Standard,
            status: RunStatus::Running,
            input: "{}".to_owned(),
            output: None,
            error: None,
            cause: None,
            started: 1,
            stopped: None,
            definition: "{}".to_owned(),
            role_arn: "role".to_owned(),
            revision_id: "r".to_owned(),
            event_count: 0,
        };
        let big = StoredEvent {
            id: 1,
            body: "x".repeat(1 << 20),
        };
        let result = store.apply(&[
            Write::CreateExecution(record.clone()),
            Write::AppendStep {
                execution_arn: arn.to_owned(),
                journal: None,
                events: vec![big],
                outcome: None,
            },
        ]);
        assert!(matches!(result, Err(StoreError::DiskFull)), "{result:?}");
        assert_eq!(store.execution(arn).unwrap(), None);
        assert!(store.running().unwrap().is_empty());

        // Once there is room again, the store works on.
        let _: i64 = lock(&store.writer)
            .query_row("PRAGMA max_page_count = 1000000", [], |row| row.get(0))
            .unwrap();
        store
            .apply(&[Write::CreateExecution(record.clone())])
            .unwrap();
        assert_eq!(store.execution(arn).unwrap(), Some(record));
    }

    #[test]
    fn a_full_disk_is_disk_full_and_applies_nothing_in_memory() {
        fill_up(&SqliteStore::open_in_memory().unwrap());
    }

    #[test]
    fn a_full_disk_is_disk_full_and_applies_nothing_in_a_file() {
        let dir =
            std::env::temp_dir().join(format!("baton-store-unit-full-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        fill_up(&SqliteStore::open(&dir.join("baton.db")).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
