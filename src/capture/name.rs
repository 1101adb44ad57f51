//! Capture file names: `<UTC time>-<sequence>-<provider>-<event>.json`, so that sorting names
//! sorts by arrival. Names are built only from the clock, the sequence and catalogue names, never
//! from request data.

use chrono::{DateTime, Utc};

use crate::units;

/// A capture's file name: arrival time, sequence, provider, event (`unknown` for those missing).
/// Built piece by piece rather than with `format!`: a listener names a file for every delivery.
pub fn file_name(
    received_at: DateTime<Utc>,
    sequence: u64,
    provider: Option<&str>,
    event: Option<&str>,
) -> String {
    let (provider, event) = (
        safe(provider.unwrap_or("unknown")),
        safe(event.unwrap_or("unknown")),
    );
    let mut name = String::with_capacity(40 + provider.len() + event.len());
    push_stamp(&mut name, received_at);
    name.push('-');
    units::push_padded(&mut name, sequence, 6);
    for part in ["-", &provider, "-", &event, ".json"] {
        name.push_str(part);
    }
    name
}

/// `20261123T191527.123456Z`: UTC to the microsecond, so that names sort by arrival; what chrono
/// writes for `%Y%m%dT%H%M%S%.6fZ`, without reading that format string anew for every capture.
fn push_stamp(out: &mut String, at: DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    if !(0..=9999).contains(&at.year()) {
        out.push_str(&at.format("%Y%m%dT%H%M%S%.6fZ").to_string());
        return;
    }
    // During a leap second the nanoseconds run past a billion: chrono shows it as second 60.
    let (leap, nanos) = (
        at.nanosecond() / 1_000_000_000,
        at.nanosecond() % 1_000_000_000,
    );
    let date = [(at.year() as u32, 4), (at.month(), 2), (at.day(), 2)];
    let time = [(at.hour(), 2), (at.minute(), 2), (at.second() + leap, 2)];
    for (part, separator) in [(date, 'T'), (time, '.')] {
        for (value, width) in part {
            units::push_padded(out, u64::from(value), width);
        }
        out.push(separator);
    }
    units::push_padded(out, u64::from(nanos / 1_000), 6);
    out.push('Z');
}

/// Keep only characters that are safe in a file name on every system.
fn safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    if trimmed.is_empty() {
        "unknown".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tests::sample;

    #[test]
    fn stamps_are_written_as_chrono_writes_them() {
        let formats = |at: DateTime<Utc>| {
            let mut stamp = String::new();
            push_stamp(&mut stamp, at);
            assert_eq!(stamp, at.format("%Y%m%dT%H%M%S%.6fZ").to_string(), "{at:?}");
        };
        for seconds in [
            0,
            1,
            59,
            86_399,
            951_782_400,
            1_764_460_800,
            4_102_444_799,
            253_402_300_799,
        ] {
            for micros in [0, 1, 9, 10, 123_456, 999_999] {
                formats(DateTime::from_timestamp(seconds, micros * 1_000 + 789).unwrap());
            }
        }
        // A leap second.
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000);
        formats(leap.unwrap().and_utc());
        // Beyond year 9999 chrono's own format is used.
        formats(DateTime::from_timestamp(253_402_300_800, 0).unwrap());
    }

    #[test]
    fn names_sort_by_arrival_and_never_escape_the_folder() {
        let capture = sample();
        let name = capture.file_name(7);
        assert_eq!(
            name,
            "20261123T191527.123456Z-000007-treezor-_.._etc_passwd.json"
        );
        assert!(!name.contains('/'));
    }
}
