//! The error type of the working-day calendar.

use chrono::NaiveDate;

/// Everything that can go wrong when loading or querying a [`Calendar`](super::Calendar).
///
/// Every message names what was wrong and, where there is one, how to fix it.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CalendarError {
    /// A date (asked for, or reached by counting) lies outside the years that
    /// the calendar has tables for.
    #[error(
        "date `{date}` is outside the working-day calendar ({}); help: add the year's table with Calendar::add_year",
        covered_text(*.first, *.last)
    )]
    OutOfRange {
        /// The date that is not covered.
        date: NaiveDate,
        /// The first covered date, if the calendar covers any.
        first: Option<NaiveDate>,
        /// The last covered date, if the calendar covers any.
        last: Option<NaiveDate>,
    },
    /// The calendar text is not valid TOML or does not have the expected shape.
    #[error("{origin}:{line}:{column}: invalid calendar data: {message}")]
    Parse {
        /// Where the text came from (a file name).
        origin: String,
        /// 1-based line of the error (0 when the parser gave no position).
        line: usize,
        /// 1-based column, in characters, of the error (0 when unknown).
        column: usize,
        /// The parser's description of the problem.
        message: String,
    },
    /// A year's table is well formed but breaks a rule of the calendar: a day
    /// off outside its year, a range whose start is after its end, a swapped
    /// working day that is not a Saturday or Sunday, a duplicate year in one
    /// file, a year that would leave a gap in the covered range, and so on.
    #[error("{origin}: year {year}: {message}")]
    Invalid {
        /// Where the table came from (a file name, or the method that received it).
        origin: String,
        /// The year whose table is wrong.
        year: i32,
        /// What is wrong, and how to fix it.
        message: String,
    },
    /// [`Calendar::add_year`](super::Calendar::add_year) was given a year the
    /// calendar already has.
    #[error(
        "the calendar already has a table for {year}; help: use Calendar::replace_year to replace it"
    )]
    DuplicateYear {
        /// The year that is already present.
        year: i32,
    },
    /// Date arithmetic overflowed the range of dates that can be represented.
    #[error("date arithmetic overflowed: {n} days from {start} cannot be represented")]
    Overflow {
        /// The date the count started from.
        start: NaiveDate,
        /// The number of days that were to be added.
        n: u32,
    },
}

fn covered_text(first: Option<NaiveDate>, last: Option<NaiveDate>) -> String {
    match (first, last) {
        (Some(first), Some(last)) => format!("covered: {first} to {last}"),
        _ => "it covers no year".to_owned(),
    }
}
