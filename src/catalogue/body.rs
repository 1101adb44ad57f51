//! How a provider writes its bodies, and which answers it counts as delivered.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::scheme::php_json;

/// How a provider writes its JSON bodies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyFormat {
    /// No whitespace (most providers).
    #[default]
    Compact,
    /// Two-space indentation (Stripe).
    Pretty,
    /// PHP `json_encode` with default flags (Treezor).
    Php,
}

impl BodyFormat {
    /// Write a value in this format.
    pub fn encode(self, value: &Value) -> Vec<u8> {
        match self {
            BodyFormat::Compact => {
                serde_json::to_vec(value).expect("a JSON value always serialises")
            }
            BodyFormat::Pretty => {
                serde_json::to_vec_pretty(value).expect("a JSON value always serialises")
            }
            BodyFormat::Php => php_json::encode(value),
        }
    }

    /// Write one JSON string as this format writes strings.
    pub fn write_string(self, out: &mut Vec<u8>, text: &str) {
        match self {
            BodyFormat::Php => php_json::write_string(out, text),
            BodyFormat::Compact | BodyFormat::Pretty => {
                serde_json::to_writer(&mut *out, text).expect("writing to a Vec cannot fail")
            }
        }
    }

    /// Write one JSON number as this format writes numbers.
    pub fn write_number(self, out: &mut Vec<u8>, number: &serde_json::Number) {
        match self {
            BodyFormat::Php => php_json::write_number(out, number),
            BodyFormat::Compact | BodyFormat::Pretty => {
                serde_json::to_writer(&mut *out, number).expect("writing to a Vec cannot fail")
            }
        }
    }
}

/// Which HTTP statuses a provider counts as "delivered".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusRule {
    /// Any status in these inclusive ranges.
    Ranges(Vec<(u16, u16)>),
}

impl StatusRule {
    /// Parse `2xx`, `200`, `200-204` or a comma-separated list of those.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for part in text.split(',').map(str::trim) {
            let bad =
                || format!("{part:?} is not a status, a class like 2xx, or a range like 200-299");
            let range =
                if let Some(class) = part.strip_suffix("xx").or_else(|| part.strip_suffix("XX")) {
                    let digit: u16 = class.parse().map_err(|_| bad())?;
                    if !(1..=5).contains(&digit) {
                        return Err(bad());
                    }
                    (digit * 100, digit * 100 + 99)
                } else if let Some((low, high)) = part.split_once('-') {
                    (
                        low.trim().parse().map_err(|_| bad())?,
                        high.trim().parse().map_err(|_| bad())?,
                    )
                } else {
                    let code: u16 = part.parse().map_err(|_| bad())?;
                    (code, code)
                };
            if range.0 < 100 || range.1 > 599 || range.0 > range.1 {
                return Err(bad());
            }
            ranges.push(range);
        }
        Ok(StatusRule::Ranges(ranges))
    }

    pub fn accepts(&self, status: u16) -> bool {
        let StatusRule::Ranges(ranges) = self;
        ranges
            .iter()
            .any(|(low, high)| (*low..=*high).contains(&status))
    }
}

impl fmt::Display for StatusRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let StatusRule::Ranges(ranges) = self;
        let parts: Vec<String> = ranges
            .iter()
            .map(|&(low, high)| match (low, high) {
                (l, h) if l == h => l.to_string(),
                (l, h) if l % 100 == 0 && h == l + 99 => format!("{}xx", l / 100),
                (l, h) => format!("{l}-{h}"),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

impl<'de> Deserialize<'de> for StatusRule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        StatusRule::parse(&text).map_err(serde::de::Error::custom)
    }
}
