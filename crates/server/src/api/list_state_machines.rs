//! ListStateMachines, paged.

use super::request::Request;
use super::{App, epoch_seconds, page_token, paging, read_page_token, store_error};
use crate::error::ApiError;
use serde_json::{Map, Value, json};

/// Runs ListStateMachines.
pub fn run(app: &App, request: &Request) -> Result<Value, ApiError> {
    let (max, token) = paging(request)?;
    let after = token.map(|t| read_page_token("sm", t)).transpose()?;
    let mut page = app
        .store
        .state_machines(after.as_deref(), max + 1)
        .map_err(store_error)?;
    let more = page.len() > max;
    page.truncate(max);
    let items: Vec<Value> = page
        .iter()
        .map(|r| {
            json!({"stateMachineArn": r.arn, "name": r.name, "type": r.workflow_type.as_str(),
                   "creationDate": epoch_seconds(r.created)})
        })
        .collect();
    let mut out = Map::new();
    out.insert("stateMachines".to_owned(), Value::Array(items));
    if more && let Some(last) = page.last() {
        out.insert("nextToken".to_owned(), json!(page_token("sm", &last.arn)));
    }
    Ok(Value::Object(out))
}
