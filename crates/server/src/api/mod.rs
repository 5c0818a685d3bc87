//! The API operations, one file each, and what they share: the loaded state machines, ARN
//! building, page tokens and the wire forms of records.

mod activities;
mod create_state_machine;
mod delete_state_machine;
mod describe_execution;
mod describe_state_machine;
mod describe_state_machine_for_execution;
mod get_execution_history;
mod list_executions;
mod list_state_machines;
pub mod request;
mod send_task;
mod start_execution;
mod start_sync_execution;
mod stop_execution;
mod tags;
mod update_state_machine;
mod validate_state_machine_definition;

use crate::ServerConfig;
use crate::error::ApiError;
use crate::runtime::Runtime;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use baton_asl::{SourceFormat, StateMachine, StateMachineType, ValidateOptions, parse_definition};
use baton_store::{ExecutionRecord, StateMachineRecord, Store, StoreError, WorkflowType};
use request::Request;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// A state machine with its definition parsed once.
pub struct MachineEntry {
    /// What is stored.
    pub record: StateMachineRecord,
    /// The parsed definition.
    pub machine: Arc<StateMachine>,
    /// `variableReferences`: the variables each state reads.
    pub variable_references: std::collections::BTreeMap<String, Vec<String>>,
}

impl MachineEntry {
    /// An entry for `record`, whose definition parsed into `machine`.
    pub fn new(record: StateMachineRecord, machine: Arc<StateMachine>) -> Self {
        let format = if record.definition.trim_start().starts_with('{') {
            SourceFormat::Json
        } else {
            SourceFormat::Yaml
        };
        let variable_references = baton_asl::SourceDocument::parse(&record.definition, format)
            .map(|(document, _)| baton_asl::variables::variable_references(&document.value))
            .unwrap_or_default();
        Self {
            record,
            machine,
            variable_references,
        }
    }
}

/// The server's shared state.
pub struct App {
    /// Runs the executions.
    pub runtime: Arc<Runtime>,
    /// Where everything is kept.
    pub store: Arc<dyn Store>,
    /// Account, region and limits.
    pub config: ServerConfig,
    machines: RwLock<HashMap<String, Arc<MachineEntry>>>,
    /// ARNs of activities known to exist, so GetActivityTask polls need no store read.
    known_activities: RwLock<HashSet<String>>,
    /// Set when the server stops: long polls answer at once.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl App {
    /// Loads every stored state machine (definitions parsed once, here).
    pub fn load(
        runtime: Arc<Runtime>,
        store: Arc<dyn Store>,
        config: ServerConfig,
    ) -> Result<Arc<Self>, StoreError> {
        let mut machines = HashMap::new();
        let mut after: Option<String> = None;
        loop {
            let page = store.state_machines(after.as_deref(), 1000)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.arn.clone());
            for record in page {
                match parse_machine(&record.definition, record.workflow_type) {
                    Ok(machine) => {
                        machines.insert(
                            record.arn.clone(),
                            Arc::new(MachineEntry::new(record, Arc::new(machine))),
                        );
                    }
                    Err(_) => {
                        tracing::error!(arn = %record.arn, "a stored definition no longer parses");
                    }
                }
            }
        }
        let app = Arc::new(Self {
            runtime,
            store,
            config,
            machines: RwLock::new(machines),
            known_activities: RwLock::default(),
            stopping: tokio::sync::watch::Sender::new(false),
        });
        let weak = Arc::downgrade(&app);
        app.runtime.set_nested_starter(Arc::new(move |request| {
            let weak = weak.clone();
            Box::pin(async move {
                match weak.upgrade() {
                    Some(app) => start_execution::start_child(&app, request).await,
                    None => Err(baton_engine::failure::Failure::new(
                        baton_engine::failure::names::TASK_FAILED,
                        "The server is shutting down",
                    )),
                }
            })
        }));
        Ok(app)
    }

    /// The server is stopping: open GetActivityTask polls answer with no task now, so a
    /// graceful shutdown does not wait for them.
    pub fn begin_shutdown(&self) {
        self.stopping.send_replace(true);
    }

    /// Resolves once the server is stopping.
    pub async fn stopping(&self) {
        let mut watch = self.stopping.subscribe();
        let _ = watch.wait_for(|stopping| *stopping).await;
    }

    /// The state machine at `arn`.
    pub fn machine(&self, arn: &str) -> Option<Arc<MachineEntry>> {
        self.machines
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(arn)
            .cloned()
    }

    fn set_machine(&self, entry: MachineEntry) {
        self.machines
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(entry.record.arn.clone(), Arc::new(entry));
    }

    fn remove_machine(&self, arn: &str) {
        self.machines
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(arn);
    }

    /// Whether activity `arn` exists: from memory once seen, else from the store.
    pub fn activity_exists(&self, arn: &str) -> Result<bool, StoreError> {
        let known = self
            .known_activities
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(arn);
        if known {
            return Ok(true);
        }
        let exists = self.store.activity(arn)?.is_some();
        if exists {
            self.activity_created(arn);
        }
        Ok(exists)
    }

    /// Activity `arn` was created (or found).
    fn activity_created(&self, arn: &str) {
        self.known_activities
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(arn.to_owned());
    }

    /// Activity `arn` was deleted.
    fn activity_deleted(&self, arn: &str) {
        self.known_activities
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(arn);
    }

    /// The ARN of state machine `name` in this account and region.
    pub fn state_machine_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:stateMachine:{name}",
            self.config.region, self.config.account
        )
    }

    /// One execution's record, or `ExecutionDoesNotExist`.
    fn execution(&self, arn: &str) -> Result<ExecutionRecord, ApiError> {
        self.store
            .execution(arn)
            .map_err(store_error)?
            .ok_or_else(|| ApiError::no_execution(arn))
    }
}

/// Runs one operation; the answer is the response body's JSON text.
pub async fn dispatch(app: &Arc<App>, target: &str, body: &[u8]) -> Result<String, ApiError> {
    let Some(action) = target.strip_prefix("AWSStepFunctions.") else {
        return Err(ApiError::unknown_operation());
    };
    let request = Request::parse(body)?;
    let response = match action {
        "CreateStateMachine" => create_state_machine::run(app, &request).await?,
        "DescribeStateMachine" => describe_state_machine::run(app, &request)?,
        "UpdateStateMachine" => update_state_machine::run(app, &request).await?,
        "DeleteStateMachine" => delete_state_machine::run(app, &request).await?,
        "ListStateMachines" => list_state_machines::run(app, &request)?,
        "StartExecution" => start_execution::run(app, &request).await?,
        "StartSyncExecution" => start_sync_execution::run(app, &request).await?,
        "DescribeExecution" => describe_execution::run(app, &request)?,
        "ListExecutions" => list_executions::run(app, &request)?,
        "GetExecutionHistory" => return get_execution_history::run(app, &request),
        "StopExecution" => stop_execution::run(app, &request).await?,
        "DescribeStateMachineForExecution" => {
            describe_state_machine_for_execution::run(app, &request)?
        }
        "ValidateStateMachineDefinition" => validate_state_machine_definition::run(&request)?,
        "CreateActivity" => activities::create(app, &request).await?,
        "DescribeActivity" => activities::describe(app, &request)?,
        "DeleteActivity" => activities::delete(app, &request).await?,
        "ListActivities" => activities::list(app, &request)?,
        "GetActivityTask" => activities::get_task(app, &request).await?,
        "SendTaskSuccess" => send_task::success(app, &request).await?,
        "SendTaskFailure" => send_task::failure(app, &request).await?,
        "SendTaskHeartbeat" => send_task::heartbeat(app, &request).await?,
        "TagResource" => tags::tag(app, &request).await?,
        "UntagResource" => tags::untag(app, &request).await?,
        "ListTagsForResource" => tags::list(app, &request)?,
        _ => return Err(ApiError::unknown_operation()),
    };
    Ok(response.to_string())
}

/// Parses a definition for running (JSON or YAML, as CreateStateMachine takes it); an invalid
/// one is `InvalidDefinition` with its errors.
pub fn parse_machine(
    definition: &str,
    workflow_type: WorkflowType,
) -> Result<StateMachine, ApiError> {
    let state_machine_type = match workflow_type {
        WorkflowType::Standard => StateMachineType::Standard,
        WorkflowType::Express => StateMachineType::Express,
    };
    let format = if definition.trim_start().starts_with('{') {
        SourceFormat::Json
    } else {
        SourceFormat::Yaml
    };
    let mut parsed = parse_definition(
        definition,
        ValidateOptions {
            state_machine_type,
            format,
        },
    );
    match parsed.state_machine.take() {
        Some(machine) => Ok(machine),
        None => Err(definition_error(&parsed)),
    }
}

/// `InvalidDefinition` listing the definition's errors as AWS words them.
fn definition_error(parsed: &baton_asl::Parsed) -> ApiError {
    let detail = parsed
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    ApiError::invalid_definition(detail)
}

/// A fresh random UUID (revision ids, execution names).
pub fn fresh_uuid(app: &App) -> String {
    let mut env = baton_engine::local::VirtualEnvironment::new(0, app.runtime.random_seed());
    baton_engine::execution::uuid_v4(&mut env)
}

/// A store failure as the API reports it: a full disk or a broken store is the service's
/// problem, never the caller's.
pub fn store_error(error: StoreError) -> ApiError {
    tracing::error!(%error, "store failure");
    match error {
        StoreError::DiskFull => ApiError::unavailable(),
        _ => ApiError::internal(),
    }
}

/// Epoch seconds as the wire carries timestamps.
pub fn epoch_seconds(millis: i64) -> Value {
    json!(millis as f64 / 1000.0)
}

/// A `nextToken` that continues after `position` (opaque to callers).
pub fn page_token(kind: &str, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{position}"))
}

/// Reads a `nextToken` of `kind`, or answers `InvalidToken`.
pub fn read_page_token(kind: &str, token: &str) -> Result<String, ApiError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            text.strip_prefix(kind)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(str::to_owned)
        })
        .ok_or_else(|| ApiError::invalid_token(token))
}

/// Cuts a list read with one item more than `max` to a page, and adds its `nextToken` (to
/// continue after the page's last item, named by `key`) to `out` when more items follow.
pub fn page_into<T>(
    mut items: Vec<T>,
    max: usize,
    kind: &str,
    key: impl Fn(&T) -> &str,
    out: &mut Map<String, Value>,
) -> Vec<T> {
    let more = items.len() > max;
    items.truncate(max);
    if more && let Some(last) = items.last() {
        out.insert("nextToken".to_owned(), json!(page_token(kind, key(last))));
    }
    items
}

/// `maxResults` (0 means the default of 100; at most 1000) and `nextToken` of a list call.
pub fn paging(request: &Request) -> Result<(usize, Option<&str>), ApiError> {
    let max = request.opt_int("maxResults", 0, 1000)?.unwrap_or(0);
    let max = if max == 0 { 100 } else { max as usize };
    let token = request.opt_str_len("nextToken", 1, 1024)?;
    Ok((max, token))
}

/// DescribeExecution's fields of a record (shared by StartSyncExecution's answer).
pub fn execution_fields(record: &ExecutionRecord) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("executionArn".to_owned(), json!(record.arn));
    out.insert(
        "stateMachineArn".to_owned(),
        json!(record.state_machine_arn),
    );
    out.insert("name".to_owned(), json!(record.name));
    out.insert("status".to_owned(), json!(record.status.as_str()));
    out.insert("startDate".to_owned(), epoch_seconds(record.started));
    if let Some(stopped) = record.stopped {
        out.insert("stopDate".to_owned(), epoch_seconds(stopped));
    }
    out.insert("input".to_owned(), json!(record.input));
    out.insert("inputDetails".to_owned(), json!({"included": true}));
    if let Some(output) = &record.output {
        out.insert("output".to_owned(), json!(output));
        out.insert("outputDetails".to_owned(), json!({"included": true}));
    }
    if let Some(error) = &record.error {
        out.insert("error".to_owned(), json!(error));
    }
    if let Some(cause) = &record.cause {
        out.insert("cause".to_owned(), json!(cause));
    }
    out
}

/// The tags of a record as the wire lists them.
fn tags_json(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(key, value)| json!({"key": key, "value": value}))
            .collect(),
    )
}
