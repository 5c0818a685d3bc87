//! ListStateMachines, paged.

use super::request::Request;
use super::{App, epoch_seconds, page_into, paging, read_page_token, store_error};
use crate::error::ApiError;
use serde_json::{Map, Value, json};

/// Runs ListStateMachines.
pub fn run(app: &App, request: &Request) -> Result<Value, ApiError> {
    let (max, token) = paging(request)?;
    let after = token.map(|t| read_page_token("sm", t)).transpose()?;
    let read = app
        .store
        .state_machines(after.as_deref(), max + 1)
        .map_err(store_error)?;
    let mut out = Map::new();
    let page = page_into(read, max, "sm", |r| &r.arn, &mut out);
    let items: Vec<Value> = page
        .iter()
        .map(|r| {
            json!({"stateMachineArn": r.arn, "name": r.name, "type": r.workflow_type.as_str(),
                   "creationDate": epoch_seconds(r.created)})
        })
        .collect();
    out.insert("stateMachines".to_owned(), Value::Array(items));
    Ok(Value::Object(out))
}
