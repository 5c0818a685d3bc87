//! StartExecution: starts an execution, durable before the answer (STANDARD); idempotent for a
//! running execution started with the same name and input.

use super::request::Request;
use super::{App, MachineEntry, epoch_seconds, fresh_uuid, store_error};
use crate::error::ApiError;
use crate::integrations::mock::split_test_case;
use crate::names::{ResourceArn, check_name};
use crate::runtime::nested::NestedRequest;
use crate::runtime::{RuntimeError, StartRequest};
use baton_engine::ExecutionInfo;
use baton_engine::failure::Failure;
use baton_store::{ExecutionRecord, RunStatus, StoreError, WorkflowType};
use serde_json::{Value, json};
use std::sync::Arc;

/// What StartExecution and StartSyncExecution read from the request.
pub struct Start {
    /// The state machine.
    pub machine: Arc<MachineEntry>,
    /// The execution name.
    pub name: String,
    /// The input text.
    pub input_text: String,
    /// The input, parsed.
    pub input: Value,
    /// The mock test case (`stateMachineArn#TestCase`).
    pub test_case: Option<String>,
}

/// Reads and checks the members both start operations take.
pub fn read(app: &App, request: &Request) -> Result<Start, ApiError> {
    let full_arn = request.str_len("stateMachineArn", 1, 256)?;
    let (arn, test_case) = split_test_case(full_arn);
    let name = request.opt_str_len("name", 1, 80)?;
    let input_text = request
        .opt_str_len("input", 0, app.config.max_payload_bytes)?
        .unwrap_or("{}");
    request.opt_str_len("traceHeader", 0, 256)?;
    ResourceArn::state_machine(arn)?;
    if let Some(name) = name {
        check_name(name)?;
    }
    let input: Value =
        serde_json::from_str(input_text).map_err(|e| ApiError::invalid_input(e.to_string()))?;
    let machine = app
        .machine(arn)
        .ok_or_else(|| ApiError::no_state_machine(arn))?;
    if let Some(case) = test_case {
        let known = app
            .config
            .runtime
            .mocks
            .as_ref()
            .is_some_and(|mocks| mocks.has_test_case(&machine.record.name, case));
        if !known {
            return Err(ApiError::validation(format!(
                "Test case '{case}' is not defined for state machine '{}' in the mock configuration",
                machine.record.name
            )));
        }
    }
    Ok(Start {
        machine,
        name: name.map_or_else(|| fresh_uuid(app), str::to_owned),
        input_text: input_text.to_owned(),
        input,
        test_case: test_case.map(str::to_owned),
    })
}

/// The engine's request for `start`.
pub fn start_request(app: &App, start: Start) -> StartRequest {
    let record = &start.machine.record;
    let mut info = ExecutionInfo::new(
        &app.config.account,
        &app.config.region,
        &record.name,
        &start.name,
        &record.role_arn,
    );
    if record.workflow_type == WorkflowType::Express {
        info.execution_arn = format!(
            "arn:aws:states:{}:{}:express:{}:{}:{}",
            app.config.region,
            app.config.account,
            record.name,
            start.name,
            fresh_uuid(app)
        );
    }
    StartRequest {
        machine: Arc::clone(&start.machine.machine),
        info,
        workflow_type: record.workflow_type,
        definition: record.definition.clone(),
        revision_id: record.revision_id.clone(),
        input_text: start.input_text,
        input: start.input,
        test_case: start.test_case,
    }
}

/// Answers a start whose name is taken: the same running execution again, or the error.
fn already_started(existing: &ExecutionRecord, input_text: &str) -> Result<Value, ApiError> {
    if existing.status == RunStatus::Running && existing.input == input_text {
        Ok(json!({"executionArn": existing.arn, "startDate": epoch_seconds(existing.started)}))
    } else {
        Err(ApiError::execution_exists(&existing.arn))
    }
}

/// Runs StartExecution.
pub async fn run(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let start = read(app, request)?;
    let start_request = start_request(app, start);
    let arn = start_request.info.execution_arn.clone();
    // A name already taken is found by the store when the start is written.
    let input_text = start_request.input_text.clone();
    match app.runtime.start_execution(start_request, false).await {
        Ok(record) => {
            Ok(json!({"executionArn": record.arn, "startDate": epoch_seconds(record.started)}))
        }
        // Another request started the same name first.
        Err(RuntimeError::Store(StoreError::ExecutionExists(_))) => {
            match app.store.execution(&arn).map_err(store_error)? {
                Some(existing) => already_started(&existing, &input_text),
                None => Err(ApiError::execution_exists(&arn)),
            }
        }
        Err(RuntimeError::Store(error)) => Err(store_error(error)),
    }
}

/// An error of a `states:startExecution` task, worded as the Step Functions service integration
/// reports a failed API call.
fn service_failure(code: &str, message: &str) -> Failure {
    Failure::new(
        format!("StepFunctions.{code}Exception"),
        format!(
            "{message} (Service: AWSStepFunctions; Status Code: 400; Error Code: {code}; Proxy: null)"
        ),
    )
}

/// Starts a nested execution for a parent's `states:startExecution` task.
pub async fn start_child(
    app: &Arc<App>,
    request: NestedRequest,
) -> Result<ExecutionRecord, Failure> {
    let (arn, _) = split_test_case(&request.state_machine_arn);
    let Some(machine) = app.machine(arn) else {
        let error = ApiError::no_state_machine(arn);
        return Err(service_failure(error.code, &error.message));
    };
    if !crate::names::is_valid_name(&request.name) {
        let error = ApiError::invalid_name(&request.name);
        return Err(service_failure(error.code, &error.message));
    }
    let input: Value = serde_json::from_str(&request.input).map_err(|e| {
        let error = ApiError::invalid_input(e);
        service_failure(error.code, &error.message)
    })?;
    let start = start_request(
        app,
        Start {
            machine,
            name: request.name,
            input_text: request.input,
            input,
            test_case: None,
        },
    );
    let child_arn = start.info.execution_arn.clone();
    if let Ok(Some(existing)) = app.store.execution(&child_arn) {
        if request.reuse_existing
            || (existing.status == RunStatus::Running && existing.input == start.input_text)
        {
            return Ok(existing);
        }
        let error = ApiError::execution_exists(&child_arn);
        return Err(service_failure(error.code, &error.message));
    }
    app.runtime
        .start_execution(start, false)
        .await
        .map_err(|RuntimeError::Store(error)| {
            tracing::error!(%error, "could not store a nested execution");
            Failure::new(
                "StepFunctions.AWSStepFunctionsException",
                "The nested execution could not be stored",
            )
        })
}
