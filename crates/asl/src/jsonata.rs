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
