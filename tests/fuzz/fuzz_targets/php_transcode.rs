//! The PHP transcoder against the reference path (parse, then encode): equal whenever both succeed.
#![no_main]
use hookctl::scheme::php_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let transcoded = php_json::transcode(data);
    if let (Some(fast), Ok(value)) = (&transcoded, serde_json::from_slice::<serde_json::Value>(data)) {
        assert_eq!(fast, &php_json::encode(&value));
    }
});
