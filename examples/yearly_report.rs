//! The yearly cycle as a report: grades, heads' responsibility, personnel
//! candidates, commendation and protection, and where to inspect, written
//! as one self-contained HTML page and as JSON.
//!
//! ```text
//! cargo run --release --example yearly_report -- --out DIR                 # 2025, bundled sample, Vietnamese
//! cargo run --release --example yearly_report -- --out DIR --lang en       # English
//! cargo run --release --example yearly_report -- --out DIR --year 2026     # the 2026 rules (Decree 335/2025)
//! cargo run --release --example yearly_report -- --out DIR --input INPUT.json [--policy FILE]
//! ```
//!
//! Writes `DIR/yearly-Y.html` and `DIR/yearly-Y.json`; `--year` defaults to
//! the input's year, and to 2025 without `--input`. The sample is judged
//! under `Policy::bundled_2025()` (the 2023 rules and the 2025–26 changes as
//! dated versions) unless `--policy` names a file. `INPUT.json` is a
//! `YearInput`; without it, year 2025 uses the bundled
//! `data/sample/year-2025.json` and other years an empty input.

use std::path::PathBuf;
use std::process::ExitCode;

use accountable::explain::Lang;
use accountable::policy::Policy;
use accountable::sample;
use accountable::yearly::{YearInput, render_html, run_year};

/// The bundled input for the sample province's year 2025.
const SAMPLE_2025: &str = include_str!("../data/sample/year-2025.json");

struct Args {
    out: PathBuf,
    year: Option<i32>,
    lang: Lang,
    input: Option<PathBuf>,
    policy: Option<PathBuf>,
}

const USAGE: &str =
    "usage: yearly_report --out DIR [--year Y] [--lang vi|en] [--input INPUT.json] [--policy FILE]";

fn parse_args() -> Result<Args, String> {
    let mut out = None;
    let mut a = Args {
        out: PathBuf::new(),
        year: None,
        lang: Lang::Vi,
        input: None,
        policy: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(val("--out")?)),
            "--year" => {
                let v = val("--year")?;
                a.year = Some(
                    v.parse()
                        .map_err(|_| format!("--year: `{v}` is not a year"))?,
                );
            }
            "--lang" => a.lang = val("--lang")?.parse()?,
            "--input" => a.input = Some(PathBuf::from(val("--input")?)),
            "--policy" => a.policy = Some(PathBuf::from(val("--policy")?)),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    a.out = out.ok_or(format!("--out DIR is required\n{USAGE}"))?;
    Ok(a)
}

fn run() -> Result<(), String> {
    let a = parse_args()?;
    let policy = match &a.policy {
        Some(p) => Policy::load(p).map_err(|e| format!("{}: {e}", p.display()))?,
        None => Policy::bundled_2025().map_err(|e| format!("bundled policy: {e}"))?,
    };
    let input: YearInput = match &a.input {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None if a.year.is_none_or(|y| y == 2025) => serde_json::from_str(SAMPLE_2025)
            .map_err(|e| format!("data/sample/year-2025.json: {e}"))?,
        None => YearInput::new(a.year.unwrap_or(2025)),
    };
    // --year defaults to the input's year (2025 for the bundled input).
    let year = a.year.unwrap_or(input.year);
    if input.year != year {
        return Err(format!(
            "the input is for year {}, but --year is {year}",
            input.year
        ));
    }
    let cases = sample::corpus().map_err(|e| format!("bundled sample: {e}"))?;
    let org = cases
        .first()
        .map(|c| c.org_arc().clone())
        .ok_or("the sample has no tasks")?;
    let report = run_year(&policy, &cases, &input).map_err(|e| e.to_string())?;
    let html = render_html(&report, &org, a.lang);
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&a.out)
        .map_err(|e| format!("cannot create {}: {e}", a.out.display()))?;
    let html_path = a.out.join(format!("yearly-{year}.html"));
    let json_path = a.out.join(format!("yearly-{year}.json"));
    std::fs::write(&html_path, html)
        .map_err(|e| format!("cannot write {}: {e}", html_path.display()))?;
    std::fs::write(&json_path, json + "\n")
        .map_err(|e| format!("cannot write {}: {e}", json_path.display()))?;
    println!(
        "{}: {} state grades, {} party grades, {} heads, {} personnel candidates, {} commendation/protection outcomes, {} tasks",
        report.year,
        report.gradings.len(),
        report.party_gradings.len(),
        report.heads.len(),
        report.personnel.len(),
        report.rewards.len(),
        report.tasks
    );
    println!("wrote {}", html_path.display());
    println!("wrote {}", json_path.display());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("yearly_report: {e}");
            ExitCode::FAILURE
        }
    }
}
