//! Baton's storage: what is kept about state machines and executions, the [`Store`] trait every
//! backend implements, an in-memory store ([`memory::MemoryStore`]) and the embedded SQLite store
//! ([`sqlite::SqliteStore`]).
//!
//! The store keeps data, not meaning: definitions, event bodies and journal signals are opaque
//! text written by the runtime. An execution's engine state is never stored; the runtime
//! rebuilds it by replaying the execution's journal (the signals it received, each with the clock
//! reading and random seed it ran with).
//!
//! Architecture invariant: every [`Store::apply`] call is atomic. Either all of its writes are
//! durable when it returns `Ok`, or none is visible.

pub mod memory;
pub mod sqlite;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// STANDARD or EXPRESS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkflowType {
    /// Durable, exactly-once executions with a stored history.
    Standard,
    /// Short in-memory executions.
    Express,
}

impl WorkflowType {
    /// The API spelling (`STANDARD`, `EXPRESS`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "STANDARD",
            Self::Express => "EXPRESS",
        }
    }

    /// Reads the API spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "STANDARD" => Some(Self::Standard),
            "EXPRESS" => Some(Self::Express),
            _ => None,
        }
    }
}

/// Where an execution stands, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Still running.
    Running,
    /// Finished with an output.
    Succeeded,
    /// Failed.
    Failed,
    /// Ran past its `TimeoutSeconds`.
    TimedOut,
    /// Stopped by StopExecution.
    Aborted,
}

impl RunStatus {
    /// The API spelling (`RUNNING`, `SUCCEEDED`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::TimedOut => "TIMED_OUT",
            Self::Aborted => "ABORTED",
        }
    }

    /// Reads the API spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "RUNNING" => Some(Self::Running),
            "SUCCEEDED" => Some(Self::Succeeded),
            "FAILED" => Some(Self::Failed),
            "TIMED_OUT" => Some(Self::TimedOut),
            "ABORTED" => Some(Self::Aborted),
            _ => None,
        }
    }
}

/// A state machine as CreateStateMachine / UpdateStateMachine left it.
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachineRecord {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// The definition text, as given.
    pub definition: String,
    /// The execution role.
    pub role_arn: String,
    /// STANDARD or EXPRESS.
    pub workflow_type: WorkflowType,
    /// CreateStateMachine's time.
    pub created: Millis,
    /// The last UpdateStateMachine's time.
    pub updated: Option<Millis>,
    /// Changes on every update.
    pub revision_id: String,
    /// The description given at creation or update.
    pub description: String,
    /// `loggingConfiguration` as JSON text.
    pub logging_configuration: String,
    /// `tracingConfiguration` as JSON text.
    pub tracing_configuration: String,
    /// Tags, in the order they were first set.
    pub tags: Vec<(String, String)>,
}

/// An activity: a named queue of tasks that workers poll with GetActivityTask.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRecord {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// CreateActivity's time.
    pub created: Millis,
    /// Tags, in the order they were first set.
    pub tags: Vec<(String, String)>,
}

/// An execution's summary row: what DescribeExecution and ListExecutions show.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRecord {
    /// Its ARN.
    pub arn: String,
    /// The state machine it runs.
    pub state_machine_arn: String,
    /// Its name.
    pub name: String,
    /// STANDARD or EXPRESS.
    pub workflow_type: WorkflowType,
    /// Where it stands.
    pub status: RunStatus,
    /// The input text.
    pub input: String,
    /// The output text, once it succeeded.
    pub output: Option<String>,
    /// The error, once it failed, timed out or was stopped with one.
    pub error: Option<String>,
    /// The cause, likewise.
    pub cause: Option<String>,
    /// StartExecution's time.
    pub started: Millis,
    /// When it ended.
    pub stopped: Option<Millis>,
    /// The definition it runs (the state machine may change or go away meanwhile).
    pub definition: String,
    /// The role it runs as.
    pub role_arn: String,
    /// The state machine's revision when it started.
    pub revision_id: String,
    /// How many history events it has.
    pub event_count: u64,
}

impl ExecutionRecord {
    /// Brings the summary up to date after a step: its event count and, once it ended, its outcome.
    pub fn record_step(&mut self, event_count: u64, outcome: Option<&ExecutionOutcome>) {
        self.event_count = event_count;
        if let Some(outcome) = outcome {
            self.status = outcome.status;
            self.output.clone_from(&outcome.output);
            self.error.clone_from(&outcome.error);
            self.cause.clone_from(&outcome.cause);
            self.stopped = Some(outcome.stopped);
        }
    }
}

/// One signal an execution received: replaying the journal in `seq` order rebuilds its state.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    /// Position in the journal, from 0.
    pub seq: u64,
    /// The clock reading the signal ran with.
    pub at: Millis,
    /// The random seed the signal ran with.
    pub seed: u64,
    /// The signal, encoded by the runtime.
    pub signal: String,
}

/// One history event, already in its `GetExecutionHistory` wire form.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The event id (1, 2, …).
    pub id: u64,
    /// The event as JSON text.
    pub body: String,
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionOutcome {
    /// The final status.
    pub status: RunStatus,
    /// The output text, when it succeeded.
    pub output: Option<String>,
    /// The error.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
    /// When it ended.
    pub stopped: Millis,
}

/// One change to the store; [`Store::apply`] writes a batch of them atomically.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Creates or replaces a state machine.
    PutStateMachine(StateMachineRecord),
    /// Removes a state machine (its executions stay).
    DeleteStateMachine {
        /// Which one.
        arn: String,
    },
    /// Creates or replaces an activity.
    PutActivity(ActivityRecord),
    /// Removes an activity.
    DeleteActivity {
        /// Which one.
        arn: String,
    },
    /// Records a new execution.
    CreateExecution(ExecutionRecord),
    /// One step of an execution: the signal it ran, the events it added and, when it ended, how.
    AppendStep {
        /// Which execution.
        execution_arn: String,
        /// The signal, when the step came from one (the start has none: it is the record).
        journal: Option<JournalEntry>,
        /// New events, ids following the execution's last one.
        events: Vec<StoredEvent>,
        /// Set when the step ended the execution.
        outcome: Option<ExecutionOutcome>,
    },
}

/// Which executions to list: newest first.
///
/// Beware: `limit` is always applied, and 0 (what `ExecutionQuery::default()` gives) lists
/// nothing; ask for `usize::MAX` to list every match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecutionQuery {
    /// Only this state machine's.
    pub state_machine_arn: Option<String>,
    /// Only with this status.
    pub status: Option<RunStatus>,
    /// Continue after this execution (a page's last), in newest-first order.
    pub after: Option<String>,
    /// At most this many (0 lists nothing; it does not mean "no limit").
    pub limit: usize,
}

/// Which events to read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EventQuery {
    /// Continue after this event id (in the direction read).
    pub after: Option<u64>,
    /// Newest first.
    pub reverse: bool,
    /// At most this many.
    pub limit: usize,
}

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A step named an execution the store does not have.
    #[error("execution {0} does not exist")]
    NoSuchExecution(String),
    /// A new execution's ARN is already taken.
    #[error("execution {0} already exists")]
    ExecutionExists(String),
    /// A step's first event does not follow the execution's last one.
    #[error("execution {arn}: event {got} does not follow event {last}")]
    EventOutOfOrder {
        /// The execution.
        arn: String,
        /// Its last stored event id.
        last: u64,
        /// The id the step tried to add.
        got: u64,
    },
    /// The disk is full: nothing of the batch was written.
    #[error("the store's disk is full")]
    DiskFull,
    /// The backend failed (I/O, corruption, …).
    #[error("store backend: {0}")]
    Backend(String),
}

/// Durable storage for state machines and executions.
pub trait Store: Send + Sync {
    /// Writes every change of `writes` atomically (one transaction, one sync to disk).
    fn apply(&self, writes: &[Write]) -> Result<(), StoreError>;
    /// One state machine.
    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, StoreError>;
    /// State machines in ARN order, after `after`, at most `limit`.
    fn state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>, StoreError>;
    /// One activity.
    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, StoreError>;
    /// Activities in ARN order, after `after`, at most `limit`.
    fn activities(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ActivityRecord>, StoreError>;
    /// One execution.
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError>;
    /// Executions newest first (start time, then ARN, both descending).
    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRecord>, StoreError>;
    /// An execution's events in id order (or reversed).
    fn events(&self, arn: &str, query: EventQuery) -> Result<Vec<StoredEvent>, StoreError>;
    /// An execution's journal in `seq` order.
    fn journal(&self, arn: &str) -> Result<Vec<JournalEntry>, StoreError>;
    /// Every STANDARD execution still running, oldest first (start time, then ARN, both
    /// ascending): what a restart must resume.
    fn running(&self) -> Result<Vec<ExecutionRecord>, StoreError>;
}

/// Orders executions newest first: by start time, then by ARN, both descending.
pub fn newest_first(a: &ExecutionRecord, b: &ExecutionRecord) -> std::cmp::Ordering {
    b.started.cmp(&a.started).then_with(|| b.arn.cmp(&a.arn))
}
