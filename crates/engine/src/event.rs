//! History events: what an execution records, in AWS's `GetExecutionHistory` vocabulary, and
//! their wire form (timestamps as epoch seconds, payloads as JSON text).

use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Milliseconds since the Unix epoch: the resolution AWS reports.
pub type Millis = i64;

/// A JSON payload carried by an event (shared, rendered to text only on the wire).
pub type Payload = Arc<Value>;

/// One event of an execution's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// 1-based position in the history.
    pub id: u64,
    /// The event this one follows causally (0 for none).
    pub previous_event_id: u64,
    /// When it happened.
    pub timestamp: Millis,
    /// What happened.
    pub details: EventDetails,
}

/// The kind of state a state-level event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateType {
    /// Pass.
    Pass,
    /// Task.
    Task,
    /// Choice.
    Choice,
    /// Wait.
    Wait,
    /// Succeed.
    Succeed,
    /// Fail.
    Fail,
    /// Parallel.
    Parallel,
    /// Map.
    Map,
}

impl StateType {
    /// The prefix AWS uses in event type names (`PassStateEntered`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "Pass",
            Self::Task => "Task",
            Self::Choice => "Choice",
            Self::Wait => "Wait",
            Self::Succeed => "Succeed",
            Self::Fail => "Fail",
            Self::Parallel => "Parallel",
            Self::Map => "Map",
        }
    }
}

/// Which of the compound-state lifecycle events this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `…StateStarted`.
    Started,
    /// `…StateSucceeded`.
    Succeeded,
    /// `…StateFailed`.
    Failed,
    /// `…StateAborted`.
    Aborted,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Self::Started => "Started",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Aborted => "Aborted",
        }
    }
}

/// The outcome of one Map iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IterationPhase {
    /// `MapIterationStarted`.
    Started,
    /// `MapIterationSucceeded`.
    Succeeded,
    /// `MapIterationFailed`.
    Failed,
    /// `MapIterationAborted`.
    Aborted,
}

/// A task's resource as history events describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskResourceInfo {
    /// `resourceType`, e.g. `lambda` or `states`.
    pub resource_type: String,
    /// `resource`, e.g. `invoke` or `startExecution.sync`.
    pub resource: String,
}

/// Task states whose Resource is an activity or a Lambda function ARN record `Activity…` or
/// `LambdaFunction…` events instead of `Task…` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerKind {
    /// `arn:aws:states:…:activity:…`: `Activity{Scheduled,Started,Succeeded,Failed,TimedOut}`.
    Activity,
    /// `arn:aws:lambda:…:function:…`: `LambdaFunction{Scheduled,Started,…}`.
    LambdaFunction,
}

impl WorkerKind {
    /// The event type prefix (`Activity`, `LambdaFunction`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Activity => "Activity",
            Self::LambdaFunction => "LambdaFunction",
        }
    }

    /// The prefix of the details key (`activity`, `lambdaFunction`).
    fn key_prefix(self) -> &'static str {
        match self {
            Self::Activity => "activity",
            Self::LambdaFunction => "lambdaFunction",
        }
    }

    /// Which kind a Task `Resource` is, if it is one of these.
    pub fn of(resource: &str) -> Option<Self> {
        let parts: Vec<&str> = resource.splitn(7, ':').collect();
        match parts.as_slice() {
            ["arn", _, "lambda", _, _, "function", _] => Some(Self::LambdaFunction),
            ["arn", _, "states", _, _, "activity", _] => Some(Self::Activity),
            _ => None,
        }
    }
}

/// What an event records. Field names follow AWS's event detail objects.
#[derive(Debug, Clone, PartialEq)]
pub enum EventDetails {
    /// `ExecutionStarted`.
    ExecutionStarted {
        /// The execution input, as given.
        input: Payload,
        /// The execution role.
        role_arn: String,
    },
    /// `ExecutionSucceeded`.
    ExecutionSucceeded {
        /// The execution output.
        output: Payload,
    },
    /// `ExecutionFailed`.
    ExecutionFailed {
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// `ExecutionTimedOut`.
    ExecutionTimedOut {
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// `ExecutionAborted`.
    ExecutionAborted {
        /// Error name, when StopExecution gave one.
        error: Option<String>,
        /// Cause, when StopExecution gave one.
        cause: Option<String>,
    },
    /// `<Type>StateEntered`.
    StateEntered {
        /// State type.
        state_type: StateType,
        /// State name.
        name: String,
        /// The state's input.
        input: Payload,
    },
    /// `<Type>StateExited`.
    StateExited {
        /// State type.
        state_type: StateType,
        /// State name.
        name: String,
        /// The state's output.
        output: Payload,
        /// Variables assigned on exit (name → value), when the state has `Assign`.
        assigned_variables: Option<Vec<(String, Value)>>,
    },
    /// `ParallelState{Started,Succeeded,Failed,Aborted}` / `MapState{…}` (Map's Started carries `length`).
    CompoundPhase {
        /// Parallel or Map.
        state_type: StateType,
        /// Which phase.
        phase: Phase,
        /// `mapStateStartedEventDetails.length` for `MapStateStarted`.
        length: Option<usize>,
    },
    /// `MapIteration{Started,Succeeded,Failed,Aborted}`.
    MapIteration {
        /// Which phase.
        phase: IterationPhase,
        /// The Map state's name.
        name: String,
        /// The iteration's index.
        index: usize,
    },
    /// `TaskScheduled`.
    TaskScheduled {
        /// The resource.
        resource: TaskResourceInfo,
        /// The region the task runs in.
        region: String,
        /// The effective parameters.
        parameters: Payload,
        /// `timeoutInSeconds`, when set.
        timeout_in_seconds: Option<u64>,
        /// `heartbeatInSeconds`, when set.
        heartbeat_in_seconds: Option<u64>,
    },
    /// `TaskStarted`.
    TaskStarted {
        /// The resource.
        resource: TaskResourceInfo,
    },
    /// `TaskSubmitted`: a `.sync` integration's job was submitted (its answer is the output).
    TaskSubmitted {
        /// The resource.
        resource: TaskResourceInfo,
        /// The submit call's response.
        output: Payload,
    },
    /// `TaskSucceeded`.
    TaskSucceeded {
        /// The resource.
        resource: TaskResourceInfo,
        /// The task's result.
        output: Payload,
    },
    /// `TaskFailed`.
    TaskFailed {
        /// The resource.
        resource: TaskResourceInfo,
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// `TaskTimedOut`.
    TaskTimedOut {
        /// The resource.
        resource: TaskResourceInfo,
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// `ActivityScheduled` / `LambdaFunctionScheduled`.
    WorkerScheduled {
        /// Activity or Lambda function.
        kind: WorkerKind,
        /// The resource ARN.
        resource: String,
        /// The effective parameters (the worker's input).
        input: Payload,
        /// `timeoutInSeconds`, when set.
        timeout_in_seconds: Option<u64>,
        /// `heartbeatInSeconds`, when set (activities).
        heartbeat_in_seconds: Option<u64>,
    },
    /// `ActivityScheduleFailed`: the activity task could not be scheduled.
    ActivityScheduleFailed {
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// `ActivityStarted` (with the worker's name) / `LambdaFunctionStarted`.
    WorkerStarted {
        /// Activity or Lambda function.
        kind: WorkerKind,
        /// The name GetActivityTask gave.
        worker_name: Option<String>,
    },
    /// `ActivitySucceeded` / `LambdaFunctionSucceeded`.
    WorkerSucceeded {
        /// Activity or Lambda function.
        kind: WorkerKind,
        /// The result.
        output: Payload,
    },
    /// `ActivityFailed` / `LambdaFunctionFailed`.
    WorkerFailed {
        /// Activity or Lambda function.
        kind: WorkerKind,
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// `ActivityTimedOut` / `LambdaFunctionTimedOut`.
    WorkerTimedOut {
        /// Activity or Lambda function.
        kind: WorkerKind,
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// `MapRunStarted`: a distributed Map started its child executions.
    MapRunStarted {
        /// The Map Run's ARN.
        map_run_arn: String,
    },
    /// `MapRunSucceeded`.
    MapRunSucceeded,
    /// `MapRunFailed`.
    MapRunFailed {
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// `EvaluationFailed`: a JSONata or data-flow evaluation failed in a state.
    EvaluationFailed {
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
        /// The field that failed, e.g. `Items`.
        location: Option<String>,
        /// The state name.
        state: String,
    },
}

impl EventDetails {
    /// The AWS event type name (`PassStateEntered`, `TaskSucceeded`, …).
    pub fn type_name(&self) -> String {
        match self {
            Self::ExecutionStarted { .. } => "ExecutionStarted".to_owned(),
            Self::ExecutionSucceeded { .. } => "ExecutionSucceeded".to_owned(),
            Self::ExecutionFailed { .. } => "ExecutionFailed".to_owned(),
            Self::ExecutionTimedOut { .. } => "ExecutionTimedOut".to_owned(),
            Self::ExecutionAborted { .. } => "ExecutionAborted".to_owned(),
            Self::StateEntered { state_type, .. } => format!("{}StateEntered", state_type.as_str()),
            Self::StateExited { state_type, .. } => format!("{}StateExited", state_type.as_str()),
            Self::CompoundPhase {
                state_type, phase, ..
            } => format!("{}State{}", state_type.as_str(), phase.as_str()),
            Self::MapIteration { phase, .. } => format!(
                "MapIteration{}",
                match phase {
                    IterationPhase::Started => "Started",
                    IterationPhase::Succeeded => "Succeeded",
                    IterationPhase::Failed => "Failed",
                    IterationPhase::Aborted => "Aborted",
                }
            ),
            Self::WorkerScheduled { kind, .. } => format!("{}Scheduled", kind.as_str()),
            Self::ActivityScheduleFailed { .. } => "ActivityScheduleFailed".to_owned(),
            Self::WorkerStarted { kind, .. } => format!("{}Started", kind.as_str()),
            Self::WorkerSucceeded { kind, .. } => format!("{}Succeeded", kind.as_str()),
            Self::WorkerFailed { kind, .. } => format!("{}Failed", kind.as_str()),
            Self::WorkerTimedOut { kind, .. } => format!("{}TimedOut", kind.as_str()),
            Self::MapRunStarted { .. } => "MapRunStarted".to_owned(),
            Self::MapRunSucceeded => "MapRunSucceeded".to_owned(),
            Self::MapRunFailed { .. } => "MapRunFailed".to_owned(),
            Self::TaskScheduled { .. } => "TaskScheduled".to_owned(),
            Self::TaskSubmitted { .. } => "TaskSubmitted".to_owned(),
            Self::TaskStarted { .. } => "TaskStarted".to_owned(),
            Self::TaskSucceeded { .. } => "TaskSucceeded".to_owned(),
            Self::TaskFailed { .. } => "TaskFailed".to_owned(),
            Self::TaskTimedOut { .. } => "TaskTimedOut".to_owned(),
            Self::EvaluationFailed { .. } => "EvaluationFailed".to_owned(),
        }
    }
}

/// JSON text of a payload as AWS prints it (compact).
pub fn payload_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn truncated_false() -> Value {
    json!({"truncated": false})
}

impl HistoryEvent {
    /// The event in `GetExecutionHistory` wire shape; `include_data` false drops payloads as
    /// `includeExecutionData: false` does.
    pub fn to_wire(&self, include_data: bool) -> Value {
        let mut event = Map::new();
        event.insert(
            "timestamp".to_owned(),
            json!(self.timestamp as f64 / 1000.0),
        );
        event.insert("type".to_owned(), Value::String(self.details.type_name()));
        event.insert("id".to_owned(), json!(self.id));
        event.insert("previousEventId".to_owned(), json!(self.previous_event_id));
        let payload = |value: &Payload| -> Option<Value> {
            include_data.then(|| Value::String(payload_text(value)))
        };
        // Puts `key` (when data is included) and its `{key}Details` truncation flag into `d`.
        let insert_payload = |d: &mut Map<String, Value>, key: &str, value: &Payload| {
            if let Some(text) = payload(value) {
                d.insert(key.to_owned(), text);
            }
            d.insert(format!("{key}Details"), truncated_false());
        };
        let (key, details): (&str, Option<Value>) = match &self.details {
            EventDetails::ExecutionStarted { input, role_arn } => {
                let mut d = Map::new();
                insert_payload(&mut d, "input", input);
                d.insert("roleArn".to_owned(), json!(role_arn));
                ("executionStartedEventDetails", Some(Value::Object(d)))
            }
            EventDetails::ExecutionSucceeded { output } => {
                let mut d = Map::new();
                insert_payload(&mut d, "output", output);
                ("executionSucceededEventDetails", Some(Value::Object(d)))
            }
            EventDetails::ExecutionFailed { error, cause } => (
                "executionFailedEventDetails",
                Some(error_cause(error, cause)),
            ),
            EventDetails::ExecutionTimedOut { error, cause } => (
                "executionTimedOutEventDetails",
                Some(error_cause(error, cause)),
            ),
            EventDetails::ExecutionAborted { error, cause } => {
                let mut d = Map::new();
                if let Some(error) = error {
                    d.insert("error".to_owned(), json!(error));
                }
                if let Some(cause) = cause {
                    d.insert("cause".to_owned(), json!(cause));
                }
                // Present even when empty: AWS sends `executionAbortedEventDetails: {}`.
                ("executionAbortedEventDetails", Some(Value::Object(d)))
            }
            EventDetails::StateEntered { name, input, .. } => {
                let mut d = Map::new();
                d.insert("name".to_owned(), json!(name));
                insert_payload(&mut d, "input", input);
                ("stateEnteredEventDetails", Some(Value::Object(d)))
            }
            EventDetails::StateExited {
                name,
                output,
                assigned_variables,
                ..
            } => {
                let mut d = Map::new();
                d.insert("name".to_owned(), json!(name));
                insert_payload(&mut d, "output", output);
                if let Some(vars) = assigned_variables {
                    let rendered: Map<String, Value> = vars
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(payload_text(v))))
                        .collect();
                    d.insert("assignedVariables".to_owned(), Value::Object(rendered));
                    d.insert("assignedVariablesDetails".to_owned(), truncated_false());
                }
                ("stateExitedEventDetails", Some(Value::Object(d)))
            }
            EventDetails::CompoundPhase {
                state_type: StateType::Map,
                phase: Phase::Started,
                length,
            } => (
                "mapStateStartedEventDetails",
                Some(json!({"length": length.unwrap_or(0)})),
            ),
            EventDetails::CompoundPhase { .. } => ("", None),
            EventDetails::MapIteration { phase, name, index } => {
                let key = match phase {
                    IterationPhase::Started => "mapIterationStartedEventDetails",
                    IterationPhase::Succeeded => "mapIterationSucceededEventDetails",
                    IterationPhase::Failed => "mapIterationFailedEventDetails",
                    IterationPhase::Aborted => "mapIterationAbortedEventDetails",
                };
                (key, Some(json!({"name": name, "index": index})))
            }
            EventDetails::MapRunStarted { map_run_arn } => (
                "mapRunStartedEventDetails",
                Some(json!({"mapRunArn": map_run_arn})),
            ),
            EventDetails::MapRunSucceeded => ("", None),
            EventDetails::MapRunFailed { error, cause } => {
                ("mapRunFailedEventDetails", Some(error_cause(error, cause)))
            }
            EventDetails::TaskScheduled {
                resource,
                region,
                parameters,
                timeout_in_seconds,
                heartbeat_in_seconds,
            } => {
                let mut d = Map::new();
                d.insert("resourceType".to_owned(), json!(resource.resource_type));
                d.insert("resource".to_owned(), json!(resource.resource));
                d.insert("region".to_owned(), json!(region));
                d.insert(
                    "parameters".to_owned(),
                    Value::String(payload_text(parameters)),
                );
                if let Some(t) = timeout_in_seconds {
                    d.insert("timeoutInSeconds".to_owned(), json!(t));
                }
                if let Some(h) = heartbeat_in_seconds {
                    d.insert("heartbeatInSeconds".to_owned(), json!(h));
                }
                ("taskScheduledEventDetails", Some(Value::Object(d)))
            }
            EventDetails::WorkerScheduled {
                kind,
                resource,
                input,
                timeout_in_seconds,
                heartbeat_in_seconds,
            } => {
                let mut d = Map::new();
                d.insert("resource".to_owned(), json!(resource));
                insert_payload(&mut d, "input", input);
                if let Some(t) = timeout_in_seconds {
                    d.insert("timeoutInSeconds".to_owned(), json!(t));
                }
                if let Some(h) = heartbeat_in_seconds {
                    d.insert("heartbeatInSeconds".to_owned(), json!(h));
                }
                return event_with(
                    event,
                    &format!("{}ScheduledEventDetails", kind.key_prefix()),
                    Value::Object(d),
                );
            }
            EventDetails::ActivityScheduleFailed { error, cause } => (
                "activityScheduleFailedEventDetails",
                Some(error_cause(error, cause)),
            ),
            EventDetails::WorkerStarted { kind, worker_name } => match worker_name {
                Some(name) => {
                    return event_with(
                        event,
                        &format!("{}StartedEventDetails", kind.key_prefix()),
                        json!({"workerName": name}),
                    );
                }
                None => ("", None),
            },
            EventDetails::WorkerSucceeded { kind, output } => {
                let mut d = Map::new();
                insert_payload(&mut d, "output", output);
                return event_with(
                    event,
                    &format!("{}SucceededEventDetails", kind.key_prefix()),
                    Value::Object(d),
                );
            }
            EventDetails::WorkerFailed { kind, error, cause } => {
                return event_with(
                    event,
                    &format!("{}FailedEventDetails", kind.key_prefix()),
                    error_cause(error, cause),
                );
            }
            EventDetails::WorkerTimedOut { kind, error, cause } => {
                return event_with(
                    event,
                    &format!("{}TimedOutEventDetails", kind.key_prefix()),
                    error_cause(error, cause),
                );
            }
            EventDetails::TaskStarted { resource } => (
                "taskStartedEventDetails",
                Some(
                    json!({"resourceType": resource.resource_type, "resource": resource.resource}),
                ),
            ),
            EventDetails::TaskSubmitted { resource, output } => {
                let mut d = Map::new();
                d.insert("resourceType".to_owned(), json!(resource.resource_type));
                d.insert("resource".to_owned(), json!(resource.resource));
                insert_payload(&mut d, "output", output);
                ("taskSubmittedEventDetails", Some(Value::Object(d)))
            }
            EventDetails::TaskSucceeded { resource, output } => {
                let mut d = Map::new();
                d.insert("resourceType".to_owned(), json!(resource.resource_type));
                d.insert("resource".to_owned(), json!(resource.resource));
                insert_payload(&mut d, "output", output);
                ("taskSucceededEventDetails", Some(Value::Object(d)))
            }
            EventDetails::TaskFailed {
                resource,
                error,
                cause,
            } => (
                "taskFailedEventDetails",
                Some(resource_error(resource, error, cause)),
            ),
            EventDetails::TaskTimedOut {
                resource,
                error,
                cause,
            } => (
                "taskTimedOutEventDetails",
                Some(resource_error(resource, error, cause)),
            ),
            EventDetails::EvaluationFailed {
                error,
                cause,
                location,
                state,
            } => {
                let mut d = Map::new();
                d.insert("error".to_owned(), json!(error));
                d.insert("cause".to_owned(), json!(cause));
                if let Some(location) = location {
                    d.insert("location".to_owned(), json!(location));
                }
                d.insert("state".to_owned(), json!(state));
                ("evaluationFailedEventDetails", Some(Value::Object(d)))
            }
        };
        if let Some(details) = details {
            event.insert(key.to_owned(), details);
        }
        Value::Object(event)
    }
}

/// `{error, cause}` with each key present only when it has a value, as AWS records them.
fn error_cause(error: &str, cause: &str) -> Value {
    let mut d = Map::new();
    if !error.is_empty() {
        d.insert("error".to_owned(), json!(error));
    }
    if !cause.is_empty() {
        d.insert("cause".to_owned(), json!(cause));
    }
    Value::Object(d)
}

fn resource_error(resource: &TaskResourceInfo, error: &str, cause: &str) -> Value {
    let mut d = match error_cause(error, cause) {
        Value::Object(d) => d,
        _ => Map::new(),
    };
    d.insert("resourceType".to_owned(), json!(resource.resource_type));
    d.insert("resource".to_owned(), json!(resource.resource));
    Value::Object(d)
}

/// `event` with its details object under a key built at run time.
fn event_with(mut event: Map<String, Value>, key: &str, details: Value) -> Value {
    event.insert(key.to_owned(), details);
    Value::Object(event)
}
