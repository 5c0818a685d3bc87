//! Diagnostics: the problems the validator reports, in the shape of AWS's
//! `ValidateStateMachineDefinition` response (severity, code, message, location).

use serde::Serialize;

/// How serious a diagnostic is: errors make a definition invalid, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// The definition is rejected.
    Error,
    /// The definition is accepted but probably not what the author meant.
    Warning,
}

/// The diagnostic codes AWS Step Functions uses in `ValidateStateMachineDefinition` and in
/// `InvalidDefinition` errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DiagnosticCode {
    /// The text is not JSON (or YAML) at all.
    InvalidJsonDescription,
    /// The definition is empty.
    MissingDescription,
    /// A field is missing, misplaced, of the wrong type or out of range.
    SchemaValidationFailed,
    /// A Task state's `Resource` is not a recognised ARN.
    InvalidResource,
    /// No state in a scope can end the workflow.
    MissingEndState,
    /// A state name appears twice in the definition.
    DuplicateStateName,
    /// A state name breaks the naming rules.
    InvalidStateName,
    /// A transition names a state that does not exist, or a state is unreachable.
    MissingTransitionTarget,
    /// Warning: a field looks like a path but its name lacks `.$`.
    NoDollar,
    /// Warning: a field value looks like a path but the field name does not end with `Path`.
    NoPath,
    /// Warning: a Pass state's `Result` contains something that looks like a path.
    PassResultIsStatic,
}

impl DiagnosticCode {
    /// The code as AWS spells it on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJsonDescription => "INVALID_JSON_DESCRIPTION",
            Self::MissingDescription => "MISSING_DESCRIPTION",
            Self::SchemaValidationFailed => "SCHEMA_VALIDATION_FAILED",
            Self::InvalidResource => "INVALID_RESOURCE",
            Self::MissingEndState => "MISSING_END_STATE",
            Self::DuplicateStateName => "DUPLICATE_STATE_NAME",
            Self::InvalidStateName => "INVALID_STATE_NAME",
            Self::MissingTransitionTarget => "MISSING_TRANSITION_TARGET",
            Self::NoDollar => "NO_DOLLAR",
            Self::NoPath => "NO_PATH",
            Self::PassResultIsStatic => "PASS_RESULT_IS_STATIC",
        }
    }
}

impl std::fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line and column (both 1-based) in the definition's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LineColumn {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// One problem found in a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// AWS's diagnostic code.
    pub code: DiagnosticCode,
    /// Human-readable explanation, worded like AWS's.
    pub message: String,
    /// JSON pointer to the offending field (`/States/Wait/Timestamp`), or for JSON syntax
    /// errors the parser's position text.
    pub location: String,
    /// Where the location is in the source text, when known.
    #[serde(skip)]
    pub position: Option<LineColumn>,
}

impl Diagnostic {
    /// An error diagnostic at a JSON pointer.
    pub fn error(
        code: DiagnosticCode,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: location.into(),
            position: None,
        }
    }

    /// A warning diagnostic at a JSON pointer.
    pub fn warning(
        code: DiagnosticCode,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, location, message)
        }
    }

    /// True when this diagnostic makes the definition invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} at {}", self.code, self.message, self.location)
    }
}

/// The validation outcome in the wire shape of `ValidateStateMachineDefinition`'s response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationReport {
    /// `OK` when there is no error diagnostic, else `FAIL`.
    pub result: &'static str,
    /// Every diagnostic found, errors first.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the list was cut short (never, for now).
    pub truncated: bool,
}

impl ValidationReport {
    /// Builds the report from a list of diagnostics.
    pub fn new(mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by_key(|d| d.severity != Severity::Error);
        let failed = diagnostics.iter().any(Diagnostic::is_error);
        Self {
            result: if failed { "FAIL" } else { "OK" },
            diagnostics,
            truncated: false,
        }
    }

    /// True when the definition is accepted.
    pub fn is_ok(&self) -> bool {
        self.result == "OK"
    }
}
