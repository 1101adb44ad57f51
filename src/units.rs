//! Parsing of the durations, times and sizes that options take, and writing numbers for people.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::UsageError;

/// `500ms`, `10s`, `1m`, `1h30m`, or a plain number of seconds; more than zero.
pub fn duration(option: &str, text: &str) -> Result<Duration, UsageError> {
    let text = text.trim();
    let parsed = match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(Duration::from_secs_f64(seconds)),
        _ => humantime::parse_duration(text).map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err(UsageError::new(format!("{option}: the duration must be more than zero"))),
        Err(e) => Err(UsageError::new(format!("{option}: {text:?} is not a duration like 500ms, 10s or 1m ({e})"))),
    }
}

/// Unix seconds, or an RFC 3339 time.
pub fn timestamp(option: &str, text: &str) -> Result<DateTime<Utc>, UsageError> {
    if let Ok(seconds) = text.trim().parse::<i64>() {
        return DateTime::from_timestamp(seconds, 0)
            .ok_or_else(|| UsageError::new(format!("{option}: {text} is out of range")));
    }
    DateTime::parse_from_rfc3339(text.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        UsageError::new(format!("{option}: {text:?} is neither Unix seconds nor RFC 3339 (2024-03-01T09:15:27Z)"))
    })
}

/// A size in bytes: `1048576`, `512KB`, `16MiB`, `50MB`, `1GiB` (KB/MB/GB are powers of 1000).
pub fn size(option: &str, text: &str) -> Result<usize, UsageError> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(UsageError::new(format!("{option}: {text:?} is not a size like 16MiB, 50MB or 1048576"))),
    };
    match number.parse::<f64>() {
        Ok(n) if n > 0.0 && (n * multiplier) < usize::MAX as f64 => Ok((n * multiplier) as usize),
        _ => Err(UsageError::new(format!("{option}: {text:?} is not a size like 16MiB, 50MB or 1048576"))),
    }
}

/// A size for people: `16 MiB`, `50.0 MB`, `512 B`.
pub fn human_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else if bytes >= 1024 && bytes % 1024 == 0 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

/// A number in decimal with leading zeros up to `width` digits, as `{:0width$}` writes it but
/// without the formatter's padding machinery: the listener writes clock digits for every
/// delivery and a time stamp for every capture.
pub fn push_padded(out: &mut String, value: u64, width: usize) {
    let mut digits = itoa::Buffer::new();
    let text = digits.format(value);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(text.len())));
    out.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_numbers_are_written_as_the_formatter_pads_them() {
        for (value, width) in [(0, 2), (7, 2), (42, 2), (999, 3), (5, 6), (1_234_567, 6), (12, 0)] {
            let mut out = String::new();
            push_padded(&mut out, value, width);
            assert_eq!(out, format!("{value:0width$}"));
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(size("x", "16MiB").unwrap(), 16 * 1024 * 1024);
        assert_eq!(size("x", "50MB").unwrap(), 50_000_000);
        assert_eq!(size("x", "1024").unwrap(), 1024);
        assert_eq!(size("x", "2 kib").unwrap(), 2048);
        assert!(size("x", "lots").is_err());
        assert!(size("x", "0").is_err());
        assert_eq!(human_size(16 * 1024 * 1024), "16 MiB");
    }

    #[test]
    fn durations_and_times() {
        assert_eq!(duration("x", "500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(duration("x", "2").unwrap(), Duration::from_secs(2));
        assert_eq!(duration("x", "1m").unwrap(), Duration::from_secs(60));
        assert!(duration("x", "0s").is_err());
        assert!(duration("x", "soon").is_err());
        assert_eq!(timestamp("x", "1700000000").unwrap().timestamp(), 1_700_000_000);
        assert_eq!(timestamp("x", "2024-03-01T09:15:27Z").unwrap().timestamp(), 1_709_284_527);
        assert!(timestamp("x", "yesterday").is_err());
    }
}
