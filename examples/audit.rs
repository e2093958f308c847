//! The main job: evaluate a corpus under a policy and print, per task, who is
//! accountable at each step and the avoidance findings with their clauses.
//!
//! ```text
//! cargo run --release --example audit                      # bundled policy and sample, Vietnamese
//! cargo run --release --example audit -- --lang en         # English
//! cargo run --release --example audit -- --json            # one JSON document
//! cargo run --release --example audit -- --task T-003     # one task with its full explanation
//! cargo run --release --example audit -- --policy FILE --cases FILE.jsonl|FILE.json [--as-of YYYY-MM-DD] [--judge-by act|review]
//! cargo run --release --example audit -- --cases BIG.jsonl --stream [--threads N]   # JSON Lines out, bounded memory, all cores
//! ```

use std::io::BufReader;
use std::process::ExitCode;

use accountable::engine::{Evaluator, JudgeBy};
use accountable::explain::{Lang, render};
use accountable::io::{CorpusReader, read_case};
use accountable::model::ValidCase;
use accountable::policy::Policy;
use accountable::sample;

struct Args {
    lang: Lang,
    json: bool,
    task: Option<String>,
    policy: Option<String>,
    cases: Option<String>,
    as_of: chrono::NaiveDate,
    judge_by: JudgeBy,
    stream: bool,
    threads: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        lang: Lang::Vi,
        json: false,
        task: None,
        policy: None,
        cases: None,
        as_of: sample::as_of(),
        judge_by: JudgeBy::ActDate,
        stream: false,
        threads: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--lang" => a.lang = val("--lang")?.parse()?,
            "--json" => a.json = true,
            "--stream" => a.stream = true,
            "--threads" => {
                let v = val("--threads")?;
                a.threads = v
                    .parse()
                    .map_err(|_| format!("--threads: `{v}` is not a number"))?;
            }
            "--task" => a.task = Some(val("--task")?),
            "--policy" => a.policy = Some(val("--policy")?),
            "--cases" => a.cases = Some(val("--cases")?),
            "--as-of" => {
                let v = val("--as-of")?;
                a.as_of = v
                    .parse()
                    .map_err(|_| format!("--as-of: `{v}` is not a date YYYY-MM-DD"))?;
            }
            "--judge-by" => {
                a.judge_by = match val("--judge-by")?.as_str() {
                    "act" => JudgeBy::ActDate,
                    "review" => JudgeBy::ReviewDate,
                    other => return Err(format!("--judge-by: `{other}`: use `act` or `review`")),
                }
            }
            "-h" | "--help" => {
                return Err("usage: audit [--lang vi|en] [--json] [--task ID] [--policy FILE] [--cases FILE] [--as-of DATE] [--judge-by act|review]".into());
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

fn load_cases(path: &Option<String>) -> Result<Vec<ValidCase>, String> {
    match path {
        None => sample::corpus().map_err(|e| e.to_string()),
        Some(p) if p.ends_with(".json") => read_case(std::path::Path::new(p))
            .map(|c| vec![c])
            .map_err(|e| e.to_string()),
        Some(p) => {
            let f = std::fs::File::open(p).map_err(|e| format!("cannot open `{p}`: {e}"))?;
            let reader = CorpusReader::new(BufReader::new(f), p).map_err(|e| e.to_string())?;
            reader
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let policy = match &args.policy {
        Some(p) => Policy::load(std::path::Path::new(p)),
        None => Policy::bundled(),
    }
    .map_err(|e| e.to_string())?;
    if args.stream {
        return stream(&args, &policy);
    }
    let cases = load_cases(&args.cases)?;
    let evaluator = Evaluator::new(&policy)
        .judge_by(args.judge_by)
        .explain(args.json || args.task.is_some());
    let mut dets = Vec::new();
    for case in &cases {
        if args
            .task
            .as_deref()
            .is_some_and(|t| case.task().id.as_str() != t)
        {
            continue;
        }
        let d = evaluator
            .evaluate(case, args.as_of)
            .map_err(|e| e.to_string())?;
        dets.push((case, d));
    }
    if let Some(t) = &args.task
        && dets.is_empty()
    {
        return Err(format!("no task `{t}` in the cases"));
    }
    if args.json {
        let doc = serde_json::json!({
            "policy": policy.meta(),
            "as_of": args.as_of,
            "determinations": dets.iter().map(|(_, d)| d).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let (mut findings, mut standing, mut problems) = (0, 0, 0);
    for (case, d) in &dets {
        print!(
            "{}",
            render(d, &policy, case, args.lang, args.task.is_some())
        );
        println!();
        findings += d.findings.len();
        standing += d.standing().count();
        problems += d.problem_steps().count();
    }
    let m = policy.meta();
    match args.lang {
        Lang::Vi => println!(
            "Tổng cộng: {} việc, {standing} hành vi né tránh ({} được miễn trừ theo ngoại lệ), {problems} khâu có khoảng trống hoặc chồng chéo trách nhiệm — chính sách {} ({}), ngày xét {}.",
            dets.len(),
            findings - standing,
            m.id,
            m.version,
            args.as_of
        ),
        Lang::En => println!(
            "Total: {} tasks, {standing} avoidance findings ({} defeated by exceptions), {problems} steps with a responsibility gap or overlap — policy {} ({}), as of {}.",
            dets.len(),
            findings - standing,
            m.id,
            m.version,
            args.as_of
        ),
    }
    Ok(())
}

/// Streams a JSON Lines corpus through all cores; one determination per output line.
fn stream(args: &Args, policy: &Policy) -> Result<(), String> {
    use std::io::Write;
    let path = args
        .cases
        .as_deref()
        .ok_or("--stream needs --cases FILE.jsonl")?;
    let f = std::fs::File::open(path).map_err(|e| format!("cannot open `{path}`: {e}"))?;
    let reader = CorpusReader::new(BufReader::new(f), path).map_err(|e| e.to_string())?;
    let evaluator = Evaluator::new(policy)
        .judge_by(args.judge_by)
        .explain(false);
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let mut findings = 0usize;
    let options = accountable::batch::BatchOptions {
        threads: args.threads,
        ..Default::default()
    };
    let stats =
        accountable::batch::stream(reader, &evaluator, args.as_of, options, |line, r| match r {
            Ok(d) => {
                findings += d.standing().count();
                if serde_json::to_writer(&mut out, &d).is_ok() {
                    let _ = out.write_all(b"\n");
                }
            }
            Err(e) => eprintln!("line {line}: {e}"),
        });
    let _ = out.flush();
    eprintln!(
        "{} tasks, {} evaluated, {} failed, {findings} standing findings",
        stats.tasks, stats.evaluated, stats.failed
    );
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
