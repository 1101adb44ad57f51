//! Parsing of the durations, times and sizes that options take, and writing numbers for people.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::UsageError;

/// `500ms`, `10s`, `1m`, `1h30m`, or a plain number of seconds; more than zero.
pub(crate) fn duration(option: &str, text: &str) -> Result<Duration, UsageError> {
    let text = text.trim();
    let parsed = match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => humantime::parse_duration(text).map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err(UsageError::new(format!(
            "{option}: the duration must be more than zero"
        ))),
        Err(e) => Err(UsageError::new(format!(
            "{option}: {text:?} is not a duration like 500ms, 10s or 1m ({e})"
        ))),
    }
}

/// Unix seconds, or an RFC 3339 time.
pub(crate) fn timestamp(option: &str, text: &str) -> Result<DateTime<Utc>, UsageError> {
    if let Ok(seconds) = text.trim().parse::<i64>() {
        return DateTime::from_timestamp(seconds, 0)
            .ok_or_else(|| UsageError::new(format!("{option}: {text} is out of range")));
    }
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            UsageError::new(format!(
                "{option}: {text:?} is neither Unix seconds nor RFC 3339 (2024-03-01T09:15:27Z)"
            ))
        })
}

/// A size in bytes: `1048576`, `512KB`, `16MiB`, `50MB`, `1GiB` (KB/MB/GB are powers of 1000).
pub(crate) fn size(option: &str, text: &str) -> Result<usize, UsageError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(UsageError::new(format!(
                "{option}: {text:?} is not a size like 16MiB, 50MB or 1048576"
            )))
        }
    };
    match number.parse::<f64>() {
        Ok(n) if n > 0.0 && (n * multiplier) < usize::MAX as f64 => Ok((n * multiplier) as usize),
        _ => Err(UsageError::new(format!(
            "{option}: {text:?} is not a size like 16MiB, 50MB or 1048576"
        ))),
    }
}

/// Value parsers for clap: the option's name comes from clap's own error.
pub(crate) mod values {
    use std::time::Duration;

    use chrono::{DateTime, Utc};

    fn plain(error: crate::error::UsageError) -> String {
        error
            .0
            .split_once(": ")
            .map_or(error.0.clone(), |(_, why)| why.to_string())
    }

    pub(crate) fn duration(text: &str) -> Result<Duration, String> {
        super::duration("", text).map_err(plain)
    }

    pub(crate) fn timestamp(text: &str) -> Result<DateTime<Utc>, String> {
        super::timestamp("", text).map_err(plain)
    }

    pub(crate) fn size(text: &str) -> Result<usize, String> {
        super::size("", text).map_err(plain)
    }

    pub(crate) fn status_rule(text: &str) -> Result<crate::catalogue::StatusRule, String> {
        crate::catalogue::StatusRule::parse(text)
    }

    /// `Name: value`, a name and value that a header can carry.
    pub(crate) fn header(text: &str) -> Result<(String, String), String> {
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not `Name: value`"))?;
        let (name, value) = (name.trim(), value.trim());
        hyper::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{name:?} is not a header name"))?;
        hyper::header::HeaderValue::from_str(value)
            .map_err(|_| format!("the value of {name} has characters a header cannot carry"))?;
        Ok((name.to_string(), value.to_string()))
    }

    pub(crate) fn filter(text: &str) -> Result<super::Filter, String> {
        super::Filter::parse(text)
    }

    /// `50`, `50/s` or `600/m`: requests per second.
    pub(crate) fn rate(text: &str) -> Result<f64, String> {
        let bad = || format!("{text:?} is not like 50/s or 600/m");
        let (number, per) = match text.split_once('/') {
            Some((n, unit)) => (n, unit.trim()),
            None => (text, "s"),
        };
        let seconds = match per {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            _ => return Err(bad()),
        };
        match number.trim().parse::<f64>() {
            Ok(n) if n > 0.0 && n.is_finite() => Ok(n / seconds),
            _ => Err(bad()),
        }
    }
}

/// `--filter`: `provider`, `event` or `provider:event`, each part a glob (`*`, `?`, `[…]`, `{a,b}`),
/// case-insensitive; compiled once, before any capture is read.
#[derive(Debug, Clone)]
pub struct Filter {
    /// `provider:event`: both must match.
    pair: Option<(globset::GlobMatcher, globset::GlobMatcher)>,
    /// A single pattern: the provider or the event may match.
    either: Option<globset::GlobMatcher>,
}

impl Filter {
    pub fn parse(text: &str) -> Result<Filter, String> {
        let glob = |pattern: &str| {
            globset::GlobBuilder::new(pattern)
                .case_insensitive(true)
                .build()
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("{pattern:?} is not a glob: {e}"))
        };
        Ok(match text.split_once(':') {
            Some((provider, event)) => Filter {
                pair: Some((glob(provider)?, glob(event)?)),
                either: None,
            },
            None => Filter {
                pair: None,
                either: Some(glob(text)?),
            },
        })
    }

    pub fn matches(&self, provider: &str, event: &str) -> bool {
        match (&self.pair, &self.either) {
            (Some((p, e)), _) => p.is_match(provider) && e.is_match(event),
            (None, Some(either)) => either.is_match(provider) || either.is_match(event),
            (None, None) => false,
        }
    }
}

/// A size for people: `16 MiB`, `50.0 MB`, `512 B`.
pub(crate) fn human_size(bytes: usize) -> String {
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
pub(crate) fn push_padded(out: &mut String, value: u64, width: usize) {
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
        for (value, width) in [
            (0, 2),
            (7, 2),
            (42, 2),
            (999, 3),
            (5, 6),
            (1_234_567, 6),
            (12, 0),
        ] {
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
        assert_eq!(
            timestamp("x", "1700000000").unwrap().timestamp(),
            1_700_000_000
        );
        assert_eq!(
            timestamp("x", "2024-03-01T09:15:27Z").unwrap().timestamp(),
            1_709_284_527
        );
        assert!(timestamp("x", "yesterday").is_err());
    }

    #[test]
    fn rates_and_filters() {
        assert_eq!(values::rate("50").unwrap(), 50.0);
        assert_eq!(values::rate("50/s").unwrap(), 50.0);
        assert_eq!(values::rate("600/m").unwrap(), 10.0);
        assert!(values::rate("fast").is_err());
        assert!(values::rate("0").is_err());
        let filter = |text| Filter::parse(text).unwrap();
        assert!(filter("treezor:payin.*").matches("treezor", "payin.update"));
        assert!(!filter("treezor:payin.*").matches("treezor", "payinrefund.update"));
        assert!(filter("*refund*").matches("treezor", "payinrefund.update"));
        assert!(filter("pay?n.update").matches("treezor", "payin.update"));
        assert!(filter("STRIPE").matches("stripe", "charge.succeeded"));
        assert!(!filter("stripe").matches("stripes", "x"));
        assert!(filter("{github,stripe}:*").matches("github", "push"));
        assert!(Filter::parse("[unclosed").is_err());
    }
}
