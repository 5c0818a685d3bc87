//! `States.StringToJson` parsing with the error texts of Jackson's `ObjectMapper.readTree`, which
//! AWS quotes in its cause ("Cannot convert String to Json in States.StringToJson, caused by:
//! …"). The syntax is checked here, over UTF-16 code units as Java counts columns; the value is
//! then built by `serde_json`. Like `readTree`, blank text is `null` and text after the first
//! complete value is ignored.

use serde_json::Value;

/// The location prefix Jackson prints when the source is not included.
const SOURCE: &str = "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)";

/// What Jackson expects where a value is missing.
const VALUE_LIST: &str = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

const QUOTE: u16 = b'"' as u16;
const BACKSLASH: u16 = b'\\' as u16;
const COMMA: u16 = b',' as u16;
const COLON: u16 = b':' as u16;
const OPEN_ARRAY: u16 = b'[' as u16;
const CLOSE_ARRAY: u16 = b']' as u16;
const OPEN_OBJECT: u16 = b'{' as u16;
const CLOSE_OBJECT: u16 = b'}' as u16;
const MINUS: u16 = b'-' as u16;
const NEWLINE: u16 = b'\n' as u16;
const RETURN: u16 = b'\r' as u16;

/// Parses `text` as JSON; the error is Jackson's message with its location line.
pub(super) fn parse(text: &str) -> Result<Value, String> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut scanner = Scanner {
        units: &units,
        pos: 0,
        line: 1,
        row_start: 0,
    };
    let Some((start, end)) = scanner.document().map_err(|e| e.render())? else {
        return Ok(Value::Null);
    };
    let slice = units.get(start..end).unwrap_or_default();
    serde_json::from_str(&String::from_utf16_lossy(slice)).map_err(|e| e.to_string())
}

/// Java's `Character.isJavaIdentifierStart` for a UTF-16 unit (approximated by Unicode
/// letters, `$` and `_`).
fn identifier_start(unit: u16) -> bool {
    char::from_u32(u32::from(unit)).is_some_and(|c| c.is_alphabetic() || c == '$' || c == '_')
}

/// Java's `Character.isJavaIdentifierPart` for a UTF-16 unit (approximated).
fn identifier_part(unit: u16) -> bool {
    identifier_start(unit)
        || char::from_u32(u32::from(unit)).is_some_and(|c| c.is_alphanumeric())
        || matches!(unit, 0..=8 | 0x0E..=0x1B | 0x7F..=0x9F)
}

/// Jackson's `_getCharDesc`.
fn describe(unit: u16) -> String {
    let c = char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER);
    if matches!(unit, 0..=0x1F | 0x7F..=0x9F) {
        format!("(CTRL-CHAR, code {unit})")
    } else if unit > 255 {
        format!("'{c}' (code {unit} / 0x{unit:x})")
    } else {
        format!("'{c}' (code {unit})")
    }
}

fn is_digit(unit: u16) -> bool {
    (u16::from(b'0')..=u16::from(b'9')).contains(&unit)
}

/// A Jackson parse error: message and 1-based line/column.
struct JacksonError {
    message: String,
    line: usize,
    column: usize,
}

impl JacksonError {
    fn render(&self) -> String {
        format!(
            "{}\n at {SOURCE}; line: {}, column: {}]",
            self.message, self.line, self.column
        )
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Container {
    Array,
    Object,
}

impl Container {
    fn name(self) -> &'static str {
        match self {
            Container::Array => "Array",
            Container::Object => "Object",
        }
    }
}

/// An open container and where it started (line, column).
struct Open {
    kind: Container,
    line: usize,
    column: usize,
}

impl Open {
    fn location(&self) -> String {
        format!("{SOURCE}; line: {}, column: {}]", self.line, self.column)
    }
}

struct Scanner<'u> {
    units: &'u [u16],
    pos: usize,
    line: usize,
    row_start: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u16> {
        self.units.get(self.pos).copied()
    }

    /// An error located at the current position (after the last unit read).
    fn error(&self, message: impl Into<String>) -> JacksonError {
        JacksonError {
            message: message.into(),
            line: self.line,
            column: self.pos.saturating_sub(self.row_start) + 1,
        }
    }

    /// "Unexpected character" at the unit just read (Jackson reports it one unit back).
    fn unexpected(&self, unit: u16, comment: &str) -> JacksonError {
        let mut error = self.error(format!(
            "Unexpected character ({}): {comment}",
            describe(unit)
        ));
        error.column = error.column.saturating_sub(1).max(1);
        error
    }

    fn eof(&self, message: &str) -> JacksonError {
        self.error(format!("Unexpected end-of-input{message}"))
    }

    /// Skips white space; returns the next unit (consumed) or `None` at the end.
    fn next_token_start(&mut self) -> Result<Option<u16>, JacksonError> {
        while let Some(unit) = self.peek() {
            self.pos += 1;
            match unit {
                0x20 | 0x09 => {}
                NEWLINE => {
                    self.line += 1;
                    self.row_start = self.pos;
                }
                RETURN => {
                    if self.peek() == Some(NEWLINE) {
                        self.pos += 1;
                    }
                    self.line += 1;
                    self.row_start = self.pos;
                }
                0..=0x1F => {
                    return Err(self.error(format!(
                        "Illegal character ({}): only regular white space (\\r, \\n, \\t) is allowed between tokens",
                        describe(unit)
                    )));
                }
                0x2F => {
                    return Err(self.unexpected(
                        unit,
                        "maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
                    ));
                }
                _ => return Ok(Some(unit)),
            }
        }
        Ok(None)
    }

    /// The first value: `Ok(None)` for blank text, else its unit range.
    fn document(&mut self) -> Result<Option<(usize, usize)>, JacksonError> {
        let Some(first) = self.next_token_start()? else {
            return Ok(None);
        };
        let start = self.pos - 1;
        let mut stack: Vec<Open> = Vec::new();
        // `fresh`: the innermost container was just opened (no comma before its first entry).
        let mut fresh = self.value(first, &mut stack)?;
        while let Some(top) = stack.last() {
            let kind = top.kind;
            let Some(mut unit) = self.next_token_start()? else {
                return Err(self.eof(&format!(
                    ": expected close marker for {} (start marker at {})",
                    kind.name(),
                    top.location()
                )));
            };
            if unit == CLOSE_ARRAY || unit == CLOSE_OBJECT {
                self.close(unit, top)?;
                stack.pop();
                fresh = false;
                continue;
            }
            if !fresh {
                if unit != COMMA {
                    return Err(self.unexpected(
                        unit,
                        &format!("was expecting comma to separate {} entries", kind.name()),
                    ));
                }
                let Some(next) = self.next_token_start()? else {
                    return Err(self.eof(&format!(" within/between {} entries", kind.name())));
                };
                unit = next;
            }
            fresh = match kind {
                Container::Array => self.value(unit, &mut stack)?,
                Container::Object => self.member(unit, &mut stack)?,
            };
        }
        Ok(Some((start, self.pos)))
    }

    /// Checks a closing bracket against the innermost open container.
    fn close(&self, unit: u16, top: &Open) -> Result<(), JacksonError> {
        let expected = match top.kind {
            Container::Array => CLOSE_ARRAY,
            Container::Object => CLOSE_OBJECT,
        };
        if unit == expected {
            return Ok(());
        }
        Err(self.error(format!(
            "Unexpected close marker '{}': expected '{}' (for {} starting at {})",
            char::from_u32(u32::from(unit)).unwrap_or('?'),
            char::from_u32(u32::from(expected)).unwrap_or('?'),
            top.kind.name(),
            top.location()
        )))
    }

    /// An object member starting at `unit` (already read): name, colon and value. Returns
    /// whether the value opened a container.
    fn member(&mut self, unit: u16, stack: &mut Vec<Open>) -> Result<bool, JacksonError> {
        if unit != QUOTE {
            return Err(self.unexpected(unit, "was expecting double-quote to start field name"));
        }
        self.string(true)?;
        match self.next_token_start()? {
            Some(COLON) => {}
            Some(other) => {
                return Err(self.unexpected(
                    other,
                    "was expecting a colon to separate field name and value",
                ));
            }
            None => return Err(self.eof(" within/between Object entries")),
        }
        let Some(next) = self.next_token_start()? else {
            return Err(self.eof(" within/between Object entries"));
        };
        self.value(next, stack)
    }

    /// A value starting at `unit` (already read): scalars are read whole, a container is
    /// pushed on `stack` (returns `true`).
    fn value(&mut self, unit: u16, stack: &mut Vec<Open>) -> Result<bool, JacksonError> {
        match unit {
            QUOTE => self.string(false).map(|()| false),
            OPEN_ARRAY | OPEN_OBJECT => {
                if stack.len() >= 1000 {
                    return Err(self.error(format!(
                        "Document nesting depth ({}) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)",
                        stack.len() + 1
                    )));
                }
                stack.push(Open {
                    kind: if unit == OPEN_ARRAY {
                        Container::Array
                    } else {
                        Container::Object
                    },
                    line: self.line,
                    column: self.pos - self.row_start,
                });
                Ok(true)
            }
            MINUS => self.number(stack.is_empty()).map(|()| false),
            _ if is_digit(unit) => {
                self.pos -= 1;
                self.number(stack.is_empty()).map(|()| false)
            }
            _ if unit == u16::from(b't') => self.keyword("true").map(|()| false),
            _ if unit == u16::from(b'f') => self.keyword("false").map(|()| false),
            _ if unit == u16::from(b'n') => self.keyword("null").map(|()| false),
            _ => Err(self.odd_value(unit, stack.last().map(|open| open.kind))),
        }
    }

    /// Jackson's `_handleOddValue`: what it says about a unit that cannot start a value.
    fn odd_value(&mut self, unit: u16, container: Option<Container>) -> JacksonError {
        let in_array = container == Some(Container::Array);
        if unit == CLOSE_OBJECT || unit == COMMA || (unit == CLOSE_ARRAY && in_array) {
            return self.unexpected(unit, "expected a value");
        }
        if identifier_start(unit) {
            return self.invalid_token(char::from_u32(u32::from(unit)).unwrap_or('?').to_string());
        }
        self.unexpected(unit, &format!("expected a valid value {VALUE_LIST}"))
    }

    /// "Unrecognized token": `matched` plus the identifier characters that follow it.
    fn invalid_token(&mut self, matched: String) -> JacksonError {
        let mut token = matched;
        while let Some(unit) = self.peek() {
            if !identifier_part(unit) {
                break;
            }
            self.pos += 1;
            token.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER));
            if token.chars().count() >= 256 {
                token.push_str("...");
                break;
            }
        }
        self.error(format!(
            "Unrecognized token '{token}': was expecting {VALUE_LIST}"
        ))
    }

    /// `true`, `false` or `null`, whose first letter was read.
    fn keyword(&mut self, word: &str) -> Result<(), JacksonError> {
        for (i, expected) in word.encode_utf16().enumerate().skip(1) {
            if self.peek() != Some(expected) {
                return Err(self.invalid_token(word.chars().take(i).collect()));
            }
            self.pos += 1;
        }
        match self.peek() {
            Some(next) if identifier_part(next) => Err(self.invalid_token(word.to_owned())),
            _ => Ok(()),
        }
    }

    /// A string after its opening quote.
    fn string(&mut self, name: bool) -> Result<(), JacksonError> {
        let eof = if name {
            " in field name"
        } else {
            ": was expecting closing quote for a string value"
        };
        loop {
            let Some(unit) = self.peek() else {
                return Err(self.eof(eof));
            };
            self.pos += 1;
            match unit {
                QUOTE => return Ok(()),
                BACKSLASH => {
                    let Some(escape) = self.peek() else {
                        return Err(self.eof(eof));
                    };
                    self.pos += 1;
                    match char::from_u32(u32::from(escape)) {
                        Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => {}
                        Some('u') => {
                            for _ in 0..4 {
                                let Some(hex) = self.peek() else {
                                    return Err(self.eof(" in character escape sequence"));
                                };
                                self.pos += 1;
                                if !char::from_u32(u32::from(hex))
                                    .is_some_and(|c| c.is_ascii_hexdigit())
                                {
                                    return Err(self.unexpected(
                                        hex,
                                        "expected a hex-digit for character escape sequence",
                                    ));
                                }
                            }
                        }
                        _ => {
                            return Err(self.error(format!(
                                "Unrecognized character escape {}",
                                describe(escape)
                            )));
                        }
                    }
                }
                0..=0x1F => {
                    return Err(self.error(format!(
                        "Illegal unquoted character ({}): has to be escaped using backslash to be included in {}",
                        describe(unit),
                        if name { "name" } else { "string value" }
                    )));
                }
                _ => {}
            }
        }
    }

    /// A number; the minus sign (if any) was read. At the root, it must be followed by white
    /// space or the end.
    fn number(&mut self, root: bool) -> Result<(), JacksonError> {
        let number_char = |scanner: &Self, unit: u16, comment: &str| {
            scanner.error(format!(
                "Unexpected character ({}) in numeric value: {comment}",
                describe(unit)
            ))
        };
        let digits = |scanner: &mut Self| {
            let start = scanner.pos;
            while scanner.peek().is_some_and(is_digit) {
                scanner.pos += 1;
            }
            scanner.pos - start
        };
        let first = self.peek();
        match first {
            Some(unit) if is_digit(unit) => {}
            Some(unit) => {
                self.pos += 1;
                return Err(number_char(
                    self,
                    unit,
                    "expected digit (0-9) to follow minus sign, for valid numeric value",
                ));
            }
            None => return Err(self.eof(" in a Number value")),
        }
        let int_start = self.pos;
        let int_digits = digits(self);
        if int_digits > 1 && self.units.get(int_start) == Some(&u16::from(b'0')) {
            return Err(self.error("Invalid numeric value: Leading zeroes not allowed"));
        }
        if self.peek() == Some(u16::from(b'.')) {
            self.pos += 1;
            if digits(self) == 0 {
                let unit = self.peek().unwrap_or(u16::from(b'.'));
                self.pos = (self.pos + 1).min(self.units.len());
                return Err(number_char(
                    self,
                    unit,
                    "Decimal point not followed by a digit",
                ));
            }
        }
        if let Some(e) = self
            .peek()
            .filter(|u| *u == u16::from(b'e') || *u == u16::from(b'E'))
        {
            self.pos += 1;
            let mut last = e;
            if let Some(sign) = self.peek().filter(|u| *u == u16::from(b'+') || *u == MINUS) {
                self.pos += 1;
                last = sign;
            }
            if digits(self) == 0 {
                let unit = self.peek().unwrap_or(last);
                self.pos = (self.pos + 1).min(self.units.len());
                return Err(number_char(
                    self,
                    unit,
                    "Exponent indicator not followed by a digit",
                ));
            }
        }
        if root
            && let Some(unit) = self.peek()
            && !matches!(unit, 0x20 | 0x09 | NEWLINE | RETURN)
        {
            self.pos += 1;
            return Err(self.unexpected(unit, "Expected space separating root-level values"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn located(message: &str, column: usize) -> String {
        format!("{message}\n at {SOURCE}; line: 1, column: {column}]")
    }

    #[test]
    fn values_parse() {
        let cases = [
            ("{\"a\":1}", json!({"a": 1})),
            (" {\"a\":1} ", json!({"a": 1})),
            (
                "[1, 2.5, -3e2, true, false, null, \"x\\n\\u0041\"]",
                json!([1, 2.5, -300.0, true, false, null, "x\nA"]),
            ),
            ("\"hello\"", json!("hello")),
            ("123", json!(123)),
            ("", Value::Null),
            ("  \n", Value::Null),
            ("{} trailing", json!({})),
            ("[[], {}, {\"k\": [{}]}]", json!([[], {}, {"k": [{}]}])),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    /// The first three messages were recorded on AWS; the rest follow Jackson's wording.
    #[test]
    fn errors_are_worded_like_jackson() {
        let cases = [
            (
                "{bad json}",
                located(
                    "Unexpected character ('b' (code 98)): was expecting double-quote to start field name",
                    2,
                ),
            ),
            (
                "{\"a\":1",
                located(
                    &format!(
                        "Unexpected end-of-input: expected close marker for Object (start marker at {SOURCE}; line: 1, column: 1])"
                    ),
                    7,
                ),
            ),
            (
                "undefined",
                located(
                    "Unrecognized token 'undefined': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                    10,
                ),
            ),
            (
                "[1 2]",
                located(
                    "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries",
                    4,
                ),
            ),
            (
                "{\"a\" 1}",
                located(
                    "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value",
                    6,
                ),
            ),
            (
                "[1,]",
                located("Unexpected character (']' (code 93)): expected a value", 4),
            ),
            (
                "<html>",
                located(
                    "Unexpected character ('<' (code 60)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                    1,
                ),
            ),
            (
                "tru",
                located(
                    "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                    4,
                ),
            ),
            (
                "\"abc",
                located(
                    "Unexpected end-of-input: was expecting closing quote for a string value",
                    5,
                ),
            ),
            (
                "01",
                located("Invalid numeric value: Leading zeroes not allowed", 3),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), Err(expected), "{text}");
        }
        let deep = "[".repeat(1001);
        assert!(
            parse(&deep).is_err_and(|e| e.starts_with("Document nesting depth (1001)")),
            "deep"
        );
    }
}
