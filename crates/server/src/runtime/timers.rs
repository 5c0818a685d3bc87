//! The timer service: one task that keeps every pending timer of every execution in due order
//! and fires each at its time (Wait states, retry intervals, task and execution timeouts).

use baton_engine::event::Millis;
use baton_engine::execution::TimerId;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Called with the timers that are due, in due order: (execution ARN, timer).
pub type FireFn = Arc<dyn Fn(Vec<(Arc<str>, TimerId)>) + Send + Sync>;

enum Message {
    Schedule {
        execution: Arc<str>,
        timer: TimerId,
        fire_at: Millis,
    },
    Cancel {
        execution: Arc<str>,
        timer: TimerId,
    },
    CancelAll {
        execution: Arc<str>,
    },
}

/// Handle to the timer service.
#[derive(Clone)]
pub struct Timers {
    sender: mpsc::UnboundedSender<Message>,
}

impl Timers {
    /// Starts the service; `fire` is called for each due timer, `now` reads the clock.
    pub fn start(fire: FireFn, now: fn() -> Millis) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(receiver, fire, now));
        Self { sender }
    }

    /// Fires `timer` of `execution` at `fire_at` (at once when it is past).
    pub fn schedule(&self, execution: Arc<str>, timer: TimerId, fire_at: Millis) {
        let _ = self.sender.send(Message::Schedule {
            execution,
            timer,
            fire_at,
        });
    }

    /// Forgets one timer.
    pub fn cancel(&self, execution: Arc<str>, timer: TimerId) {
        let _ = self.sender.send(Message::Cancel { execution, timer });
    }

    /// Forgets every timer of an execution that ended.
    pub fn cancel_all(&self, execution: Arc<str>) {
        let _ = self.sender.send(Message::CancelAll { execution });
    }
}

#[derive(Default)]
struct Pending {
    due: BTreeMap<(Millis, u64), (Arc<str>, TimerId)>,
    by_timer: HashMap<(Arc<str>, TimerId), (Millis, u64)>,
    by_execution: HashMap<Arc<str>, Vec<TimerId>>,
    sequence: u64,
}

impl Pending {
    fn apply(&mut self, message: Message) {
        match message {
            Message::Schedule {
                execution,
                timer,
                fire_at,
            } => {
                self.sequence += 1;
                let key = (fire_at, self.sequence);
                self.due.insert(key, (Arc::clone(&execution), timer));
                self.by_timer.insert((Arc::clone(&execution), timer), key);
                self.by_execution.entry(execution).or_default().push(timer);
            }
            Message::Cancel { execution, timer } => {
                if let Some(key) = self.by_timer.remove(&(Arc::clone(&execution), timer)) {
                    self.due.remove(&key);
                }
            }
            Message::CancelAll { execution } => {
                for timer in self.by_execution.remove(&execution).unwrap_or_default() {
                    if let Some(key) = self.by_timer.remove(&(Arc::clone(&execution), timer)) {
                        self.due.remove(&key);
                    }
                }
            }
        }
    }
}

async fn run(mut receiver: mpsc::UnboundedReceiver<Message>, fire: FireFn, now: fn() -> Millis) {
    let mut pending = Pending::default();
    loop {
        // Fire everything due, in one batch so that an execution gets its due timers in order.
        let current = now();
        let mut batch = Vec::new();
        while let Some(entry) = pending.due.first_entry() {
            if entry.key().0 > current {
                break;
            }
            let (execution, timer) = entry.remove();
            pending.by_timer.remove(&(Arc::clone(&execution), timer));
            if let Some(timers) = pending.by_execution.get_mut(&execution) {
                timers.retain(|t| *t != timer);
                if timers.is_empty() {
                    pending.by_execution.remove(&execution);
                }
            }
            batch.push((execution, timer));
        }
        if !batch.is_empty() {
            fire(batch);
        }
        let next = pending.due.keys().next().map(|(at, _)| *at);
        let message = match next {
            Some(at) => {
                let wait = Duration::from_millis(u64::try_from(at - now()).unwrap_or(0));
                tokio::select! {
                    message = receiver.recv() => message,
                    () = tokio::time::sleep(wait) => continue,
                }
            }
            None => receiver.recv().await,
        };
        let Some(message) = message else {
            return;
        };
        pending.apply(message);
        while let Ok(message) = receiver.try_recv() {
            pending.apply(message);
        }
    }
}
