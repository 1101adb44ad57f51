//! The embedded catalogue: every fixture renders, signs with its provider's test secret and
//! verifies; `--fixtures` overlays add and override, and malformed files are refused by name.

use std::collections::HashSet;

use hookctl::catalogue::{path, Catalogue};
use hookctl::compose::CompiledBody;
use hookctl::compose::{compose, ComposeOptions};
use hookctl::config::{Secret, SecretSource};
use hookctl::scheme::{self, SchemeKind, VerifyRequest};
use url::Url;

use crate::common::{hookctl, run};

#[test]
fn the_catalogue_has_every_documented_event() {
    let catalogue = Catalogue::embedded().unwrap();
    let count = |name: &str| catalogue.provider(name).unwrap().events.len();
    assert_eq!(count("mipise"), 16);
    assert_eq!(count("mobilepay"), 6);
    assert!(count("treezor") >= 30);
    assert_eq!(count("bankingcircle"), 9);
    assert_eq!(count("cryptomate"), 10);
    assert!(count("standard") >= 2);
    assert!(count("stripe") >= 10);
    let github: HashSet<&str> = catalogue
        .provider("github")
        .unwrap()
        .events
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    for name in ["ping", "push", "pull_request", "issues", "release"] {
        assert!(github.contains(name), "github lacks {name}");
    }
    let treezor = catalogue.provider("treezor").unwrap();
    for name in [
        "topupCard.validate",
        "topupCard.cancel",
        "authorization.create",
        "authorization.update",
        "authorization.cancel",
        "payin.create",
        "payin.update",
        "payin.cancel",
        "payinrefund.create",
        "payinrefund.update",
        "payinrefund.cancel",
        "card.acquiring.chargeback.create",
    ] {
        assert!(
            treezor.event(name).is_some(),
            "treezor lacks acquiring event {name}"
        );
    }
}

#[test]
fn every_fixture_renders_signs_and_verifies() {
    let catalogue = Catalogue::embedded().unwrap();
    let url = Url::parse("http://127.0.0.1:8080/webhooks").unwrap();
    let now = chrono::Utc::now();
    for provider in catalogue.providers() {
        let secret = provider.spec.test_secret.clone().map(|value| Secret {
            value,
            source: SecretSource::BuiltIn,
        });
        // Each event both ways: rendered per delivery, and filled from the body compiled for a run.
        let events = provider.events.iter().flat_map(|event| {
            let in_body = provider.spec.scheme.in_body().filter(|_| secret.is_some());
            let compiled = CompiledBody::compile(event, provider.spec.body_format, &[], in_body);
            assert!(compiled.is_some(), "{}: the fixture compiles", event.origin);
            [(event, None), (event, compiled)]
        });
        for (event, compiled) in events {
            let what = format!(
                "{}:{} ({})",
                provider.name,
                event.name,
                if compiled.is_some() {
                    "compiled"
                } else {
                    "rendered"
                }
            );
            let options = ComposeOptions {
                secret: secret.as_ref(),
                compiled: compiled.as_ref(),
                ..ComposeOptions::new(&url)
            };
            let first =
                compose(provider, event, &options).unwrap_or_else(|e| panic!("{what}: {e}"));
            let second = compose(provider, event, &options).unwrap();
            assert_ne!(
                first.id, second.id,
                "{what}: ids must be fresh on every send"
            );

            let request = VerifyRequest {
                headers: &first.delivery.headers,
                body: &first.delivery.body,
                url: url.as_str(),
                now: now.timestamp(),
                tolerance: 300,
                top_level: None,
                options: &provider.spec.options,
            };
            let verification = scheme::verify(
                provider.spec.scheme,
                &request,
                secret.as_ref().map_or("", |s| &s.value),
            );
            let verdict = verification.verdict;
            if provider.spec.scheme == SchemeKind::None {
                assert_eq!(verdict, scheme::Verdict::Unsigned, "{what}");
            } else {
                assert!(verdict.is_valid(), "{what}: {verdict:?}");
            }

            // The event name and id are where the provider profile says they are.
            let json_bytes = verification
                .plaintext
                .unwrap_or_else(|| first.delivery.body.to_vec());
            let body: serde_json::Value = serde_json::from_slice(&json_bytes)
                .unwrap_or_else(|e| panic!("{what}: body is not JSON: {e}"));
            let named = match (&provider.spec.event_path, &provider.spec.event_header) {
                (Some(p), _) => path::get_text(&body, p),
                (None, Some(h)) => first.delivery.headers.get(h).map(str::to_string),
                (None, None) => None,
            };
            assert_eq!(
                named.as_deref(),
                Some(event.name.as_str()),
                "{what}: event name in the delivery"
            );
            if let Some(id_path) = &provider.spec.id_path {
                assert_eq!(
                    path::get_text(&body, id_path).as_deref(),
                    Some(first.id.as_str()),
                    "{what}: id in the body"
                );
            }
            assert!(
                !json_bytes.windows(2).any(|w| w == b"{{"),
                "{what}: a placeholder was left unrendered"
            );
        }
    }
}

#[test]
fn treezor_bodies_are_written_as_php_writes_them() {
    let catalogue = Catalogue::embedded().unwrap();
    let (provider, event) = catalogue.resolve("treezor:payin.update", None).unwrap();
    let url = Url::parse("http://localhost:8080/").unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2024-03-01T09:15:27.123456Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let secret = Secret {
        value: "hookctl-test-secret".into(),
        source: SecretSource::Flag,
    };
    let c = compose(
        provider,
        event,
        &ComposeOptions {
            secret: Some(&secret),
            now: Some(now),
            ..ComposeOptions::new(&url)
        },
    )
    .unwrap();
    let text = std::str::from_utf8(&c.delivery.body).unwrap();
    assert!(
        text.contains("\"webhook_created_at\":17092845271234,"),
        "10⁻⁴ s units: {text}"
    );
    assert!(
        text.contains("funds are \\u201cheld\\u201d"),
        "non-ASCII escaped as PHP does"
    );
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let signature = value["object_payload_signature"].as_str().unwrap();
    if signature.contains('/') {
        assert!(
            text.contains(&signature.replace('/', "\\/")),
            "slashes escaped in the signature"
        );
    }
}

#[test]
fn bare_names_resolve_and_ambiguous_ones_ask_for_a_provider() {
    let catalogue = Catalogue::embedded().unwrap();
    let (p, e) = catalogue.resolve("payin.update", None).unwrap();
    assert_eq!(
        (p.name.as_str(), e.name.as_str()),
        ("treezor", "payin.update")
    );
    let (p, _) = catalogue.resolve("stripe:invoice.paid", None).unwrap();
    assert_eq!(p.name, "stripe");
    let (p, _) = catalogue.resolve("invoice.paid", Some("standard")).unwrap();
    assert_eq!(p.name, "standard");
    let ambiguous = catalogue
        .resolve("invoice.paid", None)
        .unwrap_err()
        .to_string();
    assert!(
        ambiguous.contains("standard:invoice.paid") && ambiguous.contains("stripe:invoice.paid"),
        "{ambiguous}"
    );
    let unknown = catalogue
        .resolve("payin.updte", None)
        .unwrap_err()
        .to_string();
    assert!(
        unknown.contains("did you mean treezor:payin.update"),
        "{unknown}"
    );
    let (_, e) = catalogue
        .resolve("authorization", Some("cryptomate"))
        .unwrap();
    assert_eq!(
        e.name, "AUTHORIZATION",
        "event names match case-insensitively as a fallback"
    );
}

#[test]
fn a_fixtures_folder_adds_providers_and_overrides_events() {
    let dir = tempfile::tempdir().unwrap();
    let acme = dir.path().join("acme");
    std::fs::create_dir(&acme).unwrap();
    std::fs::write(
        acme.join("provider.toml"),
        "title = \"Acme Pay\"\nscheme = \"github\"\ncontent_type = \"application/json\"\nevent_path = \"kind\"\nid_path = \"id\"\ndocs = \"https://acme.example/docs\"\ntest_secret = \"acme-secret\"\n",
    )
    .unwrap();
    std::fs::write(
        acme.join("order.paid.json"),
        "{\"id\": \"{{id}}\", \"kind\": \"order.paid\", \"at\": \"{{now:iso}}\"}",
    )
    .unwrap();
    let stripe = dir.path().join("stripe");
    std::fs::create_dir(&stripe).unwrap();
    std::fs::write(
        stripe.join("charge.succeeded.json"),
        "{\"id\": \"{{id}}\", \"type\": \"charge.succeeded\", \"overridden\": true}",
    )
    .unwrap();

    let mut catalogue = Catalogue::embedded().unwrap();
    catalogue.overlay(dir.path()).unwrap();
    let (provider, event) = catalogue.resolve("order.paid", None).unwrap();
    assert_eq!(
        (provider.name.as_str(), provider.spec.scheme),
        ("acme", SchemeKind::Github)
    );
    assert_eq!(event.template["kind"], "order.paid");
    let (_, charge) = catalogue.resolve("stripe:charge.succeeded", None).unwrap();
    assert_eq!(charge.template["overridden"], true);
    assert!(
        catalogue.resolve("stripe:charge.refunded", None).is_ok(),
        "other events stay"
    );

    // Through the binary: the new provider is listed.
    let (out, stdout, _) = run(hookctl().args([
        "--fixtures",
        dir.path().to_str().unwrap(),
        "fixtures",
        "--json",
    ]));
    assert!(out.status.success());
    assert!(stdout.contains("\"name\":\"acme\""));
}

#[test]
fn malformed_fixture_files_are_refused_with_their_name() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("stripe", "charge.succeeded.json", "{\"id\": ", "is not valid JSON"),
        ("stripe", "charge.succeeded.json", "{\"id\": \"{{nonsense}}\"}", "unknown placeholder"),
        ("newco", "provider.toml", "title = \"x\"\nscheme = \"rot13\"\n", "provider.toml"),
        ("newco", "provider.toml", "title = \"x\"\nscheme = \"stripe\"\ncontent_type = \"a\"\nevent_path = \"type\"\ndocs = \"d\"\n", "needs a test_secret"),
        ("newco", "provider.toml", "title = \"x\"\nscheme = \"bankingcircle\"\ncontent_type = \"a\"\nevent_path = \"type\"\ndocs = \"d\"\ntest_secret = \"short\"\n", "32 characters"),
        ("nobody", "x.json", "{}", "not a known provider"),
    ];
    for (folder, file, contents, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(folder)).unwrap();
        std::fs::write(dir.path().join(folder).join(file), contents).unwrap();
        let (out, _, stderr) =
            run(hookctl().args(["--fixtures", dir.path().to_str().unwrap(), "fixtures"]));
        assert_eq!(out.status.code(), Some(1), "{folder}/{file}: {stderr}");
        let named = if *folder == "nobody" {
            stderr.contains(folder)
        } else {
            stderr.contains(file)
        };
        assert!(
            named && stderr.contains(expected),
            "{folder}/{file}: {stderr}"
        );
    }
}

#[test]
fn set_paths_change_the_body_before_it_is_signed() {
    let catalogue = Catalogue::embedded().unwrap();
    let (provider, event) = catalogue.resolve("treezor:payin.update", None).unwrap();
    let url = Url::parse("http://localhost:8080/").unwrap();
    let secret = Secret {
        value: "hookctl-test-secret".into(),
        source: SecretSource::Flag,
    };
    let sets = vec![
        path::parse_assignment("object_payload.payins[0].amount=99.90").unwrap(),
        path::parse_assignment("object_payload.payins.0.payinStatus=VALIDATED").unwrap(),
    ];
    let c = compose(
        provider,
        event,
        &ComposeOptions {
            secret: Some(&secret),
            sets: &sets,
            ..ComposeOptions::new(&url)
        },
    )
    .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&c.delivery.body).unwrap();
    assert_eq!(
        body["object_payload"]["payins"][0]["payinStatus"],
        "VALIDATED"
    );
    assert_eq!(
        body["object_payload"]["payins"][0]["amount"].to_string(),
        "99.9",
        "PHP drops the trailing zero of a float"
    );
    let request = VerifyRequest {
        headers: &c.delivery.headers,
        body: &c.delivery.body,
        url: url.as_str(),
        now: 0,
        tolerance: 300,
        top_level: None,
        options: &provider.spec.options,
    };
    assert!(
        scheme::verify(SchemeKind::Treezor, &request, "hookctl-test-secret")
            .verdict
            .is_valid()
    );
}
