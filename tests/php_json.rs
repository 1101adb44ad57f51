//! Property tests for the PHP json_encode writer and the Treezor scheme, plus cross-checks against
//! real PHP (ignored unless asked for: they need `php`, which `.ci/run` installs).

use hookctl::delivery::Headers;
use hookctl::scheme::{self, php_json, SchemeKind, SchemeOptions, SignRequest, VerifyRequest};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// JSON values without floats: strings of any characters, integers, nesting.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| serde_json::from_str(&n.to_string()).unwrap()),
        any::<String>().prop_map(Value::String),
        "[ -~\u{7f}\u{80}-\u{10ffff}/\\\\\"]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z/é]{0,6}", inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The model Treezor publishes for JavaScript: JSON.stringify, then `/` escaped and every
/// non-ASCII UTF-16 unit written as lowercase \uXXXX. Equal to PHP wherever there are no floats.
fn treezor_js_model(value: &Value) -> String {
    let compact = serde_json::to_string(value).unwrap();
    let mut out = String::new();
    for c in compact.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if (c as u32) < 0x80 => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_writer_matches_treezors_model(value in json_value()) {
        let written = String::from_utf8(php_json::encode(&value)).unwrap();
        prop_assert_eq!(written, treezor_js_model(&value));
    }

    #[test]
    fn the_writer_output_parses_back_to_the_same_value(value in json_value()) {
        let written = php_json::encode(&value);
        let back: Value = serde_json::from_slice(&written).unwrap();
        prop_assert_eq!(back, value);
    }

    #[test]
    fn transcoding_text_equals_encoding_the_value(value in json_value(), x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let value = serde_json::json!([value, x, {"f": x, "s": "é/\u{1F600}"}]);
        let expected = php_json::encode(&serde_json::from_str(&value.to_string()).unwrap());
        for text in [serde_json::to_vec(&value).unwrap(), serde_json::to_vec_pretty(&value).unwrap()] {
            prop_assert_eq!(php_json::transcode(&text), Some(expected.clone()));
        }
    }

    #[test]
    fn transcoding_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = php_json::transcode(&bytes);
    }

    #[test]
    fn floats_round_trip_through_php_form(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let text = php_json::php_float(x);
        let back: f64 = text.parse().unwrap();
        prop_assert_eq!(back, x);
    }

    #[test]
    fn treezor_sign_then_verify_round_trips(payload in json_value(), secret in "[ -~]{1,40}") {
        let body = format!("{{\"webhook\":\"payin.update\",\"object_payload\":{}}}", serde_json::to_string(&payload).unwrap());
        let options = SchemeOptions::default();
        let signed = scheme::sign(SchemeKind::Treezor, &SignRequest { secret: &secret, body: body.as_bytes(), url: "", id: "", timestamp: 0, options: &options }).unwrap();
        let headers = Headers::new();
        let request = VerifyRequest { headers: &headers, body: &signed.body, url: "", now: 0, tolerance: 300, top_level: None, options: &options };
        prop_assert!(scheme::verify(SchemeKind::Treezor, &request, &secret).verdict.is_valid());
        let other = format!("{}x", secret);
        prop_assert!(scheme::verify(SchemeKind::Treezor, &request, &other).verdict.is_invalid());
    }

    #[test]
    fn hmac_schemes_round_trip_arbitrary_bodies(body in prop::collection::vec(any::<u8>(), 0..256), secret in "[ -~]{1,40}") {
        let options = SchemeOptions::default();
        let secret = format!("whsec_{}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, secret.as_bytes()));
        for kind in [SchemeKind::Github, SchemeKind::Stripe, SchemeKind::Standard, SchemeKind::Mobilepay, SchemeKind::Cryptomate] {
            let signed = scheme::sign(kind, &SignRequest { secret: &secret, body: &body, url: "https://example.com/h", id: "msg_1", timestamp: 1_700_000_000, options: &options }).unwrap();
            let headers: Headers = signed.headers.into_iter().collect();
            let request = VerifyRequest { headers: &headers, body: &signed.body, url: "https://example.com/h", now: 1_700_000_000, tolerance: 300, top_level: None, options: &options };
            prop_assert!(scheme::verify(kind, &request, &secret).verdict.is_valid(), "{:?}", kind);
        }
    }
}

#[test]
fn transcoding_refuses_what_php_would_collapse_or_reject() {
    assert_eq!(
        php_json::transcode(br#"{"a":1,"a":2}"#),
        None,
        "a repeated key goes through a parsed value"
    );
    assert_eq!(php_json::transcode(br#"{"a":1,}"#), None);
    assert_eq!(
        php_json::transcode(b"\"\\ud800\""),
        None,
        "a lone surrogate"
    );
    assert_eq!(php_json::transcode(b"01"), None);
    assert_eq!(php_json::transcode(&[b'['; 200]), None, "too deep");
    assert_eq!(
        php_json::transcode(br#" { "x" : [ 1.0 , "a/b" ] } "#).unwrap(),
        br#"{"x":[1,"a\/b"]}"#
    );
}

#[test]
#[ignore = "needs php (php-cli)"]
fn real_php_agrees() {
    let samples = [
        r#"{"a":1.0,"b":0.1,"c":1e25,"d":1.5e-7,"e":-0.0,"f":100000000000000000.0,"g":12345678901234567890,"h":0.00001,"i":123.456e3}"#,
        r#"{"s":"Caf\u00e9 \ud83d\ude00 / \\ \" \u0001 \u007f \u2028 <>&'","empty":{},"list":[],"nested":[{"x":null,"y":true}]}"#,
        r#"[1,-0,2.50,3e0,1E+2,0.30000000000000004,9007199254740993]"#,
    ];
    for sample in samples {
        let value: Value = serde_json::from_str(sample).unwrap();
        let ours = String::from_utf8(php_json::encode(&value)).unwrap();
        let output = std::process::Command::new("php")
            .args([
                "-r",
                "echo json_encode(json_decode(stream_get_contents(STDIN)));",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(sample.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        assert_eq!(
            ours,
            String::from_utf8(output.stdout).unwrap(),
            "for {sample}"
        );
    }
}

/// Values that PHP writes or reads its own way: `-0.0` (written `-0`, read back as the integer
/// 0), zero fractions, exponents, integers beyond 64 bits (read as floats), `/`, DEL, line
/// separators and characters beyond the BMP.
fn php_awkward_value(rng: &mut impl rand::Rng) -> serde_json::Value {
    let token = match rng.random_range(0..12) {
        0 => "-0.0".to_string(),
        1 => ["-0", "0.0", "10.0", "-1.50"][rng.random_range(0..4)].to_string(),
        2 => format!("{}e{}", rng.random_range(1..999), rng.random_range(-30..30)),
        3 => format!(
            "{}.{}E+{}",
            rng.random_range(1..9),
            rng.random_range(0..99),
            rng.random_range(0..300)
        ),
        4 => format!("{}", f64::from_bits(rng.random::<u64>() >> 2)),
        5 => (0..rng.random_range(19..40))
            .map(|i| {
                if i == 0 {
                    '9'
                } else {
                    char::from(b'0' + rng.random_range(0..10))
                }
            })
            .collect(),
        6 => [
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "9007199254740993",
        ][rng.random_range(0..4)]
        .to_string(),
        7 => rng.random::<i64>().to_string(),
        8 => {
            let text: String = (0..rng.random_range(1..6))
                .map(|_| char::from_u32(rng.random_range(0x10000..0x110000)).unwrap())
                .collect();
            serde_json::to_string(&text).unwrap()
        }
        9 => serde_json::to_string(
            ["a/b", "\\/", "\u{7f}", "\u{2028}é", "\u{1}\t\"", "<>&'"][rng.random_range(0..6)],
        )
        .unwrap(),
        10 => "[-0.0,{\"x\":1e400,\"y\":[]},{}]".replace("1e400", "1e300"),
        _ => "{\"nested\":{\"f\":0.30000000000000004,\"big\":123456789012345678901234567890}}"
            .to_string(),
    };
    serde_json::from_str(&token).unwrap_or_else(|e| panic!("{token}: {e}"))
}

/// A real PHP receiver, doing what Treezor documents (`json_decode` the body, `json_encode` its
/// `object_payload`, `hash_hmac`), accepts every Treezor delivery hookctl writes, whatever values
/// `--set` put in the payload; both ways of writing a body (compiled and rendered) are checked.
#[test]
#[ignore = "needs php (php-cli)"]
fn a_php_receiver_accepts_treezor_deliveries_with_awkward_values() {
    use hookctl::catalogue::{path, Catalogue};
    use hookctl::compose::{compose, CompiledBody, ComposeOptions};
    use hookctl::config::{Secret, SecretSource};
    use rand::SeedableRng;

    let catalogue = Catalogue::embedded().unwrap();
    let (provider, event) = catalogue.resolve("treezor:payin.update", None).unwrap();
    let secret = Secret {
        value: "hookctl-php-differential".into(),
        source: SecretSource::Flag,
    };
    let url = url::Url::parse("http://localhost:8080/").unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let mut bodies = Vec::new();
    for case in 0..120 {
        let paths = [
            "object_payload.payins.0.amount",
            "object_payload.payins.0.extra",
            "object_payload.added",
        ];
        let sets: Vec<_> = paths
            .iter()
            .map(|p| (path::parse(p).unwrap(), php_awkward_value(&mut rng)))
            .collect();
        let compiled = CompiledBody::compile(
            event,
            provider.spec.body_format,
            &sets,
            provider.spec.scheme.in_body(),
        );
        let options = |compiled| ComposeOptions {
            secret: Some(&secret),
            sets: &sets,
            compiled,
            ..ComposeOptions::new(&url)
        };
        for compiled in [None, compiled.as_ref()] {
            let delivery = compose(provider, event, &options(compiled))
                .unwrap()
                .delivery;
            let text = String::from_utf8(delivery.body.to_vec()).unwrap();
            assert!(!text.contains('\n'), "case {case}: one body a line");
            bodies.push(text);
        }
    }
    let script = r#"
        $secret = getenv('SECRET');
        while (($line = fgets(STDIN)) !== false) {
            $body = json_decode(rtrim($line, "\n"));
            $expected = base64_encode(hash_hmac('sha256', json_encode($body->object_payload), $secret, true));
            echo ($expected === $body->object_payload_signature ? "ok" : "rejected: " . json_encode($body->object_payload)), "\n";
        }
    "#;
    let output = std::process::Command::new("php")
        .args(["-r", script])
        .env("SECRET", &secret.value)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            // Written from a thread of its own: PHP answers as it reads, and a full pipe either
            // way would otherwise stop both.
            let mut input = child.stdin.take().unwrap();
            let lines: String = bodies.iter().map(|body| format!("{body}\n")).collect();
            let writer =
                std::thread::spawn(move || std::io::Write::write_all(&mut input, lines.as_bytes()));
            let output = child.wait_with_output();
            writer.join().expect("the writer thread ends")?;
            output
        })
        .expect("php runs (apt-get install php-cli)");
    let verdicts = String::from_utf8(output.stdout).unwrap();
    let verdicts: Vec<&str> = verdicts.lines().collect();
    assert_eq!(verdicts.len(), bodies.len(), "php answered every body");
    for (body, verdict) in bodies.iter().zip(&verdicts) {
        assert_eq!(*verdict, "ok", "PHP rejects\n{body}");
    }
}
