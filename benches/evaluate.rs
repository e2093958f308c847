//! Evaluation benches: one task at 10, 50 and 200 events (explanation on and
//! off), one task on each of two threads at once, policy load, corpus throughput against the parse-only floor, and
//! growth with events and with rules. Inputs come from the bundled sample
//! and the seeded generator the tests use.

use std::hint::black_box;
use std::sync::Arc;

use accountable::engine::Evaluator;
use accountable::generate::{GenConfig, organisation, task, write_jsonl};
use accountable::io::{CorpusReader, parse_task_line};
use accountable::model::{ValidCase, ValidOrganisation};
use accountable::policy::{BUNDLED_2023, Policy};
use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default()
}

fn case_with_events(events: usize) -> Option<ValidCase> {
    let cfg = GenConfig {
        seed: 3,
        departments: 50,
        staff_per_unit: 1,
        events_per_task: events,
        avoidance_percent: 100,
    };
    let org = organisation(&cfg);
    let vorg = Arc::new(ValidOrganisation::new(org.organisation.clone()).ok()?);
    ValidCase::new(vorg, task(&cfg, &org, 2)).ok()
}

fn one_task(c: &mut Criterion) {
    let Ok(policy) = Policy::bundled() else {
        return;
    };
    let mut g = c.benchmark_group("evaluate_one_task");
    for events in [10usize, 50, 200] {
        let Some(case) = case_with_events(events) else {
            continue;
        };
        for explain in [false, true] {
            let ev = Evaluator::new(&policy).explain(explain);
            let name = if explain { "explain_on" } else { "explain_off" };
            g.bench_with_input(BenchmarkId::new(name, events), &case, |b, case| {
                b.iter(|| ev.evaluate(black_box(case), as_of()))
            });
        }
    }
    g.finish();
    // The bundled sample, task by task.
    if let Ok(cases) = accountable::sample::corpus() {
        let ev = Evaluator::new(&policy).explain(false);
        c.bench_function("evaluate_sample_corpus_48_tasks", |b| {
            b.iter(|| {
                cases
                    .iter()
                    .map(|k| {
                        ev.evaluate(k, accountable::sample::as_of())
                            .map(|d| d.findings.len())
                            .unwrap_or(0)
                    })
                    .sum::<usize>()
            })
        });
    }
}

/// One evaluation on each of two threads at once, under one policy or
/// under a policy each, against one thread alone (per evaluation: ideally
/// the same on 2 cores). Each thread has its own task, in one organisation
/// (as `batch` runs them); answers that clone values the threads share
/// would make them wait on each other's caches. Also: what cloning and
/// dropping one answer costs, on one thread.
fn threads(c: &mut Criterion) {
    let (Ok(policy), Ok(other)) = (Policy::bundled(), Policy::bundled()) else {
        return;
    };
    let cfg = GenConfig {
        seed: 3,
        departments: 50,
        staff_per_unit: 1,
        events_per_task: 10,
        avoidance_percent: 100,
    };
    let org = organisation(&cfg);
    let Ok(vorg) = ValidOrganisation::new(org.organisation.clone()) else {
        return;
    };
    let vorg = Arc::new(vorg);
    let (Ok(mine), Ok(yours)) = (
        ValidCase::new(vorg.clone(), task(&cfg, &org, 2)),
        ValidCase::new(vorg, task(&cfg, &org, 2)),
    ) else {
        return;
    };
    let mut g = c.benchmark_group("threads");
    for explain in [false, true] {
        let name = |what: &str| format!("{what}/explain_{}", if explain { "on" } else { "off" });
        let ev = Evaluator::new(&policy).explain(explain);
        let ev_other = Evaluator::new(&other).explain(explain);
        let run = |ev: &Evaluator<'_>, case: &ValidCase, iters: u64| {
            for _ in 0..iters {
                black_box(ev.evaluate(black_box(case), as_of()).is_ok());
            }
        };
        g.bench_function(name("one_thread"), |b| {
            b.iter(|| ev.evaluate(black_box(&mine), as_of()))
        });
        // What the answer's own values cost to make and free (allocations
        // and reference counts), apart from deciding it: a clone and a drop.
        if let Ok(answer) = ev.evaluate(&mine, as_of()) {
            g.bench_function(name("answer_clone_and_drop"), |b| {
                b.iter(|| black_box(&answer).clone())
            });
        }
        for (what, second) in [
            ("two_threads_one_policy", &ev),
            ("two_threads_a_policy_each", &ev_other),
        ] {
            g.bench_function(name(what), |b| {
                b.iter_custom(|iters| {
                    std::thread::scope(|s| {
                        let start = std::time::Instant::now();
                        let a = s.spawn(|| run(&ev, &mine, iters));
                        let b = s.spawn(|| run(second, &yours, iters));
                        let _ = (a.join(), b.join());
                        start.elapsed()
                    })
                })
            });
        }
    }
    g.finish();
}

fn load_policy(c: &mut Criterion) {
    c.bench_function("load_and_check_bundled_policy", |b| {
        b.iter(|| {
            Policy::from_toml_str(black_box(BUNDLED_2023), "vn-2023.toml").map(|p| p.rules().len())
        })
    });
}

fn throughput(c: &mut Criterion) {
    let Ok(policy) = Policy::bundled() else {
        return;
    };
    // At least 100,000 tasks (fewer with THROUGHPUT_TASKS=N, for a quick look).
    let tasks = std::env::var("THROUGHPUT_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000usize);
    let mut buf = Vec::new();
    if write_jsonl(&GenConfig::default(), tasks, &mut buf).is_err() {
        return;
    }
    let text = String::from_utf8(buf).unwrap_or_default();
    let ev = Evaluator::new(&policy).explain(false);
    let mut g = c.benchmark_group("corpus_throughput");
    g.sample_size(10);
    g.throughput(Throughput::Elements(tasks as u64));
    g.bench_function("parse_and_validate_only_floor", |b| {
        b.iter(|| {
            let Ok(mut r) = CorpusReader::new(text.as_bytes(), "c.jsonl") else {
                return 0;
            };
            let org = r.organisation().clone();
            let mut n = 0;
            while let Some(Ok((line, t))) = r.next_line() {
                n += usize::from(parse_task_line(&org, &t, "c.jsonl", line).is_ok());
            }
            n
        })
    });
    g.bench_function("parse_validate_evaluate_one_thread", |b| {
        b.iter(|| {
            let Ok(mut r) = CorpusReader::new(text.as_bytes(), "c.jsonl") else {
                return 0;
            };
            let org = r.organisation().clone();
            let mut n = 0;
            while let Some(Ok((line, t))) = r.next_line() {
                if let Ok(case) = parse_task_line(&org, &t, "c.jsonl", line) {
                    n += ev
                        .evaluate(&case, as_of())
                        .map(|d| d.findings.len())
                        .unwrap_or(0);
                }
            }
            n
        })
    });
    g.bench_function("parse_validate_evaluate_all_cores", |b| {
        b.iter(|| {
            let Ok(r) = CorpusReader::new(text.as_bytes(), "c.jsonl") else {
                return 0;
            };
            let opts = accountable::batch::BatchOptions {
                progress: false,
                ..Default::default()
            };
            accountable::batch::stream(r, &ev, as_of(), opts, |_, d| {
                black_box(d.is_ok());
            })
            .evaluated
        })
    });
    g.finish();
}

/// The bundled policy with its avoidance rules copied `k` times under new ids.
fn policy_with_copies(k: usize) -> Option<Policy> {
    let (head, rest) = BUNDLED_2023.split_once("\n[[rule]]")?;
    let blocks: Vec<&str> = rest.split("\n[[rule]]").collect();
    let mut text = format!("{head}\n[[rule]]{}", blocks.join("\n[[rule]]"));
    for n in 0..k {
        for b in blocks.iter().filter(|b| b.contains("kind = \"avoidance\"")) {
            let copy = b.replacen("id = \"avoid.", &format!("id = \"copy{n}.avoid."), 1);
            text.push_str(&format!("\n[[rule]]{copy}"));
        }
    }
    Policy::from_toml_str(&text, "copies.toml").ok()
}

fn growth(c: &mut Criterion) {
    let Ok(policy) = Policy::bundled() else {
        return;
    };
    let ev = Evaluator::new(&policy).explain(false);
    let mut g = c.benchmark_group("growth_events");
    for events in [10usize, 20, 50, 100, 200] {
        let Some(case) = case_with_events(events) else {
            continue;
        };
        g.throughput(Throughput::Elements(events as u64));
        g.bench_with_input(BenchmarkId::from_parameter(events), &case, |b, case| {
            b.iter(|| ev.evaluate(black_box(case), as_of()))
        });
    }
    g.finish();
    let Some(case) = case_with_events(10) else {
        return;
    };
    let mut g = c.benchmark_group("growth_rules");
    for k in [0usize, 1, 3, 7] {
        let Some(p) = policy_with_copies(k) else {
            continue;
        };
        let n = p.rules().len();
        let ev = Evaluator::new(&p).explain(false);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &case, |b, case| {
            b.iter(|| ev.evaluate(black_box(case), as_of()))
        });
    }
    g.finish();
}

criterion_group!(benches, one_task, threads, load_policy, throughput, growth);
criterion_main!(benches);
