//! Running one execution to completion in process, with a virtual clock that jumps to the next
//! timer instead of sleeping: what `baton run` and the engine's own tests use.

use crate::event::Millis;
use crate::execution::{Command, Environment, Execution, ExecutionInfo, Signal};
use crate::failure::{Failure, names};
use baton_asl::intrinsics::RandomSource;
use baton_asl::model::StateMachine;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A virtual clock and a seeded random source.
#[derive(Debug, Clone)]
pub struct VirtualEnvironment {
    /// The current virtual time.
    pub now: Millis,
    seed: u64,
}

impl VirtualEnvironment {
    /// Starts the clock at `now` with a random seed.
    pub fn new(now: Millis, seed: u64) -> Self {
        Self { now, seed }
    }
}

impl RandomSource for VirtualEnvironment {
    fn uuid_v4_bytes(&mut self) -> [u8; 16] {
        let a = self.next_u64().to_le_bytes();
        let b = self.next_u64().to_le_bytes();
        let mut out = [0u8; 16];
        for (slot, byte) in out.iter_mut().zip(a.iter().chain(b.iter())) {
            *slot = *byte;
        }
        out
    }

    fn next_u64(&mut self) -> u64 {
        // SplitMix64: small, fast and good enough for jitter and UUIDs in local runs.
        self.seed = self.seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Environment for VirtualEnvironment {
    fn now(&mut self) -> Millis {
        self.now
    }
}

/// Answers Task states in a local run.
pub trait TaskRunner {
    /// Runs the task; `Err` is the failure the Task state sees.
    fn run(&mut self, resource: &str, parameters: &Value) -> Result<Value, Failure>;
}

/// A task runner with no integrations: every task fails with a catchable error naming the
/// integration that is not available.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoIntegrations;

impl TaskRunner for NoIntegrations {
    fn run(&mut self, resource: &str, _parameters: &Value) -> Result<Value, Failure> {
        Err(Failure::new(
            names::TASK_FAILED,
            format!("The integration '{resource}' is not available in this Baton run"),
        ))
    }
}

/// Runs an execution to its end: timers fire in due order on the virtual clock, tasks are
/// answered by `tasks`. Returns the finished execution.
pub fn run_to_completion(
    machine: Arc<StateMachine>,
    info: ExecutionInfo,
    input: Value,
    env: &mut VirtualEnvironment,
    tasks: &mut dyn TaskRunner,
) -> Execution {
    run_recording(machine, info, input, env, tasks).0
}

/// One signal as it was delivered: the clock reading at delivery and the signal.
pub type Delivered = (Millis, Signal);

/// Re-applies recorded signals to a fresh execution, with the clock at each recorded reading:
/// the way a runtime rebuilds an execution's state from what it stored.
pub fn replay(
    machine: Arc<StateMachine>,
    info: ExecutionInfo,
    input: Value,
    env: &mut VirtualEnvironment,
    signals: &[Delivered],
) -> Execution {
    let (mut execution, _) = Execution::start(machine, info, input, env);
    for (at, signal) in signals {
        env.now = *at;
        execution.signal(signal.clone(), env);
    }
    execution
}

/// Like [`run_to_completion`], and also returns every signal delivered, with its clock reading.
pub fn run_recording(
    machine: Arc<StateMachine>,
    info: ExecutionInfo,
    input: Value,
    env: &mut VirtualEnvironment,
    tasks: &mut dyn TaskRunner,
) -> (Execution, Vec<Delivered>) {
    let mut delivered = Vec::new();
    let (mut execution, commands) = Execution::start(machine, info, input, env);
    let mut timers: BTreeMap<(Millis, u64), u64> = BTreeMap::new();
    let mut ready: Vec<Signal> = Vec::new();
    let mut sequence = 0u64;
    let mut absorb = |commands: Vec<Command>,
                      timers: &mut BTreeMap<(Millis, u64), u64>,
                      ready: &mut Vec<Signal>,
                      tasks: &mut dyn TaskRunner| {
        for command in commands {
            match command {
                Command::StartTimer { timer, due } => {
                    sequence += 1;
                    timers.insert((due, sequence), timer);
                }
                Command::CancelTimer { timer } => timers.retain(|_, t| *t != timer),
                Command::RunTask {
                    task,
                    resource,
                    parameters,
                    ..
                } => ready.push(match tasks.run(&resource, &parameters) {
                    Ok(output) => Signal::TaskSucceeded { task, output },
                    Err(failure) => Signal::TaskFailed { task, failure },
                }),
            }
        }
    };
    absorb(commands, &mut timers, &mut ready, tasks);
    loop {
        if !execution.status().is_running() {
            return (execution, delivered);
        }
        let signal = if ready.is_empty() {
            let Some(((due, _), timer)) = timers.pop_first() else {
                return (execution, delivered);
            };
            env.now = env.now.max(due);
            Signal::TimerFired { timer }
        } else {
            ready.remove(0)
        };
        delivered.push((env.now, signal.clone()));
        let commands = execution.signal(signal, env);
        absorb(commands, &mut timers, &mut ready, tasks);
    }
}
