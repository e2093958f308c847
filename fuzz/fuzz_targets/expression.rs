//! Conditions: bytes → str → `parse`; text that fits is wrapped in a
//! minimal policy rule (`when = '''…'''`) and loaded, so the type checker
//! runs; a policy that loads goes through the checker and is evaluated on
//! a fixed case, so the analyses and the interpreter run too. The input's length picks the rule's scope
//! (task, step or event).
#![no_main]

use std::sync::LazyLock;

use accountable::engine::Evaluator;
use accountable::io::case_from_str;
use accountable::model::ValidCase;
use accountable::policy::expr::syntax::{MAX_LEN, parse};
use accountable::policy::{Policy, checker};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

static CASE: LazyLock<Option<ValidCase>> = LazyLock::new(|| {
    case_from_str(
        include_str!("../../tests/fixtures/dept.json"),
        "tests/fixtures/dept.json",
    )
    .ok()
});

const HEAD: &str = r#"[policy]
id = "fuzz"
version = "1"
title_vi = "fuzz"
title_en = "fuzz"
valid_from = 2018-06-21

[[source]]
key = "nd157"
document = "Nghị định 157/2007/NĐ-CP"
issuer = "Chính phủ"
verified = true

[[param]]
name = "days"
value = 5
unit = "working_days"
label_vi = "fuzz"
label_en = "fuzz"
default = true

[[rule]]
id = "avoid.fuzz"
kind = "avoidance"
label_vi = "fuzz"
label_en = "fuzz"
cite = { source = "nd157", article = "10" }
behaviour = "no_follow_up"
severity = "moderate"
"#;

fn policy_text(cond: &str, scope: usize) -> String {
    let (scope_line, who) = match scope {
        0 => ("for = \"task\"", "head_of(task.unit, task.end)"),
        1 => ("for = \"step\"", "step.assignee"),
        _ => ("for = \"event\"", "e.actor"),
    };
    format!("{HEAD}{scope_line}\nwho = \"{who}\"\nwhen = '''{cond}'''\n")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse(text);
    if let Err(e) = &parsed {
        // The span must lie within the text (callers slice with it).
        assert!(e.span.start <= e.span.end, "{e:?}");
        assert!(
            e.span.end <= text.len().max(1),
            "{e:?} for {} bytes",
            text.len()
        );
    }
    if text.len() > MAX_LEN || text.contains("'''") || text.ends_with('\'') {
        return;
    }
    let toml = policy_text(text, data.len() % 3);
    let Ok(policy) = Policy::from_toml_str(&toml, "fuzz.toml") else {
        return;
    };
    // The checker's analyses (dead rules, contradictions) read the condition too.
    let _ = checker::check(&policy);
    if let Some(case) = CASE.as_ref()
        && let Some(as_of) = NaiveDate::from_ymd_opt(2025, 6, 30)
    {
        let _ = Evaluator::new(&policy).evaluate(case, as_of);
    }
});
