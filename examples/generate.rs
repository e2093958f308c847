//! Writes a seeded synthetic corpus as JSON Lines (for research and benchmarks).
//!
//! ```text
//! cargo run --release --example generate -- --tasks 100000 --seed 1 [--departments 10] [--staff 3] [--events 10] [--avoidance 30] --out corpus.jsonl
//! ```

use std::process::ExitCode;

use accountable::generate::{GenConfig, write_jsonl};

fn run() -> Result<(), String> {
    let mut cfg = GenConfig::default();
    let mut tasks = 1000usize;
    let mut out: Option<String> = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut num = |n: &str| -> Result<u64, String> {
            let v = it.next().ok_or(format!("{n} needs a value"))?;
            v.parse().map_err(|_| format!("{n}: `{v}` is not a number"))
        };
        match a.as_str() {
            "--tasks" => tasks = num("--tasks")? as usize,
            "--seed" => cfg.seed = num("--seed")?,
            "--departments" => cfg.departments = num("--departments")? as usize,
            "--staff" => cfg.staff_per_unit = num("--staff")? as usize,
            "--events" => cfg.events_per_task = num("--events")? as usize,
            "--avoidance" => cfg.avoidance_percent = num("--avoidance")? as u32,
            "--out" => out = it.next(),
            o => return Err(format!("unknown argument `{o}`")),
        }
    }
    let path = out.ok_or("--out FILE is required")?;
    let f = std::fs::File::create(&path).map_err(|e| format!("cannot create `{path}`: {e}"))?;
    write_jsonl(&cfg, tasks, std::io::BufWriter::new(f)).map_err(|e| e.to_string())?;
    eprintln!("wrote {tasks} tasks to {path}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
