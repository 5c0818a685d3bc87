//! Jayway filter predicates (`[?( ... )]`): their syntax tree, parser and evaluation.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::eval::{Selection, select_segments};
use super::parser::{NameContext, Parser};
use super::regex::Regex;
use super::{PathError, Segment};

/// A parsed `[?( ... )]` predicate together with its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The predicate.
    pub expr: FilterExpr,
    source: String,
}

impl Filter {
    /// The predicate text between `[?(` and `)]`, as written.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// A boolean expression inside a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterExpr {
    /// `a || b || ...` (at least two operands).
    Or(Vec<FilterExpr>),
    /// `a && b && ...` (at least two operands).
    And(Vec<FilterExpr>),
    /// `!a`.
    Not(Box<FilterExpr>),
    /// `@.isbn`: true when the path finds something.
    Exists(FilterPath),
    /// `left op right`.
    Compare {
        /// Left operand.
        left: Operand,
        /// The operator.
        op: CompareOp,
        /// Right operand.
        right: Operand,
    },
}

/// Where a path inside a filter starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathOrigin {
    /// `@`: the node being tested.
    Current,
    /// `$`: the document the whole path is evaluated against.
    Root,
}

/// A path used inside a filter (`@.price`, `$.limit`).
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPath {
    /// Where the path starts.
    pub origin: PathOrigin,
    /// Its segments.
    pub segments: Vec<Segment>,
}

/// One side of a filter comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A path evaluated against `@` or `$`.
    Path(FilterPath),
    /// A literal: number, string, boolean, null, array or object.
    Literal(Value),
    /// A `/pattern/flags` regular expression (only meaningful with `=~`).
    Regex(Box<Regex>),
}

/// Comparison operators supported in filters (Jayway's set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `==` (numbers compare numerically; a numeric string equals the number).
    Eq,
    /// `!=`.
    Ne,
    /// `===`: equal and of the same JSON type.
    StrictEq,
    /// `!==`.
    StrictNe,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `=~`: full match against a regular expression.
    Regex,
    /// `in`: left is one of the right array's elements.
    In,
    /// `nin`: left is none of the right array's elements.
    Nin,
    /// `subsetof`: every element of the left array is in the right array.
    SubsetOf,
    /// `anyof`: some element of the left array is in the right array.
    AnyOf,
    /// `noneof`: no element of the left array is in the right array.
    NoneOf,
    /// `contains`: left array has right as element, or left string contains right string.
    Contains,
    /// `all`: left array contains every element of the right array.
    All,
    /// `size`: left array/string length equals right number.
    Size,
    /// `empty`: left array/string/object emptiness equals right boolean.
    Empty,
    /// `exists`: left path existence equals right boolean.
    Exists,
}

impl CompareOp {
    /// The operator as written in a filter.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::StrictEq => "===",
            Self::StrictNe => "!==",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Regex => "=~",
            Self::In => "in",
            Self::Nin => "nin",
            Self::SubsetOf => "subsetof",
            Self::AnyOf => "anyof",
            Self::NoneOf => "noneof",
            Self::Contains => "contains",
            Self::All => "all",
            Self::Size => "size",
            Self::Empty => "empty",
            Self::Exists => "exists",
        }
    }
}

const SYMBOL_OPS: [(&str, CompareOp); 9] = [
    ("===", CompareOp::StrictEq),
    ("!==", CompareOp::StrictNe),
    ("==", CompareOp::Eq),
    ("!=", CompareOp::Ne),
    ("<=", CompareOp::Le),
    (">=", CompareOp::Ge),
    ("=~", CompareOp::Regex),
    ("<", CompareOp::Lt),
    (">", CompareOp::Gt),
];

const WORD_OPS: [(&str, CompareOp); 10] = [
    ("subsetof", CompareOp::SubsetOf),
    ("anyof", CompareOp::AnyOf),
    ("noneof", CompareOp::NoneOf),
    ("nin", CompareOp::Nin),
    ("in", CompareOp::In),
    ("contains", CompareOp::Contains),
    ("all", CompareOp::All),
    ("size", CompareOp::Size),
    ("empty", CompareOp::Empty),
    ("exists", CompareOp::Exists),
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl Parser<'_> {
    /// Parses `( expr )` after `[?`.
    pub(super) fn parse_filter(&mut self) -> Result<Filter, PathError> {
        self.expect('(')?;
        let start = self.pos;
        self.enter()?;
        let expr = self.parse_or()?;
        self.leave();
        self.skip_ws();
        let end = self.pos;
        self.expect(')')?;
        Ok(Filter {
            expr,
            source: self.slice(start, end).trim().to_string(),
        })
    }

    fn parse_or(&mut self) -> Result<FilterExpr, PathError> {
        let mut operands = vec![self.parse_and()?];
        loop {
            self.skip_ws();
            if !self.starts_with("||") {
                break;
            }
            self.pos += 2;
            operands.push(self.parse_and()?);
        }
        Ok(if operands.len() == 1 {
            operands.swap_remove(0)
        } else {
            FilterExpr::Or(operands)
        })
    }

    fn parse_and(&mut self) -> Result<FilterExpr, PathError> {
        let mut operands = vec![self.parse_unary()?];
        loop {
            self.skip_ws();
            if !self.starts_with("&&") {
                break;
            }
            self.pos += 2;
            operands.push(self.parse_unary()?);
        }
        Ok(if operands.len() == 1 {
            operands.swap_remove(0)
        } else {
            FilterExpr::And(operands)
        })
    }

    fn parse_unary(&mut self) -> Result<FilterExpr, PathError> {
        self.skip_ws();
        if self.peek() == Some('!') && self.peek_at(1) != Some('=') {
            self.pos += 1;
            self.enter()?;
            let inner = self.parse_unary()?;
            self.leave();
            return Ok(FilterExpr::Not(Box::new(inner)));
        }
        if self.peek() == Some('(') {
            self.pos += 1;
            self.enter()?;
            let inner = self.parse_or()?;
            self.leave();
            self.skip_ws();
            self.expect(')')?;
            return Ok(inner);
        }
        self.parse_comparison()
    }

    fn parse_comparison(&mut self) -> Result<FilterExpr, PathError> {
        let left_pos = self.pos;
        let left = self.parse_operand()?;
        self.skip_ws();
        let Some(op) = self.parse_operator() else {
            return match left {
                Operand::Path(path) => Ok(FilterExpr::Exists(path)),
                _ => {
                    self.pos = left_pos;
                    Err(self.error("expected a path or a comparison in the filter"))
                }
            };
        };
        self.skip_ws();
        let right = self.parse_operand()?;
        Ok(FilterExpr::Compare { left, op, right })
    }

    fn parse_operator(&mut self) -> Option<CompareOp> {
        for (symbol, op) in SYMBOL_OPS {
            if self.starts_with(symbol) {
                self.pos += symbol.chars().count();
                return Some(op);
            }
        }
        for (word, op) in WORD_OPS {
            let len = word.chars().count();
            if self.starts_with(word) && !self.peek_at(len).is_some_and(is_word_char) {
                self.pos += len;
                return Some(op);
            }
        }
        None
    }

    fn parse_operand(&mut self) -> Result<Operand, PathError> {
        match self.peek() {
            Some(origin @ ('@' | '$')) => {
                self.pos += 1;
                if origin == '$' && self.peek().is_some_and(|c| c == '$' || is_word_char(c)) {
                    return Err(self.error("only '@' and '$' paths are allowed in filters"));
                }
                let segments = self.parse_segments(NameContext::Filter)?;
                Ok(Operand::Path(FilterPath {
                    origin: if origin == '@' {
                        PathOrigin::Current
                    } else {
                        PathOrigin::Root
                    },
                    segments,
                }))
            }
            Some('/') => self.parse_regex_literal(),
            Some(_) => Ok(Operand::Literal(self.parse_literal()?)),
            None => Err(self.error("the filter ended where an operand was expected")),
        }
    }

    fn parse_regex_literal(&mut self) -> Result<Operand, PathError> {
        let start = self.pos;
        self.expect('/')?;
        let mut pattern = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated regular expression")),
                Some('/') => break,
                Some('\\') => match self.bump() {
                    Some('/') => pattern.push('/'),
                    Some(c) => {
                        pattern.push('\\');
                        pattern.push(c);
                    }
                    None => return Err(self.error("unterminated regular expression")),
                },
                Some(c) => pattern.push(c),
            }
        }
        let mut flags = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_alphabetic) {
            flags.push(c);
            self.pos += 1;
        }
        Regex::new(&pattern, &flags)
            .map(|regex| Operand::Regex(Box::new(regex)))
            .map_err(|message| {
                self.pos = start;
                self.error(format!("invalid regular expression: {message}"))
            })
    }

    /// Parses a literal: number, quoted string, `true`/`false`/`null`, array or object.
    fn parse_literal(&mut self) -> Result<Value, PathError> {
        self.skip_ws();
        match self.peek() {
            Some(quote @ ('\'' | '"')) => Ok(Value::String(self.parse_quoted(quote)?)),
            Some(c) if c == '-' || c.is_ascii_digit() => self.parse_number(),
            Some('[') => {
                self.pos += 1;
                self.enter()?;
                let mut items = Vec::new();
                self.skip_ws();
                if !self.eat(']') {
                    loop {
                        items.push(self.parse_literal()?);
                        self.skip_ws();
                        if self.eat(']') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                self.leave();
                Ok(Value::Array(items))
            }
            Some('{') => {
                self.pos += 1;
                self.enter()?;
                let mut map = Map::new();
                self.skip_ws();
                if !self.eat('}') {
                    loop {
                        self.skip_ws();
                        let key = match self.peek() {
                            Some(quote @ ('\'' | '"')) => self.parse_quoted(quote)?,
                            _ => return Err(self.error("expected a quoted object key")),
                        };
                        self.skip_ws();
                        self.expect(':')?;
                        let value = self.parse_literal()?;
                        map.insert(key, value);
                        self.skip_ws();
                        if self.eat('}') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                self.leave();
                Ok(Value::Object(map))
            }
            Some(c) if c.is_alphabetic() => {
                let start = self.pos;
                while self.peek().is_some_and(is_word_char) {
                    self.pos += 1;
                }
                match self.slice(start, self.pos).as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "null" => Ok(Value::Null),
                    word => {
                        self.pos = start;
                        Err(self.error(format!("unexpected word '{word}' in filter")))
                    }
                }
            }
            Some(c) => Err(self.error(format!("unexpected character '{c}' in filter"))),
            None => Err(self.error("the filter ended where a value was expected")),
        }
    }

    fn parse_number(&mut self) -> Result<Value, PathError> {
        let start = self.pos;
        self.eat('-');
        let digits_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits_start {
            return Err(self.error("expected digits in number"));
        }
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            } else {
                self.pos = save;
            }
        }
        let text = self.slice(start, self.pos);
        text.parse::<Number>().map(Value::Number).map_err(|_| {
            self.pos = start;
            self.error(format!("invalid number '{text}'"))
        })
    }
}

/// An evaluated operand.
enum Val<'a> {
    /// The path found nothing.
    Undefined,
    /// A JSON value (borrowed from the document or the filter, or computed).
    Json(std::borrow::Cow<'a, Value>),
    /// A regular expression literal.
    Pattern(&'a Regex),
}

impl Val<'_> {
    fn json(&self) -> Option<&Value> {
        match self {
            Val::Json(value) => Some(value.as_ref()),
            _ => None,
        }
    }
}

/// Evaluates a filter path against `@` (current) or `$` (root); errors mean "not found".
fn eval_path<'a>(path: &FilterPath, current: &'a Value, root: &'a Value) -> Val<'a> {
    let start = match path.origin {
        PathOrigin::Current => current,
        PathOrigin::Root => root,
    };
    match select_segments("@", &path.segments, start, root) {
        Ok(Selection::One(value)) => Val::Json(std::borrow::Cow::Borrowed(value)),
        Ok(Selection::Computed(value)) => Val::Json(std::borrow::Cow::Owned(value)),
        Ok(many @ Selection::Many(_)) => Val::Json(std::borrow::Cow::Owned(many.into_value())),
        Err(_) => Val::Undefined,
    }
}

fn eval_operand<'a>(operand: &'a Operand, current: &'a Value, root: &'a Value) -> Val<'a> {
    match operand {
        Operand::Path(path) => eval_path(path, current, root),
        Operand::Literal(value) => Val::Json(std::borrow::Cow::Borrowed(value)),
        Operand::Regex(regex) => Val::Pattern(regex),
    }
}

/// Whether `current` satisfies the predicate (`root` is the `$` document).
pub(super) fn matches(expr: &FilterExpr, current: &Value, root: &Value) -> bool {
    match expr {
        FilterExpr::Or(operands) => operands.iter().any(|e| matches(e, current, root)),
        FilterExpr::And(operands) => operands.iter().all(|e| matches(e, current, root)),
        FilterExpr::Not(inner) => !matches(inner, current, root),
        FilterExpr::Exists(path) => exists(path, current, root),
        FilterExpr::Compare { left, op, right } => {
            if *op == CompareOp::Exists {
                let defined = match left {
                    Operand::Path(path) => exists(path, current, root),
                    _ => true,
                };
                return match right {
                    Operand::Literal(Value::Bool(expected)) => defined == *expected,
                    _ => false,
                };
            }
            let l = eval_operand(left, current, root);
            let r = eval_operand(right, current, root);
            compare(*op, &l, &r)
        }
    }
}

fn exists(path: &FilterPath, current: &Value, root: &Value) -> bool {
    match eval_path(path, current, root) {
        Val::Undefined => false,
        Val::Json(value) => {
            if super::segments_definite(&path.segments) {
                true
            } else {
                value.as_array().is_none_or(|items| !items.is_empty())
            }
        }
        Val::Pattern(_) => true,
    }
}

/// Orders two JSON numbers (exactly for integers, via `f64` otherwise).
pub(crate) fn number_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// Jayway's loose equality: numbers numerically, a numeric string equals its number.
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y) == Some(Ordering::Equal),
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            match (s.trim().parse::<f64>(), n.as_f64()) {
                (Ok(x), Some(y)) => x == y,
                _ => false,
            }
        }
        _ => a == b,
    }
}

fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y) == Some(Ordering::Equal),
        (Value::Number(_), _) | (_, Value::Number(_)) => false,
        _ => a == b,
    }
}

fn contains_loose(items: &[Value], needle: &Value) -> bool {
    items.iter().any(|item| loose_eq(item, needle))
}

fn regex_input(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn length_of(value: &Value) -> Option<usize> {
    match value {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(items) => Some(items.len()),
        _ => None,
    }
}

fn compare(op: CompareOp, left: &Val<'_>, right: &Val<'_>) -> bool {
    if op == CompareOp::Regex {
        return match (left, right) {
            (Val::Pattern(regex), other) | (other, Val::Pattern(regex)) => other
                .json()
                .and_then(regex_input)
                .is_some_and(|input| regex.is_full_match(&input)),
            _ => false,
        };
    }
    if op == CompareOp::Ne {
        return !compare(CompareOp::Eq, left, right);
    }
    if op == CompareOp::StrictNe {
        return !compare(CompareOp::StrictEq, left, right);
    }
    if op == CompareOp::Nin {
        return !compare(CompareOp::In, left, right);
    }
    let (Some(l), Some(r)) = (left.json(), right.json()) else {
        return false;
    };
    match op {
        CompareOp::Eq => loose_eq(l, r),
        CompareOp::StrictEq => strict_eq(l, r),
        CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
            let ordering = match (l, r) {
                (Value::Number(x), Value::Number(y)) => number_cmp(x, y),
                (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                _ => None,
            };
            ordering.is_some_and(|ordering| match op {
                CompareOp::Lt => ordering == Ordering::Less,
                CompareOp::Le => ordering != Ordering::Greater,
                CompareOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            })
        }
        CompareOp::In => r.as_array().is_some_and(|items| contains_loose(items, l)),
        CompareOp::Contains => match (l, r) {
            (Value::Array(items), needle) => contains_loose(items, needle),
            (Value::String(haystack), Value::String(needle)) => haystack.contains(needle.as_str()),
            _ => false,
        },
        CompareOp::All => match (l, r) {
            (Value::Array(items), Value::Array(needles)) => {
                needles.iter().all(|needle| contains_loose(items, needle))
            }
            _ => false,
        },
        CompareOp::SubsetOf => match (l, r) {
            (Value::Array(items), Value::Array(set)) => {
                items.iter().all(|item| contains_loose(set, item))
            }
            _ => false,
        },
        CompareOp::AnyOf => match (l, r) {
            (Value::Array(items), Value::Array(set)) => {
                items.iter().any(|item| contains_loose(set, item))
            }
            _ => false,
        },
        CompareOp::NoneOf => match (l, r) {
            (Value::Array(items), Value::Array(set)) => {
                !items.iter().any(|item| contains_loose(set, item))
            }
            _ => false,
        },
        CompareOp::Size => match (length_of(l), r.as_u64()) {
            (Some(len), Some(expected)) => u64::try_from(len).is_ok_and(|len| len == expected),
            _ => false,
        },
        CompareOp::Empty => {
            let empty = match l {
                Value::Object(map) => Some(map.is_empty()),
                other => length_of(other).map(|len| len == 0),
            };
            match (empty, r) {
                (Some(empty), Value::Bool(expected)) => empty == *expected,
                _ => false,
            }
        }
        // Handled above.
        CompareOp::Ne
        | CompareOp::StrictNe
        | CompareOp::Nin
        | CompareOp::Regex
        | CompareOp::Exists => false,
    }
}
