//! `unibill stores` against the Vercel emulator (started in this test process on 127.0.0.1, behind a recording
//! `TestServer` where the exact request matters): the billing-plans query, typed and exact metadata, a store
//! created without a resolvable id, Vercel's message shown once, and a missing team said out loud.

mod support;

use support::Ran;
use unibill::{BillingPlan, IntegrationConfiguration, Store};
use unibill_testkit::TestServer;
use unibill_testkit::emulators::vercel;

const VERCEL_TOKEN: &str = "vercel_cli_stores_token";

fn unibill(vars: &[(&str, String)], args: &[&str]) -> Ran {
    support::run(vars, args, None)
}

/// The variables pointing `unibill stores` at `base_url`, with the seeded team when `team`.
fn vars(base_url: &str, team: bool) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("UNIBILL_STORES_PROVIDER", "vercel".to_owned()),
        ("VERCEL_TOKEN", VERCEL_TOKEN.to_owned()),
        ("VERCEL_BASE_URL", base_url.trim_end_matches('/').to_owned()),
    ];
    if team {
        v.push(("VERCEL_TEAM_ID", vercel::seed::TEAM_ID.to_owned()));
    }
    v
}

/// `text` as an `application/x-www-form-urlencoded` value (as URLSearchParams writes it): alphanumerics and
/// `*-._` as they are, a space as `+`, every other byte as `%XX`.
fn form(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_plans_sends_the_configuration_metadata_and_source_wire_exact() {
    let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
    let server = TestServer::router(emulator.router()).await;
    let vars = vars(server.url().as_str(), true);
    let plans: Vec<BillingPlan> = unibill(
        &vars,
        &[
            "stores",
            "plans",
            "--integration",
            vercel::seed::INTEGRATION_SLUG,
            "--product",
            vercel::seed::POSTGRES_PRODUCT_ID,
            "--configuration-id",
            vercel::seed::CONFIGURATION_ID,
            "--metadata-json",
            r#"{ "replicas": 2, "cpuUnits": 0.25000000000000000001, "highAvailability": false,
                 "tags": ["database", "postgres"] }"#,
            "--metadata",
            "environment=preview",
            "--source",
            "cli",
            "--json",
        ],
    )
    .json();
    assert_eq!(plans.len(), 4, "the Postgres product's plans");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].path,
        format!(
            "/v1/integrations/integration/neon/products/{}/plans",
            vercel::seed::POSTGRES_PRODUCT_ID
        )
    );
    // Compact JSON, keys in order, the number's 21 significant digits as written (no float in between).
    let metadata = r#"{"cpuUnits":0.25000000000000000001,"environment":"preview","highAvailability":false,"replicas":2,"tags":["database","postgres"]}"#;
    assert_eq!(
        reqs[0].query.as_deref(),
        Some(
            format!(
                "integrationConfigurationId={}&metadata={}&source=cli&teamId={}",
                vercel::seed::CONFIGURATION_ID,
                form(metadata),
                vercel::seed::TEAM_ID
            )
            .as_str()
        )
    );

    // Without the optional parts, only the team is sent.
    unibill(
        &vars,
        &[
            "stores",
            "plans",
            "--integration",
            "neon",
            "--product",
            "neon",
        ],
    )
    .ok();
    assert_eq!(
        server.requests()[1].query.as_deref(),
        Some(format!("teamId={}", vercel::seed::TEAM_ID).as_str())
    );

    // The emulator checks the intended metadata against the product's schema: a 400 naming the key, exit 2.
    let wrong = unibill(
        &vars,
        &[
            "stores",
            "plans",
            "--integration",
            "neon",
            "--product",
            vercel::seed::POSTGRES_PRODUCT_ID,
            "--metadata-json",
            r#"{"replicas":"two"}"#,
        ],
    );
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(
        wrong
            .stderr
            .contains("`metadata.replicas` should be number"),
        "{}",
        wrong.stderr
    );
    // An installation that is not there: 404, exit 1.
    let missing = unibill(
        &vars,
        &[
            "stores",
            "plans",
            "--integration",
            "neon",
            "--product",
            "neon",
            "--configuration-id",
            "icfg_nope",
        ],
    );
    assert_eq!(missing.code, 1, "{}", missing.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_create_takes_typed_metadata_json_exactly() {
    let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
    let server = TestServer::router(emulator.router()).await;
    let vars = vars(server.url().as_str(), true);
    let created: Store = unibill(
        &vars,
        &[
            "stores",
            "create",
            "--name",
            "pg-typed",
            "--configuration-id",
            vercel::seed::CONFIGURATION_ID,
            "--product",
            vercel::seed::POSTGRES_PRODUCT_ID,
            "--billing-plan-id",
            vercel::seed::SUBSCRIPTION_PLAN_ID,
            "--metadata-json",
            r#"{"replicas":2,"cpuUnits":0.25,"highAvailability":false,"tags":["database","postgres"]}"#,
            "--metadata",
            "environment=development",
            "--json",
        ],
    )
    .json();
    let id = created.id.clone().expect("the emulator answers the id");
    let body = server.requests()[0].body_text();
    assert!(
        body.contains(
            r#""metadata":{"cpuUnits":0.25,"environment":"development","highAvailability":false,"replicas":2,"tags":["database","postgres"]}"#
        ),
        "{body}"
    );
    let record = emulator.store_record(id.as_str()).unwrap();
    assert_eq!(
        record["metadata"],
        serde_json::json!({
            "cpuUnits": 0.25, "environment": "development", "highAvailability": false,
            "replicas": 2, "tags": ["database", "postgres"], "region": "iad1"
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_json_that_is_not_flat_is_a_usage_error_naming_the_key_before_any_request() {
    let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
    let server = TestServer::router(emulator.router()).await;
    let vars = vars(server.url().as_str(), true);
    let create = |metadata: &[&str]| {
        let mut args = vec![
            "stores",
            "create",
            "--name",
            "db",
            "--configuration-id",
            vercel::seed::CONFIGURATION_ID,
            "--product",
            "neon",
        ];
        args.extend_from_slice(metadata);
        unibill(&vars, &args)
    };
    for (json, key) in [
        (r#"{"limits":{"cpu":1}}"#, "metadata.limits"),
        (r#"{"tags":["database",1]}"#, "metadata.tags"),
        (r#"{"region":null}"#, "metadata.region"),
        (r#"{"nested":[[1]]}"#, "metadata.nested"),
    ] {
        let ran = create(&["--metadata-json", json]);
        assert_eq!(ran.code, 2, "{json}: {}", ran.stderr);
        assert!(ran.stderr.contains(key), "{json}: {}", ran.stderr);
    }
    let not_an_object = create(&["--metadata-json", "[1, 2]"]);
    assert_eq!(not_an_object.code, 2, "{}", not_an_object.stderr);
    assert!(
        not_an_object.stderr.contains("metadata"),
        "{}",
        not_an_object.stderr
    );
    let twice = create(&[
        "--metadata-json",
        r#"{"region":"fra1"}"#,
        "--metadata",
        "region=iad1",
    ]);
    assert_eq!(twice.code, 2, "{}", twice.stderr);
    assert!(twice.stderr.contains("metadata.region"), "{}", twice.stderr);
    assert_eq!(server.request_count(), 0, "nothing refused was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_created_without_a_resolvable_id_exits_3_saying_what_is_known() {
    let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
    // The documented answer (no undocumented `id`), and a token the partner-resource lookup refuses.
    emulator.set_undocumented_store_fields(false);
    emulator.set_resource_lookup(false);
    let served = emulator.serve().await.unwrap();
    let vars = vars(served.base_url(), true);
    let args = [
        "stores",
        "create",
        "--name",
        "no-id-db",
        "--configuration-id",
        vercel::seed::CONFIGURATION_ID,
        "--product",
        "neon",
    ];

    let mut with_json = args.to_vec();
    with_json.push("--json");
    let ran = unibill(&vars, &with_json);
    assert_eq!(
        ran.code, 3,
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout, ran.stderr
    );
    // What is known is printed, for scripts too.
    let store: Store = serde_json::from_str(&ran.stdout).expect("the store as JSON");
    assert_eq!(store.id, None);
    let external = "neon-proj-emu-00000001";
    assert_eq!(store.external_resource_id, external);
    for said in [
        "store `no-id-db` was created",
        "no store id",
        "do not create it again",
        external,
        vercel::seed::CONFIGURATION_ID,
        "unibill stores get <id>",
    ] {
        assert!(ran.stderr.contains(said), "lacks {said:?}: {}", ran.stderr);
    }

    let table = unibill(&vars, &args);
    assert_eq!(table.code, 3, "{}", table.stderr);
    assert!(
        table.stdout.contains("neon-proj-emu-00000002"),
        "{}",
        table.stdout
    );
    assert!(
        table.stderr.contains("neon-proj-emu-00000002"),
        "{}",
        table.stderr
    );
    assert_eq!(
        emulator.stores_count(),
        2,
        "each run created one store and retried nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_team_empty_listings_and_404s_say_that_no_team_is_set() {
    let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
    let served = emulator.serve().await.unwrap();
    let personal = vars(served.base_url(), false);

    // The personal account sees no installation: the listing is empty, and stderr says why.
    for args in [
        vec!["stores", "configurations"],
        vec!["stores", "configurations", "--json"],
    ] {
        let ran = unibill(&personal, &args);
        assert_eq!(ran.code, 0, "{}", ran.stderr);
        for name in [
            "no Vercel team is set",
            "VERCEL_TEAM_ID",
            "VERCEL_TEAM_SLUG",
        ] {
            assert!(
                ran.stderr.contains(name),
                "{args:?} lacks {name}: {}",
                ran.stderr
            );
        }
        if args.contains(&"--json") {
            let listed: Vec<IntegrationConfiguration> = serde_json::from_str(&ran.stdout).unwrap();
            assert!(listed.is_empty());
        }
    }
    // A team's configuration is 404 to it: Vercel's message once, and the missing team named.
    let products = unibill(
        &personal,
        &[
            "stores",
            "products",
            "--configuration-id",
            vercel::seed::CONFIGURATION_ID,
        ],
    );
    assert_eq!(products.code, 1, "{}", products.stderr);
    assert_eq!(
        products
            .stderr
            .matches("Integration configuration not found")
            .count(),
        1,
        "{}",
        products.stderr
    );
    assert!(
        products.stderr.contains("VERCEL_TEAM_ID") && products.stderr.contains("VERCEL_TEAM_SLUG"),
        "{}",
        products.stderr
    );

    // With the team: an empty listing is only empty, and a 404 says nothing of teams.
    let team = vars(served.base_url(), true);
    let filtered = unibill(
        &team,
        &["stores", "configurations", "--integration", "vercel-kv"],
    );
    assert_eq!(filtered.code, 0, "{}", filtered.stderr);
    assert!(filtered.stderr.is_empty(), "{}", filtered.stderr);
    let unknown = unibill(
        &team,
        &["stores", "products", "--configuration-id", "icfg_nope"],
    );
    assert_eq!(unknown.code, 1);
    assert_eq!(
        unknown
            .stderr
            .matches("Integration configuration not found")
            .count(),
        1,
        "{}",
        unknown.stderr
    );
    assert!(
        !unknown.stderr.contains("VERCEL_TEAM_ID"),
        "{}",
        unknown.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_in_the_config_file_counts_as_set() {
    let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
    let served = emulator.serve().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let toml = |name: &str, team: &str| {
        let path = dir.join(format!("stores-vercel-{}-{name}.toml", std::process::id()));
        std::fs::write(
            &path,
            format!(
                "[routes]\nstores = \"vercel\"\n\n[vercel]\ntoken_env = \"VERCEL_TOKEN\"\nbase_url = \"{}\"\n{team}",
                served.base_url()
            ),
        )
        .unwrap();
        path
    };
    let token = [("VERCEL_TOKEN", VERCEL_TOKEN.to_owned())];
    let with_team = toml(
        "team",
        &format!("team_slug = \"{}\"\n", vercel::seed::TEAM_SLUG),
    );
    let ran = unibill(
        &token,
        &[
            "--config",
            with_team.to_str().unwrap(),
            "stores",
            "configurations",
            "--integration",
            "vercel-kv",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stderr.is_empty(), "{}", ran.stderr);
    let without = toml("personal", "");
    let ran = unibill(
        &token,
        &[
            "--config",
            without.to_str().unwrap(),
            "stores",
            "configurations",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("team_slug under [vercel]"),
        "{}",
        ran.stderr
    );
    let _ = std::fs::remove_file(with_team);
    let _ = std::fs::remove_file(without);
}
