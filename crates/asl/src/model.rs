//! The definition model: a state machine parsed once into typed Rust, with every path,
//! template, intrinsic call and JSONata expression pre-parsed so execution never re-parses.

use crate::intrinsics::IntrinsicCall;
use crate::jsonata::JsonataExpression;
use crate::path::JsonPath;
use crate::states::{
    ChoiceState, FailState, MapState, ParallelState, PassState, TaskState, WaitState,
};
use crate::template::{JsonataTemplate, PayloadTemplate};
use std::collections::HashMap;

/// The two query languages of ASL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QueryLanguage {
    /// `JSONPath`, the default: paths, payload templates and intrinsic functions.
    #[default]
    JsonPath,
    /// `JSONata`: `{% … %}` expressions, `Arguments`, `Output`.
    Jsonata,
}

impl QueryLanguage {
    /// The name as written in a definition.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JsonPath => "JSONPath",
            Self::Jsonata => "JSONata",
        }
    }
}

/// Whether a state machine is STANDARD (durable, exactly-once) or EXPRESS (in memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StateMachineType {
    /// Durable, long-running workflows.
    #[default]
    Standard,
    /// Short-lived, at-least-once workflows: no activities, `.sync` or `.waitForTaskToken`.
    Express,
}

impl StateMachineType {
    /// The name as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "STANDARD",
            Self::Express => "EXPRESS",
        }
    }

    /// Parses `STANDARD` / `EXPRESS` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "STANDARD" => Some(Self::Standard),
            "EXPRESS" => Some(Self::Express),
            _ => None,
        }
    }
}

/// A whole state machine definition.
#[derive(Debug, Clone)]
pub struct StateMachine {
    /// `Comment`.
    pub comment: Option<String>,
    /// `Version` (only "1.0" exists).
    pub version: Option<String>,
    /// `TimeoutSeconds` of the whole execution.
    pub timeout_seconds: Option<u64>,
    /// The top-level `QueryLanguage`, inherited by states that do not set their own.
    pub query_language: QueryLanguage,
    /// The top-level states.
    pub scope: Scope,
}

/// A set of states with a start state: the top level, a Parallel branch or a Map processor.
#[derive(Debug, Clone)]
pub struct Scope {
    /// `StartAt`.
    pub start_at: String,
    /// `Comment` of a branch or processor.
    pub comment: Option<String>,
    /// The states, in definition order.
    pub states: Vec<State>,
    index: HashMap<String, usize>,
}

impl Scope {
    /// Builds a scope and its name index.
    pub fn new(start_at: String, comment: Option<String>, states: Vec<State>) -> Self {
        let index = states
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        Self {
            start_at,
            comment,
            states,
            index,
        }
    }

    /// The state called `name`, if it is in this scope.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.index.get(name).and_then(|&i| self.states.get(i))
    }

    /// The state execution starts at.
    pub fn start_state(&self) -> Option<&State> {
        self.state(&self.start_at)
    }
}

/// Where a state goes when it completes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// `Next`: the state to run next.
    Next(String),
    /// `End: true`: the scope ends here.
    End,
    /// Choice, Succeed and Fail decide for themselves.
    Decided,
}

/// A path-valued field that may be absent (use the default), `null`, or a path.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PathField {
    /// Not given: the default (`$`).
    #[default]
    Default,
    /// `null`: an empty object (InputPath/OutputPath) or discard the result (ResultPath).
    Null,
    /// A JSONPath.
    Path(JsonPath),
}

/// A template in either query language.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// A JSONPath payload template.
    JsonPath(PayloadTemplate),
    /// A JSONata template.
    Jsonata(JsonataTemplate),
}

/// A value given literally, through a path, an intrinsic call, or a JSONata expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic<T> {
    /// A literal in the definition.
    Static(T),
    /// A `…Path` field: read from the state input at run time.
    Path(JsonPath),
    /// An intrinsic function call (`ErrorPath`/`CausePath`).
    Intrinsic(IntrinsicCall),
    /// A JSONata expression.
    Expression(JsonataExpression),
}

/// One state.
#[derive(Debug, Clone)]
pub struct State {
    /// The state's name (its key in `States`).
    pub name: String,
    /// `Comment`.
    pub comment: Option<String>,
    /// The effective query language.
    pub query_language: QueryLanguage,
    /// What kind of state this is, with its type-specific fields.
    pub kind: StateKind,
    /// `Next` / `End`.
    pub transition: Transition,
    /// `InputPath` (JSONPath states).
    pub input_path: PathField,
    /// `OutputPath` (JSONPath states).
    pub output_path: PathField,
    /// `ResultPath` (JSONPath states).
    pub result_path: PathField,
    /// `Parameters` (JSONPath states).
    pub parameters: Option<PayloadTemplate>,
    /// `ResultSelector` (JSONPath states).
    pub result_selector: Option<PayloadTemplate>,
    /// `Arguments` (JSONata states).
    pub arguments: Option<JsonataTemplate>,
    /// `Output` (JSONata states).
    pub output: Option<JsonataTemplate>,
    /// `Assign`.
    pub assign: Option<Template>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
}

/// The type-specific part of a state.
#[derive(Debug, Clone)]
pub enum StateKind {
    /// `Pass`.
    Pass(PassState),
    /// `Task`.
    Task(Box<TaskState>),
    /// `Choice`.
    Choice(ChoiceState),
    /// `Wait`.
    Wait(WaitState),
    /// `Succeed`.
    Succeed,
    /// `Fail`.
    Fail(FailState),
    /// `Parallel`.
    Parallel(ParallelState),
    /// `Map`.
    Map(Box<MapState>),
}

impl StateKind {
    /// The `Type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Pass(_) => "Pass",
            Self::Task(_) => "Task",
            Self::Choice(_) => "Choice",
            Self::Wait(_) => "Wait",
            Self::Succeed => "Succeed",
            Self::Fail(_) => "Fail",
            Self::Parallel(_) => "Parallel",
            Self::Map(_) => "Map",
        }
    }
}

/// `JitterStrategy` of a retrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JitterStrategy {
    /// No jitter (the default).
    #[default]
    None,
    /// Full jitter: a random delay between 0 and the computed interval.
    Full,
}

/// One `Retry` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `IntervalSeconds` (default 1).
    pub interval_seconds: u64,
    /// `MaxAttempts` (default 3).
    pub max_attempts: u64,
    /// `BackoffRate` (default 2.0).
    pub backoff_rate: f64,
    /// `MaxDelaySeconds`.
    pub max_delay_seconds: Option<u64>,
    /// `JitterStrategy`.
    pub jitter_strategy: JitterStrategy,
}

/// One `Catch` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `Next`.
    pub next: String,
    /// `ResultPath` (JSONPath), default `$`.
    pub result_path: PathField,
    /// `Output` (JSONata).
    pub output: Option<JsonataTemplate>,
    /// `Assign`.
    pub assign: Option<Template>,
}

/// The error names the language predefines; other names starting `States.` are rejected.
pub const PREDEFINED_ERRORS: &[&str] = &[
    "States.ALL",
    "States.DataLimitExceeded",
    "States.ExceedToleratedFailureThreshold",
    "States.HeartbeatTimeout",
    "States.Http.Socket",
    "States.IntrinsicFailure",
    "States.ItemReaderFailed",
    "States.NoChoiceMatched",
    "States.ParameterPathFailure",
    "States.Permissions",
    "States.QueryEvaluationError",
    "States.ResultPathMatchFailure",
    "States.ResultWriterFailed",
    "States.Runtime",
    "States.TaskFailed",
    "States.Timeout",
    "States.BranchFailed",
];

/// True when `name` may appear in `ErrorEquals`.
pub fn is_known_error_name(name: &str) -> bool {
    !name.starts_with("States.")
        || PREDEFINED_ERRORS.contains(&name)
        || name
            .strip_prefix("States.Http.StatusCode.")
            .is_some_and(|code| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
}
