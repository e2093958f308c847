//! Unit tests of the calendar internals and the bundled data.
//!
//! Test-only: the parent includes this file under `#[cfg(test)]`; the
//! attribute below repeats it so that `unwrap` here is visibly test code.

#[cfg(test)]
use super::*;
use chrono::{Datelike, Weekday};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn bundled() -> Calendar {
    Calendar::from_toml_str(BUNDLED, BUNDLED_ORIGIN).unwrap()
}

#[test]
fn bundled_data_loads_with_eleven_years() {
    let cal = bundled();
    let years: Vec<i32> = cal.years().map(|t| t.year).collect();
    assert_eq!(years, (2020..=2030).collect::<Vec<_>>());
    assert_eq!(cal.range(), Some((d(2020, 1, 1), d(2030, 12, 31))));
    // The static is the same data.
    assert_eq!(Calendar::vietnam(), &cal);
}

#[test]
fn confirmed_years_and_projections_are_marked() {
    for t in bundled().years() {
        assert!(!t.source.trim().is_empty(), "{} has no source", t.year);
        if t.year <= 2026 {
            assert!(t.confirmed, "{} should be confirmed", t.year);
        } else {
            assert!(!t.confirmed, "{} is a projection", t.year);
            let note = t.note.as_deref().unwrap_or_default();
            assert!(
                note.contains(
                    "projection from BLLĐ 2019 Art. 112; the yearly announcement was not seen"
                ),
                "{}: {note}",
                t.year
            );
        }
    }
}

/// Tết (1/1 lunar) and Giỗ Tổ (10/3 lunar) in Vietnam, UTC+07:00.
type MonthDay = (u32, u32);
const LUNAR: [(i32, MonthDay, MonthDay); 11] = [
    (2020, (1, 25), (4, 2)),
    (2021, (2, 12), (4, 21)),
    (2022, (2, 1), (4, 10)),
    (2023, (1, 22), (4, 29)),
    (2024, (2, 10), (4, 18)),
    (2025, (1, 29), (4, 7)),
    (2026, (2, 17), (4, 26)),
    (2027, (2, 6), (4, 16)),
    (2028, (1, 26), (4, 4)),
    (2029, (2, 13), (4, 23)),
    (2030, (2, 2), (4, 12)),
];

#[test]
fn every_year_has_tet_with_five_weekdays_off_and_gio_to() {
    let cal = bundled();
    for (year, (tm, td), (gm, gd)) in LUNAR {
        let tet = cal.day_off(d(year, tm, td)).unwrap().unwrap();
        assert_eq!(tet.name_en, "Lunar New Year", "{year}");
        let weekdays = tet
            .from
            .iter_days()
            .take_while(|x| *x <= tet.to)
            .filter(|x| !matches!(x.weekday(), Weekday::Sat | Weekday::Sun))
            .count();
        assert_eq!(weekdays, 5, "Tết {year}");
        // The eve of Tết is off every year.
        assert!(tet.contains(d(year, tm, td).pred_opt().unwrap()), "{year}");
        let gio_to = cal.day_off(d(year, gm, gd)).unwrap().unwrap();
        assert!(gio_to.name_en.starts_with("Hùng Kings"), "{year}");
    }
}

#[test]
fn fixed_holidays_are_off_every_year() {
    let cal = bundled();
    for year in 2020..=2030 {
        for (m, day) in [(1, 1), (4, 30), (5, 1), (9, 2)] {
            assert!(
                cal.day_off(d(year, m, day)).unwrap().is_some(),
                "{year}-{m}-{day}"
            );
            assert!(!cal.is_working_day(d(year, m, day)).unwrap());
        }
        // From 2021 (BLLĐ 2019) National Day has two days: 2/9 and one adjacent day.
        if year >= 2021 {
            let adjacent = [d(year, 9, 1), d(year, 9, 3)]
                .into_iter()
                .filter(|x| {
                    cal.day_off(*x)
                        .unwrap()
                        .is_some_and(|o| o.name_en.starts_with("National Day"))
                })
                .count();
            assert!(adjacent >= 1, "{year}");
        }
    }
}

#[test]
fn bundled_tables_round_trip_through_toml() {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        year: Vec<&'a YearTable>,
    }
    let cal = bundled();
    let text = toml::to_string(&Out {
        year: cal.years().collect(),
    })
    .unwrap();
    let again = Calendar::from_toml_str(&text, "round-trip.toml").unwrap();
    assert_eq!(again, cal);
    // Single days are written back with the `date` shorthand.
    assert!(text.contains("date = \"2020-01-01\""), "{text}");
}

#[test]
fn tables_round_trip_through_json() {
    let cal = bundled();
    let t = cal.years().find(|t| t.year == 2024).unwrap();
    let json = serde_json::to_string(t).unwrap();
    let back: YearTable = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, t);
}

#[test]
fn index_matches_a_day_by_day_scan() {
    let cal = bundled();
    let mut count: i64 = 0;
    let first = d(2020, 1, 1);
    for date in first.iter_days().take_while(|x| *x <= d(2030, 12, 31)) {
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let off = cal
            .years()
            .flat_map(|t| &t.days_off)
            .any(|o| o.contains(date));
        let swapped = cal
            .years()
            .flat_map(|t| &t.working_weekend_days)
            .any(|s| s.date == date);
        let working = (!weekend && !off) || swapped;
        assert_eq!(cal.is_working_day(date).unwrap(), working, "{date}");
        if working {
            count += 1;
        }
        assert_eq!(
            cal.working_days_between(first, date).unwrap()
                + i64::from(cal.is_working_day(first).unwrap()),
            count
        );
    }
}

#[test]
fn line_column_counts_characters() {
    let text = "ab\ncdé\nfg";
    assert_eq!(line_column(text, 0), (1, 1));
    assert_eq!(line_column(text, 3), (2, 1));
    // 'é' is two bytes: the byte after it is column 4.
    assert_eq!(line_column(text, 7), (2, 4));
    assert_eq!(line_column(text, 8), (3, 1));
}

const MINIMAL: &str = r#"
[[year]]
year = 2031
confirmed = false
source = "test"
days_off = [ { date = 2031-01-01, name_vi = "Tết Dương lịch", name_en = "New Year's Day" } ]
"#;

fn table(year: i32) -> YearTable {
    YearTable {
        year,
        confirmed: false,
        source: "test".to_owned(),
        note: None,
        days_off: Vec::new(),
        working_weekend_days: Vec::new(),
    }
}

fn invalid_message(text: &str) -> String {
    match Calendar::from_toml_str(text, "t.toml") {
        Err(CalendarError::Invalid {
            origin, message, ..
        }) => {
            assert_eq!(origin, "t.toml");
            message
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn rules_of_a_table_are_enforced() {
    let outside = MINIMAL.replace("date = 2031-01-01", "date = 2030-12-31");
    assert!(invalid_message(&outside).contains("not inside 2031"));

    let reversed = MINIMAL.replace("date = 2031-01-01", "from = 2031-01-05, to = 2031-01-02");
    assert!(invalid_message(&reversed).contains("after it ends"));

    let weekday_swap =
        format!("{MINIMAL}working_weekend_days = [ {{ date = 2031-01-06, reason = \"x\" }} ]\n");
    assert!(invalid_message(&weekday_swap).contains("not a Saturday or Sunday"));

    let swap_inside = MINIMAL.replace("date = 2031-01-01", "from = 2031-01-01, to = 2031-01-05")
        + "working_weekend_days = [ { date = 2031-01-04, reason = \"x\" } ]\n";
    assert!(invalid_message(&swap_inside).contains("inside the day off"));

    let twice = format!(
        "{MINIMAL}working_weekend_days = [ {{ date = 2031-01-04, reason = \"x\" }}, {{ date = 2031-01-04, reason = \"y\" }} ]\n"
    );
    assert!(invalid_message(&twice).contains("listed twice"));

    let overlap = MINIMAL.replace(
        "days_off = [ ",
        "days_off = [ { from = 2031-01-01, to = 2031-01-02, name_vi = \"a\", name_en = \"A\" }, ",
    );
    assert!(invalid_message(&overlap).contains("overlap"));

    let duplicate = format!("{MINIMAL}{MINIMAL}");
    assert!(invalid_message(&duplicate).contains("two tables"));

    let gap = format!("{MINIMAL}{}", MINIMAL.replace("2031", "2033"));
    assert!(invalid_message(&gap).contains("2032 to 2032 are missing"));
}

#[test]
fn shape_errors_are_parse_errors_with_position() {
    let both = MINIMAL.replace("date = 2031-01-01", "date = 2031-01-01, from = 2031-01-01");
    let err = Calendar::from_toml_str(&both, "t.toml").unwrap_err();
    assert!(matches!(err, CalendarError::Parse { line: 6, .. }), "{err}");
    assert!(err.to_string().contains("either `date`"), "{err}");

    let unknown = MINIMAL.replace("source", "sauce");
    let err = Calendar::from_toml_str(&unknown, "t.toml").unwrap_err();
    assert!(matches!(err, CalendarError::Parse { .. }), "{err}");

    let string_date = MINIMAL.replace("date = 2031-01-01", "date = \"2031-01-01\"");
    assert!(Calendar::from_toml_str(&string_date, "t.toml").is_ok());

    let bad_string = MINIMAL.replace("date = 2031-01-01", "date = \"2031-13-01\"");
    let err = Calendar::from_toml_str(&bad_string, "t.toml").unwrap_err();
    assert!(
        err.to_string().contains("invalid date `2031-13-01`"),
        "{err}"
    );

    let datetime = MINIMAL.replace("date = 2031-01-01", "date = 2031-01-01T08:00:00");
    let err = Calendar::from_toml_str(&datetime, "t.toml").unwrap_err();
    assert!(err.to_string().contains("plain date"), "{err}");
}

#[test]
fn add_and_replace_years_keep_the_run_unbroken() {
    let mut cal = Calendar::empty();
    assert_eq!(cal.range(), None);
    cal.add_year(table(2040)).unwrap();
    cal.add_year(table(2039)).unwrap();
    cal.add_year(table(2041)).unwrap();
    assert_eq!(cal.range(), Some((d(2039, 1, 1), d(2041, 12, 31))));
    assert_eq!(
        cal.add_year(table(2040)),
        Err(CalendarError::DuplicateYear { year: 2040 })
    );
    let err = cal.add_year(table(2043)).unwrap_err();
    assert!(
        matches!(err, CalendarError::Invalid { year: 2043, .. }),
        "{err}"
    );
    let err = cal.replace_year(table(2037)).unwrap_err();
    assert!(
        matches!(err, CalendarError::Invalid { year: 2037, .. }),
        "{err}"
    );

    let mut t = table(2040);
    t.days_off.push(DayOff {
        from: d(2040, 1, 2),
        to: d(2040, 1, 2),
        name_vi: "x".to_owned(),
        name_en: "x".to_owned(),
    });
    assert!(cal.is_working_day(d(2040, 1, 2)).unwrap());
    let old = cal.replace_year(t).unwrap();
    assert_eq!(old, Some(table(2040)));
    assert!(!cal.is_working_day(d(2040, 1, 2)).unwrap());
    assert_eq!(cal.replace_year(table(2042)).unwrap(), None);
    assert_eq!(cal.years().count(), 4);

    // An invalid table leaves the calendar unchanged.
    let before = cal.clone();
    let mut bad = table(2040);
    bad.working_weekend_days.push(SwapDay {
        date: d(2040, 1, 2),
        reason: "x".to_owned(),
    });
    assert!(cal.replace_year(bad).is_err());
    assert_eq!(cal, before);
}

#[test]
fn empty_calendar_reports_out_of_range() {
    let cal = Calendar::empty();
    let err = cal.is_working_day(d(2025, 1, 1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "date `2025-01-01` is outside the working-day calendar (it covers no year); help: add the year's table with Calendar::add_year"
    );
    assert!(!cal.covers(d(2025, 1, 1)));
}

#[test]
fn counting_past_the_end_names_the_first_uncovered_date() {
    let cal = bundled();
    let err = cal.add_working_days(d(2030, 12, 30), 5).unwrap_err();
    assert_eq!(
        err,
        CalendarError::OutOfRange {
            date: d(2031, 1, 1),
            first: Some(d(2020, 1, 1)),
            last: Some(d(2030, 12, 31)),
        }
    );
    assert!(cal.add_working_days(d(2030, 12, 30), u32::MAX).is_err());
    let err = cal.period_end_civil(NaiveDate::MAX, 1).unwrap_err();
    assert!(matches!(err, CalendarError::Overflow { n: 1, .. }), "{err}");
}

#[test]
fn offset_is_seven_hours() {
    assert_eq!(vn_offset().local_minus_utc(), VN_OFFSET_SECONDS);
    let instant = DateTime::parse_from_rfc3339("2025-01-31T17:00:00-00:00").unwrap();
    assert_eq!(local_date(&instant), d(2025, 2, 1));
    let instant = DateTime::parse_from_rfc3339("2025-02-01T06:59:59+09:00").unwrap();
    assert_eq!(local_date(&instant), d(2025, 2, 1));
    let instant = DateTime::parse_from_rfc3339("2025-02-01T06:59:59+14:00").unwrap();
    assert_eq!(local_date(&instant), d(2025, 1, 31));
}
