//! The journal's encoding of engine signals: what a restart replays to rebuild an execution.
//! Version 1: one JSON object per signal, tagged by `"signal"`.

use baton_engine::Signal;
use baton_engine::failure::Failure;
use serde_json::{Value, json};

/// The first journal entry of every execution: the start itself (its input is on the record),
/// with the mock test case it runs under, if any.
pub fn start(test_case: Option<&str>) -> String {
    match test_case {
        Some(case) => json!({"v": 1, "signal": "start", "testCase": case}).to_string(),
        None => json!({"v": 1, "signal": "start"}).to_string(),
    }
}

/// Encodes a signal as journal text.
pub fn encode(signal: &Signal) -> String {
    let value = match signal {
        Signal::TaskSucceeded { task, output } => {
            json!({"v": 1, "signal": "taskSucceeded", "task": task, "output": output})
        }
        Signal::TaskFailed { task, failure } => {
            json!({"v": 1, "signal": "taskFailed", "task": task,
            "error": failure.error, "cause": failure.cause})
        }
        Signal::TimerFired { timer } => json!({"v": 1, "signal": "timerFired", "timer": timer}),
        Signal::TaskSubmitted { task, output } => {
            json!({"v": 1, "signal": "taskSubmitted", "task": task, "output": output})
        }
        Signal::TaskStarted { task, worker_name } => {
            json!({"v": 1, "signal": "taskStarted", "task": task, "workerName": worker_name})
        }
        Signal::Stop { error, cause } => {
            json!({"v": 1, "signal": "stop", "error": error, "cause": cause})
        }
    };
    value.to_string()
}

/// What a journal entry holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// The execution started (under this mock test case).
    Start {
        /// The `#TestCase` of StartExecution's ARN.
        test_case: Option<String>,
    },
    /// A signal was delivered.
    Signal(Signal),
}

/// Decodes journal text; `None` when it is not an entry Baton wrote.
pub fn decode(text: &str) -> Option<Entry> {
    let value: Value = serde_json::from_str(text).ok()?;
    if value.get("v")?.as_u64()? != 1 {
        return None;
    }
    let text_of = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let id_of = |key: &str| value.get(key).and_then(Value::as_u64);
    Some(match value.get("signal")?.as_str()? {
        "start" => Entry::Start {
            test_case: text_of("testCase"),
        },
        "taskSucceeded" => Entry::Signal(Signal::TaskSucceeded {
            task: id_of("task")?,
            output: value.get("output")?.clone(),
        }),
        "taskFailed" => Entry::Signal(Signal::TaskFailed {
            task: id_of("task")?,
            failure: Failure::new(text_of("error")?, text_of("cause")?),
        }),
        "timerFired" => Entry::Signal(Signal::TimerFired {
            timer: id_of("timer")?,
        }),
        "taskSubmitted" => Entry::Signal(Signal::TaskSubmitted {
            task: id_of("task")?,
            output: value.get("output")?.clone(),
        }),
        "taskStarted" => Entry::Signal(Signal::TaskStarted {
            task: id_of("task")?,
            worker_name: text_of("workerName"),
        }),
        "stop" => Entry::Signal(Signal::Stop {
            error: text_of("error"),
            cause: text_of("cause"),
        }),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_round_trip() {
        let signals = [
            Signal::TaskSucceeded {
                task: 3,
                output: json!({"a": [1, 2.5, null]}),
            },
            Signal::TaskFailed {
                task: u64::MAX,
                failure: Failure::new("E", "c"),
            },
            Signal::TimerFired { timer: 7 },
            Signal::TaskStarted {
                task: 9,
                worker_name: Some("w".to_owned()),
            },
            Signal::Stop {
                error: Some("x".to_owned()),
                cause: None,
            },
        ];
        for signal in signals {
            assert_eq!(decode(&encode(&signal)), Some(Entry::Signal(signal)));
        }
        assert_eq!(decode(&start(None)), Some(Entry::Start { test_case: None }));
        assert_eq!(
            decode(&start(Some("Happy"))),
            Some(Entry::Start {
                test_case: Some("Happy".to_owned())
            })
        );
        assert_eq!(decode("{}"), None);
        assert_eq!(decode("nonsense"), None);
    }
}
