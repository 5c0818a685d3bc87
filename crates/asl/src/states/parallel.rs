//! The Parallel state: runs each branch on the same input and collects their outputs.

use crate::model::Scope;
use crate::parse::{Obj, Parser};
use serde_json::Value;

/// A Parallel state's own fields.
#[derive(Debug, Clone)]
pub struct ParallelState {
    /// `Branches`, each its own scope.
    pub branches: Vec<Scope>,
}

impl Parser {
    pub(crate) fn parallel_state(&mut self, obj: Obj<'_>) -> Option<ParallelState> {
        if !self.require(obj, "Branches") {
            return None;
        }
        let at = obj.ptr("Branches");
        let Some(Value::Array(items)) = obj.get("Branches") else {
            self.error(&at, "The value for the field 'Branches' must be an ARRAY");
            return None;
        };
        if items.is_empty() {
            self.error(&at, "Value cannot be empty");
        }
        let mut branches = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let branch_at = format!("{at}/{i}");
            let Value::Object(map) = item else {
                self.error(&branch_at, "The value for a branch must be an OBJECT");
                continue;
            };
            if let Some(scope) = self.nested_scope(
                Obj {
                    map,
                    at: &branch_at,
                },
                &["StartAt", "States", "Comment"],
                "in a Parallel branch",
            ) {
                branches.push(scope);
            }
        }
        Some(ParallelState { branches })
    }
}
