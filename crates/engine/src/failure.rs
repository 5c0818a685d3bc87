//! Workflow failures: an error name and a cause, as they appear in history events and in a
//! failed execution's DescribeExecution. Failures are data, not Rust errors: the engine turns
//! them into events, and Retry/Catch match on `error`.

use std::fmt;

/// An ASL error: `error` is what `ErrorEquals` matches, `cause` the human explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The error name (`States.Runtime`, `States.TaskFailed`, a custom name, …).
    pub error: String,
    /// The cause text, worded as AWS words it.
    pub cause: String,
}

impl Failure {
    /// A failure with an explicit name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            cause: cause.into(),
        }
    }

    /// `States.Runtime` raised while running `state` entered at event `entered_event_id`.
    pub fn runtime(state: &str, entered_event_id: u64, detail: impl fmt::Display) -> Self {
        Self::in_state(names::RUNTIME, state, entered_event_id, detail)
    }

    /// An error of type `error` whose cause follows AWS's
    /// "An error occurred while executing the state 'X' (entered at the event id #N). …" shape.
    pub fn in_state(
        error: &str,
        state: &str,
        entered_event_id: u64,
        detail: impl fmt::Display,
    ) -> Self {
        Self::new(
            error,
            format!(
                "An error occurred while executing the state '{state}' (entered at the event id #{entered_event_id}). {detail}"
            ),
        )
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.cause)
    }
}

/// The predefined error names.
pub mod names {
    /// Matches every error in `ErrorEquals`.
    pub const ALL: &str = "States.ALL";
    /// A run-time problem not covered by a more specific name (bad path, bad value, …).
    pub const RUNTIME: &str = "States.Runtime";
    /// A Task or the execution ran past its `TimeoutSeconds`.
    pub const TIMEOUT: &str = "States.Timeout";
    /// A Task missed its heartbeat.
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    /// A Task failed.
    pub const TASK_FAILED: &str = "States.TaskFailed";
    /// A Parallel branch failed.
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    /// No Choice rule matched and there is no Default.
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    /// Predefined by the language for a failed intrinsic function; AWS reports intrinsic
    /// failures as `States.Runtime` instead, and so does Baton, so nothing raises it.
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    /// `ResultPath` could not be applied to the input.
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    /// A `Parameters` path did not match the input.
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    /// A JSONata expression failed.
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    /// A payload exceeded 256 KiB.
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    /// A Map run failed more items than tolerated.
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    /// Not permitted.
    pub const PERMISSIONS: &str = "States.Permissions";
}

/// True when a retrier's or catcher's `ErrorEquals` matches `error`. `States.ALL` matches
/// everything except `States.Runtime`, which only an explicit name catches; `States.TaskFailed`
/// matches any error except `States.Timeout`.
pub fn error_matches(error_equals: &[String], error: &str) -> bool {
    error_equals.iter().any(|name| {
        name == error
            || (name == names::ALL && error != names::RUNTIME)
            || (name == names::TASK_FAILED
                && error != names::TIMEOUT
                && !error.starts_with("States.Runtime"))
    })
}
