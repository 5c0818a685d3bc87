//! Peak memory of the 2,000-item inline Map run (issue 3): runs it once and prints the
//! process's peak resident set (VmHWM) before and after.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../benches/common/workloads.rs"]
mod workloads;

use baton_engine::local::{NoIntegrations, VirtualEnvironment, run_to_completion};
use std::sync::Arc;

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let (machine, input) = workloads::map_2000();
    let before = peak_kib();
    let mut env = VirtualEnvironment::new(1_700_000_000_000, 1);
    let execution = run_to_completion(
        Arc::new(machine),
        workloads::info(),
        input,
        &mut env,
        &mut NoIntegrations,
    );
    let after = peak_kib();
    println!(
        "status {} events {} peak RSS before {} KiB after {} KiB",
        execution.status().as_str(),
        execution.events().len(),
        before,
        after
    );
}
