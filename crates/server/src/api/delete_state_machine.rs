//! DeleteStateMachine: the state machine goes; its running executions run on (as on AWS, where
//! it is DELETING until they end) and its history stays readable.

use super::request::Request;
use super::{App, store_error};
use crate::error::ApiError;
use crate::names::ResourceArn;
use baton_store::Write;
use serde_json::{Value, json};
use std::sync::Arc;

/// Runs DeleteStateMachine.
pub async fn run(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str_len("stateMachineArn", 1, 256)?;
    ResourceArn::state_machine(arn)?;
    if app.machine(arn).is_some() {
        app.runtime
            .committer()
            .commit(vec![Write::DeleteStateMachine {
                arn: arn.to_owned(),
            }])
            .await
            .map_err(store_error)?;
        app.remove_machine(arn);
    }
    Ok(json!({}))
}
