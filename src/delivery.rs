//! The one value every command passes along: a webhook delivery as it is on the wire.

use std::borrow::Cow;

use bytes::Bytes;

/// Request headers in the order they came, duplicates kept; names compare case-insensitively.
///
/// Names and values live one after another in a single string, so that a delivery's headers cost
/// two allocations however many there are (a listener under load copies every request's headers;
/// guards.rs `a_deliverys_headers_cost_two_allocations_however_many_there_are` keeps it).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    text: String,
    /// For each header, where its name ends and where its value ends in `text`; it starts where
    /// the one before it ended.
    ends: Vec<(usize, usize)>,
}

impl Headers {
    pub fn new() -> Self {
        Headers::default()
    }

    /// Room for `count` headers whose names and values add up to `bytes`.
    pub fn with_capacity(count: usize, bytes: usize) -> Self {
        Headers {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(count),
        }
    }

    pub fn push(&mut self, name: impl AsRef<str>, value: impl AsRef<str>) {
        self.text.push_str(name.as_ref());
        let name_end = self.text.len();
        self.text.push_str(value.as_ref());
        self.ends.push((name_end, self.text.len()));
    }

    /// A header as it came off the wire: a value that is not UTF-8 is kept lossily (checked
    /// first as a whole: `from_utf8_lossy` walks every value in chunks, valid or not).
    pub fn push_received(&mut self, name: &str, value: &[u8]) {
        match std::str::from_utf8(value) {
            Ok(text) => self.push(name, text),
            Err(_) => self.push(name, String::from_utf8_lossy(value)),
        }
    }

    /// [`Headers::push_received`] with the name in lower case, as hyper hands names over.
    pub fn push_received_lowercase(&mut self, name: &str, value: &[u8]) {
        let start = self.text.len();
        self.push_received(name, value);
        let (name_end, _) = self.ends[self.ends.len() - 1];
        self.text[start..name_end].make_ascii_lowercase();
    }

    /// Set a header, replacing every earlier value of the same name in place of the first.
    pub fn set(&mut self, name: &str, value: impl AsRef<str>) {
        let value = value.as_ref();
        // The usual case when signing: a header not there yet, added without copying the rest.
        if !self.contains(name) {
            self.push(name, value);
            return;
        }
        let mut rebuilt = Headers::with_capacity(self.len() + 1, self.text.len() + value.len());
        let mut found = false;
        for (n, v) in self.iter() {
            if !n.eq_ignore_ascii_case(name) {
                rebuilt.push(n, v);
            } else if !found {
                found = true;
                rebuilt.push(n, value);
            }
        }
        *self = rebuilt;
    }

    /// Remove every header of a name.
    pub fn remove(&mut self, name: &str) {
        if self.contains(name) {
            *self = self
                .iter()
                .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
                .collect();
        }
    }

    /// The first value of a header.
    pub fn get(&self, name: &str) -> Option<&str> {
        // Called for every detect rule of every provider on each delivery: names are compared as
        // bytes, by length first, and only the match is cut out as text.
        let mut start = 0;
        for &(name_end, value_end) in &self.ends {
            if name_end - start == name.len()
                && self.text.as_bytes()[start..name_end].eq_ignore_ascii_case(name.as_bytes())
            {
                return Some(&self.text[name_end..value_end]);
            }
            start = value_end;
        }
        None
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let starts = std::iter::once(0).chain(self.ends.iter().map(|&(_, value_end)| value_end));
        starts
            .zip(&self.ends)
            .map(|(start, &(name_end, value_end))| {
                (&self.text[start..name_end], &self.text[name_end..value_end])
            })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Shown as the list of (name, value) pairs it holds.
impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for Headers {
    fn from_iter<T: IntoIterator<Item = (N, V)>>(iter: T) -> Self {
        let mut headers = Headers::new();
        for (name, value) in iter {
            headers.push(name, value);
        }
        headers
    }
}

/// Stored as a list of `[name, value]` pairs, in order (the capture format).
impl serde::Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Headers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// One `[name, value]` pair, borrowed from the input where it has no escapes.
        #[derive(serde::Deserialize)]
        struct Pair<'a>(#[serde(borrow)] Cow<'a, str>, #[serde(borrow)] Cow<'a, str>);

        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = Headers;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of [name, value] pairs")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Headers, A::Error> {
                let mut headers = Headers::with_capacity(seq.size_hint().unwrap_or(8), 512);
                while let Some(Pair(name, value)) = seq.next_element()? {
                    headers.push(name, value);
                }
                Ok(headers)
            }
        }
        deserializer.deserialize_seq(Pairs)
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

impl Headers {
    /// The same headers without those that describe one hop ([`HOP_BY_HOP`]), for passing a
    /// delivery on or sending it again.
    pub fn without_hop_by_hop(&self) -> Headers {
        // Sized for all of them: one allocation each for the text and the ends, never a regrowth.
        let mut kept = Headers::with_capacity(self.ends.len(), self.text.len());
        for (name, value) in self.iter().filter(|(name, _)| !is_hop_by_hop(name)) {
            kept.push(name, value);
        }
        kept
    }
}

/// Whether a header describes one hop or the body's framing ([`HOP_BY_HOP`]).
pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// A webhook delivery: method, target (path and query), headers, and the body exactly as bytes.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub method: String,
    pub target: String,
    pub headers: Headers,
    pub body: Bytes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_stored_as_pairs_and_read_back_with_escapes() {
        let headers: Headers = [("A", "1"), ("a", "quote \" and \\"), ("B", "")]
            .into_iter()
            .collect();
        let text = serde_json::to_string(&headers).unwrap();
        assert_eq!(text, r#"[["A","1"],["a","quote \" and \\"],["B",""]]"#);
        assert_eq!(serde_json::from_str::<Headers>(&text).unwrap(), headers);
        assert!(serde_json::from_str::<Headers>(r#"[["only a name"]]"#).is_err());
        let hops: Headers = [
            ("Host", "x"),
            ("X-Kept", "1"),
            ("transfer-encoding", "chunked"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            hops.without_hop_by_hop().iter().collect::<Vec<_>>(),
            [("X-Kept", "1")]
        );
    }

    #[test]
    fn headers_keep_order_and_duplicates_and_find_names_in_any_case() {
        let headers: Headers = [
            ("Content-Type", "a/b"),
            ("X-Dup", "1"),
            ("x-dup", "2"),
            ("Empty", ""),
        ]
        .into_iter()
        .collect();
        assert_eq!(headers.len(), 4);
        let pairs: Vec<(&str, &str)> = headers.iter().collect();
        assert_eq!(
            pairs,
            [
                ("Content-Type", "a/b"),
                ("X-Dup", "1"),
                ("x-dup", "2"),
                ("Empty", "")
            ]
        );
        assert_eq!(headers.get("content-type"), Some("a/b"));
        assert_eq!(headers.get("X-DUP"), Some("1"));
        assert_eq!(headers.get("empty"), Some(""));
        assert!(!headers.contains("missing"));
        assert_eq!(
            format!("{headers:?}"),
            r#"[("Content-Type", "a/b"), ("X-Dup", "1"), ("x-dup", "2"), ("Empty", "")]"#
        );
    }

    #[test]
    fn set_replaces_the_first_of_a_name_and_drops_the_rest() {
        let mut headers: Headers = [("A", "1"), ("B", "2"), ("a", "3"), ("C", "4")]
            .into_iter()
            .collect();
        headers.set("a", "new");
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            [("A", "new"), ("B", "2"), ("C", "4")]
        );
        headers.set("D", "5");
        assert_eq!(headers.iter().last(), Some(("D", "5")));
        // The same headers compare equal however they were built.
        let direct: Headers = [("A", "new"), ("B", "2"), ("C", "4"), ("D", "5")]
            .into_iter()
            .collect();
        assert_eq!(headers, direct);
        assert!(Headers::new().is_empty());
    }
}
