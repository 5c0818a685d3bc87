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
        let (done, wait) = oneshot::channel();
        self.sender
            .send(CommitRequest { writes, done })
            .map_err(|_| StoreError::Backend("the commit thread has stopped".to_owned()))?;
        wait.await
            .map_err(|_| StoreError::Backend("the commit thread has stopped".to_owned()))?
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
