//! History shapes, event for event, for the situations AWS's recordings pin down
//! (docs/history-semantics.md): ids, previousEventId links and event types.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_asl::{ValidateOptions, parse_definition};
use baton_engine::local::{NoIntegrations, VirtualEnvironment, run_to_completion};
use baton_engine::{Execution, ExecutionInfo, ExecutionStatus};
use serde_json::{Value, json};
use std::sync::Arc;

fn info() -> ExecutionInfo {
    ExecutionInfo::new(
        "123456789012",
        "us-east-1",
        "sm",
        "e",
        "arn:aws:iam::111111111111:role/sfn",
    )
}

fn run(definition: Value, input: Value) -> Execution {
    let parsed = parse_definition(&definition.to_string(), ValidateOptions::default());
    let machine = parsed
        .state_machine
        .unwrap_or_else(|| panic!("{:?}", parsed.diagnostics));
    let mut env = VirtualEnvironment::new(1_700_000_000_000, 7);
    run_to_completion(
        Arc::new(machine),
        info(),
        input,
        &mut env,
        &mut NoIntegrations,
    )
}

/// (id, previousEventId, type) of every event.
fn shape(execution: &Execution) -> Vec<(u64, u64, String)> {
    execution
        .events()
        .iter()
        .map(|e| (e.id, e.previous_event_id, e.details.type_name()))
        .collect()
}

fn expect(execution: &Execution, expected: &[(u64, u64, &str)]) {
    let got = shape(execution);
    let want: Vec<(u64, u64, String)> = expected
        .iter()
        .map(|(i, p, t)| (*i, *p, (*t).to_owned()))
        .collect();
    assert_eq!(got, want, "history differs");
}

/// The (timer, due) of the first `StartTimer` among `commands`.
fn first_timer(commands: &[baton_engine::Command]) -> (u64, i64) {
    commands
        .iter()
        .find_map(|c| match c {
            baton_engine::Command::StartTimer { timer, due } => Some((*timer, *due)),
            _ => None,
        })
        .expect("a StartTimer command")
}

#[test]
fn pass_chain_links_exit_to_entry_and_first_entry_to_zero() {
    let execution = run(
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": true}}}),
        json!({"x": 1}),
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "PassStateEntered"),
            (3, 2, "PassStateExited"),
            (4, 3, "PassStateEntered"),
            (5, 4, "PassStateExited"),
            (6, 5, "ExecutionSucceeded"),
        ],
    );
    assert_eq!(
        execution.status(),
        &ExecutionStatus::Succeeded(json!({"x": 1}))
    );
}

#[test]
fn fail_state_has_no_exit_and_fails_the_execution() {
    let execution = run(
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}),
        json!({}),
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "FailStateEntered"),
            (3, 2, "ExecutionFailed"),
        ],
    );
    assert_eq!(execution.status().as_str(), "FAILED");
}

#[test]
fn wait_takes_virtual_time_and_emits_no_timer_event() {
    let execution = run(
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
        json!({}),
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "WaitStateEntered"),
            (3, 2, "WaitStateExited"),
            (4, 3, "ExecutionSucceeded"),
        ],
    );
    let events = execution.events();
    assert_eq!(events[2].timestamp - events[1].timestamp, 3_600_000);
}

#[test]
fn inline_map_links_iterations_like_aws() {
    let execution = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "End": true,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}),
        json!([1, 2]),
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "MapStateEntered"),
            (3, 2, "MapStateStarted"),
            (4, 3, "MapIterationStarted"),
            (5, 4, "PassStateEntered"),
            (6, 5, "PassStateExited"),
            (7, 6, "MapIterationSucceeded"),
            (8, 6, "MapIterationStarted"),
            (9, 8, "PassStateEntered"),
            (10, 9, "PassStateExited"),
            (11, 10, "MapIterationSucceeded"),
            (12, 11, "MapStateSucceeded"),
            (13, 11, "MapStateExited"),
            (14, 13, "ExecutionSucceeded"),
        ],
    );
    assert_eq!(
        execution.status(),
        &ExecutionStatus::Succeeded(json!([1, 2]))
    );
}

#[test]
fn failing_map_iteration_is_caught_from_map_state_failed() {
    let execution = run(
        json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "Next": "Done", "Catch": [{"ErrorEquals": ["E"], "Next": "Caught"}],
                  "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}},
            "Caught": {"Type": "Pass", "End": true},
            "Done": {"Type": "Pass", "End": true}}}),
        json!([1]),
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "MapStateEntered"),
            (3, 2, "MapStateStarted"),
            (4, 3, "MapIterationStarted"),
            (5, 4, "FailStateEntered"),
            (6, 5, "MapIterationFailed"),
            (7, 5, "MapStateFailed"),
            (8, 7, "MapStateExited"),
            (9, 8, "PassStateEntered"),
            (10, 9, "PassStateExited"),
            (11, 10, "ExecutionSucceeded"),
        ],
    );
    assert_eq!(
        execution.status(),
        &ExecutionStatus::Succeeded(json!({"Error": "E", "Cause": "C"}))
    );
}

#[test]
fn map_retry_restarts_without_reentering() {
    let execution = run(
        json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "End": true, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1}],
                  "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}}}}),
        json!([1]),
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "MapStateEntered"),
            (3, 2, "MapStateStarted"),
            (4, 3, "MapIterationStarted"),
            (5, 4, "FailStateEntered"),
            (6, 5, "MapIterationFailed"),
            (7, 5, "MapStateStarted"),
            (8, 7, "MapIterationStarted"),
            (9, 8, "FailStateEntered"),
            (10, 9, "MapIterationFailed"),
            (11, 9, "MapStateStarted"),
            (12, 11, "MapIterationStarted"),
            (13, 12, "FailStateEntered"),
            (14, 13, "MapIterationFailed"),
            (15, 13, "MapStateFailed"),
            (16, 15, "ExecutionFailed"),
        ],
    );
}

#[test]
fn parallel_failure_and_retry_follow_the_failed_branch() {
    let execution = run(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "End": true, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
                  "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}]}}}),
        json!({}),
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "ParallelStateEntered"),
            (3, 2, "ParallelStateStarted"),
            (4, 3, "FailStateEntered"),
            (5, 4, "ParallelStateStarted"),
            (6, 5, "FailStateEntered"),
            (7, 6, "ParallelStateFailed"),
            (8, 7, "ExecutionFailed"),
        ],
    );
}

#[test]
fn task_without_integration_fails_catchably() {
    let execution = run(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"a": 1},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}], "End": true},
            "C": {"Type": "Succeed"}}}),
        json!({}),
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "TaskStateEntered"),
            (3, 2, "TaskScheduled"),
            (4, 3, "TaskStarted"),
            (5, 4, "TaskFailed"),
            (6, 5, "TaskStateExited"),
            (7, 6, "SucceedStateEntered"),
            (8, 7, "SucceedStateExited"),
            (9, 8, "ExecutionSucceeded"),
        ],
    );
}

#[test]
fn the_same_signals_give_the_same_history() {
    let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "Next": "P"}, "P": {"Type": "Pass", "End": true}}}}}});
    let a = run(definition.clone(), json!([1, 2, 3]));
    let b = run(definition, json!([1, 2, 3]));
    assert_eq!(a.events(), b.events());
}

#[test]
fn task_timeout_fires_states_timeout_and_late_results_are_ignored() {
    use baton_engine::{Command, Signal};
    let definition = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5, "End": true,
              "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "C"}]},
        "C": {"Type": "Pass", "End": true}}});
    let machine = parse_definition(&definition.to_string(), ValidateOptions::default())
        .state_machine
        .unwrap();
    let mut env = VirtualEnvironment::new(1_000_000, 1);
    let (mut execution, commands) =
        Execution::start(Arc::new(machine), info(), json!({}), &mut env);
    let task = commands.iter().find_map(|c| match c {
        Command::RunTask {
            task,
            timeout_seconds,
            ..
        } => {
            assert_eq!(*timeout_seconds, Some(5));
            Some(*task)
        }
        _ => None,
    });
    let (timer, due) = first_timer(&commands);
    assert_eq!(due, 1_005_000);
    env.now = due;
    execution.signal(Signal::TimerFired { timer }, &mut env);
    execution.signal(
        Signal::TaskSucceeded {
            task: task.unwrap(),
            output: json!("late"),
        },
        &mut env,
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "TaskStateEntered"),
            (3, 2, "TaskScheduled"),
            (4, 3, "TaskStarted"),
            (5, 4, "TaskTimedOut"),
            (6, 5, "TaskStateExited"),
            (7, 6, "PassStateEntered"),
            (8, 7, "PassStateExited"),
            (9, 8, "ExecutionSucceeded"),
        ],
    );
    assert_eq!(
        execution.status(),
        &ExecutionStatus::Succeeded(json!({"Error": "States.Timeout", "Cause": ""}))
    );
}

#[test]
fn distributed_map_tolerates_failures_up_to_the_threshold() {
    let machine = |count: u64| {
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ToleratedFailureCount": count,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.bad", "BooleanEquals": true, "Next": "F"}], "Default": "P"},
                "F": {"Type": "Fail", "Error": "Bad", "Cause": "bad item"},
                "P": {"Type": "Pass", "End": true}}}}}})
    };
    let input = json!([{"bad": false}, {"bad": true}, {"bad": true}]);
    let tolerant = run(machine(2), input.clone());
    assert_eq!(tolerant.status().as_str(), "SUCCEEDED");
    let strict = run(machine(1), input);
    assert_eq!(
        strict.status(),
        &ExecutionStatus::Failed(baton_engine::Failure::new(
            "States.ExceedToleratedFailureThreshold",
            "The specified tolerated failure threshold was exceeded"
        ))
    );
    let types: Vec<String> = strict
        .events()
        .iter()
        .map(|e| e.details.type_name())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunFailed",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
}

#[test]
fn inner_scopes_read_outer_variables_but_do_not_change_them() {
    let execution = run(
        json!({"QueryLanguage": "JSONata", "StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
            "M": {"Type": "Map", "Items": "{% [10, 20] %}", "Next": "After",
                  "ItemProcessor": {"StartAt": "Inner", "States": {
                      "Inner": {"Type": "Pass", "Assign": {"y": "{% $x + $states.input %}", "x": 99}, "Next": "Read"},
                      "Read": {"Type": "Pass", "Output": "{% $y %}", "End": true}}}},
            "After": {"Type": "Pass", "Output": {"x": "{% $x %}", "items": "{% $states.input %}"}, "End": true}}}),
        json!({}),
    );
    assert_eq!(
        execution.status(),
        &ExecutionStatus::Succeeded(json!({"x": 1, "items": [11, 21]}))
    );
}

#[test]
fn jsonata_integer_fields_are_evaluated() {
    use baton_engine::Command;
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": "{% $states.input.t * 2 %}",
              "HeartbeatSeconds": "{% $states.input.t %}", "End": true}}});
    let machine = parse_definition(&definition.to_string(), ValidateOptions::default())
        .state_machine
        .unwrap();
    let mut env = VirtualEnvironment::new(1_000_000, 1);
    let (_, commands) = Execution::start(Arc::new(machine), info(), json!({"t": 30}), &mut env);
    let run = commands.iter().find_map(|c| match c {
        Command::RunTask {
            timeout_seconds,
            heartbeat_seconds,
            ..
        } => Some((*timeout_seconds, *heartbeat_seconds)),
        _ => None,
    });
    assert_eq!(run, Some((Some(60), Some(30))));

    let bad = json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {
        "M": {"Type": "Map", "Items": "{% [1] %}", "MaxConcurrency": "{% 'many' %}", "End": true,
              "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}});
    let execution = run_definition(bad);
    match execution.status() {
        ExecutionStatus::Failed(f) => {
            assert_eq!(f.error, "States.QueryEvaluationError");
            assert!(f.cause.contains("'MaxConcurrency' returned an unexpected result type. Expected 'integer', but was 'string'"), "{}", f.cause);
        }
        other => panic!("{other:?}"),
    }
}

fn run_definition(definition: Value) -> Execution {
    run(definition, json!({}))
}

#[test]
fn callback_tasks_get_a_task_token_in_the_context_object() {
    use baton_engine::Command;
    let definition = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": true}}});
    let machine = parse_definition(&definition.to_string(), ValidateOptions::default())
        .state_machine
        .unwrap();
    let mut env = VirtualEnvironment::new(1_000_000, 1);
    let (_, commands) = Execution::start(Arc::new(machine), info(), json!({}), &mut env);
    let (parameters, token) = commands
        .iter()
        .find_map(|c| match c {
            Command::RunTask {
                parameters,
                task_token,
                ..
            } => Some((parameters.clone(), task_token.clone())),
            _ => None,
        })
        .unwrap();
    let token = token.expect("a callback task has a token");
    assert!(!token.is_empty());
    assert_eq!(parameters["MessageBody"]["token"], json!(token));

    let plain = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"a": 1}, "End": true}}});
    let machine = parse_definition(&plain.to_string(), ValidateOptions::default())
        .state_machine
        .unwrap();
    let (_, commands) = Execution::start(Arc::new(machine), info(), json!({}), &mut env);
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::RunTask {
            task_token: None,
            ..
        }
    )));
}

/// A failing inline Map iteration cuts the iteration still waiting. Measured on AWS (reported
/// with its recording in floci-io/floci's `StepFunctionsMapIterationFailureIntegrationTest`):
/// `MapIterationAborted` and the cut iteration's `WaitStateAborted`, both linked to the failing
/// iteration's `FailStateEntered`, come before `MapIterationFailed` and `MapStateFailed`.
#[test]
fn failing_map_iteration_cuts_the_waiting_one_like_aws() {
    let execution = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ItemsPath": "$.items",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Route", "States": {
                "Route": {"Type": "Choice", "Default": "Long",
                          "Choices": [{"Variable": "$.kind", "StringEquals": "fail", "Next": "Pause"}]},
                "Long": {"Type": "Wait", "Seconds": 15, "End": true},
                "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Boom"},
                "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "sibling failed"}}}}}}),
        json!({"items": [{"kind": "long"}, {"kind": "fail"}]}),
    );
    let events = shape(&execution);
    let types: Vec<&str> = events.iter().map(|(_, _, t)| t.as_str()).collect();
    let failure = types.iter().position(|t| *t == "FailStateEntered").unwrap();
    assert_eq!(
        &types[failure + 1..],
        [
            "MapIterationAborted",
            "WaitStateAborted",
            "MapIterationFailed",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
    let failure_id = events[failure].0;
    for event in &events[failure + 1..failure + 5] {
        assert_eq!(event.1, failure_id, "{event:?}");
    }
    let aborted = execution.events()[failure + 1].to_wire(true);
    assert_eq!(
        aborted["mapIterationAbortedEventDetails"],
        json!({"name": "M", "index": 0})
    );
    let failed = execution.events()[failure + 3].to_wire(true);
    assert_eq!(failed["mapIterationFailedEventDetails"]["index"], json!(1));
    assert!(matches!(execution.status(), ExecutionStatus::Failed(f) if f.error == "Boom"));
}

/// A failing Parallel branch cuts the branches still running: each gets the `…StateAborted` of
/// the state it waits in (a Task here), linked to the failing branch's last event.
#[test]
fn failing_parallel_branch_cuts_the_running_ones() {
    use baton_engine::Signal;
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
        "Branches": [
            {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
            {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 1, "Next": "Boom"},
                                           "Boom": {"Type": "Fail", "Error": "Boom"}}}]}}});
    let machine = parse_definition(&definition.to_string(), ValidateOptions::default())
        .state_machine
        .unwrap();
    let mut env = VirtualEnvironment::new(1_000_000, 1);
    let (mut execution, commands) =
        Execution::start(Arc::new(machine), info(), json!({}), &mut env);
    let (timer, due) = first_timer(&commands);
    env.now = due;
    let after = execution.signal(Signal::TimerFired { timer }, &mut env);
    assert!(
        after.is_empty(),
        "a failed execution asks for nothing more: {after:?}"
    );
    let events = shape(&execution);
    let boom = events
        .iter()
        .find(|(_, _, t)| t == "FailStateEntered")
        .unwrap()
        .0;
    let tail: Vec<(u64, u64, &str)> = events
        .iter()
        .skip_while(|(id, _, _)| *id <= boom)
        .map(|(id, prev, t)| (*id, *prev, t.as_str()))
        .collect();
    assert_eq!(
        tail,
        [
            (boom + 1, boom, "TaskStateAborted"),
            (boom + 2, boom, "ParallelStateFailed"),
            (boom + 3, boom + 2, "ExecutionFailed"),
        ]
    );
}

/// StopExecution and an execution timeout end the history with an event linked to no event,
/// as AWS records them (`ExecutionAborted` with empty details, `ExecutionTimedOut` with the
/// error only).
#[test]
fn stop_and_execution_timeout_link_to_no_event() {
    use baton_engine::{Command, Signal};
    let definition = json!({"TimeoutSeconds": 5, "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}});
    let machine = Arc::new(
        parse_definition(&definition.to_string(), ValidateOptions::default())
            .state_machine
            .unwrap(),
    );
    let mut env = VirtualEnvironment::new(1_000_000, 1);
    let (mut stopped, _) = Execution::start(Arc::clone(&machine), info(), json!({}), &mut env);
    stopped.signal(
        Signal::Stop {
            error: None,
            cause: None,
        },
        &mut env,
    );
    expect(
        &stopped,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "WaitStateEntered"),
            (3, 0, "ExecutionAborted"),
        ],
    );
    assert_eq!(
        stopped.events()[2].to_wire(true)["executionAbortedEventDetails"],
        json!({})
    );
    assert_eq!(stopped.status(), &ExecutionStatus::Aborted);

    let (mut timed_out, commands) = Execution::start(machine, info(), json!({}), &mut env);
    let (timer, due) = commands
        .iter()
        .filter_map(|c| match c {
            Command::StartTimer { timer, due } => Some((*timer, *due)),
            _ => None,
        })
        .min_by_key(|(_, due)| *due)
        .unwrap();
    env.now = due;
    timed_out.signal(Signal::TimerFired { timer }, &mut env);
    expect(
        &timed_out,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "WaitStateEntered"),
            (3, 0, "ExecutionTimedOut"),
        ],
    );
    assert_eq!(
        timed_out.events()[2].to_wire(true)["executionTimedOutEventDetails"],
        json!({"error": "States.Timeout"})
    );
}

/// A runaway loop ends when the history is full: the last event the limit allows is an
/// `ExecutionFailed` with AWS's `States.Runtime` cause.
#[test]
fn history_limit_fails_the_execution_at_its_last_event() {
    let definition = json!({"StartAt": "Loop", "States": {
        "Loop": {"Type": "Pass", "Next": "Again"},
        "Again": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}], "Default": "Loop"},
        "Done": {"Type": "Succeed"}}});
    let machine = parse_definition(&definition.to_string(), ValidateOptions::default())
        .state_machine
        .unwrap();
    let mut env = VirtualEnvironment::new(1_000_000, 1);
    let mut limited = info();
    limited.max_history_events = 101;
    let execution = run_to_completion(
        Arc::new(machine),
        limited,
        json!({}),
        &mut env,
        &mut NoIntegrations,
    );
    assert_eq!(execution.events().len(), 101);
    let last = execution.events().last().unwrap().to_wire(true);
    assert_eq!(last["type"], json!("ExecutionFailed"));
    assert_eq!(
        last["executionFailedEventDetails"],
        json!({"error": "States.Runtime", "cause": "The execution reached the maximum number of history events (101)."})
    );
    assert!(
        matches!(execution.status(), ExecutionStatus::Failed(f) if f.error == "States.Runtime")
    );
}

/// Variables stay within AWS's limits: 256 KiB per variable and per `Assign`, 10 MiB in all.
/// A breach fails the state with `States.Runtime`.
#[test]
fn variable_size_limits_fail_the_state() {
    let big = "x".repeat(200 * 1024);
    let cases = [
        // One variable over 256 KiB.
        (json!({"a": "x".repeat(300 * 1024)}), "The variable 'a'"),
        // Two variables of 200 KiB in one Assign: 400 KiB together.
        (json!({"a": big, "b": big}), "combined size"),
    ];
    for (assign, cause) in cases {
        let execution = run(
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"v.$": "$.v"}, "Next": "B"},
                "B": {"Type": "Pass", "Assign": assign, "End": true}}}),
            json!({"v": 1}),
        );
        match execution.status() {
            ExecutionStatus::Failed(f) => {
                assert_eq!(f.error, "States.Runtime");
                assert!(f.cause.contains(cause), "{}", f.cause);
            }
            other => panic!("{other:?}"),
        }
    }
    // 45 variables of 240 KiB, one per state: past 10 MiB at the 43rd.
    let mut states = serde_json::Map::new();
    for i in 0..45 {
        let mut state = json!({"Type": "Pass", "Assign": {format!("v{i}.$"): "$.s"}});
        if i == 44 {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), state);
    }
    let execution = run(
        json!({"StartAt": "S0", "States": states}),
        json!({"s": "x".repeat(240 * 1024)}),
    );
    match execution.status() {
        ExecutionStatus::Failed(f) => {
            assert_eq!(f.error, "States.Runtime");
            assert!(f.cause.contains("execution's variables"), "{}", f.cause);
        }
        other => panic!("{other:?}"),
    }
    let entered = execution
        .events()
        .iter()
        .filter(|e| e.details.type_name() == "PassStateEntered")
        .count();
    assert_eq!(
        entered, 43,
        "10 MiB / 240 KiB: the 43rd variable is one too many"
    );
}

/// A Task on an activity records `Activity…` events: scheduled with its input, started when a
/// worker takes it (with the worker's name), then its outcome. The task carries a token.
#[test]
fn activity_tasks_record_activity_events() {
    use baton_engine::{Command, Signal};
    let definition = json!({"StartAt": "Work", "States": {"Work": {"Type": "Task",
        "Resource": "arn:aws:states:us-east-1:123456789012:activity:review",
        "TimeoutSeconds": 300, "HeartbeatSeconds": 60, "End": true}}});
    let machine = parse_definition(&definition.to_string(), ValidateOptions::default())
        .state_machine
        .unwrap();
    let mut env = VirtualEnvironment::new(1_000_000, 1);
    let (mut execution, commands) =
        Execution::start(Arc::new(machine), info(), json!({"doc": 7}), &mut env);
    let (task, token) = commands
        .iter()
        .find_map(|c| match c {
            Command::RunTask {
                task, task_token, ..
            } => Some((*task, task_token.clone())),
            _ => None,
        })
        .unwrap();
    assert!(token.is_some(), "activity tasks carry a task token");
    execution.signal(
        Signal::TaskStarted {
            task,
            worker_name: Some("reviewer-1".to_owned()),
        },
        &mut env,
    );
    execution.signal(
        Signal::TaskSucceeded {
            task,
            output: json!({"ok": true}),
        },
        &mut env,
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "TaskStateEntered"),
            (3, 2, "ActivityScheduled"),
            (4, 3, "ActivityStarted"),
            (5, 4, "ActivitySucceeded"),
            (6, 5, "TaskStateExited"),
            (7, 6, "ExecutionSucceeded"),
        ],
    );
    let wire: Vec<Value> = execution.events().iter().map(|e| e.to_wire(true)).collect();
    assert_eq!(
        wire[2]["activityScheduledEventDetails"],
        json!({"resource": "arn:aws:states:us-east-1:123456789012:activity:review",
               "input": "{\"doc\":7}", "inputDetails": {"truncated": false},
               "timeoutInSeconds": 300, "heartbeatInSeconds": 60})
    );
    assert_eq!(
        wire[3]["activityStartedEventDetails"],
        json!({"workerName": "reviewer-1"})
    );
    assert_eq!(
        wire[4]["activitySucceededEventDetails"],
        json!({"output": "{\"ok\":true}", "outputDetails": {"truncated": false}})
    );
}

/// A Task whose Resource is a Lambda function ARN records `LambdaFunction…` events, and a
/// heartbeat timeout is a timed-out event.
#[test]
fn lambda_function_tasks_record_lambda_events() {
    use baton_engine::failure::Failure;
    use baton_engine::{Command, Signal};
    let definition = json!({"StartAt": "Call", "States": {"Call": {"Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "End": true}}});
    let machine = parse_definition(&definition.to_string(), ValidateOptions::default())
        .state_machine
        .unwrap();
    let mut env = VirtualEnvironment::new(1_000_000, 1);
    let (mut execution, commands) =
        Execution::start(Arc::new(machine), info(), json!({"a": 1}), &mut env);
    let task = commands
        .iter()
        .find_map(|c| match c {
            Command::RunTask { task, .. } => Some(*task),
            _ => None,
        })
        .unwrap();
    execution.signal(
        Signal::TaskFailed {
            task,
            failure: Failure::new("States.HeartbeatTimeout", ""),
        },
        &mut env,
    );
    expect(
        &execution,
        &[
            (1, 0, "ExecutionStarted"),
            (2, 0, "TaskStateEntered"),
            (3, 2, "LambdaFunctionScheduled"),
            (4, 3, "LambdaFunctionStarted"),
            (5, 4, "LambdaFunctionTimedOut"),
            (6, 5, "ExecutionFailed"),
        ],
    );
    let wire = execution.events()[3].to_wire(true);
    assert!(wire.get("lambdaFunctionStartedEventDetails").is_none());
    assert_eq!(
        execution.events()[2].to_wire(true)["lambdaFunctionScheduledEventDetails"]["resource"],
        json!("arn:aws:lambda:us-east-1:123456789012:function:echo")
    );
}

/// An activity task no worker took records no `ActivityStarted`: it times out as
/// `ActivityTimedOut`, or, when it cannot be served at all (a local run), `ActivityScheduleFailed`.
#[test]
fn unstarted_activity_tasks_time_out_or_fail_to_schedule() {
    use baton_engine::Signal;
    let definition = json!({"StartAt": "Work", "States": {"Work": {"Type": "Task",
        "Resource": "arn:aws:states:us-east-1:123456789012:activity:review",
        "TimeoutSeconds": 5, "End": true}}});
    let machine = Arc::new(
        parse_definition(&definition.to_string(), ValidateOptions::default())
            .state_machine
            .unwrap(),
    );
    let mut env = VirtualEnvironment::new(1_000_000, 1);
    let (mut execution, commands) =
        Execution::start(Arc::clone(&machine), info(), json!({}), &mut env);
    let (timer, due) = first_timer(&commands);
    env.now = due;
    execution.signal(Signal::TimerFired { timer }, &mut env);
    let types: Vec<String> = execution
        .events()
        .iter()
        .map(|e| e.details.type_name())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityTimedOut",
            "ExecutionFailed"
        ]
    );

    let local = run(definition, json!({}));
    let types: Vec<String> = local
        .events()
        .iter()
        .map(|e| e.details.type_name())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityScheduleFailed",
            "ExecutionFailed"
        ]
    );
}
