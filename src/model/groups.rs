//! Indexes of a validated case's events by a key (their step, their kind),
//! built once while validating and read by every evaluation.

/// The indexes of a case's events grouped by a key below some number of
/// groups, each group in event order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EventGroups {
    /// The events' indexes, group after group.
    items: Vec<u32>,
    /// Where each group starts in `items` (one more entry than groups).
    start: Vec<u32>,
}

impl EventGroups {
    /// Groups the events `0..n` by `key` (below `groups`), each group in
    /// event order (a counting sort); events without a key are left out.
    pub(crate) fn new(n: usize, groups: usize, key: impl Fn(usize) -> Option<usize>) -> Self {
        let mut start = vec![0u32; groups + 1];
        for i in 0..n {
            if let Some(c) = key(i).and_then(|k| start.get_mut(k + 1)) {
                *c += 1;
            }
        }
        for k in 1..start.len() {
            let prev = start.get(k - 1).copied().unwrap_or(0);
            if let Some(x) = start.get_mut(k) {
                *x += prev;
            }
        }
        let total = start.last().copied().unwrap_or(0);
        let mut items = vec![0u32; total as usize];
        // Fill each group from its end, walking the events backwards: entry
        // k + 1 (the end of group k) counts down to the start of group k.
        for i in (0..n).rev() {
            if let Some(pos) = key(i).and_then(|k| start.get_mut(k + 1)) {
                *pos -= 1;
                if let Some(slot) = items.get_mut(*pos as usize) {
                    *slot = u32::try_from(i).unwrap_or(u32::MAX);
                }
            }
        }
        // Entry k + 1 now holds where group k starts: shift down, and close with the total.
        start.rotate_left(1);
        if let Some(last) = start.last_mut() {
            *last = total;
        }
        EventGroups { items, start }
    }

    /// The events of group `k`, in event order (none past the last group).
    #[inline]
    pub(crate) fn group(&self, k: usize) -> &[u32] {
        // Both ends with one bounds check.
        match self.start.get(k..k.saturating_add(2)) {
            Some(&[lo, hi]) => self.items.get(lo as usize..hi as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_event_order_and_leave_out_keyless_events() {
        // Keys of events 0..7: 2, none, 0, 2, 0, none, 2.
        let keys = [Some(2), None, Some(0), Some(2), Some(0), None, Some(2)];
        let g = EventGroups::new(keys.len(), 3, |i| keys.get(i).copied().flatten());
        assert_eq!(g.group(0), &[2, 4]);
        assert_eq!(g.group(1), &[] as &[u32]);
        assert_eq!(g.group(2), &[0, 3, 6]);
        assert_eq!(g.group(3), &[] as &[u32]);
        let none = EventGroups::new(0, 3, |_| Some(0));
        assert!((0..4).all(|k| none.group(k).is_empty()));
    }

    #[test]
    fn groups_are_a_counting_sort() {
        let keys = [Some(2), None, Some(0), Some(2), Some(1), Some(0)];
        let g = EventGroups::new(keys.len(), 3, |i| keys.get(i).copied().flatten());
        assert_eq!(g.start, vec![0, 2, 3, 5]);
        assert_eq!(g.items, vec![2, 5, 4, 0, 3]);
        let g = EventGroups::new(0, 2, |_| Some(0));
        assert!(g.items.is_empty());
        assert_eq!(g.start, vec![0, 0, 0]);
        // Empty groups in the middle and at the end.
        let keys = [Some(3), Some(0), Some(3)];
        let g = EventGroups::new(keys.len(), 5, |i| keys.get(i).copied().flatten());
        assert_eq!(g.start, vec![0, 1, 1, 1, 3, 3]);
        assert_eq!(g.items, vec![1, 0, 2]);
    }
}
