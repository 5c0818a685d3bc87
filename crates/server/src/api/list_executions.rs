//! ListExecutions: newest first, filtered by state machine and status, paged.

use super::request::Request;
use super::{App, epoch_seconds, page_into, paging, read_page_token, store_error};
use crate::error::ApiError;
use crate::names::ResourceArn;
use baton_store::{ExecutionQuery, RunStatus};
use serde_json::{Map, Value, json};

/// Runs ListExecutions.
pub fn run(app: &App, request: &Request) -> Result<Value, ApiError> {
    let arn = request.opt_str_len("stateMachineArn", 1, 256)?;
    let status = match request.opt_str("statusFilter")? {
        None => None,
        Some(text) => Some(RunStatus::parse(text).ok_or_else(|| {
            ApiError::constraint(
                "statusFilter",
                &format!("'{text}'"),
                "Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]",
            )
        })?),
    };
    let (max, token) = paging(request)?;
    let map_run = request.opt_str_len("mapRunArn", 1, 2000)?;
    let Some(arn) = arn else {
        if map_run.is_some() {
            return Ok(json!({"executions": []}));
        }
        return Err(ApiError::validation(
            "Must provide a StateMachine ARN or MapRun ARN",
        ));
    };
    ResourceArn::state_machine(arn)?;
    if app.machine(arn).is_none() {
        return Err(ApiError::no_state_machine(arn));
    }
    let after = token.map(|t| read_page_token("ex", t)).transpose()?;
    let read = app
        .store
        .executions(&ExecutionQuery {
            state_machine_arn: Some(arn.to_owned()),
            status,
            after,
            limit: max + 1,
        })
        .map_err(store_error)?;
    let mut out = Map::new();
    let page = page_into(read, max, "ex", |r| &r.arn, &mut out);
    let items: Vec<Value> = page
        .iter()
        .map(|r| {
            let mut item = Map::new();
            item.insert("executionArn".to_owned(), json!(r.arn));
            item.insert("stateMachineArn".to_owned(), json!(r.state_machine_arn));
            item.insert("name".to_owned(), json!(r.name));
            item.insert("status".to_owned(), json!(r.status.as_str()));
            item.insert("startDate".to_owned(), epoch_seconds(r.started));
            if let Some(stopped) = r.stopped {
                item.insert("stopDate".to_owned(), epoch_seconds(stopped));
            }
            item.insert("redriveCount".to_owned(), json!(0));
            Value::Object(item)
        })
        .collect();
    out.insert("executions".to_owned(), Value::Array(items));
    Ok(Value::Object(out))
}
