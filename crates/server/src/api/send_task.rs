//! SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: the answers of activity workers and
//! of callbacks (`.waitForTaskToken`), routed by task token.

use super::App;
use super::request::Request;
use crate::error::ApiError;
use crate::runtime::{RuntimeError, TaskAnswer};
use baton_engine::failure::Failure;
use serde_json::{Value, json};
use std::sync::Arc;

/// Reads `taskToken`.
fn token(request: &Request) -> Result<&str, ApiError> {
    request.str_len("taskToken", 1, 2048)
}

/// The error a token gets when its task does not take an answer.
fn refused(answer: TaskAnswer) -> Result<Value, ApiError> {
    match answer {
        TaskAnswer::Accepted => Ok(json!({})),
        TaskAnswer::UnknownToken => Err(ApiError::invalid_task_token()),
        TaskAnswer::NoLongerAwaited => Err(ApiError::task_timed_out()),
    }
}

fn answered(result: Result<TaskAnswer, RuntimeError>) -> Result<Value, ApiError> {
    match result {
        Ok(answer) => refused(answer),
        Err(RuntimeError::Store(error)) => Err(super::store_error(error)),
    }
}

/// Runs SendTaskSuccess.
pub async fn success(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let token = token(request)?;
    let output = request.str_len("output", 0, app.config.max_payload_bytes)?;
    let output: Value = serde_json::from_str(output)
        .map_err(|e| ApiError::invalid_output(format!("Invalid JSON: {e}")))?;
    answered(app.runtime.answer_task(token, Ok(output)).await)
}

/// Runs SendTaskFailure.
pub async fn failure(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let token = token(request)?;
    let error = request.opt_str_len("error", 0, 256)?.unwrap_or_default();
    let cause = request.opt_str_len("cause", 0, 32768)?.unwrap_or_default();
    answered(
        app.runtime
            .answer_task(token, Err(Failure::new(error, cause)))
            .await,
    )
}

/// Runs SendTaskHeartbeat.
pub async fn heartbeat(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let token = token(request)?;
    refused(app.runtime.heartbeat_task(token).await)
}
