//! Nested workflows: Task states on `arn:aws:states:::states:startExecution` (request-response,
//! `.sync`, `.sync:2`, `.waitForTaskToken`). The runtime starts the child through the API
//! layer's starter and, for `.sync`, reports the child's end to the parent's task.

use baton_engine::execution::TaskId;
use baton_engine::failure::Failure;
use baton_store::{ExecutionRecord, RunStatus};
use serde_json::{Map, Value, json};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// How a Task waits for the child it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NestedMode {
    /// `startExecution`: the start response is the result.
    RequestResponse,
    /// `startExecution.sync`: the child's DescribeExecution, Input/Output as JSON text.
    Sync,
    /// `startExecution.sync:2`: the same with Input/Output parsed.
    Sync2,
    /// `startExecution.waitForTaskToken`: the result comes with the task token.
    WaitForTaskToken,
}

impl NestedMode {
    /// The mode of a Task resource, when it starts a nested execution.
    pub fn of(resource: &str) -> Option<Self> {
        let rest = resource
            .strip_prefix("arn:")?
            .split_once(':')?
            .1
            .strip_prefix("states:::states:startExecution")?;
        match rest {
            "" => Some(Self::RequestResponse),
            ".sync" => Some(Self::Sync),
            ".sync:2" => Some(Self::Sync2),
            ".waitForTaskToken" => Some(Self::WaitForTaskToken),
            _ => None,
        }
    }
}

/// What the parent asks for.
#[derive(Debug, Clone)]
pub struct NestedRequest {
    /// The child's state machine.
    pub state_machine_arn: String,
    /// The child's input text.
    pub input: String,
    /// The child's name.
    pub name: String,
    /// Return the existing execution of that name instead of failing (a restarted parent
    /// dispatching the same child again).
    pub reuse_existing: bool,
}

/// Starts a child execution (registered by the API layer, which knows the state machines).
pub type NestedStarter = Arc<
    dyn Fn(NestedRequest) -> Pin<Box<dyn Future<Output = Result<ExecutionRecord, Failure>> + Send>>
        + Send
        + Sync,
>;

/// A parent task waiting for a child to end.
#[derive(Debug, Clone)]
pub struct Watcher {
    /// The parent execution.
    pub parent: Arc<str>,
    /// The parent's task.
    pub task: TaskId,
    /// `.sync` or `.sync:2`.
    pub mode: NestedMode,
}

/// Reads the Task's parameters: (StateMachineArn, input text, Name).
pub fn read_parameters(parameters: &Value) -> Result<(String, String, Option<String>), Failure> {
    let invalid = |detail: &str| {
        Failure::new(
            baton_engine::failure::names::RUNTIME,
            format!(
                "The Parameters '{parameters}' could not be used to start the Task: [{detail}]"
            ),
        )
    };
    let arn = parameters
        .get("StateMachineArn")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("The field 'StateMachineArn' is required"))?;
    let input = match parameters.get("Input") {
        None | Some(Value::Null) => "{}".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    let name = parameters
        .get("Name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok((arn.to_owned(), input, name))
}

/// The SDK response metadata AWS adds to a service integration's result, for a response body
/// of `length` bytes.
fn sdk_metadata(out: &mut Map<String, Value>, length: usize, request_id: &str) {
    let date = httpdate(crate::runtime::now_millis());
    out.insert(
        "SdkHttpMetadata".to_owned(),
        json!({
            "AllHttpHeaders": {
                "x-amzn-RequestId": [request_id],
                "connection": ["keep-alive"],
                "Content-Length": [length.to_string()],
                "Date": [date],
                "Content-Type": ["application/x-amz-json-1.0"]
            },
            "HttpHeaders": {
                "connection": "keep-alive",
                "Content-Length": length.to_string(),
                "Content-Type": "application/x-amz-json-1.0",
                "Date": date,
                "x-amzn-RequestId": request_id
            },
            "HttpStatusCode": 200
        }),
    );
    out.insert(
        "SdkResponseMetadata".to_owned(),
        json!({"RequestId": request_id}),
    );
}

/// An HTTP date (RFC 7231) for epoch milliseconds.
fn httpdate(millis: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = millis.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = DAYS
        .get(usize::try_from(days.rem_euclid(7)).unwrap_or(0))
        .copied()
        .unwrap_or("Thu");
    let month_name = MONTHS
        .get(usize::try_from(month - 1).unwrap_or(0))
        .copied()
        .unwrap_or("Jan");
    format!(
        "{weekday}, {day:02} {month_name} {year} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The request-response result: StartExecution's answer with the SDK metadata.
pub fn start_result(child: &ExecutionRecord, request_id: &str) -> Value {
    let body = json!({"executionArn": child.arn, "startDate": child.started as f64 / 1000.0});
    let mut out = Map::new();
    out.insert("ExecutionArn".to_owned(), json!(child.arn));
    sdk_metadata(&mut out, body.to_string().len(), request_id);
    out.insert("StartDate".to_owned(), json!(child.started));
    Value::Object(out)
}

/// What a `.sync` task gets when the child ends: Ok(result) when it succeeded, else the
/// failure (`States.TaskFailed` with the child's description as cause).
pub fn sync_result(
    child: &ExecutionRecord,
    mode: NestedMode,
    request_id: &str,
) -> Result<Value, Failure> {
    let text_or_parsed = |text: &str| -> Value {
        if mode == NestedMode::Sync2 {
            serde_json::from_str(text).unwrap_or_else(|_| json!(text))
        } else {
            json!(text)
        }
    };
    let mut out = Map::new();
    out.insert("ExecutionArn".to_owned(), json!(child.arn));
    if let Some(error) = &child.error {
        out.insert("Error".to_owned(), json!(error));
    }
    if let Some(cause) = &child.cause {
        out.insert("Cause".to_owned(), json!(cause));
    }
    out.insert("Input".to_owned(), text_or_parsed(&child.input));
    out.insert("InputDetails".to_owned(), json!({"Included": true}));
    out.insert("Name".to_owned(), json!(child.name));
    if let Some(output) = &child.output {
        out.insert("Output".to_owned(), text_or_parsed(output));
        out.insert("OutputDetails".to_owned(), json!({"Included": true}));
    }
    let succeeded = child.status == RunStatus::Succeeded;
    out.insert("RedriveCount".to_owned(), json!(0));
    out.insert(
        "RedriveStatus".to_owned(),
        json!(if succeeded {
            "NOT_REDRIVABLE"
        } else {
            "REDRIVABLE"
        }),
    );
    if succeeded {
        out.insert(
            "RedriveStatusReason".to_owned(),
            json!("Execution is SUCCEEDED and cannot be redriven"),
        );
    }
    let body_length = Value::Object(out.clone()).to_string().len();
    sdk_metadata(&mut out, body_length, request_id);
    out.insert("StartDate".to_owned(), json!(child.started));
    out.insert("StateMachineArn".to_owned(), json!(child.state_machine_arn));
    out.insert("Status".to_owned(), json!(child.status.as_str()));
    if let Some(stopped) = child.stopped {
        out.insert("StopDate".to_owned(), json!(stopped));
    }
    let described = Value::Object(out);
    if succeeded {
        Ok(described)
    } else {
        Err(Failure::new(
            baton_engine::failure::names::TASK_FAILED,
            described.to_string(),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn modes_from_resources() {
        let base = "arn:aws:states:::states:startExecution";
        assert_eq!(NestedMode::of(base), Some(NestedMode::RequestResponse));
        assert_eq!(
            NestedMode::of(&format!("{base}.sync")),
            Some(NestedMode::Sync)
        );
        assert_eq!(
            NestedMode::of(&format!("{base}.sync:2")),
            Some(NestedMode::Sync2)
        );
        assert_eq!(
            NestedMode::of(&format!("{base}.waitForTaskToken")),
            Some(NestedMode::WaitForTaskToken)
        );
        assert_eq!(NestedMode::of("arn:aws:states:::lambda:invoke"), None);
    }

    #[test]
    fn http_dates() {
        assert_eq!(httpdate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(httpdate(1_795_651_293_000), "Thu, 26 Nov 2026 00:01:33 GMT");
    }
}
