//! Reading JSON bodies without building a tree: the top-level fields of an object as raw slices of
//! the body, in order. Recognising a provider and reading its event name need no more than this,
//! and it allocates almost nothing, which matters on a listener under load.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The top-level fields of a JSON object, in order, each value still as its raw text.
pub struct TopLevel<'a> {
    pub fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> TopLevel<'a> {
    /// Parse a body whose first non-space byte is `{`; `None` for anything else or invalid JSON.
    pub fn parse(body: &'a [u8]) -> Option<Self> {
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    /// The raw value of a field; the last one when a name repeats, as JSON parsers do.
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.fields
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| *value)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.fields.iter().any(|(key, _)| key == name)
    }

    /// A field as text: a string's contents, or any other value's JSON; `None` for null.
    pub fn text(&self, name: &str) -> Option<String> {
        let raw = self.get(name)?.get();
        match serde_json::from_str::<serde_json::Value>(raw).ok()? {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for TopLevel<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = TopLevel<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    fields.push((key.0, map.next_value::<&'de RawValue>()?));
                }
                Ok(TopLevel { fields })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// A field name, borrowed from the body unless it had escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_top_level_fields_in_order() {
        let body = br#" {"a": 1, "b\u0021": {"x": [1, 2]}, "c": "text", "n": null, "a": 2}"#;
        let top = TopLevel::parse(body).unwrap();
        let keys: Vec<&str> = top.fields.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["a", "b!", "c", "n", "a"]);
        assert_eq!(top.get("b!").unwrap().get(), r#"{"x": [1, 2]}"#);
        assert_eq!(top.text("c").as_deref(), Some("text"));
        assert_eq!(top.text("a").as_deref(), Some("2"));
        assert_eq!(top.text("n"), None);
        assert!(TopLevel::parse(b"[1]").is_none());
        assert!(TopLevel::parse(b"{\"a\":").is_none());
    }
}
