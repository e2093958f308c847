//! Vietnam's one offset, UTC+07:00, and the conversion of instants to civil dates.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

/// Vietnam's offset from UTC in seconds (UTC+07:00, no daylight saving).
pub const VN_OFFSET_SECONDS: i32 = 7 * 3600;

/// The civil date of an instant in Vietnam (UTC+07:00), whatever offset it was written with.
pub fn vn_date(at: &DateTime<FixedOffset>) -> NaiveDate {
    match FixedOffset::east_opt(VN_OFFSET_SECONDS) {
        Some(off) => at.with_timezone(&off).date_naive(),
        None => at.date_naive(),
    }
}

/// Parses a timestamp as chrono's `DateTime<FixedOffset>` does (RFC 3339,
/// relaxed), with the same value, offset and error, quicker for the form
/// that case files use: `YYYY-MM-DDTHH:MM:SS` with `Z` or `±HH:MM`. That
/// form is read here; any other text, and any value of that form that is
/// not a valid time, is handed to chrono.
pub(crate) fn parse_timestamp(s: &str) -> Result<DateTime<FixedOffset>, chrono::ParseError> {
    canonical(s.as_bytes()).map_or_else(|| s.parse(), Ok)
}

/// The timestamp of `YYYY-MM-DDTHH:MM:SS` and `Z` or `±HH:MM` (hours below
/// 24, minutes below 60), when it is a valid one.
fn canonical(b: &[u8]) -> Option<DateTime<FixedOffset>> {
    // The number of the digits `b[range]`, all of them digits.
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return None;
    }
    let offset = match (b.len(), b.get(19)) {
        (20, Some(b'Z')) => 0,
        (25, Some(&sign @ (b'+' | b'-'))) if at(22, b':') => {
            let (h, m) = (num(20, 22)?, num(23, 25)?);
            if h >= 24 || m >= 60 {
                return None;
            }
            let secs = i32::try_from(h * 3600 + m * 60).ok()?;
            if sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    let time = chrono::NaiveTime::from_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?;
    FixedOffset::east_opt(offset)?
        .from_local_datetime(&date.and_time(time))
        .single()
}

/// A timestamp read by [`parse_timestamp`] (for serde's `deserialize_with`),
/// with chrono's error messages and expectation.
pub(crate) fn deserialize_timestamp<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<DateTime<FixedOffset>, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = DateTime<FixedOffset>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 formatted date and time string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            parse_timestamp(v).map_err(E::custom)
        }
    }
    d.deserialize_str(Visitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same value, offset and error as chrono's parser, on texts of the
    /// fast form (valid and not) and of the forms it hands to chrono.
    #[test]
    fn timestamps_parse_as_chrono_parses_them() {
        let mut texts = Vec::new();
        for (y, mo, d) in [
            (2025, 3, 3),
            (2024, 2, 29),
            (2025, 2, 29),
            (2025, 13, 1),
            (2025, 4, 31),
            (1, 1, 1),
            (9999, 12, 31),
            (2025, 0, 10),
        ] {
            for (h, mi, se) in [
                (9, 0, 0),
                (23, 59, 59),
                (24, 0, 0),
                (12, 60, 0),
                (12, 0, 60),
                (0, 0, 0),
            ] {
                let base = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}");
                for off in [
                    "Z", "+07:00", "-05:30", "+00:00", "-00:00", "+23:59", "+24:00", "+07:60",
                    "+99:00", "z", "+0700", " +07:00", "+07:00 ", "UTC", ".5+07:00", "",
                ] {
                    texts.push(format!("{base}{off}"));
                }
                texts.push(base.replace('T', " ") + "+07:00");
                texts.push(base.replace('T', "t") + "Z");
            }
        }
        texts.extend(
            [
                "",
                "2025",
                "2025-03-03",
                "x025-03-03T09:00:00Z",
                "2025-03-03T09:00:00+07:0x",
                "+2025-03-03T09:00:00Z",
                "12025-03-03T09:00:00Z",
                "2025-03-03T09:00:00+07:00\u{0}",
                "２０２５-03-03T09:00:00Z",
            ]
            .map(String::from),
        );
        let mut fast = 0;
        for t in &texts {
            let ours = parse_timestamp(t).map(|d| (d, d.offset().local_minus_utc()));
            let theirs = t
                .parse::<DateTime<FixedOffset>>()
                .map(|d| (d, d.offset().local_minus_utc()));
            assert_eq!(ours, theirs, "{t:?}");
            fast += usize::from(canonical(t.as_bytes()).is_some());
        }
        assert!(fast >= 60, "only {fast} texts took the fast form");
    }

    #[test]
    fn converts_to_vietnam_date() {
        let at = DateTime::parse_from_rfc3339("2025-01-24T18:30:00Z").unwrap();
        assert_eq!(vn_date(&at), NaiveDate::from_ymd_opt(2025, 1, 25).unwrap());
    }
}
