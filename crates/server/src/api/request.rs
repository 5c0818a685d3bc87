//! Reading an operation's request body: typed member access with coral's error answers
//! (`SerializationException` for wrong JSON types, `ValidationException` for broken constraints).

use crate::error::ApiError;
use serde_json::{Map, Value};

/// A request body: one JSON object.
#[derive(Debug)]
pub struct Request {
    members: Map<String, Value>,
}

/// Renders a value the way coral quotes it in validation messages.
fn quoted(text: &str) -> String {
    format!("'{text}'")
}

impl Request {
    /// Parses the body; an empty body is an empty object, as AWS takes it.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self {
                members: Map::new(),
            });
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(members)) => Ok(Self { members }),
            Ok(_) => Err(ApiError::serialization(
                "Start of structure or map found where not expected.",
            )),
            Err(_) => Err(ApiError::serialization("")),
        }
    }

    fn get(&self, member: &str) -> Option<&Value> {
        self.members.get(member).filter(|v| !v.is_null())
    }

    /// An optional string member.
    pub fn opt_str(&self, member: &str) -> Result<Option<&str>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::serialization(format!(
                "STRING_VALUE can not be converted to a String for member '{member}'"
            ))),
        }
    }

    /// A required string member.
    pub fn str(&self, member: &str) -> Result<&str, ApiError> {
        self.opt_str(member)?
            .ok_or_else(|| ApiError::missing(member))
    }

    /// A string member with a length constraint (`min..=max` characters).
    pub fn str_len(&self, member: &str, min: usize, max: usize) -> Result<&str, ApiError> {
        let value = self.str(member)?;
        check_len(member, value, min, max)?;
        Ok(value)
    }

    /// An optional string member with a length constraint.
    pub fn opt_str_len(
        &self,
        member: &str,
        min: usize,
        max: usize,
    ) -> Result<Option<&str>, ApiError> {
        let value = self.opt_str(member)?;
        if let Some(value) = value {
            check_len(member, value, min, max)?;
        }
        Ok(value)
    }

    /// An optional boolean member.
    pub fn opt_bool(&self, member: &str) -> Result<Option<bool>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::serialization(format!(
                "Boolean can not be converted for member '{member}'"
            ))),
        }
    }

    /// An optional integer member within `min..=max`.
    pub fn opt_int(&self, member: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                let Some(value) = n.as_i64() else {
                    return Err(ApiError::serialization(format!(
                        "NUMBER_VALUE can not be converted to an Integer for member '{member}'"
                    )));
                };
                if value < min {
                    return Err(ApiError::constraint(
                        member,
                        &value.to_string(),
                        &format!("Member must have value greater than or equal to {min}"),
                    ));
                }
                if value > max {
                    return Err(ApiError::constraint(
                        member,
                        &value.to_string(),
                        &format!("Member must have value less than or equal to {max}"),
                    ));
                }
                Ok(Some(value))
            }
            Some(_) => Err(ApiError::serialization(format!(
                "Integer can not be converted for member '{member}'"
            ))),
        }
    }

    /// An optional member of any JSON type.
    pub fn opt_value(&self, member: &str) -> Option<&Value> {
        self.get(member)
    }

    /// An optional list member.
    pub fn opt_list(&self, member: &str) -> Result<Option<&Vec<Value>>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(ApiError::serialization(format!(
                "Expected list or null for member '{member}'"
            ))),
        }
    }

    /// An optional structure member.
    pub fn opt_object(&self, member: &str) -> Result<Option<&Map<String, Value>>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(ApiError::serialization(format!(
                "Expected structure or null for member '{member}'"
            ))),
        }
    }
}

/// Checks a string member's length in characters (coral counts UTF-16 units; for the ASCII
/// names and ARNs this matters for, characters are the same).
pub fn check_len(member: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let len = value.chars().count();
    if len < min {
        return Err(ApiError::constraint(
            member,
            &quoted(value),
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if len > max {
        return Err(ApiError::constraint(
            member,
            &quoted(value),
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}
