//! The definition's source text: decoding JSON or YAML into a `serde_json::Value`, and mapping
//! JSON pointers back to lines and columns so diagnostics can point into the file.

use crate::diagnostic::{Diagnostic, DiagnosticCode, LineColumn};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashSet;

/// The syntax a definition is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceFormat {
    /// JSON, the format AWS accepts on the wire.
    #[default]
    Json,
    /// YAML, as accepted by SAM/CDK tooling; converted to JSON before validation.
    Yaml,
}

impl SourceFormat {
    /// Picks the format from a file name: `.yaml`/`.yml` are YAML, everything else JSON.
    pub fn from_file_name(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Self::Yaml
        } else {
            Self::Json
        }
    }
}

/// A decoded definition document together with its original text.
#[derive(Debug, Clone)]
pub struct SourceDocument<'a> {
    /// The text as given.
    pub text: &'a str,
    /// The syntax of `text`.
    pub format: SourceFormat,
    /// The decoded document.
    pub value: Value,
}

impl<'a> SourceDocument<'a> {
    /// Decodes `text`; a syntax problem becomes an `INVALID_JSON_DESCRIPTION` (or, for empty
    /// text, `MISSING_DESCRIPTION`) diagnostic, and duplicate object keys become
    /// `SCHEMA_VALIDATION_FAILED` diagnostics alongside a successfully decoded value.
    pub fn parse(
        text: &'a str,
        format: SourceFormat,
    ) -> Result<(Self, Vec<Diagnostic>), Diagnostic> {
        if text.trim().is_empty() {
            return Err(Diagnostic::error(
                DiagnosticCode::MissingDescription,
                "/",
                "The state machine definition is empty",
            ));
        }
        match format {
            SourceFormat::Json => {
                let value: Value =
                    serde_json::from_str(text).map_err(|e| json_syntax_diagnostic(text, &e))?;
                let duplicates = duplicate_keys(text);
                let diagnostics = duplicates
                    .into_iter()
                    .map(|(pointer, key, position)| {
                        let is_state = pointer
                            .rsplit_once('/')
                            .is_some_and(|(parent, _)| parent.ends_with("/States"));
                        let mut d = if is_state {
                            Diagnostic::error(
                                DiagnosticCode::DuplicateStateName,
                                pointer,
                                format!("Duplicate State name: {key}"),
                            )
                        } else {
                            Diagnostic::error(
                                DiagnosticCode::SchemaValidationFailed,
                                pointer,
                                format!("Duplicate field '{key}'"),
                            )
                        };
                        d.position = Some(position);
                        d
                    })
                    .collect();
                Ok((
                    Self {
                        text,
                        format,
                        value,
                    },
                    diagnostics,
                ))
            }
            SourceFormat::Yaml => {
                let value: Value = serde_yaml_ng::from_str(text).map_err(|e| {
                    let mut d = Diagnostic::error(
                        DiagnosticCode::InvalidJsonDescription,
                        "/",
                        format!("Invalid YAML: {e}"),
                    );
                    d.position = e.location().map(|l| LineColumn {
                        line: l.line(),
                        column: l.column(),
                    });
                    d
                })?;
                Ok((
                    Self {
                        text,
                        format,
                        value,
                    },
                    Vec::new(),
                ))
            }
        }
    }

    /// Where the field at `pointer` starts in the text (JSON only).
    pub fn position_of(&self, pointer: &str) -> Option<LineColumn> {
        match self.format {
            SourceFormat::Json => {
                find_pointer(self.text, pointer).map(|offset| line_column(self.text, offset))
            }
            SourceFormat::Yaml => None,
        }
    }
}

/// Builds AWS's `INVALID_JSON_DESCRIPTION` diagnostic for a JSON syntax error. AWS reports
/// Jackson's message and a `[Source: …; line: L, column: C]` location; we keep that shape.
fn json_syntax_diagnostic(text: &str, error: &serde_json::Error) -> Diagnostic {
    let snippet: String = text.chars().take(200).collect();
    let (description, column) = match unrecognized_token(text, error) {
        Some((token, end_column)) => (
            format!(
                "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            ),
            end_column,
        ),
        None => (describe_json_error(error), error.column()),
    };
    let location = format!(
        "[Source: (String){:?}; line: {}, column: {}]",
        snippet,
        error.line(),
        column
    );
    let message = format!("{description}\n at {location}");
    let mut d = Diagnostic::error(DiagnosticCode::InvalidJsonDescription, location, message);
    d.position = Some(LineColumn {
        line: error.line().max(1),
        column: error.column().max(1),
    });
    d
}

/// For "expected value" errors on a bare word, the word and the column just after it — the
/// shape of Jackson's "Unrecognized token" error that AWS reports.
fn unrecognized_token(text: &str, error: &serde_json::Error) -> Option<(String, usize)> {
    let full = error.to_string();
    if !(full.starts_with("expected value") || full.starts_with("expected ident")) {
        return None;
    }
    let line: Vec<char> = text
        .lines()
        .nth(error.line().checked_sub(1)?)?
        .chars()
        .collect();
    let at = error
        .column()
        .checked_sub(1)?
        .min(line.len().checked_sub(1)?);
    let is_word = |c: &char| c.is_alphanumeric() || *c == '_';
    let start = (0..=at)
        .rev()
        .take_while(|&i| line.get(i).is_some_and(is_word))
        .last()?;
    let end = (start..line.len())
        .take_while(|&i| line.get(i).is_some_and(is_word))
        .last()?
        + 1;
    let token: String = line.get(start..end)?.iter().collect();
    Some((token, end + 1))
}

/// serde_json's message without its trailing "at line L column C" (the location says that).
fn describe_json_error(error: &serde_json::Error) -> String {
    let full = error.to_string();
    match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_owned(),
        None => full,
    }
}

/// Converts a byte offset into a 1-based line and character column.
pub fn line_column(text: &str, offset: usize) -> LineColumn {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    LineColumn { line, column }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    push_pointer_segment(&mut out, segment);
    out
}

/// Appends one escaped JSON pointer segment (RFC 6901) to `pointer`, without the `/`.
pub fn push_pointer_segment(pointer: &mut String, segment: &str) {
    if segment.contains(['~', '/']) {
        for c in segment.chars() {
            match c {
                '~' => pointer.push_str("~0"),
                '/' => pointer.push_str("~1"),
                c => pointer.push(c),
            }
        }
    } else {
        pointer.push_str(segment);
    }
}

/// A minimal scanner over text already known to be valid JSON.
struct Scanner<'t> {
    bytes: &'t [u8],
    text: &'t str,
    pos: usize,
}

/// What the scanner does while walking.
enum Walk<'p> {
    /// Record duplicate keys with their pointers.
    Duplicates(Vec<(String, String, usize)>),
    /// Stop at the member or element named by these pointer segments.
    Find(&'p [String]),
}

impl<'t> Scanner<'t> {
    fn skip_ws(&mut self) {
        while let Some(b) = self.bytes.get(self.pos) {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Reads a string at the cursor and returns its decoded contents, borrowed when it has
    /// no escapes.
    fn string(&mut self) -> Option<Cow<'t, str>> {
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        loop {
            let b = *self.bytes.get(self.pos)?;
            self.pos += 1;
            match b {
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                }
                b'"' => break,
                _ => {}
            }
        }
        let raw = self.text.get(start..self.pos)?;
        if escaped {
            serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
        } else {
            raw.get(1..raw.len().saturating_sub(1)).map(Cow::Borrowed)
        }
    }

    /// Skips or walks one value; returns `Some(offset)` when a `Find` target was reached.
    fn value(
        &mut self,
        pointer: &mut String,
        walk: &mut Walk<'_>,
        depth: usize,
    ) -> Option<Option<usize>> {
        self.skip_ws();
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut seen: HashSet<Cow<'t, str>> = HashSet::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b'}' => {
                            self.pos += 1;
                            return Some(None);
                        }
                        b',' => {
                            self.pos += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let key_offset = self.pos;
                    let key = self.string()?;
                    self.skip_ws();
                    self.pos += 1; // ':'
                    let saved = pointer.len();
                    pointer.push('/');
                    push_pointer_segment(pointer, &key);
                    match walk {
                        Walk::Duplicates(found) => {
                            if seen.contains(&key) {
                                found.push((pointer.clone(), key.into_owned(), key_offset));
                            } else {
                                seen.insert(key);
                            }
                        }
                        Walk::Find(target) => {
                            if target.get(depth).map(String::as_str) == Some(&*key) {
                                if target.len() == depth + 1 {
                                    return Some(Some(key_offset));
                                }
                                if let Some(found) = self.value(pointer, walk, depth + 1)? {
                                    return Some(Some(found));
                                }
                            } else {
                                self.value(pointer, &mut Walk::Duplicates(Vec::new()), depth + 1)?;
                            }
                            pointer.truncate(saved);
                            continue;
                        }
                    }
                    let nested = self.value(pointer, walk, depth + 1)?;
                    pointer.truncate(saved);
                    if nested.is_some() {
                        return Some(nested);
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                let mut index = 0usize;
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b']' => {
                            self.pos += 1;
                            return Some(None);
                        }
                        b',' => {
                            self.pos += 1;
                            index += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let element_offset = self.pos;
                    let saved = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    if let Walk::Find(target) = walk {
                        let here = target.get(depth).is_some_and(|t| *t == index.to_string());
                        if here && target.len() == depth + 1 {
                            return Some(Some(element_offset));
                        }
                        if !here {
                            self.value(pointer, &mut Walk::Duplicates(Vec::new()), depth + 1)?;
                            pointer.truncate(saved);
                            continue;
                        }
                    }
                    let nested = self.value(pointer, walk, depth + 1)?;
                    pointer.truncate(saved);
                    if nested.is_some() {
                        return Some(nested);
                    }
                }
            }
            b'"' => {
                self.string()?;
                Some(None)
            }
            _ => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        break;
                    }
                    self.pos += 1;
                }
                Some(None)
            }
        }
    }
}

/// Finds every duplicated object key: (pointer, key, position of the second occurrence).
fn duplicate_keys(text: &str) -> Vec<(String, String, LineColumn)> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        text,
        pos: 0,
    };
    let mut walk = Walk::Duplicates(Vec::new());
    let _ = scanner.value(&mut String::new(), &mut walk, 0);
    match walk {
        Walk::Duplicates(found) => found
            .into_iter()
            .map(|(p, k, offset)| (p, k, line_column(text, offset)))
            .collect(),
        Walk::Find(_) => Vec::new(),
    }
}

/// Finds the byte offset of the member or element that `pointer` names.
fn find_pointer(text: &str, pointer: &str) -> Option<usize> {
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        text,
        pos: 0,
    };
    scanner.skip_ws();
    if segments.is_empty() {
        return Some(scanner.pos);
    }
    let mut walk = Walk::Find(&segments);
    scanner.value(&mut String::new(), &mut walk, 0).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"End\": true},\n    \"B/C\": {\"Type\": [1, {\"x\": 2}]}\n  }\n}";

    #[test]
    fn finds_positions_of_pointers() {
        let cases = [
            ("/", 1, 1),
            ("/StartAt", 2, 3),
            ("/States/A", 4, 5),
            ("/States/A/End", 4, 27),
            ("/States/B~1C/Type/1/x", 5, 26),
        ];
        for (pointer, line, column) in cases {
            let at = find_pointer(TEXT, pointer).map(|o| line_column(TEXT, o));
            assert_eq!(at, Some(LineColumn { line, column }), "{pointer}");
        }
        assert_eq!(find_pointer(TEXT, "/States/Missing"), None);
    }

    #[test]
    fn reports_duplicate_keys_with_pointers() {
        let text = r#"{"a": 1, "b": {"x": 1, "x": 2}, "a": [ {"k\u0041": 1, "kA": 2} ]}"#;
        let found: Vec<(String, String)> = duplicate_keys(text)
            .into_iter()
            .map(|(p, k, _)| (p, k))
            .collect();
        assert_eq!(
            found,
            vec![
                ("/b/x".to_owned(), "x".to_owned()),
                ("/a".to_owned(), "a".to_owned()),
                ("/a/0/kA".to_owned(), "kA".to_owned())
            ]
        );
    }

    #[test]
    fn syntax_errors_carry_positions() {
        let err = SourceDocument::parse("not a definition", SourceFormat::Json).unwrap_err();
        assert_eq!(err.code, DiagnosticCode::InvalidJsonDescription);
        assert_eq!(err.position, Some(LineColumn { line: 1, column: 2 }));
        assert_eq!(
            err.message,
            "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]"
        );
        assert_eq!(
            err.location,
            "[Source: (String)\"not a definition\"; line: 1, column: 4]"
        );
        let err = SourceDocument::parse("  ", SourceFormat::Json).unwrap_err();
        assert_eq!(err.code, DiagnosticCode::MissingDescription);
    }

    #[test]
    fn yaml_is_decoded() {
        let (doc, _) = SourceDocument::parse(
            "StartAt: A\nStates:\n  A: {Type: Pass, End: true}\n",
            SourceFormat::Yaml,
        )
        .unwrap();
        assert_eq!(doc.value["States"]["A"]["Type"], "Pass");
    }
}
