//! The `--to` forms: `localhost`, `localhost:3000`, `:3000`, `3000`, `127.0.0.1:3000/hooks`,
//! `example.com/hooks` and full `http(s)://` URLs. A bare host means port 8080, the listener's default.

use url::Url;

pub const DEFAULT_PORT: u16 = 8080;
pub const DEFAULT_TARGET: &str = "http://localhost:8080/";

/// Turn a `--to` value into a URL.
pub fn parse(text: &str) -> Result<Url, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the target is empty".into());
    }
    let full = if text.contains("://") {
        text.to_string()
    } else {
        let with_host = if text.starts_with(':') {
            format!("localhost{text}")
        } else if text.chars().all(|c| c.is_ascii_digit()) {
            format!("localhost:{text}")
        } else {
            text.to_string()
        };
        let (authority, path) = match with_host.find('/') {
            Some(slash) => with_host.split_at(slash),
            None => (with_host.as_str(), "/"),
        };
        // `[::1]` has colons but no port; `[::1]:3000` and `host:3000` have one.
        let has_port = match authority.rfind(']') {
            Some(bracket) => authority[bracket..].contains(':'),
            None => authority.contains(':'),
        };
        let port = if has_port {
            String::new()
        } else {
            format!(":{DEFAULT_PORT}")
        };
        format!("http://{authority}{port}{path}")
    };
    let url = Url::parse(&full).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(format!(
                "{text:?}: only http and https can be sent to, not {other}"
            ))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{text:?} has no host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_documented_form() {
        for (input, expected) in [
            ("localhost", "http://localhost:8080/"),
            ("localhost:3000", "http://localhost:3000/"),
            (":3000", "http://localhost:3000/"),
            ("3000", "http://localhost:3000/"),
            ("127.0.0.1:3000/hooks", "http://127.0.0.1:3000/hooks"),
            ("example.com/hooks?x=1", "http://example.com:8080/hooks?x=1"),
            ("[::1]", "http://[::1]:8080/"),
            ("[::1]:9000/a", "http://[::1]:9000/a"),
            (
                "https://example.com/webhooks",
                "https://example.com/webhooks",
            ),
            ("http://localhost:8080/", "http://localhost:8080/"),
        ] {
            assert_eq!(parse(input).unwrap().as_str(), expected, "for {input}");
        }
    }

    #[test]
    fn refuses_what_cannot_be_sent_to() {
        assert!(parse("").is_err());
        assert!(parse("ftp://example.com").is_err());
        assert!(parse("http://").is_err());
        assert!(parse("localhost:notaport").is_err());
    }
}
