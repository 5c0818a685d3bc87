//! Tests for JSONPath parsing, evaluation (Jayway bookstore examples) and writing.
#![allow(clippy::indexing_slicing)]

use proptest::prelude::*;
use serde_json::{Value, json};

use super::regex::Regex;
use super::*;

fn bookstore() -> Value {
    json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10
    })
}

fn eval(path: &str, doc: &Value) -> Result<Value, PathError> {
    JsonPath::parse(path)
        .unwrap_or_else(|e| panic!("{path} should parse: {e}"))
        .evaluate(doc)
}

fn titles(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected array, got {value}"))
        .iter()
        .map(|book| book["title"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn parses_valid_paths() {
    let name = |s: &str| Segment::Child(Selector::Name(s.to_string()));
    let cases: Vec<(&str, PathRoot, Vec<Segment>)> = vec![
        ("$", PathRoot::Input, vec![]),
        ("$$", PathRoot::Context, vec![]),
        (
            "$$.Execution.Id",
            PathRoot::Context,
            vec![name("Execution"), name("Id")],
        ),
        ("$counter", PathRoot::Variable("counter".into()), vec![]),
        (
            "$counter.x",
            PathRoot::Variable("counter".into()),
            vec![name("x")],
        ),
        (
            "$_v1[0]",
            PathRoot::Variable("_v1".into()),
            vec![Segment::Child(Selector::Index(0))],
        ),
        ("$.a.b", PathRoot::Input, vec![name("a"), name("b")]),
        ("$['a']", PathRoot::Input, vec![name("a")]),
        ("$[\"a b\"]", PathRoot::Input, vec![name("a b")]),
        ("$['it\\'s']", PathRoot::Input, vec![name("it's")]),
        ("$.['a']", PathRoot::Input, vec![name("a")]),
        ("$.2020", PathRoot::Input, vec![name("2020")]),
        ("$.a-b:c@d", PathRoot::Input, vec![name("a-b:c@d")]),
        (
            "$.naïve.日本",
            PathRoot::Input,
            vec![name("naïve"), name("日本")],
        ),
        (
            "$['a','b']",
            PathRoot::Input,
            vec![Segment::Child(Selector::Names(vec![
                "a".into(),
                "b".into(),
            ]))],
        ),
        (
            "$[-1]",
            PathRoot::Input,
            vec![Segment::Child(Selector::Index(-1))],
        ),
        (
            "$[0, 2,5]",
            PathRoot::Input,
            vec![Segment::Child(Selector::Indexes(vec![0, 2, 5]))],
        ),
        (
            "$[1:3]",
            PathRoot::Input,
            vec![Segment::Child(Selector::Slice {
                start: Some(1),
                end: Some(3),
            })],
        ),
        (
            "$[:2]",
            PathRoot::Input,
            vec![Segment::Child(Selector::Slice {
                start: None,
                end: Some(2),
            })],
        ),
        (
            "$[-2:]",
            PathRoot::Input,
            vec![Segment::Child(Selector::Slice {
                start: Some(-2),
                end: None,
            })],
        ),
        (
            "$.*",
            PathRoot::Input,
            vec![Segment::Child(Selector::Wildcard)],
        ),
        (
            "$[*]",
            PathRoot::Input,
            vec![Segment::Child(Selector::Wildcard)],
        ),
        (
            "$..name",
            PathRoot::Input,
            vec![Segment::Descendant(Selector::Name("name".into()))],
        ),
        (
            "$..*",
            PathRoot::Input,
            vec![Segment::Descendant(Selector::Wildcard)],
        ),
        (
            "$..[0]",
            PathRoot::Input,
            vec![Segment::Descendant(Selector::Index(0))],
        ),
        (
            "$.a.length()",
            PathRoot::Input,
            vec![name("a"), Segment::Function(PathFunction::Length)],
        ),
        ("$.a  ", PathRoot::Input, vec![name("a")]),
    ];
    for (text, root, segments) in cases {
        let path = JsonPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(path.root(), &root, "{text}");
        assert_eq!(path.segments(), segments.as_slice(), "{text}");
        assert_eq!(path.to_string(), text, "Display keeps the original text");
        assert_eq!(path.as_str(), text);
    }
}

#[test]
fn parses_filters() {
    let ok = [
        "$[?(@.price < 10)]",
        "$[?(@.isbn)]",
        "$[?(!@.isbn)]",
        "$[?(@.a == 'x' && (@.b != \"y\" || @.c >= -1.5e3))]",
        "$[?(@.a =~ /^ab+c$/i)]",
        "$[?(@.a in ['x', \"y\", 1, true, null, [1], {'k': 2}])]",
        "$[?(@.a nin [1,2])]",
        "$[?(@.a subsetof ['x'])]",
        "$[?(@.a anyof ['x'])]",
        "$[?(@.a noneof ['x'])]",
        "$[?(@.a size 3)]",
        "$[?(@.a empty false)]",
        "$[?(@.a contains 'x')]",
        "$[?(@.price <= $['expensive'])]",
        "$[?(@ > 3)]",
        "$[?(@.tags.length() > 2)]",
        "$[?(@.a===1 || @.b!==2)]",
        "$[?( @.a<1 )]",
        "$..book[?(@.author =~ /.*REES/i)]",
        "$[?(@.a[?(@.b == 1)])]",
    ];
    for text in ok {
        let path = JsonPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(!path.is_definite(), "{text}");
        assert!(!path.is_reference_path(), "{text}");
    }
}

#[test]
fn rejects_invalid_paths() {
    let bad = [
        "",
        "a.b",
        "$.",
        "$..",
        "$...a",
        "$[",
        "$['a",
        "$['a',]",
        "$[abc]",
        "$[1:2:3]",
        "$[-]",
        "$[99999999999999999999]",
        "$.a b",
        "$.a[0]x",
        "$[?(@.a <)]",
        "$[?(@.a == 'x')",
        "$[?(@.a == 'x']",
        "$[?('x')]",
        "$[?(@.a == bogus)]",
        "$[?(@.a =~ /[/)]",
        "$[?(@.a =~ /a/q)]",
        "$.foo()",
        "$.length(1)",
        "$.length().a",
        "$..length()",
        "$1",
        "$$$",
        "$['\\q']",
        "$ .a",
    ];
    for text in bad {
        assert!(
            JsonPath::parse(text).is_err(),
            "{text:?} should be rejected"
        );
    }
    let deep = format!("$[?({}@.a{})]", "(".repeat(200), ")".repeat(200));
    assert!(matches!(
        JsonPath::parse(&deep),
        Err(PathError::TooDeep { .. })
    ));
    let nested = format!("$[?(@{}.a{})]", "[?(@".repeat(100), ")]".repeat(100));
    assert!(JsonPath::parse(&nested).is_err());
    let not = format!("$[?({}@.a)]", "!".repeat(10_000));
    assert!(JsonPath::parse(&not).is_err());
    // Long flat chains are fine (no nesting) and evaluate without deep recursion.
    let chain = format!("$[?({})]", vec!["@.a == 1"; 50_000].join(" || "));
    let path = JsonPath::parse(&chain).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        path.evaluate(&json!([{"a": 1}, {"a": 2}])).ok(),
        Some(json!([{"a": 1}]))
    );
}

#[test]
fn reference_and_definite_paths() {
    let cases = [
        ("$", true, true),
        ("$.a.b[0]['c'][-1]", true, true),
        ("$$.Map.Item.Value", true, true),
        ("$['a','b']", false, true),
        ("$.a.length()", false, true),
        ("$[0,1]", false, false),
        ("$[*]", false, false),
        ("$..a", false, false),
        ("$[1:2]", false, false),
        ("$['a','b'].c", false, false),
        ("$[?(@.a)]", false, false),
    ];
    for (text, reference, definite) in cases {
        let path = JsonPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(path.is_reference_path(), reference, "{text} reference");
        assert_eq!(path.is_definite(), definite, "{text} definite");
    }
}

#[test]
fn evaluates_jayway_bookstore_examples() {
    let doc = bookstore();
    let authors = json!([
        "Nigel Rees",
        "Evelyn Waugh",
        "Herman Melville",
        "J. R. R. Tolkien"
    ]);
    let cases: Vec<(&str, Value)> = vec![
        ("$.store.book[*].author", authors.clone()),
        ("$..author", authors),
        (
            "$.store.*",
            json!([doc["store"]["book"], doc["store"]["bicycle"]]),
        ),
        ("$.store..price", json!([8.95, 12.99, 8.99, 22.99, 19.95])),
        ("$..price", json!([8.95, 12.99, 8.99, 22.99, 19.95])),
        ("$..book[2].title", json!(["Moby Dick"])),
        ("$..book[-2].title", json!(["Moby Dick"])),
        (
            "$..book[0,1].title",
            json!(["Sayings of the Century", "Sword of Honour"]),
        ),
        (
            "$..book[:2].title",
            json!(["Sayings of the Century", "Sword of Honour"]),
        ),
        ("$..book[1:2].title", json!(["Sword of Honour"])),
        (
            "$..book[-2:].title",
            json!(["Moby Dick", "The Lord of the Rings"]),
        ),
        (
            "$..book[2:].title",
            json!(["Moby Dick", "The Lord of the Rings"]),
        ),
        ("$.store.book[1:-1].title", json!([])),
        // Jayway's sliceBetween walks from..to through negative indexes as-is.
        (
            "$.store.book[-3:2].title",
            json!([
                "Sword of Honour",
                "Moby Dick",
                "The Lord of the Rings",
                "Sayings of the Century",
                "Sword of Honour"
            ]),
        ),
        ("$.store.book[:-3].title", json!(["Sayings of the Century"])),
        (
            "$.store.book[*].isbn",
            json!(["0-553-21311-3", "0-395-19395-8"]),
        ),
        ("$.store.book[10][*]", json!([])),
        ("$['store']['bicycle']['color']", json!("red")),
        ("$.store.book[-1].author", json!("J. R. R. Tolkien")),
        ("$.expensive", json!(10)),
        (
            "$.store.book[0]['author','price']",
            json!({"author": "Nigel Rees", "price": 8.95}),
        ),
        (
            "$.store.book[*]['title','isbn']",
            json!([
                {"title": "Sayings of the Century"},
                {"title": "Sword of Honour"},
                {"title": "Moby Dick", "isbn": "0-553-21311-3"},
                {"title": "The Lord of the Rings", "isbn": "0-395-19395-8"}
            ]),
        ),
        ("$.store.book.length()", json!(4)),
        ("$.store.book.size()", json!(4)),
        ("$..price.min()", json!(8.95)),
        ("$..price.max()", json!(22.99)),
        ("$.store.keys()", json!(["book", "bicycle"])),
        ("$.store.book[*].price.length()", json!(4)),
        ("$.store.bicycle.price.length()", json!(Value::Null)),
        ("$..[0].title", json!(["Sayings of the Century"])),
    ];
    for (path, expected) in cases {
        match eval(path, &doc) {
            Ok(actual) => assert_eq!(actual, expected, "{path}"),
            Err(e) if expected.is_null() => assert!(matches!(e, PathError::Function { .. })),
            Err(e) => panic!("{path}: {e}"),
        }
    }
    let all = eval("$..*", &doc).unwrap_or_default();
    assert_eq!(all.as_array().map(Vec::len), Some(28));
    assert_eq!(all[0], doc["store"]);
    assert_eq!(all[1], json!(10));
    let sum = eval("$.store.book[*].price.sum()", &doc).unwrap_or_default();
    assert!((sum.as_f64().unwrap_or(0.0) - 53.92).abs() < 1e-9);
    let avg = eval("$.store.book[*].price.avg()", &doc).unwrap_or_default();
    assert!((avg.as_f64().unwrap_or(0.0) - 13.48).abs() < 1e-9);
    let sd = eval("$..price.stddev()", &doc).unwrap_or_default();
    assert!(sd.as_f64().unwrap_or(0.0) > 5.0);
    assert!(JsonPath::parse("$.store.book.first().title").is_err());
    assert_eq!(
        eval("$.store.book[*].title.first()", &doc).ok(),
        Some(json!("Sayings of the Century"))
    );
    assert_eq!(
        eval("$.store.book[-1:].price.last()", &doc).ok(),
        Some(json!(22.99))
    );
    assert!(eval("$.store.missing[*].first()", &doc).is_err());
}

#[test]
fn evaluates_filters() {
    let doc = bookstore();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "$..book[?(@.isbn)]",
            vec!["Moby Dick", "The Lord of the Rings"],
        ),
        (
            "$..book[?(!@.isbn)]",
            vec!["Sayings of the Century", "Sword of Honour"],
        ),
        (
            "$.store.book[?(@.price < 10)]",
            vec!["Sayings of the Century", "Moby Dick"],
        ),
        (
            "$..book[?(@.price <= $['expensive'])]",
            vec!["Sayings of the Century", "Moby Dick"],
        ),
        (
            "$..book[?(@.author =~ /.*REES/i)]",
            vec!["Sayings of the Century"],
        ),
        ("$..book[?(@.author =~ /.*REES/)]", vec![]),
        ("$..book[?(@.title =~ /moby.*/i)]", vec!["Moby Dick"]),
        (
            "$.store.book[?(@.category == 'fiction' && @.price > 10)]",
            vec!["Sword of Honour", "The Lord of the Rings"],
        ),
        (
            "$.store.book[?(@.price > 20 || @.price < 9)]",
            vec![
                "Sayings of the Century",
                "Moby Dick",
                "The Lord of the Rings",
            ],
        ),
        (
            "$.store.book[?(!(@.price > 20 || @.price < 9))]",
            vec!["Sword of Honour"],
        ),
        (
            "$.store.book[?(@.category in ['reference', 'x'])]",
            vec!["Sayings of the Century"],
        ),
        (
            "$.store.book[?(@.category nin ['fiction'])]",
            vec!["Sayings of the Century"],
        ),
        ("$.store.book[?(@.title size 9)]", vec!["Moby Dick"]),
        (
            "$.store.book[?(@.isbn empty false)]",
            vec!["Moby Dick", "The Lord of the Rings"],
        ),
        (
            "$.store.book[?(@.isbn exists false)]",
            vec!["Sayings of the Century", "Sword of Honour"],
        ),
        (
            "$.store.book[?(@.author contains 'Tolk')]",
            vec!["The Lord of the Rings"],
        ),
        (
            "$.store.book[?(@.price == 8.95)]",
            vec!["Sayings of the Century"],
        ),
        (
            "$.store.book[?(@.price === 8.95)]",
            vec!["Sayings of the Century"],
        ),
        (
            "$.store.book[?(@.title > 'S')]",
            vec![
                "Sayings of the Century",
                "Sword of Honour",
                "The Lord of the Rings",
            ],
        ),
        (
            "$.store.book[?(@.isbn != '0-553-21311-3')]",
            vec![
                "Sayings of the Century",
                "Sword of Honour",
                "The Lord of the Rings",
            ],
        ),
        ("$..[?(@.price > 19)]", vec!["The Lord of the Rings", "?"]),
    ];
    for (path, expected) in cases {
        let actual = eval(path, &doc).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(titles(&actual), expected, "{path}");
    }
    assert_eq!(
        eval("$.store.bicycle[?(@.color == 'red')]", &doc).ok(),
        Some(json!([doc["store"]["bicycle"]]))
    );
    let tagged = json!({"items": [
        {"id": 1, "tags": ["a", "b"], "n": "1"},
        {"id": 2, "tags": ["c"], "n": 2},
        {"id": 3, "tags": [], "n": null},
        {"id": 4, "n": true}
    ], "allowed": ["a", "b", "c"]});
    let ids = |path: &str| -> Vec<i64> {
        eval(path, &tagged)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .as_array()
            .map(|items| items.iter().filter_map(|i| i["id"].as_i64()).collect())
            .unwrap_or_default()
    };
    assert_eq!(ids("$.items[?(@.tags subsetof ['a','b'])]"), vec![1, 3]);
    assert_eq!(ids("$.items[?(@.tags anyof ['b','c'])]"), vec![1, 2]);
    assert_eq!(ids("$.items[?(@.tags noneof ['a'])]"), vec![2, 3]);
    assert_eq!(ids("$.items[?(@.tags subsetof $.allowed)]"), vec![1, 2, 3]);
    assert_eq!(ids("$.items[?(@.tags empty true)]"), vec![3]);
    assert_eq!(ids("$.items[?(@.tags size 2)]"), vec![1]);
    assert_eq!(ids("$.items[?(@.tags contains 'c')]"), vec![2]);
    assert_eq!(ids("$.items[?(@.tags all ['a','b'])]"), vec![1]);
    assert_eq!(ids("$.items[?(@.tags.length() >= 1)]"), vec![1, 2]);
    assert_eq!(ids("$.items[?(@.n == 1)]"), vec![1]);
    assert_eq!(ids("$.items[?(@.n == '2')]"), vec![2]);
    assert_eq!(ids("$.items[?(@.n === 2)]"), vec![2]);
    assert_eq!(ids("$.items[?(@.n == null)]"), vec![3]);
    assert_eq!(ids("$.items[?(@.n == true)]"), vec![4]);
    assert_eq!(ids("$.items[?(@.tags[0] == 'c')]"), vec![2]);
    assert_eq!(ids("$.items[?(@.tags[?(@ == 'b')])]"), vec![1]);
    assert_eq!(ids("$.items[?(@.id in [2, 4])]"), vec![2, 4]);
    assert_eq!(ids("$.items[?(@.n =~ /\\d+/)]"), vec![1, 2]);
    assert_eq!(
        eval("$.items[*].id[?(@ > 1)]", &tagged).ok(),
        Some(json!([]))
    );
    assert_eq!(
        eval("$[?(@ > 1)]", &json!([1, 2, 3])).ok(),
        Some(json!([2, 3]))
    );
}

#[test]
fn definite_paths_report_not_found() {
    let doc = bookstore();
    let cases = [
        ("$.missing", "No results for path: $['missing']"),
        (
            "$.store.missing.x",
            "Missing property in path $['store']['missing']",
        ),
        (
            "$.store.book[10]",
            "No results for path: $['store']['book'][10]",
        ),
        (
            "$.expensive.x",
            "Expected to find an object with property ['x']",
        ),
        ("$.store[0]", "can only be applied to arrays"),
        ("$.expensive[1,2]", "cannot be applied to a number"),
        ("$.expensive[?(@.a)]", "cannot be applied to a number"),
    ];
    for (path, detail) in cases {
        match eval(path, &doc) {
            Err(PathError::NotFound { path: p, detail: d }) => {
                assert_eq!(p, path);
                assert!(d.contains(detail), "{path}: {d}");
            }
            other => panic!("{path}: expected NotFound, got {other:?}"),
        }
    }
    // AWS: a missing property before an indefinite part selects nothing
    // (conformance: test_json_path_array_wildcard_or_slice_with_no_input).
    assert_eq!(eval("$.missing[*]", &doc).ok(), Some(serde_json::json!([])));
    assert_eq!(
        eval("$.store.missing[1:]", &doc).ok(),
        Some(serde_json::json!([]))
    );
    let err = eval("$.missing", &doc).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("Invalid path '$.missing' : No results for path: $['missing']")
    );
}

#[test]
fn selection_variants_and_roots() {
    let doc = bookstore();
    let path = JsonPath::parse("$.store.bicycle").unwrap_or_else(|e| panic!("{e}"));
    match path.select_in(&doc) {
        Ok(Selection::One(node)) => assert!(std::ptr::eq(node, &doc["store"]["bicycle"])),
        other => panic!("{other:?}"),
    }
    assert_eq!(path.get(&doc).ok(), Some(&doc["store"]["bicycle"]));
    let many = JsonPath::parse("$..color").unwrap_or_else(|e| panic!("{e}"));
    let selection = many.select_in(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert!(selection.is_many());
    assert!(many.get(&doc).is_err());

    let context = json!({"Execution": {"Id": "arn:exec"}, "Map": {"Item": {"Index": 3}}});
    let ctx_path = JsonPath::parse("$$.Execution.Id").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ctx_path.root(), &PathRoot::Context);
    assert_eq!(ctx_path.evaluate(&context).ok(), Some(json!("arn:exec")));
    let var = JsonPath::parse("$counter.x").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(var.root(), &PathRoot::Variable("counter".into()));
    assert_eq!(var.evaluate(&json!({"x": 5})).ok(), Some(json!(5)));
    let whole = JsonPath::parse("$counter").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(whole.evaluate(&json!(7)).ok(), Some(json!(7)));
}

#[test]
fn normalized_form() {
    let cases = [
        ("$.a.b[0]", "$['a']['b'][0]"),
        ("$..x[*]", "$..['x'][*]"),
        ("$$.a['it\\'s']", "$$['a']['it\\'s']"),
        ("$v[1:][:2][-1:3][0,1]", "$v[1:][:2][-1:3][0,1]"),
        ("$.a.length()", "$['a'].length()"),
        ("$[?(@.a > 1)]", "$[?(@.a > 1)]"),
    ];
    for (text, normalized) in cases {
        let path = JsonPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(path.to_normalized(), normalized);
        let again = JsonPath::parse(normalized).unwrap_or_else(|e| panic!("{normalized}: {e}"));
        assert_eq!(again.segments(), path.segments());
    }
}

#[test]
fn writes_result_paths() {
    let write = |path: &str, target: Value, value: Value| {
        JsonPath::parse(path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .write(target, value)
    };
    assert_eq!(write("$", json!({"a": 1}), json!(2)).ok(), Some(json!(2)));
    assert_eq!(
        write("$.a.b", json!({}), json!(1)).ok(),
        Some(json!({"a": {"b": 1}}))
    );
    assert_eq!(
        write(
            "$.result",
            json!({"x": 1, "result": "old"}),
            json!({"ok": true})
        )
        .ok(),
        Some(json!({"x": 1, "result": {"ok": true}}))
    );
    assert_eq!(
        write("$.a.c", json!({"a": {"b": 1}}), json!(2)).ok(),
        Some(json!({"a": {"b": 1, "c": 2}}))
    );
    assert_eq!(
        write("$.arr[1].x", json!({"arr": [{}, {}]}), json!(3)).ok(),
        Some(json!({"arr": [{}, {"x": 3}]}))
    );
    assert_eq!(
        write("$.arr[-1]", json!({"arr": [1, 2]}), json!(9)).ok(),
        Some(json!({"arr": [1, 9]}))
    );
    let errors = [
        ("$.a.b", json!({"a": 1})),
        ("$.a", json!("text")),
        ("$.a.b", json!({"a": null})),
        ("$.arr[5]", json!({"arr": [1]})),
        ("$.arr[0]", json!({"arr": {}})),
        ("$.arr[0]", json!({})),
    ];
    for (path, target) in errors {
        match write(path, target, json!(0)) {
            Err(PathError::WriteMismatch { .. }) => {}
            other => panic!("{path}: {other:?}"),
        }
    }
    for path in ["$[*]", "$..a", "$.a[0,1]", "$['a','b']", "$.a.length()"] {
        assert!(matches!(
            write(path, json!({}), json!(0)),
            Err(PathError::NotReferencePath { .. })
        ));
    }
    // Key order of the existing document is preserved.
    let out = write("$.b", json!({"z": 1, "b": 0, "a": 2}), json!(5)).unwrap_or_default();
    assert_eq!(out.to_string(), r#"{"z":1,"b":5,"a":2}"#);
}

#[test]
fn regex_engine() {
    let cases = [
        ("abc", "", "abc", true),
        ("abc", "", "abcd", false),
        ("a.c", "", "a\nc", false),
        ("a.c", "s", "a\nc", true),
        ("ab*c", "", "ac", true),
        ("ab+c", "", "ac", false),
        ("a(b|cd)+e", "", "abcdbe", true),
        ("[a-c]{2,3}", "", "abc", true),
        ("[a-c]{2,3}", "", "abca", false),
        ("[^0-9]+", "", "abc", true),
        ("\\d{3}-\\d{4}", "", "555-1234", true),
        ("\\w+@\\w+\\.com", "", "me@x.com", true),
        ("REES", "i", "rees", true),
        ("(?i)rees", "", "REES", true),
        ("^a$", "", "a", true),
        ("x*", "", "", true),
        (
            "(a*)*b",
            "",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            false,
        ),
        ("\\bfoo\\b.*", "", "foo bar", true),
        ("[\\-\\]]+", "", "-]", true),
        ("a{2}b", "", "aab", true),
        ("a??b", "", "b", true),
        ("\\.\\*", "", ".*", true),
        ("(?:ab)|c", "", "c", true),
        ("é+", "i", "ÉÉ", true),
    ];
    for (pattern, flags, input, expected) in cases {
        let regex = Regex::new(pattern, flags).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        assert_eq!(
            regex.is_full_match(input),
            expected,
            "/{pattern}/{flags} on {input:?}"
        );
    }
    for bad in [
        "(", "[a", "a{2,1}", "*a", "(?=a)", "\\1", "[b-a]", "((((a)))", "\\",
    ] {
        assert!(Regex::new(bad, "").is_err(), "{bad}");
    }
    assert!(Regex::new(&"(".repeat(100), "").is_err());
    assert!(Regex::new("(a{1000}){1000}", "").is_err());
}

fn segment_strategy() -> impl Strategy<Value = (String, Segment)> {
    let name = "[a-zA-Z_][a-zA-Z0-9_-]{0,6}"
        .prop_map(|n| (format!(".{n}"), Segment::Child(Selector::Name(n))));
    let quoted =
        "[^'\\\\]{0,6}".prop_map(|n| (format!("['{n}']"), Segment::Child(Selector::Name(n))));
    let index = (-5i64..20).prop_map(|i| (format!("[{i}]"), Segment::Child(Selector::Index(i))));
    let wildcard = Just((".*".to_string(), Segment::Child(Selector::Wildcard)));
    let slice = (
        proptest::option::of(-5i64..5),
        proptest::option::of(-5i64..5),
    )
        .prop_map(|(s, e)| {
            let text = format!(
                "[{}:{}]",
                s.map(|v| v.to_string()).unwrap_or_default(),
                e.map(|v| v.to_string()).unwrap_or_default()
            );
            (text, Segment::Child(Selector::Slice { start: s, end: e }))
        });
    let scan =
        "[a-z]{1,5}".prop_map(|n| (format!("..{n}"), Segment::Descendant(Selector::Name(n))));
    prop_oneof![name, quoted, index, wildcard, slice, scan]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics(text in ".{0,60}") {
        let _ = JsonPath::parse(&text);
    }

    #[test]
    fn parse_and_evaluate_never_panic(text in "[$@.\\[\\]'\"?()*:,0-9a-c<>=!~/& |-]{0,40}") {
        let doc = bookstore();
        if let Ok(path) = JsonPath::parse(&text) {
            let _ = path.evaluate(&doc);
            let _ = path.write(doc, json!(1));
        }
    }

    #[test]
    fn simple_paths_round_trip(parts in proptest::collection::vec(segment_strategy(), 0..6)) {
        let text: String = std::iter::once("$".to_string()).chain(parts.iter().map(|(t, _)| t.clone())).collect();
        let expected: Vec<Segment> = parts.into_iter().map(|(_, s)| s).collect();
        let path = JsonPath::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(path.segments(), expected.as_slice());
        let reparsed = JsonPath::parse(&path.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&reparsed, &path);
        let normalized = JsonPath::parse(&path.to_normalized()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(normalized.segments(), path.segments());
        let _ = path.evaluate(&bookstore());
    }
}
