//! UpdateStateMachine: a new definition, role or configuration; running executions keep the
//! definition they started with.

use super::create_state_machine::{configuration, role_arn};
use super::request::Request;
use super::{App, MachineEntry, epoch_seconds, fresh_uuid, parse_machine, store_error};
use crate::error::ApiError;
use crate::names::ResourceArn;
use crate::runtime::now_millis;
use baton_store::Write;
use serde_json::{Value, json};
use std::sync::Arc;

/// Runs UpdateStateMachine.
pub async fn run(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str_len("stateMachineArn", 1, 256)?;
    let definition = request.opt_str_len("definition", 1, app.config.max_definition_bytes)?;
    let role = role_arn(request, "roleArn")?;
    let logging = configuration(request, "loggingConfiguration")?;
    let tracing_configuration = configuration(request, "tracingConfiguration")?;
    ResourceArn::state_machine(arn)?;
    if definition.is_none()
        && role.is_none()
        && logging.is_none()
        && tracing_configuration.is_none()
    {
        return Err(ApiError::missing_parameter(
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
        ));
    }
    let entry = app
        .machine(arn)
        .ok_or_else(|| ApiError::no_state_machine(arn))?;
    let mut record = entry.record.clone();
    let machine = match definition {
        Some(text) => {
            let machine = parse_machine(text, record.workflow_type)?;
            text.clone_into(&mut record.definition);
            Arc::new(machine)
        }
        None => Arc::clone(&entry.machine),
    };
    if let Some(role) = role {
        role.clone_into(&mut record.role_arn);
    }
    if let Some(logging) = logging {
        record.logging_configuration = logging;
    }
    if let Some(tracing_configuration) = tracing_configuration {
        record.tracing_configuration = tracing_configuration;
    }
    let updated = now_millis();
    record.updated = Some(updated);
    record.revision_id = fresh_uuid(app);
    app.runtime
        .committer()
        .commit(vec![Write::PutStateMachine(record.clone())])
        .await
        .map_err(store_error)?;
    let revision = record.revision_id.clone();
    app.set_machine(MachineEntry::new(record, machine));
    Ok(json!({"updateDate": epoch_seconds(updated), "revisionId": revision}))
}
