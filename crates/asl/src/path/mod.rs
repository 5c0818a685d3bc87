//! JSONPath as AWS Step Functions uses it (Jayway JsonPath dialect): parsing,
//! reading (`InputPath`, `OutputPath`, `ItemsPath`, `"x.$"` values, Choice `Variable`)
//! and writing (`ResultPath`) of JSON documents, with `$` (input), `$$` (context
//! object) and `$name` (workflow variable) roots.

mod eval;
mod filter;
mod parser;
pub mod regex;
mod write;

#[cfg(test)]
mod tests;

use std::fmt;

pub use eval::Selection;
pub use eval::{resolve_index, type_name as json_type_name};
pub use filter::{CompareOp, Filter, FilterExpr, FilterPath, Operand, PathOrigin};

/// Maximum nesting depth (filters, parentheses, literals) accepted by the parser.
pub const MAX_DEPTH: usize = 64;

/// Maximum number of nodes a single evaluation may produce before it is aborted.
pub const MAX_MATCHES: usize = 1_000_000;

/// Errors raised while parsing, reading or writing with a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    /// The path text is not valid JSONPath.
    #[error("Invalid JSONPath '{path}': {message} (at character {position})")]
    Syntax {
        /// The full path text.
        path: String,
        /// Character offset (0-based) where the problem was found.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// The path nests filters, parentheses or literals deeper than [`MAX_DEPTH`].
    #[error("Invalid JSONPath '{path}': nesting deeper than {MAX_DEPTH} levels")]
    TooDeep {
        /// The full path text.
        path: String,
    },
    /// A definite path did not identify any node (AWS reports this as `States.Runtime`).
    #[error("Invalid path '{path}' : {detail}")]
    NotFound {
        /// The full path text.
        path: String,
        /// Jayway-style detail, e.g. `No results for path: $['a']`.
        detail: String,
    },
    /// A trailing path function (e.g. `.avg()`) could not be applied.
    #[error("Invalid path '{path}' : {message}")]
    Function {
        /// The full path text.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Evaluation produced more than [`MAX_MATCHES`] nodes.
    #[error("Invalid path '{path}' : evaluation produced more than {MAX_MATCHES} results")]
    TooManyResults {
        /// The full path text.
        path: String,
    },
    /// A write was attempted through a path that is not a reference path.
    #[error(
        "The path '{path}' is not a reference path: only field names and single array indexes are allowed"
    )]
    NotReferencePath {
        /// The full path text.
        path: String,
    },
    /// A write could not be applied to the target (AWS `States.ResultPathMatchFailure`).
    #[error("Unable to apply ResultPath '{path}' to the input: {message}")]
    WriteMismatch {
        /// The full path text.
        path: String,
        /// Why the target does not fit the path.
        message: String,
    },
}

/// Which document a path starts from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathRoot {
    /// `$`: the state input (or whatever document the caller passes).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: the workflow variable `name`.
    Variable(String),
}

/// A trailing Jayway path function such as `.length()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathFunction {
    /// `length()`: number of array elements / object members (string: characters).
    Length,
    /// `size()`: alias of `length()`.
    Size,
    /// `min()`: smallest number in an array.
    Min,
    /// `max()`: largest number in an array.
    Max,
    /// `avg()`: mean of the numbers in an array.
    Avg,
    /// `sum()`: sum of the numbers in an array.
    Sum,
    /// `stddev()`: population standard deviation of the numbers in an array.
    Stddev,
    /// `keys()`: member names of an object.
    Keys,
    /// `first()`: first element of an array.
    First,
    /// `last()`: last element of an array.
    Last,
}

impl PathFunction {
    /// Looks a function up by its Jayway name (without parentheses).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "length" => Self::Length,
            "size" => Self::Size,
            "min" => Self::Min,
            "max" => Self::Max,
            "avg" => Self::Avg,
            "sum" => Self::Sum,
            "stddev" => Self::Stddev,
            "keys" => Self::Keys,
            "first" => Self::First,
            "last" => Self::Last,
            _ => return None,
        })
    }

    /// The Jayway name of the function (without parentheses).
    pub fn name(self) -> &'static str {
        match self {
            Self::Length => "length",
            Self::Size => "size",
            Self::Min => "min",
            Self::Max => "max",
            Self::Avg => "avg",
            Self::Sum => "sum",
            Self::Stddev => "stddev",
            Self::Keys => "keys",
            Self::First => "first",
            Self::Last => "last",
        }
    }
}

/// What a child (`.x`, `[..]`) or descendant (`..x`) segment selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// `.name` or `['name']`.
    Name(String),
    /// `['a','b']`: several names (merged into one object when last, like Jayway).
    Names(Vec<String>),
    /// `[3]` or `[-1]`: one array element (negative counts from the end).
    Index(i64),
    /// `[0,2,5]`: several array elements.
    Indexes(Vec<i64>),
    /// `[start:end]`, `[:end]`, `[start:]`: an array slice (end exclusive).
    Slice {
        /// First index, negative counts from the end; `None` means 0.
        start: Option<i64>,
        /// Index past the end, negative counts from the end; `None` means the length.
        end: Option<i64>,
    },
    /// `.*` or `[*]`: every member value or element.
    Wildcard,
    /// `[?(...)]`: the elements (or the object itself) matching a predicate.
    Filter(Box<Filter>),
    /// `[(...)]`: a script expression, kept as text; it selects nothing.
    Script(String),
}

/// One step of a path after its root.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Applies the selector to the current node.
    Child(Selector),
    /// `..`: applies the selector to the current node and all its descendants.
    Descendant(Selector),
    /// A trailing function call such as `.length()` (always last).
    Function(PathFunction),
}

/// A parsed JSONPath expression together with its original text.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    text: String,
    root: PathRoot,
    segments: Vec<Segment>,
}

impl JsonPath {
    /// Parses a path such as `$.a[0]`, `$$.Execution.Id`, `$var.x` or `$..book[?(@.price < 10)]`.
    pub fn parse(text: &str) -> Result<JsonPath, PathError> {
        parser::parse_path(text)
    }

    /// The original text the path was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Which document the path starts from.
    pub fn root(&self) -> &PathRoot {
        &self.root
    }

    /// The segments after the root, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// AWS "Reference Path": only names and single indexes, so it identifies one node.
    pub fn is_reference_path(&self) -> bool {
        self.segments.iter().all(|segment| {
            matches!(
                segment,
                Segment::Child(Selector::Name(_)) | Segment::Child(Selector::Index(_))
            )
        })
    }

    /// Jayway's definite-path notion: no wildcard, deep scan, filter, slice or union
    /// (a trailing name list like `['a','b']` is definite: Jayway merges it into one object).
    /// A trailing function does not change definiteness.
    pub fn is_definite(&self) -> bool {
        segments_definite(&self.segments)
    }

    /// A canonical bracket-notation rendering, e.g. `$['store']['book'][0]` (Jayway's form).
    pub fn to_normalized(&self) -> String {
        let mut out = match &self.root {
            PathRoot::Input => String::from("$"),
            PathRoot::Context => String::from("$$"),
            PathRoot::Variable(name) => format!("${name}"),
        };
        for segment in &self.segments {
            write_segment(&mut out, segment);
        }
        out
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for JsonPath {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JsonPath::parse(s)
    }
}

/// Whether a segment list is definite in Jayway's sense (see [`JsonPath::is_definite`]).
pub(crate) fn segments_definite(segments: &[Segment]) -> bool {
    let body = match segments.last() {
        Some(Segment::Function(_)) => segments.get(..segments.len() - 1).unwrap_or(&[]),
        _ => segments,
    };
    let count = body.len();
    body.iter().enumerate().all(|(i, segment)| match segment {
        Segment::Child(Selector::Name(_) | Selector::Index(_)) => true,
        Segment::Child(Selector::Names(_)) => i + 1 == count,
        _ => false,
    })
}

/// Quotes a member name for bracket notation, escaping `'` and `\`.
fn quote_name(out: &mut String, name: &str) {
    out.push('\'');
    for c in name.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('\'');
}

fn write_selector(out: &mut String, selector: &Selector) {
    match selector {
        Selector::Name(name) => {
            out.push('[');
            quote_name(out, name);
            out.push(']');
        }
        Selector::Names(names) => {
            out.push('[');
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote_name(out, name);
            }
            out.push(']');
        }
        Selector::Index(index) => out.push_str(&format!("[{index}]")),
        Selector::Indexes(indexes) => {
            let parts: Vec<String> = indexes.iter().map(i64::to_string).collect();
            out.push_str(&format!("[{}]", parts.join(",")));
        }
        Selector::Slice { start, end } => {
            out.push('[');
            if let Some(start) = start {
                out.push_str(&start.to_string());
            }
            out.push(':');
            if let Some(end) = end {
                out.push_str(&end.to_string());
            }
            out.push(']');
        }
        Selector::Wildcard => out.push_str("[*]"),
        Selector::Script(script) => {
            out.push('[');
            out.push_str(script);
            out.push(']');
        }
        Selector::Filter(filter) => {
            out.push_str("[?(");
            out.push_str(filter.source());
            out.push_str(")]");
        }
    }
}

/// Appends the canonical rendering of one segment.
pub(crate) fn write_segment(out: &mut String, segment: &Segment) {
    match segment {
        Segment::Child(selector) => write_selector(out, selector),
        Segment::Descendant(selector) => {
            out.push_str("..");
            write_selector(out, selector);
        }
        Segment::Function(function) => {
            out.push('.');
            out.push_str(function.name());
            out.push_str("()");
        }
    }
}
