//! Fuzz target: any text as a JSONPath; when it parses, read it from a fixed document and, for
//! reference paths, write through it.
#![no_main]

use baton_asl::path::JsonPath;
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(path) = JsonPath::parse(text) else { return };
    let document = json!({
        "store": {"book": [
            {"category": "reference", "author": "Nigel Rees", "price": 8.95, "tags": ["a", "b"]},
            {"category": "fiction", "author": "Evelyn Waugh", "price": 12.99, "isbn": "0-553"}
        ], "bicycle": {"color": "red", "price": 19.95}},
        "n": [1, 2, 3, null, true, "x"], "deep": {"a": {"b": {"c": [[1], [2, [3]]]}}}
    });
    let _ = path.evaluate(&document);
    let _ = path.to_string();
    if path.is_reference_path() {
        let _ = path.write(document.clone(), json!({"written": true}));
    }
});
