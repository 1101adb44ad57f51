//! The one value every command passes along: a webhook delivery as it is on the wire.

use bytes::Bytes;

/// Request headers in the order they came, duplicates kept; names compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Set a header, replacing every earlier value of the same name in place of the first.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(first) => {
                self.0[first].1 = value;
                let mut index = 0;
                self.0.retain(|(n, _)| {
                    let keep = index <= first || !n.eq_ignore_ascii_case(name);
                    index += 1;
                    keep
                });
            }
            None => self.0.push((name.to_string(), value)),
        }
    }

    /// The first value of a header.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, String)> for Headers {
    fn from_iter<T: IntoIterator<Item = (String, String)>>(iter: T) -> Self {
        Headers(iter.into_iter().collect())
    }
}

/// Headers that describe one hop or the body's framing, not the delivery: never passed on or
/// replayed (the HTTP client recomputes them).
pub const HOP_BY_HOP: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
];

/// A webhook delivery: method, target (path and query), headers, and the body exactly as bytes.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub method: String,
    pub target: String,
    pub headers: Headers,
    pub body: Bytes,
}
