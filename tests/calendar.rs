//! Integration tests of `accountable::calendar`, pinned to real dates.

// Test code: a failed unwrap is a failed test. (clippy's allow-*-in-tests
// settings cover `#[test]` functions but not the helpers of a test crate.)
#![allow(clippy::unwrap_used, clippy::panic)]

use accountable::calendar::*;
use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn cal() -> &'static Calendar {
    Calendar::vietnam()
}

fn working(date: NaiveDate) -> bool {
    cal().is_working_day(date).unwrap()
}

#[test]
fn bundled_calendar_covers_2020_to_2030() {
    assert_eq!(cal().years().count(), 11);
    assert_eq!(cal().range(), Some((d(2020, 1, 1), d(2030, 12, 31))));
    assert!(cal().covers(d(2020, 1, 1)));
    assert!(cal().covers(d(2030, 12, 31)));
    assert!(!cal().covers(d(2019, 12, 31)));
    assert!(!cal().covers(d(2031, 1, 1)));
}

#[test]
fn tet_2025_offices_closed_sat_25_jan_to_sun_2_feb() {
    assert!(working(d(2025, 1, 24)));
    for day in d(2025, 1, 25).iter_days().take(9) {
        assert!(!working(day), "{day}");
        let off = cal().day_off(day).unwrap().unwrap();
        assert_eq!(off.name_vi, "Tết Nguyên đán");
    }
    assert!(working(d(2025, 2, 3)));
    // Fri 24 Jan + 1 working day = Mon 3 Feb.
    assert_eq!(
        cal().add_working_days(d(2025, 1, 24), 1).unwrap(),
        d(2025, 2, 3)
    );
    assert_eq!(
        cal()
            .working_days_between(d(2025, 1, 24), d(2025, 2, 3))
            .unwrap(),
        1
    );
    // No swapped working day for Tết 2025.
    assert!(!working(d(2025, 1, 18)) && !working(d(2025, 2, 8)));
}

#[test]
fn tet_2024_civil_servants_off_thu_8_to_wed_14_feb() {
    assert!(working(d(2024, 2, 7)));
    for day in d(2024, 2, 8).iter_days().take(7) {
        assert!(!working(day), "{day}");
    }
    assert!(working(d(2024, 2, 15)));
    assert_eq!(
        cal().add_working_days(d(2024, 2, 7), 1).unwrap(),
        d(2024, 2, 15)
    );
    assert_eq!(
        cal().add_working_days(d(2024, 2, 7), 2).unwrap(),
        d(2024, 2, 16)
    );
}

#[test]
fn april_30_and_may_1_2024_with_swapped_saturday() {
    for day in d(2024, 4, 27).iter_days().take(5) {
        assert!(!working(day), "{day}");
    }
    assert_eq!(
        cal().day_off(d(2024, 4, 30)).unwrap().unwrap().name_en,
        "Reunification Day"
    );
    assert_eq!(
        cal().day_off(d(2024, 5, 1)).unwrap().unwrap().name_en,
        "International Workers' Day"
    );
    // Sat 4 May 2024 is a swapped working day: it counts.
    assert_eq!(d(2024, 5, 4).weekday(), Weekday::Sat);
    assert!(working(d(2024, 5, 4)));
    assert_eq!(cal().day_off(d(2024, 5, 4)).unwrap(), None);
    // Fri 26 Apr + 1 = Thu 2 May; + 3 = Sat 4 May; + 4 = Mon 6 May.
    assert_eq!(
        cal().add_working_days(d(2024, 4, 26), 1).unwrap(),
        d(2024, 5, 2)
    );
    assert_eq!(
        cal().add_working_days(d(2024, 4, 26), 3).unwrap(),
        d(2024, 5, 4)
    );
    assert_eq!(
        cal().add_working_days(d(2024, 4, 26), 4).unwrap(),
        d(2024, 5, 6)
    );
    assert_eq!(
        cal()
            .working_days_between(d(2024, 5, 3), d(2024, 5, 6))
            .unwrap(),
        2
    );
}

#[test]
fn april_30_and_may_1_2025_with_swapped_saturday() {
    assert!(working(d(2025, 4, 26)));
    for day in d(2025, 4, 30).iter_days().take(5) {
        assert!(!working(day), "{day}");
    }
    assert_eq!(
        cal().add_working_days(d(2025, 4, 29), 1).unwrap(),
        d(2025, 5, 5)
    );
}

#[test]
fn national_day_bridges_2024_and_2025() {
    // 2024: off Sat 31 Aug to Tue 3 Sep.
    for day in d(2024, 8, 31).iter_days().take(4) {
        assert!(!working(day), "{day}");
    }
    assert!(working(d(2024, 8, 30)) && working(d(2024, 9, 4)));
    assert_eq!(
        cal().add_working_days(d(2024, 8, 30), 1).unwrap(),
        d(2024, 9, 4)
    );
    // 2025: off Sat 30 Aug to Tue 2 Sep; Mon 1 Sep is the extra day.
    for day in d(2025, 8, 30).iter_days().take(4) {
        assert!(!working(day), "{day}");
    }
    assert_eq!(
        cal().day_off(d(2025, 9, 1)).unwrap().unwrap().name_en,
        "National Day"
    );
    assert!(working(d(2025, 8, 29)) && working(d(2025, 9, 3)));
    assert_eq!(
        cal().add_working_days(d(2025, 8, 29), 1).unwrap(),
        d(2025, 9, 3)
    );
}

#[test]
fn other_confirmed_breaks() {
    let closed = |from: NaiveDate, to: NaiveDate| {
        for day in from.iter_days().take_while(|x| *x <= to) {
            assert!(!working(day), "{day}");
        }
        assert!(
            working(from.pred_opt().unwrap()) || from.pred_opt().unwrap().weekday() == Weekday::Sun
        );
        assert!(working(to.succ_opt().unwrap()), "{to} + 1");
    };
    closed(d(2020, 1, 23), d(2020, 1, 29));
    closed(d(2021, 2, 10), d(2021, 2, 16));
    closed(d(2022, 1, 31), d(2022, 2, 6));
    closed(d(2023, 1, 20), d(2023, 1, 26));
    closed(d(2023, 9, 1), d(2023, 9, 4));
    closed(d(2026, 2, 14), d(2026, 2, 22));
    closed(d(2026, 8, 29), d(2026, 9, 2));
    // Swapped working Saturdays of 2025 and 2026.
    assert!(working(d(2025, 4, 26)));
    assert!(working(d(2026, 1, 10)));
    assert!(working(d(2026, 8, 22)));
}

#[test]
fn a_period_starting_on_friday_does_not_count_the_first_day() {
    // Fri 7 Jun 2024 + 1 working day = Mon 10 Jun 2024.
    assert_eq!(
        cal().add_working_days(d(2024, 6, 7), 1).unwrap(),
        d(2024, 6, 10)
    );
    assert_eq!(
        cal().add_working_days(d(2024, 6, 7), 5).unwrap(),
        d(2024, 6, 14)
    );
    // From a Saturday, the first working day after it is Monday too.
    assert_eq!(
        cal().add_working_days(d(2024, 6, 8), 1).unwrap(),
        d(2024, 6, 10)
    );
}

#[test]
fn add_zero_working_days() {
    assert_eq!(
        cal().add_working_days(d(2024, 6, 7), 0).unwrap(),
        d(2024, 6, 7)
    );
    assert_eq!(
        cal().add_working_days(d(2024, 6, 8), 0).unwrap(),
        d(2024, 6, 10)
    );
    assert_eq!(
        cal().add_working_days(d(2025, 1, 25), 0).unwrap(),
        d(2025, 2, 3)
    );
    assert_eq!(
        cal().next_working_day(d(2025, 1, 25)).unwrap(),
        d(2025, 2, 3)
    );
    assert_eq!(
        cal().next_working_day(d(2025, 2, 3)).unwrap(),
        d(2025, 2, 3)
    );
}

#[test]
fn working_days_between_mirrors() {
    let a = d(2025, 1, 20);
    let b = d(2025, 2, 10);
    // 20 Jan..10 Feb 2025: 21-24 Jan (4) + 3-7 Feb (5) + 10 Feb (1).
    assert_eq!(cal().working_days_between(a, b).unwrap(), 10);
    assert_eq!(cal().working_days_between(b, a).unwrap(), -10);
    assert_eq!(cal().working_days_between(a, a).unwrap(), 0);
}

#[test]
fn civil_code_period_ending_on_a_holiday_moves_to_next_working_day() {
    // 30 days from 31 Mar 2024 end on Tue 30 Apr 2024, a holiday: the period
    // ends on Thu 2 May 2024.
    assert_eq!(
        cal().period_end_civil(d(2024, 3, 31), 30).unwrap(),
        d(2024, 5, 2)
    );
    // 10 days from 20 Jan 2025 end in Tết (30 Jan): moved to Mon 3 Feb 2025.
    assert_eq!(
        cal().period_end_civil(d(2025, 1, 20), 10).unwrap(),
        d(2025, 2, 3)
    );
    // Ending on a plain weekday: unchanged. 15 days from Mon 3 Jun 2024 = Tue 18 Jun.
    assert_eq!(
        cal().period_end_civil(d(2024, 6, 3), 15).unwrap(),
        d(2024, 6, 18)
    );
    // Ending on a Sunday: the next Monday.
    assert_eq!(
        cal().period_end_civil(d(2024, 6, 3), 13).unwrap(),
        d(2024, 6, 17)
    );
    // Ending on a swapped working Saturday: that Saturday.
    assert_eq!(
        cal().period_end_civil(d(2024, 4, 24), 10).unwrap(),
        d(2024, 5, 4)
    );
    // The start may precede the covered range; only the end must be covered.
    assert_eq!(
        cal().period_end_civil(d(2019, 12, 31), 1).unwrap(),
        d(2020, 1, 2)
    );
}

#[test]
fn out_of_range_dates_are_errors() {
    let err = cal().is_working_day(d(2031, 1, 5)).unwrap_err();
    assert_eq!(
        err,
        CalendarError::OutOfRange {
            date: d(2031, 1, 5),
            first: Some(d(2020, 1, 1)),
            last: Some(d(2030, 12, 31)),
        }
    );
    assert_eq!(
        err.to_string(),
        "date `2031-01-05` is outside the working-day calendar (covered: 2020-01-01 to 2030-12-31); help: add the year's table with Calendar::add_year"
    );
    assert!(matches!(
        cal().day_off(d(2019, 6, 1)),
        Err(CalendarError::OutOfRange { .. })
    ));
    assert!(matches!(
        cal().add_working_days(d(2019, 6, 1), 1),
        Err(CalendarError::OutOfRange { .. })
    ));
    assert!(matches!(
        cal().working_days_between(d(2025, 1, 1), d(2031, 1, 1)),
        Err(CalendarError::OutOfRange { .. })
    ));
    assert!(matches!(
        cal().next_working_day(d(2031, 1, 1)),
        Err(CalendarError::OutOfRange { .. })
    ));
    assert!(matches!(
        cal().period_end_civil(d(2030, 12, 20), 30),
        Err(CalendarError::OutOfRange { .. })
    ));
    // A count running past 2030 is out of range too.
    assert!(matches!(
        cal().add_working_days(d(2030, 12, 20), 30),
        Err(CalendarError::OutOfRange { .. })
    ));
}

#[test]
fn user_extends_with_a_2031_table() {
    let mut mine = cal().clone();
    let text = r#"
        [[year]]
        year = 2031
        confirmed = false
        source = "my own projection"
        days_off = [
          { date = 2031-01-01, name_vi = "Tết Dương lịch", name_en = "New Year's Day" },
          { from = 2031-01-22, to = 2031-01-28, name_vi = "Tết Nguyên đán", name_en = "Lunar New Year" },
        ]
        working_weekend_days = [ { date = 2031-01-18, reason = "làm bù" } ]
    "#;
    let extra = Calendar::from_toml_str(text, "2031.toml").unwrap();
    let table = extra.years().next().unwrap().clone();
    mine.add_year(table.clone()).unwrap();
    assert_eq!(mine.range(), Some((d(2020, 1, 1), d(2031, 12, 31))));
    assert!(!mine.is_working_day(d(2031, 1, 1)).unwrap());
    assert!(mine.is_working_day(d(2031, 1, 18)).unwrap());
    assert_eq!(
        mine.add_working_days(d(2031, 1, 21), 1).unwrap(),
        d(2031, 1, 29)
    );
    // Counting across the year boundary now works.
    assert_eq!(
        mine.add_working_days(d(2030, 12, 31), 1).unwrap(),
        d(2031, 1, 2)
    );
    // Adding it again is refused; the bundled calendar is untouched.
    assert_eq!(
        mine.add_year(table),
        Err(CalendarError::DuplicateYear { year: 2031 })
    );
    assert!(!cal().covers(d(2031, 1, 1)));
}

#[test]
fn malformed_toml_gives_parse_error_with_line_and_column() {
    let text = "[[year]]\nyear = 2031\nconfirmed = maybe\n";
    match Calendar::from_toml_str(text, "bad.toml").unwrap_err() {
        CalendarError::Parse {
            origin,
            line,
            column,
            message,
        } => {
            assert_eq!(origin, "bad.toml");
            assert_eq!(line, 3);
            assert_eq!(column, 13);
            assert!(!message.is_empty());
        }
        other => panic!("expected Parse, got {other:?}"),
    }
    let err = Calendar::from_toml_str("[[year]]\nyear = 2031\nconfirmed = maybe\n", "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("bad.toml:3:13: invalid calendar data: "),
        "{err}"
    );
}

/// Whether `day` is a working day, read straight from the year tables
/// (independent of the calendar's index); `None` outside them.
fn naive_working(day: NaiveDate) -> Option<bool> {
    let table = cal().years().find(|t| t.year == day.year())?;
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    let off = table.days_off.iter().any(|o| o.from <= day && day <= o.to);
    let swapped = table.working_weekend_days.iter().any(|s| s.date == day);
    Some((!weekend && !off) || swapped)
}

/// The oracle: the naive day-by-day loop.
fn naive_add(start: NaiveDate, n: u32) -> Option<NaiveDate> {
    naive_working(start)?;
    let mut day = start;
    if n == 0 {
        while !naive_working(day)? {
            day = day.succ_opt()?;
        }
        return Some(day);
    }
    let mut left = n;
    while left > 0 {
        day = day.succ_opt()?;
        if naive_working(day)? {
            left -= 1;
        }
    }
    Some(day)
}

fn covered_date() -> impl Strategy<Value = NaiveDate> {
    // 2020-01-01 .. 2030-12-31 is 4018 days.
    (0u64..4018).prop_map(|k| d(2020, 1, 1) + chrono::Days::new(k))
}

fn working_date() -> impl Strategy<Value = NaiveDate> {
    covered_date()
        .prop_map(|x| cal().next_working_day(x).unwrap_or(d(2030, 12, 31)))
        .prop_filter("a working day", |x| working(*x))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn add_then_between_gives_n(start in working_date(), n in 0u32..600) {
        if let Ok(end) = cal().add_working_days(start, n) {
            prop_assert_eq!(cal().working_days_between(start, end).unwrap(), i64::from(n));
        }
    }

    #[test]
    fn add_zero_to_a_working_day_is_itself(start in working_date()) {
        prop_assert_eq!(cal().add_working_days(start, 0).unwrap(), start);
    }

    #[test]
    fn between_is_monotone_in_to(from in covered_date(), a in covered_date(), b in covered_date()) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let x = cal().working_days_between(from, lo).unwrap();
        let y = cal().working_days_between(from, hi).unwrap();
        prop_assert!(x <= y);
        // And antisymmetric.
        prop_assert_eq!(cal().working_days_between(lo, from).unwrap(), -x);
    }

    #[test]
    fn results_are_working_days(start in covered_date(), n in 0u32..600, days in 0u32..600) {
        if let Ok(end) = cal().add_working_days(start, n) {
            prop_assert!(working(end));
            prop_assert!(n == 0 || end > start);
        }
        if let Ok(end) = cal().next_working_day(start) {
            prop_assert!(working(end) && end >= start);
        }
        if let Ok(end) = cal().period_end_civil(start, days) {
            prop_assert!(working(end));
            prop_assert!(end >= start + chrono::Days::new(u64::from(days)));
        }
    }

    #[test]
    fn add_agrees_with_the_naive_loop(start in covered_date(), n in 0u32..400) {
        let fast = cal().add_working_days(start, n).ok();
        prop_assert_eq!(fast, naive_add(start, n));
    }
}
