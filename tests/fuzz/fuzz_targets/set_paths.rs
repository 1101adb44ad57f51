//! `--set` paths and assignments with arbitrary text, applied to a small document.
#![no_main]
use hookctl::catalogue::path;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok((segments, value)) = path::parse_assignment(&text) {
        let mut document = serde_json::json!({"a": [1, {"b": 2}], "c": {}});
        let _ = path::set(&mut document, &segments, value);
        let _ = path::get(&document, &segments);
    }
});
