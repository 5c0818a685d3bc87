//! DescribeStateMachine.

use super::request::Request;
use super::{App, epoch_seconds};
use crate::error::ApiError;
use crate::names::ResourceArn;
use baton_store::StateMachineRecord;
use serde_json::{Map, Value, json};

/// The fields DescribeStateMachine and DescribeStateMachineForExecution share.
pub fn machine_fields(record: &StateMachineRecord) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("stateMachineArn".to_owned(), json!(record.arn));
    out.insert("name".to_owned(), json!(record.name));
    out.insert("definition".to_owned(), json!(record.definition));
    out.insert("roleArn".to_owned(), json!(record.role_arn));
    out.insert(
        "loggingConfiguration".to_owned(),
        serde_json::from_str(&record.logging_configuration).unwrap_or(Value::Null),
    );
    out.insert(
        "tracingConfiguration".to_owned(),
        serde_json::from_str(&record.tracing_configuration).unwrap_or(Value::Null),
    );
    out.insert("revisionId".to_owned(), json!(record.revision_id));
    out
}

/// Runs DescribeStateMachine.
pub fn run(app: &App, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str_len("stateMachineArn", 1, 256)?;
    ResourceArn::state_machine(arn)?;
    let entry = app
        .machine(arn)
        .ok_or_else(|| ApiError::no_state_machine(arn))?;
    let record = &entry.record;
    let mut out = machine_fields(record);
    out.insert("status".to_owned(), json!("ACTIVE"));
    out.insert("type".to_owned(), json!(record.workflow_type.as_str()));
    out.insert("creationDate".to_owned(), epoch_seconds(record.created));
    if !record.description.is_empty() {
        out.insert("description".to_owned(), json!(record.description));
    }
    if !entry.variable_references.is_empty() {
        out.insert(
            "variableReferences".to_owned(),
            json!(entry.variable_references),
        );
    }
    Ok(Value::Object(out))
}
