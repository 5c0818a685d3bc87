//! The 18 `States.*` intrinsic functions of JSONPath-language states: parsing of calls
//! such as `States.Format('Hello {}', $.name)` and evaluation.
//!
//! Like AWS, only malformed call text is rejected when a definition is created (syntax,
//! escapes, unknown function names, invalid paths, nesting depth). Argument counts, literal
//! types, ranges, Format templates and hash algorithm names are checked when the call runs, and
//! every run-time failure is `States.Runtime` with AWS's cause text. The behaviour follows
//! outcomes recorded on AWS by the public tiny-asl-machine conformance catalog.

mod digest;
mod eval;
mod jackson;
mod java;
mod parser;

#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::Value;

use crate::path::{JsonPath, PathError};

pub use eval::{RandomSource, hash_hex};

/// Maximum number of intrinsic calls nested inside one another (AWS allows 10).
pub const MAX_NESTING: usize = 10;

/// One of the 18 intrinsic functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntrinsicFunction {
    /// `States.Format(template, args...)`.
    Format,
    /// `States.StringToJson(string)`.
    StringToJson,
    /// `States.JsonToString(value)`.
    JsonToString,
    /// `States.Array(values...)`.
    Array,
    /// `States.ArrayPartition(array, chunkSize)`.
    ArrayPartition,
    /// `States.ArrayContains(array, value)`.
    ArrayContains,
    /// `States.ArrayRange(start, end, step)`.
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`.
    ArrayGetItem,
    /// `States.ArrayLength(array)`.
    ArrayLength,
    /// `States.ArrayUnique(array)`.
    ArrayUnique,
    /// `States.Base64Encode(string)`.
    Base64Encode,
    /// `States.Base64Decode(string)`.
    Base64Decode,
    /// `States.Hash(data, algorithm)`.
    Hash,
    /// `States.JsonMerge(object, object, false)`.
    JsonMerge,
    /// `States.MathRandom(start, end[, seed])`.
    MathRandom,
    /// `States.MathAdd(a, b)`.
    MathAdd,
    /// `States.StringSplit(string, delimiters)`.
    StringSplit,
    /// `States.UUID()`.
    Uuid,
}

impl IntrinsicFunction {
    /// All 18 functions, in AWS documentation order.
    pub const ALL: [IntrinsicFunction; 18] = [
        Self::Format,
        Self::StringToJson,
        Self::JsonToString,
        Self::Array,
        Self::ArrayPartition,
        Self::ArrayContains,
        Self::ArrayRange,
        Self::ArrayGetItem,
        Self::ArrayLength,
        Self::ArrayUnique,
        Self::Base64Encode,
        Self::Base64Decode,
        Self::Hash,
        Self::JsonMerge,
        Self::MathRandom,
        Self::MathAdd,
        Self::StringSplit,
        Self::Uuid,
    ];

    /// The full name, e.g. `States.Format`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Format => "States.Format",
            Self::StringToJson => "States.StringToJson",
            Self::JsonToString => "States.JsonToString",
            Self::Array => "States.Array",
            Self::ArrayPartition => "States.ArrayPartition",
            Self::ArrayContains => "States.ArrayContains",
            Self::ArrayRange => "States.ArrayRange",
            Self::ArrayGetItem => "States.ArrayGetItem",
            Self::ArrayLength => "States.ArrayLength",
            Self::ArrayUnique => "States.ArrayUnique",
            Self::Base64Encode => "States.Base64Encode",
            Self::Base64Decode => "States.Base64Decode",
            Self::Hash => "States.Hash",
            Self::JsonMerge => "States.JsonMerge",
            Self::MathRandom => "States.MathRandom",
            Self::MathAdd => "States.MathAdd",
            Self::StringSplit => "States.StringSplit",
            Self::Uuid => "States.UUID",
        }
    }

    /// Looks a function up by its full, case-sensitive name (`States.ArrayLength`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|function| function.name() == name)
    }

    /// Argument counts the function accepts at run time: minimum and optional maximum
    /// (`States.UUID` ignores any arguments; other counts fail with `States.Runtime`).
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            Self::Format => (1, None),
            Self::Array => (0, None),
            Self::Uuid => (0, Some(0)),
            Self::StringToJson
            | Self::JsonToString
            | Self::ArrayLength
            | Self::ArrayUnique
            | Self::Base64Encode
            | Self::Base64Decode => (1, Some(1)),
            Self::ArrayPartition
            | Self::ArrayContains
            | Self::ArrayGetItem
            | Self::Hash
            | Self::MathAdd
            | Self::StringSplit => (2, Some(2)),
            Self::ArrayRange | Self::JsonMerge => (3, Some(3)),
            Self::MathRandom => (2, Some(3)),
        }
    }
}

impl fmt::Display for IntrinsicFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One argument of an intrinsic call.
#[derive(Debug, Clone, PartialEq)]
pub enum IntrinsicArg {
    /// A literal: `'string'` (unescaped), number, `true`, `false` or `null`.
    Literal(Value),
    /// A path: `$.x` (input), `$$.x` (context), `$var` (variable) or `$`.
    Path(JsonPath),
    /// A nested intrinsic call.
    Call(Box<IntrinsicCall>),
}

/// A piece of a `States.Format` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatPiece {
    /// Literal text (escapes already resolved, so `\{` is a plain `{` here).
    Text(String),
    /// An unescaped `{}` placeholder.
    Placeholder,
    /// An unescaped `{` not directly followed by `}`, or an unescaped `}` that closes no `{`:
    /// AWS fails the call at run time ("Invalid template in States.Format: …").
    Unmatched(char),
}

/// Builds `States.Format` template pieces: `{}` is a placeholder, any other unescaped brace is
/// [`FormatPiece::Unmatched`]. The call parser feeds escaped braces of string literals as text;
/// a template read from a path at run time has no escapes ([`TemplateBuilder::split`]).
struct TemplateBuilder {
    pieces: Vec<FormatPiece>,
    text: String,
}

impl TemplateBuilder {
    fn new() -> Self {
        Self {
            pieces: Vec::new(),
            text: String::new(),
        }
    }

    /// A literal character.
    fn text(&mut self, c: char) {
        self.text.push(c);
    }

    /// A piece other than text.
    fn piece(&mut self, piece: FormatPiece) {
        if !self.text.is_empty() {
            self.pieces
                .push(FormatPiece::Text(std::mem::take(&mut self.text)));
        }
        self.pieces.push(piece);
    }

    fn finish(mut self) -> Vec<FormatPiece> {
        if !self.text.is_empty() {
            self.pieces.push(FormatPiece::Text(self.text));
        }
        self.pieces
    }

    /// The pieces of a template string read at run time (no escapes).
    fn split(template: &str) -> Vec<FormatPiece> {
        let mut builder = Self::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'}') => {
                    chars.next();
                    builder.piece(FormatPiece::Placeholder);
                }
                '{' | '}' => builder.piece(FormatPiece::Unmatched(c)),
                c => builder.text(c),
            }
        }
        builder.finish()
    }
}

/// A parsed intrinsic function call (well-formed; its arguments are checked when it runs).
#[derive(Debug, Clone, PartialEq)]
pub struct IntrinsicCall {
    /// Which function is called.
    pub function: IntrinsicFunction,
    /// The arguments, in order.
    pub args: Vec<IntrinsicArg>,
    text: String,
    template: Option<Vec<FormatPiece>>,
}

/// Errors from parsing an intrinsic call (definition time) or evaluating it (run time).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntrinsicError {
    /// The text is not a well-formed intrinsic call.
    #[error("Invalid intrinsic function call '{text}': {message} (at character {position})")]
    Syntax {
        /// The full call text.
        text: String,
        /// Character offset (0-based) of the problem.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// The function name is not one of the 18 intrinsics.
    #[error(
        "Invalid intrinsic function call '{text}': '{name}' is not a supported intrinsic function"
    )]
    UnknownFunction {
        /// The full call text.
        text: String,
        /// The unknown name as written.
        name: String,
    },
    /// A path argument is not valid JSONPath.
    #[error("Invalid intrinsic function call '{text}': {source}")]
    InvalidPath {
        /// The full call text.
        text: String,
        /// The path error.
        #[source]
        source: PathError,
    },
    /// Calls nest deeper than [`MAX_NESTING`].
    #[error(
        "Invalid intrinsic function call '{text}': intrinsic functions may be nested at most {MAX_NESTING} deep"
    )]
    TooDeep {
        /// The full call text.
        text: String,
    },
    /// A function failed at run time; `message` is AWS's text, e.g.
    /// `Invalid arguments in States.MathAdd`.
    #[error("{message}")]
    Failure {
        /// The function that failed.
        function: IntrinsicFunction,
        /// AWS's message (it follows the expression in the cause).
        message: String,
    },
    /// A path argument matched nothing in its input.
    #[error(
        "The JsonPath argument for the field '{path}' could not be found in the input '{input}'"
    )]
    ArgumentNotFound {
        /// The path as written.
        path: String,
        /// The state input, as compact JSON.
        input: String,
    },
    /// A path argument could not be read for another reason (e.g. a path function failed).
    #[error(transparent)]
    PathFailed(#[from] PathError),
}

impl IntrinsicError {
    /// The AWS-style validation message for a payload-template field such as `x.$`.
    pub fn field_message(&self, field: &str) -> String {
        format!(
            "The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call ({self})"
        )
    }

    /// The ASL error name of a run-time failure: always `States.Runtime` (AWS reports no
    /// intrinsic failure as `States.IntrinsicFailure`).
    pub fn error_name(&self) -> &'static str {
        "States.Runtime"
    }

    /// AWS's cause text for a run-time failure of the call written as `expression`, without
    /// the "An error occurred while executing the state …" prefix.
    pub fn runtime_cause(&self, expression: &str) -> String {
        match self {
            IntrinsicError::ArgumentNotFound { .. } => {
                format!("The function '{expression}' had the following error: {self}")
            }
            IntrinsicError::PathFailed(_) => self.to_string(),
            _ => format!(
                "There was an error while evaluating the intrinsic function: {expression}. {self}"
            ),
        }
    }
}

/// Whether `text` looks like an intrinsic call: `States.` + identifier + `(` (spaces allowed before `(`).
pub fn looks_like_intrinsic(text: &str) -> bool {
    let Some(rest) = text.trim_start().strip_prefix("States.") else {
        return false;
    };
    let name_len = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .count();
    name_len > 0
        && rest
            .get(name_len..)
            .is_some_and(|tail| tail.trim_start().starts_with('('))
}

impl IntrinsicCall {
    /// Parses a call such as `States.Format('{}', $.a)` (syntax only: arguments are checked
    /// when the call is evaluated).
    pub fn parse(text: &str) -> Result<IntrinsicCall, IntrinsicError> {
        parser::parse_call_text(text)
    }

    /// The original text of this call (for nested calls: their own slice of the text).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// For `States.Format` with a literal template: the template split into pieces.
    pub fn format_template(&self) -> Option<&[FormatPiece]> {
        self.template.as_deref()
    }

    /// Every path used by this call and its nested calls, in order of appearance.
    pub fn paths(&self) -> Vec<&JsonPath> {
        let mut out = Vec::new();
        let mut stack: Vec<&IntrinsicArg> = self.args.iter().rev().collect();
        while let Some(arg) = stack.pop() {
            match arg {
                IntrinsicArg::Path(path) => out.push(path),
                IntrinsicArg::Call(inner) => stack.extend(inner.args.iter().rev()),
                IntrinsicArg::Literal(_) => {}
            }
        }
        out
    }
}

impl fmt::Display for IntrinsicCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
