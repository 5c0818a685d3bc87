//! `baton validate FILE…`: checks definitions and prints AWS-style diagnostics.
//! Exit status: 0 all valid, 1 some invalid, 2 some file unreadable.

use baton_asl::{Diagnostic, SourceFormat, StateMachineType, ValidateOptions, ValidationReport};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::io::{Read, Write};
use std::process::ExitCode;

/// Output formats of `baton validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `file:line:col: error[CODE]: message` lines.
    Human,
    /// The `ValidateStateMachineDefinition` response shape.
    Json,
}

/// Arguments of `baton validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Definition files (`.json`, `.yaml`, `.yml`); `-` reads standard input.
    #[arg(required = true)]
    files: Vec<String>,
    /// State machine type whose rules apply: STANDARD or EXPRESS.
    #[arg(long = "type", default_value = "STANDARD", value_parser = parse_type)]
    machine_type: StateMachineType,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
}

fn parse_type(text: &str) -> Result<StateMachineType, String> {
    StateMachineType::parse(text)
        .ok_or_else(|| format!("unknown state machine type '{text}' (STANDARD or EXPRESS)"))
}

/// One file's outcome in `--format json` output with several files.
#[derive(Serialize)]
struct FileReport<'a> {
    file: &'a str,
    #[serde(flatten)]
    report: &'a ValidationReport,
}

fn read(file: &str) -> std::io::Result<String> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(file)
    }
}

fn human_line(file: &str, d: &Diagnostic) -> String {
    let severity = if d.is_error() { "error" } else { "warning" };
    let position = d
        .position
        .map(|p| format!("{}:{}:", p.line, p.column))
        .unwrap_or_default();
    let location = if d.location.starts_with('/') {
        format!(" (at {})", d.location)
    } else {
        String::new()
    };
    format!(
        "{file}:{position} {severity}[{}]: {}{location}",
        d.code, d.message
    )
}

/// Runs `baton validate`.
pub fn run(args: &ValidateArgs) -> ExitCode {
    let mut unreadable = false;
    let mut invalid = false;
    let mut reports: Vec<(String, ValidationReport)> = Vec::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for file in &args.files {
        let text = match read(file) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{file}: cannot read: {e}");
                unreadable = true;
                continue;
            }
        };
        let options = ValidateOptions {
            state_machine_type: args.machine_type,
            format: SourceFormat::from_file_name(file),
        };
        let report = baton_asl::validate(&text, options);
        invalid |= !report.is_ok();
        match args.format {
            OutputFormat::Human => {
                for d in &report.diagnostics {
                    let _ = writeln!(out, "{}", human_line(file, d));
                }
                if report.is_ok() {
                    eprintln!("{file}: valid");
                }
            }
            OutputFormat::Json => reports.push((file.clone(), report)),
        }
    }
    if args.format == OutputFormat::Json {
        let json = match reports.as_slice() {
            [(_, report)] => serde_json::to_string_pretty(report),
            many => serde_json::to_string_pretty(
                &many
                    .iter()
                    .map(|(file, report)| FileReport { file, report })
                    .collect::<Vec<_>>(),
            ),
        };
        match json {
            Ok(json) => {
                let _ = writeln!(out, "{json}");
            }
            Err(e) => {
                eprintln!("cannot encode report: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
