//! `baton run DEFINITION`: runs one execution in process, on a virtual clock (Wait states and
//! retry intervals take no real time), and prints the outcome: human-readable, or as AWS's
//! DescribeExecution response plus the GetExecutionHistory events (`--format json`).

use baton_asl::{SourceFormat, StateMachineType, ValidateOptions, parse_definition};
use baton_engine::event::Millis;
use baton_engine::execution::{format_time, uuid_v4};
use baton_engine::local::{NoIntegrations, VirtualEnvironment, run_to_completion};
use baton_engine::{Execution, ExecutionInfo, ExecutionStatus};
use clap::{Args, ValueEnum};
use serde_json::{Map, Value, json};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Output formats of `baton run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Status, output or error and cause; `--history` adds an event table.
    Human,
    /// DescribeExecution's shape plus an `events` array in GetExecutionHistory's shape.
    Json,
}

/// Arguments of `baton run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The state machine definition (JSON or YAML).
    definition: String,
    /// The execution input as JSON text (default `{}`).
    #[arg(long, conflicts_with = "input_file")]
    input: Option<String>,
    /// Read the execution input from this file.
    #[arg(long)]
    input_file: Option<String>,
    /// The execution name (default: a random UUID).
    #[arg(long)]
    name: Option<String>,
    /// The state machine name used in ARNs (default: the file name without extension).
    #[arg(long)]
    state_machine_name: Option<String>,
    /// The execution role ARN.
    #[arg(long, default_value = "arn:aws:iam::111111111111:role/sfn")]
    role_arn: String,
    /// Account id used in ARNs.
    #[arg(long, default_value = "123456789012")]
    account: String,
    /// Region used in ARNs.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Human format: also print the event history.
    #[arg(long)]
    history: bool,
}

fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Runs `baton run`.
pub fn run(args: &RunArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.definition) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{}: cannot read: {e}", args.definition);
            return ExitCode::from(2);
        }
    };
    let options = ValidateOptions {
        state_machine_type: StateMachineType::Standard,
        format: SourceFormat::from_file_name(&args.definition),
    };
    let parsed = parse_definition(&text, options);
    let Some(machine) = parsed.state_machine else {
        for d in &parsed.diagnostics {
            eprintln!("{}: {d}", args.definition);
        }
        return ExitCode::from(2);
    };
    let input_text = match (&args.input, &args.input_file) {
        (Some(text), _) => text.clone(),
        (None, Some(file)) => match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{file}: cannot read: {e}");
                return ExitCode::from(2);
            }
        },
        (None, None) => "{}".to_owned(),
    };
    let input: Value = match serde_json::from_str(&input_text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("invalid input JSON: {e}");
            return ExitCode::from(2);
        }
    };
    let start = now_millis();
    let seed = u64::try_from(start).unwrap_or(0) ^ u64::from(std::process::id());
    let mut env = VirtualEnvironment::new(start, seed);
    let name = args.name.clone().unwrap_or_else(|| uuid_v4(&mut env));
    let machine_name = args.state_machine_name.clone().unwrap_or_else(|| {
        std::path::Path::new(&args.definition)
            .file_stem()
            .map(|s| {
                s.to_string_lossy()
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect()
            })
            .filter(|s: &String| !s.is_empty())
            .unwrap_or_else(|| "StateMachine".to_owned())
    });
    let info = ExecutionInfo::new(
        &args.account,
        &args.region,
        &machine_name,
        &name,
        &args.role_arn,
    );
    let execution = run_to_completion(
        Arc::new(machine),
        info.clone(),
        input,
        &mut env,
        &mut NoIntegrations,
    );
    match args.format {
        OutputFormat::Json => {
            let report = describe(&execution, &info, &input_text, env.now);
            println!("{report}");
        }
        OutputFormat::Human => print_human(&execution, args.history),
    }
    match execution.status() {
        ExecutionStatus::Succeeded(_) => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}

/// DescribeExecution's response shape plus the history events.
fn describe(execution: &Execution, info: &ExecutionInfo, input_text: &str, stop: Millis) -> Value {
    let mut out = Map::new();
    out.insert("executionArn".to_owned(), json!(info.execution_arn));
    out.insert("stateMachineArn".to_owned(), json!(info.state_machine_arn));
    out.insert("name".to_owned(), json!(info.name));
    out.insert("status".to_owned(), json!(execution.status().as_str()));
    out.insert(
        "startDate".to_owned(),
        json!(execution.start_time() as f64 / 1000.0),
    );
    out.insert("stopDate".to_owned(), json!(stop as f64 / 1000.0));
    out.insert("input".to_owned(), json!(input_text));
    out.insert("inputDetails".to_owned(), json!({"included": true}));
    match execution.status() {
        ExecutionStatus::Succeeded(output) => {
            out.insert(
                "output".to_owned(),
                json!(baton_engine::event::payload_text(output)),
            );
            out.insert("outputDetails".to_owned(), json!({"included": true}));
        }
        ExecutionStatus::Failed(failure) => {
            if !failure.error.is_empty() {
                out.insert("error".to_owned(), json!(failure.error));
            }
            if !failure.cause.is_empty() {
                out.insert("cause".to_owned(), json!(failure.cause));
            }
        }
        ExecutionStatus::TimedOut(_) | ExecutionStatus::Aborted | ExecutionStatus::Running => {}
    }
    out.insert("redriveCount".to_owned(), json!(0));
    let redrivable = matches!(
        execution.status(),
        ExecutionStatus::Failed(_) | ExecutionStatus::TimedOut(_) | ExecutionStatus::Aborted
    );
    out.insert(
        "redriveStatus".to_owned(),
        json!(if redrivable {
            "REDRIVABLE"
        } else {
            "NOT_REDRIVABLE"
        }),
    );
    let events: Vec<Value> = execution.events().iter().map(|e| e.to_wire(true)).collect();
    out.insert("events".to_owned(), Value::Array(events));
    Value::Object(out)
}

fn print_human(execution: &Execution, history: bool) {
    match execution.status() {
        ExecutionStatus::Succeeded(output) => {
            println!("SUCCEEDED");
            println!("output: {}", baton_engine::event::payload_text(output));
        }
        ExecutionStatus::Failed(f) | ExecutionStatus::TimedOut(f) => {
            println!("{}", execution.status().as_str());
            println!("error: {}", f.error);
            println!("cause: {}", f.cause);
        }
        other => println!("{}", other.as_str()),
    }
    if history {
        let start = execution.start_time();
        println!(
            "{:>5}  {:<28} {:<30} {:>10}",
            "id", "type", "state", "elapsed ms"
        );
        for event in execution.events() {
            let wire = event.to_wire(false);
            let state = wire
                .as_object()
                .and_then(|o| {
                    o.values()
                        .find_map(|v| v.get("name").and_then(Value::as_str))
                })
                .unwrap_or("");
            println!(
                "{:>5}  {:<28} {:<30} {:>10}",
                event.id,
                event.details.type_name(),
                state,
                event.timestamp - start
            );
        }
        let _ = format_time(start);
    }
}
