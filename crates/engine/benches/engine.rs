//! Engine benchmarks (issue 3): a Choice + Pass loop, a 2,000-item inline Map, a 10-state Pass
//! chain; all in memory, history included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common/workloads.rs"]
mod workloads;

use baton_engine::local::{NoIntegrations, VirtualEnvironment, run_to_completion};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    for (name, (machine, input), transitions) in [
        ("choice_loop_1000", workloads::choice_loop(), 2003u64),
        ("inline_map_2000", workloads::map_2000(), 1 + 3 * 2000),
        ("pass_chain_10", workloads::pass_chain(), 10),
        (
            "jsonata_pass_chain_100",
            workloads::jsonata_pass_chain(),
            100,
        ),
        (
            "jsonata_pass_chain_100_computed",
            workloads::jsonata_pass_chain_computed(),
            100,
        ),
        (
            "jsonata_choice_loop_1000",
            workloads::jsonata_choice_loop(),
            2002,
        ),
    ] {
        let machine = Arc::new(machine);
        let mut env = VirtualEnvironment::new(1_700_000_000_000, 1);
        let check = run_to_completion(
            Arc::clone(&machine),
            workloads::info(),
            input.clone(),
            &mut env,
            &mut NoIntegrations,
        );
        assert_eq!(check.status().as_str(), "SUCCEEDED", "{name}");
        group.throughput(Throughput::Elements(transitions));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut env = VirtualEnvironment::new(1_700_000_000_000, 1);
                black_box(run_to_completion(
                    Arc::clone(&machine),
                    workloads::info(),
                    black_box(input.clone()),
                    &mut env,
                    &mut NoIntegrations,
                ))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
