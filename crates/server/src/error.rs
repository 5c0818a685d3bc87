//! API errors in AWS's wire shape: the `__type` code, the HTTP status and the message text that
//! AWS Step Functions answers with.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The namespace of Step Functions' own exceptions.
const SFN: &str = "com.amazonaws.swf.service.v2.model";

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// The exception's name (`StateMachineDoesNotExist`, `ValidationException`, …).
    pub code: &'static str,
    /// The human message.
    pub message: String,
    /// The HTTP status.
    pub status: StatusCode,
}

impl ApiError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status: StatusCode::BAD_REQUEST,
        }
    }

    /// The full `__type`, with the namespace the exception lives in.
    pub fn wire_type(&self) -> String {
        let namespace = match self.code {
            "ValidationException" => "com.amazon.coral.validate",
            "SerializationException"
            | "UnknownOperationException"
            | "InternalFailure"
            | "RequestEntityTooLargeException"
            | "MissingAuthenticationTokenException" => "com.amazon.coral.service",
            _ => SFN,
        };
        format!("{namespace}#{}", self.code)
    }

    /// A request member failed a constraint (coral's validation message).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    /// One member failed one constraint: `1 validation error detected: Value … at '…' …`.
    pub fn constraint(member: &str, value: &str, constraint: &str) -> Self {
        Self::validation(format!(
            "1 validation error detected: Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ))
    }

    /// A required member is missing.
    pub fn missing(member: &str) -> Self {
        Self::constraint(member, "null", "Member must not be null")
    }

    /// The body is not the JSON the operation takes.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }

    /// The `X-Amz-Target` names no operation.
    pub fn unknown_operation() -> Self {
        Self::new("UnknownOperationException", "")
    }

    /// Something failed inside Baton; the details go to the log, not to the caller.
    pub fn internal() -> Self {
        Self {
            code: "InternalFailure",
            message: "The request processing has failed because of an unknown error, exception or failure.".to_owned(),
            status: StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// `InvalidArn`.
    pub fn invalid_arn(detail: impl std::fmt::Display) -> Self {
        Self::new("InvalidArn", format!("Invalid Arn: '{detail}'"))
    }

    /// `InvalidName`.
    pub fn invalid_name(name: &str) -> Self {
        Self::new("InvalidName", format!("Invalid Name: '{name}'"))
    }

    /// `InvalidDefinition`.
    pub fn invalid_definition(detail: impl std::fmt::Display) -> Self {
        Self::new(
            "InvalidDefinition",
            format!("Invalid State Machine Definition: '{detail}'"),
        )
    }

    /// `InvalidExecutionInput`.
    pub fn invalid_input(detail: impl std::fmt::Display) -> Self {
        Self::new(
            "InvalidExecutionInput",
            format!("Invalid Execution Input: '{detail}'"),
        )
    }

    /// `InvalidToken` (a `nextToken` Baton did not hand out).
    pub fn invalid_token(token: &str) -> Self {
        Self::new("InvalidToken", format!("Invalid Token: '{token}'"))
    }

    /// `StateMachineDoesNotExist`.
    pub fn no_state_machine(arn: &str) -> Self {
        Self::new(
            "StateMachineDoesNotExist",
            format!("State Machine Does Not Exist: '{arn}'"),
        )
    }

    /// `StateMachineAlreadyExists`.
    pub fn state_machine_exists(arn: &str) -> Self {
        Self::new(
            "StateMachineAlreadyExists",
            format!("State Machine Already Exists: '{arn}'"),
        )
    }

    /// `StateMachineDeleting`.
    pub fn state_machine_deleting(arn: &str) -> Self {
        Self::new(
            "StateMachineDeleting",
            format!("State Machine is being deleted: '{arn}'"),
        )
    }

    /// `StateMachineTypeNotSupported`.
    pub fn type_not_supported(message: impl Into<String>) -> Self {
        Self::new("StateMachineTypeNotSupported", message)
    }

    /// `ExecutionDoesNotExist`.
    pub fn no_execution(arn: &str) -> Self {
        Self::new(
            "ExecutionDoesNotExist",
            format!("Execution Does Not Exist: '{arn}'"),
        )
    }

    /// `ExecutionAlreadyExists`.
    pub fn execution_exists(arn: &str) -> Self {
        Self::new(
            "ExecutionAlreadyExists",
            format!("Execution Already Exists: '{arn}'"),
        )
    }

    /// `ExecutionLimitExceeded`.
    pub fn execution_limit(message: impl Into<String>) -> Self {
        Self::new("ExecutionLimitExceeded", message)
    }

    /// `MissingRequiredParameter`.
    pub fn missing_parameter(message: impl Into<String>) -> Self {
        Self::new("MissingRequiredParameter", message)
    }

    /// `ResourceNotFound`.
    pub fn resource_not_found(arn: &str) -> Self {
        Self::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
    }

    /// `TooManyTags`.
    pub fn too_many_tags(arn: &str) -> Self {
        Self::new(
            "TooManyTags",
            format!("Too many tags for resource: '{arn}'"),
        )
    }

    /// `InvalidToken` for a task token Baton did not issue.
    pub fn invalid_task_token() -> Self {
        Self::new("InvalidToken", "Invalid Token: 'Invalid token'")
    }

    /// `TaskTimedOut`: the token's task no longer takes answers.
    pub fn task_timed_out() -> Self {
        Self::new(
            "TaskTimedOut",
            "Task Timed Out: 'Provided task does not exist anymore'",
        )
    }

    /// `InvalidOutput`.
    pub fn invalid_output(detail: impl std::fmt::Display) -> Self {
        Self::new("InvalidOutput", format!("Invalid Output: '{detail}'"))
    }

    /// `ActivityDoesNotExist`.
    pub fn no_activity(arn: &str) -> Self {
        Self::new(
            "ActivityDoesNotExist",
            format!("Activity Does Not Exist: '{arn}'"),
        )
    }

    /// The request body is larger than the server takes.
    pub fn too_large() -> Self {
        Self {
            code: "RequestEntityTooLargeException",
            message: "Request entity too large".to_owned(),
            status: StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// `ServiceUnavailable`: the store could not take the write (e.g. the disk is full).
    pub fn unavailable() -> Self {
        Self {
            code: "ServiceUnavailable",
            message: "The service is unavailable: the write could not be stored".to_owned(),
            status: StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"__type": self.wire_type(), "message": self.message});
        (
            self.status,
            [("content-type", "application/x-amz-json-1.0")],
            body.to_string(),
        )
            .into_response()
    }
}
