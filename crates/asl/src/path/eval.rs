//! Read evaluation of a [`JsonPath`] against a document, following Jayway semantics:
//! definite paths yield one node or "not found"; indefinite paths yield all matches.

use serde_json::{Map, Value};

use super::filter::matches;
use super::{JsonPath, MAX_MATCHES, PathError, PathFunction, Segment, Selector};

/// Budget of nodes a deep scan may visit, per evaluation.
const MAX_VISITS: usize = 10 * MAX_MATCHES;

/// The result of reading a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection<'a> {
    /// A definite path found this node of the document.
    One(&'a Value),
    /// The path computed a value (trailing function, `['a','b']` merge).
    Computed(Value),
    /// An indefinite path matched these nodes, in document order (possibly none).
    Many(Vec<&'a Value>),
}

impl Selection<'_> {
    /// Converts into an owned value (`Many` becomes a JSON array).
    pub fn into_value(self) -> Value {
        match self {
            Selection::One(value) => value.clone(),
            Selection::Computed(value) => value,
            Selection::Many(values) => Value::Array(values.into_iter().cloned().collect()),
        }
    }

    /// Whether this is the result of an indefinite path (a list of matches).
    pub fn is_many(&self) -> bool {
        matches!(self, Selection::Many(_))
    }
}

impl JsonPath {
    /// Reads the path against `root`, whatever the root kind: the caller passes the state
    /// input for `$`, the context object for `$$`, or the variable's value for `$name`.
    pub fn select_in<'a>(&self, root: &'a Value) -> Result<Selection<'a>, PathError> {
        select_segments(&self.text, &self.segments, root, root)
    }

    /// Reads the path and returns an owned value (indefinite paths give an array).
    pub fn evaluate(&self, root: &Value) -> Result<Value, PathError> {
        self.select_in(root).map(Selection::into_value)
    }

    /// Borrowed read for definite paths that point at an existing node (no cloning).
    pub fn get<'a>(&self, root: &'a Value) -> Result<&'a Value, PathError> {
        match self.select_in(root)? {
            Selection::One(value) => Ok(value),
            _ => Err(PathError::Function {
                path: self.text.clone(),
                message: "the path does not identify a single existing node".to_string(),
            }),
        }
    }
}

/// A JSON value's type name as JSONPath and JSONata messages use it (`null`, `boolean`, …).
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Resolves a possibly negative array index against a length (negative counts from the end).
pub fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let effective = if index < 0 {
        len.checked_add(index)?
    } else {
        index
    };
    if (0..len).contains(&effective) {
        usize::try_from(effective).ok()
    } else {
        None
    }
}

fn not_found(text: &str, detail: String) -> PathError {
    PathError::NotFound {
        path: text.to_string(),
        detail,
    }
}

fn push_name(trail: &mut String, name: &str) {
    trail.push_str("['");
    trail.push_str(name);
    trail.push_str("']");
}

/// Walks the leading name/index segments. `Ok(None)` means an index was out of range
/// (Jayway ignores that silently); a missing property or a type mismatch is an error.
fn walk_definite<'a>(
    text: &str,
    segments: &[Segment],
    start: &'a Value,
    leaf_is_last: bool,
) -> Result<Option<&'a Value>, PathError> {
    let mut node = start;
    let mut trail = String::from("$");
    for (i, segment) in segments.iter().enumerate() {
        let is_leaf = leaf_is_last && i + 1 == segments.len();
        match segment {
            Segment::Child(Selector::Name(name)) => {
                let Value::Object(map) = node else {
                    return Err(not_found(
                        text,
                        format!(
                            "Expected to find an object with property ['{name}'] in path {trail} but found '{}'",
                            type_name(node)
                        ),
                    ));
                };
                push_name(&mut trail, name);
                match map.get(name) {
                    Some(value) => node = value,
                    None if is_leaf => {
                        return Err(not_found(text, format!("No results for path: {trail}")));
                    }
                    None => {
                        return Err(not_found(text, format!("Missing property in path {trail}")));
                    }
                }
            }
            Segment::Child(Selector::Index(index)) => {
                let Value::Array(items) = node else {
                    return Err(not_found(
                        text,
                        format!(
                            "Filter: [{index}] can only be applied to arrays. Current context at {trail} is '{}'",
                            type_name(node)
                        ),
                    ));
                };
                trail.push_str(&format!("[{index}]"));
                match resolve_index(*index, items.len()).and_then(|k| items.get(k)) {
                    Some(value) => node = value,
                    None => return Ok(None),
                }
            }
            _ => {
                return Err(PathError::Function {
                    path: text.to_string(),
                    message: "internal error: indefinite segment in definite walk".to_string(),
                });
            }
        }
    }
    Ok(Some(node))
}

/// Evaluates `segments` starting at `start`; `$` inside filters refers to `root`.
pub(super) fn select_segments<'a>(
    text: &str,
    segments: &[Segment],
    start: &'a Value,
    root: &'a Value,
) -> Result<Selection<'a>, PathError> {
    let (body, function) = match segments.split_last() {
        Some((Segment::Function(function), rest)) => (rest, Some(*function)),
        _ => (segments, None),
    };
    let (body, merge) = match (function, body.split_last()) {
        (None, Some((Segment::Child(Selector::Names(names)), rest))) => (rest, Some(names)),
        _ => (body, None),
    };
    let prefix_len = body
        .iter()
        .take_while(|segment| {
            matches!(
                segment,
                Segment::Child(Selector::Name(_) | Selector::Index(_))
            )
        })
        .count();
    let (prefix, rest) = body.split_at(prefix_len);
    let whole_definite = rest.is_empty();
    let leaf_is_last = whole_definite && merge.is_none() && function.is_none();
    // AWS: a missing property before an indefinite part selects nothing (`[]`), not an error.
    let walked = match walk_definite(text, prefix, start, leaf_is_last) {
        Err(PathError::NotFound { .. })
            if !whole_definite && function.is_none() && merge.is_none() =>
        {
            return Ok(Selection::Many(Vec::new()));
        }
        other => other?,
    };
    let Some(anchor) = walked else {
        if whole_definite {
            let mut full = String::from("$");
            for segment in segments {
                super::write_segment(&mut full, segment);
            }
            return Err(not_found(text, format!("No results for path: {full}")));
        }
        return Ok(Selection::Many(Vec::new()));
    };
    if whole_definite {
        if let Some(names) = merge {
            return match anchor {
                Value::Object(map) => Ok(Selection::Computed(merge_names(map, names))),
                other => Err(not_found(
                    text,
                    format!(
                        "Expected to find an object with properties {names:?} but found '{}'",
                        type_name(other)
                    ),
                )),
            };
        }
        return match function {
            Some(function) => {
                apply_function(text, function, FnInput::One(anchor)).map(Selection::Computed)
            }
            None => Ok(Selection::One(anchor)),
        };
    }
    let nodes = walk_indefinite(text, rest, anchor, root)?;
    if let Some(names) = merge {
        let merged = nodes
            .iter()
            .filter_map(|node| node.as_object().map(|map| merge_names(map, names)))
            .collect();
        return Ok(Selection::Computed(Value::Array(merged)));
    }
    match function {
        Some(function) => {
            apply_function(text, function, FnInput::Many(&nodes)).map(Selection::Computed)
        }
        None => Ok(Selection::Many(nodes)),
    }
}

fn merge_names(map: &Map<String, Value>, names: &[String]) -> Value {
    let mut merged = Map::new();
    for name in names {
        if let Some(value) = map.get(name) {
            merged.insert(name.clone(), value.clone());
        }
    }
    Value::Object(merged)
}

struct Budget<'t> {
    text: &'t str,
    visits: usize,
}

impl Budget<'_> {
    fn visit(&mut self) -> Result<(), PathError> {
        self.visits += 1;
        if self.visits > MAX_VISITS {
            return Err(PathError::TooManyResults {
                path: self.text.to_string(),
            });
        }
        Ok(())
    }
}

/// Walks the segments that follow the definite prefix.
fn walk_indefinite<'a>(
    text: &str,
    segments: &[Segment],
    anchor: &'a Value,
    root: &'a Value,
) -> Result<Vec<&'a Value>, PathError> {
    let mut budget = Budget { text, visits: 0 };
    let mut current = vec![anchor];
    for (i, segment) in segments.iter().enumerate() {
        // Jayway reports type mismatches only when everything upstream was definite.
        let strict = i == 0;
        let mut next = Vec::new();
        for node in current {
            match segment {
                Segment::Child(selector) => {
                    apply_selector(text, selector, node, root, strict, &mut next)?;
                }
                Segment::Descendant(selector) => {
                    scan(selector, node, root, &mut next, &mut budget)?;
                }
                Segment::Function(_) => {
                    return Err(PathError::Function {
                        path: text.to_string(),
                        message: "a path function must be the last segment".to_string(),
                    });
                }
            }
            if next.len() > MAX_MATCHES {
                return Err(PathError::TooManyResults {
                    path: text.to_string(),
                });
            }
        }
        current = next;
    }
    Ok(current)
}

fn mismatch(text: &str, selector: &str, node: &Value) -> PathError {
    not_found(
        text,
        format!(
            "{selector} cannot be applied to a {} value",
            type_name(node)
        ),
    )
}

/// Applies one selector to one node, appending matches in document order.
fn apply_selector<'a>(
    text: &str,
    selector: &Selector,
    node: &'a Value,
    root: &'a Value,
    strict: bool,
    out: &mut Vec<&'a Value>,
) -> Result<(), PathError> {
    match (selector, node) {
        (Selector::Name(name), Value::Object(map)) => out.extend(map.get(name)),
        (Selector::Names(names), Value::Object(map)) => {
            out.extend(names.iter().filter_map(|name| map.get(name)));
        }
        (Selector::Index(index), Value::Array(items)) => {
            out.extend(resolve_index(*index, items.len()).and_then(|k| items.get(k)));
        }
        (Selector::Indexes(indexes), Value::Array(items)) => {
            out.extend(
                indexes
                    .iter()
                    .filter_map(|index| resolve_index(*index, items.len()))
                    .filter_map(|k| items.get(k)),
            );
        }
        (Selector::Slice { start, end }, Value::Array(items)) => slice(*start, *end, items, out),
        (Selector::Wildcard, Value::Object(map)) => out.extend(map.values()),
        (Selector::Wildcard, Value::Array(items)) => out.extend(items.iter()),
        (Selector::Wildcard | Selector::Script(_), _) => {}
        (Selector::Filter(filter), Value::Array(items)) => {
            out.extend(
                items
                    .iter()
                    .filter(|item| matches(&filter.expr, item, root)),
            );
        }
        (Selector::Filter(filter), Value::Object(_)) if matches(&filter.expr, node, root) => {
            out.push(node);
        }
        (Selector::Filter(_), Value::Object(_)) => {}
        (Selector::Filter(_), _) if strict => {
            return Err(mismatch(text, "a filter", node));
        }
        (Selector::Names(_), _) | (Selector::Indexes(_) | Selector::Slice { .. }, _) if strict => {
            return Err(mismatch(text, "this selector", node));
        }
        _ => {}
    }
    Ok(())
}

/// Jayway slice semantics (`[from:to]` does not wrap negative `to`; see `ArraySliceToken`).
fn slice<'a>(start: Option<i64>, end: Option<i64>, items: &'a [Value], out: &mut Vec<&'a Value>) {
    let Ok(len) = i64::try_from(items.len()) else {
        return;
    };
    let (from, to) = match (start, end) {
        (from, None) => {
            let from = from.unwrap_or(0);
            let from = if from < 0 {
                len.saturating_add(from)
            } else {
                from
            };
            (from.max(0), len)
        }
        (None, Some(to)) => {
            let to = if to < 0 { len.saturating_add(to) } else { to };
            (0, to.min(len))
        }
        (Some(from), Some(to)) => (from.max(len.saturating_neg()), to.min(len)),
    };
    let mut i = from;
    while i < to {
        if let Some(value) = resolve_index(i, items.len()).and_then(|k| items.get(k)) {
            out.push(value);
        }
        i += 1;
    }
}

/// Deep scan: applies the selector to `node` and every descendant, pre-order.
fn scan<'a>(
    selector: &Selector,
    node: &'a Value,
    root: &'a Value,
    out: &mut Vec<&'a Value>,
    budget: &mut Budget<'_>,
) -> Result<(), PathError> {
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        budget.visit()?;
        match selector {
            Selector::Filter(filter) => {
                if current.is_object() && matches(&filter.expr, current, root) {
                    out.push(current);
                }
            }
            other => apply_selector(budget.text, other, current, root, false, out)?,
        }
        if out.len() > MAX_MATCHES {
            return Err(PathError::TooManyResults {
                path: budget.text.to_string(),
            });
        }
        match current {
            Value::Object(map) => stack.extend(map.values().rev()),
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    Ok(())
}

/// What a trailing function is applied to.
enum FnInput<'v, 'a> {
    /// The node found by a definite path.
    One(&'v Value),
    /// The matches of an indefinite path.
    Many(&'v [&'a Value]),
}

fn function_error(text: &str, message: String) -> PathError {
    PathError::Function {
        path: text.to_string(),
        message,
    }
}

fn apply_function(
    text: &str,
    function: PathFunction,
    input: FnInput<'_, '_>,
) -> Result<Value, PathError> {
    let name = function.name();
    let items: Vec<&Value> = match input {
        FnInput::One(Value::Array(items)) => items.iter().collect(),
        FnInput::Many(items) => items.to_vec(),
        FnInput::One(other) => match (function, other) {
            (PathFunction::Length | PathFunction::Size, Value::Object(map)) => {
                return Ok(Value::from(map.len()));
            }
            (PathFunction::Length | PathFunction::Size, Value::String(s)) => {
                return Ok(Value::from(s.chars().count()));
            }
            (PathFunction::Keys, Value::Object(map)) => {
                return Ok(Value::Array(
                    map.keys().cloned().map(Value::String).collect(),
                ));
            }
            _ => {
                return Err(function_error(
                    text,
                    format!(
                        "function {name}() cannot be applied to a {} value",
                        type_name(other)
                    ),
                ));
            }
        },
    };
    match function {
        PathFunction::Length | PathFunction::Size => Ok(Value::from(items.len())),
        PathFunction::Keys => Err(function_error(
            text,
            "function keys() can only be applied to an object".to_string(),
        )),
        PathFunction::First | PathFunction::Last => {
            let item = if function == PathFunction::First {
                items.first()
            } else {
                items.last()
            };
            item.map(|value| (*value).clone()).ok_or_else(|| {
                function_error(text, format!("function {name}() applied to an empty array"))
            })
        }
        PathFunction::Min
        | PathFunction::Max
        | PathFunction::Avg
        | PathFunction::Sum
        | PathFunction::Stddev => {
            let numbers: Vec<f64> = items.iter().filter_map(|value| value.as_f64()).collect();
            if numbers.is_empty() {
                return Err(function_error(
                    text,
                    "Aggregation function attempted to calculate value using empty array"
                        .to_string(),
                ));
            }
            let count = numbers.len() as f64;
            let sum: f64 = numbers.iter().sum();
            let result = match function {
                PathFunction::Min => numbers.iter().copied().fold(f64::INFINITY, f64::min),
                PathFunction::Max => numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                PathFunction::Avg => sum / count,
                PathFunction::Sum => sum,
                _ => {
                    let mean = sum / count;
                    let squares: f64 = numbers.iter().map(|x| x * x).sum();
                    (squares / count - mean * mean).max(0.0).sqrt()
                }
            };
            Ok(Value::from(result))
        }
    }
}
