//! Activities: CreateActivity, DescribeActivity, DeleteActivity, ListActivities, and the
//! workers' GetActivityTask long poll.

use super::create_state_machine::tags as read_tags;
use super::request::Request;
use super::{App, epoch_seconds, page_into, paging, read_page_token, store_error};
use crate::error::ApiError;
use crate::names::{ResourceArn, ResourceKind, check_name};
use crate::runtime::now_millis;
use baton_store::{ActivityRecord, Write};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The ARN of activity `name` in this account and region.
fn activity_arn(app: &App, name: &str) -> String {
    format!(
        "arn:aws:states:{}:{}:activity:{name}",
        app.config.region, app.config.account
    )
}

/// Reads and checks `activityArn`.
fn arn_member(request: &Request) -> Result<&str, ApiError> {
    let arn = request.str_len("activityArn", 1, 256)?;
    let parsed = ResourceArn::parse(arn)?;
    if parsed.kind != ResourceKind::Activity {
        return Err(ApiError::invalid_arn(format_args!(
            "Resource type not valid in this context: {}",
            arn.split(':').nth(5).unwrap_or_default()
        )));
    }
    Ok(arn)
}

/// Runs CreateActivity: idempotent on the name (AWS ignores different tags on a repeat).
pub async fn create(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let name = request.str_len("name", 1, 80)?;
    let tags = read_tags(request)?;
    check_name(name)?;
    let arn = activity_arn(app, name);
    if let Some(existing) = app.store.activity(&arn).map_err(store_error)? {
        return Ok(json!({"activityArn": arn, "creationDate": epoch_seconds(existing.created)}));
    }
    let record = ActivityRecord {
        arn: arn.clone(),
        name: name.to_owned(),
        created: now_millis(),
        tags,
    };
    let created = record.created;
    app.runtime
        .committer()
        .commit(vec![Write::PutActivity(record)])
        .await
        .map_err(store_error)?;
    app.activity_created(&arn);
    Ok(json!({"activityArn": arn, "creationDate": epoch_seconds(created)}))
}

/// Runs DescribeActivity.
pub fn describe(app: &App, request: &Request) -> Result<Value, ApiError> {
    let arn = arn_member(request)?;
    let record = app
        .store
        .activity(arn)
        .map_err(store_error)?
        .ok_or_else(|| ApiError::no_activity(arn))?;
    Ok(json!({"activityArn": record.arn, "name": record.name,
              "creationDate": epoch_seconds(record.created)}))
}

/// Runs DeleteActivity.
pub async fn delete(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let arn = arn_member(request)?;
    app.runtime
        .committer()
        .commit(vec![Write::DeleteActivity {
            arn: arn.to_owned(),
        }])
        .await
        .map_err(store_error)?;
    app.activity_deleted(arn);
    Ok(json!({}))
}

/// Runs ListActivities.
pub fn list(app: &App, request: &Request) -> Result<Value, ApiError> {
    let (max, token) = paging(request)?;
    let after = token.map(|t| read_page_token("act", t)).transpose()?;
    let read = app
        .store
        .activities(after.as_deref(), max + 1)
        .map_err(store_error)?;
    let mut out = Map::new();
    let page = page_into(read, max, "act", |r| &r.arn, &mut out);
    let items: Vec<Value> = page
        .iter()
        .map(|r| {
            json!({"activityArn": r.arn, "name": r.name, "creationDate": epoch_seconds(r.created)})
        })
        .collect();
    out.insert("activities".to_owned(), Value::Array(items));
    Ok(Value::Object(out))
}

/// Runs GetActivityTask: a task of the activity, waiting for one up to the poll time (60 s, as
/// AWS); `{}` when none came. Each task goes to exactly one worker.
pub async fn get_task(app: &Arc<App>, request: &Request) -> Result<Value, ApiError> {
    let arn = arn_member(request)?;
    let worker = request.opt_str_len("workerName", 1, 80)?.map(str::to_owned);
    if !app.activity_exists(arn).map_err(store_error)? {
        return Err(ApiError::no_activity(arn));
    }
    let handout = match app.runtime.hub().poll(arn) {
        Ok(handout) => handout,
        Err(mut waiting) => {
            let poll = Duration::from_millis(app.config.activity_poll_millis);
            tokio::select! {
                () = app.stopping() => {
                    waiting.close();
                    match waiting.try_recv() {
                        Ok(handout) => handout,
                        Err(_) => return Ok(json!({})),
                    }
                }
                handout = &mut waiting => match handout {
                    Ok(handout) => handout,
                    Err(_) => return Ok(json!({})),
                },
                () = tokio::time::sleep(poll) => {
                    // No more handouts to this poller; one sent just now is still taken.
                    waiting.close();
                    match waiting.try_recv() {
                        Ok(handout) => handout,
                        Err(_) => return Ok(json!({})),
                    }
                }
            }
        }
    };
    app.runtime.activity_taken(&handout, worker).await;
    Ok(json!({"taskToken": handout.token, "input": handout.input.to_string()}))
}
