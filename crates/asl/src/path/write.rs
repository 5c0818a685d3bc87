//! Writing through a reference path (`ResultPath`): replace the root, set a member
//! (creating missing intermediate objects) or replace an existing array element.

use serde_json::{Map, Value};

use super::eval::{resolve_index, type_name};
use super::{JsonPath, PathError, Segment, Selector};

impl JsonPath {
    /// Stores `value` at this reference path inside `target` and returns the result.
    ///
    /// `$` replaces the whole target. Missing members along the way are created as
    /// objects; an existing non-object intermediate, a non-array under an index, or an
    /// out-of-range index is an error (AWS `States.ResultPathMatchFailure`).
    pub fn write(&self, target: Value, value: Value) -> Result<Value, PathError> {
        if !self.is_reference_path() {
            return Err(PathError::NotReferencePath {
                path: self.text.clone(),
            });
        }
        let mut target = target;
        let mut slot: &mut Value = &mut target;
        let mut trail = String::from("$");
        for segment in &self.segments {
            slot = match (segment, slot) {
                (Segment::Child(Selector::Name(name)), Value::Object(map)) => {
                    trail.push('.');
                    trail.push_str(name);
                    map.entry(name.clone())
                        .or_insert_with(|| Value::Object(Map::new()))
                }
                (Segment::Child(Selector::Name(name)), other) => {
                    return Err(self.mismatch(format!(
                        "cannot set field '{name}' because {trail} is a {}, not an object",
                        type_name(other)
                    )));
                }
                (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
                    let len = items.len();
                    let Some(item) = resolve_index(*index, len).and_then(|k| items.get_mut(k))
                    else {
                        return Err(self.mismatch(format!(
                            "index {index} is out of range for the array at {trail} (length {len})"
                        )));
                    };
                    trail.push_str(&format!("[{index}]"));
                    item
                }
                (Segment::Child(Selector::Index(index)), other) => {
                    return Err(self.mismatch(format!(
                        "cannot use index [{index}] because {trail} is a {}, not an array",
                        type_name(other)
                    )));
                }
                _ => {
                    return Err(PathError::NotReferencePath {
                        path: self.text.clone(),
                    });
                }
            };
        }
        *slot = value;
        Ok(target)
    }

    fn mismatch(&self, message: String) -> PathError {
        PathError::WriteMismatch {
            path: self.text.clone(),
            message,
        }
    }
}
