//! The precomputed day index that makes every query O(1).
//!
//! For the covered days `first, first+1, ..., last` (day number `i` = days
//! since `first`) it keeps:
//! - `cum[i]`: the number of working days in days `0..=i`;
//! - `working_days[k]`: the day number of the `k`-th working day (0-based);
//! - `off[i]`: which [`DayOff`](super::DayOff) closes day `i`, if any.
//!
//! So "is `d` a working day" is `cum[i] - cum[i-1]`, the number of working
//! days in `(a, b]` is `cum[b] - cum[a]`, and the `n`-th working day after `a`
//! is `working_days[cum[a] + n - 1]`.

use chrono::{Datelike, NaiveDate, Weekday};

use super::table::YearTable;

/// Where a day off is found: (index into the sorted years, index into that
/// year's `days_off`).
pub(super) type OffRef = (u32, u32);

#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Index {
    /// First covered date and its `num_days_from_ce`; `None` when empty.
    first: Option<(NaiveDate, i32)>,
    last: Option<NaiveDate>,
    cum: Vec<u32>,
    working_days: Vec<u32>,
    off: Vec<Option<OffRef>>,
}

impl Index {
    /// Builds the index of `years`, which must be sorted, contiguous and valid.
    pub(super) fn build(years: &[YearTable]) -> Index {
        let (Some(first_year), Some(last_year)) = (years.first(), years.last()) else {
            return Index::default();
        };
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(first_year.year, 1, 1),
            NaiveDate::from_ymd_opt(last_year.year, 12, 31),
        ) else {
            return Index::default();
        };
        let len = usize::try_from(last.num_days_from_ce() - first.num_days_from_ce() + 1)
            .unwrap_or_default();
        let mut off: Vec<Option<OffRef>> = vec![None; len];
        let mut swapped = vec![false; len];
        let first_ce = first.num_days_from_ce();
        let slot = |date: NaiveDate| usize::try_from(date.num_days_from_ce() - first_ce).ok();
        for (yi, table) in years.iter().enumerate() {
            for (di, day) in table.days_off.iter().enumerate() {
                let reference = (
                    u32::try_from(yi).unwrap_or(u32::MAX),
                    u32::try_from(di).unwrap_or(u32::MAX),
                );
                for date in day.from.iter_days().take_while(|d| *d <= day.to) {
                    if let Some(cell) = slot(date).and_then(|i| off.get_mut(i)) {
                        *cell = Some(reference);
                    }
                }
            }
            for swap in &table.working_weekend_days {
                if let Some(cell) = slot(swap.date).and_then(|i| swapped.get_mut(i)) {
                    *cell = true;
                }
            }
        }
        let mut cum = Vec::with_capacity(len);
        let mut working_days = Vec::new();
        let mut count: u32 = 0;
        for (i, date) in first.iter_days().take(len).enumerate() {
            let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
            let is_off = off.get(i).is_some_and(Option::is_some);
            let is_swapped = swapped.get(i).copied().unwrap_or(false);
            if (!weekend && !is_off) || is_swapped {
                count = count.saturating_add(1);
                working_days.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
            cum.push(count);
        }
        Index {
            first: Some((first, first_ce)),
            last: Some(last),
            cum,
            working_days,
            off,
        }
    }

    pub(super) fn first(&self) -> Option<NaiveDate> {
        self.first.map(|(d, _)| d)
    }

    pub(super) fn last(&self) -> Option<NaiveDate> {
        self.last
    }

    /// The day number of `date`, if covered.
    pub(super) fn slot(&self, date: NaiveDate) -> Option<usize> {
        let (_, first_ce) = self.first?;
        let i = usize::try_from(date.num_days_from_ce().checked_sub(first_ce)?).ok()?;
        (i < self.cum.len()).then_some(i)
    }

    /// The date of day number `i`.
    pub(super) fn date(&self, i: usize) -> Option<NaiveDate> {
        let (first, _) = self.first?;
        first.checked_add_days(chrono::Days::new(u64::try_from(i).ok()?))
    }

    /// Working days in days `0..=i`.
    pub(super) fn cum(&self, i: usize) -> Option<u32> {
        self.cum.get(i).copied()
    }

    pub(super) fn is_working(&self, i: usize) -> Option<bool> {
        let here = self.cum(i)?;
        let before = match i.checked_sub(1) {
            Some(j) => self.cum(j)?,
            None => 0,
        };
        Some(here > before)
    }

    /// The day number of the working day with 0-based ordinal `k`.
    pub(super) fn working_day(&self, k: usize) -> Option<usize> {
        self.working_days
            .get(k)
            .and_then(|&i| usize::try_from(i).ok())
    }

    pub(super) fn off(&self, i: usize) -> Option<OffRef> {
        self.off.get(i).copied().flatten()
    }
}
