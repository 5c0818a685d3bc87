//! `baton-asl`: the Amazon States Language, pure. It owns the definition model, the parser and
//! validator (AWS-style diagnostics with JSON pointers and source positions), JSONPath,
//! payload templates, intrinsic functions and the JSONata binding. No IO, no clock, no randomness.

pub mod diagnostic;
pub mod generate;
pub mod intrinsics;
pub mod jsonata;
pub mod model;
mod parse;
pub mod path;
pub mod resource;
pub mod source;
pub mod states;
pub mod template;
pub mod timestamp;
pub mod variables;

pub use diagnostic::{Diagnostic, DiagnosticCode, LineColumn, Severity, ValidationReport};
pub use model::{QueryLanguage, State, StateKind, StateMachine, StateMachineType};
pub use source::{SourceDocument, SourceFormat};

/// What the validator needs to know besides the text.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidateOptions {
    /// STANDARD or EXPRESS: EXPRESS forbids activities, `.sync` and `.waitForTaskToken`.
    pub state_machine_type: StateMachineType,
    /// JSON or YAML source.
    pub format: SourceFormat,
}

/// The result of parsing a definition: the model when it is valid, and every diagnostic.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The model, present only when no error diagnostic was found.
    pub state_machine: Option<StateMachine>,
    /// Every diagnostic, errors first, each with its source position when known.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// The diagnostics as a `ValidateStateMachineDefinition` response.
    pub fn report(&self) -> ValidationReport {
        ValidationReport::new(self.diagnostics.clone())
    }
}

/// Parses and validates a definition's text.
pub fn parse_definition(text: &str, options: ValidateOptions) -> Parsed {
    let (document, mut diagnostics) = match SourceDocument::parse(text, options.format) {
        Ok(parsed) => parsed,
        Err(diagnostic) => {
            return Parsed {
                state_machine: None,
                diagnostics: vec![diagnostic],
            };
        }
    };
    let mut parser = parse::Parser::new(options.state_machine_type);
    let state_machine = parser.state_machine(&document.value);
    for mut diagnostic in parser.diagnostics {
        diagnostic.position = document.position_of(&diagnostic.location);
        diagnostics.push(diagnostic);
    }
    diagnostics.sort_by_key(|d| d.severity != Severity::Error);
    let valid = !diagnostics.iter().any(Diagnostic::is_error);
    Parsed {
        state_machine: if valid { state_machine } else { None },
        diagnostics,
    }
}

/// Validates a definition's text, returning the AWS-shaped report.
pub fn validate(text: &str, options: ValidateOptions) -> ValidationReport {
    parse_definition(text, options).report()
}
