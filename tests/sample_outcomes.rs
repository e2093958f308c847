//! The bundled sample province was written to show given behaviours (see
//! `data/sample/README.md`): each such task must show its behaviour, each
//! near miss must not, and the clean tasks must show nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use accountable::engine::Evaluator;
use accountable::policy::Policy;
use accountable::sample;

fn behaviours() -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let policy = Policy::bundled().unwrap();
    let ev = Evaluator::new(&policy);
    sample::corpus()
        .unwrap()
        .iter()
        .map(|c| {
            let d = ev.evaluate(c, sample::as_of()).unwrap();
            let standing = d
                .standing()
                .map(|f| f.behaviour.name().to_string())
                .collect();
            let defeated = d
                .findings
                .iter()
                .filter(|f| !f.stands())
                .map(|f| f.behaviour.name().to_string())
                .collect();
            (c.task().id.to_string(), (standing, defeated))
        })
        .collect()
}

#[test]
fn designed_behaviours_show_and_near_misses_do_not() {
    let b = behaviours();
    let shows = |task: &str, beh: &str| b[task].0.iter().any(|x| x == beh);
    let defeated = |task: &str, beh: &str| b[task].1.iter().any(|x| x == beh);
    let designed: &[(&str, &str)] = &[
        ("t01", "upward_push"),
        ("t02", "upward_push"),
        ("t04", "sideways_push"),
        ("t05", "sideways_push"),
        ("t07", "sideways_push"),
        ("t08", "no_follow_up"),
        ("t09", "non_decision"),
        ("t11", "consultation_abuse"),
        ("t12", "late_or_vague_reply"),
        ("t13", "late_or_vague_reply"),
        ("t14", "late_or_vague_reply"),
        ("t15", "no_proposal"),
        ("t16", "risk_aversion"),
        ("t17", "risk_aversion"),
        ("t19", "silence"),
        ("t21", "vague_direction"),
        ("t22", "unresolved_subordinate_request"),
        ("t23", "dossier_stalling"),
        ("t24", "dossier_stalling"),
        ("t25", "dossier_stalling"),
        ("t27", "dossier_stalling"),
        ("t28", "signature_avoidance"),
    ];
    for (t, beh) in designed {
        assert!(shows(t, beh), "{t} should show {beh}: {:?}", b[*t]);
    }
    // Lawful: approval required by law, a written return, force majeure, a legal bar, absence with leave, a stopped clock.
    let near: &[(&str, &str, Option<&str>)] = &[
        ("t03", "upward_push", Some("upward_push")),
        ("t19", "upward_push", Some("upward_push")),
        ("t20", "upward_push", Some("upward_push")),
        ("t20", "silence", None),
        ("t06", "sideways_push", None),
        ("t10", "non_decision", Some("non_decision")),
        ("t18", "risk_aversion", Some("risk_aversion")),
        ("t26", "dossier_stalling", Some("dossier_stalling")),
        ("t29", "signature_avoidance", None),
    ];
    for (t, beh, def) in near {
        assert!(!shows(t, beh), "{t} must not show {beh}: {:?}", b[*t]);
        if let Some(d) = def {
            assert!(
                defeated(t, d),
                "{t}: an exception should defeat {d}: {:?}",
                b[*t]
            );
        }
    }
    for t in (32..=46)
        .map(|n| format!("t{n}"))
        .chain(["t29".to_string(), "t31".to_string()])
    {
        assert!(b[&t].0.is_empty(), "clean task {t} shows {:?}", b[&t].0);
    }
}
