//! The per-year tables of days off and swapped working days, as stored in
//! `data/calendar/vn.toml`, and the rules a table must satisfy.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::CalendarError;

/// The days off and swapped working days of one calendar year.
///
/// In TOML (see `data/calendar/vn.toml`):
///
/// ```toml
/// [[year]]
/// year = 2024
/// confirmed = true
/// source = "press reports of the announcement"
/// days_off = [
///   { date = 2024-01-01, name_vi = "Tết Dương lịch", name_en = "New Year's Day" },
///   { from = 2024-02-08, to = 2024-02-14, name_vi = "Tết Nguyên đán", name_en = "Lunar New Year" },
/// ]
/// working_weekend_days = [ { date = 2024-05-04, reason = "làm bù for Mon 29 Apr 2024" } ]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearTable {
    /// The Gregorian year the table is for.
    pub year: i32,
    /// `true` when the days were checked against the year's official
    /// announcement (or reports of it); `false` for a projection from the rule.
    pub confirmed: bool,
    /// Where the days come from: the announcement, or the rule projected.
    pub source: String,
    /// Anything a reader should know about the year (what was not confirmed,
    /// which choices a projection made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The days on which offices are closed although they are Monday to Friday
    /// (holidays, Tết, compensatory and swapped days off). A range may include
    /// the weekend days inside it.
    #[serde(default)]
    pub days_off: Vec<DayOff>,
    /// Saturdays and Sundays declared working days ("làm bù").
    #[serde(default)]
    pub working_weekend_days: Vec<SwapDay>,
}

/// A public holiday, Tết break, compensatory or swapped day off: a range of
/// consecutive dates, both ends included.
///
/// In TOML a single day may be written `date = 2025-01-01` instead of
/// `from = ..., to = ...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawDayOff", into = "RawDayOff")]
pub struct DayOff {
    /// The first day off.
    pub from: NaiveDate,
    /// The last day off (inclusive).
    pub to: NaiveDate,
    /// The Vietnamese name (e.g. "Tết Nguyên đán").
    pub name_vi: String,
    /// The English name (e.g. "Lunar New Year").
    pub name_en: String,
}

impl DayOff {
    /// Whether `date` lies in this range (both ends included).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// A Saturday or Sunday declared a working day, usually in exchange for a
/// weekday taken off to make a holiday longer ("làm bù").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwapDay {
    /// The weekend date that is a working day.
    #[serde(with = "date_serde")]
    pub date: NaiveDate,
    /// Why (which weekday off it compensates, and the announcement).
    pub reason: String,
}

/// The file form of a [`DayOff`]: either `date`, or `from` and `to`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDayOff {
    #[serde(
        default,
        with = "opt_date_serde",
        skip_serializing_if = "Option::is_none"
    )]
    date: Option<NaiveDate>,
    #[serde(
        default,
        with = "opt_date_serde",
        skip_serializing_if = "Option::is_none"
    )]
    from: Option<NaiveDate>,
    #[serde(
        default,
        with = "opt_date_serde",
        skip_serializing_if = "Option::is_none"
    )]
    to: Option<NaiveDate>,
    name_vi: String,
    name_en: String,
}

impl TryFrom<RawDayOff> for DayOff {
    type Error = String;

    fn try_from(raw: RawDayOff) -> Result<Self, Self::Error> {
        let (from, to) = match (raw.date, raw.from, raw.to) {
            (Some(date), None, None) => (date, date),
            (None, Some(from), Some(to)) => (from, to),
            _ => {
                return Err(format!(
                    "day off `{}`: give either `date`, or both `from` and `to`",
                    raw.name_en
                ));
            }
        };
        Ok(DayOff {
            from,
            to,
            name_vi: raw.name_vi,
            name_en: raw.name_en,
        })
    }
}

impl From<DayOff> for RawDayOff {
    fn from(day: DayOff) -> Self {
        let (date, from, to) = if day.from == day.to {
            (Some(day.from), None, None)
        } else {
            (None, Some(day.from), Some(day.to))
        };
        RawDayOff {
            date,
            from,
            to,
            name_vi: day.name_vi,
            name_en: day.name_en,
        }
    }
}

/// Dates are written as strings `YYYY-MM-DD` and read from either such a
/// string or a TOML local date (`2025-01-01` without quotes).
mod date_serde {
    use chrono::NaiveDate;
    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt;

    pub(super) fn serialize<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(date)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        d.deserialize_any(DateVisitor)
    }

    struct DateVisitor;

    impl<'de> Visitor<'de> for DateVisitor {
        type Value = NaiveDate;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a date YYYY-MM-DD")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<NaiveDate, E> {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|e| E::custom(format!("invalid date `{v}` ({e}): expected YYYY-MM-DD")))
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NaiveDate, A::Error> {
            let dt =
                toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
            match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                        .ok_or_else(|| de::Error::custom(format!("invalid date `{dt}`")))
                }
                _ => Err(de::Error::custom(format!(
                    "expected a plain date YYYY-MM-DD, found `{dt}` (a time or offset is not allowed)"
                ))),
            }
        }
    }
}

/// [`date_serde`] for optional fields.
mod opt_date_serde {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(serde::Deserialize)]
    struct Wrap(#[serde(with = "super::date_serde")] NaiveDate);

    pub(super) fn serialize<S: Serializer>(
        date: &Option<NaiveDate>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => s.collect_str(date),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        Wrap::deserialize(d).map(|Wrap(date)| Some(date))
    }
}

impl YearTable {
    /// Checks the rules every table must satisfy: every day off and swapped
    /// working day lies in `year`; `from <= to`; days off do not overlap; a
    /// swapped working day is a Saturday or Sunday, is not inside a day off,
    /// and is listed once.
    ///
    /// `origin` names where the table came from, for the error.
    ///
    /// # Errors
    ///
    /// [`CalendarError::Invalid`] naming the first rule broken.
    pub fn validate(&self, origin: &str) -> Result<(), CalendarError> {
        let invalid = |message: String| CalendarError::Invalid {
            origin: origin.to_owned(),
            year: self.year,
            message,
        };
        if NaiveDate::from_ymd_opt(self.year, 1, 1).is_none()
            || NaiveDate::from_ymd_opt(self.year, 12, 31).is_none()
        {
            return Err(invalid(format!(
                "the year {} cannot be represented",
                self.year
            )));
        }
        for day in &self.days_off {
            if day.from > day.to {
                return Err(invalid(format!(
                    "day off `{}` starts on {} after it ends on {}; help: swap `from` and `to`",
                    day.name_en, day.from, day.to
                )));
            }
            if day.from.year() != self.year || day.to.year() != self.year {
                return Err(invalid(format!(
                    "day off `{}` ({} to {}) is not inside {}; help: list it under the year it falls in",
                    day.name_en, day.from, day.to, self.year
                )));
            }
        }
        let mut sorted: Vec<&DayOff> = self.days_off.iter().collect();
        sorted.sort_by_key(|d| d.from);
        for pair in sorted.windows(2) {
            if let [a, b] = pair
                && b.from <= a.to
            {
                return Err(invalid(format!(
                    "days off `{}` ({} to {}) and `{}` ({} to {}) overlap; help: merge or split them",
                    a.name_en, a.from, a.to, b.name_en, b.from, b.to
                )));
            }
        }
        let mut seen: Vec<NaiveDate> = Vec::with_capacity(self.working_weekend_days.len());
        for swap in &self.working_weekend_days {
            if swap.date.year() != self.year {
                return Err(invalid(format!(
                    "swapped working day {} is not inside {}",
                    swap.date, self.year
                )));
            }
            if !matches!(swap.date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(invalid(format!(
                    "swapped working day {} is a {}, not a Saturday or Sunday; help: only weekend days can be declared working days",
                    swap.date,
                    swap.date.weekday()
                )));
            }
            if let Some(day) = self.days_off.iter().find(|d| d.contains(swap.date)) {
                return Err(invalid(format!(
                    "swapped working day {} lies inside the day off `{}` ({} to {})",
                    swap.date, day.name_en, day.from, day.to
                )));
            }
            if seen.contains(&swap.date) {
                return Err(invalid(format!(
                    "swapped working day {} is listed twice",
                    swap.date
                )));
            }
            seen.push(swap.date);
        }
        Ok(())
    }
}
