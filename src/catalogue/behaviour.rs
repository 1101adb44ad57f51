//! How a provider delivers, as data (`[delivery]` in a `provider.toml`): the per-attempt timeout,
//! the wait before each retry, what fails an attempt, what stops retrying, and where the figures
//! come from. `send --retry` follows it; `hookctl fixtures PROVIDER` shows it.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A duration written as people write it in a `provider.toml`: `30s`, `2m`, `120m`, `48h`, `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wait(pub Duration);

impl<'de> Deserialize<'de> for Wait {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_wait(&text)
            .map(Wait)
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for Wait {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// `30s`, `1h 4m`, `2d 7m 30s`: whole units, the zero ones left out.
impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut seconds = self.0.as_secs();
        if seconds == 0 {
            let millis = self.0.as_millis();
            return if millis == 0 {
                f.write_str("0s")
            } else {
                write!(f, "{millis}ms")
            };
        }
        let mut first = true;
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            let count = seconds / size;
            seconds %= size;
            if count > 0 {
                write!(f, "{}{count}{unit}", if first { "" } else { " " })?;
                first = false;
            }
        }
        Ok(())
    }
}

/// `30s`, `1m`, `2h`, or `0`.
pub fn parse_wait(text: &str) -> Result<Duration, String> {
    match text.trim() {
        "0" => Ok(Duration::ZERO),
        text => humantime::parse_duration(text)
            .map_err(|e| format!("{text:?} is not a duration like 30s, 2m or 1h: {e}")),
    }
}

/// An answer header that stops retries (Svix's `webhook-delivery: abort-message`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StopHeader {
    pub name: String,
    pub value: String,
}

/// Where a provider's delivery figures come from.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The provider documents them.
    #[default]
    Documented,
    /// Someone else reports them (an SDK, a mock, an integration guide); the provider does not.
    ThirdParty,
    /// The provider describes them only loosely; the figures are an approximation.
    Approximate,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Documented => "documented",
            Source::ThirdParty => "a third-party figure, not in the provider's documentation",
            Source::Approximate => "an approximation: the provider publishes no intervals",
        }
    }
}

/// The `[delivery]` table of a provider.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryBehaviour {
    /// How long the provider waits for an answer to one attempt; `None` where undocumented.
    #[serde(default)]
    pub timeout: Option<Wait>,
    /// The wait before each retry, in order (the first attempt goes at once).
    #[serde(default)]
    pub retries: Vec<Wait>,
    /// After `retries`, this wait repeats until `attempts` is reached.
    #[serde(default)]
    pub then_every: Option<Wait>,
    /// Attempts in all, the first included; default one more than `retries`.
    #[serde(default)]
    pub attempts: Option<u32>,
    /// What fails an attempt, as the provider says it.
    #[serde(default = "default_failure")]
    pub failure: String,
    /// Answers that stop retrying at once (Standard Webhooks: 410 disables the endpoint).
    #[serde(default)]
    pub stop_statuses: Vec<u16>,
    /// An answer header that stops retrying.
    #[serde(default)]
    pub stop_header: Option<StopHeader>,
    /// What the provider does once the last attempt failed.
    #[serde(default)]
    pub after_last: Option<String>,
    #[serde(default)]
    pub source: Source,
    /// Anything else a receiver should know (order, duplicates, manual redelivery).
    #[serde(default)]
    pub note: Option<String>,
}

fn default_failure() -> String {
    "a status outside the success rule, a timeout, or a connection error".into()
}

impl Default for DeliveryBehaviour {
    fn default() -> Self {
        DeliveryBehaviour {
            timeout: None,
            retries: Vec::new(),
            then_every: None,
            attempts: None,
            failure: default_failure(),
            stop_statuses: Vec::new(),
            stop_header: None,
            after_last: None,
            source: Source::Documented,
            note: None,
        }
    }
}

impl DeliveryBehaviour {
    /// Attempts in all, the first included.
    pub fn attempts(&self) -> u32 {
        self.attempts
            .unwrap_or(self.retries.len() as u32 + 1)
            .max(1)
    }

    /// The wait before each retry: `attempts() - 1` of them.
    pub fn schedule(&self) -> Vec<Duration> {
        let retries = self.attempts() as usize - 1;
        let repeat = self
            .then_every
            .or(self.retries.last().copied())
            .unwrap_or(Wait(Duration::ZERO));
        (0..retries)
            .map(|n| self.retries.get(n).copied().unwrap_or(repeat).0)
            .collect()
    }

    /// How long the whole schedule takes, attempts aside.
    pub fn span(&self) -> Duration {
        self.schedule().iter().sum()
    }

    /// Check the table once, when the catalogue loads.
    pub fn check(&self) -> Result<(), String> {
        if self.attempts == Some(0) {
            return Err("attempts must be at least 1".into());
        }
        if self.attempts() as usize > self.retries.len() + 1 && self.then_every.is_none() {
            return Err(format!(
                "{} attempts need {} waits: list them in retries or give then_every",
                self.attempts(),
                self.attempts() - 1
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_lists_its_waits_and_then_repeats_the_last() {
        let text = r#"retries = ["30s", "1m"]
            then_every = "2h"
            attempts = 5"#;
        let behaviour: DeliveryBehaviour = toml::from_str(text).unwrap();
        let minutes = |m: u64| Duration::from_secs(m * 60);
        assert_eq!(
            behaviour.schedule(),
            [
                Duration::from_secs(30),
                minutes(1),
                minutes(120),
                minutes(120)
            ]
        );
        assert_eq!(behaviour.span(), Duration::from_secs(30) + minutes(241));
        assert_eq!(
            DeliveryBehaviour::default().schedule(),
            Vec::<Duration>::new()
        );
        let short: DeliveryBehaviour = toml::from_str("attempts = 3\nretries = [\"1s\"]").unwrap();
        assert!(short.check().unwrap_err().contains("then_every"));
        assert!(toml::from_str::<DeliveryBehaviour>("retries = [\"soon\"]").is_err());
        assert_eq!(Wait(minutes(90)).to_string(), "1h 30m");
        assert_eq!(
            Wait(minutes(2 * 24 * 60 + 7) + Duration::from_secs(30)).to_string(),
            "2d 7m 30s"
        );
        assert_eq!(Wait(Duration::from_millis(250)).to_string(), "250ms");
    }
}
