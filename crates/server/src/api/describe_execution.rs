//! DescribeExecution.

use super::request::Request;
use super::{App, execution_fields};
use crate::error::ApiError;
use crate::names::ResourceArn;
use baton_store::RunStatus;
use serde_json::{Value, json};

/// Runs DescribeExecution.
pub fn run(app: &App, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str_len("executionArn", 1, 256)?;
    ResourceArn::execution(arn)?;
    let record = app.execution(arn)?;
    let mut out = execution_fields(&record);
    out.insert("redriveCount".to_owned(), json!(0));
    let (status, reason) = match record.status {
        RunStatus::Running => (
            "NOT_REDRIVABLE",
            Some("Execution is RUNNING and cannot be redriven"),
        ),
        RunStatus::Succeeded => (
            "NOT_REDRIVABLE",
            Some("Execution is SUCCEEDED and cannot be redriven"),
        ),
        RunStatus::Failed | RunStatus::TimedOut | RunStatus::Aborted => ("REDRIVABLE", None),
    };
    out.insert("redriveStatus".to_owned(), json!(status));
    if let Some(reason) = reason {
        out.insert("redriveStatusReason".to_owned(), json!(reason));
    }
    Ok(Value::Object(out))
}
