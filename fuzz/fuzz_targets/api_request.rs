//! Fuzz target: any bytes as an API request to an in-memory server. The first line picks the
//! operation (`X-Amz-Target`), the rest is the body. Every answer must be a response or an
//! AWS-shaped error, never a panic.
#![no_main]

use baton_server::ServerConfig;
use baton_server::api::{App, dispatch};
use baton_store::memory::MemoryStore;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

const OPERATIONS: &[&str] = &[
    "CreateStateMachine", "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine",
    "ListStateMachines", "StartExecution", "StartSyncExecution", "DescribeExecution",
    "ListExecutions", "GetExecutionHistory", "StopExecution", "DescribeStateMachineForExecution",
    "ValidateStateMachineDefinition", "TagResource", "UntagResource", "ListTagsForResource",
];

fn server() -> &'static (tokio::runtime::Runtime, Arc<App>) {
    static SERVER: OnceLock<(tokio::runtime::Runtime, Arc<App>)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let app = runtime.block_on(async {
            let config = ServerConfig {
                runtime: baton_server::runtime::RuntimeConfig {
                    wait_time_scale: 0.0,
                    ..Default::default()
                },
                ..ServerConfig::default()
            };
            baton_server::build(Arc::new(MemoryStore::new()), config)
                .await
                .expect("server")
                .1
        });
        (runtime, app)
    })
}

fuzz_target!(|data: &[u8]| {
    let (runtime, app) = server();
    let (first, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    // Mostly real operations, sometimes raw text as the target.
    let target = match first.first() {
        Some(&b) if (b as usize) < OPERATIONS.len() * 8 => {
            format!("AWSStepFunctions.{}", OPERATIONS[b as usize % OPERATIONS.len()])
        }
        _ => String::from_utf8_lossy(first).into_owned(),
    };
    let _ = runtime.block_on(dispatch(app, &target, body));
});
