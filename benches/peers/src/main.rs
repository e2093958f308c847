//! Peer benchmark: the crate's engine vs Rego (regorus, interpreter and RVM)
//! vs Cedar (cedar-policy) on the bundled policy's accountability and
//! avoidance query. See README.md.
//!
//! `cargo run --release -- check`          cross-check every form on all inputs
//! `cargo run --release -- bench [ROUNDS]` check, then the interleaved timing harness (60 rounds)
//! `cargo run --release -- ir FORM EVENTS REPS`  one form REPS times over one pool (for callgrind)

mod cedar;
mod common;
mod rego;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use accountable::calendar::Calendar;
use accountable::engine::Evaluator;
use accountable::generate::{GenConfig, organisation, task};
use accountable::model::{ValidCase, ValidOrganisation};
use accountable::policy::Policy;
use chrono::NaiveDate;

use common::engine_outcome;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default()
}

/// The generator configuration of `benches/evaluate.rs` and `benches/bound.rs`.
fn cfg(events: usize) -> GenConfig {
    GenConfig {
        seed: 3,
        departments: 50,
        staff_per_unit: 1,
        events_per_task: events,
        avoidance_percent: 100,
    }
}

/// The bundled policy cut down to the peers' nine rules (same text, same sources and parameters).
fn nine_rule_policy() -> Option<Policy> {
    nine_rules_without(None)
}

/// [`nine_rule_policy`] without the rule `without` (for `ir engine9` with
/// `PEERS_WITHOUT=RULE`: what one rule costs the 9-rule engine).
fn nine_rules_without(without: Option<&str>) -> Option<Policy> {
    let text = accountable::policy::BUNDLED_2023;
    let (head, rest) = text.split_once("\n[[rule]]")?;
    let keep: Vec<&str> = rest
        .split("\n[[rule]]")
        .filter(|b| {
            let id = b
                .lines()
                .find_map(|l| l.strip_prefix("id = \""))
                .unwrap_or("");
            common::ACC_RULES
                .iter()
                .chain(common::AVOID_RULES)
                .filter(|r| Some(**r) != without)
                .any(|r| id.starts_with(&format!("{r}\"")))
        })
        .collect();
    let out = format!("{head}\n[[rule]]{}", keep.join("\n[[rule]]"));
    match Policy::from_toml_str(&out, "nine-rules.toml") {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("nine-rule policy: {e}");
            None
        }
    }
}

/// Everything one organisation needs: the generated tasks, and each peer loaded once.
struct World {
    label: String,
    cases: Vec<ValidCase>,
    as_of: NaiveDate,
    engine: regorus::Engine,
    vm: Option<regorus::rvm::RegoVM>,
    cedar: cedar::Cedar,
    inputs: Vec<regorus::Value>,
    per_rule: std::collections::BTreeMap<String, usize>,
    /// The bundled policy cut to the peers' nine rules.
    nine: Option<Policy>,
}

fn world(
    label: &str,
    org: &accountable::model::Organisation,
    cases: Vec<ValidCase>,
    as_of: NaiveDate,
    policy: &Policy,
) -> World {
    let cal = Calendar::vietnam();
    let data = rego::data(org, cal, policy, as_of);
    let engine = rego::engine(&data).unwrap_or_else(|e| panic!("regorus engine: {e}"));
    let vm = match rego::vm(&data) {
        Ok(v) => Some(v),
        Err(e) => {
            eprintln!("regorus RVM unavailable: {e}");
            None
        }
    };
    let param = |n: &str| {
        policy
            .params()
            .iter()
            .find(|p| p.name == n)
            .and_then(|p| p.value_at(as_of))
            .unwrap_or_default()
    };
    let cedar = cedar::Cedar::new(org, param("bare_extensions"), param("follow_up_days"))
        .unwrap_or_else(|e| panic!("cedar: {e}"));
    let inputs = cases.iter().map(|c| rego::input(c, as_of)).collect();
    World {
        label: label.to_string(),
        cases,
        as_of,
        engine,
        vm,
        cedar,
        inputs,
        per_rule: Default::default(),
        nine: nine_rule_policy(),
    }
}

fn generated(events: usize, n: std::ops::Range<usize>, policy: &Policy) -> World {
    let c = cfg(events);
    let org = organisation(&c);
    let vorg = Arc::new(
        ValidOrganisation::new(org.organisation.clone()).unwrap_or_else(|e| panic!("{e}")),
    );
    let cases = n
        .filter_map(|i| ValidCase::new(vorg.clone(), task(&c, &org, i)).ok())
        .collect();
    world(
        &format!("generated, {events} events"),
        &org.organisation,
        cases,
        as_of(),
        policy,
    )
}

fn sample(policy: &Policy) -> Option<World> {
    let cases = accountable::sample::corpus().ok()?;
    let org = cases.first()?.org().organisation().clone();
    Some(world(
        "bundled sample",
        &org,
        cases,
        accountable::sample::as_of(),
        policy,
    ))
}

/// Every form on every task of the world gives the engine's answer; panics otherwise.
fn check(w: &mut World, policy: &Policy) -> (usize, usize, usize) {
    let ev = Evaluator::new(policy).explain(false);
    let cal = Calendar::vietnam();
    let (mut acc, mut findings) = (0, 0);
    for (i, case) in w.cases.iter().enumerate() {
        let d = ev
            .evaluate(case, w.as_of)
            .unwrap_or_else(|e| panic!("engine: {e}"));
        let ours = engine_outcome(&d);
        let id = case.task().id.to_string();
        if let Some(nine) = &w.nine {
            let d9 = Evaluator::new(nine)
                .explain(false)
                .evaluate(case, w.as_of)
                .unwrap_or_else(|e| panic!("engine: {e}"));
            let o9 = engine_outcome(&d9);
            if o9 != ours {
                panic!(
                    "{}: task {id}: the engine on the nine rules differs from the full policy:\n{}",
                    w.label,
                    ours.diff(&o9)
                );
            }
        }
        let v =
            rego::eval(&mut w.engine, &w.inputs[i]).unwrap_or_else(|e| panic!("rego {id}: {e}"));
        let r = rego::outcome(&v).unwrap_or_else(|e| panic!("rego {id}: {e}"));
        if r != ours {
            panic!(
                "{}: task {id}: Rego (interpreter) differs from the engine (first: engine, second: Rego):\n{}",
                w.label,
                ours.diff(&r)
            );
        }
        if let Some(vm) = &mut w.vm {
            let v = rego::eval_vm(vm, &w.inputs[i]).unwrap_or_else(|e| panic!("rvm {id}: {e}"));
            let r = rego::outcome(&v).unwrap_or_else(|e| panic!("rvm {id}: {e}"));
            if r != ours {
                panic!(
                    "{}: task {id}: Rego (RVM) differs from the engine:\n{}",
                    w.label,
                    ours.diff(&r)
                );
            }
        }
        let c = w.cedar.evaluate(case, cal, w.as_of);
        if c != ours {
            panic!(
                "{}: task {id}: Cedar differs from the engine:\n{}",
                w.label,
                ours.diff(&c)
            );
        }
        acc += ours.acc.len();
        findings += ours.findings.len();
        for f in &ours.findings {
            *w.per_rule.entry(f.0.clone()).or_default() += 1;
        }
    }
    (w.cases.len(), acc, findings)
}

#[inline(never)]
fn run_engine(w: &World, ev: &Evaluator<'_>, reps: usize) -> usize {
    let mut n = 0;
    for _ in 0..reps {
        for c in &w.cases {
            n += ev
                .evaluate(black_box(c), w.as_of)
                .map(|d| d.findings.len())
                .unwrap_or(0);
        }
    }
    n
}

/// The engine on the nine-rule policy (a separate function for callgrind).
#[inline(never)]
fn run_engine9(w: &World, ev: &Evaluator<'_>, reps: usize) -> usize {
    let mut n = 0;
    for _ in 0..reps {
        for c in &w.cases {
            n += ev
                .evaluate(black_box(c), w.as_of)
                .map(|d| d.steps.len())
                .unwrap_or(0);
        }
    }
    n
}

#[inline(never)]
fn run_rego(w: &mut World, reps: usize) -> usize {
    let mut n = 0;
    for _ in 0..reps {
        for i in 0..w.cases.len() {
            n += usize::from(rego::eval(&mut w.engine, &w.inputs[i]).is_ok());
        }
    }
    n
}

#[inline(never)]
fn run_rvm(w: &mut World, reps: usize) -> usize {
    let mut n = 0;
    if let Some(vm) = &mut w.vm {
        for _ in 0..reps {
            for inp in &w.inputs {
                n += usize::from(rego::eval_vm(vm, inp).is_ok());
            }
        }
    }
    n
}

#[inline(never)]
fn run_cedar(w: &World, reps: usize) -> usize {
    let cal = Calendar::vietnam();
    let mut n = 0;
    for _ in 0..reps {
        for c in &w.cases {
            n += w.cedar.evaluate(black_box(c), cal, w.as_of).findings.len();
        }
    }
    n
}

#[inline(never)]
fn run_rego_input(w: &World, reps: usize) -> usize {
    let mut n = 0;
    for _ in 0..reps {
        for c in &w.cases {
            n += usize::from(!matches!(
                rego::input(black_box(c), w.as_of),
                regorus::Value::Null
            ));
        }
    }
    n
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(((s.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

fn fmt(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else {
        format!("{:.2} ms", s * 1e3)
    }
}

/// Round-robin timing: each round times one batch of every form over the pool,
/// so all forms see the same machine conditions; medians over rounds.
fn bench(w: &mut World, policy: &Policy, rounds: usize) {
    let ev = Evaluator::new(policy).explain(false);
    let n = w.cases.len() as f64;
    let forms = [
        "engine, 55 rules (explain off)",
        "rego interpreter",
        "rego RVM",
        "cedar (split sets)",
        "rego input build",
        "engine, the same 9 rules",
    ];
    let nine = w.nine.clone();
    let ev9 = nine.as_ref().map(|p| Evaluator::new(p).explain(false));
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); forms.len()];
    // Engine batches repeat the pool to last about as long as a timer tick needs.
    let reps = 20;
    w.cedar.calls.set(0);
    run_cedar(w, 1);
    let calls = w.cedar.calls.get() as f64 / n;
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(run_engine(w, &ev, reps));
        times[0].push(t.elapsed().as_secs_f64() / (n * reps as f64));
        let t = Instant::now();
        black_box(run_rego(w, 1));
        times[1].push(t.elapsed().as_secs_f64() / n);
        if w.vm.is_some() {
            let t = Instant::now();
            black_box(run_rvm(w, 1));
            times[2].push(t.elapsed().as_secs_f64() / n);
        }
        let t = Instant::now();
        black_box(run_cedar(w, 1));
        times[3].push(t.elapsed().as_secs_f64() / n);
        let t = Instant::now();
        black_box(run_rego_input(w, 1));
        times[4].push(t.elapsed().as_secs_f64() / n);
        if let Some(ev9) = &ev9 {
            let t = Instant::now();
            black_box(run_engine9(w, ev9, reps));
            times[5].push(t.elapsed().as_secs_f64() / (n * reps as f64));
        }
    }
    println!(
        "\n{} ({} tasks in the pool, {rounds} rounds; Cedar: {calls:.0} authorisation calls per task)",
        w.label,
        w.cases.len()
    );
    println!("| form | median per task | p10–p90 | × engine, 55 rules | × engine, 9 rules |");
    println!("|---|---:|---:|---:|---:|");
    for (k, name) in forms.iter().enumerate() {
        if times[k].is_empty() {
            continue;
        }
        // Medians of the per-round ratios (each round sees one machine state).
        let ratio = |base: &[f64]| {
            let mut r: Vec<f64> = times[k].iter().zip(base).map(|(a, b)| a / b).collect();
            if r.is_empty() {
                f64::NAN
            } else {
                median(&mut r)
            }
        };
        let med = median(&mut times[k].clone());
        println!(
            "| {name} | {} | {}–{} | {:.1} | {:.1} |",
            fmt(med),
            fmt(pct(&times[k], 0.1)),
            fmt(pct(&times[k], 0.9)),
            ratio(&times[0]),
            ratio(&times[5]),
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("bench", String::as_str);
    let arg = args.get(2).and_then(|s| s.parse::<usize>().ok());
    let policy = Policy::bundled().unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let mut pools: Vec<World> = [10usize, 50]
        .into_iter()
        .map(|e| generated(e, 0..16, &policy))
        .collect();
    eprintln!(
        "setup (data, policies, entities, inputs for 2 pools): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    match mode {
        "rule" => {
            // Debug: one rule on one task of the 10-event pool, interpreter vs RVM.
            let name = args.get(2).cloned().unwrap_or_default();
            let k = args
                .get(3)
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(0);
            let cal = Calendar::vietnam();
            let data = rego::data(
                pools[0].cases[k].org().organisation(),
                cal,
                &policy,
                as_of(),
            );
            let entry = format!("data.accountable.{name}");
            let mut e = rego::engine(&data).unwrap_or_else(|e| panic!("{e}"));
            e.set_input(pools[0].inputs[k].clone());
            println!(
                "interpreter: {:?}",
                e.eval_rule(entry.clone()).map(|v| v.to_string())
            );
            match rego::vm_for(&data, &entry) {
                Ok(mut vm) => println!(
                    "rvm:         {:?}",
                    rego::eval_vm(&mut vm, &pools[0].inputs[k]).map(|v| v.to_string())
                ),
                Err(x) => println!("rvm: {x}"),
            }
        }
        "ir" => {
            // `ir FORM EVENTS REPS`: one form on one pool, for callgrind (inclusive
            // cost of `accountable_peers::run_FORM` ÷ (REPS × 16) = instructions per task).
            let form = args.get(2).map_or("engine", String::as_str);
            let events: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
            let reps: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(4);
            let ev = Evaluator::new(&policy).explain(false);
            let Some(w) = pools
                .iter_mut()
                .find(|w| w.label.contains(&format!(" {events} events")))
            else {
                return;
            };
            let n = match form {
                "rego" => run_rego(w, reps),
                "rvm" => run_rvm(w, reps),
                "cedar" => run_cedar(w, reps),
                "rego_input" => run_rego_input(w, reps),
                // With PEERS_WITHOUT=RULE, the nine rules but that one.
                "engine9" => {
                    let without = std::env::var("PEERS_WITHOUT").ok();
                    if let Some(r) = &without {
                        eprintln!("ir: engine9 without {r}");
                    }
                    match nine_rules_without(without.as_deref()) {
                        Some(p) => run_engine9(w, &Evaluator::new(&p).explain(false), reps),
                        None => 0,
                    }
                }
                _ => run_engine(w, &ev, reps),
            };
            eprintln!(
                "ir: {form} on {}: {reps} × {} tasks ({n})",
                w.label,
                w.cases.len()
            );
        }
        _ => {
            // Cross-check: the pools, 100 more generated tasks of each size, the bundled sample.
            let mut extra: Vec<World> = [10usize, 50]
                .into_iter()
                .map(|e| generated(e, 16..116, &policy))
                .collect();
            extra.extend(sample(&policy));
            for w in pools.iter_mut().chain(extra.iter_mut()) {
                let (t, a, f) = check(w, &policy);
                eprintln!(
                    "check: {}: {t} tasks, {a} accountability entries and {f} findings on the peers' rules: engine (55 rules) = engine (9 rules) = Rego interpreter = Rego RVM{} = Cedar",
                    w.label,
                    if w.vm.is_some() { "" } else { " (n/a)" }
                );
                eprintln!("       findings by rule: {:?}", w.per_rule);
            }
            if mode == "bench" {
                let rounds = arg.unwrap_or(60);
                for w in &mut pools {
                    bench(w, &policy, rounds);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn nine_rules_load() {
        let p = super::nine_rule_policy().expect("loads");
        assert_eq!(p.rules().len(), 9);
    }
}
