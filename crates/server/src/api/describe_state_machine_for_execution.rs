//! DescribeStateMachineForExecution: the definition an execution runs, as it was when it
//! started.

use super::describe_state_machine::machine_fields;
use super::request::Request;
use super::{App, epoch_seconds};
use crate::error::ApiError;
use crate::names::ResourceArn;
use serde_json::{Value, json};

/// Runs DescribeStateMachineForExecution.
pub fn run(app: &App, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str_len("executionArn", 1, 256)?;
    ResourceArn::execution(arn)?;
    let execution = app.execution(arn)?;
    let machine = app.machine(&execution.state_machine_arn);
    let mut out = match &machine {
        Some(entry) => machine_fields(&entry.record),
        None => serde_json::Map::new(),
    };
    out.insert(
        "stateMachineArn".to_owned(),
        json!(execution.state_machine_arn),
    );
    out.insert(
        "name".to_owned(),
        json!(
            execution
                .state_machine_arn
                .rsplit(':')
                .next()
                .unwrap_or_default()
        ),
    );
    out.insert("definition".to_owned(), json!(execution.definition));
    out.insert("roleArn".to_owned(), json!(execution.role_arn));
    out.insert("revisionId".to_owned(), json!(execution.revision_id));
    let updated = machine.as_ref().map_or(execution.started, |m| {
        m.record.updated.unwrap_or(m.record.created)
    });
    out.insert("updateDate".to_owned(), epoch_seconds(updated));
    Ok(Value::Object(out))
}
