//! The embedded SQLite store: one database file (WAL journal, `synchronous=FULL`) holding state
//! machines, executions, their history events and their journals. Owns the schema, its version
//! (`PRAGMA user_version`) and the mapping between the store's records and SQLite rows.
//!
//! Behaviour is [`MemoryStore`](crate::memory::MemoryStore)'s (the conformance suite in
//! `tests/store_suite.rs` runs the same checks against both), except where the trait leaves it
//! open: a journal entry whose `seq` its execution already has fails the batch with a backend
//! error (the in-memory store keeps both and returns the journal in append order, not `seq`
//! order).
//!
//! Layout (schema version 2), shaped for cheap group commits:
//!
//! - an execution row has an integer id, which its events and journal are keyed by (the ARN is
//!   stored once, in the execution row and its unique index);
//! - definitions are stored once each (`definitions`, found by a hash of their text) and
//!   executions refer to theirs by id;
//! - the events one batch adds to an execution are stored together, as one `event_chunks` row
//!   (several when they are large) holding their bodies joined by `'\n'`; a chunk with a body
//!   that contains a newline has its bodies escaped (`\` and newline written as `\\` and `\n`)
//!   and says so. Reading a page of events reads the chunks it overlaps and slices them;
//! - a batch's changes to an execution's row are gathered and written once, when the batch
//!   ends: an execution started and finished by one batch is inserted finished.
//!
//! A file of schema version 1 (the first layout, before any release) is refused with an error
//! saying so; it is not converted.
//!
//! Writes go through one connection behind a mutex, each [`Store::apply`] batch in one
//! `BEGIN IMMEDIATE` transaction. A file-backed store reads through a second connection so that
//! reads never wait for a write in progress (WAL lets readers and the writer run together), and
//! checkpoints the WAL from a thread of its own, on a third connection, so that commits do not
//! copy the log into the database: a passive checkpoint about every second, or as soon as a
//! commit leaves 16 MiB of the log not yet copied. What was committed while it ran, the writer
//! copies after its next commit (a short pass), so that the log is copied to its end and SQLite
//! starts it over instead of growing it; should it still hold more than 64 MiB (a reader kept it
//! in use), the thread truncates it. The thread stops when the store is dropped. Connections
//! keep a 64 MiB page cache, read the file through a memory map and keep temporary data in
//! memory.
//!
//! Unsigned numbers (event ids, counts, journal positions, seeds) are stored as the `i64` with
//! the same bit pattern, so every `u64` round-trips.

use crate::{
    ActivityRecord, EventQuery, ExecutionOutcome, ExecutionQuery, ExecutionRecord, JournalEntry,
    RunStatus, StateMachineRecord, Store, StoreError, StoredEvent, WorkflowType, Write,
};
use rusqlite::hooks::Wal;
use rusqlite::types::Type;
use rusqlite::wal::CheckpointMode;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Row, Transaction, TransactionBehavior, params,
};
use std::collections::HashMap;
use std::ffi::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// The schema version this code reads and writes.
const SCHEMA_VERSION: i64 = 2;

/// How long a connection waits for another one's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many prepared statements each connection keeps.
const STATEMENT_CACHE: usize = 64;

/// Page cache of the writer and the reader, in KiB (`cache_size` takes it negated). Kept small:
/// every commit walks the writer's page-cache hash table (`pcache1TruncateUnsafe`), which at
/// 64 MiB took 15% of the commit thread; reads go through the memory map.
const CACHE_KIB: i64 = 4 * 1024;

/// How much of the database file a connection reads through a memory map, in bytes.
const MMAP_BYTES: i64 = 256 << 20;

/// The size SQLite trims the WAL file back to when it starts the log over, in bytes.
const WAL_SIZE_LIMIT: i64 = 64 << 20;

/// How long a truncating checkpoint waits for the writer and readers before giving up.
const TRUNCATE_WAIT: Duration = Duration::from_millis(100);

/// When the checkpoint thread of a store in a file checkpoints.
const CHECKPOINTS: CheckpointPolicy = CheckpointPolicy {
    interval: Duration::from_secs(1),
    // 16 MiB of 4 KiB pages.
    wake_frames: 4096,
    // 64 MiB of 4 KiB pages.
    truncate_frames: 16384,
};

/// Event bodies past which (in bytes) a batch's events for one execution go to a new chunk.
const CHUNK_BYTES: usize = 32 * 1024;

/// Schema version 2.
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

CREATE TABLE activities (
    arn TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    created INTEGER NOT NULL
) STRICT;

CREATE TABLE definitions (
    id INTEGER PRIMARY KEY,
    hash INTEGER NOT NULL,
    text TEXT NOT NULL
) STRICT;

CREATE INDEX definitions_by_hash ON definitions (hash);

CREATE TABLE executions (
    id INTEGER PRIMARY KEY,
    arn TEXT NOT NULL,
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
    definition_id INTEGER NOT NULL,
    role_arn TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    event_count INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX executions_by_arn ON executions (arn);
-- Ascending, read backwards for newest first: new executions go to the end of each index.
CREATE INDEX executions_newest
    ON executions (started, arn);
CREATE INDEX executions_by_machine
    ON executions (state_machine_arn, started, arn);
CREATE INDEX executions_by_status
    ON executions (status, started, arn);
CREATE INDEX executions_by_machine_status
    ON executions (state_machine_arn, status, started, arn);

-- Rows with a rowid and a separate index rather than WITHOUT ROWID tables: their text is large,
-- and a WITHOUT ROWID table's key comparisons read a row's whole text when it overflows its page.
CREATE TABLE event_chunks (
    id INTEGER PRIMARY KEY,
    execution_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    escaped INTEGER NOT NULL,
    bodies TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX event_chunks_by_execution ON event_chunks (execution_id, last_id);

CREATE TABLE journal (
    id INTEGER PRIMARY KEY,
    execution_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    signal TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX journal_by_execution ON journal (execution_id, seq);
";

/// The state machine columns, in the order [`machine_from_row`] reads them.
const MACHINE_COLUMNS: &str = "m.arn, m.name, m.definition, m.role_arn, m.workflow_type, \
     m.created, m.updated, m.revision_id, m.description, m.logging_configuration, \
     m.tracing_configuration";

/// The execution columns of `executions e`, in the order [`execution_from_row`] reads them.
const EXECUTION_COLUMNS: &str = "e.arn, e.state_machine_arn, e.name, e.workflow_type, \
     e.status, e.input, e.output, e.error, e.cause, e.started, e.stopped, \
     (SELECT d.text FROM definitions d WHERE d.id = e.definition_id), e.role_arn, \
     e.revision_id, e.event_count";

/// A [`Store`] in an SQLite database file.
#[derive(Debug)]
pub struct SqliteStore {
    /// The connection every write goes through.
    writer: Mutex<Connection>,
    /// The connection reads go through; `None` when reads share the writer (in-memory database).
    reader: Option<Mutex<Connection>>,
    /// The WAL checkpoint thread; `None` for an in-memory database. Stopped when dropped.
    _checkpointer: Option<Checkpointer>,
}

impl SqliteStore {
    /// Opens (creating it and its directory when missing) the store in the file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, CHECKPOINTS)
    }

    /// Opens the store in the file at `path`, checkpointing its WAL as `policy` says.
    fn open_with(path: &Path, policy: CheckpointPolicy) -> Result<Self, StoreError> {
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
        let checkpointer = Checkpointer::start(path, &mut writer, policy)?;
        Ok(Self {
            writer: Mutex::new(writer),
            reader: Some(Mutex::new(reader)),
            _checkpointer: Some(checkpointer),
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
            _checkpointer: None,
        })
    }

    /// The connection reads go through.
    fn read(&self) -> MutexGuard<'_, Connection> {
        lock(self.reader.as_ref().unwrap_or(&self.writer))
    }
}

/// Locks a mutex. A panic while holding a connection cannot leave a half-applied batch (the
/// open transaction rolls back when dropped during unwinding), and the checkpoint signal's
/// state is two flags, so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Per-connection settings. The WAL is never checkpointed by a commit: the checkpoint thread
/// does it.
fn configure(connection: &Connection) -> Result<(), StoreError> {
    connection.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
    let settings: [(&str, i64); 4] = [
        ("cache_size", -CACHE_KIB),
        ("mmap_size", MMAP_BYTES),
        ("wal_autocheckpoint", 0),
        ("journal_size_limit", WAL_SIZE_LIMIT),
    ];
    for (pragma, value) in settings {
        connection
            .pragma_update(None, pragma, value)
            .map_err(backend)?;
    }
    for (pragma, value) in [("synchronous", "FULL"), ("temp_store", "MEMORY")] {
        connection
            .pragma_update(None, pragma, value)
            .map_err(backend)?;
    }
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
        1 => {
            return Err(StoreError::Backend(format!(
                "the store's schema version is 1, written by an earlier development build of \
                 Baton; this Baton reads version {SCHEMA_VERSION} only and does not convert \
                 it: move the file away to start with an empty store"
            )));
        }
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

/// One page of `table` in ARN order after the `after` cursor (bound as `?1`, limit as `?2`);
/// two shapes so the first page and later pages each use the primary-key index.
fn arn_page(table: &str, after: Option<&str>) -> String {
    let filter = if after.is_some() {
        "arn > ?1"
    } else {
        "?1 IS NULL"
    };
    format!("SELECT * FROM {table} WHERE {filter} ORDER BY arn LIMIT ?2")
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
    let mut sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions e WHERE 1");
    if by_machine {
        sql.push_str(" AND e.state_machine_arn = ?1");
    }
    if by_status {
        sql.push_str(" AND e.status = ?2");
    }
    if after {
        sql.push_str(" AND (e.started, e.arn) < (?3, ?4)");
    }
    sql.push_str(" ORDER BY e.started DESC, e.arn DESC LIMIT ?5");
    sql
}

/// The query listing every running STANDARD execution, oldest first (through
/// `executions_by_status`).
fn running_sql() -> String {
    format!(
        "SELECT {EXECUTION_COLUMNS} FROM executions e \
         WHERE e.status = 'RUNNING' AND e.workflow_type = 'STANDARD' \
         ORDER BY e.started, e.arn"
    )
}

/// The query reading an execution's event chunks forward: those ending after `?2`, in order.
const EVENTS_FORWARD_SQL: &str = "SELECT first_id, last_id, escaped, bodies FROM event_chunks \
     WHERE execution_id = (SELECT id FROM executions WHERE arn = ?1) AND last_id > ?2 \
     ORDER BY last_id";

/// The query reading an execution's event chunks backward: the one holding event `?2` (or the
/// last one, when `?2` is NULL or past the end) and those before it, last first.
const EVENTS_BACKWARD_SQL: &str = "SELECT first_id, last_id, escaped, bodies FROM event_chunks \
     WHERE execution_id = (SELECT id FROM executions WHERE arn = ?1) \
     AND last_id <= COALESCE(\
         (SELECT c.last_id FROM event_chunks c \
          WHERE c.execution_id = (SELECT id FROM executions WHERE arn = ?1) \
          AND c.last_id >= ?2 ORDER BY c.last_id LIMIT 1), \
         9223372036854775807) \
     ORDER BY last_id DESC";

/// A 64-bit FNV-1a hash: what a definition is found by (stable across builds, unlike std's).
fn definition_hash(text: &str) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = text.bytes().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    hash as i64
}

/// What one batch does to one execution; its row and its events are written when the batch
/// ends ([`Batch::finish`]).
struct Touched<'w> {
    /// The execution's id.
    id: i64,
    /// Its record and definition id, when the batch creates it.
    created: Option<(&'w ExecutionRecord, i64)>,
    /// Its last event id, counting the batch's events.
    last_event: u64,
    /// Whether a step ran (the event count is then the number of events).
    stepped: bool,
    /// The batch's last outcome for it.
    outcome: Option<&'w ExecutionOutcome>,
    /// The bodies of the events the batch adds, in id order (ending at `last_event`).
    bodies: Vec<&'w str>,
}

/// The state of one [`Store::apply`] batch inside its transaction.
#[derive(Default)]
struct Batch<'w> {
    /// Every execution the batch touched, in the order it first did.
    touched: Vec<Touched<'w>>,
    /// Where each touched execution is in `touched`, by ARN.
    by_arn: HashMap<&'w str, usize>,
    /// The definition the batch looked up last, and its id.
    last_definition: Option<(&'w str, i64)>,
    /// Definition ids the batch already looked up, by text.
    definitions: HashMap<&'w str, i64>,
    /// The id the next created execution gets, once looked up.
    next_id: Option<i64>,
}

impl<'w> Batch<'w> {
    /// Applies one change: state machines at once, executions' journal entries at once, the
    /// rest of what it does to executions gathered for [`Batch::finish`].
    fn add(&mut self, tx: &Transaction<'_>, write: &'w Write) -> Result<(), StoreError> {
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
            Write::PutActivity(activity) => put_activity(tx, activity).map_err(backend),
            Write::DeleteActivity { arn } => {
                tx.prepare_cached("DELETE FROM activities WHERE arn = ?1")
                    .and_then(|mut s| s.execute([arn]))
                    .map_err(backend)?;
                // Tags of every resource kind live in one table keyed by ARN.
                tx.prepare_cached("DELETE FROM state_machine_tags WHERE state_machine_arn = ?1")
                    .and_then(|mut s| s.execute([arn]))
                    .map_err(backend)?;
                Ok(())
            }
            Write::CreateExecution(record) => self.create(tx, record),
            Write::AppendStep {
                execution_arn,
                journal,
                events,
                outcome,
            } => {
                let slot = self.touch(tx, execution_arn)?;
                let touched = &mut self.touched[slot];
                let mut next = touched.last_event;
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
                if let Some(entry) = journal {
                    insert_journal(tx, touched.id, execution_arn, entry)?;
                }
                touched
                    .bodies
                    .extend(events.iter().map(|e| e.body.as_str()));
                touched.last_event = next;
                touched.stepped = true;
                if outcome.is_some() {
                    touched.outcome = outcome.as_ref();
                }
                Ok(())
            }
        }
    }

    /// Checks that a new execution's ARN is free and gives it an id and a definition id.
    fn create(
        &mut self,
        tx: &Transaction<'_>,
        record: &'w ExecutionRecord,
    ) -> Result<(), StoreError> {
        let exists = self.by_arn.contains_key(record.arn.as_str())
            || tx
                .prepare_cached("SELECT 1 FROM executions WHERE arn = ?1")
                .and_then(|mut s| s.exists([&record.arn]))
                .map_err(backend)?;
        if exists {
            return Err(StoreError::ExecutionExists(record.arn.clone()));
        }
        let definition = self.definition_id(tx, &record.definition)?;
        let id = match self.next_id {
            Some(id) => id,
            None => tx
                .prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM executions")
                .and_then(|mut s| s.query_row([], |row| row.get(0)))
                .map_err(backend)?,
        };
        self.next_id = Some(id + 1);
        self.by_arn.insert(&record.arn, self.touched.len());
        self.touched.push(Touched {
            id,
            created: Some((record, definition)),
            last_event: 0,
            stepped: false,
            outcome: None,
            bodies: Vec::new(),
        });
        Ok(())
    }

    /// Where an execution is in `touched`, looking it up in the database the first time.
    fn touch(&mut self, tx: &Transaction<'_>, arn: &'w str) -> Result<usize, StoreError> {
        if let Some(&slot) = self.by_arn.get(arn) {
            return Ok(slot);
        }
        // The last event id is counted from the events themselves, like the in-memory store,
        // rather than read from the record's `event_count`, which a new execution's record may
        // carry with any value.
        let found: Option<(i64, Option<i64>)> = tx
            .prepare_cached(
                "SELECT e.id, (SELECT MAX(c.last_id) FROM event_chunks c \
                 WHERE c.execution_id = e.id) FROM executions e WHERE e.arn = ?1",
            )
            .and_then(|mut s| {
                s.query_row([arn], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .map_err(backend)?;
        let (id, last) = found.ok_or_else(|| StoreError::NoSuchExecution(arn.to_owned()))?;
        let slot = self.touched.len();
        self.by_arn.insert(arn, slot);
        self.touched.push(Touched {
            id,
            created: None,
            last_event: last.map_or(0, |last| last as u64),
            stepped: false,
            outcome: None,
            bodies: Vec::new(),
        });
        Ok(slot)
    }

    /// The id of a definition's text, stored when new.
    fn definition_id(&mut self, tx: &Transaction<'_>, text: &'w str) -> Result<i64, StoreError> {
        // Executions of one state machine, created together, share one definition.
        if let Some((last, id)) = self.last_definition
            && last == text
        {
            return Ok(id);
        }
        if let Some(&id) = self.definitions.get(text) {
            self.last_definition = Some((text, id));
            return Ok(id);
        }
        let hash = definition_hash(text);
        let found: Option<i64> = tx
            .prepare_cached("SELECT id FROM definitions WHERE hash = ?1 AND text = ?2")
            .and_then(|mut s| {
                s.query_row(params![hash, text], |row| row.get(0))
                    .optional()
            })
            .map_err(backend)?;
        let id = match found {
            Some(id) => id,
            None => {
                tx.prepare_cached("INSERT INTO definitions (hash, text) VALUES (?1, ?2)")
                    .and_then(|mut s| s.execute(params![hash, text]))
                    .map_err(backend)?;
                tx.last_insert_rowid()
            }
        };
        self.definitions.insert(text, id);
        self.last_definition = Some((text, id));
        Ok(id)
    }

    /// Writes what the batch gathered: each touched execution's row, once, and its new events.
    fn finish(self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        for touched in &self.touched {
            match touched.created {
                Some((record, definition)) => insert_execution(tx, touched, record, definition)?,
                None if touched.stepped => update_execution(tx, touched)?,
                None => {}
            }
            insert_chunks(tx, touched)?;
        }
        Ok(())
    }
}

/// Inserts a journal entry.
fn insert_journal(
    tx: &Transaction<'_>,
    id: i64,
    arn: &str,
    entry: &JournalEntry,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO journal (execution_id, seq, at, seed, signal) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
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
    Ok(())
}

/// Inserts the row of an execution the batch created, as the batch leaves it.
fn insert_execution(
    tx: &Transaction<'_>,
    touched: &Touched<'_>,
    record: &ExecutionRecord,
    definition: i64,
) -> Result<(), StoreError> {
    let event_count = if touched.stepped {
        touched.last_event
    } else {
        record.event_count
    };
    let (status, output, error, cause, stopped) = match touched.outcome {
        Some(o) => (o.status, &o.output, &o.error, &o.cause, Some(o.stopped)),
        None => (
            record.status,
            &record.output,
            &record.error,
            &record.cause,
            record.stopped,
        ),
    };
    tx.prepare_cached(
        "INSERT INTO executions (id, arn, state_machine_arn, name, workflow_type, status, input, \
         output, error, cause, started, stopped, definition_id, role_arn, revision_id, \
         event_count) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )
    .and_then(|mut s| {
        s.execute(params![
            touched.id,
            record.arn,
            record.state_machine_arn,
            record.name,
            record.workflow_type.as_str(),
            status.as_str(),
            record.input,
            output,
            error,
            cause,
            record.started,
            stopped,
            definition,
            record.role_arn,
            record.revision_id,
            event_count as i64,
        ])
    })
    .map_err(|e| match e.sqlite_error_code() {
        // Checked when the batch created it; only another writer could have taken it since.
        Some(ErrorCode::ConstraintViolation) => StoreError::ExecutionExists(record.arn.clone()),
        _ => backend(e),
    })?;
    Ok(())
}

/// Updates the row of an existing execution the batch stepped: its event count and outcome.
fn update_execution(tx: &Transaction<'_>, touched: &Touched<'_>) -> Result<(), StoreError> {
    let count = touched.last_event as i64;
    match touched.outcome {
        Some(outcome) => tx
            .prepare_cached(
                "UPDATE executions SET event_count = ?2, status = ?3, output = ?4, error = ?5, \
                 cause = ?6, stopped = ?7 WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    touched.id,
                    count,
                    outcome.status.as_str(),
                    outcome.output,
                    outcome.error,
                    outcome.cause,
                    outcome.stopped,
                ])
            }),
        None => tx
            .prepare_cached("UPDATE executions SET event_count = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![touched.id, count])),
    }
    .map_err(backend)?;
    Ok(())
}

/// Writes the events a batch added to an execution as chunks of about [`CHUNK_BYTES`].
fn insert_chunks(tx: &Transaction<'_>, touched: &Touched<'_>) -> Result<(), StoreError> {
    let mut first = (touched.last_event.wrapping_add(1)).wrapping_sub(touched.bodies.len() as u64);
    let mut rest = touched.bodies.as_slice();
    while !rest.is_empty() {
        let mut bytes = 0;
        let take = rest
            .iter()
            .position(|body| {
                bytes += body.len() + 1;
                bytes > CHUNK_BYTES
            })
            .map_or(rest.len(), |at| at.max(1));
        let (chunk, after) = rest.split_at(take);
        let last = first.wrapping_add(chunk.len() as u64 - 1);
        let (escaped, bodies) = join_bodies(chunk);
        tx.prepare_cached(
            "INSERT INTO event_chunks (execution_id, last_id, first_id, escaped, bodies) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| {
            s.execute(params![
                touched.id,
                last as i64,
                first as i64,
                escaped,
                bodies
            ])
        })
        .map_err(backend)?;
        first = last.wrapping_add(1);
        rest = after;
    }
    Ok(())
}

/// Joins event bodies with `'\n'`, escaping them first (`\` as `\\`, newline as `\n`) when one
/// contains a newline; says whether it did.
fn join_bodies(bodies: &[&str]) -> (bool, String) {
    let escaped = bodies.iter().any(|body| body.contains('\n'));
    let size = bodies.iter().map(|body| body.len() + 1).sum();
    let mut joined = String::with_capacity(size);
    for (n, body) in bodies.iter().enumerate() {
        if n > 0 {
            joined.push('\n');
        }
        if escaped {
            for c in body.chars() {
                match c {
                    '\\' => joined.push_str("\\\\"),
                    '\n' => joined.push_str("\\n"),
                    c => joined.push(c),
                }
            }
        } else {
            joined.push_str(body);
        }
    }
    (escaped, joined)
}

/// Undoes [`join_bodies`]'s escaping of one body.
fn unescape_body(body: &str) -> Option<String> {
    let mut text = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                '\\' => text.push('\\'),
                'n' => text.push('\n'),
                _ => return None,
            },
            c => text.push(c),
        }
    }
    Some(text)
}

/// Reads an event chunk row (`first_id, last_id, escaped, bodies`) and hands its events that
/// `wanted` accepts to `out`, in id order or reversed, until `out` holds `limit`.
fn read_chunk(
    row: &Row<'_>,
    reverse: bool,
    wanted: impl Fn(u64) -> bool,
    limit: usize,
    out: &mut Vec<StoredEvent>,
) -> rusqlite::Result<()> {
    let first = row.get::<_, i64>(0)? as u64;
    let last = row.get::<_, i64>(1)? as u64;
    let escaped: bool = row.get(2)?;
    let bodies = row
        .get_ref(3)?
        .as_str()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(3, Type::Text, Box::new(e)))?;
    let corrupt = || {
        rusqlite::Error::FromSqlConversionFailure(
            3,
            Type::Text,
            Box::new(StoreError::Backend(format!(
                "event chunk {first}..={last} does not hold its events"
            ))),
        )
    };
    let pieces: Vec<&str> = bodies.split('\n').collect();
    if pieces.len() as u64 != last.wrapping_sub(first).wrapping_add(1) {
        return Err(corrupt());
    }
    let numbered = (first..).zip(pieces);
    let mut add = |(id, body): (u64, &str)| -> rusqlite::Result<bool> {
        if out.len() >= limit {
            return Ok(false);
        }
        if wanted(id) {
            let body = if escaped {
                unescape_body(body).ok_or_else(corrupt)?
            } else {
                body.to_owned()
            };
            out.push(StoredEvent { id, body });
        }
        Ok(true)
    };
    if reverse {
        for event in numbered.collect::<Vec<_>>().into_iter().rev() {
            if !add(event)? {
                break;
            }
        }
    } else {
        for event in numbered {
            if !add(event)? {
                break;
            }
        }
    }
    Ok(())
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

fn put_activity(tx: &Transaction<'_>, activity: &ActivityRecord) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO activities (arn, name, created) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![activity.arn, activity.name, activity.created])?;
    tx.prepare_cached("DELETE FROM state_machine_tags WHERE state_machine_arn = ?1")?
        .execute([&activity.arn])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO state_machine_tags (state_machine_arn, pos, key, value) \
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (pos, (key, value)) in (0_i64..).zip(&activity.tags) {
        insert.execute(params![activity.arn, pos, key, value])?;
    }
    Ok(())
}

/// Reads activities from rows of (arn, name, created, tag key, tag value), ordered by ARN then
/// tag position.
fn activities_with_tags(
    statement: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<ActivityRecord>> {
    let mut activities: Vec<ActivityRecord> = Vec::new();
    let mut rows = statement.query(params)?;
    while let Some(row) = rows.next()? {
        let arn: String = row.get(0)?;
        if activities.last().is_none_or(|a| a.arn != arn) {
            activities.push(ActivityRecord {
                arn,
                name: row.get(1)?,
                created: row.get(2)?,
                tags: Vec::new(),
            });
        }
        let key: Option<String> = row.get(3)?;
        let value: Option<String> = row.get(4)?;
        if let (Some(key), Some(value), Some(activity)) = (key, value, activities.last_mut()) {
            activity.tags.push((key, value));
        }
    }
    Ok(activities)
}

/// When the checkpoint thread checkpoints.
#[derive(Debug, Clone, Copy)]
struct CheckpointPolicy {
    /// A passive checkpoint this often, when a commit happened since the last one.
    interval: Duration,
    /// A passive checkpoint as soon as a commit leaves this many WAL frames not yet copied.
    wake_frames: i64,
    /// A truncating checkpoint when the WAL holds this many frames.
    truncate_frames: i64,
}

/// What the writer's commits tell the checkpoint thread, and how the store stops it.
#[derive(Debug)]
struct CheckpointSignal {
    /// When to checkpoint.
    policy: CheckpointPolicy,
    /// Whether to checkpoint now, and whether to stop.
    state: Mutex<SignalState>,
    /// Wakes the thread when `state` changes.
    wake: Condvar,
    /// Set by every commit, cleared by each checkpoint.
    dirty: AtomicBool,
    /// How many frames the WAL held after the last commit.
    frames: AtomicI64,
    /// How many WAL frames the last checkpoint had copied into the database.
    backfilled: AtomicI64,
    /// Set by each of the thread's checkpoints: the writer then copies, after its next commit,
    /// what is left (what was committed while the checkpoint ran).
    finish: AtomicBool,
}

/// The checkpoint thread's orders.
#[derive(Debug, Default)]
struct SignalState {
    /// Checkpoint without waiting for the interval.
    now: bool,
    /// Stop.
    stop: bool,
}

impl CheckpointSignal {
    /// Notes a commit that left `frames` frames in the WAL; wakes the thread when too many of
    /// them are not yet copied into the database.
    fn committed(&self, frames: i64) {
        self.frames.store(frames, Ordering::Release);
        self.dirty.store(true, Ordering::Release);
        let backfilled = self.backfilled.load(Ordering::Acquire);
        // Fewer frames than were copied: the log started over.
        let pending = if frames >= backfilled {
            frames - backfilled
        } else {
            frames
        };
        if pending >= self.policy.wake_frames {
            let mut state = lock(&self.state);
            if !state.now {
                state.now = true;
                self.wake.notify_one();
            }
        }
    }

    /// Waits for the next checkpoint's time; `false` when the thread is to stop.
    fn wait(&self) -> bool {
        let mut state = lock(&self.state);
        if !state.now && !state.stop {
            state = match self.wake.wait_timeout(state, self.policy.interval) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        state.now = false;
        !state.stop
    }
}

/// The thread that checkpoints a file-backed store's WAL, stopped and joined when dropped.
#[derive(Debug)]
struct Checkpointer {
    /// Shared with the writer's commit hook and the thread.
    signal: Arc<CheckpointSignal>,
    /// The thread; taken when joined.
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`, woken by `writer`'s commits.
    fn start(
        path: &Path,
        writer: &mut Connection,
        policy: CheckpointPolicy,
    ) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(backend)?;
        // Only a truncating checkpoint waits (for the writer and readers); better to give up
        // and try again a second later than to hold the checkpoint lock meanwhile.
        connection.busy_timeout(TRUNCATE_WAIT).map_err(backend)?;
        for (pragma, value) in [("synchronous", "FULL"), ("temp_store", "MEMORY")] {
            connection
                .pragma_update(None, pragma, value)
                .map_err(backend)?;
        }
        for (pragma, value) in [
            ("wal_autocheckpoint", 0),
            ("journal_size_limit", WAL_SIZE_LIMIT),
        ] {
            connection
                .pragma_update(None, pragma, value)
                .map_err(backend)?;
        }
        let signal = Arc::new(CheckpointSignal {
            policy,
            state: Mutex::default(),
            wake: Condvar::new(),
            dirty: AtomicBool::new(false),
            frames: AtomicI64::new(0),
            backfilled: AtomicI64::new(0),
            finish: AtomicBool::new(false),
        });
        let hook = Arc::clone(&signal);
        // Replaces SQLite's own commit hook, which `wal_autocheckpoint = 0` already disabled.
        writer
            .wal_hook(Some(move |_: &mut Wal, frames: c_int| {
                hook.committed(i64::from(frames));
                Ok(())
            }))
            .map_err(backend)?;
        let shared = Arc::clone(&signal);
        let thread = std::thread::Builder::new()
            .name("baton-sqlite-checkpoint".to_owned())
            .spawn(move || {
                while shared.wait() {
                    checkpoint(&connection, &shared);
                }
            })
            .map_err(|e| StoreError::Backend(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self {
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        lock(&self.signal.state).stop = true;
        self.signal.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            // The thread cannot panic; if it did, there is nothing left to stop.
            let _ = thread.join();
        }
    }
}

/// Copies the WAL into the database when a commit happened since the last time (a passive
/// checkpoint: the writer goes on committing meanwhile), and truncates the log when it grew too
/// long anyway. Failures (a busy database, a full disk) are retried next time.
///
/// A log copied to its end is what lets SQLite start it over at the writer's next transaction,
/// reusing the file rather than growing it. Commits made while the checkpoint ran are left for
/// the writer to copy after its next commit ([`finish_checkpoint`]): a short pass, which holds
/// the next commit back only as long as it takes.
fn checkpoint(connection: &Connection, signal: &CheckpointSignal) {
    if !signal.dirty.swap(false, Ordering::AcqRel) {
        return;
    }
    let frames =
        match connection.wal_checkpoint_v2(Some(rusqlite::MAIN_DB), CheckpointMode::PASSIVE) {
            Ok((frames, copied)) => {
                signal
                    .backfilled
                    .store(i64::from(copied), Ordering::Release);
                // The writer's transaction in progress, if any, began before the log was
                // copied to its end and so will not start it over: the writer finishes after.
                signal.finish.store(true, Ordering::Release);
                i64::from(frames)
            }
            Err(_) => {
                signal.dirty.store(true, Ordering::Release);
                return;
            }
        };
    if frames >= signal.policy.truncate_frames {
        // The log was not started over (a reader kept it in use): copy it all and empty it,
        // holding off the writer meanwhile, unless that takes too long.
        match connection.wal_checkpoint_v2(Some(rusqlite::MAIN_DB), CheckpointMode::TRUNCATE) {
            Ok(_) => signal.backfilled.store(0, Ordering::Release),
            Err(_) => signal.dirty.store(true, Ordering::Release),
        }
    }
}

/// On the writer, after a commit following one of the checkpoint thread's checkpoints: copies
/// into the database what the log holds beyond what that checkpoint copied (commits made while
/// it ran), so that the log is copied to its end and the next transaction starts it over. A
/// failure (the thread checkpointing again) is left to the thread's next checkpoint.
fn finish_checkpoint(writer: &Connection, signal: &CheckpointSignal) {
    if !signal.finish.swap(false, Ordering::AcqRel)
        || signal.frames.load(Ordering::Acquire) == signal.backfilled.load(Ordering::Acquire)
    {
        return;
    }
    match writer.wal_checkpoint_v2(Some(rusqlite::MAIN_DB), CheckpointMode::PASSIVE) {
        Ok((_, copied)) => signal
            .backfilled
            .store(i64::from(copied), Ordering::Release),
        Err(_) => signal.dirty.store(true, Ordering::Release),
    }
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
        let mut batch = Batch::default();
        for write in writes {
            batch.add(&tx, write)?;
        }
        batch.finish(&tx)?;
        tx.commit().map_err(backend)?;
        if let Some(checkpointer) = &self._checkpointer {
            finish_checkpoint(&connection, &checkpointer.signal);
        }
        Ok(())
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
        let page = arn_page("state_machines", after);
        let sql = format!(
            "SELECT {MACHINE_COLUMNS}, t.key, t.value FROM ({page}) m \
             LEFT JOIN state_machine_tags t ON t.state_machine_arn = m.arn \
             ORDER BY m.arn, t.pos"
        );
        let mut statement = connection.prepare_cached(&sql).map_err(backend)?;
        machines_with_tags(&mut statement, params![after, sql_limit(limit)]).map_err(backend)
    }

    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, StoreError> {
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(
                "SELECT a.arn, a.name, a.created, t.key, t.value FROM activities a \
                 LEFT JOIN state_machine_tags t ON t.state_machine_arn = a.arn \
                 WHERE a.arn = ?1 ORDER BY t.pos",
            )
            .map_err(backend)?;
        let activities = activities_with_tags(&mut statement, [arn]).map_err(backend)?;
        Ok(activities.into_iter().next())
    }

    fn activities(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        let connection = self.read();
        let page = arn_page("activities", after);
        let sql = format!(
            "SELECT a.arn, a.name, a.created, t.key, t.value FROM ({page}) a \
             LEFT JOIN state_machine_tags t ON t.state_machine_arn = a.arn \
             ORDER BY a.arn, t.pos"
        );
        let mut statement = connection.prepare_cached(&sql).map_err(backend)?;
        activities_with_tags(&mut statement, params![after, sql_limit(limit)]).map_err(backend)
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        let connection = self.read();
        let sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions e WHERE e.arn = ?1");
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
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        // Event ids run from 1 and never exceed i64::MAX: reading forward after a larger one
        // finds nothing, reading backward before one finds everything, and before 1 nothing.
        let after = match query.after.map(i64::try_from) {
            Some(Ok(after)) => Some(after),
            Some(Err(_)) if query.reverse => None,
            Some(Err(_)) => return Ok(Vec::new()),
            None => None,
        };
        let mut events = Vec::new();
        let connection = self.read();
        let (sql, bound) = if query.reverse {
            match after {
                Some(after) if after <= 1 => return Ok(events),
                // The chunk holding the newest event wanted, and those before.
                after => (EVENTS_BACKWARD_SQL, after.map(|after| after - 1)),
            }
        } else {
            (EVENTS_FORWARD_SQL, Some(after.unwrap_or(0)))
        };
        let wanted = |id: u64| match (query.reverse, after) {
            (_, None) => true,
            (false, Some(after)) => id > after as u64,
            (true, Some(after)) => id < after as u64,
        };
        let mut statement = connection.prepare_cached(sql).map_err(backend)?;
        let mut rows = statement.query(params![arn, bound]).map_err(backend)?;
        while events.len() < query.limit {
            let Some(row) = rows.next().map_err(backend)? else {
                break;
            };
            read_chunk(row, query.reverse, wanted, query.limit, &mut events).map_err(backend)?;
        }
        Ok(events)
    }

    fn journal(&self, arn: &str) -> Result<Vec<JournalEntry>, StoreError> {
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(
                "SELECT seq, at, seed, signal FROM journal \
                 WHERE execution_id = (SELECT id FROM executions WHERE arn = ?1) ORDER BY seq",
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
        let mut statement = connection.prepare_cached(&running_sql()).map_err(backend)?;
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
    use std::path::PathBuf;
    use std::time::Instant;

    /// A directory under the temp directory, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("baton-store-unit-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            Self(dir)
        }

        fn db(&self) -> PathBuf {
            self.0.join("baton.db")
        }

        fn wal(&self) -> PathBuf {
            self.0.join("baton.db-wal")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

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

    fn count(store: &SqliteStore, sql: &str) -> i64 {
        lock(&store.writer)
            .query_row(sql, [], |row| row.get(0))
            .unwrap()
    }

    fn record(arn: &str, definition: &str) -> ExecutionRecord {
        ExecutionRecord {
            arn: arn.to_owned(),
            state_machine_arn: "arn:sm".to_owned(),
            name: arn.to_owned(),
            workflow_type: WorkflowType::Standard,
            status: RunStatus::Running,
            input: "{}".to_owned(),
            output: None,
            error: None,
            cause: None,
            started: 1,
            stopped: None,
            definition: definition.to_owned(),
            role_arn: "role".to_owned(),
            revision_id: "r".to_owned(),
            event_count: 0,
        }
    }

    fn step(arn: &str, events: Vec<StoredEvent>) -> Write {
        Write::AppendStep {
            execution_arn: arn.to_owned(),
            journal: None,
            events,
            outcome: None,
        }
    }

    fn numbered(
        ids: std::ops::RangeInclusive<u64>,
        body: impl Fn(u64) -> String,
    ) -> Vec<StoredEvent> {
        ids.map(|id| StoredEvent { id, body: body(id) }).collect()
    }

    /// Every way of paging through `arn`'s events, checked against `expected`.
    fn check_paging(store: &SqliteStore, arn: &str, expected: &[StoredEvent]) {
        let n = expected.len() as u64;
        for limit in [1, 2, 3, 7, usize::MAX] {
            for after in std::iter::once(None).chain((0..=n + 1).map(Some)) {
                let forward = store
                    .events(
                        arn,
                        EventQuery {
                            after,
                            reverse: false,
                            limit,
                        },
                    )
                    .unwrap();
                let want: Vec<StoredEvent> = expected
                    .iter()
                    .filter(|e| after.is_none_or(|a| e.id > a))
                    .take(limit)
                    .cloned()
                    .collect();
                assert_eq!(forward, want, "forward after {after:?} limit {limit}");
                let backward = store
                    .events(
                        arn,
                        EventQuery {
                            after,
                            reverse: true,
                            limit,
                        },
                    )
                    .unwrap();
                let want: Vec<StoredEvent> = expected
                    .iter()
                    .rev()
                    .filter(|e| after.is_none_or(|a| e.id < a))
                    .take(limit)
                    .cloned()
                    .collect();
                assert_eq!(backward, want, "backward after {after:?} limit {limit}");
            }
        }
    }

    #[test]
    fn listings_use_indexes_without_sorting() {
        let store = SqliteStore::open_in_memory().unwrap();
        let connection = lock(&store.writer);
        let mut queries = vec![running_sql()];
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

    #[test]
    fn event_reads_seek_their_chunks() {
        let store = SqliteStore::open_in_memory().unwrap();
        let connection = lock(&store.writer);
        for sql in [EVENTS_FORWARD_SQL, EVENTS_BACKWARD_SQL] {
            let steps = plan(&connection, sql);
            assert!(
                steps
                    .iter()
                    .all(|s| !s.starts_with("SCAN") && !s.contains("TEMP B-TREE")),
                "{sql}: {steps:?}"
            );
        }
    }

    #[test]
    fn a_step_is_one_chunk_row_keyed_by_the_execution_id() {
        let store = SqliteStore::open_in_memory().unwrap();
        let events = numbered(1..=22, |id| {
            format!(r#"{{"id":{id},"type":"PassStateEntered"}}"#)
        });
        store
            .apply(&[
                Write::CreateExecution(record("arn:e1", "{}")),
                step("arn:e1", events[..22].to_vec()),
                Write::CreateExecution(record("arn:e2", "{}")),
                step("arn:e2", events[..3].to_vec()),
            ])
            .unwrap();
        assert_eq!(count(&store, "SELECT COUNT(*) FROM event_chunks"), 2);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM event_chunks WHERE escaped"),
            0
        );
        // Steps in later batches add chunks; steps of one batch share one.
        store
            .apply(&[step("arn:e1", numbered(23..=24, |id| id.to_string()))])
            .unwrap();
        store
            .apply(&[
                step("arn:e1", numbered(25..=25, |id| id.to_string())),
                step("arn:e1", numbered(26..=28, |id| id.to_string())),
            ])
            .unwrap();
        assert_eq!(count(&store, "SELECT COUNT(*) FROM event_chunks"), 4);
        let mut expected = events.clone();
        expected.extend(numbered(23..=28, |id| id.to_string()));
        check_paging(&store, "arn:e1", &expected);
        check_paging(&store, "arn:e2", &events[..3]);
        let e1 = store.execution("arn:e1").unwrap().unwrap();
        assert_eq!(e1.event_count, 28);
    }

    #[test]
    fn bodies_with_newlines_and_backslashes_round_trip() {
        let store = SqliteStore::open_in_memory().unwrap();
        let bodies = [
            "plain",
            "",
            "two\nlines",
            "\\n is not a newline",
            "\\",
            "\n",
            "\\\n\\\\n",
            "",
            "{\n  \"pretty\": true\n}",
            "last",
        ];
        let events: Vec<StoredEvent> = (1..)
            .zip(bodies)
            .map(|(id, body)| StoredEvent {
                id,
                body: body.to_owned(),
            })
            .collect();
        store
            .apply(&[
                Write::CreateExecution(record("arn:e1", "{}")),
                step("arn:e1", events[..1].to_vec()),
            ])
            .unwrap();
        store
            .apply(&[step("arn:e1", events[1..6].to_vec())])
            .unwrap();
        store
            .apply(&[step("arn:e1", events[6..8].to_vec())])
            .unwrap();
        store
            .apply(&[step("arn:e1", events[8..].to_vec())])
            .unwrap();
        assert_eq!(count(&store, "SELECT COUNT(*) FROM event_chunks"), 4);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM event_chunks WHERE escaped"),
            3
        );
        check_paging(&store, "arn:e1", &events);
    }

    #[test]
    fn large_steps_are_split_into_chunks() {
        let store = SqliteStore::open_in_memory().unwrap();
        let big = "x".repeat(CHUNK_BYTES + 10);
        let events = numbered(1..=300, |id| match id {
            100 | 101 | 300 => big.clone(),
            150 => "a\nb".to_owned(),
            _ => format!("{id:0>400}"),
        });
        store
            .apply(&[
                Write::CreateExecution(record("arn:e1", "{}")),
                step("arn:e1", events.clone()),
            ])
            .unwrap();
        let chunks = count(&store, "SELECT COUNT(*) FROM event_chunks");
        assert!(chunks > 4, "{chunks}");
        assert_eq!(
            count(
                &store,
                &format!(
                    "SELECT COUNT(*) FROM event_chunks WHERE length(bodies) > {} \
                     AND first_id < last_id",
                    CHUNK_BYTES
                )
            ),
            0
        );
        assert_eq!(
            count(
                &store,
                "SELECT SUM(last_id - first_id + 1) FROM event_chunks"
            ),
            300
        );
        check_paging(&store, "arn:e1", &events);
    }

    #[test]
    fn definitions_are_stored_once() {
        let store = SqliteStore::open_in_memory().unwrap();
        let one = r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#;
        let two = r#"{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}"#;
        store
            .apply(&[
                Write::CreateExecution(record("arn:e1", one)),
                Write::CreateExecution(record("arn:e2", one)),
                Write::CreateExecution(record("arn:e3", two)),
            ])
            .unwrap();
        store
            .apply(&[
                Write::CreateExecution(record("arn:e4", two)),
                Write::CreateExecution(record("arn:e5", one)),
            ])
            .unwrap();
        assert_eq!(count(&store, "SELECT COUNT(*) FROM definitions"), 2);
        for (arn, definition) in [
            ("arn:e1", one),
            ("arn:e2", one),
            ("arn:e3", two),
            ("arn:e4", two),
            ("arn:e5", one),
        ] {
            assert_eq!(store.execution(arn).unwrap(), Some(record(arn, definition)));
        }
        // A failed batch leaves no definition behind.
        let three = r#"{"StartAt":"C","States":{"C":{"Type":"Succeed"}}}"#;
        assert!(
            store
                .apply(&[
                    Write::CreateExecution(record("arn:e6", three)),
                    Write::CreateExecution(record("arn:e1", three)),
                ])
                .is_err()
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM definitions"), 2);
        // Texts with the same hash stay apart.
        lock(&store.writer)
            .execute("UPDATE definitions SET hash = ?1", [definition_hash(three)])
            .unwrap();
        store
            .apply(&[
                Write::CreateExecution(record("arn:e7", three)),
                Write::CreateExecution(record("arn:e8", three)),
            ])
            .unwrap();
        assert_eq!(count(&store, "SELECT COUNT(*) FROM definitions"), 3);
        for (arn, definition) in [("arn:e1", one), ("arn:e3", two), ("arn:e7", three)] {
            assert_eq!(store.execution(arn).unwrap(), Some(record(arn, definition)));
        }
    }

    #[test]
    fn definition_hash_is_fnv_1a() {
        assert_eq!(definition_hash(""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_eq!(definition_hash("a"), 0xaf63_dc4c_8601_ec8c_u64 as i64);
    }

    #[test]
    fn an_execution_started_and_finished_in_one_batch_is_inserted_finished() {
        let store = SqliteStore::open_in_memory().unwrap();
        let mut started = record("arn:e1", "{}");
        started.event_count = 99;
        store
            .apply(&[
                Write::CreateExecution(started.clone()),
                Write::AppendStep {
                    execution_arn: "arn:e1".to_owned(),
                    journal: None,
                    events: numbered(1..=2, |id| id.to_string()),
                    outcome: Some(ExecutionOutcome {
                        status: RunStatus::Succeeded,
                        output: Some("{}".to_owned()),
                        error: None,
                        cause: None,
                        stopped: 5,
                    }),
                },
            ])
            .unwrap();
        assert_eq!(
            store.execution("arn:e1").unwrap(),
            Some(ExecutionRecord {
                status: RunStatus::Succeeded,
                output: Some("{}".to_owned()),
                stopped: Some(5),
                event_count: 2,
                ..started
            })
        );
        assert!(store.running().unwrap().is_empty());
    }

    #[test]
    fn connections_are_configured() {
        let dir = TempDir::new("pragmas");
        let store = SqliteStore::open(&dir.db()).unwrap();
        for connection in [lock(&store.writer), store.read()] {
            let get = |pragma: &str| -> i64 {
                connection
                    .query_row(&format!("PRAGMA {pragma}"), [], |row| row.get(0))
                    .unwrap()
            };
            assert_eq!(get("cache_size"), -CACHE_KIB);
            assert_eq!(get("mmap_size"), MMAP_BYTES);
            assert_eq!(get("temp_store"), 2);
            assert_eq!(get("synchronous"), 2);
            assert_eq!(get("wal_autocheckpoint"), 0);
        }
    }

    /// Writes batches of executions with events into `store`, `n` at a time.
    fn write_executions(store: &SqliteStore, batches: std::ops::Range<usize>, n: usize) {
        let body = "e".repeat(250);
        for b in batches {
            let writes: Vec<Write> = (0..n)
                .flat_map(|i| {
                    let arn = format!("arn:e{b}-{i}");
                    [
                        Write::CreateExecution(record(&arn, "{}")),
                        step(&arn, numbered(1..=22, |_| body.clone())),
                    ]
                })
                .collect();
            store.apply(&writes).unwrap();
        }
    }

    /// Waits (up to 20 s) until `done` holds.
    fn eventually(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn the_checkpoint_thread_copies_the_wal_and_truncates_it() {
        let dir = TempDir::new("checkpoint");
        let policy = CheckpointPolicy {
            interval: Duration::from_secs(3600),
            wake_frames: 16,
            truncate_frames: 1_000_000,
        };
        let store = SqliteStore::open_with(&dir.db(), policy).unwrap();
        let signal = Arc::clone(&store._checkpointer.as_ref().unwrap().signal);
        // A commit that leaves enough frames wakes the thread without waiting for the interval.
        write_executions(&store, 0..1, 32);
        eventually("a passive checkpoint", || {
            signal.backfilled.load(Ordering::Acquire) > 0
        });
        let wal = std::fs::metadata(dir.wal()).unwrap().len();
        assert!(wal > 0);
        drop(store);
        // The last connection, the thread's, is closed: SQLite removed the log.
        assert!(!dir.wal().exists());

        // Under a steady stream of commits, the log is copied to its end and started over
        // rather than growing with every commit.
        let policy = CheckpointPolicy {
            // Retries soon when the writer's finishing pass kept the thread's checkpoint out.
            interval: Duration::from_millis(20),
            wake_frames: 16,
            truncate_frames: i64::MAX,
        };
        let store = SqliteStore::open_with(&dir.db(), policy).unwrap();
        let signal = Arc::clone(&store._checkpointer.as_ref().unwrap().signal);
        for batch in 100..140 {
            write_executions(&store, batch..batch + 1, 32);
            // Each commit wakes the thread; wait until it has checkpointed.
            eventually("a checkpoint", || {
                !signal.dirty.load(Ordering::Acquire) && signal.finish.load(Ordering::Acquire)
            });
        }
        // 40 batches of about 250 KiB each went through the log; it holds about two.
        let wal = std::fs::metadata(dir.wal()).unwrap().len();
        assert!(wal < 6 * 250 * 1024, "log of {wal} bytes");
        drop(store);

        // A log longer than `truncate_frames` is truncated.
        let policy = CheckpointPolicy {
            interval: Duration::from_millis(20),
            wake_frames: 1_000_000,
            truncate_frames: 16,
        };
        let store = SqliteStore::open_with(&dir.db(), policy).unwrap();
        write_executions(&store, 1..4, 32);
        eventually("a truncated log", || {
            std::fs::metadata(dir.wal()).is_ok_and(|m| m.len() == 0)
        });
        assert_eq!(count(&store, "SELECT COUNT(*) FROM executions"), 44 * 32);
        drop(store);
        let store = SqliteStore::open(&dir.db()).unwrap();
        assert_eq!(count(&store, "SELECT COUNT(*) FROM event_chunks"), 44 * 32);
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
        let dir = TempDir::new("full");
        fill_up(&SqliteStore::open(&dir.db()).unwrap());
    }
}
