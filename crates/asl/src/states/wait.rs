//! The Wait state: pauses for a number of seconds or until a timestamp.

use crate::model::{Dynamic, QueryLanguage};
use crate::parse::{MAX_SECONDS, Obj, Parser};
use crate::timestamp::parse_timestamp;
use serde_json::Value;
use time::OffsetDateTime;

/// How long a Wait state waits.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitDuration {
    /// `Seconds` / `SecondsPath`.
    Seconds(Dynamic<u64>),
    /// `Timestamp` / `TimestampPath`.
    Timestamp(Dynamic<OffsetDateTime>),
}

/// A Wait state's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitState {
    /// The wait.
    pub duration: WaitDuration,
}

const WAIT_FIELDS: [&str; 4] = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"];

impl Parser {
    pub(crate) fn wait_state(
        &mut self,
        obj: Obj<'_>,
        language: QueryLanguage,
    ) -> Option<WaitState> {
        let present = WAIT_FIELDS.iter().filter(|k| obj.has(k)).count();
        if present == 0 {
            self.error(
                obj.at,
                "Exactly one of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]",
            );
            return None;
        }
        if !self.at_most_one(obj, &WAIT_FIELDS) {
            return None;
        }
        let duration =
            if obj.has("Seconds") || obj.has("SecondsPath") {
                WaitDuration::Seconds(self.dynamic_integer(
                    obj,
                    "Seconds",
                    Some("SecondsPath"),
                    language,
                    0,
                    MAX_SECONDS,
                )?)
            } else if obj.has("TimestampPath") {
                WaitDuration::Timestamp(Dynamic::Path(self.path(obj, "TimestampPath", true)?))
            } else {
                let value = obj.get("Timestamp")?;
                let at = obj.ptr("Timestamp");
                match value {
                    Value::String(s)
                        if language == QueryLanguage::Jsonata
                            && (s.starts_with("{%") || s.ends_with("%}")) =>
                    {
                        WaitDuration::Timestamp(Dynamic::Expression(
                            self.jsonata_expression_value(value, &at, "Timestamp")?,
                        ))
                    }
                    Value::String(s) => match parse_timestamp(s) {
                        Some(t) => WaitDuration::Timestamp(Dynamic::Static(t)),
                        None => {
                            self.error(&at, "String does not match RFC3339 timestamp");
                            return None;
                        }
                    },
                    _ => {
                        self.error(&at, "The value for the field 'Timestamp' must be a STRING");
                        return None;
                    }
                }
            };
        Some(WaitState { duration })
    }
}
