//! The parser-validator: walks a decoded definition once, building the typed model and
//! collecting every problem as an AWS-style diagnostic (it never stops at the first).

use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::jsonata::JsonataExpression;
use crate::model::{
    Catcher, Dynamic, JitterStrategy, PathField, QueryLanguage, Retrier, Scope, State, StateKind,
    StateMachine, StateMachineType, Template, Transition, is_known_error_name,
};
use crate::path::JsonPath;
use crate::source::escape_pointer_segment;
use crate::template::{self, JsonataTemplate, PayloadTemplate, TemplateProblem};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// The longest state name AWS accepts.
pub const MAX_STATE_NAME_LENGTH: usize = 80;
/// Exclusive upper bound AWS puts on second counts and attempt counts.
pub const MAX_SECONDS: u64 = 99_999_999;
/// How deeply branches and processors may nest before we refuse (stack safety).
const MAX_SCOPE_DEPTH: usize = 64;

/// An object in the document together with its JSON pointer.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'v> {
    /// The members.
    pub map: &'v Map<String, Value>,
    /// JSON pointer of the object itself ("" for the root).
    pub at: &'v str,
}

impl<'v> Obj<'v> {
    /// The member `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key)
    }

    /// True when the member is present.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The pointer of member `key`.
    pub fn ptr(&self, key: &str) -> String {
        format!("{}/{}", self.at, escape_pointer_segment(key))
    }
}

/// Formats a pointer for messages: the root is "/".
pub(crate) fn display_pointer(at: &str) -> String {
    if at.is_empty() {
        "/".to_owned()
    } else {
        at.to_owned()
    }
}

/// The walker's state: options and the diagnostics found so far.
pub(crate) struct Parser {
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
    /// STANDARD or EXPRESS rules.
    pub machine_type: StateMachineType,
    /// The top-level query language, inherited by states.
    pub top_language: QueryLanguage,
    /// Every state name seen so far, with its pointer (names are unique machine-wide).
    names: HashMap<String, String>,
    /// Current nesting depth of scopes.
    depth: usize,
    /// How many distributed Map processors enclose the current scope (their children are
    /// separate executions, so the top-level language rule does not bind them).
    pub distributed_depth: usize,
}

impl Parser {
    pub(crate) fn new(machine_type: StateMachineType) -> Self {
        Self {
            diagnostics: Vec::new(),
            machine_type,
            top_language: QueryLanguage::JsonPath,
            names: HashMap::new(),
            depth: 0,
            distributed_depth: 0,
        }
    }

    /// Records a `SCHEMA_VALIDATION_FAILED` error.
    pub fn error(&mut self, at: impl AsRef<str>, message: impl Into<String>) {
        self.error_code(DiagnosticCode::SchemaValidationFailed, at, message);
    }

    /// Records an error with a specific code.
    pub fn error_code(
        &mut self,
        code: DiagnosticCode,
        at: impl AsRef<str>,
        message: impl Into<String>,
    ) {
        self.diagnostics.push(Diagnostic::error(
            code,
            display_pointer(at.as_ref()),
            message,
        ));
    }

    /// Reports every member of `obj` not in `allowed`, with a reason tailored to `what`.
    pub fn check_fields(&mut self, obj: Obj<'_>, allowed: &[&str], what: &str) {
        for key in obj.map.keys() {
            if !allowed.contains(&key.as_str()) {
                self.error(
                    obj.ptr(key),
                    format!("The field '{key}' is not supported {what}"),
                );
            }
        }
    }

    /// Reports a missing required member.
    pub fn require(&mut self, obj: Obj<'_>, key: &str) -> bool {
        if obj.has(key) {
            true
        } else {
            self.error(
                obj.at,
                format!("The field '{key}' is required but was missing"),
            );
            false
        }
    }

    /// Reports when more than one of `keys` is present.
    pub fn at_most_one(&mut self, obj: Obj<'_>, keys: &[&str]) -> bool {
        let present: Vec<&str> = keys.iter().copied().filter(|k| obj.has(k)).collect();
        if present.len() > 1 {
            self.error(
                obj.at,
                format!(
                    "Only one of these fields may be specified: [{}]",
                    present.join(", ")
                ),
            );
            false
        } else {
            true
        }
    }

    fn type_error(&mut self, at: &str, key: &str, expected: &str) {
        self.error(
            at,
            format!("The value for the field '{key}' must be {expected}"),
        );
    }

    /// A string member (type-checked).
    pub fn string<'v>(&mut self, obj: Obj<'v>, key: &str) -> Option<&'v str> {
        match obj.get(key)? {
            Value::String(s) => Some(s),
            _ => {
                self.type_error(&obj.ptr(key), key, "a STRING");
                None
            }
        }
    }

    /// A non-empty string member.
    pub fn non_empty_string<'v>(&mut self, obj: Obj<'v>, key: &str) -> Option<&'v str> {
        let s = self.string(obj, key)?;
        if s.is_empty() {
            self.error(
                obj.ptr(key),
                format!("The value for the field '{key}' cannot be empty"),
            );
            return None;
        }
        Some(s)
    }

    /// A boolean member.
    pub fn boolean(&mut self, obj: Obj<'_>, key: &str) -> Option<bool> {
        match obj.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.type_error(&obj.ptr(key), key, "a BOOLEAN");
                None
            }
        }
    }

    /// An object member.
    pub fn object<'v>(&mut self, obj: Obj<'v>, key: &str) -> Option<&'v Map<String, Value>> {
        match obj.get(key)? {
            Value::Object(m) => Some(m),
            _ => {
                self.type_error(&obj.ptr(key), key, "an OBJECT");
                None
            }
        }
    }

    /// An integer member within `min..=max`.
    pub fn integer(&mut self, obj: Obj<'_>, key: &str, min: u64, max: u64) -> Option<u64> {
        let value = obj.get(key)?;
        self.integer_value(value, &obj.ptr(key), key, min, max)
    }

    /// Checks that `value` is an integer within `min..=max`.
    pub fn integer_value(
        &mut self,
        value: &Value,
        at: &str,
        key: &str,
        min: u64,
        max: u64,
    ) -> Option<u64> {
        let n = match value {
            Value::Number(n) => n,
            _ => {
                self.type_error(at, key, "an INTEGER");
                return None;
            }
        };
        match n.as_u64() {
            Some(v) if (min..=max).contains(&v) => Some(v),
            Some(_) => {
                self.error(
                    at,
                    format!("The value for the field '{key}' must be between {min} and {max}"),
                );
                None
            }
            None if n.is_i64() => {
                self.error(
                    at,
                    format!("The value for the field '{key}' must be between {min} and {max}"),
                );
                None
            }
            None => {
                self.type_error(at, key, "an INTEGER");
                None
            }
        }
    }

    /// A number member within `min..=max`.
    pub fn number(&mut self, obj: Obj<'_>, key: &str, min: f64, max: f64) -> Option<f64> {
        let value = obj.get(key)?;
        match value.as_f64() {
            Some(v) if value.is_number() && v >= min && v <= max => Some(v),
            Some(_) if value.is_number() => {
                self.error(
                    obj.ptr(key),
                    format!("The value for the field '{key}' must be between {min} and {max}"),
                );
                None
            }
            _ => {
                self.type_error(&obj.ptr(key), key, "a NUMBER");
                None
            }
        }
    }

    /// Parses a JSONPath-valued member; `reference` demands a Reference Path.
    pub fn path(&mut self, obj: Obj<'_>, key: &str, reference: bool) -> Option<JsonPath> {
        let at = obj.ptr(key);
        let text = self.string(obj, key)?;
        self.path_text(text, &at, key, reference)
    }

    /// Parses `text` as a JSONPath for the field `key` at `at`.
    pub fn path_text(
        &mut self,
        text: &str,
        at: &str,
        key: &str,
        reference: bool,
    ) -> Option<JsonPath> {
        match JsonPath::parse(text) {
            Ok(path) if reference && !path.is_reference_path() => {
                self.error(
                    at,
                    format!("The value for the field '{key}' must be a valid reference path"),
                );
                None
            }
            Ok(path) => Some(path),
            Err(e) => {
                let kind = if reference {
                    "reference path"
                } else {
                    "JSONPath"
                };
                self.error(
                    at,
                    format!("The value for the field '{key}' must be a valid {kind}: {e}"),
                );
                None
            }
        }
    }

    /// A nullable path member (`InputPath`, `OutputPath`, `ResultPath`).
    pub fn path_field(&mut self, obj: Obj<'_>, key: &str, reference: bool) -> PathField {
        match obj.get(key) {
            None => PathField::Default,
            Some(Value::Null) => PathField::Null,
            Some(_) => self
                .path(obj, key, reference)
                .map_or(PathField::Default, PathField::Path),
        }
    }

    fn template_problems(&mut self, at: &str, problems: Vec<TemplateProblem>) {
        for p in problems {
            self.error(format!("{at}{}", p.at), p.message);
        }
    }

    /// A JSONPath payload template member; it must be an object (or, for `Result`-like uses, any JSON).
    pub fn payload_template(&mut self, obj: Obj<'_>, key: &str) -> Option<PayloadTemplate> {
        let value = obj.get(key)?;
        let at = obj.ptr(key);
        let mut problems = Vec::new();
        let parsed = template::parse_payload_template(value, &mut problems);
        self.template_problems(&at, problems);
        Some(parsed)
    }

    /// A JSONata template member (any JSON; `{% … %}` strings are expressions).
    pub fn jsonata_template(&mut self, obj: Obj<'_>, key: &str) -> Option<JsonataTemplate> {
        let value = obj.get(key)?;
        let at = obj.ptr(key);
        let mut problems = Vec::new();
        let parsed = template::parse_jsonata_template(value, &mut problems);
        self.template_problems(&at, problems);
        Some(parsed)
    }

    /// A member that must be a JSONata expression string (`{% … %}`).
    pub fn jsonata_expression_value(
        &mut self,
        value: &Value,
        at: &str,
        key: &str,
    ) -> Option<JsonataExpression> {
        let Value::String(text) = value else {
            self.type_error(at, key, "a JSONata expression");
            return None;
        };
        match template::jsonata_string(text) {
            Ok(Some(expression)) => Some(expression),
            Ok(None) => {
                self.type_error(at, key, "a JSONata expression");
                None
            }
            Err(message) => {
                self.error(at, message);
                None
            }
        }
    }

    /// A template in the state's language, which must be an object (or, in JSONata, an
    /// expression string) — `Parameters`, `Arguments`, `ItemSelector`, ….
    pub fn object_template(
        &mut self,
        obj: Obj<'_>,
        key: &str,
        language: QueryLanguage,
    ) -> Option<Template> {
        let value = obj.get(key)?;
        let at = obj.ptr(key);
        match language {
            QueryLanguage::JsonPath => {
                if !value.is_object() {
                    self.type_error(&at, key, "an OBJECT");
                    return None;
                }
                self.payload_template(obj, key).map(Template::JsonPath)
            }
            QueryLanguage::Jsonata => {
                if !value.is_object() && !value.is_string() {
                    self.type_error(&at, key, "an OBJECT or a JSONata expression");
                    return None;
                }
                if value.is_string() {
                    return self
                        .jsonata_expression_value(value, &at, key)
                        .map(|e| Template::Jsonata(JsonataTemplate::Expression(e)));
                }
                self.jsonata_template(obj, key).map(Template::Jsonata)
            }
        }
    }

    /// An integer that may also come from a `…Path` member (JSONPath) or a JSONata expression.
    #[allow(clippy::too_many_arguments)]
    pub fn dynamic_integer(
        &mut self,
        obj: Obj<'_>,
        key: &str,
        path_key: Option<&str>,
        language: QueryLanguage,
        min: u64,
        max: u64,
    ) -> Option<Dynamic<u64>> {
        if let Some(path_key) = path_key {
            if obj.has(key) && obj.has(path_key) {
                self.at_most_one(obj, &[key, path_key]);
                return None;
            }
            if obj.has(path_key) {
                return self.path(obj, path_key, true).map(Dynamic::Path);
            }
        }
        let value = obj.get(key)?;
        let at = obj.ptr(key);
        if language == QueryLanguage::Jsonata && value.is_string() {
            return self
                .jsonata_expression_value(value, &at, key)
                .map(Dynamic::Expression);
        }
        self.integer_value(value, &at, key, min, max)
            .map(Dynamic::Static)
    }

    /// The `Assign` member, in the state's language.
    pub fn assign(&mut self, obj: Obj<'_>, language: QueryLanguage) -> Option<Template> {
        let value = obj.get("Assign")?;
        let at = obj.ptr("Assign");
        let Value::Object(map) = value else {
            self.type_error(&at, "Assign", "an OBJECT");
            return None;
        };
        for key in map.keys() {
            let name = match language {
                QueryLanguage::JsonPath => key.strip_suffix(".$").unwrap_or(key),
                QueryLanguage::Jsonata => key.as_str(),
            };
            if name.is_empty() {
                self.error(
                    format!("{at}/{}", escape_pointer_segment(key)),
                    "Variable names cannot be empty",
                );
            }
        }
        match language {
            QueryLanguage::JsonPath => self.payload_template(obj, "Assign").map(Template::JsonPath),
            QueryLanguage::Jsonata => self.jsonata_template(obj, "Assign").map(Template::Jsonata),
        }
    }

    /// Checks an `ErrorEquals` list.
    fn error_equals(&mut self, obj: Obj<'_>, is_last: bool) -> Vec<String> {
        let at = obj.ptr("ErrorEquals");
        let Some(value) = obj.get("ErrorEquals") else {
            self.require(obj, "ErrorEquals");
            return Vec::new();
        };
        let Value::Array(items) = value else {
            self.type_error(&at, "ErrorEquals", "an ARRAY");
            return Vec::new();
        };
        if items.is_empty() {
            self.error(&at, "Value cannot be empty");
            return Vec::new();
        }
        let mut names = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_at = format!("{at}/{i}");
            match item {
                Value::String(name) => {
                    if !is_known_error_name(name) {
                        self.error(
                            &item_at,
                            format!("The error name '{name}' is not a predefined States error"),
                        );
                    }
                    names.push(name.clone());
                }
                _ => self.type_error(&item_at, "ErrorEquals", "an ARRAY of STRINGs"),
            }
        }
        if names.iter().any(|n| n == "States.ALL") && (names.len() > 1 || !is_last) {
            self.error(
                &at,
                "States.ALL must appear alone in the last retrier or catcher",
            );
        }
        names
    }

    /// The `Retry` member.
    pub fn retry(&mut self, obj: Obj<'_>) -> Vec<Retrier> {
        let Some(value) = obj.get("Retry") else {
            return Vec::new();
        };
        let at = obj.ptr("Retry");
        let Value::Array(items) = value else {
            self.type_error(&at, "Retry", "an ARRAY");
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_at = format!("{at}/{i}");
            let Value::Object(map) = item else {
                self.type_error(&item_at, "Retry", "an ARRAY of OBJECTs");
                continue;
            };
            let r = Obj { map, at: &item_at };
            self.check_fields(
                r,
                &[
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                    "Comment",
                ],
                "in a Retrier",
            );
            self.string(r, "Comment");
            let error_equals = self.error_equals(r, i + 1 == items.len());
            let interval_seconds = self
                .integer(r, "IntervalSeconds", 1, MAX_SECONDS)
                .unwrap_or(1);
            let max_attempts = self
                .integer(r, "MaxAttempts", 0, MAX_SECONDS - 1)
                .unwrap_or(3);
            let backoff_rate = self.number(r, "BackoffRate", 1.0, f64::MAX).unwrap_or(2.0);
            let max_delay_seconds = self.integer(r, "MaxDelaySeconds", 1, 31_622_400);
            let jitter_strategy = match self.string(r, "JitterStrategy") {
                None | Some("NONE") => JitterStrategy::None,
                Some("FULL") => JitterStrategy::Full,
                Some(other) => {
                    self.error(
                        r.ptr("JitterStrategy"),
                        format!("The field 'JitterStrategy' should have one of these values: [FULL, NONE], not '{other}'"),
                    );
                    JitterStrategy::None
                }
            };
            out.push(Retrier {
                error_equals,
                interval_seconds,
                max_attempts,
                backoff_rate,
                max_delay_seconds,
                jitter_strategy,
            });
        }
        out
    }

    /// The `Catch` member.
    pub fn catch(&mut self, obj: Obj<'_>, language: QueryLanguage) -> Vec<Catcher> {
        let Some(value) = obj.get("Catch") else {
            return Vec::new();
        };
        let at = obj.ptr("Catch");
        let Value::Array(items) = value else {
            self.type_error(&at, "Catch", "an ARRAY");
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_at = format!("{at}/{i}");
            let Value::Object(map) = item else {
                self.type_error(&item_at, "Catch", "an ARRAY of OBJECTs");
                continue;
            };
            let c = Obj { map, at: &item_at };
            let allowed: &[&str] = match language {
                QueryLanguage::JsonPath => {
                    &["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"]
                }
                QueryLanguage::Jsonata => &["ErrorEquals", "Next", "Output", "Assign", "Comment"],
            };
            self.check_language_fields(c, allowed, "in a Catcher", language);
            self.string(c, "Comment");
            let error_equals = self.error_equals(c, i + 1 == items.len());
            self.require(c, "Next");
            let next = self
                .non_empty_string(c, "Next")
                .unwrap_or_default()
                .to_owned();
            let result_path = self.path_field(c, "ResultPath", true);
            let output = if language == QueryLanguage::Jsonata {
                self.jsonata_template(c, "Output")
            } else {
                None
            };
            let assign = self.assign(c, language);
            out.push(Catcher {
                error_equals,
                next,
                result_path,
                output,
                assign,
            });
        }
        out
    }

    /// Like `check_fields`, but explains fields that belong to the other query language.
    pub fn check_language_fields(
        &mut self,
        obj: Obj<'_>,
        allowed: &[&str],
        what: &str,
        language: QueryLanguage,
    ) {
        for key in obj.map.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let message = match language {
                QueryLanguage::Jsonata if JSONPATH_ONLY_FIELDS.contains(&key.as_str()) => {
                    format!("The field '{key}' is not supported when QueryLanguage is JSONata")
                }
                QueryLanguage::JsonPath if JSONATA_ONLY_FIELDS.contains(&key.as_str()) => {
                    format!("The field '{key}' is not supported when QueryLanguage is JSONPath")
                }
                _ => format!("The field '{key}' is not supported {what}"),
            };
            self.error(obj.ptr(key), message);
        }
    }

    /// Parses the whole definition.
    pub(crate) fn state_machine(&mut self, root: &Value) -> Option<StateMachine> {
        let Value::Object(map) = root else {
            self.error("", "The state machine definition must be a JSON object");
            return None;
        };
        let obj = Obj { map, at: "" };
        let missing: Vec<&str> = ["States", "StartAt"]
            .into_iter()
            .filter(|k| !obj.has(k))
            .collect();
        if !missing.is_empty() {
            self.error(
                "",
                format!("These fields are required: [{}]", missing.join(", ")),
            );
        }
        self.check_fields(
            obj,
            &[
                "Comment",
                "StartAt",
                "States",
                "Version",
                "TimeoutSeconds",
                "QueryLanguage",
            ],
            "at the top level of a state machine",
        );
        let comment = self.string(obj, "Comment").map(str::to_owned);
        let version = self.string(obj, "Version").map(str::to_owned);
        if let Some(v) = &version
            && v != "1.0"
        {
            self.error(
                obj.ptr("Version"),
                "The field 'Version' should have one of these values: [1.0]",
            );
        }
        let timeout_seconds = self.integer(obj, "TimeoutSeconds", 1, MAX_SECONDS - 1);
        self.top_language = self.query_language(obj).unwrap_or_default();
        let scope = self.scope_body(obj)?;
        if !missing.is_empty() {
            return None;
        }
        Some(StateMachine {
            comment,
            version,
            timeout_seconds,
            query_language: self.top_language,
            scope,
        })
    }

    /// Parses a `QueryLanguage` member.
    fn query_language(&mut self, obj: Obj<'_>) -> Option<QueryLanguage> {
        match self.string(obj, "QueryLanguage")? {
            "JSONPath" => Some(QueryLanguage::JsonPath),
            "JSONata" => Some(QueryLanguage::Jsonata),
            other => {
                self.error(
                    obj.ptr("QueryLanguage"),
                    format!("The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata], not '{other}'"),
                );
                None
            }
        }
    }

    /// Parses a nested scope (Parallel branch, Map processor), checking its own fields.
    pub fn nested_scope(&mut self, obj: Obj<'_>, allowed: &[&str], what: &str) -> Option<Scope> {
        let missing: Vec<&str> = ["States", "StartAt"]
            .into_iter()
            .filter(|k| !obj.has(k))
            .collect();
        if !missing.is_empty() {
            self.error(
                obj.at,
                format!("These fields are required: [{}]", missing.join(", ")),
            );
        }
        self.check_fields(obj, allowed, what);
        if self.depth >= MAX_SCOPE_DEPTH {
            self.error(obj.at, "The state machine is nested too deeply");
            return None;
        }
        self.depth += 1;
        let scope = self.scope_body(obj);
        self.depth -= 1;
        if missing.is_empty() { scope } else { None }
    }

    /// Parses `StartAt` and `States` of a scope and checks its graph.
    fn scope_body(&mut self, obj: Obj<'_>) -> Option<Scope> {
        let comment = self.string(obj, "Comment").map(str::to_owned);
        let start_at = self.string(obj, "StartAt").map(str::to_owned);
        let states_at = obj.ptr("States");
        let states_map = match obj.get("States") {
            Some(Value::Object(m)) => Some(m),
            Some(_) => {
                self.type_error(&states_at, "States", "an OBJECT");
                None
            }
            None => None,
        };
        let mut states = Vec::new();
        if let Some(map) = states_map {
            if map.is_empty() {
                self.error(&states_at, "Value cannot be empty");
            }
            for (name, value) in map {
                let at = format!("{states_at}/{}", escape_pointer_segment(name));
                self.state_name(name, &at);
                match value {
                    Value::Object(state) => {
                        if let Some(s) = self.state(
                            name,
                            Obj {
                                map: state,
                                at: &at,
                            },
                        ) {
                            states.push(s);
                        }
                    }
                    _ => self.error(&at, "The value for a state must be an OBJECT"),
                }
            }
        }
        let start_at = start_at?;
        if let Some(map) = states_map {
            self.check_graph(obj, map, &start_at);
        }
        Some(Scope::new(start_at, comment, states))
    }

    /// Checks a state name: length, emptiness and machine-wide uniqueness.
    fn state_name(&mut self, name: &str, at: &str) {
        if name.is_empty() || name.chars().count() > MAX_STATE_NAME_LENGTH {
            self.error_code(
                DiagnosticCode::InvalidStateName,
                at,
                format!("State name '{name}' must be between 1 and {MAX_STATE_NAME_LENGTH} characters long"),
            );
        }
        if let Some(previous) = self.names.get(name) {
            let previous = previous.clone();
            self.error_code(
                DiagnosticCode::DuplicateStateName,
                at,
                format!("Duplicate State name: {name} (also defined at {previous})"),
            );
        } else {
            self.names.insert(name.to_owned(), at.to_owned());
        }
    }

    /// Parses one state.
    fn state(&mut self, name: &str, obj: Obj<'_>) -> Option<State> {
        let type_name = match obj.get("Type") {
            Some(Value::String(t)) => t.as_str(),
            Some(_) | None => {
                if obj.has("Type") {
                    self.type_error(&obj.ptr("Type"), "Type", "a STRING");
                } else {
                    self.require(obj, "Type");
                }
                return None;
            }
        };
        let own_language = self.query_language(obj);
        if own_language == Some(QueryLanguage::JsonPath)
            && self.top_language == QueryLanguage::Jsonata
            && self.distributed_depth == 0
        {
            self.error(
                obj.at,
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            );
        }
        let language = own_language.unwrap_or(self.top_language);
        let Some(allowed) = allowed_fields(type_name, language) else {
            self.error(
                obj.ptr("Type"),
                "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
            );
            return None;
        };
        self.check_language_fields(obj, allowed, &format!("for a {type_name} state"), language);
        let comment = self.string(obj, "Comment").map(str::to_owned);
        let mut state = State {
            name: name.to_owned(),
            comment,
            query_language: language,
            kind: StateKind::Succeed,
            transition: Transition::Decided,
            input_path: PathField::Default,
            output_path: PathField::Default,
            result_path: PathField::Default,
            parameters: None,
            result_selector: None,
            arguments: None,
            output: None,
            assign: None,
            retry: Vec::new(),
            catch: Vec::new(),
        };
        // Common data-flow fields: `allowed_fields` already rejected the ones this type lacks.
        match language {
            QueryLanguage::JsonPath => {
                state.input_path = self.path_field(obj, "InputPath", false);
                state.output_path = self.path_field(obj, "OutputPath", false);
                state.result_path = self.path_field(obj, "ResultPath", true);
                if type_name != "Map" {
                    state.parameters = self.payload_template(obj, "Parameters");
                }
                state.result_selector = self.payload_template(obj, "ResultSelector");
            }
            QueryLanguage::Jsonata => {
                if obj.has("Arguments") {
                    state.arguments = match self.object_template(obj, "Arguments", language) {
                        Some(Template::Jsonata(t)) => Some(t),
                        _ => None,
                    };
                }
                state.output = self.jsonata_template(obj, "Output");
            }
        }
        state.assign = self.assign(obj, language);
        state.retry = self.retry(obj);
        state.catch = self.catch(obj, language);
        let terminal_by_type = matches!(type_name, "Choice" | "Succeed" | "Fail");
        if !terminal_by_type {
            state.transition = self.transition(obj);
        }
        state.kind = match type_name {
            "Pass" => StateKind::Pass(self.pass_state(obj, language)),
            "Task" => StateKind::Task(Box::new(self.task_state(obj, language)?)),
            "Choice" => StateKind::Choice(self.choice_state(obj, language)),
            "Wait" => StateKind::Wait(self.wait_state(obj, language)?),
            "Succeed" => StateKind::Succeed,
            "Fail" => StateKind::Fail(self.fail_state(obj, language)),
            "Parallel" => StateKind::Parallel(self.parallel_state(obj)?),
            "Map" => StateKind::Map(Box::new(self.map_state(obj, language)?)),
            _ => return None,
        };
        Some(state)
    }

    /// `Next` xor `End: true`.
    fn transition(&mut self, obj: Obj<'_>) -> Transition {
        let next = self.non_empty_string(obj, "Next");
        let end = self.boolean(obj, "End");
        match (next, end) {
            (Some(_), Some(true)) => {
                self.error(
                    obj.at,
                    "Only one of these fields may be specified: [Next, End]",
                );
                Transition::End
            }
            (Some(next), _) => Transition::Next(next.to_owned()),
            (None, Some(true)) => Transition::End,
            (None, _) => {
                if !obj.has("Next") {
                    self.error(obj.at, "Either 'Next' or 'End: true' is required");
                }
                Transition::End
            }
        }
    }

    /// Checks transitions, reachability and the presence of a terminal state in one scope.
    /// It reads the raw JSON, so a state with other errors still takes part.
    fn check_graph<'m>(&mut self, obj: Obj<'_>, map: &'m Map<String, Value>, start_at: &'m str) {
        let states_at = obj.ptr("States");
        let start_exists = map.contains_key(start_at);
        if !start_exists {
            self.error_code(
                DiagnosticCode::MissingTransitionTarget,
                obj.ptr("StartAt"),
                format!("Missing 'Next' target: {start_at}"),
            );
        }
        let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut has_terminal = false;
        for (name, state) in map {
            let Value::Object(state) = state else {
                continue;
            };
            let at = format!("{states_at}/{}", escape_pointer_segment(name));
            let mut targets: Vec<(&str, String)> = Vec::new();
            let mut add = |value: Option<&'m Value>, target_at: String| {
                if let Some(Value::String(t)) = value {
                    targets.push((t.as_str(), target_at));
                }
            };
            add(state.get("Next"), format!("{at}/Next"));
            add(state.get("Default"), format!("{at}/Default"));
            if let Some(Value::Array(rules)) = state.get("Choices") {
                for (i, rule) in rules.iter().enumerate() {
                    add(rule.get("Next"), format!("{at}/Choices/{i}/Next"));
                }
            }
            if let Some(Value::Array(catchers)) = state.get("Catch") {
                for (i, catcher) in catchers.iter().enumerate() {
                    add(catcher.get("Next"), format!("{at}/Catch/{i}/Next"));
                }
            }
            let ends = state.get("End") == Some(&Value::Bool(true))
                || matches!(
                    state.get("Type").and_then(Value::as_str),
                    Some("Succeed" | "Fail")
                );
            has_terminal |= ends;
            for (target, target_at) in &targets {
                if !target.is_empty() && !map.contains_key(*target) {
                    self.error_code(
                        DiagnosticCode::MissingTransitionTarget,
                        target_at,
                        format!("Missing 'Next' target: {target}"),
                    );
                }
            }
            edges.insert(name, targets.into_iter().map(|(t, _)| t).collect());
        }
        if !has_terminal && !map.is_empty() {
            self.error_code(
                DiagnosticCode::MissingEndState,
                &states_at,
                "Workflow has no terminal state",
            );
        }
        if !start_exists {
            return;
        }
        let mut reached: HashSet<&str> = HashSet::new();
        let mut stack = vec![start_at];
        while let Some(name) = stack.pop() {
            if reached.insert(name)
                && let Some(targets) = edges.get(name)
            {
                stack.extend(targets.iter().copied());
            }
        }
        for name in map.keys() {
            if !reached.contains(name.as_str()) {
                self.error_code(
                    DiagnosticCode::MissingTransitionTarget,
                    format!("{states_at}/{}", escape_pointer_segment(name)),
                    format!("State \"{name}\" is not reachable."),
                );
            }
        }
    }
}

/// Fields only JSONPath states may have.
pub(crate) const JSONPATH_ONLY_FIELDS: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
    "ErrorPath",
    "CausePath",
];

/// Fields only JSONata states may have.
pub(crate) const JSONATA_ONLY_FIELDS: &[&str] = &["Arguments", "Output", "Items"];

/// The fields a state of `type_name` may have in `language`, or `None` for an unknown type.
fn allowed_fields(type_name: &str, language: QueryLanguage) -> Option<&'static [&'static str]> {
    use QueryLanguage::{JsonPath as P, Jsonata as A};
    Some(match (type_name, language) {
        ("Pass", P) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "Result",
            "ResultPath",
            "Assign",
        ],
        ("Pass", A) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "Output",
            "Assign",
        ],
        ("Task", P) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Resource",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Assign",
        ],
        ("Task", A) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "Arguments",
            "Output",
            "Retry",
            "Catch",
            "Resource",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
            "Assign",
        ],
        ("Choice", P) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Choices",
            "Default",
            "InputPath",
            "OutputPath",
            "Assign",
        ],
        ("Choice", A) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Choices",
            "Default",
            "Output",
            "Assign",
        ],
        ("Wait", P) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
            "Assign",
        ],
        ("Wait", A) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "Output",
            "Seconds",
            "Timestamp",
            "Assign",
        ],
        ("Succeed", P) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
        ],
        ("Succeed", A) => &["Type", "Comment", "QueryLanguage", "Output"],
        ("Fail", P) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Error",
            "ErrorPath",
            "Cause",
            "CausePath",
        ],
        ("Fail", A) => &["Type", "Comment", "QueryLanguage", "Error", "Cause"],
        ("Parallel", P) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Branches",
            "Assign",
        ],
        ("Parallel", A) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "Arguments",
            "Output",
            "Retry",
            "Catch",
            "Branches",
            "Assign",
        ],
        ("Map", P) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Iterator",
            "ItemProcessor",
            "ItemsPath",
            "ItemSelector",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Label",
            "Assign",
        ],
        ("Map", A) => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "Output",
            "Retry",
            "Catch",
            "ItemProcessor",
            "Iterator",
            "Items",
            "ItemSelector",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "ToleratedFailurePercentage",
            "ToleratedFailureCount",
            "Label",
            "Assign",
        ],
        _ => return None,
    })
}
