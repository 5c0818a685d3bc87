//! GetExecutionHistory: the stored events, paged, oldest or newest first. Events are stored in
//! their wire form, so a page is their texts joined, without parsing them again.

use super::request::Request;
use super::{App, page_token, paging, read_page_token, store_error};
use crate::error::ApiError;
use crate::names::ResourceArn;
use baton_store::EventQuery;
use serde_json::Value;

/// Removes the payloads from one event body (`includeExecutionData: false`).
fn without_data(body: &str) -> String {
    let Ok(Value::Object(mut event)) = serde_json::from_str::<Value>(body) else {
        return body.to_owned();
    };
    for (key, details) in &mut event {
        if key.ends_with("EventDetails")
            && let Value::Object(details) = details
        {
            details.remove("input");
            details.remove("output");
        }
    }
    Value::Object(event).to_string()
}

/// Runs GetExecutionHistory; the answer is the response text.
pub fn run(app: &App, request: &Request) -> Result<String, ApiError> {
    let arn = request.str_len("executionArn", 1, 256)?;
    let reverse = request.opt_bool("reverseOrder")?.unwrap_or(false);
    let include_data = request.opt_bool("includeExecutionData")?.unwrap_or(true);
    let (max, token) = paging(request)?;
    ResourceArn::execution(arn)?;
    app.execution(arn)?;
    let after = match token {
        Some(token) => Some(
            read_page_token("ev", token)?
                .parse::<u64>()
                .map_err(|_| ApiError::invalid_token(token))?,
        ),
        None => None,
    };
    let mut events = app
        .store
        .events(
            arn,
            EventQuery {
                after,
                reverse,
                limit: max + 1,
            },
        )
        .map_err(store_error)?;
    let more = events.len() > max;
    events.truncate(max);
    let mut out =
        String::with_capacity(events.iter().map(|e| e.body.len() + 1).sum::<usize>() + 64);
    out.push_str("{\"events\":[");
    for (index, event) in events.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        if include_data {
            out.push_str(&event.body);
        } else {
            out.push_str(&without_data(&event.body));
        }
    }
    out.push(']');
    if more && let Some(last) = events.last() {
        out.push_str(",\"nextToken\":");
        out.push_str(&Value::String(page_token("ev", &last.id.to_string())).to_string());
    }
    out.push('}');
    Ok(out)
}
