//! JSONPath-language data flow: `InputPath`, payload templates (`Parameters`, `ResultSelector`,
//! `ItemSelector`, JSONPath `Assign`), `ResultPath`, `OutputPath`, path reads with `$` / `$$` /
//! `$name` roots, and Fail's `ErrorPath`/`CausePath`. Every failure carries AWS's error name
//! and cause text, word for word where the conformance corpus or public reports show it.

use std::borrow::Cow;
use std::fmt;

use baton_asl::intrinsics::{IntrinsicCall, RandomSource};
use baton_asl::model::{Dynamic, PathField};
use baton_asl::path::{JsonPath, PathError, PathRoot, Segment, Selection, Selector};
use baton_asl::template::PayloadTemplate;
use serde_json::{Map, Value};

use crate::failure::{Failure, names};
use baton_asl::path::resolve_index;

/// Error name AWS reports when a `ResultPath` step does not fit the container it reaches.
///
/// E.g. a field written into an array. It is not in the ASL list of predefined errors.
pub const REFERENCE_PATH_CONFLICT: &str = "States.ReferencePathConflict";

/// The `$$` context object, built only when a path first reads it (most states never do, and
/// building it copies the execution input).
pub struct LazyContext<'a> {
    cell: std::cell::OnceCell<Value>,
    build: Option<&'a dyn Fn() -> Value>,
}

impl<'a> LazyContext<'a> {
    /// A context object that `build` makes on first use.
    pub fn new(build: &'a dyn Fn() -> Value) -> Self {
        Self {
            cell: std::cell::OnceCell::new(),
            build: Some(build),
        }
    }

    /// A context object that is already built.
    pub fn ready(value: Value) -> Self {
        Self {
            cell: std::cell::OnceCell::from(value),
            build: None,
        }
    }

    /// The context object.
    pub fn get(&self) -> &Value {
        self.cell
            .get_or_init(|| self.build.map_or(Value::Null, |build| build()))
    }
}

/// What a state's data flow can see besides its input.
pub struct Env<'a> {
    /// The `$$` context object.
    pub context: &'a LazyContext<'a>,
    /// Workflow variables (`$name`): the current value of a variable, if it is defined.
    pub variables: &'a dyn Fn(&str) -> Option<Value>,
    /// Randomness for `States.UUID` and unseeded `States.MathRandom`.
    pub random: &'a mut dyn RandomSource,
    /// The state being run, for cause texts.
    pub state_name: &'a str,
    /// Id of the state's `*StateEntered` event, for cause texts.
    pub entered_event_id: u64,
}

impl Env<'_> {
    /// A `States.Runtime` failure of the current state with AWS's cause prefix.
    pub fn runtime(&self, detail: impl fmt::Display) -> Failure {
        Failure::runtime(self.state_name, self.entered_event_id, detail)
    }
}

/// Reads `path` against its root (`$` → `input`, `$$` → `context`, `$name` → the variable).
/// Nodes of `input` and `context` are borrowed; computed values and variables are owned.
fn select<'v>(
    path: &JsonPath,
    input: &'v Value,
    context: &'v LazyContext<'_>,
    variables: &dyn Fn(&str) -> Option<Value>,
) -> Result<Cow<'v, Value>, PathError> {
    match path.root() {
        PathRoot::Input => path.select_in(input).map(selection_cow),
        PathRoot::Context => path.select_in(context.get()).map(selection_cow),
        PathRoot::Variable(name) => {
            let Some(value) = variables(name) else {
                return Err(PathError::NotFound {
                    path: path.as_str().to_owned(),
                    detail: format!("No results for path: ${name}"),
                });
            };
            if path.segments().is_empty() {
                return Ok(Cow::Owned(value));
            }
            path.select_in(&value)
                .map(|selection| Cow::Owned(selection.into_value()))
        }
    }
}

fn selection_cow(selection: Selection<'_>) -> Cow<'_, Value> {
    match selection {
        Selection::One(value) => Cow::Borrowed(value),
        Selection::Computed(value) => Cow::Owned(value),
        Selection::Many(values) => Cow::Owned(Value::Array(values.into_iter().cloned().collect())),
    }
}

/// Reads `path` like [`read_path`], borrowing the match when it is a node of `input` or `$$`.
///
/// `Ok(None)` when a definite path matches nothing.
pub fn view_path<'v, 'a: 'v>(
    path: &JsonPath,
    input: &'v Value,
    env: &Env<'a>,
) -> Result<Option<Cow<'v, Value>>, Failure> {
    match select(path, input, env.context, env.variables) {
        Ok(value) => Ok(Some(value)),
        Err(PathError::NotFound { .. }) => Ok(None),
        Err(error) => Err(env.runtime(error)),
    }
}

/// Reads a path rooted at `$` (input), `$$` (context) or `$name` (variable).
///
/// Indefinite paths give arrays; `Ok(None)` when a definite path matches nothing.
pub fn read_path(path: &JsonPath, input: &Value, env: &mut Env) -> Result<Option<Value>, Failure> {
    view_path(path, input, env).map(|found| found.map(Cow::into_owned))
}

/// Applies `InputPath` without cloning when it selects a node of `input` (`Default` borrows it).
pub fn view_input_path<'v, 'a: 'v>(
    path: &PathField,
    input: &'v Value,
    env: &Env<'a>,
) -> Result<Cow<'v, Value>, Failure> {
    match path {
        PathField::Default => Ok(Cow::Borrowed(input)),
        PathField::Null => Ok(Cow::Owned(Value::Object(Map::new()))),
        PathField::Path(path) => {
            select(path, input, env.context, env.variables).map_err(|error| env.runtime(error))
        }
    }
}

/// Applies `InputPath`: absent → the input, `null` → `{}`, a path → what it selects.
///
/// No match: `States.Runtime` "Invalid path '…' : No results for path: …".
pub fn apply_input_path(path: &PathField, input: &Value, env: &mut Env) -> Result<Value, Failure> {
    view_input_path(path, input, env).map(Cow::into_owned)
}

/// The field name a payload-template value is reported under.
#[derive(Clone, Copy)]
enum FieldName<'t> {
    /// A `key.$` member: reported as `key.$`.
    Member(&'t str),
    /// The whole template field (`Parameters`, `ErrorPath`, …).
    Whole(&'t str),
}

impl fmt::Display for FieldName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldName::Member(key) => write!(f, "{key}.$"),
            FieldName::Whole(field) => f.write_str(field),
        }
    }
}

/// AWS's cause detail for a payload-template or `ErrorPath`/`CausePath` path with no match.
fn not_found_in_input(path: &JsonPath, field: FieldName<'_>, input: &Value) -> String {
    format!(
        "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{input}'",
        path.as_str()
    )
}

/// Reads a template path into an owned value, with AWS's "could not be found" failure.
fn template_path(
    path: &JsonPath,
    input: &Value,
    env: &Env,
    field: FieldName<'_>,
) -> Result<Value, Failure> {
    match select(path, input, env.context, env.variables) {
        Ok(value) => Ok(value.into_owned()),
        Err(PathError::NotFound { .. }) => Err(env.runtime(not_found_in_input(path, field, input))),
        Err(error) => Err(env.runtime(error)),
    }
}

/// True when some argument of `call` (at any depth) is a `$$` path, so the context object
/// must be built.
fn reads_context(call: &IntrinsicCall) -> bool {
    call.args.iter().any(|arg| match arg {
        baton_asl::intrinsics::IntrinsicArg::Path(path) => matches!(path.root(), PathRoot::Context),
        baton_asl::intrinsics::IntrinsicArg::Call(inner) => reads_context(inner),
        baton_asl::intrinsics::IntrinsicArg::Literal(_) => false,
    })
}

/// Evaluates an intrinsic call. A failure is `States.Runtime` with AWS's cause, which quotes
/// the whole call: "… There was an error while evaluating the intrinsic function: <call>.
/// Invalid arguments in States.<Fn>" or, for a path argument that matches nothing, "… The
/// function '<call>' had the following error: The JsonPath argument for the field '$.x' could
/// not be found in the input '…'".
fn intrinsic(call: &IntrinsicCall, input: &Value, env: &mut Env) -> Result<Value, Failure> {
    let context = if reads_context(call) {
        env.context.get()
    } else {
        &Value::Null
    };
    call.evaluate(input, context, env.variables, &mut *env.random)
        .map_err(|error| {
            Failure::in_state(
                error.error_name(),
                env.state_name,
                env.entered_event_id,
                error.runtime_cause(call.as_str()),
            )
        })
}

/// Evaluates a JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`, …).
///
/// `field` names the whole template in messages; a `key.$` member is reported as `key.$`.
pub fn evaluate_template(
    t: &PayloadTemplate,
    input: &Value,
    env: &mut Env,
    field: &str,
) -> Result<Value, Failure> {
    evaluate_node(t, input, env, FieldName::Whole(field))
}

fn evaluate_node(
    node: &PayloadTemplate,
    input: &Value,
    env: &mut Env,
    field: FieldName<'_>,
) -> Result<Value, Failure> {
    match node {
        PayloadTemplate::Static(value) => Ok(value.clone()),
        PayloadTemplate::Object(members) => {
            let mut map = Map::with_capacity(members.len());
            for (key, member) in members {
                let value = evaluate_node(member, input, env, FieldName::Member(key))?;
                map.insert(key.clone(), value);
            }
            Ok(Value::Object(map))
        }
        PayloadTemplate::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(evaluate_node(item, input, env, field)?);
            }
            Ok(Value::Array(out))
        }
        PayloadTemplate::Path(path) => template_path(path, input, env, field),
        PayloadTemplate::Intrinsic(call) => intrinsic(call, input, env),
    }
}

/// Why a `ResultPath` write cannot be applied.
enum WriteConflict<'p> {
    /// The state input is a scalar, so no step can be applied to it.
    Scalar,
    /// This step cannot be applied to the node it reaches.
    Step(&'p Segment),
}

/// Checks, without changing anything, that `segments` can be written into `target`: missing
/// members are created as objects; a name needs an object, an index an existing array element.
fn check_write<'p>(target: &Value, segments: &'p [Segment]) -> Result<(), WriteConflict<'p>> {
    if !segments.is_empty() && !matches!(target, Value::Object(_) | Value::Array(_)) {
        return Err(WriteConflict::Scalar);
    }
    let mut node = Some(target);
    for segment in segments {
        node = match (segment, node) {
            // Below a member that will be created: only further names can be created.
            (Segment::Child(Selector::Name(_)), None) => None,
            (Segment::Child(Selector::Name(name)), Some(Value::Object(map))) => map.get(name),
            (Segment::Child(Selector::Index(index)), Some(Value::Array(items))) => {
                match resolve_index(*index, items.len()).and_then(|k| items.get(k)) {
                    Some(item) => Some(item),
                    None => return Err(WriteConflict::Step(segment)),
                }
            }
            _ => return Err(WriteConflict::Step(segment)),
        };
    }
    Ok(())
}

/// Writes `value` at `segments` inside `target`, creating missing members as objects. Callers
/// run [`check_write`] first; a step that does not fit is skipped rather than panicking.
fn write_at(target: &mut Value, segments: &[Segment], value: Value) {
    let mut slot = target;
    for segment in segments {
        slot = match (segment, slot) {
            (Segment::Child(Selector::Name(name)), Value::Object(map)) => {
                if !map.contains_key(name.as_str()) {
                    map.insert(name.clone(), Value::Object(Map::new()));
                }
                match map.get_mut(name.as_str()) {
                    Some(next) => next,
                    None => return,
                }
            }
            (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
                let len = items.len();
                match resolve_index(*index, len).and_then(|k| items.get_mut(k)) {
                    Some(next) => next,
                    None => return,
                }
            }
            _ => return,
        };
    }
    *slot = value;
}

/// Renders a step of a reference path the way AWS names it in "Unable to apply step …".
struct StepName<'p>(&'p Segment);

impl fmt::Display for StepName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Segment::Child(Selector::Name(name)) => f.write_str(name),
            Segment::Child(Selector::Index(index)) => write!(f, "[{index}]"),
            _ => f.write_str("?"),
        }
    }
}

/// Applies `ResultPath`: absent → the result, `null` → the input, a path → input with result.
///
/// Missing members are created. A scalar input fails with `States.ResultPathMatchFailure`
/// "Unable to apply ReferencePath $.x to input …"; a step that does not fit its container with
/// `States.ReferencePathConflict` "Unable to apply step "x" to input …".
pub fn apply_result_path(
    path: &PathField,
    state_input: Value,
    result: Value,
    env: &mut Env,
) -> Result<Value, Failure> {
    let path = match path {
        PathField::Default => return Ok(result),
        PathField::Null => return Ok(state_input),
        PathField::Path(path) => path,
    };
    if !matches!(path.root(), PathRoot::Input) || !path.is_reference_path() {
        // The parser only lets `$`-rooted reference paths through.
        return Err(env.runtime(format_args!(
            "The ResultPath '{}' is not a reference path into the state input",
            path.as_str()
        )));
    }
    let segments = path.segments();
    match check_write(&state_input, segments) {
        Ok(()) => {}
        Err(WriteConflict::Scalar) => {
            return Err(Failure::new(
                names::RESULT_PATH_MATCH_FAILURE,
                format!(
                    "Unable to apply ReferencePath {} to input {state_input}",
                    path.as_str()
                ),
            ));
        }
        Err(WriteConflict::Step(segment)) => {
            return Err(Failure::new(
                REFERENCE_PATH_CONFLICT,
                format!(
                    "Unable to apply step \"{}\" to input {state_input}",
                    StepName(segment)
                ),
            ));
        }
    }
    if segments.is_empty() {
        return Ok(result);
    }
    let mut output = state_input;
    write_at(&mut output, segments, result);
    Ok(output)
}

/// Moves the node at a definite name/index path out of `value` (no clone); `None` if absent.
fn take_at(value: &mut Value, segments: &[Segment]) -> Option<Value> {
    let mut node = value;
    for segment in segments {
        node = match (segment, node) {
            (Segment::Child(Selector::Name(name)), Value::Object(map)) => {
                map.get_mut(name.as_str())?
            }
            (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
                let len = items.len();
                items.get_mut(resolve_index(*index, len)?)?
            }
            _ => return None,
        };
    }
    Some(std::mem::take(node))
}

/// Applies `OutputPath`: absent → the value, `null` → `{}`, a path → what it selects.
///
/// No match: `States.Runtime` "Invalid path '…' : …", as for `InputPath`.
pub fn apply_output_path(path: &PathField, value: Value, env: &mut Env) -> Result<Value, Failure> {
    let path = match path {
        PathField::Default => return Ok(value),
        PathField::Null => return Ok(Value::Object(Map::new())),
        PathField::Path(path) => path,
    };
    if matches!(path.root(), PathRoot::Input) && path.is_reference_path() {
        let mut value = value;
        if let Some(taken) = take_at(&mut value, path.segments()) {
            return Ok(taken);
        }
        // Absent: let the path reader word the failure exactly as Jayway does.
        return match path.select_in(&value) {
            Ok(selection) => Ok(selection.into_value()),
            Err(error) => Err(env.runtime(error)),
        };
    }
    select(path, &value, env.context, env.variables)
        .map(Cow::into_owned)
        .map_err(|error| env.runtime(error))
}

/// Resolves Fail's `Error`/`ErrorPath` or `Cause`/`CausePath` to a string.
///
/// `field` is `ErrorPath` or `CausePath`; a non-string value is rendered as JSON text.
pub fn fail_field(
    path: &Dynamic<String>,
    input: &Value,
    env: &mut Env,
    field: &str,
) -> Result<String, Failure> {
    let value = match path {
        Dynamic::Static(text) => return Ok(text.clone()),
        Dynamic::Path(path) => template_path(path, input, env, FieldName::Whole(field))?,
        Dynamic::Intrinsic(call) => intrinsic(call, input, env)?,
        Dynamic::Expression(_) => {
            return Err(env.runtime(format!(
                "The field '{field}' holds a JSONata expression, which the JSONata binding evaluates"
            )));
        }
    };
    Ok(match value {
        Value::String(text) => text,
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_asl::template::parse_payload_template;
    use serde_json::json;

    struct Counter(u64);

    impl RandomSource for Counter {
        fn uuid_v4_bytes(&mut self) -> [u8; 16] {
            [7; 16]
        }
        fn next_u64(&mut self) -> u64 {
            self.0 += 1;
            self.0
        }
    }

    fn no_vars(_: &str) -> Option<Value> {
        None
    }

    fn vars(name: &str) -> Option<Value> {
        match name {
            "user" => Some(json!({"name": "ada", "tags": ["x", "y"]})),
            "n" => Some(json!(3)),
            _ => None,
        }
    }

    fn context() -> Value {
        json!({"Execution": {"Name": "exec-1", "Input": {"k": 1}}, "State": {"Name": "pass"}})
    }

    /// Runs `f` with an environment for state `pass` entered at event 2.
    fn with_env<R>(f: impl FnOnce(&mut Env) -> R) -> R {
        let context = LazyContext::ready(context());
        let mut random = Counter(0);
        let mut env = Env {
            context: &context,
            variables: &vars,
            random: &mut random,
            state_name: "pass",
            entered_event_id: 2,
        };
        f(&mut env)
    }

    fn path(text: &str) -> JsonPath {
        JsonPath::parse(text).expect("valid path")
    }

    fn template(value: Value) -> PayloadTemplate {
        let mut problems = Vec::new();
        let t = parse_payload_template(&value, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        t
    }

    const PREFIX: &str =
        "An error occurred while executing the state 'pass' (entered at the event id #2). ";

    #[test]
    fn input_path_cases() {
        let input = json!({"a": {"b": [1, 2, 3]}, "s": "t"});
        let cases: Vec<(PathField, Value)> = vec![
            (PathField::Default, input.clone()),
            (PathField::Null, json!({})),
            (PathField::Path(path("$")), input.clone()),
            (PathField::Path(path("$.a.b[1]")), json!(2)),
            (PathField::Path(path("$.a.b[-1]")), json!(3)),
            (PathField::Path(path("$.a.b[*]")), json!([1, 2, 3])),
            (PathField::Path(path("$..b")), json!([[1, 2, 3]])),
            (PathField::Path(path("$.a.b.length()")), json!(3)),
            (PathField::Path(path("$$.Execution.Name")), json!("exec-1")),
            (PathField::Path(path("$user.name")), json!("ada")),
            (PathField::Path(path("$n")), json!(3)),
            (PathField::Path(path("$.a.b[*].zz")), json!([])),
            (PathField::Path(path("$[*].nope")), json!([])),
        ];
        for (field, expected) in cases {
            let got = with_env(|env| apply_input_path(&field, &input, env));
            assert_eq!(got, Ok(expected), "{field:?}");
        }
    }

    #[test]
    fn input_path_borrows() {
        let input = json!({"a": {"b": 1}});
        with_env(|env| {
            let view = view_input_path(&PathField::Path(path("$.a")), &input, env);
            assert!(matches!(view, Ok(Cow::Borrowed(_))));
            let view = view_input_path(&PathField::Default, &input, env);
            assert!(matches!(view, Ok(Cow::Borrowed(_))));
        });
    }

    /// Corpus: scenarios_test_base_scenarios…test_invalid_jsonpath_ST.INVALID_JSONPATH_IN_INPUTPATH.
    #[test]
    fn input_path_no_match_is_aws_text() {
        let input = json!({"int-literal": 0});
        let field = PathField::Path(path("$.NoSuchInputPath"));
        let got = with_env(|env| apply_input_path(&field, &input, env));
        assert_eq!(
            got,
            Err(Failure::new(
                "States.Runtime",
                format!(
                    "{PREFIX}Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"
                )
            ))
        );
    }

    #[test]
    fn read_path_roots_and_misses() {
        let input = json!({"a": [{"id": 1}, {"id": 2}], "o": {"x": null}});
        let cases = [
            ("$.a[0].id", Some(json!(1))),
            ("$.a[*].id", Some(json!([1, 2]))),
            ("$.o.x", Some(Value::Null)),
            ("$.o.y", None),
            ("$.a[5]", None),
            ("$.a.id", None),
            ("$$.Execution.Input.k", Some(json!(1))),
            ("$$.Nope", None),
            ("$user.tags[1]", Some(json!("y"))),
            ("$user.nope", None),
            ("$undefined", None),
        ];
        for (text, expected) in cases {
            let got = with_env(|env| read_path(&path(text), &input, env));
            assert_eq!(got, Ok(expected), "{text}");
        }
    }

    /// Corpus: …test_invalid_jsonpath_INVALID_JSONPATH_IN_STRING_EXPR_JSONPATH (cause
    /// "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found
    /// in the input '<json-input:1>'").
    #[test]
    fn template_errors() {
        let input = json!({"int-literal": 0});
        let cases = [
            (
                json!({"value.$": "$.no_such_jsonpath"}),
                "States.Runtime",
                format!(
                    "{PREFIX}The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{{\"int-literal\":0}}'"
                ),
            ),
            (
                json!({"outer": {"inner.$": "$$.Nope"}}),
                "States.Runtime",
                format!(
                    "{PREFIX}The JSONPath '$$.Nope' specified for the field 'inner.$' could not be found in the input '{{\"int-literal\":0}}'"
                ),
            ),
            (
                json!({"list": [1, {"v.$": "$missing"}]}),
                "States.Runtime",
                format!(
                    "{PREFIX}The JSONPath '$missing' specified for the field 'v.$' could not be found in the input '{{\"int-literal\":0}}'"
                ),
            ),
            (
                json!({"v.$": "States.ArrayGetItem(States.Array(1), 5)"}),
                "States.Runtime",
                format!(
                    "{PREFIX}There was an error while evaluating the intrinsic function: States.ArrayGetItem(States.Array(1), 5). Invalid arguments in States.ArrayGetItem"
                ),
            ),
            (
                json!({"v.$": "States.Format('{}', $.missing)"}),
                "States.Runtime",
                format!(
                    "{PREFIX}The function 'States.Format('{{}}', $.missing)' had the following error: The JsonPath argument for the field '$.missing' could not be found in the input '{{\"int-literal\":0}}'"
                ),
            ),
        ];
        for (t, error, cause) in cases {
            let t = template(t);
            let got = with_env(|env| evaluate_template(&t, &input, env, "Parameters"));
            let failure = got.expect_err("must fail");
            assert_eq!(failure.error, error);
            if cause.is_empty() {
                assert!(failure.cause.starts_with(PREFIX), "{}", failure.cause);
            } else {
                assert_eq!(failure.cause, cause);
            }
        }
    }

    #[test]
    fn template_values() {
        let input = json!({"a": 1, "arr": [{"v": 1}, {"v": 2}], "s": "x"});
        let t = template(json!({
            "lit": {"deep": [1, 2]},
            "a.$": "$.a",
            "all.$": "$.arr[*].v",
            "ctx.$": "$$.Execution.Name",
            "var.$": "$user.name",
            "fmt.$": "States.Format('{}-{}', $.s, $.a)",
            "nested": {"x.$": "$.s", "arr": [{"y.$": "$.a"}, 3]}
        }));
        let got = with_env(|env| evaluate_template(&t, &input, env, "Parameters"));
        assert_eq!(
            got,
            Ok(json!({
                "lit": {"deep": [1, 2]},
                "a": 1,
                "all": [1, 2],
                "ctx": "exec-1",
                "var": "ada",
                "fmt": "x-1",
                "nested": {"x": "x", "arr": [{"y": 1}, 3]}
            }))
        );
        // Key order is the template's.
        let keys: Vec<String> = match got {
            Ok(Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
        assert_eq!(keys, ["lit", "a", "all", "ctx", "var", "fmt", "nested"]);
    }

    #[test]
    fn result_path_cases() {
        let cases: Vec<(PathField, Value, Value, Value)> = vec![
            (PathField::Default, json!({"a": 1}), json!("r"), json!("r")),
            (
                PathField::Null,
                json!({"a": 1}),
                json!("r"),
                json!({"a": 1}),
            ),
            (
                PathField::Path(path("$")),
                json!({"a": 1}),
                json!("r"),
                json!("r"),
            ),
            (
                PathField::Path(path("$.b")),
                json!({"a": 1}),
                json!("r"),
                json!({"a": 1, "b": "r"}),
            ),
            (
                PathField::Path(path("$.a")),
                json!({"a": 1}),
                json!("r"),
                json!({"a": "r"}),
            ),
            (
                PathField::Path(path("$.x.y.z")),
                json!({}),
                json!(1),
                json!({"x": {"y": {"z": 1}}}),
            ),
            (
                PathField::Path(path("$.l[1]")),
                json!({"l": [0, 0]}),
                json!(1),
                json!({"l": [0, 1]}),
            ),
            (
                PathField::Path(path("$.l[-1].k")),
                json!({"l": [{}, {}]}),
                json!(1),
                json!({"l": [{}, {"k": 1}]}),
            ),
            (
                PathField::Path(path("$[0]")),
                json!([5, 6]),
                json!(1),
                json!([1, 6]),
            ),
        ];
        for (field, input, result, expected) in cases {
            let got = with_env(|env| apply_result_path(&field, input, result, env));
            assert_eq!(got, Ok(expected), "{field:?}");
        }
    }

    #[test]
    fn result_path_errors() {
        let cases = [
            (
                "$.x",
                json!("{\"a\":1}"),
                "States.ResultPathMatchFailure",
                "Unable to apply ReferencePath $.x to input \"{\\\"a\\\":1}\"",
            ),
            (
                "$.x",
                json!(5),
                "States.ResultPathMatchFailure",
                "Unable to apply ReferencePath $.x to input 5",
            ),
            (
                "$.x",
                json!([1]),
                "States.ReferencePathConflict",
                "Unable to apply step \"x\" to input [1]",
            ),
            (
                "$.a.b",
                json!({"a": "s"}),
                "States.ReferencePathConflict",
                "Unable to apply step \"b\" to input {\"a\":\"s\"}",
            ),
            (
                "$.a[3]",
                json!({"a": [1]}),
                "States.ReferencePathConflict",
                "Unable to apply step \"[3]\" to input {\"a\":[1]}",
            ),
            (
                "$.n[0]",
                json!({}),
                "States.ReferencePathConflict",
                "Unable to apply step \"[0]\" to input {}",
            ),
        ];
        for (text, input, error, cause) in cases {
            let field = PathField::Path(path(text));
            let got = with_env(|env| apply_result_path(&field, input, json!(1), env));
            assert_eq!(got, Err(Failure::new(error, cause)), "{text}");
        }
    }

    #[test]
    fn output_path_cases() {
        let value = json!({"a": {"b": [1, 2]}, "c": 3});
        let cases: Vec<(PathField, Value)> = vec![
            (PathField::Default, value.clone()),
            (PathField::Null, json!({})),
            (PathField::Path(path("$")), value.clone()),
            (PathField::Path(path("$.a.b[0]")), json!(1)),
            (PathField::Path(path("$.a.b[*]")), json!([1, 2])),
            (
                PathField::Path(path("$['a','c']")),
                json!({"a": {"b": [1, 2]}, "c": 3}),
            ),
            (PathField::Path(path("$$.State.Name")), json!("pass")),
        ];
        for (field, expected) in cases {
            let got = with_env(|env| apply_output_path(&field, value.clone(), env));
            assert_eq!(got, Ok(expected), "{field:?}");
        }
        let field = PathField::Path(path("$.nope"));
        let got = with_env(|env| apply_output_path(&field, value.clone(), env));
        assert_eq!(
            got,
            Err(Failure::new(
                "States.Runtime",
                format!("{PREFIX}Invalid path '$.nope' : No results for path: $['nope']")
            ))
        );
    }

    /// Corpus: …test_invalid_jsonpath_INVALID_JSONPATH_IN_ERRORPATH and base_test_base
    /// test_state_fail_path / test_state_fail_intrinsic.
    #[test]
    fn fail_fields() {
        let input = json!({"Error": "error string", "Cause": "cause string", "n": 4});
        let cases: Vec<(Dynamic<String>, Result<String, Failure>)> = vec![
            (Dynamic::Static("E".to_owned()), Ok("E".to_owned())),
            (
                Dynamic::Path(path("$.Error")),
                Ok("error string".to_owned()),
            ),
            (Dynamic::Path(path("$.n")), Ok("4".to_owned())),
            (
                Dynamic::Intrinsic(
                    IntrinsicCall::parse("States.Format('custom {}', $.Cause)").expect("call"),
                ),
                Ok("custom cause string".to_owned()),
            ),
            (
                Dynamic::Path(path("$.ErrorX")),
                Err(Failure::new(
                    "States.Runtime",
                    format!(
                        "{PREFIX}The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{{\"Error\":\"error string\",\"Cause\":\"cause string\",\"n\":4}}'"
                    ),
                )),
            ),
        ];
        for (field, expected) in cases {
            let got = with_env(|env| fail_field(&field, &input, env, "ErrorPath"));
            assert_eq!(got, expected, "{field:?}");
        }
    }

    #[test]
    fn uuid_uses_the_random_source() {
        let t = template(json!({"id.$": "States.UUID()"}));
        let context = LazyContext::ready(context());
        let mut random = Counter(0);
        let mut env = Env {
            context: &context,
            variables: &no_vars,
            random: &mut random,
            state_name: "s",
            entered_event_id: 9,
        };
        let got = evaluate_template(&t, &json!({}), &mut env, "Parameters");
        assert!(
            matches!(&got, Ok(Value::Object(map)) if map.get("id").and_then(Value::as_str).is_some_and(|s| s.len() == 36)),
            "{got:?}"
        );
    }
}
