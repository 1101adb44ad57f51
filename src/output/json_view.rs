//! Pretty-printed, coloured JSON for the terminal. Strings are escaped so that nothing a sender
//! puts in a body can move the cursor or change the terminal's colours.

use colored::Colorize;
use serde_json::Value;

/// Two-space indented JSON with keys, strings, numbers and literals in their own colours.
pub fn pretty(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value, 0);
    out
}

fn write(out: &mut String, value: &Value, depth: usize) {
    let indent = |out: &mut String, depth: usize| out.extend(std::iter::repeat_n("  ", depth));
    match value {
        Value::Null => out.push_str(&"null".magenta().to_string()),
        Value::Bool(b) => out.push_str(&b.to_string().yellow().to_string()),
        Value::Number(n) => out.push_str(&n.to_string().cyan().to_string()),
        Value::String(s) => out.push_str(&quoted(s).green().to_string()),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                indent(out, depth + 1);
                write(out, item, depth + 1);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            indent(out, depth);
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("{\n");
            for (i, (key, item)) in map.iter().enumerate() {
                indent(out, depth + 1);
                out.push_str(&quoted(key).blue().bold().to_string());
                out.push_str(": ");
                write(out, item, depth + 1);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            indent(out, depth);
            out.push('}');
        }
    }
}

/// A JSON string literal; serde_json escapes every control character.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters_and_indents() {
        colored::control::set_override(false);
        let value: Value =
            serde_json::from_str(r#"{"a":[1,"x\u001b[2J"],"b":{},"c":null}"#).unwrap();
        assert_eq!(
            pretty(&value),
            "{\n  \"a\": [\n    1,\n    \"x\\u001b[2J\"\n  ],\n  \"b\": {},\n  \"c\": null\n}"
        );
    }
}
