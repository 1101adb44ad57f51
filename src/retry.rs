//! Retrying a delivery the way its provider does (`send --retry`): the same delivery again after
//! each wait of the provider's schedule, re-signed with a fresh timestamp where the scheme signs
//! one, until an attempt succeeds, the schedule ends, or an answer stops it.

use std::time::Duration;

use crate::catalogue::behaviour::StopHeader;
use crate::client::Response;
use crate::scheme::{self, SchemeKind, SchemeOptions};

/// How one delivery is retried.
#[derive(Debug, Clone)]
pub(crate) struct RetryPolicy {
    /// The wait before the first attempt (`--schedule` may give one; the providers' are 0).
    pub first_delay: Duration,
    /// The wait before each attempt after the first, in the provider's time.
    pub schedule: Vec<Duration>,
    /// Every wait is divided by this (`--time-scale 3600`: an hour in a second).
    pub time_scale: f64,
    /// How long one attempt may take; `None` keeps the client's.
    pub timeout: Option<Duration>,
    pub stop_statuses: Vec<u16>,
    pub stop_header: Option<StopHeader>,
    /// Re-sign each attempt, where the scheme signs a timestamp.
    pub resign: Option<Resign>,
}

/// What re-signing an attempt needs.
#[derive(Debug, Clone)]
pub(crate) struct Resign {
    pub kind: SchemeKind,
    pub secret: String,
    pub options: SchemeOptions,
}

impl RetryPolicy {
    /// Attempts in all, the first included.
    pub(crate) fn attempts(&self) -> u32 {
        self.schedule.len() as u32 + 1
    }

    /// The wait before attempt `next` (2 for the first retry), real and scaled.
    pub(crate) fn wait_before(&self, next: u32) -> Option<(Duration, Duration)> {
        let real = *self.schedule.get(next.checked_sub(2)? as usize)?;
        Some((real, self.scaled(real)))
    }

    /// A wait of the provider's time as this run waits it.
    pub(crate) fn scaled(&self, real: Duration) -> Duration {
        if self.time_scale > 0.0 {
            real.div_f64(self.time_scale)
        } else {
            real
        }
    }

    /// Why retrying stops after this answer, if it does.
    pub(crate) fn stopped_by(&self, response: &Response) -> Option<String> {
        if self.stop_statuses.contains(&response.status) {
            return Some(format!("{} stops retries", response.status));
        }
        let header = self.stop_header.as_ref()?;
        response
            .headers
            .iter()
            .any(|(name, value)| {
                name.eq_ignore_ascii_case(&header.name)
                    && value.trim().eq_ignore_ascii_case(&header.value)
            })
            .then(|| format!("{}: {} stops retries", header.name, header.value))
    }

    /// Sign the next attempt with a fresh timestamp, where the scheme signs one.
    pub(crate) fn renew(
        &self,
        headers: &mut crate::delivery::Headers,
        body: &[u8],
        id: &str,
    ) -> Result<(), String> {
        let Some(resign) = &self.resign else {
            return Ok(());
        };
        let now = chrono::Utc::now().timestamp();
        scheme::resign(
            resign.kind,
            headers,
            body,
            &resign.secret,
            now,
            &resign.options,
            id,
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    }
}

/// Parse `--schedule`: the wait before each attempt, the first included (`0,5s,1m`).
pub(crate) fn parse_schedule(text: &str) -> Result<(Duration, Vec<Duration>), String> {
    let waits = text
        .split(',')
        .map(|part| {
            crate::catalogue::behaviour::parse_wait(part).map_err(|e| format!("--schedule: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    match waits.split_first() {
        Some((first, rest)) => Ok((*first, rest.to_vec())),
        None => Err("--schedule: give at least one wait".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_scaled_and_stops_are_read_from_the_answer() {
        let policy = RetryPolicy {
            first_delay: Duration::ZERO,
            schedule: vec![Duration::from_secs(30), Duration::from_secs(3600)],
            time_scale: 3600.0,
            timeout: None,
            stop_statuses: vec![410],
            stop_header: Some(StopHeader {
                name: "webhook-delivery".into(),
                value: "abort-message".into(),
            }),
            resign: None,
        };
        assert_eq!(policy.attempts(), 3);
        assert_eq!(policy.wait_before(1), None);
        assert_eq!(
            policy.wait_before(3),
            Some((Duration::from_secs(3600), Duration::from_secs(1)))
        );
        assert_eq!(policy.wait_before(4), None);
        let answer = |status, headers: Vec<(String, String)>| Response {
            status,
            elapsed: Duration::ZERO,
            location: None,
            headers,
            body: bytes::Bytes::new(),
        };
        assert!(policy.stopped_by(&answer(500, vec![])).is_none());
        assert!(policy.stopped_by(&answer(410, vec![])).is_some());
        let abort = vec![("Webhook-Delivery".to_string(), "abort-message".to_string())];
        assert!(policy
            .stopped_by(&answer(500, abort))
            .unwrap()
            .contains("abort-message"));
        assert_eq!(
            parse_schedule("0, 5s,1m").unwrap(),
            (
                Duration::ZERO,
                vec![Duration::from_secs(5), Duration::from_secs(60)]
            )
        );
        assert!(parse_schedule("0,soon").is_err());
    }
}
