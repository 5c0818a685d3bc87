//! JSONata expressions as ASL embeds them (`"{% … %}"` strings): recognising the delimiters and
//! compiling the expression once, at definition time, behind a type of our own so the engine
//! that evaluates it can be swapped.

use std::fmt;
use std::sync::Arc;

/// Why a `{% … %}` string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonataError {
    /// The text is not wrapped in `{%` and `%}`.
    #[error("The value must be a JSONata expression enclosed in '{{%' and '%}}'")]
    NotDelimited,
    /// The expression between the delimiters is empty.
    #[error("The JSONata expression is empty")]
    Empty,
    /// The JSONata parser rejected the expression.
    #[error("Invalid JSONata expression: {code}: {message}")]
    Syntax {
        /// The JSONata error code (`S0201`, …).
        code: String,
        /// The parser's explanation.
        message: String,
    },
}

/// A compiled JSONata expression taken from a `{% … %}` string.
#[derive(Clone)]
pub struct JsonataExpression {
    source: Arc<str>,
    compiled: Arc<jlens_core::Expression>,
    /// The text mentions `context` (it may read `$states.context`).
    mentions_context: bool,
    /// The text mentions `random` or `uuid` (it may call `$random()` / `$uuid()`).
    mentions_randomness: bool,
    /// When the expression is a plain field path into `$states` (`$states.input.a.b`), the
    /// root and the field names: such a path can be read without the JSONata evaluator.
    simple_path: Option<(StatesRoot, Arc<[String]>)>,
}

/// The parts of `$states` a plain field path can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatesRoot {
    /// `$states.input`.
    Input,
    /// `$states.result`.
    Result,
    /// `$states.errorOutput`.
    ErrorOutput,
}

/// Reads `$states.<root>.<name>…` with only plain names (letters, digits, `_`), else `None`.
fn plain_states_path(expression: &str) -> Option<(StatesRoot, Arc<[String]>)> {
    let rest = expression.trim().strip_prefix("$states.")?;
    let mut parts = rest.split('.');
    let root = match parts.next()? {
        "input" => StatesRoot::Input,
        "result" => StatesRoot::Result,
        "errorOutput" => StatesRoot::ErrorOutput,
        _ => return None,
    };
    let mut names = Vec::new();
    for part in parts {
        let mut chars = part.chars();
        let first = chars.next()?;
        if !(first.is_ascii_alphabetic() || first == '_')
            || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return None;
        }
        names.push(part.to_owned());
    }
    Some((root, Arc::from(names)))
}

impl JsonataExpression {
    /// Compiles the text between `{%` and `%}` of `delimited`.
    pub fn parse_delimited(delimited: &str) -> Result<Self, JsonataError> {
        let inner = strip_delimiters(delimited).ok_or(JsonataError::NotDelimited)?;
        Self::compile(inner)
    }

    /// Compiles a bare JSONata expression (without delimiters).
    pub fn compile(expression: &str) -> Result<Self, JsonataError> {
        if expression.trim().is_empty() {
            return Err(JsonataError::Empty);
        }
        let compiled =
            jlens_core::Expression::compile(expression).map_err(|e| JsonataError::Syntax {
                code: e.code().to_owned(),
                message: e.to_string(),
            })?;
        Ok(Self {
            source: Arc::from(expression),
            compiled: Arc::new(compiled),
            mentions_context: expression.contains("context"),
            mentions_randomness: expression.contains("random") || expression.contains("uuid"),
            simple_path: plain_states_path(expression),
        })
    }

    /// The expression text, without delimiters.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the text mentions `context`: an expression that does not cannot read
    /// `$states.context`, so its context object need not be built.
    pub fn mentions_context(&self) -> bool {
        self.mentions_context
    }

    /// Whether the text mentions `random` or `uuid`: only such an expression may call the
    /// seeded `$random()` / `$uuid()`.
    pub fn mentions_randomness(&self) -> bool {
        self.mentions_randomness
    }

    /// The root and field names when the expression is a plain `$states.<root>.<name>…` path.
    pub fn simple_path(&self) -> Option<(StatesRoot, &[String])> {
        self.simple_path
            .as_ref()
            .map(|(root, names)| (*root, names.as_ref()))
    }

    /// The compiled form, for the evaluator.
    pub fn compiled(&self) -> &jlens_core::Expression {
        &self.compiled
    }

    /// Evaluates the expression against `input` (`None` = undefined) with `variables` bound
    /// as `$name`. `Ok(None)` means the result is undefined; an error is (code, message).
    pub fn evaluate(
        &self,
        input: Option<&serde_json::Value>,
        variables: &[(String, serde_json::Value)],
    ) -> Result<Option<serde_json::Value>, (String, String)> {
        let bindings = variables
            .iter()
            .fold(jlens_core::Bindings::new(), |b, (name, value)| {
                b.var(name.clone(), value.clone())
            });
        self.compiled
            .evaluate(input, &bindings)
            .map_err(|e| (e.code().to_owned(), e.message()))
    }
}

impl fmt::Debug for JsonataExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{% {} %}}", self.source)
    }
}

impl PartialEq for JsonataExpression {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// True when a string is written as a JSONata expression: it starts with `{%` and ends with `%}`.
pub fn is_delimited(text: &str) -> bool {
    text.len() >= 4 && text.starts_with("{%") && text.ends_with("%}")
}

/// The expression inside `{% … %}`, or `None` when the string is not delimited.
pub fn strip_delimiters(text: &str) -> Option<&str> {
    if is_delimited(text) {
        text.get(2..text.len() - 2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_and_compiles_expressions() {
        let cases: &[(&str, bool)] = &[
            ("{% $states.input.a %}", true),
            ("{% 1 + %}", false),
            ("{% ($x := 1; $x * 2) %}", true),
            ("{%%}", false),
            ("{% %}", false),
            ("$states.input", false),
            ("{% $sum([1,2] %}", false),
        ];
        for (text, ok) in cases {
            assert_eq!(
                JsonataExpression::parse_delimited(text).is_ok(),
                *ok,
                "{text}"
            );
        }
    }
}
