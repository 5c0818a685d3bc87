//! An activity worker for `examples/account-application/`, written with the official
//! `aws-sdk-sfn` client pointed at `baton serve`.
//!
//! * `--activity check-identity` (the default) checks the applicant: an e-mail without `@` or an
//!   applicant under 18 is flagged. It answers `{"check": "identity", "flagged", "reasons"}`.
//! * `--activity human-review --auto-review approve|reject` stands in for the human reviewer in
//!   demos and tests; it answers `{"decision", "reviewer", "comment"}`. (A person answers the
//!   same task with `aws stepfunctions send-task-success`, see the example's README.)
//!
//! ```sh
//! cargo run -p baton-cli --example account_worker -- --endpoint http://127.0.0.1:8083 --activity check-identity
//! ```

use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sfn::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_sfn::error::{BoxError, DisplayErrorContext, ProvideErrorMetadata};
use clap::{Parser, ValueEnum};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The result of `main` and of every step: any error, boxed.
type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(about = "Activity worker for the account-application example")]
struct Options {
    /// The Baton (Step Functions API) endpoint.
    #[arg(long, default_value = "http://127.0.0.1:8083")]
    endpoint: String,
    /// The activity to poll: a name (`check-identity`, `human-review`) or a full activity ARN.
    #[arg(long, default_value = "check-identity")]
    activity: String,
    /// The region in the activity ARN (and the client's region).
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// The account in the activity ARN.
    #[arg(long, default_value = "123456789012")]
    account: String,
    /// The worker name recorded in the ActivityStarted event.
    #[arg(long, default_value = "account_worker")]
    worker_name: String,
    /// Answer `human-review` tasks with this decision (for demos and tests).
    #[arg(long, value_enum)]
    auto_review: Option<Decision>,
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Decision {
    /// Open the account.
    Approve,
    /// Refuse the application.
    Reject,
}

/// Polls the activity for ever and answers each task it gets; stop it with Ctrl-C.
#[tokio::main]
async fn main() -> Result<()> {
    let options = Options::parse();
    let activity_arn = if options.activity.starts_with("arn:") {
        options.activity.clone()
    } else {
        format!(
            "arn:aws:states:{}:{}:activity:{}",
            options.region, options.account, options.activity
        )
    };
    // When this worker stands in for the human reviewer: the decision it answers every task with.
    let decision = match (activity_arn.ends_with(":human-review"), options.auto_review) {
        (true, None) => return Err("human-review is a person's job: pass --auto-review".into()),
        (true, decision) => decision,
        (false, _) => None,
    };
    let client = client(&options.endpoint, &options.region);
    println!(
        "[account_worker] polling {activity_arn} at {}",
        options.endpoint
    );
    loop {
        // A long poll: Baton holds the request until a task arrives or the poll time (60 s) ends.
        let task = match client
            .get_activity_task()
            .activity_arn(&activity_arn)
            .worker_name(&options.worker_name)
            .send()
            .await
        {
            Ok(task) => task,
            Err(err) => {
                eprintln!("[account_worker] poll failed: {}", brief(err));
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let Some(token) = task.task_token() else {
            continue; // the poll ended without a task
        };
        let answered = answer(&client, token, task.input(), decision, &options.worker_name);
        if let Err(err) = answered.await {
            // E.g. TaskTimedOut: the execution stopped waiting for this task.
            eprintln!("[account_worker] could not answer: {err}");
        }
    }
}

/// Answers one task: the identity check, or, given a `decision`, the stand-in reviewer's answer
/// signed with `worker_name`; input that is not JSON fails the task with `InvalidInput`.
async fn answer(
    client: &Client,
    token: &str,
    input: Option<&str>,
    decision: Option<Decision>,
    worker_name: &str,
) -> Result<()> {
    let input: Value = match serde_json::from_str(input.unwrap_or("{}")) {
        Ok(input) => input,
        Err(err) => {
            client
                .send_task_failure()
                .task_token(token)
                .error("InvalidInput")
                .cause(err.to_string())
                .send()
                .await
                .map_err(brief)?;
            return Ok(());
        }
    };
    // "Still working": restarts the task's HeartbeatSeconds clock.
    client
        .send_task_heartbeat()
        .task_token(token)
        .send()
        .await
        .map_err(brief)?;
    let output = match decision {
        Some(decision) => review(decision, worker_name),
        None => check_identity(&input),
    };
    let id = input["applicationId"].as_str().unwrap_or("?");
    println!("[account_worker] {id}: {output}");
    client
        .send_task_success()
        .task_token(token)
        .output(output.to_string())
        .send()
        .await
        .map_err(brief)?;
    Ok(())
}

/// The identity check: flags a malformed e-mail address or an applicant under 18.
fn check_identity(application: &Value) -> Value {
    let mut reasons = Vec::new();
    if !application["email"].as_str().unwrap_or("").contains('@') {
        reasons.push("e-mail address is not valid".to_owned());
    }
    match application["dateOfBirth"].as_str().and_then(parse_date) {
        Some(born) => {
            let today = today();
            let birthday_to_come = (today.1, today.2) < (born.1, born.2);
            let age = today.0 - born.0 - i64::from(birthday_to_come);
            if age < 18 {
                reasons.push(format!("applicant is {age}, under 18"));
            }
        }
        None => reasons.push("dateOfBirth is not a YYYY-MM-DD date".to_owned()),
    }
    json!({"check": "identity", "flagged": !reasons.is_empty(), "reasons": reasons})
}

/// The stand-in reviewer's answer, in the shape a person would send.
fn review(decision: Decision, reviewer: &str) -> Value {
    let (decision, comment) = match decision {
        Decision::Approve => ("approve", "approved by --auto-review"),
        Decision::Reject => ("reject", "rejected by --auto-review"),
    };
    json!({"decision": decision, "reviewer": reviewer, "comment": comment})
}

/// Parses `YYYY-MM-DD` into (year, month, day).
fn parse_date(text: &str) -> Option<(i64, i64, i64)> {
    let mut parts = text.splitn(3, '-').map(str::parse::<i64>);
    let date = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    ((1..=12).contains(&date.1) && (1..=31).contains(&date.2)).then_some(date)
}

/// Today's date (UTC) as (year, month, day), from the days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn today() -> (i64, i64, i64) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = i64::try_from(secs / 86_400).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A one-line description of an SDK error: the service's error code and message, else the cause.
fn brief<E: ProvideErrorMetadata + std::error::Error>(err: E) -> String {
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(&err).to_string(),
    }
}

/// An SDK client for Baton: any credentials work, plain HTTP, and the `sync-` host prefix stripped.
fn client(endpoint: &str, region: &str) -> Client {
    let http = aws_smithy_http_client::Builder::new().build_http();
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .endpoint_url(endpoint)
        .http_client(http)
        .interceptor(StripSyncPrefix)
        .build();
    Client::from_conf(config)
}

/// The Rust SDK puts `sync-` in front of the host for StartSyncExecution and, unlike boto3 and
/// the CLI, cannot be told not to; `sync-127.0.0.1` does not resolve, so this sends such requests
/// to the plain host (Baton answers whatever the Host header says). This worker never calls
/// StartSyncExecution, but a client built like this one works for every operation.
#[derive(Debug)]
struct StripSyncPrefix;

impl Intercept for StripSyncPrefix {
    /// The interceptor's name, for the SDK's logs.
    fn name(&self) -> &'static str {
        "StripSyncPrefix"
    }

    /// Rewrites `http://sync-HOST...` to `http://HOST...` just before the request is sent.
    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let request = context.request_mut();
        let uri = request.uri().to_owned();
        if let Some(rest) = uri.strip_prefix("http://sync-") {
            request.set_uri(format!("http://{rest}"))?;
        }
        Ok(())
    }
}
