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
    /// Groups the events `0..n` by `key` (below `groups`); events without a
    /// key are left out.
    pub(crate) fn new(n: usize, groups: usize, key: impl Fn(usize) -> Option<usize>) -> Self {
        let mut g = EventGroups::default();
        group_by(n, groups, key, &mut g.items, &mut g.start);
        g
    }

    /// The events of group `k`, in event order (none past the last group).
    #[inline]
    pub(crate) fn group(&self, k: usize) -> &[u32] {
        let lo = self.start.get(k).copied().unwrap_or(0) as usize;
        let hi = self.start.get(k + 1).copied().unwrap_or(0) as usize;
        self.items.get(lo..hi).unwrap_or(&[])
    }
}

/// Groups the items `0..n` by a key below `groups`, each group in item order
/// (a counting sort), into `items` (the items grouped) and `start` (where
/// each group starts: one more entry than there are groups), reusing their
/// storage. Items without a key are left out.
fn group_by(
    n: usize,
    groups: usize,
    key: impl Fn(usize) -> Option<usize>,
    items: &mut Vec<u32>,
    start: &mut Vec<u32>,
) {
    start.clear();
    start.resize(groups + 1, 0);
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
    items.clear();
    items.resize(total as usize, 0);
    // Fill each group from its end, walking the items backwards: entry k + 1
    // (the end of group k) counts down to the start of group k.
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
    fn group_by_keeps_item_order_within_groups_and_leaves_out_keyless_items() {
        let keys = [Some(2), None, Some(0), Some(2), Some(1), Some(0)];
        // Buffers left over from a larger earlier use are reset.
        let (mut items, mut start) = (vec![9; 12], vec![7; 9]);
        group_by(
            keys.len(),
            3,
            |i| keys.get(i).copied().flatten(),
            &mut items,
            &mut start,
        );
        assert_eq!(start, vec![0, 2, 3, 5]);
        assert_eq!(items, vec![2, 5, 4, 0, 3]);
        group_by(0, 2, |_| Some(0), &mut items, &mut start);
        assert!(items.is_empty());
        assert_eq!(start, vec![0, 0, 0]);
        // Empty groups in the middle and at the end.
        let keys = [Some(3), Some(0), Some(3)];
        group_by(
            keys.len(),
            5,
            |i| keys.get(i).copied().flatten(),
            &mut items,
            &mut start,
        );
        assert_eq!(start, vec![0, 1, 1, 1, 3, 3]);
        assert_eq!(items, vec![1, 0, 2]);
    }
}
