//! The cases that are more than one forgery or one variant: replays (with the oracle), raw
//! bodies, the unsigned envelope, the leak search and the timing comparison.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use super::{Answered, Genuine, Grade, Probe};
use crate::delivery::Delivery;
use crate::scheme::forge;

/// The body of `oversized-body`.
const OVERSIZED: usize = 5 << 20;
/// Requests of each kind `--timing` interleaves.
const TIMING_ROUNDS: usize = 200;

/// Cases that need no secret: replays of unsigned deliveries, and hygiene.
pub(super) async fn unsigned_case(probe: &mut Probe, id: &'static str, fresh: &Genuine) {
    match id {
        "replayed-delivery" | "retried-delivery" => {
            let url = probe.config.url.to_string();
            replay_case(probe, id, "", &url).await
        }
        "oversized-body" => {
            let url = probe.config.url.to_string();
            raw_case(probe, id, fresh, "", &url).await
        }
        _ => {
            let mut worst: Option<(Grade, String, Option<Answered>)> = None;
            let mut answers = Vec::new();
            for method in ["GET", "PUT"] {
                let delivery = Delivery {
                    method: method.into(),
                    ..fresh.delivery.clone()
                };
                let (grade, why, answer) = match probe.send(id, &delivery, &[]).await {
                    Ok(answer) if (200..300).contains(&answer.status) => (
                        Grade::Warn,
                        format!("{method} was answered {}", answer.status),
                        Some(answer),
                    ),
                    Ok(answer) if matches!(answer.status, 404 | 405) => (
                        Grade::Pass,
                        format!("{method} was answered {}", answer.status),
                        Some(answer),
                    ),
                    Ok(answer) => (
                        Grade::Info,
                        format!("{method} was answered {}", answer.status),
                        Some(answer),
                    ),
                    Err(error) => (Grade::Info, format!("no answer to {method}: {error}"), None),
                };
                answers.push(why.clone());
                let rank = |g: Grade| {
                    [Grade::Pass, Grade::Info, Grade::Warn]
                        .iter()
                        .position(|r| *r == g)
                };
                if worst
                    .as_ref()
                    .is_none_or(|(g, _, _)| rank(grade) >= rank(*g))
                {
                    worst = Some((grade, why, answer));
                }
            }
            let (grade, _, answer) = worst.expect("two methods were tried");
            let why = answers.join("; ");
            let result = probe.result(
                id,
                grade,
                "GET and PUT with a valid delivery".into(),
                "405",
                why,
            );
            probe.graded(
                id,
                result,
                answer,
                "accept deliveries on POST only; answer other methods 405",
            );
        }
    }
}

pub(super) async fn replay_case(probe: &mut Probe, id: &'static str, secret: &str, url: &str) {
    // A delivery of its own, so that its count is this case's alone.
    let Ok(original) = probe.genuine(None, None) else {
        return probe.not_applicable(id, "cannot build a delivery");
    };
    let (label, again) = if id == "replayed-delivery" {
        (
            "the same bytes twice".to_string(),
            original.delivery.clone(),
        )
    } else {
        let later = original.timestamp + 1;
        let resent = if secret.is_empty() {
            Ok(original.delivery.clone())
        } else {
            probe.signed(&original, &original.unsigned, secret, later, url)
        };
        match resent {
            Ok(delivery) => (
                "the same id twice, the second re-signed a second later".to_string(),
                delivery,
            ),
            Err(_) => return probe.not_applicable(id, "the delivery cannot be signed again"),
        }
    };
    let first = probe.send(id, &original.delivery, &[]).await;
    let second = probe.send(id, &again, &[]).await;
    let answer = second.as_ref().ok().cloned();
    let statuses = |r: &Result<Answered, String>| {
        r.as_ref()
            .map_or_else(|e| e.clone(), |a| a.status.to_string())
    };
    let answers = format!("answered {} then {}", statuses(&first), statuses(&second));
    let (grade, why) = match probe.oracle(&original.id).await {
        None => (
            Grade::Info,
            format!("{answers}; give --oracle to know how many times it was processed"),
        ),
        Some(Ok(1)) => (Grade::Pass, format!("{answers}; processed once")),
        Some(Ok(0)) => (
            Grade::Info,
            format!("{answers}; the oracle says it was never processed"),
        ),
        Some(Ok(n)) => (Grade::Fail, format!("{answers}; processed {n} times")),
        Some(Err(why)) => (Grade::Info, format!("{answers}; {why}")),
    };
    let result = probe.result(id, grade, label, "processed once", why);
    probe.graded(id, result, answer, "keep the ids of processed deliveries (the provider's idempotency key) and process each once; answer 200 to a duplicate");
}

pub(super) async fn raw_case(
    probe: &mut Probe,
    id: &'static str,
    fresh: &Genuine,
    secret: &str,
    url: &str,
) {
    let kind = probe.kind();
    let (label, body) = if id == "invalid-utf8" {
        if kind.in_body().is_some() || kind.encrypts() {
            return probe.not_applicable(id, "the scheme signs a decoded form of the body");
        }
        let mut body = fresh.unsigned.to_vec();
        body.splice(1..1, [0xff, 0xfe, 0xc3]);
        ("a body with bytes that are not UTF-8".to_string(), body)
    } else {
        let Some(padded) = pad_json(&fresh.unsigned, OVERSIZED) else {
            return probe.not_applicable(id, "the body is not a JSON object");
        };
        (format!("a {} MiB body", OVERSIZED >> 20), padded)
    };
    let delivery = if secret.is_empty() {
        Ok(Delivery {
            body: Bytes::from(body),
            ..fresh.delivery.clone()
        })
    } else {
        probe.signed(fresh, &body, secret, fresh.timestamp, url)
    };
    let Ok(delivery) = delivery else {
        return probe.not_applicable(id, "the scheme cannot sign such a body");
    };
    let (grade, why, answer) = match probe.send(id, &delivery, &[]).await {
        Ok(answer) if probe.crashed(answer.status) => (
            Grade::Warn,
            format!("answered {}", answer.status),
            Some(answer),
        ),
        Ok(answer) => (
            Grade::Pass,
            format!("answered {}", answer.status),
            Some(answer),
        ),
        Err(error) => (Grade::Warn, format!("no answer: {error}"), None),
    };
    let advice = if id == "invalid-utf8" {
        "verify the bytes before decoding them as text, and answer 400 to what is not UTF-8"
    } else {
        "limit the body size and answer 413 beyond it"
    };
    let result = probe.result(id, grade, label, "no 5xx", why);
    probe.graded(id, result, answer, advice);
}

pub(super) async fn envelope_case(probe: &mut Probe, id: &'static str, fresh: &Genuine) {
    let Some(in_body) = probe.kind().in_body() else {
        return probe.not_applicable(id, "the scheme's signature covers the whole delivery");
    };
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&fresh.delivery.body)
    else {
        return probe.not_applicable(id, "the body is not a JSON object");
    };
    let spec = &probe.config.provider.spec;
    let other_event = probe
        .config
        .provider
        .events
        .iter()
        .map(|e| e.name.clone())
        .find(|n| *n != probe.config.event.name);
    let swapped_id = uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string();
    for (key, value) in fields.iter_mut() {
        if key == in_body.covers || key == in_body.field {
            continue;
        }
        if spec.event_path.as_deref() == Some(key.as_str()) {
            if let Some(event) = &other_event {
                *value = Value::String(event.clone());
            }
        } else if spec.id_path.as_deref() == Some(key.as_str()) {
            *value = Value::String(swapped_id.clone());
        } else if let Value::String(text) = value {
            text.push_str("-swapped");
        }
    }
    let body = crate::catalogue::BodyFormat::Php.encode(&Value::Object(fields));
    let delivery = Delivery {
        body: Bytes::from(body),
        ..fresh.delivery.clone()
    };
    // The genuine delivery first, then its payload and signature in another envelope: a receiver
    // that takes the envelope's id or event processes the second as a new delivery.
    let _ = probe.send(id, &fresh.delivery, &[]).await;
    let answer = probe.send(id, &delivery, &[]).await.ok();
    let status = answer
        .as_ref()
        .map_or("no answer".to_string(), |a| a.status.to_string());
    let (grade, why) = match probe.oracle(&swapped_id).await {
        Some(Ok(n)) if n > 0 => (
            Grade::Fail,
            format!("answered {status}; the receiver acted on the swapped event {n} times"),
        ),
        Some(Ok(_)) => (
            Grade::Pass,
            format!("answered {status}; the swapped event was not acted on"),
        ),
        _ => (
            Grade::Info,
            format!(
                "answered {status}: only {} is signed, so the envelope could be anything",
                in_body.covers
            ),
        ),
    };
    let sent = format!(
        "a valid {} and signature, the other fields changed",
        in_body.covers
    );
    let mut result = probe.result(id, grade, sent, "only the signed payload trusted", why);
    result.answer = answer;
    result.advice = Some(format!(
        "never trust the fields outside {}: take the event, ids and times from the payload",
        in_body.covers
    ));
    probe.record(result);
}

pub(super) fn leak_case(probe: &mut Probe, id: &'static str) {
    let result = if !probe.leaks.is_empty() {
        let found: Vec<String> = probe
            .leaks
            .iter()
            .map(|(case, what)| format!("{what} in the answer to {case}"))
            .collect();
        let mut result = probe.result(
            id,
            Grade::Fail,
            "every rejection searched".into(),
            "nothing secret shown",
            found.join("; "),
        );
        result.advice =
            Some("say only that verification failed (401); never show the expected signature or the secret".into());
        result
    } else if probe.rejections_examined == 0 {
        probe.result(
            id,
            Grade::Info,
            String::new(),
            "nothing secret shown",
            "nothing was rejected to look into".into(),
        )
    } else {
        let why = format!(
            "{} rejections searched for the secret and the valid signatures",
            probe.rejections_examined
        );
        probe.result(
            id,
            Grade::Pass,
            "every rejection searched".into(),
            "nothing secret shown",
            why,
        )
    };
    probe.record(result);
}

pub(super) async fn timing_case(probe: &mut Probe, id: &'static str, fresh: &Genuine) {
    if !probe.config.timing {
        return probe.not_applicable(id, "not asked for (--timing)");
    }
    let Some((far, near)) = forge::near_signatures(probe.kind(), &fresh.delivery.headers) else {
        return probe.not_applicable(id, "the scheme sends no signature to compare");
    };
    let far = Delivery {
        headers: far,
        ..fresh.delivery.clone()
    };
    let near = Delivery {
        headers: near,
        ..fresh.delivery.clone()
    };
    let (mut far_times, mut near_times) = (Vec::new(), Vec::new());
    for _ in 0..TIMING_ROUNDS {
        for (delivery, times) in [(&far, &mut far_times), (&near, &mut near_times)] {
            match probe.send(id, delivery, &[]).await {
                Ok(answer) => times.push(answer.elapsed),
                Err(_) => return probe.not_applicable(id, "the receiver stopped answering"),
            }
        }
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort_unstable();
        times[times.len() / 2]
    };
    let quartiles =
        |times: &Vec<Duration>| times[times.len() * 3 / 4].saturating_sub(times[times.len() / 4]);
    let (far_median, near_median) = (median(&mut far_times), median(&mut near_times));
    let spread = quartiles(&far_times).max(quartiles(&near_times));
    let difference = near_median.saturating_sub(far_median);
    let (grade, why) = if difference > spread && difference > Duration::from_micros(50) {
        (
            Grade::Warn,
            format!(
                "near misses take {} longer (medians of {TIMING_ROUNDS}): non-constant-time comparison suspected",
                ms(difference)
            ),
        )
    } else {
        (
            Grade::Info,
            format!(
                "not measurable over {TIMING_ROUNDS} pairs (medians {} and {})",
                ms(far_median),
                ms(near_median)
            ),
        )
    };
    let mut result = probe.result(
        id,
        grade,
        "signatures matching in no bytes and in all but the last".into(),
        "no difference",
        why,
    );
    if grade == Grade::Warn {
        result.advice = Some(
            "compare signatures with a constant-time function (hmac.compare_digest, crypto.timingSafeEqual)".into(),
        );
    }
    probe.record(result);
}

/// The same JSON written otherwise: keys of the top level in reverse order, pretty-printed with
/// four spaces, a trailing newline. `None` when the body is not a JSON object.
pub(super) fn rewrite_json(body: &[u8]) -> Option<Vec<u8>> {
    let Value::Object(fields) = serde_json::from_slice::<Value>(body).ok()? else {
        return None;
    };
    let reversed: serde_json::Map<String, Value> = fields.into_iter().rev().collect();
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&Value::Object(reversed), &mut serializer).ok()?;
    out.push(b'\n');
    (out != body).then_some(out)
}

/// A JSON object body with a padding field that makes it about `size` bytes.
pub(super) fn pad_json(body: &[u8], size: usize) -> Option<Vec<u8>> {
    let Value::Object(mut fields) = serde_json::from_slice::<Value>(body).ok()? else {
        return None;
    };
    fields.insert("hookctl_padding".into(), Value::String("x".repeat(size)));
    serde_json::to_vec(&Value::Object(fields)).ok()
}

/// Milliseconds for a line of text: `4.50 ms`.
pub(super) fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}
