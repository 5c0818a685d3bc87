//! CreateStateMachine: validates the definition, stores the state machine; idempotent when the
//! same name comes with the same settings.

use super::request::Request;
use super::{App, MachineEntry, epoch_seconds, fresh_uuid, parse_machine, store_error};
use crate::error::ApiError;
use crate::names::check_name;
use crate::runtime::now_millis;
use baton_store::{StateMachineRecord, WorkflowType, Write};
use serde_json::{Value, json};
use std::sync::Arc;

/// The logging configuration AWS reports when none was given.
pub const DEFAULT_LOGGING: &str = r#"{"level":"OFF","includeExecutionData":false}"#;
/// The tracing configuration AWS reports when none was given.
pub const DEFAULT_TRACING: &str = r#"{"enabled":false}"#;

/// Reads `type`.
pub fn workflow_type(request: &Request) -> Result<WorkflowType, ApiError> {
    match request.opt_str("type")? {
        None => Ok(WorkflowType::Standard),
        Some(text) => WorkflowType::parse(text).ok_or_else(|| {
            ApiError::constraint(
                "type",
                &format!("'{text}'"),
                "Member must satisfy enum value set: [STANDARD, EXPRESS]",
            )
        }),
    }
}

/// Reads a role ARN member.
pub fn role_arn<'r>(request: &'r Request, member: &str) -> Result<Option<&'r str>, ApiError> {
    let role = request.opt_str_len(member, 1, 256)?;
    if let Some(role) = role {
        let fields: Vec<&str> = role.split(':').collect();
        if fields.len() < 6 || fields.first() != Some(&"arn") || fields.get(2) != Some(&"iam") {
            return Err(ApiError::invalid_arn(format_args!(
                "Invalid ARN prefix: {role}"
            )));
        }
    }
    Ok(role)
}

/// Reads a configuration structure member as JSON text.
pub fn configuration(request: &Request, member: &str) -> Result<Option<String>, ApiError> {
    Ok(request
        .opt_object(member)?
        .map(|m| Value::Object(m.clone()).to_string()))
}

/// Reads a `tags` list.
pub fn tags(request: &Request) -> Result<Vec<(String, String)>, ApiError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for tag in request.opt_list("tags")?.into_iter().flatten() {
        let key = tag.get("key").and_then(Value::as_str);
        let value = tag.get("value").and_then(Value::as_str).unwrap_or_default();
        let Some(key) = key else {
            return Err(ApiError::serialization("Tag key must be a string"));
        };
        super::request::check_len("tags.member.key", key, 1, 128)?;
        super::request::check_len("tags.member.value", value, 0, 256)?;
        match out.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => value.clone_into(&mut slot.1),
            None => out.push((key.to_owned(), value.to_owned())),
        }
    }
    Ok(out)
}

/// Runs CreateStateMachine.
pub async fn run(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let name = request.str_len("name", 1, 80)?;
    let definition = request.str_len("definition", 1, app.config.max_definition_bytes)?;
    let role = role_arn(request, "roleArn")?.ok_or_else(|| ApiError::missing("roleArn"))?;
    let workflow_type = workflow_type(request)?;
    let logging = configuration(request, "loggingConfiguration")?
        .unwrap_or_else(|| DEFAULT_LOGGING.to_owned());
    let tracing_configuration = configuration(request, "tracingConfiguration")?
        .unwrap_or_else(|| DEFAULT_TRACING.to_owned());
    let tags = tags(request)?;
    check_name(name)?;
    let machine = parse_machine(definition, workflow_type)?;
    let arn = app.state_machine_arn(name);
    if let Some(existing) = app.machine(&arn) {
        let same = existing.record.definition == definition
            && existing.record.role_arn == role
            && existing.record.workflow_type == workflow_type
            && existing.record.logging_configuration == logging
            && existing.record.tracing_configuration == tracing_configuration;
        if same {
            return Ok(json!({
                "stateMachineArn": arn,
                "creationDate": epoch_seconds(existing.record.created),
            }));
        }
        return Err(ApiError::state_machine_exists(&arn));
    }
    let record = StateMachineRecord {
        arn: arn.clone(),
        name: name.to_owned(),
        definition: definition.to_owned(),
        role_arn: role.to_owned(),
        workflow_type,
        created: now_millis(),
        updated: None,
        revision_id: fresh_uuid(app),
        description: String::new(),
        logging_configuration: logging,
        tracing_configuration,
        tags,
    };
    app.runtime
        .committer()
        .commit(vec![Write::PutStateMachine(record.clone())])
        .await
        .map_err(store_error)?;
    let created = record.created;
    app.set_machine(MachineEntry::new(record, Arc::new(machine)));
    Ok(json!({"stateMachineArn": arn, "creationDate": epoch_seconds(created)}))
}
