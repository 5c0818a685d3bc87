//! ValidateStateMachineDefinition: the validator's diagnostics in AWS's shape.

use super::create_state_machine::workflow_type;
use super::request::Request;
use crate::error::ApiError;
use baton_asl::{SourceFormat, StateMachineType, ValidateOptions, validate};
use baton_store::WorkflowType;
use serde_json::Value;

/// Runs ValidateStateMachineDefinition.
pub fn run(request: &Request) -> Result<Value, ApiError> {
    let definition = request.str_len("definition", 1, 1024 * 1024)?;
    let state_machine_type = match workflow_type(request)? {
        WorkflowType::Standard => StateMachineType::Standard,
        WorkflowType::Express => StateMachineType::Express,
    };
    let report = validate(
        definition,
        ValidateOptions {
            state_machine_type,
            format: SourceFormat::Json,
        },
    );
    serde_json::to_value(report).map_err(|_| ApiError::internal())
}
