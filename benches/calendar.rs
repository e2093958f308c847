//! Benchmarks of the working-day calendar: the indexed `add_working_days` is
//! O(1) in N, unlike a naive day-by-day loop (measured in the same run).

use accountable::calendar::Calendar;
use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 3, 15).unwrap_or_default()
}

/// The baseline: walk day by day, asking for each day.
fn naive_add(cal: &Calendar, start: NaiveDate, n: u32) -> Option<NaiveDate> {
    let mut day = start;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt()?;
        if cal.is_working_day(day).ok()? {
            left -= 1;
        }
    }
    Some(day)
}

fn add_working_days(c: &mut Criterion) {
    let cal = Calendar::vietnam();
    let mut group = c.benchmark_group("add_working_days");
    for n in [1u32, 10, 100, 1000] {
        group.bench_with_input(BenchmarkId::new("indexed", n), &n, |b, &n| {
            b.iter(|| cal.add_working_days(black_box(start()), black_box(n)))
        });
        group.bench_with_input(BenchmarkId::new("naive_loop", n), &n, |b, &n| {
            b.iter(|| naive_add(cal, black_box(start()), black_box(n)))
        });
    }
    group.finish();
}

fn queries(c: &mut Criterion) {
    let cal = Calendar::vietnam();
    let from = start();
    let to = NaiveDate::from_ymd_opt(2029, 11, 20).unwrap_or_default();
    c.bench_function("working_days_between", |b| {
        b.iter(|| cal.working_days_between(black_box(from), black_box(to)))
    });
    c.bench_function("is_working_day", |b| {
        b.iter(|| cal.is_working_day(black_box(to)))
    });
    c.bench_function("period_end_civil", |b| {
        b.iter(|| cal.period_end_civil(black_box(from), black_box(30)))
    });
}

criterion_group!(benches, add_working_days, queries);
criterion_main!(benches);
