//! The JSONata fast path (plain `$states.input.a.b` paths read without the evaluator) agrees
//! with the evaluator on every input where it answers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_asl::jsonata::JsonataExpression;
use baton_asl::template::JsonataTemplate;
use baton_engine::jsonata::fast_template;
use proptest::prelude::*;
use serde_json::{Value, json};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        "[a-c]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn fast_path_agrees_with_the_evaluator(
        input in json_value(),
        result in json_value(),
        path in prop::collection::vec("[a-c]", 0..4),
        root in prop_oneof![Just("input"), Just("result")],
    ) {
        let text = if path.is_empty() {
            format!("$states.{root}")
        } else {
            format!("$states.{root}.{}", path.join("."))
        };
        let expression = JsonataExpression::compile(&text).unwrap();
        prop_assert!(expression.simple_path().is_some(), "{text} is a plain path");
        let template = JsonataTemplate::Expression(expression.clone());
        if let Some(fast) = fast_template(&template, &input, Some(&result), None) {
            let states = json!({"input": input, "result": result});
            let slow = expression.evaluate(None, &[("states".to_owned(), states)]).unwrap();
            prop_assert_eq!(Some(fast), slow, "{}", text);
        }
    }
}

#[test]
fn only_plain_paths_take_the_fast_path() {
    for text in [
        "$states.input.a",
        "$states.result",
        "$states.errorOutput.Error",
        " $states.input.a_1 ",
    ] {
        assert!(
            JsonataExpression::compile(text)
                .unwrap()
                .simple_path()
                .is_some(),
            "{text}"
        );
    }
    for text in [
        "$states.context.Execution.Id",
        "$states.input.a[0]",
        "$states.input.`a b`",
        "$states.input.a + 1",
        "$x.a",
        "$states.input.a.$uppercase()",
    ] {
        assert!(
            JsonataExpression::compile(text)
                .unwrap()
                .simple_path()
                .is_none(),
            "{text}"
        );
    }
}
