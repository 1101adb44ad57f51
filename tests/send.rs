//! `hookctl send` against an in-process server: every event of every provider arrives as the
//! provider would send it, and the command's options do what they say.

use std::collections::HashSet;

use hookctl::catalogue::{path, Catalogue};
use hookctl::scheme::{self, SchemeKind, VerifyRequest};

use crate::common::server::{Recorded, TestServer};
use crate::common::{hookctl, records, run};

/// Verify a recorded request with a secret, as `listen` will.
fn verify(provider: &str, request: &Recorded, url: &str, secret: &str) -> scheme::Verification {
    let catalogue = Catalogue::embedded().unwrap();
    let spec = &catalogue.provider(provider).unwrap().spec;
    let headers = request.headers();
    let verify_request = VerifyRequest {
        headers: &headers,
        body: &request.body,
        url,
        now: chrono::Utc::now().timestamp(),
        tolerance: 300,
        top_level: None,
        options: &spec.options,
    };
    scheme::verify(spec.scheme, &verify_request, secret)
}

#[test]
fn every_event_of_every_provider_arrives_signed() {
    let server = TestServer::start(200);
    let catalogue = Catalogue::embedded().unwrap();
    for provider in catalogue.providers() {
        let url = server.url(&format!("/{}?source=hookctl", provider.name));
        let (out, stdout, stderr) = run(hookctl().args([
            "send",
            "--all",
            "--provider",
            &provider.name,
            "--to",
            &url,
            "--json",
        ]));
        assert!(out.status.success(), "{}: {stderr}", provider.name);
        let summary = records(&stdout).pop().unwrap();
        assert_eq!(summary["type"], "summary");
        assert_eq!(summary["data"]["delivered"], provider.events.len());
    }
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        catalogue
            .providers()
            .iter()
            .map(|p| p.events.len())
            .sum::<usize>()
    );
    for provider in catalogue.providers() {
        let spec = &provider.spec;
        let url = server.url(&format!("/{}?source=hookctl", provider.name));
        let mine: Vec<&Recorded> = requests
            .iter()
            .filter(|r| r.path == format!("/{}?source=hookctl", provider.name))
            .collect();
        let mut seen = HashSet::new();
        for request in mine {
            assert_eq!(request.method, "POST");
            assert_eq!(
                request.header("content-type"),
                Some(spec.content_type.as_str()),
                "{}",
                provider.name
            );
            for name in spec.headers.keys() {
                assert!(
                    request.header(name).is_some(),
                    "{}: header {name} missing",
                    provider.name
                );
            }
            let expected_header = match spec.scheme {
                SchemeKind::Github => Some("X-Hub-Signature-256"),
                SchemeKind::Stripe => Some("Stripe-Signature"),
                SchemeKind::Standard => Some("webhook-signature"),
                SchemeKind::Mobilepay => Some("x-mobilepay-signature"),
                SchemeKind::Bankingcircle => Some("AuthenticationTag"),
                SchemeKind::Cryptomate => Some("X-Webhook-Key"),
                SchemeKind::Treezor | SchemeKind::None => None,
            };
            if let Some(name) = expected_header {
                assert!(
                    request.header(name).is_some(),
                    "{}: {name} missing",
                    provider.name
                );
            }
            let verification = verify(
                &provider.name,
                request,
                &url,
                spec.test_secret.as_deref().unwrap_or(""),
            );
            if spec.scheme == SchemeKind::None {
                assert_eq!(verification.verdict, scheme::Verdict::Unsigned);
            } else {
                assert!(
                    verification.verdict.is_valid(),
                    "{}: {:?}",
                    provider.name,
                    verification.verdict
                );
            }
            let json = verification
                .plaintext
                .unwrap_or_else(|| request.body.to_vec());
            let body: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let event = match (&spec.event_path, &spec.event_header) {
                (Some(p), _) => path::get_text(&body, p).unwrap(),
                (_, Some(h)) => request.header(h).unwrap().to_string(),
                _ => unreachable!(),
            };
            seen.insert(event);
        }
        let all: HashSet<String> = provider.events.iter().map(|e| e.name.clone()).collect();
        assert_eq!(seen, all, "{}: every event arrives once", provider.name);
    }
}

#[test]
fn an_explicit_secret_signs_and_verifies() {
    let server = TestServer::start(200);
    let url = server.url("/hooks");
    for (event, secret) in [
        ("stripe:charge.succeeded", "whsec_my_own"),
        ("treezor:payin.update", "my-treezor-secret"),
        ("mobilepay:payment.reserved", "my-mobilepay-key"),
        ("bankingcircle:Reversed", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"),
    ] {
        let (out, _, stderr) =
            run(hookctl().args(["send", event, "--to", &url, "--secret", secret]));
        assert!(out.status.success(), "{event}: {stderr}");
        assert!(
            !stderr.contains("built-in test secret"),
            "{event}: no built-in note with an explicit secret"
        );
        let request = server.requests().pop().unwrap();
        let provider = event.split(':').next().unwrap();
        assert!(
            verify(provider, &request, &url, secret).verdict.is_valid(),
            "{event}"
        );
        let builtin = Catalogue::embedded()
            .unwrap()
            .provider(provider)
            .unwrap()
            .spec
            .test_secret
            .clone()
            .unwrap();
        assert!(
            verify(provider, &request, &url, &builtin)
                .verdict
                .is_invalid(),
            "{event}: not signed with the built-in secret"
        );
    }
}

#[test]
fn secrets_come_from_the_environment_and_the_config_file() {
    let server = TestServer::start(200);
    let url = server.url("/");
    let (out, _, stderr) = run(hookctl()
        .args(["send", "github:ping", "--to", &url])
        .env("HOOKCTL_GITHUB_SECRET", "from-env"));
    assert!(out.status.success(), "{stderr}");
    assert!(verify("github", &server.requests()[0], &url, "from-env")
        .verdict
        .is_valid());

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hookctl.toml"),
        format!("to = \"{url}\"\n\n[secrets]\ngithub = \"from-config\"\n"),
    )
    .unwrap();
    let (out, _, stderr) = run(hookctl()
        .args(["send", "github:ping"])
        .current_dir(dir.path()));
    assert!(out.status.success(), "{stderr}");
    assert!(
        verify("github", &server.requests()[1], &url, "from-config")
            .verdict
            .is_valid(),
        "config secret and target used"
    );

    // The flag beats the environment, which beats the file.
    let (out, _, _) = run(hookctl()
        .args(["send", "github:ping", "--secret", "from-flag"])
        .env("HOOKCTL_SECRET", "generic")
        .current_dir(dir.path()));
    assert!(out.status.success());
    assert!(verify("github", &server.requests()[2], &url, "from-flag")
        .verdict
        .is_valid());
    let (out, _, _) = run(hookctl()
        .args(["send", "github:ping"])
        .env("HOOKCTL_SECRET", "generic")
        .current_dir(dir.path()));
    assert!(out.status.success());
    assert!(verify("github", &server.requests()[3], &url, "generic")
        .verdict
        .is_valid());

    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("hookctl.toml"), "secrets = 3\n").unwrap();
    let (out, _, stderr) = run(hookctl()
        .args(["send", "github:ping", "--to", &url])
        .current_dir(bad.path()));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("hookctl.toml"), "{stderr}");
}

/// The distinct `webhook_id`s of Treezor deliveries a test server received.
fn webhook_ids(requests: &[crate::common::server::Recorded]) -> HashSet<String> {
    requests
        .iter()
        .map(|r| {
            serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["webhook_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn count_and_concurrency_send_distinct_deliveries_over_reused_connections() {
    let server = TestServer::start(200);
    let url = server.url("/load");
    let (out, stdout, stderr) = run(hookctl().args([
        "send",
        "payin.update",
        "--to",
        &url,
        "--count",
        "200",
        "--concurrency",
        "8",
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    let all = records(&stdout);
    let summary = &all.last().unwrap()["data"];
    assert_eq!(summary["sent"], 200);
    assert_eq!(summary["delivered"], 200);
    for key in ["p50", "p90", "p99"] {
        assert!(summary["latency_ms"][key].is_number());
    }
    assert!(summary["requests_per_second"].is_number());
    assert_eq!(all.iter().filter(|r| r["type"] == "delivery").count(), 200);

    let requests = server.requests();
    assert_eq!(requests.len(), 200);
    assert_eq!(
        webhook_ids(&requests).len(),
        200,
        "every delivery has its own id"
    );
    // hyper hands a connection back to the pool a moment after the response ends, so a worker
    // sometimes opens a spare one; without pooling this would be 200.
    assert!(
        server.connections() <= 16,
        "connections are pooled: {} opened for 200 requests",
        server.connections()
    );
}

#[test]
fn unexpected_statuses_and_unreachable_targets_have_their_exit_codes() {
    let server = TestServer::start(503);
    let (out, stdout, _) =
        run(hookctl().args(["send", "stripe:charge.succeeded", "--to", &server.url("/")]));
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(
        stdout.contains("503") && stdout.contains("expected 2xx"),
        "{stdout}"
    );

    // Mipise counts only exactly 200 as delivered.
    let accepted = TestServer::start(202);
    let (out, _, _) = run(hookctl().args([
        "send",
        "mipise:pay_in_successful",
        "--to",
        &accepted.url("/"),
    ]));
    assert_eq!(out.status.code(), Some(4));
    let (out, _, _) = run(hookctl().args([
        "send",
        "mipise:pay_in_successful",
        "--to",
        &accepted.url("/"),
        "--expect-status",
        "2xx",
    ]));
    assert_eq!(out.status.code(), Some(0));

    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (out, stdout, _) =
        run(hookctl().args(["send", "github:ping", "--to", &format!("127.0.0.1:{port}")]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("connection refused"), "{stdout}");
}

#[test]
fn dry_run_prints_the_request_and_sends_nothing() {
    let server = TestServer::start(200).unhit();
    let url = server.url("/dry");
    let (out, stdout, stderr) =
        run(hookctl().args(["send", "github:push", "--to", &url, "--dry-run"]));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("# github:push\nPOST /dry HTTP/1.1\n"),
        "{stdout}"
    );
    assert!(stdout.contains("X-Hub-Signature-256: sha256="), "{stdout}");
    assert!(stdout.contains("Content-Length: "));
    let (out, stdout, _) = run(hookctl().args([
        "send",
        "bankingcircle:Reversed",
        "--to",
        &url,
        "--dry-run",
        "--json",
    ]));
    assert!(out.status.success());
    let record = &records(&stdout)[0];
    assert_eq!(record["type"], "request");
    assert!(
        record["data"]["body"]["base64"].is_string(),
        "ciphertext shown as base64"
    );
    assert!(record["data"]["plaintext"]["text"]
        .as_str()
        .unwrap()
        .contains("\"Reversed\""));
    assert!(server.requests().is_empty());
}

#[test]
fn pinned_values_raw_bodies_and_extra_headers_go_out_as_given() {
    let server = TestServer::start(200);
    let url = server.url("/pinned");
    let (out, _, stderr) = run(hookctl().args([
        "send",
        "stripe:charge.succeeded",
        "--to",
        &url,
        "--webhook-id",
        "evt_pinned",
        "--timestamp",
        "1700000000",
        "-H",
        "X-Trace: abc",
        "-H",
        "User-Agent: custom",
    ]));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let request = &server.requests()[0];
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["id"], "evt_pinned");
    assert_eq!(body["created"], 1700000000);
    assert!(request
        .header("Stripe-Signature")
        .unwrap()
        .starts_with("t=1700000000,v1="));
    assert_eq!(request.header("X-Trace"), Some("abc"));
    assert_eq!(
        request.header("User-Agent"),
        Some("custom"),
        "-H replaces the provider's header"
    );

    let dir = tempfile::tempdir().unwrap();
    let raw = b"{\"id\":\"evt_raw\",  \"type\" : \"charge.succeeded\"}\n";
    std::fs::write(dir.path().join("body.json"), raw).unwrap();
    let (out, _, stderr) = run(hookctl().args([
        "send",
        "stripe:charge.succeeded",
        "--to",
        &url,
        "--body",
        dir.path().join("body.json").to_str().unwrap(),
    ]));
    assert!(out.status.success(), "{stderr}");
    let request = &server.requests()[1];
    assert_eq!(&request.body[..], raw, "the body is sent byte for byte");
    assert!(
        verify("stripe", request, &url, "whsec_hookctl_stripe_test_secret")
            .verdict
            .is_valid()
    );

    let (out, _, stderr) = run(hookctl().args([
        "send",
        "stripe:charge.succeeded",
        "--to",
        &url,
        "--set",
        "data.object.amount=4242",
    ]));
    assert!(out.status.success(), "{stderr}");
    let body: serde_json::Value = serde_json::from_slice(&server.requests()[2].body).unwrap();
    assert_eq!(body["data"]["object"]["amount"], 4242);
}

#[test]
fn usage_mistakes_exit_2_with_a_helpful_message() {
    for (args, expected) in [
        (vec!["send"], "hookctl fixtures"),
        (
            vec!["send", "payin.updat"],
            "did you mean treezor:payin.update",
        ),
        (vec!["send", "invoice.paid"], "stripe:invoice.paid"),
        (vec!["send", "payin.update", "--to", "ftp://x"], "--to"),
        (
            vec!["send", "payin.update", "--set", "nopath"],
            "path=value",
        ),
        (
            vec!["send", "payin.update", "--set", "webhook.deeper=1"],
            "--set",
        ),
        (
            vec!["send", "payin.update", "-H", "no colon"],
            "Name: value",
        ),
        (
            vec!["send", "payin.update", "--timeout", "soon"],
            "duration",
        ),
        (
            vec!["send", "payin.update", "--timestamp", "yesterday"],
            "RFC 3339",
        ),
        (
            vec!["send", "payin.update", "--expect-status", "abc"],
            "--expect-status",
        ),
        (
            vec!["send", "bankingcircle:Reversed", "--secret", "too-short"],
            "32 characters",
        ),
        (vec!["send", "payin.update", "--count", "0"], "--count"),
        (
            vec!["send", "--all", "--provider", "nobody"],
            "unknown provider",
        ),
    ] {
        let (out, _, stderr) = run(hookctl().args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// A raw TCP peer on a free loopback port that does `behave` with each connection.
fn raw_peer(behave: fn(std::net::TcpStream)) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || behave(stream));
        }
    });
    port
}

fn read_request(stream: &mut std::net::TcpStream) {
    use std::io::Read;
    let mut buffer = [0u8; 65536];
    let _ = stream.read(&mut buffer);
}

#[test]
fn faults_on_the_way_get_a_clear_error_and_exit_code() {
    use std::io::Write;
    // A server that never answers: the timeout says so.
    let silent = raw_peer(|mut s| {
        read_request(&mut s);
        std::thread::park();
    });
    let (out, stdout, _) = run(hookctl().args([
        "send",
        "github:ping",
        "--to",
        &format!(":{silent}"),
        "--timeout",
        "300ms",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("no answer") && stdout.contains("300ms"),
        "{stdout}"
    );

    // A server that closes in the middle of its response.
    let cut = raw_peer(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
    });
    let (out, stdout, _) = run(hookctl().args(["send", "github:ping", "--to", &format!(":{cut}")]));
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("ERR"), "{stdout}");

    // A redirect is reported, not followed.
    let redirect = raw_peer(|mut s| {
        read_request(&mut s);
        let _ =
            s.write_all(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\n\r\n");
    });
    let (out, stdout, _) =
        run(hookctl().args(["send", "github:ping", "--to", &format!(":{redirect}")]));
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stdout.contains("redirect to http://127.0.0.1:9/elsewhere not followed"),
        "{stdout}"
    );

    // TLS spoken to a server that does not: a TLS error, not a hang (no request reaches it).
    let plain = TestServer::start(200).unhit();
    let (out, stdout, _) = run(hookctl().args([
        "send",
        "github:ping",
        "--to",
        &format!("https://{}/", plain.addr),
        "--timeout",
        "5s",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("ERR"), "{stdout}");

    // Replaying what is not there.
    let (out, _, stderr) = run(hookctl().args(["replay", "/nonexistent/captures", "--to", ":9"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("/nonexistent/captures"), "{stderr}");
}

#[test]
fn insecure_accepts_a_self_signed_certificate_and_only_then() {
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(
        certified.signing_key.serialize_der(),
    )
    .unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let mut buffer = vec![0u8; 65536];
                    let _ = tls.read(&mut buffer).await;
                    let _ = tls
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                        )
                        .await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    let url = format!("https://localhost:{port}/hooks");
    let (out, stdout, _) = run(hookctl().args(["send", "github:ping", "--to", &url]));
    assert_eq!(
        out.status.code(),
        Some(1),
        "an untrusted certificate is refused: {stdout}"
    );
    let (out, stdout, stderr) =
        run(hookctl().args(["send", "github:ping", "--to", &url, "--insecure"]));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
}

/// A long plain run is spread over a sending thread per core: every delivery still goes exactly
/// once, is reported once, and the connections stay pooled per thread.
#[test]
fn a_long_run_spread_over_threads_sends_each_delivery_once() {
    let server = TestServer::start(200);
    let (out, stdout, stderr) = run(hookctl().args([
        "send",
        "payin.update",
        "--to",
        &server.url("/"),
        "--count",
        "1500",
        "--concurrency",
        "8",
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    let all = records(&stdout);
    let summary = &all.last().unwrap()["data"];
    assert_eq!(
        (summary["sent"].as_u64(), summary["delivered"].as_u64()),
        (Some(1500), Some(1500))
    );
    assert_eq!(all.iter().filter(|r| r["type"] == "delivery").count(), 1500);
    assert_eq!(
        webhook_ids(&server.requests()).len(),
        1500,
        "each delivery once, with its own id"
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        server.connections() <= 16 * cores,
        "{} connections for 8 workers",
        server.connections()
    );
}

/// `--concurrency 1` stays one request at a time, on one connection, however long the run.
#[test]
fn concurrency_one_is_never_spread() {
    let server = TestServer::start(200);
    let (out, _, stderr) = run(hookctl().args([
        "send",
        "payin.update",
        "--to",
        &server.url("/"),
        "--count",
        "1000",
        "--concurrency",
        "1",
        "--quiet",
    ]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(server.requests().len(), 1000);
    assert_eq!(
        server.connections(),
        1,
        "one worker, one kept-alive connection"
    );
}
