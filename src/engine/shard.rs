//! Copies of the values an answer shares with its policy, one per group of
//! threads: rule ids, citations, the texts of condition parts, the policy's
//! id and content hash, and the first finding ids.
//!
//! These values are reference-counted ([`Arc`]) and every answer clones
//! them. Threads that evaluate under one policy at the same time would all
//! write the same reference counts, and each write takes the cache line
//! away from the other cores. So each thread is given one of [`SHARDS`]
//! copies: the first group of threads uses the policy's own values, and a
//! copy of those values (not of the rules' conditions, which evaluation
//! only reads) is made the first time a thread of another group evaluates
//! under the policy. Answers are equal (`==`) whichever copy they were
//! built from; only the addresses differ.
//!
//! The officials an answer names come mostly from the organisation, which
//! the tasks of a corpus share, so each thread also keeps its own copies of
//! the officials' ids it has named ([`LocalOfficials`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::id::{OfficialId, RuleId, Trusted};
use crate::policy::expr::Span;
use crate::policy::{Citation, Cond, Rule};

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
    /// Copies of the rules' values; `None`: the policy's own are used.
    values: Option<Values>,
    /// The policy's id.
    pub policy: Arc<str>,
    /// The policy's content hash.
    pub policy_hash: Arc<str>,
    /// `F1`, `F2`, …
    finding_ids: Vec<Arc<str>>,
}

/// Copies of the values of a policy's rules that answers clone.
#[derive(Clone)]
struct Values {
    /// By rule index.
    rule_ids: Vec<RuleId>,
    /// By rule index, then version index.
    citations: Vec<Vec<Arc<Citation>>>,
    /// The texts of the parts of every condition, by the address of the
    /// policy's own text (which lives as long as the policy, and these copies).
    parts: HashMap<usize, Arc<str>, foldhash::fast::RandomState>,
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
                values: None,
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
    /// A copy of this one whose values are its own.
    fn copy(&self, rules: &[Rule]) -> Shard {
        let mut parts = HashMap::default();
        let citations = rules
            .iter()
            .map(|r| {
                r.versions
                    .iter()
                    .map(|v| {
                        for c in v.conds() {
                            for (_, t) in &c.parts {
                                parts.insert(address(t), Arc::from(&**t));
                            }
                        }
                        Arc::new(Citation::clone(&v.citation))
                    })
                    .collect()
            })
            .collect();
        Shard {
            values: Some(Values {
                rule_ids: rules
                    .iter()
                    .map(|r| RuleId::trusted(r.id.as_str()))
                    .collect(),
                citations,
                parts,
            }),
            policy: Arc::from(&*self.policy),
            policy_hash: Arc::from(&*self.policy_hash),
            finding_ids: (0..KEPT_FINDING_IDS).map(make_finding_id).collect(),
        }
    }

    /// The id of rule `ri`, whose own id is `own`.
    pub(crate) fn rule_id(&self, ri: usize, own: &RuleId) -> RuleId {
        match &self.values {
            Some(v) => v.rule_ids.get(ri).unwrap_or(own).clone(),
            None => own.clone(),
        }
    }

    /// The citation of version `vi` of rule `ri`, whose own citation is `own`.
    pub(crate) fn citation(&self, ri: usize, vi: usize, own: &Arc<Citation>) -> Arc<Citation> {
        match &self.values {
            Some(v) => v
                .citations
                .get(ri)
                .and_then(|r| r.get(vi))
                .unwrap_or(own)
                .clone(),
            None => own.clone(),
        }
    }

    /// The text of the part of condition `c` at `span` (see [`Cond::part`]).
    pub(crate) fn part(&self, c: &Cond, span: Span) -> Arc<str> {
        match (&self.values, c.parts.iter().find(|(s, _)| *s == span)) {
            (Some(v), Some((_, own))) => v.parts.get(&address(own)).unwrap_or(own).clone(),
            (None, Some((_, own))) => own.clone(),
            // Not a part of the `and` spine: made anew, shared with no one.
            (_, None) => c.part(span),
        }
    }

    /// The id of the finding of rank `rank` (from 0) in an answer: `F1`, `F2`, …
    pub(crate) fn finding_id(&self, rank: usize) -> Arc<str> {
        match self.finding_ids.get(rank) {
            Some(id) => id.clone(),
            None => make_finding_id(rank),
        }
    }
}

/// Where a text is stored: the key of its copy.
fn address(t: &Arc<str>) -> usize {
    Arc::as_ptr(t).cast::<u8>() as usize
}

fn make_finding_id(rank: usize) -> Arc<str> {
    use std::fmt::Write;
    let mut id = String::with_capacity(8);
    id.push('F');
    let _ = write!(id, "{}", rank.saturating_add(1));
    Arc::from(id)
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

/// The calling thread's own copies of the ids of the officials it puts in
/// answers, by their text.
///
/// Those officials come mostly from the organisation (the head of a unit,
/// a deputy for a field), which every task of a corpus shares, so cloning
/// the organisation's ids would have all threads write the same reference
/// counts. A thread clones its own copy instead; an id is the same id
/// whichever copy an answer holds. The copies are kept between evaluations
/// (in the thread's working storage), up to [`LocalOfficials::KEPT`].
#[derive(Default)]
pub(crate) struct LocalOfficials {
    ids: std::collections::HashSet<OfficialId, foldhash::fast::RandomState>,
}

impl LocalOfficials {
    /// How many ids are kept before the copies start again: an organisation
    /// with more officials only makes some copies more than once.
    pub(crate) const KEPT: usize = 1 << 16;

    /// The thread's copy of `o`.
    pub(crate) fn id(&mut self, o: &OfficialId) -> OfficialId {
        if let Some(mine) = self.ids.get(o.as_str()) {
            return mine.clone();
        }
        if self.ids.len() >= Self::KEPT {
            self.ids.clear();
        }
        let mine = OfficialId::trusted(o.as_str());
        self.ids.insert(mine.clone());
        mine
    }
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
        let first = &p.plan.shards.first;
        let copy = first.copy(&p.rules);
        assert_eq!(copy.policy, first.policy);
        assert!(!Arc::ptr_eq(&copy.policy, &first.policy));
        assert!(!Arc::ptr_eq(&copy.policy_hash, &first.policy_hash));
        assert!(!Arc::ptr_eq(&copy.finding_id(0), &first.finding_id(0)));
        let mut parts = 0;
        for (ri, r) in p.rules.iter().enumerate() {
            let (own, mine) = (first.rule_id(ri, &r.id), copy.rule_id(ri, &r.id));
            assert_eq!(own.as_str().as_ptr(), r.id.as_str().as_ptr(), "{}", r.id);
            assert_eq!(mine, r.id);
            assert_ne!(mine.as_str().as_ptr(), r.id.as_str().as_ptr(), "{}", r.id);
            for (vi, v) in r.versions.iter().enumerate() {
                assert!(Arc::ptr_eq(
                    &first.citation(ri, vi, &v.citation),
                    &v.citation
                ));
                let c = copy.citation(ri, vi, &v.citation);
                assert_eq!(c, v.citation);
                assert!(!Arc::ptr_eq(&c, &v.citation), "{}", r.id);
                for cond in v.conds() {
                    for (span, text) in &cond.parts {
                        assert!(Arc::ptr_eq(&first.part(cond, *span), text));
                        let t = copy.part(cond, *span);
                        assert_eq!(t, *text);
                        assert!(!Arc::ptr_eq(&t, text), "{}: {text}", r.id);
                        parts += 1;
                    }
                }
            }
        }
        assert!(parts > p.rules.len(), "only {parts} parts");
        Ok(())
    }

    #[test]
    fn officials_are_the_threads_own_copies() -> Result<(), String> {
        let mut local = LocalOfficials::default();
        let a = OfficialId::new("cb-01").map_err(|e| e.to_string())?;
        let b = OfficialId::new("cb-01").map_err(|e| e.to_string())?;
        let (x, y) = (local.id(&a), local.id(&b));
        assert_eq!(x, a);
        assert_ne!(x.as_str().as_ptr(), a.as_str().as_ptr());
        // One copy per text, whichever id it was asked for.
        assert_eq!(x.as_str().as_ptr(), y.as_str().as_ptr());
        // Past the limit the copies start again, and stay right.
        for i in 0..LocalOfficials::KEPT {
            local.id(&OfficialId::trusted(&format!("o{i}")));
        }
        assert!(local.ids.len() <= LocalOfficials::KEPT);
        assert_eq!(local.id(&a), a);

        // No official in an answer shares its storage with the organisation's ids.
        let p = Policy::bundled().map_err(|e| e.to_string())?;
        let cases = crate::sample::corpus().map_err(|e| e.to_string())?;
        let ev = crate::engine::Evaluator::new(&p);
        let mut org_ids = std::collections::HashSet::new();
        for c in &cases {
            let org = c.org().organisation();
            org_ids.extend(
                org.officials
                    .iter()
                    .map(|o| o.id.as_str().as_ptr() as usize),
            );
            org_ids.extend(
                org.positions
                    .iter()
                    .map(|x| x.official.as_str().as_ptr() as usize),
            );
        }
        let mut named = 0;
        for c in &cases {
            let d = ev
                .evaluate(c, crate::sample::as_of())
                .map_err(|e| e.to_string())?;
            let officials = d
                .steps
                .iter()
                .flat_map(|s| s.accountable.iter().map(|a| &a.official))
                .chain(d.findings.iter().map(|f| &f.official))
                .chain(d.consequences.iter().map(|c| &c.official));
            for o in officials {
                assert!(!org_ids.contains(&(o.as_str().as_ptr() as usize)), "{o}");
                named += 1;
            }
        }
        assert!(named > 100, "only {named} officials named");
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
        // The answers were built from different copies of the citations.
        let cited: std::collections::HashSet<usize> = answers
            .iter()
            .filter_map(|a| {
                let e = a
                    .iter()
                    .flat_map(|d| &d.steps)
                    .flat_map(|s| &s.accountable)
                    .next()?;
                Some(Arc::as_ptr(&e.citation) as usize)
            })
            .collect();
        assert!(cited.len() >= 2, "all threads cloned one citation");
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
