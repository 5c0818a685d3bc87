//! Tasks that wait on the outside world: task tokens (callbacks and activities), the activity
//! queues that GetActivityTask polls, and heartbeat deadlines.
//!
//! The engine decides which tasks exist and whether one is still awaited; this hub only routes
//! tokens and hands activity tasks to workers. It is rebuilt after a restart from the pending
//! tasks that replaying each journal yields, so a token stays valid across restarts.

use baton_engine::execution::TaskId;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// A task that waits for SendTaskSuccess / SendTaskFailure (or for a worker to take it).
#[derive(Debug, Clone)]
pub struct PendingTask {
    /// The execution that waits.
    pub execution: Arc<str>,
    /// The engine's id of the task.
    pub task: TaskId,
    /// The activity ARN, for activity tasks.
    pub activity: Option<String>,
    /// The task's input (what a worker receives).
    pub input: Value,
    /// `HeartbeatSeconds`, when set.
    pub heartbeat_seconds: Option<u64>,
    /// Bumped by every heartbeat: a deadline armed under an older generation is stale.
    pub heartbeat_generation: u64,
}

/// What a worker's GetActivityTask receives.
#[derive(Debug, Clone)]
pub struct Handout {
    /// The task token.
    pub token: String,
    /// The task's input.
    pub input: Value,
    /// The execution that waits.
    pub execution: Arc<str>,
    /// The engine's id of the task.
    pub task: TaskId,
    /// `HeartbeatSeconds`, when set.
    pub heartbeat_seconds: Option<u64>,
    /// The heartbeat generation at the hand-out, which the worker's first deadline is armed under.
    pub heartbeat_generation: u64,
}

impl Handout {
    /// The hand-out of `pending`'s task under `token`.
    fn of(token: String, pending: &PendingTask) -> Self {
        Self {
            token,
            input: pending.input.clone(),
            execution: Arc::clone(&pending.execution),
            task: pending.task,
            heartbeat_seconds: pending.heartbeat_seconds,
            heartbeat_generation: pending.heartbeat_generation,
        }
    }
}

#[derive(Default)]
struct ActivityQueue {
    /// Tokens of tasks no worker has taken yet, oldest first.
    ready: VecDeque<String>,
    /// Workers waiting in GetActivityTask, oldest first.
    pollers: VecDeque<oneshot::Sender<Handout>>,
}

#[derive(Default)]
struct HubState {
    tokens: HashMap<String, PendingTask>,
    /// The tokens of each execution, so an ending execution forgets its own without a scan.
    by_execution: HashMap<Arc<str>, Vec<String>>,
    queues: HashMap<String, ActivityQueue>,
    /// Tokens whose task ended, newest last (bounded), to tell "timed out" from "unknown".
    retired: std::collections::HashSet<String>,
    retired_order: VecDeque<String>,
}

/// How many ended tokens the hub remembers.
const RETIRED_TOKENS: usize = 100_000;

/// Routes task tokens and activity tasks.
#[derive(Default)]
pub struct TaskHub {
    state: Mutex<HubState>,
}

impl TaskHub {
    fn lock(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a waiting task under `token`. An activity task that no worker took yet goes to
    /// its activity's queue (straight to a waiting worker if there is one), and the worker it
    /// went to is returned so the caller can record `ActivityStarted`.
    pub fn register(
        &self,
        token: String,
        mut pending: PendingTask,
        queue: bool,
    ) -> Option<Handout> {
        let mut state = self.lock();
        let activity = pending.activity.clone();
        let execution = Arc::clone(&pending.execution);
        // A token registered again (its execution was reloaded) is not queued twice, and the
        // deadlines armed before are stale.
        let before = state.tokens.get(&token).map(|p| p.heartbeat_generation);
        let again = before.is_some();
        if let Some(generation) = before {
            pending.heartbeat_generation = generation + 1;
        }
        state.tokens.insert(token.clone(), pending);
        if !again {
            state
                .by_execution
                .entry(execution)
                .or_default()
                .push(token.clone());
        }
        match activity {
            Some(activity) if queue => {
                let queue = state.queues.entry(activity).or_default();
                if again && queue.ready.contains(&token) {
                    return None;
                }
                queue.ready.push_back(token);
                Self::match_pollers(&mut state)
            }
            _ => None,
        }
    }

    /// Hands ready tasks to waiting workers; returns the first handout made (the others were
    /// sent to their workers directly).
    fn match_pollers(state: &mut HubState) -> Option<Handout> {
        let HubState { tokens, queues, .. } = state;
        let mut first = None;
        for queue in queues.values_mut() {
            while !queue.ready.is_empty() && !queue.pollers.is_empty() {
                let Some(token) = queue.ready.pop_front() else {
                    break;
                };
                let Some(pending) = tokens.get(&token) else {
                    continue;
                };
                let handout = Handout::of(token.clone(), pending);
                let mut delivered = false;
                while let Some(poller) = queue.pollers.pop_front() {
                    if poller.send(handout.clone()).is_ok() {
                        delivered = true;
                        break;
                    }
                }
                if !delivered {
                    queue.ready.push_front(token);
                    break;
                }
                if first.is_none() {
                    first = Some(handout);
                }
            }
        }
        first
    }

    /// Takes the oldest ready task of `activity`, or registers the caller as a waiting worker.
    pub fn poll(&self, activity: &str) -> Result<Handout, oneshot::Receiver<Handout>> {
        let mut state = self.lock();
        let HubState { tokens, queues, .. } = &mut *state;
        let queue = queues.entry(activity.to_owned()).or_default();
        while let Some(token) = queue.ready.pop_front() {
            if let Some(pending) = tokens.get(&token) {
                return Ok(Handout::of(token, pending));
            }
        }
        let (send, receive) = oneshot::channel();
        queue.pollers.push_back(send);
        Err(receive)
    }

    /// The task behind `token`.
    pub fn get(&self, token: &str) -> Option<PendingTask> {
        self.lock().tokens.get(token).cloned()
    }

    /// Forgets `token` (its task ended).
    pub fn remove(&self, token: &str) -> Option<PendingTask> {
        let mut state = self.lock();
        let pending = state.tokens.remove(token)?;
        if let Some(tokens) = state.by_execution.get_mut(&pending.execution) {
            tokens.retain(|t| t != token);
            if tokens.is_empty() {
                state.by_execution.remove(&pending.execution);
            }
        }
        Some(pending)
    }

    /// Records a heartbeat: returns the new generation, or `None` for an unknown token.
    pub fn heartbeat(&self, token: &str) -> Option<u64> {
        let mut state = self.lock();
        let pending = state.tokens.get_mut(token)?;
        pending.heartbeat_generation += 1;
        Some(pending.heartbeat_generation)
    }

    /// The heartbeat generation of `token`, while it waits.
    pub fn heartbeat_generation(&self, token: &str) -> Option<u64> {
        self.lock()
            .tokens
            .get(token)
            .map(|p| p.heartbeat_generation)
    }

    /// Whether `token` is still waiting at heartbeat generation `generation`.
    pub fn heartbeat_missed(&self, token: &str, generation: u64) -> bool {
        self.lock()
            .tokens
            .get(token)
            .is_some_and(|p| p.heartbeat_generation == generation)
    }

    /// Forgets every token of an execution that ended (they become retired).
    pub fn forget_execution(&self, execution: &str) {
        let mut state = self.lock();
        let gone = state.by_execution.remove(execution).unwrap_or_default();
        for token in gone {
            state.tokens.remove(&token);
            Self::retire_locked(&mut state, token);
        }
    }

    /// Remembers that `token`'s task ended.
    pub fn retire(&self, token: String) {
        Self::retire_locked(&mut self.lock(), token);
    }

    fn retire_locked(state: &mut HubState, token: String) {
        if state.retired.insert(token.clone()) {
            state.retired_order.push_back(token);
            while state.retired_order.len() > RETIRED_TOKENS {
                if let Some(old) = state.retired_order.pop_front() {
                    state.retired.remove(&old);
                }
            }
        }
    }

    /// Whether `token` belonged to a task that ended.
    pub fn is_retired(&self, token: &str) -> bool {
        self.lock().retired.contains(token)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pending(task: TaskId) -> PendingTask {
        PendingTask {
            execution: Arc::from("arn:x"),
            task,
            activity: Some("act".to_owned()),
            input: json!({"n": task}),
            heartbeat_seconds: None,
            heartbeat_generation: 0,
        }
    }

    #[test]
    fn each_task_goes_to_exactly_one_worker_in_order() {
        let hub = TaskHub::default();
        assert!(hub.register("t1".to_owned(), pending(1), true).is_none());
        assert!(hub.register("t2".to_owned(), pending(2), true).is_none());
        assert_eq!(hub.poll("act").map(|h| h.task).ok(), Some(1));
        assert_eq!(hub.poll("act").map(|h| h.task).ok(), Some(2));
        let mut waiting = hub.poll("act").err().unwrap();
        let other = hub.poll("act").err().unwrap();
        drop(other);
        let given = hub.register("t3".to_owned(), pending(3), true).unwrap();
        assert_eq!(given.task, 3);
        assert_eq!(waiting.try_recv().unwrap().task, 3);
    }

    #[test]
    fn a_gone_worker_does_not_lose_the_task() {
        let hub = TaskHub::default();
        let gone = hub.poll("act").err().unwrap();
        drop(gone);
        assert!(hub.register("t1".to_owned(), pending(1), true).is_none());
        assert_eq!(hub.poll("act").map(|h| h.task).ok(), Some(1));
    }

    #[test]
    fn heartbeats_make_older_deadlines_stale() {
        let hub = TaskHub::default();
        hub.register("t".to_owned(), pending(1), false);
        assert!(hub.heartbeat_missed("t", 0));
        assert_eq!(hub.heartbeat("t"), Some(1));
        assert!(!hub.heartbeat_missed("t", 0));
        assert!(hub.heartbeat_missed("t", 1));
        hub.forget_execution("arn:x");
        assert!(hub.get("t").is_none());
        assert_eq!(hub.heartbeat("t"), None);
    }

    #[test]
    fn a_token_registered_again_is_queued_once_and_its_old_deadlines_are_stale() {
        let hub = TaskHub::default();
        hub.register("t".to_owned(), pending(1), true);
        hub.register("t".to_owned(), pending(1), true);
        assert!(!hub.heartbeat_missed("t", 0));
        assert_eq!(hub.heartbeat_generation("t"), Some(1));
        let handout = hub.poll("act").ok().unwrap();
        assert_eq!(handout.heartbeat_generation, 1);
        assert!(hub.poll("act").is_err(), "handed out twice");
    }
}
