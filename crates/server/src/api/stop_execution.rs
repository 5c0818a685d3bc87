//! StopExecution: aborts a running execution; an execution that already ended is left as it is.

use super::request::Request;
use super::{App, epoch_seconds, store_error};
use crate::error::ApiError;
use crate::names::ResourceArn;
use crate::runtime::{RuntimeError, now_millis};
use serde_json::{Value, json};
use std::sync::Arc;

/// Runs StopExecution.
pub async fn run(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str_len("executionArn", 1, 256)?;
    let error = request.opt_str_len("error", 0, 256)?;
    let cause = request.opt_str_len("cause", 0, 32768)?;
    ResourceArn::execution(arn)?;
    let record = app.execution(arn)?;
    let stopped = match app
        .runtime
        .stop(arn, error.map(str::to_owned), cause.map(str::to_owned))
        .await
    {
        Ok(Some(stopped)) => stopped,
        Ok(None) => record.stopped.unwrap_or_else(now_millis),
        Err(RuntimeError::Store(error)) => return Err(store_error(error)),
    };
    Ok(json!({"stopDate": epoch_seconds(stopped)}))
}
