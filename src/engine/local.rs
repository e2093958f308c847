//! The calling thread's own copies of the officials' ids it puts in
//! answers ([`LocalOfficials`]).
//!
//! The other values an answer names (rule ids, citations, condition texts,
//! the policy's id and hash, finding ids) are interned (see the crate's
//! `intern` module) and cost nothing to name. Officials' ids come from
//! tasks and organisations, which a process may read without end, so they
//! are not interned. An id of at most 23 bytes, as nearly all are, is kept
//! inline and copied; only a longer one is shared by reference count.

use crate::id::{OfficialId, Shared, Trusted};

/// The calling thread's own copies of the ids of the officials it puts in
/// answers, by their text, for ids long enough to be shared by reference
/// count (a short id is inline, and is its own copy).
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

    /// The thread's copy of `o` (`o` itself, copied, when it is inline).
    #[inline]
    pub(crate) fn id(&mut self, o: &OfficialId) -> OfficialId {
        if !o.is_shared() {
            return o.clone();
        }
        self.shared(o)
    }

    /// [`LocalOfficials::id`] of an id kept by reference count.
    #[inline(never)]
    fn shared(&mut self, o: &OfficialId) -> OfficialId {
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

    const THREADS: usize = 6;

    /// The sample corpus with every official's id made `suffix` longer, so
    /// that ids past the inline length are shared by reference count.
    fn sample_with_long_officials(suffix: &str) -> Result<Vec<crate::model::ValidCase>, String> {
        let text = crate::sample::PROVINCE_JSONL;
        let first = text.lines().next().ok_or("empty sample")?;
        let head: serde_json::Value = serde_json::from_str(first).map_err(|e| e.to_string())?;
        let mut long = text.to_string();
        for o in head["organisation"]["officials"]
            .as_array()
            .ok_or("no officials")?
        {
            let id = o["id"].as_str().ok_or("an official without id")?;
            long = long.replace(&format!("\"{id}\""), &format!("\"{id}{suffix}\""));
        }
        crate::io::corpus_from_str(&long, "long-ids.jsonl").map_err(|e| e.to_string())
    }

    #[test]
    fn officials_are_the_threads_own_copies() -> Result<(), String> {
        let mut local = LocalOfficials::default();
        // A short id is kept inline: the id is its own copy and nothing is kept.
        let short = OfficialId::new("cb-01").map_err(|e| e.to_string())?;
        assert!(!short.is_shared());
        assert_eq!(local.id(&short), short);
        assert!(local.ids.is_empty());

        // A long one is shared by reference count: the thread keeps a copy.
        let text = "so-noi-vu/phong-to-chuc/cb-0001";
        let a = OfficialId::new(text).map_err(|e| e.to_string())?;
        let b = OfficialId::new(text).map_err(|e| e.to_string())?;
        assert!(a.is_shared());
        let (x, y) = (local.id(&a), local.id(&b));
        assert_eq!(x, a);
        assert_ne!(x.as_str().as_ptr(), a.as_str().as_ptr());
        // One copy per text, whichever id it was asked for.
        assert_eq!(x.as_str().as_ptr(), y.as_str().as_ptr());
        // Past the limit the copies start again, and stay right.
        for i in 0..LocalOfficials::KEPT {
            local.id(&OfficialId::trusted(&format!("{text}-{i}")));
        }
        assert!(local.ids.len() <= LocalOfficials::KEPT);
        assert_eq!(local.id(&a), a);

        // No official in an answer shares its storage with the organisation's
        // ids: short ones are inline, long ones the thread's copies.
        let p = Policy::bundled().map_err(|e| e.to_string())?;
        let ev = crate::engine::Evaluator::new(&p);
        for (cases, shared) in [
            (crate::sample::corpus().map_err(|e| e.to_string())?, false),
            (sample_with_long_officials("/so-noi-vu-tinh-son-ha")?, true),
        ] {
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
                    assert_eq!(o.is_shared(), shared, "{o}");
                    assert!(!org_ids.contains(&(o.as_str().as_ptr() as usize)), "{o}");
                    named += 1;
                }
            }
            assert!(named > 100, "only {named} officials named");
        }
        Ok(())
    }

    #[test]
    fn threads_at_once_give_equal_answers() -> Result<(), String> {
        let p = Policy::bundled().map_err(|e| e.to_string())?;
        let cases = crate::sample::corpus().map_err(|e| e.to_string())?;
        let as_of = crate::sample::as_of();
        let ev = crate::engine::Evaluator::new(&p);
        let here: Vec<_> = cases
            .iter()
            .map(|c| ev.evaluate(c, as_of))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        let answers: Vec<Vec<_>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..THREADS)
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
        assert_eq!(answers.len(), THREADS);
        for a in &answers {
            assert_eq!(a, &here);
        }
        Ok(())
    }
}
