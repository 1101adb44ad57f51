//! Paths into a JSON value: `data.object.amount`, `payins[0].amount`, `[0].notificationType`
//! (`0.notificationType` works too). Used by `--set` and by the catalogue's `event_path`/`id_path`.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Split a path into keys and array indices.
pub fn parse(path: &str) -> Result<Vec<Segment>, String> {
    let bad = |why: &str| format!("path {path:?}: {why}");
    if path.is_empty() {
        return Err(bad("is empty"));
    }
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']').ok_or_else(|| bad("has '[' without ']'"))?;
            let index = after[..close]
                .trim()
                .parse()
                .map_err(|_| bad("has a non-numeric index in [ ]"))?;
            segments.push(Segment::Index(index));
            rest = &after[close + 1..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let key = &rest[..end];
        if key.is_empty() {
            return Err(bad("has an empty key"));
        }
        segments.push(match key.parse::<usize>() {
            Ok(index) => Segment::Index(index),
            Err(_) => Segment::Key(key.to_string()),
        });
        rest = &rest[end..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    Ok(segments)
}

/// Read the value at a path.
pub fn get<'a>(value: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |current, segment| match (segment, current) {
            (Segment::Key(key), Value::Object(map)) => map.get(key),
            (Segment::Index(i), Value::Array(items)) => items.get(*i),
            // A numeric segment can also name an object key ("0").
            (Segment::Index(i), Value::Object(map)) => map.get(&i.to_string()),
            _ => None,
        })
}

/// Read the value at a path as text (strings as they are, other values as JSON).
pub fn get_text(value: &Value, path: &str) -> Option<String> {
    let segments = parse(path).ok()?;
    match get(value, &segments)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Set the value at a path, creating objects for missing keys. An index may point one past the
/// end of an array to append.
pub fn set(root: &mut Value, path: &[Segment], new: Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        *root = new;
        return Ok(());
    };
    let mut current = root;
    for (depth, segment) in parents.iter().enumerate() {
        let next_is_index = matches!(path[depth + 1], Segment::Index(_));
        current = step(current, segment, next_is_index, depth)?;
    }
    match (last, current) {
        (Segment::Key(key), Value::Object(map)) => {
            map.insert(key.clone(), new);
            Ok(())
        }
        (Segment::Index(i), Value::Array(items)) if *i < items.len() => {
            items[*i] = new;
            Ok(())
        }
        (Segment::Index(i), Value::Array(items)) if *i == items.len() => {
            items.push(new);
            Ok(())
        }
        (Segment::Index(i), Value::Array(items)) => Err(format!(
            "index {i} is past the end of an array of {}",
            items.len()
        )),
        (Segment::Index(i), Value::Object(map)) => {
            map.insert(i.to_string(), new);
            Ok(())
        }
        (segment, other) => Err(format!(
            "cannot set {} inside a {}",
            describe(segment),
            kind(other)
        )),
    }
}

fn step<'a>(
    current: &'a mut Value,
    segment: &Segment,
    next_is_index: bool,
    depth: usize,
) -> Result<&'a mut Value, String> {
    let fresh = || {
        if next_is_index {
            Value::Array(Vec::new())
        } else {
            Value::Object(Default::default())
        }
    };
    match (segment, current) {
        (Segment::Key(key), Value::Object(map)) => Ok(map.entry(key.clone()).or_insert_with(fresh)),
        (Segment::Index(i), Value::Object(map)) => {
            Ok(map.entry(i.to_string()).or_insert_with(fresh))
        }
        (Segment::Index(i), Value::Array(items)) => {
            let len = items.len();
            if *i == len {
                items.push(fresh());
            }
            items
                .get_mut(*i)
                .ok_or_else(|| format!("index {i} is past the end of an array of {len}"))
        }
        (segment, other) => Err(format!(
            "segment {} of the path reaches a {} where {} was expected",
            depth + 1,
            kind(other),
            describe(segment)
        )),
    }
}

fn describe(segment: &Segment) -> String {
    match segment {
        Segment::Key(key) => format!("key {key:?}"),
        Segment::Index(i) => format!("index {i}"),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Parse a `--set path=value` argument: the value is JSON when it parses as JSON, else a string.
pub fn parse_assignment(text: &str) -> Result<(Vec<Segment>, Value), String> {
    let (path, value) = text
        .split_once('=')
        .ok_or_else(|| format!("--set {text:?} is not path=value"))?;
    let segments = parse(path.trim())?;
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
    Ok((segments, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JSON value from its text (test data is written as JSON).
    fn parsed(text: &str) -> serde_json::Value {
        serde_json::from_str(text).expect("test data is JSON")
    }

    #[test]
    fn parses_both_index_forms() {
        let expected = vec![
            Segment::Key("payins".into()),
            Segment::Index(0),
            Segment::Key("amount".into()),
        ];
        assert_eq!(parse("payins[0].amount").unwrap(), expected);
        assert_eq!(parse("payins.0.amount").unwrap(), expected);
        assert_eq!(
            parse("[0].notificationType").unwrap(),
            vec![Segment::Index(0), Segment::Key("notificationType".into())]
        );
        assert!(parse("a..b").is_err());
        assert!(parse("a[x]").is_err());
        assert!(parse("a[1").is_err());
    }

    #[test]
    fn sets_nested_values_and_creates_objects() {
        let mut value = parsed(r#"{"data": {"items": [1, 2]}}"#);
        set(&mut value, &parse("data.items[1]").unwrap(), parsed(r#"5"#)).unwrap();
        set(&mut value, &parse("data.items[2]").unwrap(), parsed(r#"6"#)).unwrap();
        set(
            &mut value,
            &parse("data.new.deep").unwrap(),
            parsed(r#""x""#),
        )
        .unwrap();
        assert_eq!(
            value,
            parsed(r#"{"data": {"items": [1, 5, 6], "new": {"deep": "x"}}}"#)
        );
        assert!(set(&mut value, &parse("data.items[9]").unwrap(), parsed(r#"0"#)).is_err());
        assert!(set(
            &mut value,
            &parse("data.new.deep.more").unwrap(),
            parsed(r#"0"#)
        )
        .is_err());
    }

    #[test]
    fn assignment_values_are_json_or_text() {
        assert_eq!(parse_assignment("a=12").unwrap().1, parsed(r#"12"#));
        assert_eq!(parse_assignment("a=true").unwrap().1, parsed(r#"true"#));
        assert_eq!(
            parse_assignment("a=hello world").unwrap().1,
            parsed(r#""hello world""#)
        );
        assert_eq!(
            parse_assignment("a={\"b\":1}").unwrap().1,
            parsed(r#"{"b": 1}"#)
        );
        assert_eq!(parse_assignment("a=").unwrap().1, parsed(r#""""#));
        assert!(parse_assignment("novalue").is_err());
    }
}
