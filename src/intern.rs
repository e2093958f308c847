//! Values an answer takes from its policy, kept once for the life of the
//! process (interned): rule ids, citations, the texts of condition parts,
//! a policy's id and content hash, and the finding ids `F1`, `F2`, ….
//!
//! Every answer names these values, often many times over (a rule id and a
//! citation for each accountable official, each finding, each exception
//! tried, each rule traced). Interned, naming one copies a reference:
//! there is no reference count to update, which costs an atomic
//! instruction per clone and per drop and, when threads evaluate at once,
//! makes them take the count's cache line from one another.
//!
//! The cost is that an interned value is never freed. Each distinct text or
//! citation is kept once, however many policies name it, so the memory
//! grows with the distinct rule ids, citations, condition texts and
//! policies a process loads, not with the policies loaded or the tasks
//! evaluated: loading the same policy again adds nothing. Text that comes
//! from tasks or organisations (officials, steps, events) is not interned.
//!
//! A value is interned under a lock, when a policy is loaded or an id is
//! made; evaluation only copies references.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::policy::Citation;

/// One set of interned values of type `T`.
struct Pool<T: ?Sized + 'static>(OnceLock<Mutex<HashSet<&'static T>>>);

impl<T: ?Sized + Eq + Hash + 'static> Pool<T> {
    const fn new() -> Self {
        Pool(OnceLock::new())
    }

    /// The interned copy of `value`, made by `make` if there is none yet.
    fn get<Q>(&self, value: &Q, make: impl FnOnce(&Q) -> &'static T) -> &'static T
    where
        &'static T: std::borrow::Borrow<Q>,
        Q: ?Sized + Eq + Hash,
    {
        #[cfg(test)]
        tests::CALLS.with(|c| c.set(c.get() + 1));
        let set = self.0.get_or_init(|| Mutex::new(HashSet::new()));
        // The set is only ever extended, so it is whole even if a thread
        // panicked while holding the lock.
        let mut set = set.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&kept) = set.get(value) {
            return kept;
        }
        let kept = make(value);
        set.insert(kept);
        kept
    }
}

static TEXTS: Pool<str> = Pool::new();
static TEXT_REFS: Pool<&'static str> = Pool::new();
static CITATIONS: Pool<Citation> = Pool::new();

/// The interned copy of `s`: equal text gives the same reference.
pub(crate) fn text(s: &str) -> &'static str {
    TEXTS.get(s, |s| Box::leak(Box::from(s)))
}

/// The interned copy of `s` ([`text`]), by an interned reference to it:
/// one word that names the text, as the evaluator's values name a
/// compiled condition's literal. Equal text gives the same reference.
pub(crate) fn text_ref(s: &str) -> &'static &'static str {
    let s = text(s);
    TEXT_REFS.get(&s, |s| Box::leak(Box::new(*s)))
}

/// The interned copy of `c`: equal citations give the same reference.
pub(crate) fn citation(c: Citation) -> &'static Citation {
    CITATIONS.get(&c, |c| Box::leak(Box::new(c.clone())))
}

/// How many finding ids are written out: more than most tasks have.
const EARLY_FINDING_IDS: usize = 64;

/// The first finding ids, written out so that naming them costs nothing,
/// not even a first use.
static EARLY: [&str; EARLY_FINDING_IDS] = [
    "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12", "F13", "F14", "F15",
    "F16", "F17", "F18", "F19", "F20", "F21", "F22", "F23", "F24", "F25", "F26", "F27", "F28",
    "F29", "F30", "F31", "F32", "F33", "F34", "F35", "F36", "F37", "F38", "F39", "F40", "F41",
    "F42", "F43", "F44", "F45", "F46", "F47", "F48", "F49", "F50", "F51", "F52", "F53", "F54",
    "F55", "F56", "F57", "F58", "F59", "F60", "F61", "F62", "F63", "F64",
];

/// The id of the finding of rank `rank` (from 0) in an answer: `F1`, `F2`, ….
pub(crate) fn finding_id(rank: usize) -> &'static str {
    match EARLY.get(rank) {
        Some(id) => id,
        None => text(&format!("F{}", rank.saturating_add(1))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// How many values the calling thread has asked a pool for.
        pub(super) static CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    #[test]
    fn evaluating_a_corpus_interns_nothing() -> Result<(), String> {
        let p = crate::policy::Policy::bundled().map_err(|e| e.to_string())?;
        let cfg = crate::generate::GenConfig::default();
        let org = crate::generate::organisation(&cfg);
        let vorg = std::sync::Arc::new(
            crate::model::ValidOrganisation::new(org.organisation.clone())
                .map_err(|e| e.to_string())?,
        );
        let mut cases = crate::sample::corpus().map_err(|e| e.to_string())?;
        for n in 0..200 {
            let t = crate::generate::task(&cfg, &org, n);
            cases.push(crate::model::ValidCase::new(vorg.clone(), t).map_err(|e| e.to_string())?);
        }
        let before = CALLS.with(std::cell::Cell::get);
        let mut findings = 0;
        for explain in [false, true] {
            let ev = crate::engine::Evaluator::new(&p).explain(explain);
            for c in &cases {
                let d = ev
                    .evaluate(c, crate::sample::as_of())
                    .map_err(|e| e.to_string())?;
                findings += d.findings.len();
            }
        }
        assert!(findings > 100, "only {findings} findings");
        assert_eq!(
            CALLS.with(std::cell::Cell::get),
            before,
            "evaluation interned values"
        );
        Ok(())
    }

    #[test]
    fn equal_text_is_kept_once() {
        let a = text(&String::from("intern-test-a"));
        let b = text(&String::from("intern-test-a"));
        let c = text("intern-test-c");
        assert_eq!(a, "intern-test-a");
        assert!(std::ptr::eq(a, b));
        assert!(!std::ptr::eq(a, c));
        assert_eq!(c, "intern-test-c");
    }

    #[test]
    fn equal_text_refs_are_kept_once() {
        let a = text_ref(&String::from("intern-test-ref"));
        let b = text_ref("intern-test-ref");
        assert_eq!(*a, "intern-test-ref");
        assert!(std::ptr::eq(a, b));
        assert!(std::ptr::eq(*a, text("intern-test-ref")));
        assert!(!std::ptr::eq(a, text_ref("intern-test-ref-2")));
    }

    #[test]
    fn equal_citations_are_kept_once() {
        let c = Citation {
            document: "Quy định 1167-QĐ/TU".into(),
            issuer: "Tỉnh ủy Quảng Ngãi".into(),
            date: chrono::NaiveDate::from_ymd_opt(2023, 8, 11),
            article: Some("5".into()),
            clause: Some("1".into()),
            point: None,
            verified: true,
            note: None,
        };
        let other = Citation {
            clause: Some("2".into()),
            ..c.clone()
        };
        let (a, b, x) = (citation(c.clone()), citation(c.clone()), citation(other));
        assert_eq!(*a, c);
        assert!(std::ptr::eq(a, b));
        assert!(!std::ptr::eq(a, x));
        assert_eq!(x.clause.as_deref(), Some("2"));
    }

    #[test]
    fn finding_ids_count_from_one_past_those_made_early() {
        assert_eq!(finding_id(0), "F1");
        assert_eq!(finding_id(41), "F42");
        assert_eq!(finding_id(EARLY_FINDING_IDS - 1), "F64");
        assert_eq!(finding_id(EARLY_FINDING_IDS), "F65");
        assert_eq!(finding_id(999), "F1000");
        assert!(std::ptr::eq(finding_id(999), finding_id(999)));
        for (rank, id) in EARLY.iter().enumerate() {
            assert_eq!(*id, format!("F{}", rank + 1));
        }
    }

    #[test]
    fn answers_name_the_policys_values_by_reference() -> Result<(), String> {
        let p = crate::policy::Policy::bundled().map_err(|e| e.to_string())?;
        let ev = crate::engine::Evaluator::new(&p).explain(true);
        let own = |id: &crate::RuleId| {
            p.rules()
                .iter()
                .find(|r| r.id == *id)
                .map(|r| (r.id.as_str().as_ptr(), &r.versions))
        };
        let (mut cited, mut parts) = (0, 0);
        for case in crate::sample::corpus().map_err(|e| e.to_string())? {
            let d = ev
                .evaluate(&case, crate::sample::as_of())
                .map_err(|e| e.to_string())?;
            assert!(std::ptr::eq(d.policy, p.meta().id));
            assert!(std::ptr::eq(d.policy_hash, p.meta().content_hash));
            let entries = d.steps.iter().flat_map(|s| &s.accountable);
            let named = entries
                .map(|a| (&a.rule, a.citation))
                .chain(d.findings.iter().map(|f| (&f.rule, f.citation)))
                .chain(d.consequences.iter().map(|c| (&c.rule, c.citation)));
            for (rule, citation) in named {
                let (ptr, versions) = own(rule).ok_or(format!("{rule} not in the policy"))?;
                assert_eq!(rule.as_str().as_ptr(), ptr, "{rule}");
                assert!(
                    versions.iter().any(|v| std::ptr::eq(v.citation, citation)),
                    "{rule}: the citation is a copy"
                );
                cited += 1;
            }
            for t in &d.trace {
                if let crate::engine::Outcome::NotFired {
                    first_false: Some(text),
                    ..
                } = &t.outcome
                {
                    assert!(std::ptr::eq(*text, super::text(text)), "{text}");
                    parts += 1;
                }
            }
        }
        assert!(
            cited > 100 && parts > 10,
            "{cited} citations, {parts} parts"
        );
        Ok(())
    }

    #[test]
    fn threads_interning_at_once_agree() {
        let got: Vec<Vec<usize>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        (0..200)
                            .map(|i| text(&format!("intern-thread-{i}")).as_ptr() as usize)
                            .collect()
                    })
                })
                .collect();
            hs.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        assert_eq!(got.len(), 4);
        assert!(got.iter().all(|g| g == &got[0]));
    }
}
