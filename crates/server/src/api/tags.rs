//! TagResource, UntagResource and ListTagsForResource on state machines.

use super::create_state_machine::tags as read_tags;
use super::request::Request;
use super::{App, MachineEntry, store_error, tags_json};
use crate::error::ApiError;
use crate::names::ResourceArn;
use baton_store::Write;
use serde_json::{Value, json};
use std::sync::Arc;

/// AWS's limit on tags per resource.
const MAX_TAGS: usize = 50;

fn entry(app: &App, request: &Request) -> Result<Arc<MachineEntry>, ApiError> {
    let arn = request.str_len("resourceArn", 1, 256)?;
    ResourceArn::parse(arn)?;
    app.machine(arn)
        .ok_or_else(|| ApiError::resource_not_found(arn))
}

async fn store(
    app: &Arc<App>,
    entry: &MachineEntry,
    tags: Vec<(String, String)>,
) -> Result<(), ApiError> {
    let mut record = entry.record.clone();
    record.tags = tags;
    app.runtime
        .committer()
        .commit(vec![Write::PutStateMachine(record.clone())])
        .await
        .map_err(store_error)?;
    app.set_machine(MachineEntry::new(record, Arc::clone(&entry.machine)));
    Ok(())
}

/// Runs TagResource.
pub async fn tag(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let entry = entry(app, request)?;
    if request.opt_list("tags")?.is_none() {
        return Err(ApiError::missing("tags"));
    }
    let mut tags = entry.record.tags.clone();
    for (key, value) in read_tags(request)? {
        match tags.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => tags.push((key, value)),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::too_many_tags(&entry.record.arn));
    }
    store(app, &entry, tags).await?;
    Ok(json!({}))
}

/// Runs UntagResource.
pub async fn untag(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let entry = entry(app, request)?;
    let keys = request
        .opt_list("tagKeys")?
        .ok_or_else(|| ApiError::missing("tagKeys"))?;
    let keys: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
    let tags = entry
        .record
        .tags
        .iter()
        .filter(|(k, _)| !keys.contains(&k.as_str()))
        .cloned()
        .collect();
    store(app, &entry, tags).await?;
    Ok(json!({}))
}

/// Runs ListTagsForResource.
pub fn list(app: &App, request: &Request) -> Result<Value, ApiError> {
    let entry = entry(app, request)?;
    Ok(json!({"tags": tags_json(&entry.record.tags)}))
}
