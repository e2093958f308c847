//! The legal working-day calendar of Vietnam, for deadlines of public
//! administration.
//!
//! # What counts as a working day
//!
//! Monday to Friday, minus public holidays, Tết days off, compensatory days
//! off and swapped days off, plus every Saturday or Sunday declared a working
//! day ("làm bù"). The holidays are those of the Labour Code 2019 (Bộ luật Lao
//! động 45/2019/QH14) Art. 112: 1 January; Tết Âm lịch, 5 days; the Hùng
//! Kings' commemoration, 10th day of the 3rd lunar month; 30 April; 1 May;
//! 2 September and one adjacent day. A holiday falling on a weekly rest day is
//! compensated on the next working day. The exact days off of civil servants
//! (công chức) are announced each year, often with swapped working Saturdays.
//!
//! The days are data, one table per year, in `data/calendar/vn.toml` (bundled
//! with the crate; see [`Calendar::vietnam`]). Each table says where its days
//! come from and whether they were checked against the year's announcement
//! ([`YearTable::confirmed`]); unconfirmed years are projections from the rule.
//! A caller can add or replace years at run time ([`Calendar::add_year`],
//! [`Calendar::replace_year`]). The covered years are always one unbroken run.
//!
//! # Counting
//!
//! - [`Calendar::add_working_days`] counts working days with the first day not
//!   counted: Friday + 1 working day is the next Monday (if that is a working day).
//! - [`Calendar::period_end_civil`] follows the Civil Code 2015 (Bộ luật Dân sự
//!   91/2015/QH13) Arts. 147–148: the period starts the day after the
//!   triggering event, and a period whose last day is a weekly rest day or a
//!   holiday ends at the close of the next working day.
//!
//! Every query is O(1) through an index built when the calendar is loaded.
//! Dates outside the covered years are an error
//! ([`CalendarError::OutOfRange`]), never a guess.
//!
//! # Time zone
//!
//! Vietnam has one offset, UTC+07:00, without daylight saving time: see
//! [`VN_OFFSET_SECONDS`], [`vn_offset`] and [`local_date`].
//!
//! # Example
//!
//! ```
//! use accountable::calendar::Calendar;
//! use chrono::NaiveDate;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let cal = Calendar::vietnam();
//!     // Offices were closed from Sat 25 Jan to Sun 2 Feb 2025 for Tết.
//!     let friday = NaiveDate::from_ymd_opt(2025, 1, 24).ok_or("bad date")?;
//!     let due = cal.add_working_days(friday, 1)?;
//!     assert_eq!(due, NaiveDate::from_ymd_opt(2025, 2, 3).ok_or("bad date")?);
//!     let name = cal.day_off(NaiveDate::from_ymd_opt(2025, 1, 29).ok_or("bad date")?)?;
//!     assert_eq!(name.map(|d| d.name_en.as_str()), Some("Lunar New Year"));
//!     Ok(())
//! }
//! ```

mod error;
mod index;
mod table;

use std::sync::OnceLock;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, Offset, Utc};
use serde::Deserialize;

pub use error::CalendarError;
pub use table::{DayOff, SwapDay, YearTable};

use index::Index;

/// Vietnam's offset from UTC in seconds: UTC+07:00 all year (no daylight
/// saving time).
pub const VN_OFFSET_SECONDS: i32 = 7 * 3600;

/// Vietnam's offset from UTC, UTC+07:00, as a [`FixedOffset`].
///
/// ```
/// assert_eq!(accountable::calendar::vn_offset().local_minus_utc(), 7 * 3600);
/// ```
pub fn vn_offset() -> FixedOffset {
    match FixedOffset::east_opt(VN_OFFSET_SECONDS) {
        Some(offset) => offset,
        // Unreachable: 7 h is a valid offset. Fall back to UTC rather than panic.
        None => Utc.fix(),
    }
}

/// The calendar date in Vietnam (UTC+07:00) of an instant given in any offset.
///
/// ```
/// use accountable::calendar::local_date;
/// use chrono::{DateTime, NaiveDate};
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     // 18:30 UTC on 31 Dec 2024 is already 1 Jan 2025 in Hà Nội.
///     let instant = DateTime::parse_from_rfc3339("2024-12-31T18:30:00Z")?;
///     assert_eq!(local_date(&instant), NaiveDate::from_ymd_opt(2025, 1, 1).ok_or("bad date")?);
///     Ok(())
/// }
/// ```
pub fn local_date(instant: &DateTime<FixedOffset>) -> NaiveDate {
    instant.with_timezone(&vn_offset()).date_naive()
}

/// The bundled data file, embedded at compile time.
const BUNDLED: &str = include_str!("../../data/calendar/vn.toml");
/// The name the bundled file is reported under in errors.
const BUNDLED_ORIGIN: &str = "data/calendar/vn.toml";

/// The shape of a calendar file: a list of `[[year]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(default)]
    year: Vec<YearTable>,
}

/// A working-day calendar: year tables for an unbroken run of years, and an
/// index over every covered day.
///
/// Get Vietnam's with [`Calendar::vietnam`], or load one with
/// [`Calendar::from_toml_str`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Calendar {
    /// Sorted by year, contiguous, each valid.
    years: Vec<YearTable>,
    index: Index,
}

impl Calendar {
    /// Vietnam's calendar from the bundled `data/calendar/vn.toml` (2020–2030),
    /// parsed once on first use.
    ///
    /// The bundled file is checked by the crate's tests, so it parses; were it
    /// ever not to, this returns a calendar with no years (every query then
    /// gives [`CalendarError::OutOfRange`]) rather than panicking.
    ///
    /// ```
    /// use accountable::calendar::Calendar;
    ///
    /// assert_eq!(Calendar::vietnam().years().count(), 11);
    /// ```
    pub fn vietnam() -> &'static Calendar {
        static VIETNAM: OnceLock<Calendar> = OnceLock::new();
        VIETNAM.get_or_init(|| Calendar::from_toml_str(BUNDLED, BUNDLED_ORIGIN).unwrap_or_default())
    }

    /// A calendar with no years.
    pub fn empty() -> Calendar {
        Calendar::default()
    }

    /// Loads a calendar from TOML text shaped like `data/calendar/vn.toml`:
    /// `[[year]]` tables (see [`YearTable`]). `origin` names the text (a file
    /// name) in errors.
    ///
    /// ```
    /// use accountable::calendar::Calendar;
    /// use chrono::NaiveDate;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = Calendar::from_toml_str(
    ///         r#"
    ///         [[year]]
    ///         year = 2031
    ///         confirmed = false
    ///         source = "example"
    ///         days_off = [ { date = 2031-01-01, name_vi = "Tết Dương lịch", name_en = "New Year's Day" } ]
    ///         "#,
    ///         "example.toml",
    ///     )?;
    ///     assert!(!cal.is_working_day(NaiveDate::from_ymd_opt(2031, 1, 1).ok_or("bad date")?)?);
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`CalendarError::Parse`] with line and column when the text is not
    ///   TOML or not of that shape (an unknown key, a malformed date, ...);
    /// - [`CalendarError::Invalid`] when a table breaks a rule (see
    ///   [`YearTable::validate`]), a year appears twice, or the years leave a gap.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Calendar, CalendarError> {
        let file: CalendarFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((0, 0), |span| line_column(text, span.start));
            CalendarError::Parse {
                origin: origin.to_owned(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        let mut years = file.year;
        for table in &years {
            table.validate(origin)?;
        }
        years.sort_by_key(|t| t.year);
        for pair in years.windows(2) {
            if let [a, b] = pair {
                if a.year == b.year {
                    return Err(CalendarError::Invalid {
                        origin: origin.to_owned(),
                        year: a.year,
                        message: "the year has two tables; help: keep one".to_owned(),
                    });
                }
                if b.year != a.year.saturating_add(1) {
                    return Err(CalendarError::Invalid {
                        origin: origin.to_owned(),
                        year: b.year,
                        message: format!(
                            "the years {} to {} are missing; help: the covered years must be one unbroken run",
                            a.year.saturating_add(1),
                            b.year.saturating_sub(1)
                        ),
                    });
                }
            }
        }
        let index = Index::build(&years);
        Ok(Calendar { years, index })
    }

    /// Adds a year's table at run time, e.g. when next year's days off are
    /// announced. The year must be new and adjacent to the covered run (the
    /// year before the first or after the last), or the first of an empty
    /// calendar. To change a year already present, use
    /// [`Calendar::replace_year`].
    ///
    /// ```
    /// use accountable::calendar::{Calendar, YearTable};
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let mut cal = Calendar::vietnam().clone();
    ///     cal.add_year(YearTable {
    ///         year: 2031,
    ///         confirmed: false,
    ///         source: "my projection".to_owned(),
    ///         note: None,
    ///         days_off: Vec::new(),
    ///         working_weekend_days: Vec::new(),
    ///     })?;
    ///     assert_eq!(cal.years().count(), 12);
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`CalendarError::DuplicateYear`] when the year is already present;
    /// - [`CalendarError::Invalid`] when the table breaks a rule (see
    ///   [`YearTable::validate`]) or would leave a gap in the covered years.
    pub fn add_year(&mut self, table: YearTable) -> Result<(), CalendarError> {
        const ORIGIN: &str = "Calendar::add_year";
        table.validate(ORIGIN)?;
        if self.years.iter().any(|t| t.year == table.year) {
            return Err(CalendarError::DuplicateYear { year: table.year });
        }
        self.insert_adjacent(table, ORIGIN)
    }

    /// Replaces the table of a year already present (returning the old one),
    /// or adds it as [`Calendar::add_year`] does when the year is new (returning
    /// `None`).
    ///
    /// ```
    /// use accountable::calendar::{Calendar, YearTable};
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let mut cal = Calendar::vietnam().clone();
    ///     let mut y2030 = cal.years().find(|t| t.year == 2030).cloned().ok_or("no 2030")?;
    ///     y2030.confirmed = true;
    ///     y2030.source = "the 2030 announcement".to_owned();
    ///     let old = cal.replace_year(y2030)?;
    ///     assert!(old.is_some_and(|t| !t.confirmed));
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`CalendarError::Invalid`] when the table breaks a rule (see
    /// [`YearTable::validate`]), or is new and would leave a gap; the calendar
    /// is then unchanged.
    pub fn replace_year(&mut self, table: YearTable) -> Result<Option<YearTable>, CalendarError> {
        const ORIGIN: &str = "Calendar::replace_year";
        table.validate(ORIGIN)?;
        if let Some(slot) = self.years.iter_mut().find(|t| t.year == table.year) {
            let old = std::mem::replace(slot, table);
            self.index = Index::build(&self.years);
            return Ok(Some(old));
        }
        self.insert_adjacent(table, ORIGIN).map(|()| None)
    }

    fn insert_adjacent(&mut self, table: YearTable, origin: &str) -> Result<(), CalendarError> {
        match (self.years.first(), self.years.last()) {
            (Some(first), _) if first.year.checked_sub(1) == Some(table.year) => {
                self.years.insert(0, table);
            }
            (_, Some(last)) if last.year.checked_add(1) == Some(table.year) => {
                self.years.push(table);
            }
            (Some(first), Some(last)) => {
                return Err(CalendarError::Invalid {
                    origin: origin.to_owned(),
                    year: table.year,
                    message: format!(
                        "the calendar covers {} to {}, and {} would leave a gap; help: add the years in between first",
                        first.year, last.year, table.year
                    ),
                });
            }
            _ => self.years.push(table),
        }
        self.index = Index::build(&self.years);
        Ok(())
    }

    /// The year tables, in order of year.
    pub fn years(&self) -> impl Iterator<Item = &YearTable> {
        self.years.iter()
    }

    /// Whether `date` lies in a covered year.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.index.slot(date).is_some()
    }

    /// The first and last covered dates (1 January of the first year, 31
    /// December of the last), or `None` for an empty calendar.
    pub fn range(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((self.index.first()?, self.index.last()?))
    }

    /// Whether `date` is a working day.
    ///
    /// ```
    /// use accountable::calendar::Calendar;
    /// use chrono::NaiveDate;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     // Saturday 4 May 2024 was a swapped working day.
    ///     let sat = NaiveDate::from_ymd_opt(2024, 5, 4).ok_or("bad date")?;
    ///     assert!(Calendar::vietnam().is_working_day(sat)?);
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] when `date` is not covered.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        let i = self.slot(date)?;
        self.index
            .is_working(i)
            .ok_or_else(|| self.out_of_range(date))
    }

    /// Why `date` is a day off: the holiday, Tết or compensatory day that
    /// covers it (which may be a weekend day inside a holiday range). `None`
    /// for a working day or an ordinary weekend day.
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] when `date` is not covered.
    pub fn day_off(&self, date: NaiveDate) -> Result<Option<&DayOff>, CalendarError> {
        let i = self.slot(date)?;
        Ok(self.index.off(i).and_then(|(y, d)| {
            let y = usize::try_from(y).ok()?;
            let d = usize::try_from(d).ok()?;
            self.years.get(y)?.days_off.get(d)
        }))
    }

    /// The `n`-th working day strictly after `start` (the first day is not
    /// counted). With `n = 0`: `start` itself if it is a working day, else the
    /// next working day.
    ///
    /// ```
    /// use accountable::calendar::Calendar;
    /// use chrono::NaiveDate;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let friday = NaiveDate::from_ymd_opt(2024, 6, 7).ok_or("bad date")?;
    ///     let monday = NaiveDate::from_ymd_opt(2024, 6, 10).ok_or("bad date")?;
    ///     assert_eq!(Calendar::vietnam().add_working_days(friday, 1)?, monday);
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`CalendarError::OutOfRange`] when `start` is not covered, or the
    ///   result would lie past the last covered date;
    /// - [`CalendarError::Overflow`] if the count cannot be represented.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let i = self.slot(start)?;
        let Some(step) = n.checked_sub(1) else {
            return self.next_working_from(i, start);
        };
        let before = self.cum(i, start)?;
        let ordinal = usize::try_from(before)
            .ok()
            .zip(usize::try_from(step).ok())
            .and_then(|(a, b)| a.checked_add(b))
            .ok_or(CalendarError::Overflow { start, n })?;
        self.index
            .working_day(ordinal)
            .and_then(|j| self.index.date(j))
            .ok_or_else(|| self.past_end())
    }

    /// The number of working days `d` with `from < d <= to`; negative (the
    /// mirror count) when `to < from`; 0 when they are equal.
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] when either date is not covered.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<i64, CalendarError> {
        let a = self.slot(from)?;
        let b = self.slot(to)?;
        Ok(i64::from(self.cum(b, to)?) - i64::from(self.cum(a, from)?))
    }

    /// The first working day on or after `date`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] when `date` is not covered or no working
    /// day follows it within the covered years.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let i = self.slot(date)?;
        self.next_working_from(i, date)
    }

    /// The last day of a period of `days` calendar days under the Civil Code
    /// 2015 Arts. 147–148: the day of the triggering event (`start`) is not
    /// counted, so the period ends on `start + days`; if that is a weekly rest
    /// day or a holiday, it ends at the close of the next working day.
    ///
    /// Only the end needs to be covered: the calendar days themselves are
    /// counted without the tables.
    ///
    /// ```
    /// use accountable::calendar::Calendar;
    /// use chrono::NaiveDate;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     // 10 days from 20 Jan 2025 end on 30 Jan 2025, inside Tết: the period
    ///     // runs on to Monday 3 Feb 2025.
    ///     let start = NaiveDate::from_ymd_opt(2025, 1, 20).ok_or("bad date")?;
    ///     let end = Calendar::vietnam().period_end_civil(start, 10)?;
    ///     assert_eq!(end, NaiveDate::from_ymd_opt(2025, 2, 3).ok_or("bad date")?);
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`CalendarError::Overflow`] if `start + days` cannot be represented;
    /// - [`CalendarError::OutOfRange`] when the end is not covered or no
    ///   working day follows it within the covered years.
    pub fn period_end_civil(
        &self,
        start: NaiveDate,
        days: u32,
    ) -> Result<NaiveDate, CalendarError> {
        let end = start
            .checked_add_days(Days::new(u64::from(days)))
            .ok_or(CalendarError::Overflow { start, n: days })?;
        self.next_working_day(end)
    }

    fn slot(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        self.index.slot(date).ok_or_else(|| self.out_of_range(date))
    }

    fn cum(&self, i: usize, date: NaiveDate) -> Result<u32, CalendarError> {
        self.index.cum(i).ok_or_else(|| self.out_of_range(date))
    }

    /// The first working day on or after day number `i` (which is `date`).
    fn next_working_from(&self, i: usize, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        if self.index.is_working(i) == Some(true) {
            return Ok(date);
        }
        // `cum(i)` working days lie on or before day `i`, so the next one has
        // 0-based ordinal `cum(i)`.
        let ordinal = usize::try_from(self.cum(i, date)?).map_err(|_| self.past_end())?;
        self.index
            .working_day(ordinal)
            .and_then(|j| self.index.date(j))
            .ok_or_else(|| self.past_end())
    }

    fn out_of_range(&self, date: NaiveDate) -> CalendarError {
        CalendarError::OutOfRange {
            date,
            first: self.index.first(),
            last: self.index.last(),
        }
    }

    /// The error for a count that runs past the last covered date: it names
    /// the first date that is not covered.
    fn past_end(&self) -> CalendarError {
        let last = self.index.last();
        let date = last
            .and_then(|d| d.succ_opt())
            .or(last)
            .unwrap_or(NaiveDate::MAX);
        self.out_of_range(date)
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for (at, ch) in text.char_indices() {
        if at >= offset {
            break;
        }
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests;
