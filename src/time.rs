//! Vietnam's one offset, UTC+07:00, and the conversion of instants to civil dates.

use chrono::{DateTime, FixedOffset, NaiveDate};

/// Vietnam's offset from UTC in seconds (UTC+07:00, no daylight saving).
pub const VN_OFFSET_SECONDS: i32 = 7 * 3600;

/// The civil date of an instant in Vietnam (UTC+07:00), whatever offset it was written with.
pub fn vn_date(at: &DateTime<FixedOffset>) -> NaiveDate {
    match FixedOffset::east_opt(VN_OFFSET_SECONDS) {
        Some(off) => at.with_timezone(&off).date_naive(),
        None => at.date_naive(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_to_vietnam_date() {
        let at = DateTime::parse_from_rfc3339("2025-01-24T18:30:00Z").unwrap();
        assert_eq!(vn_date(&at), NaiveDate::from_ymd_opt(2025, 1, 25).unwrap());
    }
}
