//! StartSyncExecution: runs an EXPRESS execution and answers with its outcome (HTTP 200 even
//! when it failed).

use super::request::Request;
use super::start_execution::{read, start_request};
use super::{App, execution_fields, store_error};
use crate::error::ApiError;
use crate::runtime::RuntimeError;
use baton_store::WorkflowType;
use serde_json::{Value, json};
use std::sync::Arc;

/// Runs StartSyncExecution.
pub async fn run(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let start = read(app, request)?;
    if start.machine.record.workflow_type != WorkflowType::Express {
        return Err(ApiError::type_not_supported(
            "This operation is not supported by this type of state machine",
        ));
    }
    let record = match app
        .runtime
        .start_execution(start_request(app, start), true)
        .await
    {
        Ok(record) => record,
        Err(RuntimeError::Store(error)) => return Err(store_error(error)),
    };
    let mut out = execution_fields(&record);
    let duration = record.stopped.unwrap_or(record.started) - record.started;
    // AWS bills at least 100 ms, in 100 ms steps, and 64 MB.
    let billed = ((duration.max(1) + 99) / 100) * 100;
    out.insert(
        "billingDetails".to_owned(),
        json!({"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed}),
    );
    Ok(Value::Object(out))
}
