//! The capture reader with arbitrary file contents: an error or a capture, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(capture) = hookctl::capture::parse(data) {
        let _ = capture.delivery();
    }
});
