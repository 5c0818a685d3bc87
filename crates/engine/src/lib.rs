//! `baton-engine`: the execution semantics of ASL state machines, pure and deterministic.
//! An [`execution::Execution`] takes signals (start, task results, timers, stop) and answers
//! with history events and commands for the runtime; time and randomness are injected through
//! [`execution::Environment`], so every behaviour is testable without sleeping, and replaying
//! the same signals rebuilds the same history.

pub mod choice;
pub mod dataflow;
pub mod event;
pub mod execution;
pub mod failure;
pub mod jsonata;
pub mod local;

pub use event::{EventDetails, HistoryEvent};
pub use execution::{Command, Environment, Execution, ExecutionInfo, ExecutionStatus, Signal};
pub use failure::Failure;
