//! Starting a real `baton serve` on a free port for end-to-end tests, and an official
//! `aws-sdk-sfn` client pointed at it.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sfn::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_sfn::error::BoxError;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `baton serve` process; killed when dropped.
pub struct Server {
    pub child: Child,
    pub address: String,
}

impl Server {
    /// Starts `baton serve` with `args` plus a free port, and waits for its address.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--print-address"])
            .args(args)
            .env("BATON_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("baton serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("address line");
        let address = line.trim().to_owned();
        assert!(!address.is_empty(), "baton serve printed no address");
        Self { child, address }
    }

    /// Starts an in-memory server with fast waits.
    pub fn in_memory() -> Self {
        Self::start(&["--in-memory", "--wait-time-scale", "0.01"])
    }

    /// Starts a durable server on `data_dir`.
    pub fn durable(data_dir: &Path, wait_time_scale: &str) -> Self {
        Self::start(&[
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--wait-time-scale",
            wait_time_scale,
        ])
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// An official SDK client for this server (any credentials work).
    pub fn client(&self) -> Client {
        let http = aws_smithy_http_client::Builder::new().build_http();
        let config = aws_sdk_sfn::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .endpoint_url(self.endpoint())
            .http_client(http)
            .interceptor(StripSyncPrefix)
            .build();
        Client::from_conf(config)
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Rust SDK prefixes the host with `sync-` for StartSyncExecution and, unlike boto3 and the
/// CLI, cannot be told not to; `sync-127.0.0.1` does not resolve, so the tests send such requests
/// to the plain host (Baton serves them whatever the Host header says).
#[derive(Debug)]
struct StripSyncPrefix;

impl Intercept for StripSyncPrefix {
    fn name(&self) -> &'static str {
        "StripSyncPrefix"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let uri = request.uri().to_owned();
        if let Some(rest) = uri.strip_prefix("http://sync-") {
            request.set_uri(format!("http://{rest}"))?;
        }
        Ok(())
    }
}

/// A fresh empty directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "baton-test-{name}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub const ROLE: &str = "arn:aws:iam::123456789012:role/sfn";

/// Polls DescribeExecution until the execution is no longer RUNNING.
pub async fn wait_for_end(
    client: &Client,
    arn: &str,
    limit: Duration,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let deadline = Instant::now() + limit;
    loop {
        let out = client
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        if out.status().as_str() != "RUNNING" {
            return out;
        }
        assert!(Instant::now() < deadline, "{arn} still RUNNING");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every event of an execution, through all pages.
pub async fn history(client: &Client, arn: &str) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_execution_history()
            .execution_arn(arn)
            .max_results(100)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        events.extend(page.events().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return events;
        }
    }
}

/// Creates a STANDARD state machine and returns its ARN.
pub async fn create_machine(
    client: &Client,
    name: impl Into<String>,
    definition: impl ToString,
) -> String {
    client
        .create_state_machine()
        .name(name)
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_owned()
}

/// Starts an execution of `machine` with `input` and returns its ARN.
pub async fn start_execution(client: &Client, machine: &str, input: impl ToString) -> String {
    client
        .start_execution()
        .state_machine_arn(machine)
        .input(input.to_string())
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_owned()
}
