//! The Choice state: picks the next state from ordered rules (JSONPath comparisons or JSONata
//! `Condition`s), falling back to `Default`.

use crate::jsonata::JsonataExpression;
use crate::model::{QueryLanguage, Template};
use crate::parse::{Obj, Parser};
use crate::path::JsonPath;
use crate::template::JsonataTemplate;
use crate::timestamp::parse_timestamp;
use serde_json::Value;

/// A Choice state's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceState {
    /// `Choices`, tried in order.
    pub choices: Vec<ChoiceRule>,
    /// `Default`: where to go when no rule matches (else `States.NoChoiceMatched`).
    pub default: Option<String>,
}

/// One top-level rule of `Choices`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    /// What must hold.
    pub condition: Condition,
    /// Where to go when it holds.
    pub next: String,
    /// `Assign` applied when this rule matches.
    pub assign: Option<Template>,
    /// `Output` (JSONata) used when this rule matches.
    pub output: Option<JsonataTemplate>,
}

/// A boolean test on the state input.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// JSONata `Condition` expression.
    Jsonata(JsonataExpression),
    /// JSONata `Condition` given as a constant boolean.
    Constant(bool),
    /// `And`: every rule holds.
    And(Vec<Condition>),
    /// `Or`: some rule holds.
    Or(Vec<Condition>),
    /// `Not`: the rule does not hold.
    Not(Box<Condition>),
    /// `Variable` compared with an operator.
    Compare {
        /// `Variable`: the value tested.
        variable: JsonPath,
        /// The operator and its operand.
        comparison: Comparison,
    },
}

/// The data type a comparison operator works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonKind {
    /// `String…` operators.
    String,
    /// `Numeric…` operators.
    Numeric,
    /// `Boolean…` operators.
    Boolean,
    /// `Timestamp…` operators.
    Timestamp,
}

/// The relation a comparison operator tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `…Equals`.
    Equals,
    /// `…LessThan`.
    LessThan,
    /// `…GreaterThan`.
    GreaterThan,
    /// `…LessThanEquals`.
    LessThanEquals,
    /// `…GreaterThanEquals`.
    GreaterThanEquals,
}

/// The `Is…` type tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeTest {
    /// `IsNull`.
    IsNull,
    /// `IsPresent`.
    IsPresent,
    /// `IsNumeric`.
    IsNumeric,
    /// `IsString`.
    IsString,
    /// `IsBoolean`.
    IsBoolean,
    /// `IsTimestamp`.
    IsTimestamp,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A literal from the definition.
    Literal(Value),
    /// A `…Path` operator: a path into the input (or context, or a variable).
    Path(JsonPath),
}

/// A comparison operator with its operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// `String…`, `Numeric…`, `Boolean…`, `Timestamp…` comparisons.
    Compare {
        /// Data type compared.
        kind: ComparisonKind,
        /// Relation tested.
        relation: Relation,
        /// The other side.
        operand: Operand,
    },
    /// `StringMatches` with `*` wildcards (`\*` and `\\` escape).
    StringMatches(String),
    /// `Is…` tests against `true`/`false`.
    TypeTest(TypeTest, bool),
}

/// What an operator name means.
enum OperatorSpec {
    Compare(ComparisonKind, Relation, bool),
    Matches,
    Test(TypeTest),
}

fn operator(name: &str) -> Option<OperatorSpec> {
    use ComparisonKind as K;
    use Relation as R;
    let (base, is_path) = match name.strip_suffix("Path") {
        Some(base) if !base.ends_with("Is") => (base, true),
        _ => (name, false),
    };
    let kind_relation = |kind: K, rest: &str| -> Option<OperatorSpec> {
        let relation = match rest {
            "Equals" => R::Equals,
            "LessThan" => R::LessThan,
            "GreaterThan" => R::GreaterThan,
            "LessThanEquals" => R::LessThanEquals,
            "GreaterThanEquals" => R::GreaterThanEquals,
            _ => return None,
        };
        if kind == K::Boolean && relation != R::Equals {
            return None;
        }
        Some(OperatorSpec::Compare(kind, relation, is_path))
    };
    match name {
        "StringMatches" => return Some(OperatorSpec::Matches),
        "IsNull" => return Some(OperatorSpec::Test(TypeTest::IsNull)),
        "IsPresent" => return Some(OperatorSpec::Test(TypeTest::IsPresent)),
        "IsNumeric" => return Some(OperatorSpec::Test(TypeTest::IsNumeric)),
        "IsString" => return Some(OperatorSpec::Test(TypeTest::IsString)),
        "IsBoolean" => return Some(OperatorSpec::Test(TypeTest::IsBoolean)),
        "IsTimestamp" => return Some(OperatorSpec::Test(TypeTest::IsTimestamp)),
        _ => {}
    }
    if let Some(rest) = base.strip_prefix("String") {
        kind_relation(K::String, rest)
    } else if let Some(rest) = base.strip_prefix("Numeric") {
        kind_relation(K::Numeric, rest)
    } else if let Some(rest) = base.strip_prefix("Boolean") {
        kind_relation(K::Boolean, rest)
    } else if let Some(rest) = base.strip_prefix("Timestamp") {
        kind_relation(K::Timestamp, rest)
    } else {
        None
    }
}

const MAX_RULE_DEPTH: usize = 64;

impl Parser {
    pub(crate) fn choice_state(&mut self, obj: Obj<'_>, language: QueryLanguage) -> ChoiceState {
        let default = self.non_empty_string(obj, "Default").map(str::to_owned);
        let mut choices = Vec::new();
        let at = obj.ptr("Choices");
        match obj.get("Choices") {
            None => {
                self.require(obj, "Choices");
            }
            Some(Value::Array(items)) => {
                if items.is_empty() {
                    self.error(&at, "Value cannot be empty");
                }
                for (i, item) in items.iter().enumerate() {
                    let rule_at = format!("{at}/{i}");
                    let Value::Object(map) = item else {
                        self.error(&rule_at, "The value for a choice rule must be an OBJECT");
                        continue;
                    };
                    if let Some(rule) = self.top_rule(Obj { map, at: &rule_at }, language) {
                        choices.push(rule);
                    }
                }
            }
            Some(_) => self.error(&at, "The value for the field 'Choices' must be an ARRAY"),
        }
        ChoiceState { choices, default }
    }

    fn top_rule(&mut self, obj: Obj<'_>, language: QueryLanguage) -> Option<ChoiceRule> {
        self.require(obj, "Next");
        let next = self
            .non_empty_string(obj, "Next")
            .unwrap_or_default()
            .to_owned();
        let assign = self.assign(obj, language);
        self.string(obj, "Comment");
        match language {
            QueryLanguage::Jsonata => {
                self.check_language_fields(
                    obj,
                    &["Condition", "Next", "Assign", "Output", "Comment"],
                    "in a JSONata choice rule",
                    language,
                );
                let output = self.jsonata_template(obj, "Output");
                if !self.require(obj, "Condition") {
                    return None;
                }
                let condition = match obj.get("Condition") {
                    Some(Value::Bool(b)) => Condition::Constant(*b),
                    Some(value) => Condition::Jsonata(self.jsonata_expression_value(
                        value,
                        &obj.ptr("Condition"),
                        "Condition",
                    )?),
                    None => return None,
                };
                Some(ChoiceRule {
                    condition,
                    next,
                    assign,
                    output,
                })
            }
            QueryLanguage::JsonPath => {
                if obj.has("Condition") || obj.has("Output") {
                    for key in ["Condition", "Output"] {
                        if obj.has(key) {
                            self.error(
                                obj.ptr(key),
                                format!("The field '{key}' is not supported when QueryLanguage is JSONPath"),
                            );
                        }
                    }
                }
                let condition = self.rule(
                    obj,
                    &["Next", "Assign", "Comment", "Condition", "Output"],
                    0,
                )?;
                Some(ChoiceRule {
                    condition,
                    next,
                    assign,
                    output: None,
                })
            }
        }
    }

    /// Parses a JSONPath rule; `extra` are the fields the caller handles.
    fn rule(&mut self, obj: Obj<'_>, extra: &[&str], depth: usize) -> Option<Condition> {
        if depth > MAX_RULE_DEPTH {
            self.error(obj.at, "The choice rule is nested too deeply");
            return None;
        }
        let mut operators: Vec<(&str, OperatorSpec)> = Vec::new();
        let mut combinators: Vec<&str> = Vec::new();
        for key in obj.map.keys() {
            let key = key.as_str();
            if extra.contains(&key) || key == "Variable" {
                continue;
            }
            if matches!(key, "And" | "Or" | "Not") {
                combinators.push(key);
            } else if let Some(spec) = operator(key) {
                operators.push((key, spec));
            } else {
                self.error(
                    obj.ptr(key),
                    format!("The field '{key}' is not supported in a choice rule"),
                );
            }
        }
        if depth > 0 && obj.has("Next") {
            self.error(
                obj.ptr("Next"),
                "The field 'Next' is not supported in a nested choice rule",
            );
        }
        if operators.len() + combinators.len() != 1 {
            self.error(
                obj.at,
                "A choice rule must have exactly one comparison operator, or one of 'And', 'Or', 'Not'",
            );
            return None;
        }
        if let Some(&combinator) = combinators.first() {
            if obj.has("Variable") {
                self.error(
                    obj.ptr("Variable"),
                    "The field 'Variable' is not supported with 'And', 'Or' or 'Not'",
                );
            }
            let at = obj.ptr(combinator);
            return match (combinator, obj.get(combinator)?) {
                ("Not", Value::Object(map)) => self
                    .rule(Obj { map, at: &at }, &["Comment"], depth + 1)
                    .map(|c| Condition::Not(Box::new(c))),
                ("Not", _) => {
                    self.error(&at, "The value for the field 'Not' must be an OBJECT");
                    None
                }
                (_, Value::Array(items)) => {
                    if items.is_empty() {
                        self.error(&at, "Value cannot be empty");
                        return None;
                    }
                    let mut rules = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        let item_at = format!("{at}/{i}");
                        match item {
                            Value::Object(map) => {
                                if let Some(rule) =
                                    self.rule(Obj { map, at: &item_at }, &["Comment"], depth + 1)
                                {
                                    rules.push(rule);
                                }
                            }
                            _ => self
                                .error(&item_at, "The value for a choice rule must be an OBJECT"),
                        }
                    }
                    Some(if combinator == "And" {
                        Condition::And(rules)
                    } else {
                        Condition::Or(rules)
                    })
                }
                (_, _) => {
                    self.error(
                        &at,
                        format!("The value for the field '{combinator}' must be an ARRAY"),
                    );
                    None
                }
            };
        }
        let (name, spec) = operators.pop()?;
        if !self.require(obj, "Variable") {
            return None;
        }
        let variable = self.path(obj, "Variable", false)?;
        let at = obj.ptr(name);
        let value = obj.get(name)?;
        let comparison = self.comparison(name, spec, value, &at)?;
        Some(Condition::Compare {
            variable,
            comparison,
        })
    }

    fn comparison(
        &mut self,
        name: &str,
        spec: OperatorSpec,
        value: &Value,
        at: &str,
    ) -> Option<Comparison> {
        let type_error = |p: &mut Self, expected: &str| {
            p.error(
                at,
                format!("The value for the field '{name}' must be {expected}"),
            );
            None
        };
        match spec {
            OperatorSpec::Compare(kind, relation, true) => match value {
                Value::String(text) => {
                    self.path_text(text, at, name, false)
                        .map(|path| Comparison::Compare {
                            kind,
                            relation,
                            operand: Operand::Path(path),
                        })
                }
                _ => type_error(self, "a STRING"),
            },
            OperatorSpec::Compare(kind, relation, false) => {
                let ok = match kind {
                    ComparisonKind::String => value.is_string(),
                    ComparisonKind::Numeric => value.is_number(),
                    ComparisonKind::Boolean => value.is_boolean(),
                    ComparisonKind::Timestamp => {
                        value.as_str().is_some_and(|s| parse_timestamp(s).is_some())
                    }
                };
                if !ok {
                    let expected = match kind {
                        ComparisonKind::String => "a STRING",
                        ComparisonKind::Numeric => "a NUMBER",
                        ComparisonKind::Boolean => "a BOOLEAN",
                        ComparisonKind::Timestamp => "an RFC3339 timestamp",
                    };
                    return type_error(self, expected);
                }
                Some(Comparison::Compare {
                    kind,
                    relation,
                    operand: Operand::Literal(value.clone()),
                })
            }
            OperatorSpec::Matches => match value {
                Value::String(pattern) => Some(Comparison::StringMatches(pattern.clone())),
                _ => type_error(self, "a STRING"),
            },
            OperatorSpec::Test(test) => match value {
                Value::Bool(b) => Some(Comparison::TypeTest(test, *b)),
                _ => type_error(self, "a BOOLEAN"),
            },
        }
    }
}
