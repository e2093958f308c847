//! What the engine derives from a policy once, when it is loaded: which
//! exceptions can defeat each rule, the event kind each event rule binds,
//! and the rules of each kind in order. Evaluation then never searches the
//! policy by name.

use chrono::NaiveDate;

use crate::model::EventKind;
use crate::policy::{Body, Param, Rule, RuleKind};

/// The evaluation plan of a policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// Indexes (into the policy's rules) of the exceptions, in policy order.
    pub exceptions: Vec<usize>,
    /// For each rule: positions in `exceptions` of those that name it in
    /// `defeats` in any version, in policy order.
    pub defeaters: Vec<Vec<usize>>,
    /// For each rule: the index in [`EventKind::NAMES`] of the event kind it
    /// binds (event rules with a kind), `None` otherwise.
    pub event_kind: Vec<Option<usize>>,
    /// The parameter values in force, by period: each entry holds from its
    /// date until the next entry's (the first from the earliest date). A
    /// parameter's value only changes on a version's first or last day, so
    /// the periods start at those days.
    pub param_epochs: Vec<(NaiveDate, Vec<Option<i64>>)>,
}

impl Plan {
    /// Derives the plan of a list of rules.
    pub(crate) fn new(rules: &[Rule], params: &[Param]) -> Plan {
        let exceptions: Vec<usize> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == RuleKind::Exception)
            .map(|(i, _)| i)
            .collect();
        let defeaters = rules
            .iter()
            .map(|r| {
                exceptions
                    .iter()
                    .enumerate()
                    .filter(|(_, xi)| {
                        rules.get(**xi).is_some_and(|x| {
                            x.versions.iter().any(|v| match &v.body {
                                Body::Exception { defeats, .. } => defeats.contains(&r.id),
                                _ => false,
                            })
                        })
                    })
                    .map(|(pos, _)| pos)
                    .collect()
            })
            .collect();
        let event_kind = rules
            .iter()
            .map(|r| match r.versions.first().map(|v| &v.body) {
                Some(Body::Avoidance {
                    event_kind: Some(k),
                    ..
                }) => EventKind::index_of(k),
                _ => None,
            })
            .collect();
        let mut starts: Vec<NaiveDate> = params
            .iter()
            .flat_map(|p| p.versions.iter())
            .flat_map(|v| std::iter::once(v.valid_from).chain(v.valid_until))
            .chain(std::iter::once(NaiveDate::MIN))
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let param_epochs = starts
            .into_iter()
            .map(|d| (d, params.iter().map(|p| p.value_at(d)).collect()))
            .collect();
        Plan {
            exceptions,
            defeaters,
            event_kind,
            param_epochs,
        }
    }

    /// The parameter values in force on `date`, in the policy's order.
    pub(crate) fn params_at(&self, date: NaiveDate) -> &[Option<i64>] {
        let i = self.param_epochs.partition_point(|(d, _)| *d <= date);
        i.checked_sub(1)
            .and_then(|i| self.param_epochs.get(i))
            .map_or(&[][..], |(_, v)| v.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn every_exception_is_listed_as_a_defeater_of_the_rules_it_names() {
        let Ok(p) = Policy::bundled() else {
            panic!("the bundled policy loads");
        };
        let plan = Plan::new(&p.rules, &p.params);
        assert_eq!(plan.defeaters.len(), p.rules.len());
        let mut pairs = 0;
        for (pos, &xi) in plan.exceptions.iter().enumerate() {
            let Some(Body::Exception { defeats, .. }) = p
                .rules
                .get(xi)
                .and_then(|x| x.versions.first())
                .map(|v| &v.body)
            else {
                panic!("exception {xi} has an exception body");
            };
            for d in defeats {
                let ri = p.rules.iter().position(|r| &r.id == d);
                let Some(ri) = ri else { continue };
                assert!(
                    plan.defeaters.get(ri).is_some_and(|v| v.contains(&pos)),
                    "{d}"
                );
                pairs += 1;
            }
        }
        assert!(pairs >= 10, "{pairs}");
        let event_rules = plan.event_kind.iter().filter(|k| k.is_some()).count();
        assert!(event_rules >= 15, "{event_rules}");
    }

    #[test]
    fn parameters_by_period_equal_the_values_in_force_on_every_day() {
        for text in [Policy::bundled(), Policy::bundled_2025()] {
            let Ok(p) = text else {
                panic!("the bundled policies load");
            };
            let plan = Plan::new(&p.rules, &p.params);
            let mut d = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
            let end = NaiveDate::from_ymd_opt(2031, 1, 1).unwrap_or_default();
            while d < end {
                let want: Vec<Option<i64>> = p.params.iter().map(|x| x.value_at(d)).collect();
                assert_eq!(plan.params_at(d), want.as_slice(), "{d}");
                d = d.succ_opt().unwrap_or(end);
            }
        }
    }
}
