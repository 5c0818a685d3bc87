//! The state types, one file each: their fields in the model and how each is parsed.

mod choice;
mod fail;
mod map;
mod parallel;
mod pass;
mod task;
mod wait;

pub use choice::{
    ChoiceRule, ChoiceState, Comparison, ComparisonKind, Condition, Operand, Relation, TypeTest,
};
pub use fail::FailState;
pub use map::{ItemBatcher, ItemProcessor, ItemReader, MapState, ProcessorMode, ResultWriter};
pub use parallel::ParallelState;
pub use pass::PassState;
pub use task::{Resource, TaskState};
pub use wait::{WaitDuration, WaitState};
