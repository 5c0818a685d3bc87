//! Benchmark: parse + validate a 1 MiB definition (AWS's size limit) with deep nesting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use baton_asl::{ValidateOptions, generate::large_definition, parse_definition};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn validate_one_mebibyte(c: &mut Criterion) {
    let text = large_definition(1024 * 1024, 4);
    let parsed = parse_definition(&text, ValidateOptions::default());
    assert!(
        parsed.state_machine.is_some(),
        "benchmark definition must be valid: {:?}",
        parsed.diagnostics
    );
    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(30);
    group.bench_function("1MiB_definition", |b| {
        b.iter(|| parse_definition(black_box(&text), ValidateOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, validate_one_mebibyte);
criterion_main!(benches);
