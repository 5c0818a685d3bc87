//! The runtime: drives executions through the pure engine, commits every step of a STANDARD
//! execution to the store before acting on it, fires timers, runs tasks, and after a restart
//! rebuilds each running execution by replaying its journal.
//!
//! Architecture invariant: for a STANDARD execution, nothing a step decided (a timer, a task, an
//! answer to the caller) happens before the step's journal entry and events are durable.

pub mod committer;
pub mod journal;
pub mod nested;
pub mod tasks;
pub mod timers;

use crate::integrations::mock::MockResponse;
use crate::runtime::committer::{Committer, PendingCommit};
use crate::runtime::journal::Entry;
use crate::runtime::timers::Timers;
use baton_asl::{SourceFormat, StateMachine, StateMachineType, ValidateOptions, parse_definition};
use baton_engine::event::WorkerKind;
use baton_engine::event::{EventDetails, Millis, payload_text};
use baton_engine::execution::TaskId;
use baton_engine::execution::TimerId;
use baton_engine::failure::Failure;
use baton_engine::local::{NoIntegrations, TaskRunner, VirtualEnvironment};
use baton_engine::{Command, Execution, ExecutionInfo, ExecutionStatus, Signal};
use baton_store::{
    ExecutionOutcome, ExecutionRecord, JournalEntry, RunStatus, Store, StoreError, StoredEvent,
    WorkflowType, Write,
};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::oneshot;

/// How long a step that could not be stored (e.g. the disk is full) waits before it is tried
/// again, in milliseconds.
const STORE_RETRY_MILLIS: Millis = 1000;

/// The wall clock in milliseconds since the epoch.
pub fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How the runtime runs executions.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Multiplies every timer's delay (Wait states, retry intervals, timeouts); 1.0 is real time.
    pub wait_time_scale: f64,
    /// The most events one history may hold.
    pub max_history_events: usize,
    /// Step Functions Local's mock configuration (`--mock-config`), if one was loaded.
    pub mocks: Option<Arc<crate::integrations::mock::MockConfig>>,
    /// The Lambda Invoke API client (`--lambda-endpoint` / `AWS_ENDPOINT_URL_LAMBDA`), if set.
    pub lambda: Option<crate::integrations::lambda::LambdaClient>,
    /// The HTTP Task's client, with the connections it may use (`--connections`).
    pub http: crate::integrations::http::HttpTaskClient,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            wait_time_scale: 1.0,
            max_history_events: baton_engine::execution::MAX_HISTORY_EVENTS,
            mocks: None,
            lambda: None,
            http: crate::integrations::http::HttpTaskClient::new(
                crate::integrations::http::Connections::default(),
            ),
        }
    }
}

/// What went wrong running an execution.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The store refused or failed the write.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An execution in memory: its engine state and what the runtime needs to continue it.
struct Live {
    arn: Arc<str>,
    execution: Execution,
    /// The summary row as it stands.
    record: ExecutionRecord,
    /// The next journal position.
    next_seq: u64,
    /// STANDARD executions commit every step; EXPRESS ones only their outcome.
    durable: bool,
    /// Callers waiting for the end (StartSyncExecution).
    waiters: Vec<oneshot::Sender<ExecutionRecord>>,
    finished: bool,
    /// The mock test case the execution runs under (`stateMachineArn#TestCase`).
    test_case: Option<String>,
    /// How often each state's task was dispatched (the mock invocation counter).
    dispatched: HashMap<String, u64>,
}

/// One signal's step through the engine, for the runtime to act on once it is stored.
struct Step {
    /// What the engine asked for.
    commands: Vec<Command>,
    /// The clock reading the step ran at.
    now: Millis,
    /// The execution's end, when the step ended it.
    outcome: Option<ExecutionOutcome>,
}

/// What to start.
pub struct StartRequest {
    /// The parsed definition.
    pub machine: Arc<StateMachine>,
    /// Names and ARNs; `execution_arn` decides the execution's ARN.
    pub info: ExecutionInfo,
    /// STANDARD or EXPRESS.
    pub workflow_type: WorkflowType,
    /// The definition text (kept with the execution).
    pub definition: String,
    /// The state machine's revision.
    pub revision_id: String,
    /// The input exactly as given.
    pub input_text: String,
    /// The input, parsed.
    pub input: Value,
    /// The mock test case (`stateMachineArn#TestCase`), if any.
    pub test_case: Option<String>,
}

/// What answered a SendTask* call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskAnswer {
    /// The task took the answer.
    Accepted,
    /// The token is not one Baton issued.
    UnknownToken,
    /// The task existed but is no longer awaited (it timed out, or its execution ended).
    NoLongerAwaited,
}

/// Drives every execution of one Baton process.
pub struct Runtime {
    store: Arc<dyn Store>,
    committer: Committer,
    timers: OnceLock<Timers>,
    config: RuntimeConfig,
    live: Mutex<HashMap<Arc<str>, Arc<tokio::sync::Mutex<Live>>>>,
    seed_state: AtomicU64,
    /// Task tokens and activity queues.
    hub: tasks::TaskHub,
    /// Each execution's inbox: signals from timers and integrations, delivered in the order
    /// they were posted by one task per execution.
    inboxes: Mutex<HashMap<Arc<str>, tokio::sync::mpsc::UnboundedSender<Signal>>>,
    /// Starts nested executions (set by the API layer).
    nested: OnceLock<nested::NestedStarter>,
    /// `.sync` parents waiting for a child, by child ARN.
    watchers: Mutex<HashMap<String, Vec<nested::Watcher>>>,
}

impl Runtime {
    /// A runtime over `store`. Must be called inside a tokio runtime (it starts the timer task).
    pub fn start(store: Arc<dyn Store>, config: RuntimeConfig) -> std::io::Result<Arc<Self>> {
        let committer = Committer::start(Arc::clone(&store))?;
        let runtime = Arc::new(Self {
            store,
            committer,
            timers: OnceLock::new(),
            config,
            live: Mutex::new(HashMap::new()),
            hub: tasks::TaskHub::default(),
            inboxes: Mutex::new(HashMap::new()),
            nested: OnceLock::new(),
            watchers: Mutex::new(HashMap::new()),
            seed_state: AtomicU64::new(
                u64::try_from(now_millis()).unwrap_or(0) ^ u64::from(std::process::id()) << 32,
            ),
        });
        let weak: Weak<Self> = Arc::downgrade(&runtime);
        let timers = Timers::start(
            Arc::new(move |due: Vec<(Arc<str>, TimerId)>| {
                let Some(runtime) = weak.upgrade() else {
                    return;
                };
                // Each execution's inbox takes its timers in due order.
                for (execution, timer) in due {
                    runtime.post(execution, Signal::TimerFired { timer });
                }
            }),
            now_millis,
        );
        let _ = runtime.timers.set(timers);
        Ok(runtime)
    }

    /// The store the runtime writes to.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The commit path shared with the API (state machine writes are grouped with steps).
    pub fn committer(&self) -> &Committer {
        &self.committer
    }

    /// A fresh random seed (SplitMix64 over a counter seeded from the clock and process id).
    pub fn random_seed(&self) -> u64 {
        self.next_seed()
    }

    /// A fresh random seed for one step (SplitMix64 over a counter).
    fn next_seed(&self) -> u64 {
        let mut z = self
            .seed_state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Queues `signal` for execution `arn`: signals posted to one execution are delivered one
    /// after another in posting order, so its history does not depend on thread timing.
    pub fn post(self: &Arc<Self>, arn: Arc<str>, signal: Signal) {
        let mut inboxes = self.inboxes.lock().unwrap_or_else(|e| e.into_inner());
        let signal = match inboxes.get(&arn) {
            Some(inbox) => match inbox.send(signal) {
                Ok(()) => return,
                Err(returned) => returned.0,
            },
            None => signal,
        };
        let (inbox, mut queue) = tokio::sync::mpsc::unbounded_channel();
        let _ = inbox.send(signal);
        inboxes.insert(Arc::clone(&arn), inbox);
        drop(inboxes);
        let runtime = Arc::clone(self);
        tokio::spawn(async move {
            while let Some(signal) = queue.recv().await {
                runtime.deliver(&arn, signal).await;
            }
        });
    }

    /// Whether `arn` is an execution this process is running.
    pub fn is_live(&self, arn: &str) -> bool {
        self.lock_live().contains_key(arn)
    }

    fn lock_live(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, Arc<tokio::sync::Mutex<Live>>>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts an execution. A STANDARD one is durable when this returns; `wait` also waits for
    /// its end (StartSyncExecution) and returns the final record.
    pub async fn start_execution(
        self: &Arc<Self>,
        request: StartRequest,
        wait: bool,
    ) -> Result<ExecutionRecord, RuntimeError> {
        let now = now_millis();
        let seed = self.next_seed();
        let mut env = VirtualEnvironment::new(now, seed);
        let mut info = request.info;
        info.max_history_events = self.config.max_history_events;
        let arn: Arc<str> = Arc::from(info.execution_arn.as_str());
        let record = ExecutionRecord {
            arn: arn.to_string(),
            state_machine_arn: info.state_machine_arn.clone(),
            name: info.name.clone(),
            workflow_type: request.workflow_type,
            status: RunStatus::Running,
            input: request.input_text,
            output: None,
            error: None,
            cause: None,
            started: now,
            stopped: None,
            definition: request.definition,
            role_arn: info.role_arn.clone(),
            revision_id: request.revision_id,
            event_count: 0,
        };
        let (execution, commands) =
            Execution::start(request.machine, info, request.input, &mut env);
        let durable = request.workflow_type == WorkflowType::Standard;
        let mut live = Live {
            arn: Arc::clone(&arn),
            execution,
            record,
            next_seq: 1,
            durable,
            waiters: Vec::new(),
            finished: false,
            test_case: request.test_case,
            dispatched: HashMap::new(),
        };
        let events = stored_events(live.execution.events(), 0);
        let outcome = outcome_of(&live.execution, now);
        if durable {
            let created = live.record.clone();
            self.committer
                .commit(vec![
                    Write::CreateExecution(created),
                    Write::AppendStep {
                        execution_arn: arn.to_string(),
                        journal: Some(JournalEntry {
                            seq: 0,
                            at: now,
                            seed,
                            signal: journal::start(live.test_case.as_deref()),
                        }),
                        events,
                        outcome: outcome.clone(),
                    },
                ])
                .await?;
        }
        live.record
            .record_step(live.execution.events().len() as u64, outcome.as_ref());
        let waiter = if wait {
            let (send, receive) = oneshot::channel();
            live.waiters.push(send);
            Some(receive)
        } else {
            None
        };
        let started = live.record.clone();
        // Most short workflows end in their first step: nothing to keep, no timer, no task.
        if commands.is_empty() && !live.execution.status().is_running() {
            self.finish(&mut live).await;
            return Ok(match waiter {
                Some(receive) => receive.await.unwrap_or(started),
                None => started,
            });
        }
        let shared = Arc::new(tokio::sync::Mutex::new(live));
        {
            let mut guard = shared.lock().await;
            self.lock_live()
                .insert(Arc::clone(&arn), Arc::clone(&shared));
            self.act(&mut guard, commands, now, &HashSet::new());
            if !guard.execution.status().is_running() {
                self.finish(&mut guard).await;
            }
        }
        match waiter {
            Some(receive) => Ok(receive.await.unwrap_or(started)),
            None => Ok(started),
        }
    }

    /// Delivers a signal to a running execution; returns false when it is not running here.
    pub async fn deliver(self: &Arc<Self>, arn: &str, signal: Signal) -> bool {
        let shared = self.lock_live().get(arn).cloned();
        let Some(shared) = shared else {
            return false;
        };
        let mut live = shared.lock().await;
        if live.finished {
            return false;
        }
        if let Err(error) = self.step(&mut live, signal).await {
            self.reload_after_failed_step(live, &error).await;
            return false;
        }
        true
    }

    /// A step of `live` could not be stored, so its memory is ahead of the store: retires this
    /// copy and continues the execution from what the store holds (after a pause). Does nothing
    /// when the copy was already retired or ended.
    async fn reload_after_failed_step(
        self: &Arc<Self>,
        mut live: tokio::sync::MutexGuard<'_, Live>,
        error: &RuntimeError,
    ) {
        if live.finished {
            return;
        }
        tracing::error!(execution = %live.arn, %error, "a step could not be stored; reloading the execution from the store");
        let arn = Arc::clone(&live.arn);
        live.finished = true;
        self.lock_live().remove(&arn);
        if let Some(timers) = self.timers.get() {
            timers.cancel_all(Arc::clone(&arn));
        }
        drop(live);
        if let Ok(Some(record)) = self.store.execution(&arn)
            && let Err(error) = self.resume(record, STORE_RETRY_MILLIS).await
        {
            tracing::error!(execution = %arn, %error, "could not reload the execution");
        }
    }

    /// Stops a running execution (StopExecution); returns the stop time, or `None` when it is
    /// not running here.
    pub async fn stop(
        self: &Arc<Self>,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<Option<Millis>, RuntimeError> {
        let shared = self.lock_live().get(arn).cloned();
        let Some(shared) = shared else {
            return Ok(None);
        };
        let mut live = shared.lock().await;
        if live.finished {
            return Ok(None);
        }
        if let Err(failed) = self.step(&mut live, Signal::Stop { error, cause }).await {
            self.reload_after_failed_step(live, &failed).await;
            return Err(failed);
        }
        Ok(live.record.stopped)
    }

    /// Runs one signal through the engine, stores the step, then acts on it.
    async fn step(self: &Arc<Self>, live: &mut Live, signal: Signal) -> Result<(), RuntimeError> {
        let (step, pending) = self.submit_step(live, signal);
        if let Some(pending) = pending {
            pending.durable().await?;
        }
        self.after_step(live, step).await;
        Ok(())
    }

    /// Runs one signal through the engine and queues the step's writes (a STANDARD
    /// execution's), without waiting for them to be durable. Writes queued later for the same
    /// execution are committed after these; if these fail, the store refuses the later ones
    /// too (their events do not follow on).
    fn submit_step(
        self: &Arc<Self>,
        live: &mut Live,
        signal: Signal,
    ) -> (Step, Option<PendingCommit>) {
        let now = now_millis();
        let seed = self.next_seed();
        let mut env = VirtualEnvironment::new(now, seed);
        let before = live.execution.events().len();
        let journal_text = live.durable.then(|| journal::encode(&signal));
        let commands = live.execution.signal(signal, &mut env);
        let outcome = outcome_of(&live.execution, now);
        let pending = journal_text.map(|journal_text| {
            let events = stored_events(live.execution.events(), before);
            let pending = self.committer.submit(vec![Write::AppendStep {
                execution_arn: live.arn.to_string(),
                journal: Some(JournalEntry {
                    seq: live.next_seq,
                    at: now,
                    seed,
                    signal: journal_text,
                }),
                events,
                outcome: outcome.clone(),
            }]);
            live.next_seq += 1;
            pending
        });
        let step = Step {
            commands,
            now,
            outcome,
        };
        (step, pending)
    }

    /// What follows a stored step: the summary, the engine's commands, the end.
    async fn after_step(self: &Arc<Self>, live: &mut Live, step: Step) {
        live.record
            .record_step(live.execution.events().len() as u64, step.outcome.as_ref());
        self.act(live, step.commands, step.now, &HashSet::new());
        if !live.execution.status().is_running() {
            self.finish(live).await;
        }
    }

    /// Carries out the engine's commands. Tasks in `started` were already taken by a worker
    /// before a restart (they are not queued again).
    fn act(
        self: &Arc<Self>,
        live: &mut Live,
        commands: Vec<Command>,
        now: Millis,
        started: &HashSet<TaskId>,
    ) {
        let Some(timers) = self.timers.get() else {
            return;
        };
        let mut answers: Vec<(TaskId, Answer)> = Vec::new();
        for command in commands {
            match command {
                Command::StartTimer { timer, due } => {
                    timers.schedule(Arc::clone(&live.arn), timer, self.fire_time(now, due));
                }
                Command::CancelTimer { timer } => timers.cancel(Arc::clone(&live.arn), timer),
                Command::RunTask {
                    task,
                    state_name,
                    resource,
                    parameters,
                    heartbeat_seconds,
                    task_token,
                    ..
                } => {
                    let invocation = {
                        let count = live.dispatched.entry(state_name.clone()).or_insert(0);
                        *count += 1;
                        *count - 1
                    };
                    if let Some(answer) = self.mocked(live, &state_name, invocation) {
                        let answer = match answer {
                            // A Lambda function ARN as Resource gets the function's result: the
                            // mocked Invoke response's Payload.
                            Answer::Succeeded(Value::Object(mut invoke))
                                if WorkerKind::of(&resource)
                                    == Some(WorkerKind::LambdaFunction)
                                    && invoke.contains_key("Payload") =>
                            {
                                Answer::Succeeded(invoke.remove("Payload").unwrap_or(Value::Null))
                            }
                            other => other,
                        };
                        if resource.ends_with(".sync") || resource.contains(".sync:") {
                            answers.push((task, Answer::Submitted(json!({}))));
                        }
                        answers.push((task, answer));
                        continue;
                    }
                    let activity = (WorkerKind::of(&resource) == Some(WorkerKind::Activity))
                        .then(|| resource.clone());
                    if let Some(token) = task_token {
                        let is_activity = activity.is_some();
                        self.hub.register(
                            token.clone(),
                            tasks::PendingTask {
                                execution: Arc::clone(&live.arn),
                                task,
                                activity,
                                input: parameters.clone(),
                                heartbeat_seconds,
                                heartbeat_generation: 0,
                            },
                            !started.contains(&task),
                        );
                        if is_activity {
                            // A worker takes it through GetActivityTask.
                            continue;
                        }
                        // A callback: the heartbeat clock runs from now; the integration call
                        // that carries the token must succeed, its result is not the answer.
                        if let Some(seconds) = heartbeat_seconds {
                            let generation = self.hub.heartbeat_generation(&token).unwrap_or(0);
                            self.arm_heartbeat(token, seconds, generation);
                        }
                        self.run_integration(live, task, resource, parameters, true, false);
                        continue;
                    }
                    let resuming = started.contains(&task);
                    self.run_integration(live, task, resource, parameters, false, resuming);
                }
            }
        }
        if answers.is_empty() {
            return;
        }
        // Answers known at once go through the execution's inbox in the order the engine
        // asked, so a run's history does not depend on thread timing.
        for (task, answer) in answers {
            let signal = match answer {
                Answer::Submitted(output) => Signal::TaskSubmitted { task, output },
                Answer::Succeeded(output) => Signal::TaskSucceeded { task, output },
                Answer::Failed(failure) => Signal::TaskFailed { task, failure },
            };
            self.post(Arc::clone(&live.arn), signal);
        }
    }

    /// Calls the integration behind `resource`; its answer becomes the task's result, or for a
    /// callback (`callback`), only its failure does (the result comes with the token).
    /// `resuming`: the task was already under way before a restart.
    fn run_integration(
        self: &Arc<Self>,
        live: &Live,
        task: TaskId,
        resource: String,
        parameters: Value,
        callback: bool,
        resuming: bool,
    ) {
        if let Some(mode) = nested::NestedMode::of(&resource) {
            self.start_nested(live, task, mode, &parameters, resuming);
            return;
        }
        let runtime = Arc::clone(self);
        let arn = Arc::clone(&live.arn);
        let answer = move |result: Result<Value, Failure>| {
            let signal = match result {
                Ok(_) if callback => return,
                Ok(output) => Signal::TaskSucceeded { task, output },
                Err(failure) => Signal::TaskFailed { task, failure },
            };
            runtime.post(arn, signal);
        };
        if crate::integrations::http::is_http_resource(&resource) {
            let client = self.config.http.clone();
            tokio::spawn(async move {
                let result = client
                    .run_task(&parameters)
                    .await
                    .map_err(|(error, cause)| Failure::new(error, cause));
                answer(result);
            });
            return;
        }
        match self
            .config
            .lambda
            .clone()
            .filter(|_| crate::integrations::lambda::is_lambda_resource(&resource))
        {
            Some(client) => {
                tokio::spawn(async move {
                    let result = client
                        .run_task(&resource, &parameters)
                        .await
                        .map_err(|(error, cause)| Failure::new(error, cause));
                    answer(result);
                });
            }
            // No integration serves it: the answer is known at once.
            None => answer(NoIntegrations.run(&resource, &parameters)),
        }
    }

    /// The mocked answer of `state`'s `invocation`-th task, when the execution runs under a
    /// mock test case that mocks the state.
    fn mocked(&self, live: &Live, state: &str, invocation: u64) -> Option<Answer> {
        let mocks = self.config.mocks.as_ref()?;
        let case = mocks.test_case(machine_name(&live.record), live.test_case.as_deref()?)?;
        if !case.mocks(state) {
            return None;
        }
        Some(match case.response(state, invocation) {
            Some(MockResponse::Return(value)) => Answer::Succeeded(value.clone()),
            Some(MockResponse::Throw { error, cause }) => {
                Answer::Failed(Failure::new(error.clone(), cause.clone()))
            }
            None => Answer::Failed(Failure::new(
                baton_engine::failure::names::RUNTIME,
                format!(
                    "The mock configuration has no response for invocation {invocation} of state '{state}'"
                ),
            )),
        })
    }

    /// Fails the task behind `token` with `States.HeartbeatTimeout` unless a heartbeat (or its
    /// end) comes within `seconds` (scaled).
    fn arm_heartbeat(self: &Arc<Self>, token: String, seconds: u64, generation: u64) {
        let runtime = Arc::clone(self);
        let millis = (seconds as f64 * 1000.0 * self.config.wait_time_scale) as u64;
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
            if runtime.hub.heartbeat_missed(&token, generation)
                && let Some(pending) = runtime.hub.remove(&token)
            {
                runtime.hub.retire(token);
                let failure = Failure::new(baton_engine::failure::names::HEARTBEAT_TIMEOUT, "");
                runtime
                    .deliver(
                        &pending.execution,
                        Signal::TaskFailed {
                            task: pending.task,
                            failure,
                        },
                    )
                    .await;
            }
        });
    }

    /// Lets the runtime start nested executions (`states:startExecution` tasks).
    pub fn set_nested_starter(&self, starter: nested::NestedStarter) {
        let _ = self.nested.set(starter);
    }

    fn lock_watchers(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<nested::Watcher>>> {
        self.watchers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a `states:startExecution` task: starts the child and, for `.sync`, waits for it.
    fn start_nested(
        self: &Arc<Self>,
        live: &Live,
        task: TaskId,
        mode: nested::NestedMode,
        parameters: &Value,
        resuming: bool,
    ) {
        let runtime = Arc::clone(self);
        let parent = Arc::clone(&live.arn);
        let parsed = nested::read_parameters(parameters);
        let starter = self.nested.get().cloned();
        let default_name = deterministic_name(&live.arn, task);
        tokio::spawn(async move {
            let fail = |failure: Failure| Signal::TaskFailed { task, failure };
            let signal = match (parsed, starter) {
                (Err(failure), _) => fail(failure),
                (Ok(_), None) => fail(Failure::new(
                    baton_engine::failure::names::TASK_FAILED,
                    "Nested executions are not available in this Baton run",
                )),
                (Ok((state_machine_arn, input, name)), Some(starter)) => {
                    let name = name.unwrap_or(default_name);
                    let sync = matches!(mode, nested::NestedMode::Sync | nested::NestedMode::Sync2);
                    let child_arn = child_execution_arn(&state_machine_arn, &name);
                    if sync {
                        runtime
                            .lock_watchers()
                            .entry(child_arn.clone())
                            .or_default()
                            .push(nested::Watcher {
                                parent: Arc::clone(&parent),
                                task,
                                mode,
                            });
                    }
                    let request = nested::NestedRequest {
                        state_machine_arn,
                        input,
                        name,
                        reuse_existing: resuming,
                    };
                    let request_id = {
                        let mut env = VirtualEnvironment::new(0, runtime.next_seed());
                        baton_engine::execution::uuid_v4(&mut env)
                    };
                    match starter(request).await {
                        Err(failure) => {
                            runtime.lock_watchers().remove(&child_arn);
                            fail(failure)
                        }
                        Ok(child) if !sync => {
                            if mode == nested::NestedMode::WaitForTaskToken {
                                return;
                            }
                            Signal::TaskSucceeded {
                                task,
                                output: nested::start_result(&child, &request_id),
                            }
                        }
                        Ok(child) => {
                            if !resuming {
                                runtime
                                    .deliver(
                                        &parent,
                                        Signal::TaskSubmitted {
                                            task,
                                            output: nested::start_result(&child, &request_id),
                                        },
                                    )
                                    .await;
                            }
                            if child.status == RunStatus::Running {
                                return;
                            }
                            // It ended before the watch began (or before a restart).
                            runtime.lock_watchers().remove(&child_arn);
                            match nested::sync_result(&child, mode, &request_id) {
                                Ok(output) => Signal::TaskSucceeded { task, output },
                                Err(failure) => fail(failure),
                            }
                        }
                    }
                }
            };
            runtime.deliver(&parent, signal).await;
        });
    }

    /// A child ended: answer the `.sync` parents waiting for it.
    fn child_ended(self: &Arc<Self>, child: &ExecutionRecord) {
        let watchers = self.lock_watchers().remove(&child.arn).unwrap_or_default();
        for watcher in watchers {
            let runtime = Arc::clone(self);
            let request_id = {
                let mut env = VirtualEnvironment::new(0, self.next_seed());
                baton_engine::execution::uuid_v4(&mut env)
            };
            let signal = match nested::sync_result(child, watcher.mode, &request_id) {
                Ok(output) => Signal::TaskSucceeded {
                    task: watcher.task,
                    output,
                },
                Err(failure) => Signal::TaskFailed {
                    task: watcher.task,
                    failure,
                },
            };
            tokio::spawn(async move {
                runtime.deliver(&watcher.parent, signal).await;
            });
        }
    }

    /// A parent ended: stop the `.sync` children it was waiting for.
    fn stop_children(self: &Arc<Self>, parent: &str) {
        let children: Vec<String> = {
            let mut watchers = self.lock_watchers();
            let children: Vec<String> = watchers
                .iter()
                .filter(|(_, list)| list.iter().any(|w| &*w.parent == parent))
                .map(|(child, _)| child.clone())
                .collect();
            for child in &children {
                if let Some(list) = watchers.get_mut(child) {
                    list.retain(|w| &*w.parent != parent);
                }
            }
            children
        };
        for child in children {
            let runtime = Arc::clone(self);
            tokio::spawn(async move {
                let _ = runtime.stop(&child, None, None).await;
            });
        }
    }

    /// The task hub (activity queues and task tokens).
    pub fn hub(&self) -> &tasks::TaskHub {
        &self.hub
    }

    /// A worker took an activity task: records `ActivityStarted` and starts its heartbeat clock.
    pub async fn activity_taken(
        self: &Arc<Self>,
        handout: &tasks::Handout,
        worker_name: Option<String>,
    ) {
        let shared = self.lock_live().get(&*handout.execution).cloned();
        if let Some(shared) = shared {
            let mut live = shared.lock().await;
            if live.finished {
                return;
            }
            // The worker gets the task once ActivityStarted is in the execution's memory and
            // queued for the disk, not after the disk has it: a crash in between hands the
            // task out again after the restart (the first worker's token stays valid).
            let signal = Signal::TaskStarted {
                task: handout.task,
                worker_name,
            };
            let (step, pending) = self.submit_step(&mut live, signal);
            self.after_step(&mut live, step).await;
            drop(live);
            if let Some(pending) = pending {
                let runtime = Arc::clone(self);
                tokio::spawn(async move {
                    if let Err(error) = pending.durable().await {
                        let live = shared.lock().await;
                        runtime.reload_after_failed_step(live, &error.into()).await;
                    }
                });
            }
        }
        if let Some(seconds) = handout.heartbeat_seconds {
            self.arm_heartbeat(handout.token.clone(), seconds, handout.heartbeat_generation);
        }
    }

    /// SendTaskSuccess / SendTaskFailure: answers the task behind `token`.
    pub async fn answer_task(
        self: &Arc<Self>,
        token: &str,
        result: Result<Value, Failure>,
    ) -> Result<TaskAnswer, RuntimeError> {
        let Some(pending) = self.hub.get(token) else {
            return Ok(if self.hub.is_retired(token) {
                TaskAnswer::NoLongerAwaited
            } else {
                TaskAnswer::UnknownToken
            });
        };
        let shared = self.lock_live().get(&*pending.execution).cloned();
        let Some(shared) = shared else {
            self.hub.remove(token);
            self.hub.retire(token.to_owned());
            return Ok(TaskAnswer::NoLongerAwaited);
        };
        let mut live = shared.lock().await;
        if live.finished || !live.execution.awaits_task(pending.task) {
            self.hub.remove(token);
            self.hub.retire(token.to_owned());
            return Ok(TaskAnswer::NoLongerAwaited);
        }
        let signal = match result {
            Ok(output) => Signal::TaskSucceeded {
                task: pending.task,
                output,
            },
            Err(failure) => Signal::TaskFailed {
                task: pending.task,
                failure,
            },
        };
        if let Err(error) = self.step(&mut live, signal).await {
            self.reload_after_failed_step(live, &error).await;
            return Err(error);
        }
        self.hub.remove(token);
        self.hub.retire(token.to_owned());
        Ok(TaskAnswer::Accepted)
    }

    /// SendTaskHeartbeat: restarts the heartbeat clock of the task behind `token`.
    pub async fn heartbeat_task(self: &Arc<Self>, token: &str) -> TaskAnswer {
        let Some(pending) = self.hub.get(token) else {
            return if self.hub.is_retired(token) {
                TaskAnswer::NoLongerAwaited
            } else {
                TaskAnswer::UnknownToken
            };
        };
        let shared = self.lock_live().get(&*pending.execution).cloned();
        let awaited = match shared {
            Some(shared) => {
                let live = shared.lock().await;
                !live.finished && live.execution.awaits_task(pending.task)
            }
            None => false,
        };
        if !awaited {
            self.hub.remove(token);
            self.hub.retire(token.to_owned());
            return TaskAnswer::NoLongerAwaited;
        }
        if let (Some(generation), Some(seconds)) =
            (self.hub.heartbeat(token), pending.heartbeat_seconds)
        {
            self.arm_heartbeat(token.to_owned(), seconds, generation);
        }
        TaskAnswer::Accepted
    }

    /// When a timer the engine wants at `due` (engine time, decided at `now`) fires on the wall
    /// clock, after the wait-time scale.
    fn fire_time(&self, now: Millis, due: Millis) -> Millis {
        let delay = (due - now).max(0) as f64 * self.config.wait_time_scale;
        now + delay as Millis
    }

    /// The execution ended: forget it, and record an EXPRESS one's outcome.
    async fn finish(self: &Arc<Self>, live: &mut Live) {
        let was_live = self.lock_live().remove(&live.arn).is_some();
        self.hub.forget_execution(&live.arn);
        self.inboxes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&live.arn);
        if was_live && let Some(timers) = self.timers.get() {
            timers.cancel_all(Arc::clone(&live.arn));
        }
        live.finished = true;
        if !live.durable {
            let mut created = live.record.clone();
            created.event_count = 0;
            created.status = RunStatus::Running;
            let outcome = outcome_of(
                &live.execution,
                live.record.stopped.unwrap_or_else(now_millis),
            );
            let writes = vec![
                Write::CreateExecution(created),
                Write::AppendStep {
                    execution_arn: live.arn.to_string(),
                    journal: None,
                    events: stored_events(live.execution.events(), 0),
                    outcome,
                },
            ];
            // EXPRESS outcomes are kept for the console, at-least-once like AWS's logs: the
            // caller is not held up by the disk.
            let committer = self.committer.clone();
            let arn = Arc::clone(&live.arn);
            tokio::spawn(async move {
                if let Err(error) = committer.commit(writes).await {
                    tracing::warn!(execution = %arn, %error, "could not record an EXPRESS execution's outcome");
                }
            });
        }
        for waiter in live.waiters.drain(..) {
            let _ = waiter.send(live.record.clone());
        }
        self.child_ended(&live.record);
        self.stop_children(&live.arn);
    }

    /// Rebuilds every running STANDARD execution from the store (after a restart).
    pub async fn recover(self: &Arc<Self>) -> Result<usize, RuntimeError> {
        let running = self.store.running()?;
        let count = running.len();
        for record in running {
            let arn = record.arn.clone();
            if let Err(error) = self.resume(record, 0).await {
                tracing::error!(execution = %arn, %error, "could not resume the execution");
            }
        }
        Ok(count)
    }

    /// Replays one execution's journal and continues it: pending timers are scheduled again
    /// (overdue ones fire at once) and pending tasks run again.
    /// Timers fire no sooner than `delay` ms from now (a step that could not be stored is tried
    /// again after a pause, not in a busy loop).
    async fn resume(
        self: &Arc<Self>,
        record: ExecutionRecord,
        delay: Millis,
    ) -> Result<(), RuntimeError> {
        let journal_entries = self.store.journal(&record.arn)?;
        let machine_type = match record.workflow_type {
            WorkflowType::Standard => StateMachineType::Standard,
            WorkflowType::Express => StateMachineType::Express,
        };
        let parsed = parse_definition(
            &record.definition,
            ValidateOptions {
                state_machine_type: machine_type,
                format: SourceFormat::Json,
            },
        );
        let Some(machine) = parsed.state_machine else {
            tracing::error!(execution = %record.arn, "the stored definition no longer parses");
            return Ok(());
        };
        let machine = Arc::new(machine);
        let mut info = execution_info(&record);
        info.max_history_events = self.config.max_history_events;
        let input: Value = serde_json::from_str(&record.input).unwrap_or(Value::Null);
        let mut execution: Option<Execution> = None;
        let mut timers: HashMap<TimerId, Millis> = HashMap::new();
        let mut tasks: HashMap<u64, Command> = HashMap::new();
        let mut next_seq = 0;
        let mut test_case = None;
        let mut started: HashSet<TaskId> = HashSet::new();
        let mut dispatched: HashMap<String, u64> = HashMap::new();
        for entry in &journal_entries {
            let mut env = VirtualEnvironment::new(entry.at, entry.seed);
            let commands = match (journal::decode(&entry.signal), execution.as_mut()) {
                (Some(Entry::Start { test_case: case }), None) => {
                    test_case = case;
                    let (started, commands) = Execution::start(
                        Arc::clone(&machine),
                        info.clone(),
                        input.clone(),
                        &mut env,
                    );
                    execution = Some(started);
                    commands
                }
                (Some(Entry::Signal(signal)), Some(execution)) => {
                    match &signal {
                        Signal::TimerFired { timer } => {
                            timers.remove(timer);
                        }
                        Signal::TaskSucceeded { task, .. } | Signal::TaskFailed { task, .. } => {
                            tasks.remove(task);
                        }
                        Signal::TaskStarted { task, .. } | Signal::TaskSubmitted { task, .. } => {
                            started.insert(*task);
                        }
                        Signal::Stop { .. } => {}
                    }
                    execution.signal(signal, &mut env)
                }
                _ => {
                    tracing::error!(execution = %record.arn, seq = entry.seq, "unreadable journal entry");
                    return Ok(());
                }
            };
            next_seq = entry.seq + 1;
            for command in commands {
                match command {
                    Command::StartTimer { timer, due } => {
                        timers.insert(timer, self.fire_time(entry.at, due));
                    }
                    Command::CancelTimer { timer } => {
                        timers.remove(&timer);
                    }
                    Command::RunTask {
                        task,
                        ref state_name,
                        ..
                    } => {
                        *dispatched.entry(state_name.clone()).or_insert(0) += 1;
                        tasks.insert(task, command);
                    }
                }
            }
        }
        let Some(execution) = execution else {
            tracing::error!(execution = %record.arn, "the journal has no start");
            return Ok(());
        };
        if execution.events().len() as u64 != record.event_count {
            tracing::error!(
                execution = %record.arn,
                replayed = execution.events().len(),
                stored = record.event_count,
                "replay does not reproduce the stored history"
            );
        }
        let arn: Arc<str> = Arc::from(record.arn.as_str());
        // Tasks still pending are dispatched again below, and counted again there.
        for command in tasks.values() {
            if let Command::RunTask { state_name, .. } = command
                && let Some(count) = dispatched.get_mut(state_name)
            {
                *count = count.saturating_sub(1);
            }
        }
        let shared = Arc::new(tokio::sync::Mutex::new(Live {
            arn: Arc::clone(&arn),
            execution,
            record,
            next_seq,
            durable: true,
            waiters: Vec::new(),
            finished: false,
            test_case,
            dispatched,
        }));
        self.lock_live()
            .insert(Arc::clone(&arn), Arc::clone(&shared));
        if let Some(service) = self.timers.get() {
            // In due order, and in start order for equal times, as the engine would fire them.
            let earliest = now_millis() + delay;
            let mut timers: Vec<(TimerId, Millis)> = timers
                .into_iter()
                .map(|(timer, fire_at)| (timer, fire_at.max(earliest)))
                .collect();
            timers.sort_by_key(|(timer, fire_at)| (*fire_at, *timer));
            for (timer, fire_at) in timers {
                service.schedule(Arc::clone(&arn), timer, fire_at);
            }
        }
        let mut guard = shared.lock().await;
        let mut pending: Vec<(u64, Command)> = tasks.into_iter().collect();
        pending.sort_by_key(|(task, _)| *task);
        self.act(
            &mut guard,
            pending.into_iter().map(|(_, c)| c).collect(),
            now_millis(),
            &started,
        );
        Ok(())
    }
}

/// How a task is answered.
enum Answer {
    /// A `.sync` job was submitted (a result follows).
    Submitted(Value),
    /// By a mock, with this result.
    Succeeded(Value),
    /// By a mock or a failed dispatch, with this failure.
    Failed(Failure),
}

/// The state machine name of an execution record (the last part of its state machine ARN).
fn machine_name(record: &ExecutionRecord) -> &str {
    record
        .state_machine_arn
        .rsplit(':')
        .next()
        .unwrap_or_default()
}

/// A child execution's ARN: `…:execution:<state machine name>:<name>`.
fn child_execution_arn(state_machine_arn: &str, name: &str) -> String {
    format!(
        "{}:{name}",
        state_machine_arn.replacen(":stateMachine:", ":execution:", 1)
    )
}

/// A child's name when the Task gives none: a UUID derived from the parent and the task, so a
/// restarted parent finds the same child again.
fn deterministic_name(parent: &str, task: TaskId) -> String {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ task;
    let mut other = 0x8422_2325_cbf2_9ce4u64;
    for byte in parent.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        other = (other ^ u64::from(byte))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(5);
    }
    let mut env = VirtualEnvironment::new(0, hash ^ other.rotate_left(17));
    baton_engine::execution::uuid_v4(&mut env)
}

/// The names and ARNs of a stored execution.
fn execution_info(record: &ExecutionRecord) -> ExecutionInfo {
    let fields: Vec<&str> = record.arn.split(':').collect();
    let region = fields.get(3).copied().unwrap_or("us-east-1");
    let account = fields.get(4).copied().unwrap_or("123456789012");
    let machine_name = record
        .state_machine_arn
        .rsplit(':')
        .next()
        .unwrap_or_default();
    let mut info = ExecutionInfo::new(
        account,
        region,
        machine_name,
        &record.name,
        &record.role_arn,
    );
    info.execution_arn.clone_from(&record.arn);
    info.state_machine_arn.clone_from(&record.state_machine_arn);
    info
}

/// Events from index `from` on, in their stored (wire) form.
fn stored_events(events: &[baton_engine::HistoryEvent], from: usize) -> Vec<StoredEvent> {
    events
        .iter()
        .skip(from)
        .map(|event| StoredEvent {
            id: event.id,
            body: event.to_wire(true).to_string(),
        })
        .collect()
}

/// How the execution ended, when it has.
fn outcome_of(execution: &Execution, now: Millis) -> Option<ExecutionOutcome> {
    let (status, output, error, cause) = match execution.status() {
        ExecutionStatus::Running => return None,
        ExecutionStatus::Succeeded(output) => {
            (RunStatus::Succeeded, Some(payload_text(output)), None, None)
        }
        ExecutionStatus::Failed(failure) => (
            RunStatus::Failed,
            None,
            non_empty(&failure.error),
            non_empty(&failure.cause),
        ),
        // AWS's DescribeExecution of a timed-out execution has no error or cause (the
        // ExecutionTimedOut event carries `States.Timeout`).
        ExecutionStatus::TimedOut(_) => (RunStatus::TimedOut, None, None, None),
        ExecutionStatus::Aborted => {
            let (error, cause) = match execution.events().last().map(|e| &e.details) {
                Some(EventDetails::ExecutionAborted { error, cause }) => {
                    (error.clone(), cause.clone())
                }
                _ => (None, None),
            };
            (RunStatus::Aborted, None, error, cause)
        }
    };
    let stopped = execution.events().last().map_or(now, |e| e.timestamp);
    Some(ExecutionOutcome {
        status,
        output,
        error,
        cause,
        stopped,
    })
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}
