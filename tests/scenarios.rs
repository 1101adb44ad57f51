//! Scenarios: every one renders, signs and verifies, its steps share what they should within a
//! run and not across runs, shuffling is reproducible, and a malformed one is refused by name.

use base64::Engine;
use hookctl::catalogue::Catalogue;
use hookctl::delivery::Headers;
use hookctl::scheme::{self, SchemeOptions, VerifyRequest};
use serde_json::Value;

use crate::common::server::TestServer;
use crate::common::{hookctl, records, run};

fn body_bytes(body: &Value) -> Vec<u8> {
    match (body["text"].as_str(), body["base64"].as_str()) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (_, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
        _ => panic!("a body: {body}"),
    }
}

/// Each request record of a dry run, with the JSON it carries (the plaintext where encrypted).
fn dry_run(scenario: &str, count: &str) -> Vec<(Value, Value)> {
    let (out, stdout, stderr) = run(hookctl().args([
        "send",
        "--scenario",
        scenario,
        "--count",
        count,
        "--dry-run",
        "--json",
        "--to",
        "http://127.0.0.1:9/hooks",
    ]));
    assert!(out.status.success(), "{scenario}: {stderr}");
    records(&stdout)
        .into_iter()
        .filter(|r| r["type"] == "request")
        .map(|r| {
            let data = r["data"].clone();
            let json = data.get("plaintext").unwrap_or(&data["body"]);
            let parsed = serde_json::from_slice(&body_bytes(json)).unwrap();
            (data, parsed)
        })
        .collect()
}

#[test]
fn every_scenario_renders_and_every_step_verifies() {
    let catalogue = Catalogue::embedded().unwrap();
    let mut count = 0;
    for provider in catalogue.providers() {
        assert!(
            provider.scenarios.len() >= 2,
            "{}: at least two scenarios",
            provider.name
        );
        let secret = provider.spec.test_secret.clone().unwrap_or_default();
        for scenario in &provider.scenarios {
            let qualified = format!("{}:{}", provider.name, scenario.name);
            let requests = dry_run(&qualified, "1");
            assert_eq!(requests.len(), scenario.steps.len(), "{qualified}");
            for ((request, _), step) in requests.iter().zip(&scenario.steps) {
                assert_eq!(
                    request["event"],
                    step.event.as_str(),
                    "{qualified}: steps in order"
                );
                assert_eq!(request["scenario"], qualified.as_str());
                let headers: Headers = request["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| {
                        (
                            h[0].as_str().unwrap().to_string(),
                            h[1].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                // What the dry run shows of a header that is the secret itself is not the secret.
                let mut headers = headers;
                if headers.contains(scheme::cryptomate::KEY_HEADER) {
                    headers.set(scheme::cryptomate::KEY_HEADER, &secret);
                }
                let body = body_bytes(&request["body"]);
                let options = SchemeOptions::default();
                let check = VerifyRequest {
                    headers: &headers,
                    body: &body,
                    url: request["url"].as_str().unwrap(),
                    now: chrono::Utc::now().timestamp(),
                    tolerance: 300,
                    top_level: None,
                    options: &options,
                };
                let verdict = scheme::verify(provider.spec.scheme, &check, &secret).verdict;
                assert!(
                    verdict.is_valid() || !provider.spec.scheme.signs(),
                    "{qualified} {}: {verdict:?}",
                    step.event
                );
                count += 1;
            }
        }
    }
    assert!(count > 40, "{count} steps");
}

#[test]
fn the_steps_of_a_run_speak_of_the_same_objects_and_the_next_run_of_others() {
    let payin = |parsed: &Value| {
        parsed["object_payload"]["payins"][0]["payinId"]
            .as_str()
            .map(str::to_string)
    };
    let requests = dry_run("treezor:card-payin", "2");
    assert_eq!(requests.len(), 6);
    let (first, second) = (&requests[..3], &requests[3..]);
    assert_eq!(
        payin(&first[1].1),
        payin(&first[2].1),
        "payin.create and payin.update: one payin"
    );
    assert_eq!(
        first[2].1["object_id"],
        first[2].1["object_payload"]["payins"][0]["payinId"]
    );
    assert_eq!(
        first[1].1["object_payload"]["payins"][0]["payinStatus"],
        "PENDING"
    );
    assert_eq!(
        first[2].1["object_payload"]["payins"][0]["payinStatus"],
        "VALIDATED"
    );
    assert_ne!(
        payin(&first[1].1),
        payin(&second[1].1),
        "a new payin in the next run"
    );

    let requests = dry_run("stripe:checkout-completed", "1");
    let object = |n: usize| requests[n].1["data"]["object"].clone();
    assert_eq!(object(0)["payment_intent"], object(1)["id"]);
    assert_eq!(object(2)["payment_intent"], object(1)["id"]);
    assert_eq!(object(1)["latest_charge"], object(2)["id"]);
    assert_eq!(object(3)["customer"], object(0)["customer"]);

    let requests = dry_run("bankingcircle:outgoing-payment-rejected", "1");
    let payment = |n: usize| requests[n].1["notifications"][0]["payment"]["paymentId"].clone();
    assert_eq!(payment(0), payment(1));

    let requests = dry_run("github:pull-request-merged", "1");
    assert_eq!(requests[0].1["number"], requests[2].1["number"]);
    assert!(
        requests[2].1["number"].is_number(),
        "a numeric tag stays a number"
    );
    assert_eq!(requests[2].1["pull_request"]["merged"], true);
}

#[test]
fn a_shuffled_scenario_goes_in_the_same_order_twice_with_a_seed() {
    let order = || {
        let server = TestServer::start(200);
        let args = [
            "send",
            "--scenario",
            "stripe:checkout-completed",
            "--count",
            "3",
            "--shuffle",
            "--seed",
            "7",
            "--to",
        ];
        let (out, stdout, stderr) = run(hookctl().args(args).arg(server.url("/")).arg("--json"));
        assert!(out.status.success(), "{stderr}");
        let deliveries: Vec<(u64, u64)> = records(&stdout)
            .iter()
            .filter(|r| r["type"] == "delivery")
            .map(|r| {
                (
                    r["data"]["run"].as_u64().unwrap(),
                    r["data"]["step"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(server.requests().len(), 12);
        deliveries
    };
    let first = order();
    assert_eq!(first, order());
    let mut sorted = first.clone();
    sorted.sort();
    assert_ne!(first, sorted, "shuffled across runs and steps");
}

#[test]
fn a_malformed_scenario_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("treezor").join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    let bad = scenarios.join("broken.toml");
    std::fs::write(
        &bad,
        "title = \"x\"\n[[steps]]\nevent = \"payin.create\"\nset = { \"x\" = \"{{@payin}}\" }\n",
    )
    .unwrap();
    let (out, _, stderr) = run(hookctl().args([
        "--fixtures",
        dir.path().to_str().unwrap(),
        "fixtures",
        "treezor",
    ]));
    assert!(!out.status.success());
    assert!(
        stderr.contains("broken.toml") && stderr.contains("before any step defines the tag"),
        "{stderr}"
    );

    // A good one is added beside the built-in ones, and can be sent.
    std::fs::write(
        &bad,
        "title = \"mine\"\n[[steps]]\nevent = \"payin.create\"\n[[steps]]\nevent = \"payin.cancel\"\n",
    )
    .unwrap();
    let (out, stdout, stderr) = run(hookctl().args([
        "--fixtures",
        dir.path().to_str().unwrap(),
        "fixtures",
        "treezor",
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    let names: Vec<Value> = records(&stdout)
        .into_iter()
        .filter(|r| r["type"] == "scenario")
        .map(|r| r["data"]["name"].clone())
        .collect();
    assert!(
        names.contains(&Value::from("broken")) && names.contains(&Value::from("card-payin")),
        "{names:?}"
    );
    let (out, _, stderr) = run(hookctl().args(["send", "--scenario", "card-payn", "--dry-run"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("did you mean treezor:card-payin"),
        "{stderr}"
    );
}
