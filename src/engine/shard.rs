//! Copies of the values an answer shares with its policy, one per group of
//! threads: rule ids, citations, the texts of condition parts, the policy's
//! id and content hash, and the first finding ids.
//!
//! These values are reference-counted ([`Arc`]) and every answer clones
//! them. Threads that evaluate under one policy at the same time would all
//! write the same reference counts, and each write takes the cache line
//! away from the other cores. So each thread is given one of [`SHARDS`]
//! copies: the first thread to evaluate uses the policy's own values, and a
//! copy of the rules with values of their own is made the first time a
//! thread of another group evaluates under the policy. Answers are equal
//! (`==`) whichever copy they were built from; only the addresses differ.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::id::{RuleId, Trusted};
use crate::policy::{Citation, Rule};

/// How many copies a policy may have: threads beyond this many share them
/// (the evaluation is the same, only slower when they run at once).
pub(crate) const SHARDS: usize = 16;

/// How many finding ids ([`Shard::finding_id`]) each copy keeps: more than
/// most tasks have (the rest are made when needed).
const KEPT_FINDING_IDS: usize = 64;

/// The copies of one policy's shared values.
#[derive(Clone)]
pub(crate) struct Shards {
    /// The copy of the first thread to evaluate: the policy's own values.
    first: Shard,
    /// The other copies, made when first used.
    rest: Vec<OnceLock<Shard>>,
}

/// One copy of the values an answer shares with its policy.
#[derive(Clone)]
pub(crate) struct Shard {
    /// The rules, with values of their own; `None`: the policy's own rules.
    rules: Option<Vec<Rule>>,
    /// The policy's id.
    pub policy: Arc<str>,
    /// The policy's content hash.
    pub policy_hash: Arc<str>,
    /// `F1`, `F2`, …
    finding_ids: Vec<Arc<str>>,
}

impl std::fmt::Debug for Shards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let made = 1 + self.rest.iter().filter(|c| c.get().is_some()).count();
        write!(f, "Shards {{ made: {made} of {SHARDS} }}")
    }
}

impl Default for Shards {
    fn default() -> Self {
        Shards::new(Arc::from(""), Arc::from(""))
    }
}

impl Shards {
    /// The copies of a policy with this id and content hash; only the first
    /// is made now, and it shares the policy's own values.
    pub(crate) fn new(policy: Arc<str>, policy_hash: Arc<str>) -> Self {
        Shards {
            first: Shard {
                rules: None,
                policy,
                policy_hash,
                finding_ids: (0..KEPT_FINDING_IDS).map(make_finding_id).collect(),
            },
            rest: (1..SHARDS).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The copy of the calling thread (made now if it is the thread group's
    /// first evaluation under this policy). `rules` are the policy's.
    pub(crate) fn get(&self, rules: &[Rule]) -> &Shard {
        let i = thread_group();
        match i.checked_sub(1).and_then(|i| self.rest.get(i)) {
            Some(cell) => cell.get_or_init(|| self.first.copy(rules)),
            None => &self.first,
        }
    }
}

impl Shard {
    /// A copy of this one whose shared values are its own.
    fn copy(&self, rules: &[Rule]) -> Shard {
        Shard {
            rules: Some(rules.iter().map(unshared).collect()),
            policy: Arc::from(&*self.policy),
            policy_hash: Arc::from(&*self.policy_hash),
            finding_ids: (0..KEPT_FINDING_IDS).map(make_finding_id).collect(),
        }
    }

    /// The rules to evaluate: this copy's, or else `own` (the policy's).
    pub(crate) fn rules<'s>(&'s self, own: &'s [Rule]) -> &'s [Rule] {
        self.rules.as_deref().unwrap_or(own)
    }

    /// The id of the finding of rank `rank` (from 0) in an answer: `F1`, `F2`, …
    pub(crate) fn finding_id(&self, rank: usize) -> Arc<str> {
        match self.finding_ids.get(rank) {
            Some(id) => id.clone(),
            None => make_finding_id(rank),
        }
    }
}

fn make_finding_id(rank: usize) -> Arc<str> {
    use std::fmt::Write;
    let mut id = String::with_capacity(8);
    id.push('F');
    let _ = write!(id, "{}", rank.saturating_add(1));
    Arc::from(id)
}

/// A rule whose values that answers clone (its id, its versions' citations
/// and the texts of their conditions) are copies of its own.
fn unshared(rule: &Rule) -> Rule {
    let mut r = rule.clone();
    r.id = RuleId::trusted(rule.id.as_str());
    for v in &mut r.versions {
        v.citation = Arc::new(Citation::clone(&v.citation));
        for c in super::plan::version_conds(v) {
            c.text = Arc::from(&*c.text);
            for (_, t) in &mut c.parts {
                *t = Arc::from(&**t);
            }
        }
    }
    r
}

/// The group (`0..SHARDS`) of the calling thread, given in turn to threads
/// as they first evaluate.
fn thread_group() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static GROUP: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    GROUP.try_with(|g| *g).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn finding_ids_count_from_one() {
        let s = Shards::default();
        let first = s.get(&[]);
        assert_eq!(&*first.finding_id(0), "F1");
        assert_eq!(&*first.finding_id(41), "F42");
        assert_eq!(&*first.finding_id(KEPT_FINDING_IDS - 1), "F64");
        assert_eq!(&*first.finding_id(KEPT_FINDING_IDS), "F65");
        assert_eq!(&*first.finding_id(999), "F1000");
    }

    #[test]
    fn a_copy_is_equal_and_shares_no_value_answers_clone() -> Result<(), String> {
        let p = Policy::bundled().map_err(|e| e.to_string())?;
        let own = &p.rules;
        let copy = p.plan.shards.first.copy(own);
        let rules = copy.rules(own);
        assert_eq!(rules.len(), own.len());
        assert!(!Arc::ptr_eq(&copy.policy, &p.plan.shards.first.policy));
        assert_eq!(copy.policy, p.plan.shards.first.policy);
        assert!(!Arc::ptr_eq(
            &copy.finding_id(0),
            &p.plan.shards.first.finding_id(0)
        ));
        for (a, b) in rules.iter().zip(own) {
            assert_eq!(a.id, b.id);
            assert_ne!(a.id.as_str().as_ptr(), b.id.as_str().as_ptr(), "{}", b.id);
            for (va, vb) in a.versions.iter().zip(&b.versions) {
                assert_eq!(va.citation, vb.citation);
                assert!(!Arc::ptr_eq(&va.citation, &vb.citation), "{}", b.id);
                let mut va = va.clone();
                let mut vb = vb.clone();
                let ca = super::super::plan::version_conds(&mut va);
                let cb = super::super::plan::version_conds(&mut vb);
                assert_eq!(ca.len(), cb.len());
                for (x, y) in ca.iter().zip(&cb) {
                    assert_eq!(x.text, y.text);
                    assert!(!Arc::ptr_eq(&x.text, &y.text), "{}", b.id);
                    assert_eq!(x.parts, y.parts);
                    for ((_, s), (_, t)) in x.parts.iter().zip(&y.parts) {
                        assert!(!Arc::ptr_eq(s, t), "{}: {s}", b.id);
                    }
                }
            }
        }
        Ok(())
    }

    #[test]
    fn threads_get_their_own_copies_and_equal_answers() -> Result<(), String> {
        let p = Policy::bundled().map_err(|e| e.to_string())?;
        let cases = crate::sample::corpus().map_err(|e| e.to_string())?;
        let as_of = crate::sample::as_of();
        let ev = crate::engine::Evaluator::new(&p);
        let here: Vec<_> = cases
            .iter()
            .map(|c| ev.evaluate(c, as_of))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        // More threads than copies, so that some threads share one.
        let answers: Vec<Vec<_>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..SHARDS + 2)
                .map(|_| {
                    s.spawn(|| {
                        cases
                            .iter()
                            .map(|c| ev.evaluate(c, as_of))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            hs.into_iter()
                .filter_map(|h| h.join().ok())
                .collect::<Result<_, _>>()
        })
        .map_err(|e| e.to_string())?;
        assert_eq!(answers.len(), SHARDS + 2);
        for a in &answers {
            assert_eq!(a, &here);
        }
        let made = p
            .plan
            .shards
            .rest
            .iter()
            .filter(|c| c.get().is_some())
            .count();
        assert!(made >= 1, "no thread made a copy of its own");
        Ok(())
    }
}
