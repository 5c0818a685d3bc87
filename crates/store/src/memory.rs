//! The in-memory store: everything in maps behind one lock, gone when the process ends. Used by
//! `baton serve --in-memory` and as the reference the SQLite store is tested against.

use crate::{
    ActivityRecord, EventQuery, ExecutionQuery, ExecutionRecord, JournalEntry, RunStatus,
    StateMachineRecord, Store, StoreError, StoredEvent, WorkflowType, Write, newest_first,
};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

/// One execution's data.
#[derive(Debug, Default)]
struct ExecutionData {
    record: Option<ExecutionRecord>,
    events: Vec<StoredEvent>,
    journal: Vec<JournalEntry>,
}

#[derive(Debug, Default)]
struct Inner {
    machines: BTreeMap<String, StateMachineRecord>,
    activities: BTreeMap<String, ActivityRecord>,
    executions: HashMap<String, ExecutionData>,
}

/// A [`Store`] that keeps everything in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied batch (batches are checked
        // before any change), so a poisoned lock is still consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Checks that `writes` can all be applied to `inner`, so that applying never stops halfway.
fn check(inner: &Inner, writes: &[Write]) -> Result<(), StoreError> {
    // Event counts as the batch will leave them, for executions the batch touches.
    let mut counts: HashMap<&str, Option<u64>> = HashMap::new();
    for write in writes {
        match write {
            Write::CreateExecution(record) => {
                let exists = inner
                    .executions
                    .get(&record.arn)
                    .is_some_and(|e| e.record.is_some())
                    || counts.get(record.arn.as_str()).is_some_and(Option::is_some);
                if exists {
                    return Err(StoreError::ExecutionExists(record.arn.clone()));
                }
                counts.insert(&record.arn, Some(0));
            }
            Write::AppendStep {
                execution_arn,
                events,
                ..
            } => {
                let last = match counts.get(execution_arn.as_str()) {
                    Some(Some(n)) => *n,
                    _ => match inner
                        .executions
                        .get(execution_arn)
                        .and_then(|e| e.record.as_ref())
                    {
                        Some(_) => inner
                            .executions
                            .get(execution_arn)
                            .map_or(0, |e| e.events.len() as u64),
                        None => return Err(StoreError::NoSuchExecution(execution_arn.clone())),
                    },
                };
                let mut next = last;
                for event in events {
                    if event.id != next + 1 {
                        return Err(StoreError::EventOutOfOrder {
                            arn: execution_arn.clone(),
                            last: next,
                            got: event.id,
                        });
                    }
                    next = event.id;
                }
                counts.insert(execution_arn, Some(next));
            }
            Write::PutStateMachine(_)
            | Write::DeleteStateMachine { .. }
            | Write::PutActivity(_)
            | Write::DeleteActivity { .. } => {}
        }
    }
    Ok(())
}

impl Store for MemoryStore {
    fn apply(&self, writes: &[Write]) -> Result<(), StoreError> {
        let mut inner = self.lock();
        check(&inner, writes)?;
        for write in writes {
            match write {
                Write::PutStateMachine(record) => {
                    inner.machines.insert(record.arn.clone(), record.clone());
                }
                Write::DeleteStateMachine { arn } => {
                    inner.machines.remove(arn);
                }
                Write::PutActivity(record) => {
                    inner.activities.insert(record.arn.clone(), record.clone());
                }
                Write::DeleteActivity { arn } => {
                    inner.activities.remove(arn);
                }
                Write::CreateExecution(record) => {
                    let data = inner.executions.entry(record.arn.clone()).or_default();
                    data.record = Some(record.clone());
                }
                Write::AppendStep {
                    execution_arn,
                    journal,
                    events,
                    outcome,
                } => {
                    let Some(data) = inner.executions.get_mut(execution_arn) else {
                        continue;
                    };
                    data.events.extend(events.iter().cloned());
                    data.journal.extend(journal.iter().cloned());
                    let count = data.events.len() as u64;
                    if let Some(record) = data.record.as_mut() {
                        record.record_step(count, outcome.as_ref());
                    }
                }
            }
        }
        Ok(())
    }

    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, StoreError> {
        Ok(self.lock().machines.get(arn).cloned())
    }

    fn state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>, StoreError> {
        Ok(page_after(&self.lock().machines, after, limit))
    }

    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, StoreError> {
        Ok(self.lock().activities.get(arn).cloned())
    }

    fn activities(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        Ok(page_after(&self.lock().activities, after, limit))
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        Ok(self
            .lock()
            .executions
            .get(arn)
            .and_then(|e| e.record.clone()))
    }

    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRecord>, StoreError> {
        let inner = self.lock();
        let mut all: Vec<&ExecutionRecord> = inner
            .executions
            .values()
            .filter_map(|e| e.record.as_ref())
            .filter(|r| {
                query
                    .state_machine_arn
                    .as_ref()
                    .is_none_or(|arn| &r.state_machine_arn == arn)
                    && query.status.is_none_or(|s| r.status == s)
            })
            .collect();
        all.sort_by(|a, b| newest_first(a, b));
        let start = match &query.after {
            Some(after) => match inner.executions.get(after).and_then(|e| e.record.as_ref()) {
                Some(cursor) => all
                    .iter()
                    .position(|r| newest_first(cursor, r).is_lt())
                    .unwrap_or(all.len()),
                None => all.len(),
            },
            None => 0,
        };
        Ok(all
            .into_iter()
            .skip(start)
            .take(query.limit)
            .cloned()
            .collect())
    }

    fn events(&self, arn: &str, query: EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        let inner = self.lock();
        let Some(data) = inner.executions.get(arn) else {
            return Ok(Vec::new());
        };
        let events = &data.events;
        Ok(if query.reverse {
            let end = query.after.map_or(events.len(), |a| {
                (a.saturating_sub(1) as usize).min(events.len())
            });
            events[..end]
                .iter()
                .rev()
                .take(query.limit)
                .cloned()
                .collect()
        } else {
            let start = query.after.map_or(0, |a| (a as usize).min(events.len()));
            events[start..].iter().take(query.limit).cloned().collect()
        })
    }

    fn journal(&self, arn: &str) -> Result<Vec<JournalEntry>, StoreError> {
        Ok(self
            .lock()
            .executions
            .get(arn)
            .map(|e| e.journal.clone())
            .unwrap_or_default())
    }

    fn running(&self) -> Result<Vec<ExecutionRecord>, StoreError> {
        let inner = self.lock();
        let mut running: Vec<&ExecutionRecord> = inner
            .executions
            .values()
            .filter_map(|e| e.record.as_ref())
            .filter(|r| r.status == RunStatus::Running && r.workflow_type == WorkflowType::Standard)
            .collect();
        // Oldest first: the reverse of newest first.
        running.sort_by(|a, b| newest_first(b, a));
        Ok(running.into_iter().cloned().collect())
    }
}

/// Up to `limit` values of `map` whose keys (ARNs) sort after `after`, in key order.
fn page_after<V: Clone>(map: &BTreeMap<String, V>, after: Option<&str>, limit: usize) -> Vec<V> {
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    map.range::<str, _>((start, Bound::Unbounded))
        .take(limit)
        .map(|(_, value)| value.clone())
        .collect()
}
