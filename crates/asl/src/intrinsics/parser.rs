//! Parser for intrinsic call text: `States.Name(arg, ...)` with quoted-string, number,
//! boolean, null, JSONPath and nested-call arguments.

use serde_json::{Number, Value};

use super::{
    FormatPiece, IntrinsicArg, IntrinsicCall, IntrinsicError, IntrinsicFunction, MAX_NESTING,
    TemplateBuilder,
};
use crate::path::JsonPath;

const PREFIX: &str = "States.";

/// Parses a whole call text (surrounding whitespace allowed, nothing else).
pub(super) fn parse_call_text(text: &str) -> Result<IntrinsicCall, IntrinsicError> {
    let mut parser = CallParser {
        text,
        chars: text.chars().collect(),
        pos: 0,
    };
    parser.skip_ws();
    let call = parser.parse_call(1)?;
    parser.skip_ws();
    if let Some(c) = parser.peek() {
        return Err(parser.error(format!("unexpected '{c}' after the end of the call")));
    }
    Ok(call)
}

/// Whether `text` follows the JSON number grammar (`-? int frac? exp?`, no leading zeros).
fn is_json_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let int_digits = digits(&mut i);
    if int_digits == 0 || (int_digits > 1 && bytes.get(int_start) == Some(&b'0')) {
        return false;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

struct CallParser<'t> {
    text: &'t str,
    chars: Vec<char>,
    pos: usize,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl CallParser<'_> {
    fn error(&self, message: impl Into<String>) -> IntrinsicError {
        IntrinsicError::Syntax {
            text: self.text.to_string(),
            position: self.pos,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.pos + i) == Some(&c))
    }

    fn slice(&self, start: usize, end: usize) -> String {
        self.chars
            .get(start..end)
            .map(|chars| chars.iter().collect())
            .unwrap_or_default()
    }

    fn parse_call(&mut self, depth: usize) -> Result<IntrinsicCall, IntrinsicError> {
        if depth > MAX_NESTING {
            return Err(IntrinsicError::TooDeep {
                text: self.text.to_string(),
            });
        }
        let start = self.pos;
        if !self.starts_with(PREFIX) {
            return Err(self.error("expected an intrinsic function call starting with 'States.'"));
        }
        self.pos += PREFIX.len();
        let name_start = self.pos;
        while self.peek().is_some_and(is_ident) {
            self.pos += 1;
        }
        if self.pos == name_start {
            return Err(self.error("expected a function name after 'States.'"));
        }
        let name = format!("{PREFIX}{}", self.slice(name_start, self.pos));
        let Some(function) = IntrinsicFunction::from_name(&name) else {
            return Err(IntrinsicError::UnknownFunction {
                text: self.text.to_string(),
                name,
            });
        };
        self.skip_ws();
        if !self.eat('(') {
            return Err(self.error(format!("expected '(' after {name}")));
        }
        self.skip_ws();
        let mut args = Vec::new();
        let mut template = None;
        if !self.eat(')') {
            loop {
                self.skip_ws();
                let (arg, pieces) = self.parse_arg(depth)?;
                if args.is_empty() && function == IntrinsicFunction::Format {
                    template = pieces;
                }
                args.push(arg);
                self.skip_ws();
                if self.eat(',') {
                    continue;
                }
                if self.eat(')') {
                    break;
                }
                return Err(match self.peek() {
                    Some(c) => self.error(format!("expected ',' or ')' but found '{c}'")),
                    None => self.error(format!("unbalanced parentheses: {name}( is never closed")),
                });
            }
        }
        Ok(IntrinsicCall {
            function,
            args,
            text: self.slice(start, self.pos),
            template,
        })
    }

    fn parse_arg(
        &mut self,
        depth: usize,
    ) -> Result<(IntrinsicArg, Option<Vec<FormatPiece>>), IntrinsicError> {
        match self.peek() {
            Some('\'') => {
                let (value, pieces) = self.parse_string()?;
                Ok((IntrinsicArg::Literal(Value::String(value)), Some(pieces)))
            }
            Some('$') => Ok((IntrinsicArg::Path(self.parse_path()?), None)),
            Some(c) if c == '-' || c.is_ascii_digit() => {
                Ok((IntrinsicArg::Literal(self.parse_number()?), None))
            }
            Some(_) if self.starts_with(PREFIX) => Ok((
                IntrinsicArg::Call(Box::new(self.parse_call(depth + 1)?)),
                None,
            )),
            Some(c) if is_ident(c) => {
                let start = self.pos;
                while self.peek().is_some_and(is_ident) {
                    self.pos += 1;
                }
                let word = self.slice(start, self.pos);
                let value = match word.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => {
                        self.pos = start;
                        return Err(self.error(format!(
                            "unexpected '{word}': string literals must be in single quotes"
                        )));
                    }
                };
                Ok((IntrinsicArg::Literal(value), None))
            }
            Some(')') | Some(',') => Err(self.error("expected an argument")),
            Some('"') => Err(self.error("string literals must use single quotes")),
            Some(c) => Err(self.error(format!("unexpected character '{c}'"))),
            None => Err(self.error("unbalanced parentheses: the call is never closed")),
        }
    }

    /// Parses `'...'` allowing only the escapes `\'`, `\{`, `\}` and `\\`; also returns the
    /// text as a `States.Format` template (escaped braces are literal text there).
    fn parse_string(&mut self) -> Result<(String, Vec<FormatPiece>), IntrinsicError> {
        let start = self.pos;
        self.eat('\'');
        let mut value = String::new();
        let mut template = TemplateBuilder::new();
        loop {
            match self.bump() {
                None => {
                    self.pos = start;
                    return Err(self.error("unterminated string literal (unbalanced quotes)"));
                }
                Some('\'') => break,
                Some('\\') => match self.bump() {
                    Some(c @ ('\'' | '{' | '}' | '\\')) => {
                        value.push(c);
                        template.text(c);
                    }
                    Some(c) => {
                        self.pos -= 2;
                        return Err(self.error(format!(
                            "invalid escape sequence '\\{c}': only \\', \\{{, \\}} and \\\\ are allowed"
                        )));
                    }
                    None => {
                        self.pos = start;
                        return Err(self.error("unterminated string literal (unbalanced quotes)"));
                    }
                },
                Some('{') if self.peek() == Some('}') => {
                    self.pos += 1;
                    value.push_str("{}");
                    template.piece(FormatPiece::Placeholder);
                }
                Some(c @ ('{' | '}')) => {
                    value.push(c);
                    template.piece(FormatPiece::Unmatched(c));
                }
                Some(c) => {
                    value.push(c);
                    template.text(c);
                }
            }
        }
        Ok((value, template.finish()))
    }

    fn parse_number(&mut self) -> Result<Value, IntrinsicError> {
        let start = self.pos;
        self.eat('-');
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
        {
            self.pos += 1;
        }
        let text = self.slice(start, self.pos);
        if let Ok(number) = text.parse::<Number>() {
            return Ok(Value::Number(number));
        }
        // AWS accepts literals beyond the double range such as `1e309`; JSON cannot hold an
        // infinity, so they become the largest finite double of their sign.
        if is_json_number(&text)
            && let Ok(big) = text.parse::<f64>()
            && big.is_infinite()
        {
            return Ok(Value::from(f64::MAX.copysign(big)));
        }
        self.pos = start;
        Err(self.error(format!("invalid number '{text}'")))
    }

    /// Takes the extent of a path argument (up to `,`, `)` or whitespace outside
    /// brackets/parentheses) and parses it with the JSONPath parser.
    fn parse_path(&mut self) -> Result<JsonPath, IntrinsicError> {
        let start = self.pos;
        let mut brackets = 0usize;
        let mut parens = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            if let Some(q) = quote {
                if c == '\\' {
                    self.pos += 1;
                } else if c == q {
                    quote = None;
                }
                self.pos += 1;
                continue;
            }
            let top = brackets == 0 && parens == 0;
            match c {
                '\'' | '"' if brackets > 0 => quote = Some(c),
                '\'' | '"' | ',' if top => break,
                '[' => brackets += 1,
                ']' if brackets > 0 => brackets -= 1,
                '(' => parens += 1,
                ')' if parens > 0 => parens -= 1,
                ')' if top => break,
                c if c.is_whitespace() && top => break,
                _ => {}
            }
            self.pos += 1;
        }
        let end = self.pos.min(self.chars.len());
        self.pos = end;
        let text = self.slice(start, end);
        JsonPath::parse(&text).map_err(|source| IntrinsicError::InvalidPath {
            text: self.text.to_string(),
            source,
        })
    }
}
