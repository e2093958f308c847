//! Compares two policies over the same corpus and reports every changed
//! determination with the rule(s) or parameter(s) responsible.
//!
//! ```text
//! cargo run --release --example compare                                  # bundled 2023 vs 2025–26 on the sample
//! cargo run --release --example compare -- --overlay reform.toml         # bundled 2023 vs 2023 + a reform
//! cargo run --release --example compare -- [--a FILE] [--b FILE] [--overlay FILE]... [--cases FILE.jsonl]
//!                                          [--as-of DATE] [--judge-by act|review] [--format md|json|csv] [--out DIR]
//! ```

use std::io::BufReader;
use std::process::ExitCode;

use accountable::compare::compare;
use accountable::engine::JudgeBy;
use accountable::io::CorpusReader;
use accountable::policy::Policy;
use accountable::sample;

fn run() -> Result<(), String> {
    let mut a_path = None;
    let mut b_path = None;
    let mut overlays = Vec::new();
    let mut cases_path = None;
    let mut as_of = sample::as_of();
    let mut judge_by = JudgeBy::ActDate;
    let mut format = "md".to_string();
    let mut out_dir = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |n: &str| it.next().ok_or(format!("{n} needs a value"));
        match arg.as_str() {
            "--a" => a_path = Some(val("--a")?),
            "--b" => b_path = Some(val("--b")?),
            "--overlay" => overlays.push(val("--overlay")?),
            "--cases" => cases_path = Some(val("--cases")?),
            "--as-of" => {
                let v = val("--as-of")?;
                as_of = v
                    .parse()
                    .map_err(|_| format!("--as-of: `{v}` is not a date"))?;
            }
            "--judge-by" => {
                judge_by = match val("--judge-by")?.as_str() {
                    "act" => JudgeBy::ActDate,
                    "review" => JudgeBy::ReviewDate,
                    o => return Err(format!("--judge-by `{o}`: use act or review")),
                }
            }
            "--format" => format = val("--format")?,
            "--out" => out_dir = Some(val("--out")?),
            o => return Err(format!("unknown argument `{o}`")),
        }
    }
    let load = |p: &Option<String>| -> Result<Option<Policy>, String> {
        p.as_ref()
            .map(|p| Policy::load(std::path::Path::new(p)).map_err(|e| e.to_string()))
            .transpose()
    };
    let a = match load(&a_path)? {
        Some(p) => p,
        None => Policy::bundled().map_err(|e| e.to_string())?,
    };
    let mut b = match (load(&b_path)?, overlays.is_empty()) {
        (Some(p), _) => p,
        (None, true) => Policy::bundled_2025().map_err(|e| e.to_string())?,
        (None, false) => a.clone(),
    };
    for o in &overlays {
        b = b
            .with_overlay_file(std::path::Path::new(o))
            .map_err(|e| e.to_string())?;
    }
    let cases = match &cases_path {
        None => sample::corpus().map_err(|e| e.to_string())?,
        Some(p) => {
            let f = std::fs::File::open(p).map_err(|e| format!("cannot open `{p}`: {e}"))?;
            CorpusReader::new(BufReader::new(f), p)
                .map_err(|e| e.to_string())?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?
        }
    };
    let c = compare(&a, &b, &cases, as_of, judge_by).map_err(|e| e.to_string())?;
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        for (name, text) in [
            ("comparison.md", c.to_markdown()),
            ("comparison.json", c.to_json()),
            ("comparison.csv", c.to_csv()),
        ] {
            std::fs::write(std::path::Path::new(&dir).join(name), text)
                .map_err(|e| e.to_string())?;
        }
    }
    match format.as_str() {
        "md" => print!("{}", c.to_markdown()),
        "json" => println!("{}", c.to_json()),
        "csv" => print!("{}", c.to_csv()),
        o => return Err(format!("--format `{o}`: use md, json or csv")),
    }
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
