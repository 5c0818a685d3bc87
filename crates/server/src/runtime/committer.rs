//! Group commit: one thread owns the store's write path and writes what every caller sent since
//! its last commit in one transaction, so many executions' steps share one sync to disk.

use baton_store::{Store, StoreError, Write};
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// The most requests one transaction takes.
const MAX_BATCH: usize = 1024;

struct CommitRequest {
    writes: Vec<Write>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// Hands writes to the commit thread.
#[derive(Clone)]
pub struct Committer {
    sender: mpsc::Sender<CommitRequest>,
}

impl Committer {
    /// Starts the commit thread over `store`.
    pub fn start(store: Arc<dyn Store>) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel::<CommitRequest>();
        std::thread::Builder::new()
            .name("baton-commit".to_owned())
            .spawn(move || commit_loop(&*store, &receiver))?;
        Ok(Self { sender })
    }

    /// Writes `writes` atomically; returns once they are durable.
    pub async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.submit(writes).durable().await
    }

    /// Queues `writes` without waiting: they are committed after everything queued before them
    /// and before everything queued after them. The returned handle tells when they are durable.
    pub fn submit(&self, writes: Vec<Write>) -> PendingCommit {
        let (done, wait) = oneshot::channel();
        let wait = self
            .sender
            .send(CommitRequest { writes, done })
            .is_ok()
            .then_some(wait);
        PendingCommit { wait }
    }
}

/// Writes queued for the commit thread, not yet known to be durable.
pub struct PendingCommit {
    /// `None` when the commit thread had already stopped.
    wait: Option<oneshot::Receiver<Result<(), StoreError>>>,
}

impl PendingCommit {
    /// Waits until the writes are durable, or the store refused them.
    pub async fn durable(self) -> Result<(), StoreError> {
        let stopped = || StoreError::Backend("the commit thread has stopped".to_owned());
        match self.wait {
            Some(wait) => wait.await.map_err(|_| stopped())?,
            None => Err(stopped()),
        }
    }
}

fn commit_loop(store: &dyn Store, receiver: &mpsc::Receiver<CommitRequest>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        if batch.len() == 1 {
            for request in batch {
                let result = store.apply(&request.writes);
                let _ = request.done.send(result);
            }
            continue;
        }
        let all: Vec<Write> = batch
            .iter()
            .flat_map(|r| r.writes.iter().cloned())
            .collect();
        match store.apply(&all) {
            Ok(()) => {
                for request in batch {
                    let _ = request.done.send(Ok(()));
                }
            }
            // One request's writes spoiled the batch: write each on its own, so only that
            // request fails.
            Err(_) => {
                for request in batch {
                    let result = store.apply(&request.writes);
                    let _ = request.done.send(result);
                }
            }
        }
    }
}
