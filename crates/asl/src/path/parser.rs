//! Recursive-descent parser turning JSONPath text into a [`JsonPath`] (depth-limited).

use super::{JsonPath, MAX_DEPTH, PathError, PathFunction, PathRoot, Segment, Selector};

/// Where a path is being parsed: top level, or inside a filter (more characters end a name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameContext {
    /// A whole path: a dot-name runs until `.`, `[`, `(` or whitespace.
    TopLevel,
    /// A path inside `[?( ... )]`: operators, `)`, `,`, `]`, `&`, `|` also end a name.
    Filter,
}

/// Cursor over the characters of a path being parsed.
pub(super) struct Parser<'t> {
    text: &'t str,
    chars: Vec<char>,
    pub(super) pos: usize,
    depth: usize,
}

/// Parses a complete path (see [`JsonPath::parse`]).
pub(super) fn parse_path(text: &str) -> Result<JsonPath, PathError> {
    let mut parser = Parser::new(text);
    let root = parser.parse_root()?;
    let segments = parser.parse_segments(NameContext::TopLevel)?;
    parser.skip_ws();
    if let Some(c) = parser.peek() {
        return Err(parser.error(format!("unexpected character '{c}'")));
    }
    Ok(JsonPath {
        text: text.to_string(),
        root,
        segments,
    })
}

impl<'t> Parser<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Parser {
            text,
            chars: text.chars().collect(),
            pos: 0,
            depth: 0,
        }
    }

    pub(super) fn error(&self, message: impl Into<String>) -> PathError {
        PathError::Syntax {
            path: self.text.to_string(),
            position: self.pos,
            message: message.into(),
        }
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos.saturating_add(offset)).copied()
    }

    pub(super) fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    pub(super) fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn expect(&mut self, expected: char) -> Result<(), PathError> {
        if self.eat(expected) {
            Ok(())
        } else {
            match self.peek() {
                Some(c) => Err(self.error(format!("expected '{expected}' but found '{c}'"))),
                None => Err(self.error(format!("expected '{expected}' but the path ended"))),
            }
        }
    }

    /// Whether the remaining text starts with `s`.
    pub(super) fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(offset, c)| self.peek_at(offset) == Some(c))
    }

    pub(super) fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// The source text between two character offsets.
    pub(super) fn slice(&self, start: usize, end: usize) -> String {
        self.chars
            .get(start..end)
            .map(|chars| chars.iter().collect())
            .unwrap_or_default()
    }

    /// Enters one nesting level, failing beyond [`MAX_DEPTH`].
    pub(super) fn enter(&mut self) -> Result<(), PathError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(PathError::TooDeep {
                path: self.text.to_string(),
            });
        }
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn parse_root(&mut self) -> Result<PathRoot, PathError> {
        if !self.eat('$') {
            return Err(self.error("a path must start with '$'"));
        }
        if self.eat('$') {
            return Ok(PathRoot::Context);
        }
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.pos += 1;
                }
                Ok(PathRoot::Variable(self.slice(start, self.pos)))
            }
            _ => Ok(PathRoot::Input),
        }
    }

    /// Parses segments until something that cannot continue a path.
    pub(super) fn parse_segments(
        &mut self,
        context: NameContext,
    ) -> Result<Vec<Segment>, PathError> {
        let mut segments = Vec::new();
        loop {
            if matches!(segments.last(), Some(Segment::Function(_)))
                && matches!(self.peek(), Some('.' | '['))
            {
                return Err(self.error("a path function must be the last segment"));
            }
            let segment = match self.peek() {
                Some('.') if self.peek_at(1) == Some('.') => {
                    self.pos += 2;
                    Segment::Descendant(self.parse_after_scan(context)?)
                }
                Some('.') => {
                    self.pos += 1;
                    match self.peek() {
                        Some('*') => {
                            self.pos += 1;
                            Segment::Child(Selector::Wildcard)
                        }
                        Some('[') => Segment::Child(self.parse_bracket()?),
                        None => return Err(self.error("a path must not end with '.'")),
                        Some(_) => self.parse_name_or_function(context)?,
                    }
                }
                Some('[') => Segment::Child(self.parse_bracket()?),
                _ => break,
            };
            segments.push(segment);
        }
        Ok(segments)
    }

    fn is_name_end(c: char, context: NameContext) -> bool {
        match c {
            '.' | '[' | '(' => true,
            c if c.is_whitespace() => true,
            '<' | '>' | '=' | '~' | '!' | ')' | ']' | ',' | '&' | '|' => {
                context == NameContext::Filter
            }
            _ => false,
        }
    }

    fn read_name(&mut self, context: NameContext) -> Result<String, PathError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| !Self::is_name_end(c, context)) {
            self.pos += 1;
        }
        if self.pos == start {
            return match self.peek() {
                Some(c) => Err(self.error(format!("unexpected character '{c}' after '.'"))),
                None => Err(self.error("a path must not end with '.'")),
            };
        }
        Ok(self.slice(start, self.pos))
    }

    fn parse_name_or_function(&mut self, context: NameContext) -> Result<Segment, PathError> {
        let start = self.pos;
        let name = self.read_name(context)?;
        if self.peek() != Some('(') {
            return Ok(Segment::Child(Selector::Name(name)));
        }
        let Some(function) = PathFunction::from_name(&name) else {
            self.pos = start;
            return Err(self.error(format!("unknown path function '{name}()'")));
        };
        self.pos += 1;
        self.skip_ws();
        if !self.eat(')') {
            return Err(self.error(format!("path function '{name}()' does not take parameters")));
        }
        Ok(Segment::Function(function))
    }

    fn parse_after_scan(&mut self, context: NameContext) -> Result<Selector, PathError> {
        match self.peek() {
            Some('*') => {
                self.pos += 1;
                Ok(Selector::Wildcard)
            }
            Some('[') => self.parse_bracket(),
            Some('.') => Err(self.error("unexpected '.' after '..'")),
            None => Err(self.error("a path must not end with '..'")),
            Some(_) => {
                let name = self.read_name(context)?;
                if self.peek() == Some('(') {
                    return Err(self.error("a path function cannot follow '..'"));
                }
                Ok(Selector::Name(name))
            }
        }
    }

    fn parse_bracket(&mut self) -> Result<Selector, PathError> {
        self.expect('[')?;
        self.skip_ws();
        let selector = match self.peek() {
            Some(quote @ ('\'' | '"')) => {
                let mut names = vec![self.parse_quoted(quote)?];
                self.skip_ws();
                while self.eat(',') {
                    self.skip_ws();
                    match self.peek() {
                        Some(quote @ ('\'' | '"')) => names.push(self.parse_quoted(quote)?),
                        _ => return Err(self.error("expected a quoted name after ','")),
                    }
                    self.skip_ws();
                }
                if names.len() == 1 {
                    Selector::Name(names.swap_remove(0))
                } else {
                    Selector::Names(names)
                }
            }
            Some('*') => {
                self.pos += 1;
                self.skip_ws();
                Selector::Wildcard
            }
            Some('?') => {
                self.pos += 1;
                self.skip_ws();
                let filter = self.parse_filter()?;
                self.skip_ws();
                Selector::Filter(Box::new(filter))
            }
            Some('(') => self.parse_script()?,
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.parse_indexes()?,
            Some(c) => return Err(self.error(format!("unexpected character '{c}' after '['"))),
            None => return Err(self.error("unterminated '['")),
        };
        self.expect(']')?;
        Ok(selector)
    }

    /// `[(expression)]`: a script expression (Goessner's syntax). Accepted so definitions that
    /// use it validate as they do elsewhere; it selects nothing at run time.
    fn parse_script(&mut self) -> Result<Selector, PathError> {
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(c) = self.bump() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        let script: String = self
                            .chars
                            .get(start..self.pos)
                            .unwrap_or_default()
                            .iter()
                            .collect();
                        return Ok(Selector::Script(script));
                    }
                }
                _ => {}
            }
        }
        Err(self.error("unterminated script expression"))
    }

    fn parse_indexes(&mut self) -> Result<Selector, PathError> {
        let first = self.parse_optional_int()?;
        self.skip_ws();
        if self.eat(':') {
            self.skip_ws();
            let end = self.parse_optional_int()?;
            self.skip_ws();
            if self.peek() == Some(':') {
                return Err(self.error("array slice steps are not supported"));
            }
            return Ok(Selector::Slice { start: first, end });
        }
        let Some(first) = first else {
            return Err(self.error("expected an array index"));
        };
        let mut indexes = vec![first];
        while self.eat(',') {
            self.skip_ws();
            match self.parse_optional_int()? {
                Some(index) => indexes.push(index),
                None => return Err(self.error("expected an array index after ','")),
            }
            self.skip_ws();
        }
        if indexes.len() == 1 {
            Ok(Selector::Index(first))
        } else {
            Ok(Selector::Indexes(indexes))
        }
    }

    fn parse_optional_int(&mut self) -> Result<Option<i64>, PathError> {
        let start = self.pos;
        let negative = self.eat('-');
        let mut value: i64 = 0;
        let mut digits = 0usize;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_sub(i64::from(d)))
                .ok_or_else(|| self.error("array index out of range"))?;
            digits += 1;
            self.pos += 1;
        }
        if digits == 0 {
            if negative {
                self.pos = start;
                return Err(self.error("expected digits after '-'"));
            }
            return Ok(None);
        }
        if negative {
            Ok(Some(value))
        } else {
            value
                .checked_neg()
                .map(Some)
                .ok_or_else(|| self.error("array index out of range"))
        }
    }

    /// Parses a `'...'` or `"..."` string with JSON-style backslash escapes.
    pub(super) fn parse_quoted(&mut self, quote: char) -> Result<String, PathError> {
        self.expect(quote)?;
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated quoted string")),
                Some(c) if c == quote => return Ok(out),
                Some('\\') => {
                    let escaped = match self.bump() {
                        Some(c @ ('\'' | '"' | '\\' | '/')) => c,
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('u') => self.parse_unicode_escape()?,
                        Some(c) => return Err(self.error(format!("invalid escape '\\{c}'"))),
                        None => return Err(self.error("unterminated quoted string")),
                    };
                    out.push(escaped);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn parse_hex4(&mut self) -> Result<u32, PathError> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = self
                .bump()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    fn parse_unicode_escape(&mut self) -> Result<char, PathError> {
        let high = self.parse_hex4()?;
        if (0xD800..0xDC00).contains(&high) {
            if !(self.eat('\\') && self.eat('u')) {
                return Err(self.error("unpaired surrogate in \\u escape"));
            }
            let low = self.parse_hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.error("unpaired surrogate in \\u escape"));
            }
            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            return char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"));
        }
        char::from_u32(high).ok_or_else(|| self.error("invalid \\u escape"))
    }
}
