//! The interpreter: one execution of a state machine, driven by signals (start, task results,
//! timers, stop) and answering with history events and commands. It is pure: time and
//! randomness come from the caller's [`Environment`], and it never blocks or does IO.
//!
//! Concurrency inside an execution (Parallel branches, Map iterations) is modelled as
//! *threads*: each runs one scope's states until it finishes, fails, or waits for a task or a
//! timer. Runnable threads run in a fixed order, so the same signals always give the same
//! history.

use crate::dataflow::{self, Env, LazyContext};
use crate::event::{
    EventDetails, HistoryEvent, IterationPhase, Millis, Phase, StateType, TaskResourceInfo,
    WorkerKind,
};
use crate::failure::{Failure, error_matches, names};
use crate::jsonata::{EvaluationError, JsonataScope};
use baton_asl::intrinsics::RandomSource;
use baton_asl::model::{
    Dynamic, PathField, Retrier, Scope, State, StateKind, StateMachine, Template, Transition,
};
use baton_asl::path::json_type_name;
use baton_asl::states::{ProcessorMode, WaitDuration};
use baton_asl::template::JsonataTemplate;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// What the engine needs from the outside world: the time and random numbers.
pub trait Environment: RandomSource {
    /// The current time.
    fn now(&mut self) -> Millis;
}

/// Who is running: the names and ARNs the context object and events show.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionInfo {
    /// The execution ARN.
    pub execution_arn: String,
    /// The execution name.
    pub name: String,
    /// The state machine ARN.
    pub state_machine_arn: String,
    /// The state machine name.
    pub state_machine_name: String,
    /// The execution role.
    pub role_arn: String,
    /// The region tasks run in.
    pub region: String,
    /// The most events a history may hold; the last one is the `ExecutionFailed` that ends it
    /// (AWS: 25,000).
    pub max_history_events: usize,
}

/// AWS's limit on the events of one execution's history.
pub const MAX_HISTORY_EVENTS: usize = 25_000;

impl ExecutionInfo {
    /// Names and ARNs of execution `name` of state machine `state_machine_name`, in `region`
    /// of `account`, run as `role_arn`.
    pub fn new(
        account: &str,
        region: &str,
        state_machine_name: &str,
        name: &str,
        role_arn: &str,
    ) -> Self {
        let prefix = format!("arn:aws:states:{region}:{account}");
        Self {
            execution_arn: format!("{prefix}:execution:{state_machine_name}:{name}"),
            name: name.to_owned(),
            state_machine_arn: format!("{prefix}:stateMachine:{state_machine_name}"),
            state_machine_name: state_machine_name.to_owned(),
            role_arn: role_arn.to_owned(),
            region: region.to_owned(),
            max_history_events: MAX_HISTORY_EVENTS,
        }
    }
}

/// Identifies a task the runtime must run.
pub type TaskId = u64;
/// Identifies a timer the runtime must fire.
pub type TimerId = u64;

/// Work the runtime must do for the execution.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Run a task and report with [`Signal::TaskSucceeded`] / [`Signal::TaskFailed`].
    RunTask {
        /// Which task.
        task: TaskId,
        /// The state that runs it.
        state_name: String,
        /// The Task state's `Resource`.
        resource: String,
        /// The effective parameters.
        parameters: Value,
        /// `TimeoutSeconds`, resolved.
        timeout_seconds: Option<u64>,
        /// `HeartbeatSeconds`, resolved.
        heartbeat_seconds: Option<u64>,
        /// The task token, for `.waitForTaskToken` integrations.
        task_token: Option<String>,
    },
    /// Fire [`Signal::TimerFired`] at `due`.
    StartTimer {
        /// Which timer.
        timer: TimerId,
        /// When it is due.
        due: Millis,
    },
    /// The timer is no longer needed (its task finished first).
    CancelTimer {
        /// Which timer.
        timer: TimerId,
    },
}

/// Something that happened to the execution from outside.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// A task finished with this result.
    TaskSucceeded {
        /// Which task.
        task: TaskId,
        /// Its result.
        output: Value,
    },
    /// A task failed.
    TaskFailed {
        /// Which task.
        task: TaskId,
        /// Why.
        failure: Failure,
    },
    /// The task reached its worker: an activity worker's GetActivityTask took it (AWS records
    /// `ActivityStarted` with the worker's name), or an integration started it.
    TaskStarted {
        /// Which task.
        task: TaskId,
        /// The worker's name (activities).
        worker_name: Option<String>,
    },
    /// A `.sync` integration submitted its job: `TaskSubmitted` with the submit response; the
    /// task's result comes later.
    TaskSubmitted {
        /// Which task.
        task: TaskId,
        /// The submit call's response.
        output: Value,
    },
    /// A timer is due.
    TimerFired {
        /// Which timer.
        timer: TimerId,
    },
    /// StopExecution.
    Stop {
        /// Error given to StopExecution.
        error: Option<String>,
        /// Cause given to StopExecution.
        cause: Option<String>,
    },
}

/// Where the execution stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ExecutionStatus {
    /// Still running.
    Running,
    /// Finished with this output.
    Succeeded(Value),
    /// Failed.
    Failed(Failure),
    /// Ran past its `TimeoutSeconds`.
    TimedOut(Failure),
    /// Stopped.
    Aborted,
}

impl ExecutionStatus {
    /// True while the execution has not finished.
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Running)
    }

    /// The AWS status name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Succeeded(_) => "SUCCEEDED",
            Self::Failed(_) => "FAILED",
            Self::TimedOut(_) => "TIMED_OUT",
            Self::Aborted => "ABORTED",
        }
    }
}

type ThreadId = usize;

/// What a parked thread waits for.
#[derive(Debug, Clone, PartialEq)]
enum Waiting {
    Runnable,
    Timer(TimerId),
    Task(TaskId),
    Children,
    Done,
}

/// Progress of a Parallel or Map state that waits for its children.
#[derive(Debug, Clone)]
struct Fanout {
    results: Vec<Option<Value>>,
    pending: usize,
    failure: Option<Failure>,
    /// Map: items not yet started (index, item input), and the concurrency limit.
    queued: VecDeque<(usize, Value)>,
    running: usize,
    limit: usize,
    /// Event id of the last `MapIterationSucceeded` (AWS's `map.done`).
    done: Option<u64>,
    /// Event id of `MapRunStarted` for a distributed Map.
    map_run: Option<u64>,
    /// `ToleratedFailureCount` of a distributed Map.
    tolerated_count: Option<u64>,
    /// `ToleratedFailurePercentage` of a distributed Map.
    tolerated_percentage: Option<f64>,
    /// Failed items so far.
    failures: u64,
}

/// One path of control through a scope.
#[derive(Debug, Clone)]
struct Thread {
    /// Path from the root to this thread's scope: (state index, branch index) pairs.
    scope: Arc<[(usize, usize)]>,
    /// Index of the current state in the scope.
    state: usize,
    /// The current state's raw input (shared with its Entered event).
    input: Arc<Value>,
    /// The current state's effective input (after InputPath / Parameters), kept while waiting.
    effective: Value,
    waiting: Waiting,
    last_event: u64,
    entered_event: u64,
    entered_time: Millis,
    retry_counts: Vec<u64>,
    parent: Option<(ThreadId, usize)>,
    map_item: Option<(usize, Arc<Value>)>,
    fanout: Option<Fanout>,
    outcome: Option<Result<Value, Failure>>,
    /// Set when a retry re-runs the current state: it is not entered again.
    retrying: bool,
    /// Events of this thread are not recorded (children of a distributed Map run as their own
    /// executions, outside the parent's history).
    silent: bool,
    /// The workflow variables this thread sees: its parent's at spawn time plus its own
    /// assignments (inner scopes read outer variables but never change them).
    variables: Arc<HashMap<String, Value>>,
    /// The task token of the current `.waitForTaskToken` Task (`$$.Task.Token`).
    task_token: Option<String>,
    /// The JSON size of `variables`, kept up to date by assignments.
    variables_bytes: usize,
}

/// One execution.
pub struct Execution {
    machine: Arc<StateMachine>,
    info: Arc<ExecutionInfo>,
    input: Arc<Value>,
    start_time: Millis,
    events: Vec<HistoryEvent>,
    threads: Vec<Thread>,
    runnable: VecDeque<ThreadId>,
    timers: HashMap<TimerId, ThreadId>,
    tasks: HashMap<TaskId, ThreadId>,
    next_id: u64,
    variables: Arc<HashMap<String, Value>>,
    status: ExecutionStatus,
    /// Commands produced while handling an event, handed out at the end of the step.
    pending_commands: Vec<Command>,
    /// True while running a silent thread: its events are dropped.
    silent: bool,
    /// The timer of the state machine's `TimeoutSeconds`.
    execution_timer: Option<TimerId>,
    /// The history reached its size limit and was ended: later events are dropped.
    history_full: bool,
    /// Timers that end a Task at its `TimeoutSeconds`.
    task_timers: HashMap<TimerId, TaskId>,
    /// Tasks whose `…Started` event is recorded.
    started_tasks: std::collections::HashSet<TaskId>,
}

impl Execution {
    /// Starts an execution: records `ExecutionStarted` and runs until every thread waits.
    pub fn start(
        machine: Arc<StateMachine>,
        info: ExecutionInfo,
        input: Value,
        env: &mut dyn Environment,
    ) -> (Self, Vec<Command>) {
        let start_time = env.now();
        let mut execution = Self {
            machine,
            info: Arc::new(info),
            input: Arc::new(input.clone()),
            start_time,
            events: Vec::new(),
            threads: Vec::new(),
            runnable: VecDeque::new(),
            timers: HashMap::new(),
            tasks: HashMap::new(),
            next_id: 1,
            variables: Arc::new(HashMap::new()),
            status: ExecutionStatus::Running,
            pending_commands: Vec::new(),
            silent: false,
            execution_timer: None,
            history_full: false,
            task_timers: HashMap::new(),
            started_tasks: std::collections::HashSet::new(),
        };
        let role_arn = execution.info.role_arn.clone();
        execution.emit(
            env,
            0,
            EventDetails::ExecutionStarted {
                input: Arc::new(input.clone()),
                role_arn,
            },
        );
        let start = execution.machine.scope.start_at.clone();
        let state = execution
            .machine
            .scope
            .states
            .iter()
            .position(|s| s.name == start)
            .unwrap_or(0);
        execution.spawn(Arc::from(Vec::new()), state, Arc::new(input), 0, None, None);
        if let Some(seconds) = execution.machine.timeout_seconds {
            let timer = execution.fresh_id();
            execution.execution_timer = Some(timer);
            let due = start_time.saturating_add(
                i64::try_from(seconds)
                    .unwrap_or(i64::MAX / 2)
                    .saturating_mul(1000),
            );
            execution
                .pending_commands
                .push(Command::StartTimer { timer, due });
        }
        let mut commands = Vec::new();
        execution.run(env, &mut commands);
        (execution, commands)
    }

    /// Applies an outside signal and runs until every thread waits again.
    pub fn signal(&mut self, signal: Signal, env: &mut dyn Environment) -> Vec<Command> {
        let mut commands = Vec::new();
        if self.status != ExecutionStatus::Running {
            return commands;
        }
        match signal {
            Signal::TimerFired { timer } if self.execution_timer == Some(timer) => {
                // AWS links the ending events of a timeout and a stop to no event (id 0).
                let failure = Failure::new(names::TIMEOUT, "");
                self.emit(
                    env,
                    0,
                    EventDetails::ExecutionTimedOut {
                        error: failure.error.clone(),
                        cause: failure.cause.clone(),
                    },
                );
                self.status = ExecutionStatus::TimedOut(failure);
                return commands;
            }
            Signal::TimerFired { timer } if self.task_timers.contains_key(&timer) => {
                let task = self.task_timers.remove(&timer);
                if let Some(task) = task
                    && let Some(tid) = self.tasks.remove(&task)
                {
                    let started = self.started_tasks.remove(&task);
                    self.resume_task(tid, started, Err(Failure::new(names::TIMEOUT, "")), env);
                }
            }
            Signal::TimerFired { timer } => {
                if let Some(tid) = self.timers.remove(&timer) {
                    self.resume_wait(tid, env);
                }
            }
            Signal::TaskStarted { task, worker_name } => {
                if let Some(&tid) = self.tasks.get(&task)
                    && self.started_tasks.insert(task)
                {
                    self.record_task_started(tid, worker_name, env);
                }
            }
            Signal::TaskSubmitted { task, output } => {
                if let Some(&tid) = self.tasks.get(&task) {
                    if self.started_tasks.insert(task) {
                        self.record_task_started(tid, None, env);
                    }
                    self.record_task_submitted(tid, output, env);
                }
            }
            Signal::TaskSucceeded { task, output } => {
                self.cancel_task_timer(task);
                if let Some(tid) = self.tasks.remove(&task) {
                    let started = self.started_tasks.remove(&task);
                    self.resume_task(tid, started, Ok(output), env);
                }
            }
            Signal::TaskFailed { task, failure } => {
                self.cancel_task_timer(task);
                if let Some(tid) = self.tasks.remove(&task) {
                    let started = self.started_tasks.remove(&task);
                    self.resume_task(tid, started, Err(failure), env);
                }
            }
            Signal::Stop { error, cause } => {
                self.emit(env, 0, EventDetails::ExecutionAborted { error, cause });
                self.status = ExecutionStatus::Aborted;
                return commands;
            }
        }
        self.run(env, &mut commands);
        commands
    }

    /// Drops the timeout timer of `task`, which finished first.
    fn cancel_task_timer(&mut self, task: TaskId) {
        let timers: Vec<TimerId> = self
            .task_timers
            .iter()
            .filter(|(_, t)| **t == task)
            .map(|(timer, _)| *timer)
            .collect();
        for timer in timers {
            self.task_timers.remove(&timer);
            self.pending_commands.push(Command::CancelTimer { timer });
        }
    }

    /// Whether the execution still waits for `task` (it did not finish, time out or get cut).
    pub fn awaits_task(&self, task: TaskId) -> bool {
        self.status.is_running() && self.tasks.contains_key(&task)
    }

    /// The history so far.
    pub fn events(&self) -> &[HistoryEvent] {
        &self.events
    }

    /// Where the execution stands.
    pub fn status(&self) -> &ExecutionStatus {
        &self.status
    }

    /// When the execution started.
    pub fn start_time(&self) -> Millis {
        self.start_time
    }

    /// The execution's input.
    pub fn input(&self) -> &Value {
        &self.input
    }

    fn emit(&mut self, env: &mut dyn Environment, previous: u64, details: EventDetails) -> u64 {
        if self.silent {
            return 0;
        }
        if self.history_full {
            return 0;
        }
        let id = self.events.len() as u64 + 1;
        let timestamp = env.now();
        let terminal = matches!(
            details,
            EventDetails::ExecutionSucceeded { .. }
                | EventDetails::ExecutionFailed { .. }
                | EventDetails::ExecutionTimedOut { .. }
                | EventDetails::ExecutionAborted { .. }
        );
        let details = if !terminal && self.events.len() + 1 >= self.info.max_history_events {
            // The last event a history can hold ends the execution; nothing after it is recorded.
            let failure = Failure::new(
                names::RUNTIME,
                format!(
                    "The execution reached the maximum number of history events ({}).",
                    self.info.max_history_events
                ),
            );
            self.history_full = true;
            let details = EventDetails::ExecutionFailed {
                error: failure.error.clone(),
                cause: failure.cause.clone(),
            };
            self.status = ExecutionStatus::Failed(failure);
            details
        } else {
            details
        };
        self.events.push(HistoryEvent {
            id,
            previous_event_id: previous,
            timestamp,
            details,
        });
        id
    }

    fn fresh_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn spawn(
        &mut self,
        scope: Arc<[(usize, usize)]>,
        state: usize,
        input: Arc<Value>,
        last_event: u64,
        parent: Option<(ThreadId, usize)>,
        map_item: Option<(usize, Arc<Value>)>,
    ) -> ThreadId {
        let tid = self.threads.len();
        self.threads.push(Thread {
            scope,
            state,
            input,
            effective: Value::Null,
            waiting: Waiting::Runnable,
            last_event,
            entered_event: 0,
            entered_time: 0,
            retry_counts: Vec::new(),
            parent,
            map_item,
            fanout: None,
            outcome: None,
            retrying: false,
            silent: false,
            variables: parent
                .and_then(|(p, _)| self.threads.get(p))
                .map_or_else(|| Arc::clone(&self.variables), |p| Arc::clone(&p.variables)),
            task_token: None,
            variables_bytes: parent
                .and_then(|(p, _)| self.threads.get(p))
                .map_or(0, |p| p.variables_bytes),
        });
        self.runnable.push_back(tid);
        tid
    }

    /// Runs runnable threads until none is left.
    fn run(&mut self, env: &mut dyn Environment, commands: &mut Vec<Command>) {
        while let Some(tid) = self.runnable.pop_front() {
            if self.status != ExecutionStatus::Running {
                break;
            }
            self.run_thread(tid, env, commands);
        }
        commands.append(&mut self.pending_commands);
        if self.status != ExecutionStatus::Running {
            commands.clear();
        }
    }

    /// Makes `tid` the thread on whose behalf events are emitted.
    fn focus(&mut self, tid: ThreadId) {
        self.silent = self.threads.get(tid).is_some_and(|t| t.silent);
    }

    /// Runs one thread until it waits or finishes (or the execution ends).
    fn run_thread(
        &mut self,
        tid: ThreadId,
        env: &mut dyn Environment,
        commands: &mut Vec<Command>,
    ) {
        self.focus(tid);
        loop {
            let Some(thread) = self.threads.get(tid) else {
                return;
            };
            if thread.waiting != Waiting::Runnable || self.status != ExecutionStatus::Running {
                return;
            }
            let machine = Arc::clone(&self.machine);
            let scope_path = Arc::clone(&thread.scope);
            let Some(scope) = resolve_scope(&machine.scope, &scope_path) else {
                return;
            };
            let Some(state) = scope.states.get(thread.state) else {
                return;
            };
            let step = self.enter_state(tid, &scope_path, state, env, commands);
            match step {
                Step::Next(next) => {
                    let index = scope
                        .states
                        .iter()
                        .position(|s| s.name == next)
                        .unwrap_or(0);
                    if let Some(t) = self.threads.get_mut(tid) {
                        t.state = index;
                        t.retry_counts.clear();
                    }
                }
                Step::Finished(outcome) => {
                    self.finish_thread(tid, outcome, env);
                    return;
                }
                Step::Park => return,
                Step::Retry => {
                    if let Some(t) = self.threads.get_mut(tid) {
                        t.retrying = true;
                    }
                }
            }
        }
    }

    /// Records the end of a thread and tells its parent (or ends the execution).
    fn finish_thread(
        &mut self,
        tid: ThreadId,
        outcome: Result<Value, Failure>,
        env: &mut dyn Environment,
    ) {
        let (parent, last_event) = match self.threads.get_mut(tid) {
            Some(t) => {
                t.waiting = Waiting::Done;
                t.outcome = Some(outcome.clone());
                (t.parent, t.last_event)
            }
            None => return,
        };
        match parent {
            // A history that reached its limit was already ended with `ExecutionFailed`.
            None if self.history_full => {}
            None => match outcome {
                Ok(output) => {
                    self.emit(
                        env,
                        last_event,
                        EventDetails::ExecutionSucceeded {
                            output: Arc::new(output.clone()),
                        },
                    );
                    self.status = ExecutionStatus::Succeeded(output);
                }
                Err(failure) => {
                    self.emit(
                        env,
                        last_event,
                        EventDetails::ExecutionFailed {
                            error: failure.error.clone(),
                            cause: failure.cause.clone(),
                        },
                    );
                    self.status = ExecutionStatus::Failed(failure);
                }
            },
            Some((parent, slot)) => self.child_finished(parent, slot, tid, outcome, env),
        }
    }

    fn env_for<'a>(
        context: &'a LazyContext<'a>,
        variables: &'a dyn Fn(&str) -> Option<Value>,
        random: &'a mut dyn RandomSource,
        state_name: &'a str,
        entered_event_id: u64,
    ) -> Env<'a> {
        Env {
            context,
            variables,
            random,
            state_name,
            entered_event_id,
        }
    }

    /// What the context object (`$$`) of a thread in its current state is made of; cheap to
    /// take, built into JSON only when a path reads `$$`.
    fn context_parts(&self, tid: ThreadId, state: &State) -> ContextParts {
        let thread = self.threads.get(tid);
        ContextParts {
            info: Arc::clone(&self.info),
            input: Arc::clone(&self.input),
            start_time: self.start_time,
            entered_time: thread.map_or(self.start_time, |t| t.entered_time),
            // AWS shows `RetryCount` only for states that can retry.
            retry_count: (!state.retry.is_empty())
                .then(|| thread.map_or(0, |t| t.retry_counts.iter().sum::<u64>())),
            state_name: state.name.clone(),
            map_item: thread.and_then(|t| t.map_item.clone()),
            task_token: thread.and_then(|t| t.task_token.clone()),
        }
    }

    /// Enters `state` on thread `tid` and runs it as far as it can go.
    fn enter_state(
        &mut self,
        tid: ThreadId,
        scope_path: &Arc<[(usize, usize)]>,
        state: &State,
        env: &mut dyn Environment,
        commands: &mut Vec<Command>,
    ) -> Step {
        let state_type = state_type(&state.kind);
        let (input, last, retrying) = match self.threads.get_mut(tid) {
            Some(t) => (
                t.input.clone(),
                t.last_event,
                std::mem::take(&mut t.retrying),
            ),
            None => return Step::Park,
        };
        let now = env.now();
        let entered = if retrying {
            self.threads.get(tid).map_or(0, |t| t.entered_event)
        } else {
            let entered = self.emit(
                env,
                last,
                EventDetails::StateEntered {
                    state_type,
                    name: state.name.clone(),
                    input: Arc::clone(&input),
                },
            );
            if let Some(t) = self.threads.get_mut(tid) {
                t.last_event = entered;
                t.entered_event = entered;
                t.entered_time = now;
            }
            entered
        };
        let last = self.threads.get(tid).map_or(entered, |t| t.last_event);
        // A callback Task gets a fresh token for each attempt, visible as `$$.Task.Token`.
        let token = match &state.kind {
            StateKind::Task(task)
                if is_callback(&task.resource)
                    || WorkerKind::of(task.resource.as_str()) == Some(WorkerKind::Activity) =>
            {
                Some(format!("{}-{}", uuid_v4(env), entered))
            }
            _ => None,
        };
        if let Some(t) = self.threads.get_mut(tid) {
            t.task_token = token;
        }
        let parts = self.context_parts(tid, state);
        let item_parts = parts.clone();
        let build = move || parts.build();
        let context = LazyContext::new(&build);
        let variables = self.thread_variables(tid);
        let lookup = move |name: &str| variables.get(name).cloned();
        let mut dataflow_env = Self::env_for(&context, &lookup, env, &state.name, entered);
        let effective =
            match dataflow::apply_input_path(&state.input_path, &input, &mut dataflow_env) {
                Ok(v) => v,
                Err(failure) => return self.fail_state(tid, scope_path, state, failure, env),
            };
        match &state.kind {
            StateKind::Pass(pass) => {
                let result = match (&state.parameters, &pass.result) {
                    (Some(parameters), _) => {
                        match dataflow::evaluate_template(
                            parameters,
                            &effective,
                            &mut dataflow_env,
                            "Parameters",
                        ) {
                            Ok(v) => v,
                            Err(failure) => {
                                return self.fail_state(tid, scope_path, state, failure, env);
                            }
                        }
                    }
                    (None, Some(result)) => result.clone(),
                    (None, None) => effective,
                };
                self.complete_state(
                    tid,
                    scope_path,
                    state,
                    Arc::unwrap_or_clone(input),
                    result,
                    env,
                )
            }
            StateKind::Succeed if state.query_language == baton_asl::QueryLanguage::Jsonata => {
                let output = match &state.output {
                    Some(t) => {
                        match self.eval_jsonata(tid, state, t, "Output", &effective, None, None) {
                            Ok(v) => v,
                            Err(error) => {
                                return self.evaluation_failed(tid, scope_path, state, error, env);
                            }
                        }
                    }
                    None => effective,
                };
                let output = self.exit_state(tid, state, output, None, env);
                Step::Finished(Ok(Arc::unwrap_or_clone(output)))
            }
            StateKind::Succeed => {
                match dataflow::apply_output_path(&state.output_path, effective, &mut dataflow_env)
                {
                    Ok(output) => {
                        let output = self.exit_state(tid, state, output, None, env);
                        Step::Finished(Ok(Arc::unwrap_or_clone(output)))
                    }
                    Err(failure) => self.fail_state(tid, scope_path, state, failure, env),
                }
            }
            StateKind::Fail(fail) => {
                let mut texts = [String::new(), String::new()];
                for (slot, (field, name, path_name)) in texts.iter_mut().zip([
                    (&fail.error, "Error", "ErrorPath"),
                    (&fail.cause, "Cause", "CausePath"),
                ]) {
                    if let Some(Dynamic::Expression(expression)) = field {
                        let template = JsonataTemplate::Expression(expression.clone());
                        match self.eval_jsonata(tid, state, &template, name, &effective, None, None)
                        {
                            Ok(Value::String(text)) => *slot = text,
                            Ok(other) => *slot = crate::event::payload_text(&other),
                            Err(error) => {
                                return self.evaluation_failed(tid, scope_path, state, error, env);
                            }
                        }
                    } else if let Some(field) = field {
                        match dataflow::fail_field(field, &effective, &mut dataflow_env, path_name)
                        {
                            Ok(text) => *slot = text,
                            Err(failure) => return Step::Finished(Err(failure)),
                        }
                    }
                }
                let [error, cause] = texts;
                let (error, cause): (Result<String, Failure>, Result<String, Failure>) =
                    (Ok(error), Ok(cause));
                match (error, cause) {
                    (Ok(error), Ok(cause)) => Step::Finished(Err(Failure::new(error, cause))),
                    (Err(failure), _) | (_, Err(failure)) => Step::Finished(Err(failure)),
                }
            }
            StateKind::Choice(choice) => {
                let mut target = None;
                let mut matched_rule = None;
                for rule in &choice.choices {
                    let verdict = match &rule.condition {
                        baton_asl::states::Condition::Jsonata(expression) => {
                            match self.jsonata_condition(tid, state, expression, &effective) {
                                Ok(b) => Ok(b),
                                Err(error) => {
                                    return self
                                        .evaluation_failed(tid, scope_path, state, error, env);
                                }
                            }
                        }
                        condition => crate::choice::evaluate_condition(
                            condition,
                            &effective,
                            &mut dataflow_env,
                        ),
                    };
                    match verdict {
                        Ok(true) => {
                            target = Some(rule.next.clone());
                            matched_rule = Some(rule);
                            break;
                        }
                        Ok(false) => {}
                        Err(failure) => {
                            return self.fail_state(tid, scope_path, state, failure, env);
                        }
                    }
                }
                let Some(next) = target.or_else(|| choice.default.clone()) else {
                    let failure = Failure::new(
                        names::NO_CHOICE_MATCHED,
                        format!(
                            "An error occurred while executing the state '{}' (entered at the event id #{entered}). Failed to transition out of the state. The state does not point to a next state.",
                            state.name
                        ),
                    );
                    return self.fail_state(tid, scope_path, state, failure, env);
                };
                if state.query_language == baton_asl::QueryLanguage::Jsonata {
                    let output_template = matched_rule
                        .and_then(|r| r.output.as_ref())
                        .or(state.output.as_ref());
                    let output = match output_template {
                        Some(t) => match self
                            .eval_jsonata(tid, state, t, "Output", &effective, None, None)
                        {
                            Ok(v) => v,
                            Err(error) => {
                                return self.evaluation_failed(tid, scope_path, state, error, env);
                            }
                        },
                        None => effective.clone(),
                    };
                    let assign = matched_rule
                        .and_then(|r| r.assign.as_ref())
                        .or(state.assign.as_ref());
                    let assigned = match self
                        .eval_jsonata_assign(tid, state, assign, &effective, None, None)
                    {
                        Ok(a) => a,
                        Err(error) => {
                            return self.evaluation_failed(tid, scope_path, state, error, env);
                        }
                    };
                    if let Err(failure) = self.assign_variables(tid, assigned.as_deref()) {
                        return self.fail_state(tid, scope_path, state, failure, env);
                    }
                    let output = self.exit_state(tid, state, output, assigned, env);
                    if let Some(t) = self.threads.get_mut(tid) {
                        t.input = output;
                    }
                    return Step::Next(next);
                }
                let assign = matched_rule
                    .and_then(|r| r.assign.as_ref())
                    .or(state.assign.as_ref());
                let assigned = match jsonpath_assign(assign, &effective, &mut dataflow_env) {
                    Ok(a) => a,
                    Err(failure) => return self.fail_state(tid, scope_path, state, failure, env),
                };
                match dataflow::apply_output_path(&state.output_path, effective, &mut dataflow_env)
                {
                    Ok(output) => {
                        if let Err(failure) = self.assign_variables(tid, assigned.as_deref()) {
                            return self.fail_state(tid, scope_path, state, failure, env);
                        }
                        let output = self.exit_state(tid, state, output, assigned, env);
                        if let Some(t) = self.threads.get_mut(tid) {
                            t.input = output;
                        }
                        Step::Next(next)
                    }
                    Err(failure) => self.fail_state(tid, scope_path, state, failure, env),
                }
            }
            StateKind::Wait(wait) => {
                let jsonata_wait = match &wait.duration {
                    WaitDuration::Seconds(Dynamic::Expression(e)) => Some((e, "Seconds")),
                    WaitDuration::Timestamp(Dynamic::Expression(e)) => Some((e, "Timestamp")),
                    _ => None,
                };
                let due = if let Some((expression, field)) = jsonata_wait {
                    let template = JsonataTemplate::Expression(expression.clone());
                    let value = match self
                        .eval_jsonata(tid, state, &template, field, &effective, None, None)
                    {
                        Ok(v) => v,
                        Err(error) => {
                            return self.evaluation_failed(tid, scope_path, state, error, env);
                        }
                    };
                    let entered_id = entered;
                    let error = |detail: String| EvaluationError {
                        failure: Failure::in_state(
                            names::QUERY_EVALUATION_ERROR,
                            &state.name,
                            entered_id,
                            detail,
                        ),
                        location: Some(field.to_owned()),
                    };
                    let due = if field == "Seconds" {
                        match value.as_i64().filter(|s| *s >= 0) {
                            Some(seconds) => Ok(now.saturating_add(seconds.saturating_mul(1000))),
                            None => Err(error(format!(
                                "The JSONata expression '{}' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '{}' for value: {}",
                                expression.source().trim(),
                                json_type_name(&value),
                                crate::event::payload_text(&value)
                            ))),
                        }
                    } else {
                        match value
                            .as_str()
                            .and_then(baton_asl::timestamp::parse_timestamp)
                        {
                            Some(at) => Ok(to_millis(at)),
                            None => Err(error(format!(
                                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}",
                                value.as_str().map_or_else(
                                    || crate::event::payload_text(&value),
                                    str::to_owned
                                )
                            ))),
                        }
                    };
                    match due {
                        Ok(due) => due,
                        Err(error) => {
                            return self.evaluation_failed(tid, scope_path, state, error, env);
                        }
                    }
                } else {
                    match wait_due(wait, &effective, &mut dataflow_env, now) {
                        Ok(due) => due,
                        Err(failure) => {
                            return self.fail_state(tid, scope_path, state, failure, env);
                        }
                    }
                };
                let timer = self.fresh_id();
                self.timers.insert(timer, tid);
                if let Some(t) = self.threads.get_mut(tid) {
                    t.waiting = Waiting::Timer(timer);
                    t.effective = effective;
                }
                commands.push(Command::StartTimer { timer, due });
                Step::Park
            }
            StateKind::Task(task) => {
                let parameters =
                    match self.state_arguments(tid, state, &effective, &mut dataflow_env) {
                        Ok(v) => v,
                        Err(error) => return self.step_failed(tid, scope_path, state, error, env),
                    };
                let fields = [
                    (task.timeout_seconds.as_ref(), "TimeoutSeconds"),
                    (task.heartbeat_seconds.as_ref(), "HeartbeatSeconds"),
                ];
                let [timeout_field, heartbeat_field] =
                    match self.jsonata_fields(tid, state, fields, &effective) {
                        Ok(resolved) => resolved,
                        Err(error) => {
                            return self.evaluation_failed(tid, scope_path, state, error, env);
                        }
                    };
                let timeout_seconds =
                    resolve_seconds(timeout_field.as_ref(), &effective, &mut dataflow_env);
                let heartbeat_seconds =
                    resolve_seconds(heartbeat_field.as_ref(), &effective, &mut dataflow_env);
                let resource = task.resource.as_str().to_owned();
                let details = match WorkerKind::of(&resource) {
                    Some(kind) => EventDetails::WorkerScheduled {
                        kind,
                        resource: resource.clone(),
                        input: Arc::new(parameters.clone()),
                        timeout_in_seconds: timeout_seconds,
                        heartbeat_in_seconds: heartbeat_seconds
                            .filter(|_| kind == WorkerKind::Activity),
                    },
                    None => EventDetails::TaskScheduled {
                        resource: resource_info(&resource),
                        region: self.info.region.clone(),
                        parameters: Arc::new(parameters.clone()),
                        timeout_in_seconds: timeout_seconds,
                        heartbeat_in_seconds: heartbeat_seconds,
                    },
                };
                let scheduled = self.emit(env, last, details);
                let task_id = self.fresh_id();
                self.tasks.insert(task_id, tid);
                if let Some(seconds) = timeout_seconds {
                    let timer = self.fresh_id();
                    self.task_timers.insert(timer, task_id);
                    let due = now.saturating_add(
                        i64::try_from(seconds)
                            .unwrap_or(i64::MAX / 2)
                            .saturating_mul(1000),
                    );
                    self.pending_commands
                        .push(Command::StartTimer { timer, due });
                }
                if let Some(t) = self.threads.get_mut(tid) {
                    t.last_event = scheduled;
                    t.waiting = Waiting::Task(task_id);
                    t.effective = effective;
                }
                commands.push(Command::RunTask {
                    task: task_id,
                    state_name: state.name.clone(),
                    resource,
                    parameters,
                    timeout_seconds,
                    heartbeat_seconds,
                    task_token: self.threads.get(tid).and_then(|t| t.task_token.clone()),
                });
                Step::Park
            }
            StateKind::Parallel(parallel) => {
                let branch_input =
                    match self.state_arguments(tid, state, &effective, &mut dataflow_env) {
                        Ok(v) => v,
                        Err(error) => return self.step_failed(tid, scope_path, state, error, env),
                    };
                let started = self.emit(
                    env,
                    last,
                    EventDetails::CompoundPhase {
                        state_type: StateType::Parallel,
                        phase: Phase::Started,
                        length: None,
                    },
                );
                let count = parallel.branches.len();
                self.park_for_children(tid, started, count, VecDeque::new(), usize::MAX);
                for (b, branch) in parallel.branches.iter().enumerate() {
                    let mut path = scope_path.to_vec();
                    path.push((self.threads.get(tid).map_or(0, |t| t.state), b));
                    let start = branch
                        .states
                        .iter()
                        .position(|s| s.name == branch.start_at)
                        .unwrap_or(0);
                    self.spawn(
                        Arc::from(path),
                        start,
                        Arc::new(branch_input.clone()),
                        started,
                        Some((tid, b)),
                        None,
                    );
                }
                if count == 0 {
                    self.fanout_done(tid, env);
                }
                Step::Park
            }
            StateKind::Map(map) => {
                let items_value = match &map.items_path {
                    PathField::Path(path) => {
                        match dataflow::read_path(path, &effective, &mut dataflow_env) {
                            Ok(Some(v)) => v,
                            Ok(None) => {
                                let failure = Failure::runtime(
                                    &state.name,
                                    entered,
                                    format!(
                                        "Invalid path '{path}' : No results for path: {}",
                                        path.to_normalized()
                                    ),
                                );
                                return self.fail_state(tid, scope_path, state, failure, env);
                            }
                            Err(failure) => {
                                return self.fail_state(tid, scope_path, state, failure, env);
                            }
                        }
                    }
                    _ if state.query_language == baton_asl::QueryLanguage::Jsonata
                        && map.items.is_some() =>
                    {
                        let Some(items) = &map.items else {
                            return Step::Park;
                        };
                        let value = match self
                            .eval_jsonata(tid, state, items, "Items", &effective, None, None)
                        {
                            Ok(v) => v,
                            Err(error) => {
                                return self.evaluation_failed(tid, scope_path, state, error, env);
                            }
                        };
                        if !value.is_array() {
                            let source = match items {
                                JsonataTemplate::Expression(e) => e.source().trim().to_owned(),
                                _ => String::new(),
                            };
                            let error = EvaluationError {
                                failure: Failure::in_state(
                                    names::QUERY_EVALUATION_ERROR,
                                    &state.name,
                                    entered,
                                    format!(
                                        "The JSONata expression '{source}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                                        json_type_name(&value),
                                        crate::event::payload_text(&value)
                                    ),
                                ),
                                location: Some("Items".to_owned()),
                            };
                            return self.evaluation_failed(tid, scope_path, state, error, env);
                        }
                        value
                    }
                    _ => effective.clone(),
                };
                let Value::Array(items) = items_value else {
                    let detail = format!(
                        "Map state input must be an array but was: {}",
                        crate::event::payload_text(&items_value)
                    );
                    if state.query_language == baton_asl::QueryLanguage::Jsonata {
                        let error = EvaluationError {
                            failure: Failure::in_state(
                                names::QUERY_EVALUATION_ERROR,
                                &state.name,
                                entered,
                                detail,
                            ),
                            location: None,
                        };
                        return self.evaluation_failed(tid, scope_path, state, error, env);
                    }
                    let failure = Failure::in_state(names::RUNTIME, &state.name, entered, detail);
                    return self.fail_state(tid, scope_path, state, failure, env);
                };
                let mut queued = VecDeque::with_capacity(items.len());
                for (index, item) in items.into_iter().enumerate() {
                    let selected = match &map.item_selector {
                        Some(baton_asl::model::Template::JsonPath(selector)) => {
                            let mut one_item = item_parts.clone();
                            one_item.map_item = Some((index, Arc::new(item.clone())));
                            let build_item = move || one_item.build();
                            let item_context = LazyContext::new(&build_item);
                            let mut item_env = Self::env_for(
                                &item_context,
                                &lookup,
                                dataflow_env.random,
                                &state.name,
                                entered,
                            );
                            match dataflow::evaluate_template(
                                selector,
                                &effective,
                                &mut item_env,
                                "ItemSelector",
                            ) {
                                Ok(v) => v,
                                Err(failure) => {
                                    return self.fail_state(tid, scope_path, state, failure, env);
                                }
                            }
                        }
                        Some(baton_asl::model::Template::Jsonata(selector)) => {
                            let mut one_item = self.context_parts(tid, state);
                            one_item.map_item = Some((index, Arc::new(item.clone())));
                            let states = crate::jsonata::states_object(
                                &effective,
                                one_item.build(),
                                None,
                                None,
                            );
                            let variables = self.thread_variables(tid);
                            let scope = JsonataScope {
                                states: std::cell::Cell::new(states),
                                variables: &variables,
                                state_name: &state.name,
                                entered_event_id: entered,
                                seed: self.jsonata_seed(entered),
                                cache: std::cell::OnceCell::new(),
                                uses_randomness: crate::jsonata::mentions_randomness(selector),
                            };
                            match scope.template(selector, "ItemSelector") {
                                Ok(v) => v,
                                Err(error) => {
                                    return self
                                        .evaluation_failed(tid, scope_path, state, error, env);
                                }
                            }
                        }
                        None => item,
                    };
                    queued.push_back((index, selected));
                }
                let length = queued.len();
                let fields = [
                    (map.max_concurrency.as_ref(), "MaxConcurrency"),
                    (
                        map.tolerated_failure_count.as_ref(),
                        "ToleratedFailureCount",
                    ),
                ];
                let [concurrency_field, count_field] =
                    match self.jsonata_fields(tid, state, fields, &effective) {
                        Ok(resolved) => resolved,
                        Err(error) => {
                            return self.evaluation_failed(tid, scope_path, state, error, env);
                        }
                    };
                let percentage_field = match &map.tolerated_failure_percentage {
                    Some(Dynamic::Expression(expression)) => {
                        let template = JsonataTemplate::Expression(expression.clone());
                        match self.eval_jsonata(
                            tid,
                            state,
                            &template,
                            "ToleratedFailurePercentage",
                            &effective,
                            None,
                            None,
                        ) {
                            Ok(value) => value.as_f64().map(Dynamic::Static),
                            Err(error) => {
                                return self.evaluation_failed(tid, scope_path, state, error, env);
                            }
                        }
                    }
                    other => other.clone(),
                };
                let limit = match map_integer(
                    concurrency_field.as_ref(),
                    "MaxConcurrency",
                    &effective,
                    &mut dataflow_env,
                ) {
                    Ok(Some(n)) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
                    Ok(_) => usize::MAX,
                    Err(failure) => return self.fail_state(tid, scope_path, state, failure, env),
                };
                // The failure tolerance is read now but reported after MapStateStarted, as AWS does.
                let tolerance = map_integer(
                    count_field.as_ref(),
                    "ToleratedFailureCount",
                    &effective,
                    &mut dataflow_env,
                )
                .and_then(|count| {
                    map_percentage(percentage_field.as_ref(), &effective, &mut dataflow_env)
                        .map(|p| (count, p))
                });
                let started = self.emit(
                    env,
                    last,
                    EventDetails::CompoundPhase {
                        state_type: StateType::Map,
                        phase: Phase::Started,
                        length: Some(length),
                    },
                );
                if let Some(t) = self.threads.get_mut(tid) {
                    t.last_event = started;
                }
                let (tolerated_count, tolerated_percentage) = match tolerance {
                    Ok(tolerance) => tolerance,
                    Err(failure) => return self.fail_state(tid, scope_path, state, failure, env),
                };
                self.park_for_children(tid, started, length, queued, limit);
                if let Some(f) = self.threads.get_mut(tid).and_then(|t| t.fanout.as_mut()) {
                    f.tolerated_count = tolerated_count;
                    f.tolerated_percentage = tolerated_percentage;
                }
                if matches!(map.processor.mode, ProcessorMode::Distributed { .. }) {
                    let run_id = self.map_run_id(env, map.label.as_deref());
                    let prefix = self
                        .info
                        .state_machine_arn
                        .split(":stateMachine:")
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let map_run_arn =
                        format!("{prefix}:mapRun:{}/{run_id}", self.info.state_machine_name);
                    let run = self.emit(env, started, EventDetails::MapRunStarted { map_run_arn });
                    if let Some(t) = self.threads.get_mut(tid) {
                        t.last_event = run;
                        if let Some(f) = t.fanout.as_mut() {
                            f.map_run = Some(run);
                        }
                    }
                }
                if length == 0 {
                    self.fanout_done(tid, env);
                } else {
                    self.start_iterations(tid, env);
                }
                Step::Park
            }
        }
    }

    /// `$states` for a JSONata evaluation in `state` on thread `tid`, and the variables.
    fn jsonata_bindings(
        &self,
        tid: ThreadId,
        state: &State,
        input: &Value,
        result: Option<&Value>,
        error_output: Option<&Value>,
        needs_context: bool,
    ) -> (Value, Arc<HashMap<String, Value>>) {
        let context = if needs_context {
            self.context_parts(tid, state).build()
        } else {
            Value::Null
        };
        (
            crate::jsonata::states_object(input, context, result, error_output),
            self.thread_variables(tid),
        )
    }

    /// Evaluates a JSONata template of `state` (field `field`) with `$states` built from
    /// `input` / `result` / `error_output`.
    #[allow(clippy::too_many_arguments)]
    fn eval_jsonata(
        &self,
        tid: ThreadId,
        state: &State,
        template: &JsonataTemplate,
        field: &str,
        input: &Value,
        result: Option<&Value>,
        error_output: Option<&Value>,
    ) -> Result<Value, EvaluationError> {
        if let Some(value) = crate::jsonata::fast_template(template, input, result, error_output) {
            return Ok(value);
        }
        let needs_context = crate::jsonata::mentions_context(template);
        let (states, variables) =
            self.jsonata_bindings(tid, state, input, result, error_output, needs_context);
        let entered = self.threads.get(tid).map_or(0, |t| t.entered_event);
        let scope = JsonataScope {
            states: std::cell::Cell::new(states),
            variables: &variables,
            state_name: &state.name,
            entered_event_id: entered,
            seed: self.jsonata_seed(entered),
            cache: std::cell::OnceCell::new(),
            uses_randomness: crate::jsonata::mentions_randomness(template),
        };
        scope.template(template, field)
    }

    /// Evaluates a JSONata `Assign` of `state` into (name, value) pairs.
    fn eval_jsonata_assign(
        &self,
        tid: ThreadId,
        state: &State,
        assign: Option<&Template>,
        input: &Value,
        result: Option<&Value>,
        error_output: Option<&Value>,
    ) -> Result<Option<Vec<(String, Value)>>, EvaluationError> {
        let Some(Template::Jsonata(template)) = assign else {
            return Ok(None);
        };
        match self.eval_jsonata(tid, state, template, "Assign", input, result, error_output)? {
            Value::Object(map) if !map.is_empty() => Ok(Some(map.into_iter().collect())),
            _ => Ok(None),
        }
    }

    /// Fails the state with a `StepError`: JSONata errors are recorded as `EvaluationFailed`,
    /// JSONPath data-flow failures go through Retry and Catch.
    fn step_failed(
        &mut self,
        tid: ThreadId,
        scope_path: &Arc<[(usize, usize)]>,
        state: &State,
        error: StepError,
        env: &mut dyn Environment,
    ) -> Step {
        match error {
            StepError::Evaluation(error) => {
                self.evaluation_failed(tid, scope_path, state, error, env)
            }
            StepError::Failure(failure) => self.fail_state(tid, scope_path, state, failure, env),
        }
    }

    /// Records `EvaluationFailed` (linked as AWS links it) and fails the state with it.
    fn evaluation_failed(
        &mut self,
        tid: ThreadId,
        scope_path: &Arc<[(usize, usize)]>,
        state: &State,
        error: EvaluationError,
        env: &mut dyn Environment,
    ) -> Step {
        let entered = self.threads.get(tid).map_or(0, |t| t.entered_event);
        let previous = if matches!(state.kind, StateKind::Wait(_)) {
            entered
        } else {
            self.events
                .get(usize::try_from(entered).unwrap_or(0).saturating_sub(1))
                .map_or(0, |e| e.previous_event_id)
        };
        let id = self.emit(
            env,
            previous,
            EventDetails::EvaluationFailed {
                error: error.failure.error.clone(),
                cause: error.failure.cause.clone(),
                location: error.location,
                state: state.name.clone(),
            },
        );
        let mut last = id;
        if matches!(state.kind, StateKind::Map(_)) {
            last = self.emit(
                env,
                id,
                EventDetails::CompoundPhase {
                    state_type: StateType::Map,
                    phase: Phase::Failed,
                    length: None,
                },
            );
        }
        if let Some(t) = self.threads.get_mut(tid) {
            t.last_event = last;
        }
        self.fail_state(tid, scope_path, state, error.failure, env)
    }

    /// The seed of `$random()` / `$uuid()` for a state entered at `entered`: derived from the
    /// execution and the event id, so a replay draws the same numbers.
    fn jsonata_seed(&self, entered: u64) -> u64 {
        self.info
            .execution_arn
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64 ^ entered, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            })
    }

    /// The variables thread `tid` sees.
    fn thread_variables(&self, tid: ThreadId) -> Arc<HashMap<String, Value>> {
        self.threads
            .get(tid)
            .map_or_else(|| Arc::clone(&self.variables), |t| Arc::clone(&t.variables))
    }

    /// Stores assigned variables (all values were computed before any is stored), within
    /// AWS's size limits: a breach fails the state with `States.Runtime` and stores nothing.
    fn assign_variables(
        &mut self,
        tid: ThreadId,
        assigned: Option<&[(String, Value)]>,
    ) -> Result<(), Failure> {
        if let Some(vars) = assigned
            && let Some(thread) = self.threads.get_mut(tid)
        {
            thread.variables_bytes =
                check_variable_limits(vars, &thread.variables, thread.variables_bytes)?;
            let variables = Arc::make_mut(&mut thread.variables);
            for (name, value) in vars {
                variables.insert(name.clone(), value.clone());
            }
        }
        Ok(())
    }

    /// What a Task sends or a Parallel gives its branches: JSONata `Arguments` or JSONPath
    /// `Parameters` applied to the effective input, or that input when the state has neither.
    fn state_arguments(
        &self,
        tid: ThreadId,
        state: &State,
        effective: &Value,
        env: &mut Env<'_>,
    ) -> Result<Value, StepError> {
        if state.query_language == baton_asl::QueryLanguage::Jsonata {
            match &state.arguments {
                Some(t) => self
                    .eval_jsonata(tid, state, t, "Arguments", effective, None, None)
                    .map_err(StepError::Evaluation),
                None => Ok(effective.clone()),
            }
        } else {
            parameters_or_input(state, effective, env).map_err(StepError::Failure)
        }
    }

    /// Resolves several integer fields with [`Self::jsonata_dynamic`], stopping at the first
    /// failing expression.
    fn jsonata_fields<const N: usize>(
        &self,
        tid: ThreadId,
        state: &State,
        fields: [(Option<&Dynamic<u64>>, &str); N],
        input: &Value,
    ) -> Result<[Option<Dynamic<u64>>; N], EvaluationError> {
        let mut resolved: [Option<Dynamic<u64>>; N] = std::array::from_fn(|_| None);
        for (slot, (field, name)) in resolved.iter_mut().zip(fields) {
            *slot = self.jsonata_dynamic(tid, state, field, name, input)?;
        }
        Ok(resolved)
    }

    /// Resolves a JSONata-valued integer field (`TimeoutSeconds`, `MaxConcurrency`, …) to a
    /// literal; other forms are returned as they are.
    fn jsonata_dynamic(
        &self,
        tid: ThreadId,
        state: &State,
        field: Option<&Dynamic<u64>>,
        name: &str,
        input: &Value,
    ) -> Result<Option<Dynamic<u64>>, EvaluationError> {
        let Some(Dynamic::Expression(expression)) = field else {
            return Ok(field.cloned());
        };
        let template = JsonataTemplate::Expression(expression.clone());
        let value = self.eval_jsonata(tid, state, &template, name, input, None, None)?;
        match value.as_u64() {
            Some(n) => Ok(Some(Dynamic::Static(n))),
            None => {
                let entered = self.threads.get(tid).map_or(0, |t| t.entered_event);
                Err(EvaluationError {
                    failure: Failure::in_state(
                        names::QUERY_EVALUATION_ERROR,
                        &state.name,
                        entered,
                        format!(
                            "The JSONata expression '{}' specified for the field '{name}' returned an unexpected result type. Expected 'integer', but was '{}' for value: {}",
                            expression.source().trim(),
                            json_type_name(&value),
                            crate::event::payload_text(&value)
                        ),
                    ),
                    location: Some(name.to_owned()),
                })
            }
        }
    }

    /// Evaluates a JSONata Choice condition.
    fn jsonata_condition(
        &self,
        tid: ThreadId,
        state: &State,
        expression: &baton_asl::jsonata::JsonataExpression,
        input: &Value,
    ) -> Result<bool, EvaluationError> {
        let needs_context = expression.source().contains("context");
        let (states, variables) =
            self.jsonata_bindings(tid, state, input, None, None, needs_context);
        let entered = self.threads.get(tid).map_or(0, |t| t.entered_event);
        let scope = JsonataScope {
            states: std::cell::Cell::new(states),
            variables: &variables,
            state_name: &state.name,
            entered_event_id: entered,
            seed: self.jsonata_seed(entered),
            cache: std::cell::OnceCell::new(),
            uses_randomness: expression.source().contains("random")
                || expression.source().contains("uuid"),
        };
        match scope.expression(expression, "Condition")? {
            Value::Bool(b) => Ok(b),
            other => Err(scope.error(
                Some("Condition"),
                format!(
                    "The JSONata expression '{}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '{}' for value: {}",
                    expression.source().trim(),
                    json_type_name(&other),
                    crate::event::payload_text(&other)
                ),
            )),
        }
    }

    /// `<label or uuid>:<uuid>`, the tail of a Map Run ARN.
    fn map_run_id(&mut self, env: &mut dyn Environment, label: Option<&str>) -> String {
        let first = match label {
            Some(label) => label.to_owned(),
            None => uuid_v4(env),
        };
        format!("{first}:{}", uuid_v4(env))
    }

    fn park_for_children(
        &mut self,
        tid: ThreadId,
        started: u64,
        count: usize,
        queued: VecDeque<(usize, Value)>,
        limit: usize,
    ) {
        if let Some(t) = self.threads.get_mut(tid) {
            t.waiting = Waiting::Children;
            t.last_event = started;
            t.fanout = Some(Fanout {
                results: vec![None; count],
                pending: count,
                failure: None,
                queued,
                running: 0,
                limit,
                done: None,
                map_run: None,
                tolerated_count: None,
                tolerated_percentage: None,
                failures: 0,
            });
        }
    }

    /// Starts queued Map iterations up to the concurrency limit.
    fn start_iterations(&mut self, tid: ThreadId, env: &mut dyn Environment) {
        loop {
            let Some(thread) = self.threads.get_mut(tid) else {
                return;
            };
            let Some(fanout) = thread.fanout.as_mut() else {
                return;
            };
            if fanout.running >= fanout.limit || fanout.failure.is_some() {
                return;
            }
            let Some((index, item)) = fanout.queued.pop_front() else {
                return;
            };
            fanout.running += 1;
            let previous = thread.last_event;
            let mut path = thread.scope.to_vec();
            path.push((thread.state, 0));
            let machine = Arc::clone(&self.machine);
            let Some(scope) = resolve_scope(&machine.scope, &thread.scope) else {
                return;
            };
            let Some(state) = scope.states.get(thread.state) else {
                return;
            };
            let StateKind::Map(map) = &state.kind else {
                return;
            };
            let processor = &map.processor.scope;
            let start = processor
                .states
                .iter()
                .position(|s| s.name == processor.start_at)
                .unwrap_or(0);
            let distributed = matches!(map.processor.mode, ProcessorMode::Distributed { .. });
            let started = if distributed {
                0
            } else {
                let started = self.emit(
                    env,
                    previous,
                    EventDetails::MapIteration {
                        phase: IterationPhase::Started,
                        name: state.name.clone(),
                        index,
                    },
                );
                if let Some(t) = self.threads.get_mut(tid) {
                    t.last_event = started;
                }
                started
            };
            let item = Arc::new(item);
            let child = self.spawn(
                Arc::from(path),
                start,
                Arc::clone(&item),
                started,
                Some((tid, index)),
                Some((index, item)),
            );
            let silent = distributed || self.silent;
            if let Some(t) = self.threads.get_mut(child) {
                t.silent = silent;
                // Child executions of a distributed Map see no variables of the parent.
                if distributed {
                    t.variables = Arc::new(HashMap::new());
                    t.variables_bytes = 0;
                }
            }
        }
    }

    /// A branch or iteration finished: record it and, when all are done, finish the state.
    fn child_finished(
        &mut self,
        parent: ThreadId,
        slot: usize,
        child: ThreadId,
        outcome: Result<Value, Failure>,
        env: &mut dyn Environment,
    ) {
        let child_last = self.threads.get(child).map_or(0, |t| t.last_event);
        self.focus(parent);
        let distributed = self
            .threads
            .get(parent)
            .and_then(|t| t.fanout.as_ref())
            .is_some_and(|f| f.map_run.is_some());
        let machine = Arc::clone(&self.machine);
        let Some(parent_thread) = self.threads.get(parent) else {
            return;
        };
        let Some(scope) = resolve_scope(&machine.scope, &parent_thread.scope) else {
            return;
        };
        let Some(state) = scope.states.get(parent_thread.state) else {
            return;
        };
        let is_map = matches!(state.kind, StateKind::Map(_));
        let state_name = state.name.clone();
        // A failure that ends the state cuts the siblings still running; AWS records each cut
        // iteration and the state it was in, linked to the failing child's last event, before
        // the failing iteration's own `MapIterationFailed`.
        let ends_state = outcome.is_err() && self.failure_ends_fanout(parent, distributed);
        if ends_state {
            self.abort_children(parent, child_last, env);
            self.focus(parent);
        }
        let mut done = None;
        if is_map && !distributed {
            let phase = if outcome.is_ok() {
                IterationPhase::Succeeded
            } else {
                IterationPhase::Failed
            };
            let id = self.emit(
                env,
                child_last,
                EventDetails::MapIteration {
                    phase,
                    name: state_name,
                    index: slot,
                },
            );
            if outcome.is_ok() {
                done = Some(id);
            }
        }
        let Some(thread) = self.threads.get_mut(parent) else {
            return;
        };
        // The state's thread of control continues from the child's last event; iteration
        // end events do not advance it (AWS links the next iteration to the same event).
        if !distributed {
            thread.last_event = child_last;
        }
        let Some(fanout) = thread.fanout.as_mut() else {
            return;
        };
        fanout.pending = fanout.pending.saturating_sub(1);
        fanout.running = fanout.running.saturating_sub(1);
        if done.is_some() {
            fanout.done = done;
        }
        match outcome {
            Ok(value) => {
                if let Some(r) = fanout.results.get_mut(slot) {
                    *r = Some(value);
                }
            }
            Err(failure) => {
                // A distributed Map tolerates failed items up to ToleratedFailureCount /
                // ToleratedFailurePercentage; past that the run fails as a whole.
                fanout.failures += 1;
                let tolerant = distributed
                    && (fanout.tolerated_count.is_some() || fanout.tolerated_percentage.is_some());
                if ends_state {
                    fanout.failure = Some(if tolerant {
                        Failure::new(
                            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                            "The specified tolerated failure threshold was exceeded",
                        )
                    } else {
                        failure
                    });
                    fanout.queued.clear();
                } else if let Some(r) = fanout.results.get_mut(slot) {
                    *r = Some(json!({"Error": failure.error, "Cause": failure.cause}));
                }
            }
        }
        let failed = fanout.failure.is_some();
        let remaining = fanout.pending;
        if failed || remaining == 0 {
            self.fanout_done(parent, env);
        } else if is_map {
            self.start_iterations(parent, env);
        }
    }

    /// Whether one more failed child ends the fan-out of `parent` (it is not tolerated and no
    /// earlier failure already ended it).
    fn failure_ends_fanout(&self, parent: ThreadId, distributed: bool) -> bool {
        let Some(fanout) = self.threads.get(parent).and_then(|t| t.fanout.as_ref()) else {
            return false;
        };
        if fanout.failure.is_some() {
            return false;
        }
        let tolerant = distributed
            && (fanout.tolerated_count.is_some() || fanout.tolerated_percentage.is_some());
        if !tolerant {
            return true;
        }
        let total = fanout.results.len().max(1) as f64;
        let failures = fanout.failures + 1;
        let within = fanout.tolerated_count.is_some_and(|c| failures <= c)
            || fanout
                .tolerated_percentage
                .is_some_and(|p| failures as f64 * 100.0 / total <= p);
        !within
    }

    /// Stops every unfinished child of `parent` (a failed sibling ended the state), recording
    /// what was cut as AWS does: `MapIterationAborted` for a Map iteration, then the
    /// `…StateAborted` of the state the child was waiting in, all linked to `previous`.
    fn abort_children(&mut self, parent: ThreadId, previous: u64, env: &mut dyn Environment) {
        let machine = Arc::clone(&self.machine);
        let parent_state = self.threads.get(parent).and_then(|t| {
            let scope = resolve_scope(&machine.scope, &t.scope)?;
            scope.states.get(t.state)
        });
        let map_name = parent_state
            .filter(|s| matches!(s.kind, StateKind::Map(_)))
            .map(|s| s.name.clone());
        for tid in 0..self.threads.len() {
            let Some(child) = self.threads.get(tid) else {
                continue;
            };
            if child.waiting == Waiting::Done || child.parent.is_none_or(|(p, _)| p != parent) {
                continue;
            }
            let slot = child.parent.map_or(0, |(_, slot)| slot);
            let waiting = child.waiting.clone();
            let child_state = resolve_scope(&machine.scope, &child.scope)
                .and_then(|scope| scope.states.get(child.state));
            self.focus(tid);
            if let Some(name) = &map_name {
                self.emit(
                    env,
                    previous,
                    EventDetails::MapIteration {
                        phase: IterationPhase::Aborted,
                        name: name.clone(),
                        index: slot,
                    },
                );
            }
            if let (Some(state), Waiting::Timer(_) | Waiting::Task(_) | Waiting::Children) =
                (child_state, &waiting)
            {
                self.emit(
                    env,
                    previous,
                    EventDetails::CompoundPhase {
                        state_type: state_type(&state.kind),
                        phase: Phase::Aborted,
                        length: None,
                    },
                );
            }
            match waiting {
                Waiting::Timer(timer) => {
                    self.timers.remove(&timer);
                }
                Waiting::Task(task) => {
                    self.tasks.remove(&task);
                    self.cancel_task_timer(task);
                }
                Waiting::Children => self.abort_children(tid, previous, env),
                Waiting::Runnable | Waiting::Done => {}
            }
            if let Some(t) = self.threads.get_mut(tid) {
                t.waiting = Waiting::Done;
            }
        }
        let threads = &self.threads;
        self.runnable
            .retain(|&tid| threads.get(tid).is_some_and(|t| t.waiting != Waiting::Done));
    }

    /// All children of a Parallel or Map finished (or one failed): end the state.
    fn fanout_done(&mut self, tid: ThreadId, env: &mut dyn Environment) {
        self.focus(tid);
        let machine = Arc::clone(&self.machine);
        let Some(thread) = self.threads.get_mut(tid) else {
            return;
        };
        let Some(fanout) = thread.fanout.take() else {
            return;
        };
        thread.waiting = Waiting::Runnable;
        let last = thread.last_event;
        let scope_path = Arc::clone(&thread.scope);
        let Some(scope) = resolve_scope(&machine.scope, &scope_path) else {
            return;
        };
        let Some(state) = scope.states.get(thread.state) else {
            return;
        };
        let state_type = state_type(&state.kind);
        let input = thread.input.clone();
        match fanout.failure {
            Some(failure) => {
                // A retry starts the state over without a Failed event.
                if let Some(step) = self.try_retry(tid, state, &failure, env) {
                    self.after_resume(tid, step, env);
                    return;
                }
                let last = match fanout.map_run {
                    Some(run) => self.emit(
                        env,
                        run,
                        EventDetails::MapRunFailed {
                            error: failure.error.clone(),
                            cause: failure.cause.clone(),
                        },
                    ),
                    None => last,
                };
                let failed = self.emit(
                    env,
                    last,
                    EventDetails::CompoundPhase {
                        state_type,
                        phase: Phase::Failed,
                        length: None,
                    },
                );
                if let Some(t) = self.threads.get_mut(tid) {
                    t.last_event = failed;
                }
                let step = self.catch_or_fail(tid, state, failure, env);
                self.after_resume(tid, step, env);
            }
            None => {
                let mut previous = fanout.done.unwrap_or(last);
                if let Some(run) = fanout.map_run {
                    previous = self.emit(env, run, EventDetails::MapRunSucceeded);
                }
                self.emit(
                    env,
                    previous,
                    EventDetails::CompoundPhase {
                        state_type,
                        phase: Phase::Succeeded,
                        length: None,
                    },
                );
                // The Exited event links where Succeeded links, not to Succeeded itself.
                // (For a distributed Map: to MapRunStarted, as AWS records it since November 2024.)
                if let Some(t) = self.threads.get_mut(tid) {
                    t.last_event = fanout.map_run.unwrap_or(previous);
                }
                let results: Vec<Value> = fanout
                    .results
                    .into_iter()
                    .map(|r| r.unwrap_or(Value::Null))
                    .collect();
                let step = self.complete_with_selector(
                    tid,
                    &scope_path,
                    state,
                    Arc::unwrap_or_clone(input),
                    Value::Array(results),
                    env,
                );
                self.after_resume(tid, step, env);
            }
        }
    }

    /// Continues a thread after an asynchronous step completed.
    fn after_resume(&mut self, tid: ThreadId, step: Step, env: &mut dyn Environment) {
        match step {
            Step::Next(next) => {
                let machine = Arc::clone(&self.machine);
                let Some(thread) = self.threads.get(tid) else {
                    return;
                };
                let Some(scope) = resolve_scope(&machine.scope, &thread.scope) else {
                    return;
                };
                let index = scope
                    .states
                    .iter()
                    .position(|s| s.name == next)
                    .unwrap_or(0);
                if let Some(t) = self.threads.get_mut(tid) {
                    t.state = index;
                    t.retry_counts.clear();
                    t.waiting = Waiting::Runnable;
                }
                self.runnable.push_back(tid);
            }
            Step::Finished(outcome) => self.finish_thread(tid, outcome, env),
            Step::Park => {}
            Step::Retry => {
                if let Some(t) = self.threads.get_mut(tid) {
                    t.waiting = Waiting::Runnable;
                    t.retrying = true;
                }
                self.runnable.push_back(tid);
            }
        }
    }

    fn resume_wait(&mut self, tid: ThreadId, env: &mut dyn Environment) {
        self.focus(tid);
        let machine = Arc::clone(&self.machine);
        let Some(thread) = self.threads.get_mut(tid) else {
            return;
        };
        thread.waiting = Waiting::Runnable;
        if thread.retrying {
            self.runnable.push_back(tid);
            return;
        }
        let effective = std::mem::take(&mut thread.effective);
        let scope_path = Arc::clone(&thread.scope);
        let entered = thread.entered_event;
        let Some(scope) = resolve_scope(&machine.scope, &scope_path) else {
            return;
        };
        let Some(state) = scope.states.get(thread.state) else {
            return;
        };
        if state.query_language == baton_asl::QueryLanguage::Jsonata {
            let input = (*thread.input).clone();
            let step = self.complete_state(tid, &scope_path, state, input, effective, env);
            self.after_resume(tid, step, env);
            return;
        }
        let parts = self.context_parts(tid, state);
        let build = move || parts.build();
        let context = LazyContext::new(&build);
        let variables = self.thread_variables(tid);
        let lookup = move |name: &str| variables.get(name).cloned();
        let mut dataflow_env = Self::env_for(&context, &lookup, env, &state.name, entered);
        let assigned = match jsonpath_assign(state.assign.as_ref(), &effective, &mut dataflow_env) {
            Ok(a) => a,
            Err(failure) => {
                let step = self.fail_state(tid, &scope_path, state, failure, env);
                self.after_resume(tid, step, env);
                return;
            }
        };
        let step =
            match dataflow::apply_output_path(&state.output_path, effective, &mut dataflow_env) {
                Ok(output) => match self.assign_variables(tid, assigned.as_deref()) {
                    Ok(()) => {
                        let output = self.exit_state(tid, state, output, assigned, env);
                        self.transition(tid, state, output)
                    }
                    Err(failure) => self.fail_state(tid, &scope_path, state, failure, env),
                },
                Err(failure) => self.fail_state(tid, &scope_path, state, failure, env),
            };
        self.after_resume(tid, step, env);
    }

    /// Records `TaskSubmitted` for the task thread `tid` waits on.
    fn record_task_submitted(&mut self, tid: ThreadId, output: Value, env: &mut dyn Environment) {
        let Some((last, resource)) = self.waiting_task(tid) else {
            return;
        };
        let details = EventDetails::TaskSubmitted {
            resource: resource_info(&resource),
            output: Arc::new(output),
        };
        self.record_task_event(tid, last, details, env);
    }

    /// The last event and the Task `Resource` of the task thread `tid` waits on (focusing it).
    fn waiting_task(&mut self, tid: ThreadId) -> Option<(u64, String)> {
        self.focus(tid);
        let thread = self.threads.get(tid)?;
        let scope = resolve_scope(&self.machine.scope, &thread.scope)?;
        match &scope.states.get(thread.state)?.kind {
            StateKind::Task(task) => Some((thread.last_event, task.resource.as_str().to_owned())),
            _ => None,
        }
    }

    /// Records one of the task's events after `last`; the thread continues from it.
    fn record_task_event(
        &mut self,
        tid: ThreadId,
        last: u64,
        details: EventDetails,
        env: &mut dyn Environment,
    ) {
        let id = self.emit(env, last, details);
        if let Some(t) = self.threads.get_mut(tid) {
            t.last_event = id;
        }
    }

    /// Records `…Started` for the task thread `tid` waits on.
    fn record_task_started(
        &mut self,
        tid: ThreadId,
        worker_name: Option<String>,
        env: &mut dyn Environment,
    ) {
        let Some((last, resource)) = self.waiting_task(tid) else {
            return;
        };
        let details = match WorkerKind::of(&resource) {
            Some(kind) => EventDetails::WorkerStarted { kind, worker_name },
            None => EventDetails::TaskStarted {
                resource: resource_info(&resource),
            },
        };
        self.record_task_event(tid, last, details, env);
    }

    fn resume_task(
        &mut self,
        tid: ThreadId,
        started: bool,
        result: Result<Value, Failure>,
        env: &mut dyn Environment,
    ) {
        self.focus(tid);
        let machine = Arc::clone(&self.machine);
        let Some(thread) = self.threads.get_mut(tid) else {
            return;
        };
        thread.waiting = Waiting::Runnable;
        let scope_path = Arc::clone(&thread.scope);
        let last = thread.last_event;
        let input = thread.input.clone();
        let Some(scope) = resolve_scope(&machine.scope, &scope_path) else {
            return;
        };
        let Some(state) = scope.states.get(thread.state) else {
            return;
        };
        let StateKind::Task(task) = &state.kind else {
            return;
        };
        let info = resource_info(task.resource.as_str());
        let kind = WorkerKind::of(task.resource.as_str());
        // An activity task no worker took has no `ActivityStarted`: it times out, or (no
        // worker can ever take it) fails to be scheduled.
        let unstarted_activity = !started && kind == Some(WorkerKind::Activity);
        let last = if started || unstarted_activity {
            last
        } else {
            let details = match kind {
                Some(kind) => EventDetails::WorkerStarted {
                    kind,
                    worker_name: None,
                },
                None => EventDetails::TaskStarted {
                    resource: info.clone(),
                },
            };
            self.emit(env, last, details)
        };
        let step = match result {
            Ok(output) => {
                let details = match kind {
                    Some(kind) => EventDetails::WorkerSucceeded {
                        kind,
                        output: Arc::new(output.clone()),
                    },
                    None => EventDetails::TaskSucceeded {
                        resource: info,
                        output: Arc::new(output.clone()),
                    },
                };
                let id = self.emit(env, last, details);
                if let Some(t) = self.threads.get_mut(tid) {
                    t.last_event = id;
                }
                self.complete_with_selector(
                    tid,
                    &scope_path,
                    state,
                    Arc::unwrap_or_clone(input),
                    output,
                    env,
                )
            }
            Err(failure) => {
                let timed_out =
                    failure.error == names::TIMEOUT || failure.error == names::HEARTBEAT_TIMEOUT;
                let (error, cause) = (failure.error.clone(), failure.cause.clone());
                let details = match (kind, timed_out) {
                    (Some(WorkerKind::Activity), false) if unstarted_activity => {
                        EventDetails::ActivityScheduleFailed { error, cause }
                    }
                    (Some(kind), true) => EventDetails::WorkerTimedOut { kind, error, cause },
                    (Some(kind), false) => EventDetails::WorkerFailed { kind, error, cause },
                    (None, true) => EventDetails::TaskTimedOut {
                        resource: info,
                        error,
                        cause,
                    },
                    (None, false) => EventDetails::TaskFailed {
                        resource: info,
                        error,
                        cause,
                    },
                };
                let id = self.emit(env, last, details);
                if let Some(t) = self.threads.get_mut(tid) {
                    t.last_event = id;
                }
                self.fail_state(tid, &scope_path, state, failure, env)
            }
        };
        self.after_resume(tid, step, env);
    }

    /// Applies ResultSelector (Task/Parallel/Map) and then completes the state.
    fn complete_with_selector(
        &mut self,
        tid: ThreadId,
        scope_path: &Arc<[(usize, usize)]>,
        state: &State,
        input: Value,
        result: Value,
        env: &mut dyn Environment,
    ) -> Step {
        let result = match &state.result_selector {
            Some(selector) => {
                let entered = self.threads.get(tid).map_or(0, |t| t.entered_event);
                let parts = self.context_parts(tid, state);
                let build = move || parts.build();
                let context = LazyContext::new(&build);
                let variables = self.thread_variables(tid);
                let lookup = move |name: &str| variables.get(name).cloned();
                let mut dataflow_env = Self::env_for(&context, &lookup, env, &state.name, entered);
                match dataflow::evaluate_template(
                    selector,
                    &result,
                    &mut dataflow_env,
                    "ResultSelector",
                ) {
                    Ok(v) => v,
                    Err(failure) => return self.fail_state(tid, scope_path, state, failure, env),
                }
            }
            None => result,
        };
        self.complete_state(tid, scope_path, state, input, result, env)
    }

    /// ResultPath, OutputPath, Assign, the Exited event and the transition.
    fn complete_state(
        &mut self,
        tid: ThreadId,
        scope_path: &Arc<[(usize, usize)]>,
        state: &State,
        input: Value,
        result: Value,
        env: &mut dyn Environment,
    ) -> Step {
        if exceeds_payload_limit(&result) {
            let failure = Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                    state.name
                ),
            );
            return self.fail_state(tid, scope_path, state, failure, env);
        }
        if state.query_language == baton_asl::QueryLanguage::Jsonata {
            let output = match &state.output {
                Some(t) => {
                    match self.eval_jsonata(tid, state, t, "Output", &input, Some(&result), None) {
                        Ok(v) => v,
                        Err(error) => {
                            return self.evaluation_failed(tid, scope_path, state, error, env);
                        }
                    }
                }
                None => result.clone(),
            };
            let assigned = match self.eval_jsonata_assign(
                tid,
                state,
                state.assign.as_ref(),
                &input,
                Some(&result),
                None,
            ) {
                Ok(a) => a,
                Err(error) => return self.evaluation_failed(tid, scope_path, state, error, env),
            };
            if let Err(failure) = self.assign_variables(tid, assigned.as_deref()) {
                return self.fail_state(tid, scope_path, state, failure, env);
            }
            let output = self.exit_state(tid, state, output, assigned, env);
            return self.transition(tid, state, output);
        }
        let entered = self.threads.get(tid).map_or(0, |t| t.entered_event);
        let parts = self.context_parts(tid, state);
        let build = move || parts.build();
        let context = LazyContext::new(&build);
        let variables = self.thread_variables(tid);
        let lookup = move |name: &str| variables.get(name).cloned();
        let mut dataflow_env = Self::env_for(&context, &lookup, env, &state.name, entered);
        let assigned = match jsonpath_assign(state.assign.as_ref(), &result, &mut dataflow_env) {
            Ok(a) => a,
            Err(failure) => return self.fail_state(tid, scope_path, state, failure, env),
        };
        let with_result =
            match dataflow::apply_result_path(&state.result_path, input, result, &mut dataflow_env)
            {
                Ok(v) => v,
                Err(failure) => return self.fail_state(tid, scope_path, state, failure, env),
            };
        let output =
            match dataflow::apply_output_path(&state.output_path, with_result, &mut dataflow_env) {
                Ok(v) => v,
                Err(failure) => return self.fail_state(tid, scope_path, state, failure, env),
            };
        if let Err(failure) = self.assign_variables(tid, assigned.as_deref()) {
            return self.fail_state(tid, scope_path, state, failure, env);
        }
        let output = self.exit_state(tid, state, output, assigned, env);
        self.transition(tid, state, output)
    }

    fn transition(&mut self, tid: ThreadId, state: &State, output: Arc<Value>) -> Step {
        match &state.transition {
            Transition::Next(next) => {
                if let Some(t) = self.threads.get_mut(tid) {
                    t.input = output;
                }
                Step::Next(next.clone())
            }
            Transition::End | Transition::Decided => {
                Step::Finished(Ok(Arc::unwrap_or_clone(output)))
            }
        }
    }

    /// Records `…StateExited`; returns the output, shared with the event.
    fn exit_state(
        &mut self,
        tid: ThreadId,
        state: &State,
        output: Value,
        assigned_variables: Option<Vec<(String, Value)>>,
        env: &mut dyn Environment,
    ) -> Arc<Value> {
        let output = Arc::new(output);
        let last = self.threads.get(tid).map_or(0, |t| t.last_event);
        let id = self.emit(
            env,
            last,
            EventDetails::StateExited {
                state_type: state_type(&state.kind),
                name: state.name.clone(),
                output: Arc::clone(&output),
                assigned_variables,
            },
        );
        if let Some(t) = self.threads.get_mut(tid) {
            t.last_event = id;
        }
        output
    }

    /// A failure inside a state: Retry and Catch apply (only Task, Parallel and Map have them;
    /// `States.Runtime` is never caught by `States.ALL`).
    fn fail_state(
        &mut self,
        tid: ThreadId,
        _scope_path: &Arc<[(usize, usize)]>,
        state: &State,
        failure: Failure,
        env: &mut dyn Environment,
    ) -> Step {
        if let Some(step) = self.try_retry(tid, state, &failure, env) {
            return step;
        }
        self.catch_or_fail(tid, state, failure, env)
    }

    /// Applies the first matching retrier: returns the step that re-runs the state (after a
    /// timer for the interval), or `None` when no retrier applies or attempts are used up.
    fn try_retry(
        &mut self,
        tid: ThreadId,
        state: &State,
        failure: &Failure,
        env: &mut dyn Environment,
    ) -> Option<Step> {
        let retriers = &state.retry;
        let (index, retrier) = retriers
            .iter()
            .enumerate()
            .find(|(_, r)| error_matches(&r.error_equals, &failure.error))?;
        let thread = self.threads.get_mut(tid)?;
        if thread.retry_counts.len() < retriers.len() {
            thread.retry_counts.resize(retriers.len(), 0);
        }
        let count = thread.retry_counts.get_mut(index)?;
        if *count >= retrier.max_attempts {
            return None;
        }
        let attempt = *count;
        *count += 1;
        let delay = retry_delay_millis(retrier, attempt, env);
        if delay == 0 {
            return Some(Step::Retry);
        }
        let timer = self.fresh_id();
        self.timers.insert(timer, tid);
        let due = env.now().saturating_add(delay);
        if let Some(t) = self.threads.get_mut(tid) {
            t.waiting = Waiting::Timer(timer);
            t.retrying = true;
        }
        self.pending_commands
            .push(Command::StartTimer { timer, due });
        Some(Step::Park)
    }

    /// Applies the first matching catcher, or fails the thread.
    fn catch_or_fail(
        &mut self,
        tid: ThreadId,
        state: &State,
        failure: Failure,
        env: &mut dyn Environment,
    ) -> Step {
        let Some(catcher) = state
            .catch
            .iter()
            .find(|c| error_matches(&c.error_equals, &failure.error))
        else {
            return Step::Finished(Err(failure));
        };
        let input = self
            .threads
            .get(tid)
            .map_or(Value::Null, |t| (*t.input).clone());
        let error_output = json!({"Error": failure.error, "Cause": failure.cause});
        let entered = self.threads.get(tid).map_or(0, |t| t.entered_event);
        let parts = self.context_parts(tid, state);
        let build = move || parts.build();
        let context = LazyContext::new(&build);
        let variables = self.thread_variables(tid);
        let lookup = move |name: &str| variables.get(name).cloned();
        let mut dataflow_env = Self::env_for(&context, &lookup, env, &state.name, entered);
        if state.query_language == baton_asl::QueryLanguage::Jsonata {
            let output = match &catcher.output {
                Some(t) => match self.eval_jsonata(
                    tid,
                    state,
                    t,
                    "Output",
                    &input,
                    None,
                    Some(&error_output),
                ) {
                    Ok(v) => v,
                    Err(error) => return Step::Finished(Err(error.failure)),
                },
                None => error_output.clone(),
            };
            let assigned = match self.eval_jsonata_assign(
                tid,
                state,
                catcher.assign.as_ref(),
                &input,
                None,
                Some(&error_output),
            ) {
                Ok(a) => a,
                Err(error) => return Step::Finished(Err(error.failure)),
            };
            if let Err(failure) = self.assign_variables(tid, assigned.as_deref()) {
                return Step::Finished(Err(failure));
            }
            let output = self.exit_state(tid, state, output, assigned, env);
            if let Some(t) = self.threads.get_mut(tid) {
                t.input = output;
            }
            return Step::Next(catcher.next.clone());
        }
        let output = match dataflow::apply_result_path(
            &catcher.result_path,
            input,
            error_output,
            &mut dataflow_env,
        ) {
            Ok(v) => v,
            Err(failure) => return Step::Finished(Err(failure)),
        };
        let output = self.exit_state(tid, state, output, None, env);
        if let Some(t) = self.threads.get_mut(tid) {
            t.input = output;
        }
        Step::Next(catcher.next.clone())
    }
}

/// How long to wait before retry number `attempt` (0-based): IntervalSeconds × BackoffRate^attempt,
/// capped by MaxDelaySeconds, with full jitter when asked.
fn retry_delay_millis(retrier: &Retrier, attempt: u64, env: &mut dyn Environment) -> Millis {
    let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
    let mut seconds = retrier.interval_seconds as f64 * retrier.backoff_rate.powi(exponent);
    if let Some(max) = retrier.max_delay_seconds {
        seconds = seconds.min(max as f64);
    }
    if retrier.jitter_strategy == baton_asl::model::JitterStrategy::Full {
        let unit = (env.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        seconds *= unit;
    }
    let millis = (seconds * 1000.0).min(i64::MAX as f64 / 2.0);
    millis as Millis
}

/// The pieces of a context object, owned and cheap to clone (the input is shared).
#[derive(Debug, Clone)]
struct ContextParts {
    info: Arc<ExecutionInfo>,
    input: Arc<Value>,
    start_time: Millis,
    entered_time: Millis,
    retry_count: Option<u64>,
    state_name: String,
    map_item: Option<(usize, Arc<Value>)>,
    task_token: Option<String>,
}

impl ContextParts {
    /// The context object as JSON.
    fn build(&self) -> Value {
        let mut context = Map::new();
        let mut execution = json!({
            "Id": self.info.execution_arn,
            "Input": *self.input,
            "StartTime": format_time(self.start_time),
            "Name": self.info.name,
            "RoleArn": self.info.role_arn,
        });
        // EXPRESS executions cannot be redriven: AWS gives them no RedriveCount.
        if !self.info.execution_arn.contains(":express:")
            && let Some(fields) = execution.as_object_mut()
        {
            fields.insert("RedriveCount".to_owned(), json!(0));
        }
        context.insert("Execution".to_owned(), execution);
        context.insert("State".to_owned(), {
            let mut state = Map::new();
            state.insert(
                "EnteredTime".to_owned(),
                json!(format_time(self.entered_time)),
            );
            state.insert("Name".to_owned(), json!(self.state_name));
            if let Some(count) = self.retry_count {
                state.insert("RetryCount".to_owned(), json!(count));
            }
            Value::Object(state)
        });
        context.insert(
            "StateMachine".to_owned(),
            json!({"Id": self.info.state_machine_arn, "Name": self.info.state_machine_name}),
        );
        if let Some(token) = &self.task_token {
            context.insert("Task".to_owned(), json!({"Token": token}));
        }
        if let Some((index, value)) = &self.map_item {
            context.insert(
                "Map".to_owned(),
                json!({"Item": {"Index": index, "Value": **value}}),
            );
        }
        Value::Object(context)
    }
}

/// Why evaluating part of a state failed: a JSONata evaluation (recorded as `EvaluationFailed`)
/// or a JSONPath data-flow failure.
enum StepError {
    /// A JSONata expression failed.
    Evaluation(EvaluationError),
    /// A JSONPath path, template or intrinsic failed.
    Failure(Failure),
}

/// What running a state led to.
#[derive(Debug)]
enum Step {
    /// Go to this state next.
    Next(String),
    /// The thread's scope ended.
    Finished(Result<Value, Failure>),
    /// The thread waits (timer, task, children).
    Park,
    /// Run the same state again (Retry).
    Retry,
}

/// Evaluates a JSONPath-language `Assign` against `value`; `None` when nothing is assigned.
fn jsonpath_assign(
    assign: Option<&Template>,
    value: &Value,
    env: &mut Env<'_>,
) -> Result<Option<Vec<(String, Value)>>, Failure> {
    let Some(Template::JsonPath(template)) = assign else {
        return Ok(None);
    };
    match dataflow::evaluate_template(template, value, env, "Assign")? {
        Value::Object(map) if !map.is_empty() => Ok(Some(map.into_iter().collect())),
        _ => Ok(None),
    }
}

/// True for `.waitForTaskToken` resources, whose tasks get a `$$.Task.Token`.
fn is_callback(resource: &baton_asl::states::Resource) -> bool {
    match resource {
        baton_asl::states::Resource::Known(known) => known.is_callback(),
        baton_asl::states::Resource::Other(_) => false,
    }
}

/// The state's `Parameters` applied to its effective input, or that input when it has none.
fn parameters_or_input(
    state: &State,
    effective: &Value,
    env: &mut Env<'_>,
) -> Result<Value, Failure> {
    match &state.parameters {
        Some(parameters) => dataflow::evaluate_template(parameters, effective, env, "Parameters"),
        None => Ok(effective.clone()),
    }
}

/// A random (version 4) UUID from the injected randomness, in its usual text form.
pub fn uuid_v4(random: &mut dyn RandomSource) -> String {
    let mut b = random.uuid_v4_bytes();
    if let Some(x) = b.get_mut(6) {
        *x = (*x & 0x0f) | 0x40;
    }
    if let Some(x) = b.get_mut(8) {
        *x = (*x & 0x3f) | 0x80;
    }
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

fn resolve_scope<'m>(root: &'m Scope, path: &[(usize, usize)]) -> Option<&'m Scope> {
    let mut scope = root;
    for &(state, branch) in path {
        scope = match &scope.states.get(state)?.kind {
            StateKind::Parallel(p) => p.branches.get(branch)?,
            StateKind::Map(m) => &m.processor.scope,
            _ => return None,
        };
    }
    Some(scope)
}

fn state_type(kind: &StateKind) -> StateType {
    match kind {
        StateKind::Pass(_) => StateType::Pass,
        StateKind::Task(_) => StateType::Task,
        StateKind::Choice(_) => StateType::Choice,
        StateKind::Wait(_) => StateType::Wait,
        StateKind::Succeed => StateType::Succeed,
        StateKind::Fail(_) => StateType::Fail,
        StateKind::Parallel(_) => StateType::Parallel,
        StateKind::Map(_) => StateType::Map,
    }
}

/// `resourceType` / `resource` of a Task resource ARN as history events show them.
pub fn resource_info(resource: &str) -> TaskResourceInfo {
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "states", "", "", service, rest] => TaskResourceInfo {
            resource_type: (*service).to_owned(),
            resource: (*rest).to_owned(),
        },
        ["arn", _, "states", "", "", "aws-sdk", ..] => TaskResourceInfo {
            resource_type: "aws-sdk".to_owned(),
            resource: resource.to_owned(),
        },
        ["arn", _, "lambda", ..] => TaskResourceInfo {
            resource_type: "lambda".to_owned(),
            resource: resource.to_owned(),
        },
        ["arn", _, "states", _, _, "activity", ..] => TaskResourceInfo {
            resource_type: "activity".to_owned(),
            resource: resource.to_owned(),
        },
        _ => TaskResourceInfo {
            resource_type: "unknown".to_owned(),
            resource: resource.to_owned(),
        },
    }
}

fn resolve_seconds(field: Option<&Dynamic<u64>>, input: &Value, env: &mut Env<'_>) -> Option<u64> {
    match field? {
        Dynamic::Static(n) => Some(*n),
        Dynamic::Path(path) => dataflow::read_path(path, input, env)
            .ok()
            .flatten()
            .and_then(|v| v.as_u64()),
        _ => None,
    }
}

/// AWS's payload limit: 256 KiB of JSON text.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// Counts bytes written, so a payload's size is known without building its text; it stops
/// once past `.1` (the answer is known then).
struct ByteCounter(usize, usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        if self.0 > self.1 {
            return Err(std::io::Error::other("limit"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// True when `value` serialises to more than [`MAX_PAYLOAD_BYTES`].
fn exceeds_payload_limit(value: &Value) -> bool {
    let mut counter = ByteCounter(0, MAX_PAYLOAD_BYTES);
    serde_json::to_writer(&mut counter, value).is_err() && counter.0 > MAX_PAYLOAD_BYTES
}

/// AWS's limit on one variable, and on all the variables of one `Assign`: 256 KiB.
pub const MAX_VARIABLE_BYTES: usize = 256 * 1024;
/// AWS's limit on all the variables of an execution: 10 MiB.
pub const MAX_VARIABLES_TOTAL_BYTES: usize = 10 * 1024 * 1024;

/// The JSON size of `value`, counted up to just past `cap`.
fn json_size(value: &Value, cap: usize) -> usize {
    let mut counter = ByteCounter(0, cap);
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

/// Checks AWS's variable limits for `assigned` on top of variables totalling `total` bytes
/// (`current` holds the values being replaced); returns the new total.
fn check_variable_limits(
    assigned: &[(String, Value)],
    current: &HashMap<String, Value>,
    total: usize,
) -> Result<usize, Failure> {
    let mut assign_bytes = 0;
    let mut new_total = total;
    for (name, value) in assigned {
        let size = json_size(value, MAX_VARIABLES_TOTAL_BYTES);
        if size > MAX_VARIABLE_BYTES {
            return Err(Failure::new(
                names::RUNTIME,
                format!(
                    "The variable '{name}' has a size exceeding the maximum number of bytes service limit ({MAX_VARIABLE_BYTES})."
                ),
            ));
        }
        assign_bytes += size;
        let replaced = current
            .get(name)
            .map_or(0, |old| json_size(old, MAX_VARIABLES_TOTAL_BYTES));
        new_total = (new_total + size).saturating_sub(replaced);
    }
    if assign_bytes > MAX_VARIABLE_BYTES {
        return Err(Failure::new(
            names::RUNTIME,
            format!(
                "The variables assigned by 'Assign' have a combined size exceeding the maximum number of bytes service limit ({MAX_VARIABLE_BYTES})."
            ),
        ));
    }
    if new_total > MAX_VARIABLES_TOTAL_BYTES {
        return Err(Failure::new(
            names::RUNTIME,
            format!(
                "The execution's variables have a combined size exceeding the maximum number of bytes service limit ({MAX_VARIABLES_TOTAL_BYTES})."
            ),
        ));
    }
    Ok(new_total)
}

/// The longest wait AWS accepts, in seconds (a signed 32-bit count).
const MAX_WAIT_SECONDS: i64 = i32::MAX as i64;

/// How a value appears after `==` in AWS's Wait and Map error texts: strings raw, the rest
/// as compact JSON.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => crate::event::payload_text(other),
    }
}

/// When a Wait state is due, or the failure AWS reports for a bad path or value.
fn wait_due(
    wait: &baton_asl::states::WaitState,
    input: &Value,
    env: &mut Env<'_>,
    now: Millis,
) -> Result<Millis, Failure> {
    let state = env.state_name.to_owned();
    let entered = env.entered_event_id;
    let due = match &wait.duration {
        WaitDuration::Seconds(Dynamic::Static(seconds)) => now.saturating_add(
            i64::try_from(*seconds)
                .unwrap_or(i64::MAX / 2)
                .saturating_mul(1000),
        ),
        WaitDuration::Seconds(Dynamic::Path(path)) => {
            let value = dataflow::read_path(path, input, env)?;
            let Some(value) = value else {
                return Err(Failure::runtime(
                    &state,
                    entered,
                    format!("The SecondsPath parameter does not reference an input value: {path}"),
                ));
            };
            let Some(seconds) = value.as_i64().filter(|s| *s >= 0) else {
                return Err(Failure::runtime(
                    &state,
                    entered,
                    format!(
                        "The SecondsPath parameter cannot be parsed as a long value: {path} == {}",
                        shown(&value)
                    ),
                ));
            };
            now.saturating_add(seconds.saturating_mul(1000))
        }
        WaitDuration::Timestamp(Dynamic::Static(at)) => to_millis(*at),
        WaitDuration::Timestamp(Dynamic::Path(path)) => {
            let value = dataflow::read_path(path, input, env)?;
            let parsed = value
                .as_ref()
                .and_then(Value::as_str)
                .and_then(baton_asl::timestamp::parse_timestamp);
            match parsed {
                Some(at) => to_millis(at),
                None => {
                    let shown_value = value.as_ref().map(shown).unwrap_or_default();
                    return Err(Failure::runtime(
                        &state,
                        entered,
                        format!(
                            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {shown_value}"
                        ),
                    ));
                }
            }
        }
        _ => {
            return Err(Failure::runtime(
                &state,
                entered,
                "This Wait field is not supported yet",
            ));
        }
    };
    if due.saturating_sub(now) / 1000 > MAX_WAIT_SECONDS {
        return Err(Failure::runtime(
            &state,
            entered,
            "Wait state delay is too long.",
        ));
    }
    Ok(due)
}

/// Resolves `MaxConcurrency(Path)`, `ToleratedFailureCount(Path)`: a non-negative integer.
fn map_integer(
    field: Option<&Dynamic<u64>>,
    name: &str,
    input: &Value,
    env: &mut Env<'_>,
) -> Result<Option<u64>, Failure> {
    match field {
        None => Ok(None),
        Some(Dynamic::Static(n)) => Ok(Some(*n)),
        Some(Dynamic::Path(path)) => {
            let value = dataflow::read_path(path, input, env)?.unwrap_or(Value::Null);
            match value.as_u64() {
                Some(n) => Ok(Some(n)),
                None => Err(env.runtime(format!(
                    "The {name}Path field refers to value \"{}\" which is not a valid integer: {path}",
                    shown(&value)
                ))),
            }
        }
        Some(_) => Ok(None),
    }
}

/// Resolves `ToleratedFailurePercentage(Path)`: a number from 0 to 100.
fn map_percentage(
    field: Option<&Dynamic<f64>>,
    input: &Value,
    env: &mut Env<'_>,
) -> Result<Option<f64>, Failure> {
    let value = match field {
        None => return Ok(None),
        Some(Dynamic::Static(p)) => *p,
        Some(Dynamic::Path(path)) => {
            let value = dataflow::read_path(path, input, env)?.unwrap_or(Value::Null);
            match value.as_f64() {
                Some(p) => p,
                None => {
                    return Err(env.runtime(format!(
                        "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid number: {path}",
                        shown(&value)
                    )));
                }
            }
        }
        Some(_) => return Ok(None),
    };
    if (0.0..=100.0).contains(&value) {
        Ok(Some(value))
    } else {
        Err(env.runtime("ToleratedFailurePercentage must be between 0 and 100."))
    }
}

fn to_millis(at: time::OffsetDateTime) -> Millis {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// RFC 3339 text of a time, with milliseconds, as the context object shows it.
pub fn format_time(millis: Millis) -> String {
    let nanos = i128::from(millis) * 1_000_000;
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        Err(_) => String::new(),
    }
}
