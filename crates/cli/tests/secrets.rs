//! The built `unibill` binary with planted secrets (issue #11, item 4): connection secrets on stdin, keys in the
//! environment, `--json` and human output, a provider echoing the request into its error body, wrong keys for
//! every provider. No run prints a planted value on stdout or stderr, whatever `RUST_LOG` says.

mod support;

use support::Ran;

use unibill::Connection;
use unibill_testkit::emulators::{flexprice, flowglad, vercel};
use unibill_testkit::encoded::{Encoding, leak};
use unibill_testkit::{Reply, TestServer};

const FLEXPRICE_KEY: &str = "sk_PLANTED_cli_flexprice_key";
const WRONG_FLEXPRICE_KEY: &str = "sk_PLANTED_cli_wrong_flexprice_key";
const WRONG_FLOWGLAD_KEY: &str = "sk_test_PLANTED_cli_wrong_flowglad_key";
const WRONG_VERCEL_TOKEN: &str = "PLANTED_cli_wrong_vercel_token";
const STRIPE_SECRET: &str = "sk_live_PLANTED_cli_stripe_secret";
const WEBHOOK_SECRET: &str = "whsec_PLANTED_cli_webhook";
const S3_SECRET: &str = "PLANTED_cli_s3_secret_access_key";
const WHOP_KEY: &str = "PLANTED_cli_whop_api_key";
const WHOP_ROTATED: &str = "PLANTED_cli_whop_rotated_webhook";

/// Runs `unibill ARGS` with exactly `vars` (and `RUST_LOG=trace`) as its environment, then checks that neither
/// stream holds a planted value.
fn unibill(vars: &[(&str, String)], args: &[&str], stdin: Option<&str>) -> Ran {
    let mut env = vars.to_vec();
    env.push(("RUST_LOG", "trace".to_owned()));
    let ran = support::run(&env, args, stdin);
    for (stream, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
        assert!(
            !text.contains("PLANTED"),
            "unibill {args:?}: {stream} leaks a planted value:\n{text}"
        );
    }
    ran
}

trait Failed {
    fn failed(self, code: i32) -> Ran;
}

impl Failed for Ran {
    /// A run that failed with `code` and said why on standard error.
    fn failed(self, code: i32) -> Ran {
        assert_eq!(self.code, code, "{}{}", self.stdout, self.stderr);
        assert!(!self.stderr.is_empty(), "the failure is explained");
        self
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_planted_secret_or_key_is_ever_printed() {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let server = TestServer::router(emulator.router()).await;
    let base = format!("http://{}/v1", server.addr());
    let vars = |key: &str| {
        vec![
            ("UNIBILL_CONNECTIONS_PROVIDER", "flexprice".to_owned()),
            ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice".to_owned()),
            ("FLEXPRICE_API_KEY", key.to_owned()),
            ("FLEXPRICE_BASE_URL", base.clone()),
        ]
    };
    let good = vars(FLEXPRICE_KEY);

    // Create with secrets on stdin (KEY=VALUE and JSON), read back with --json and as text, rotate a secret.
    let stripe: Connection = unibill(
        &good,
        &[
            "connections",
            "create",
            "--name",
            "Stripe",
            "--provider-type",
            "stripe",
            "--secrets-stdin",
            "--json",
        ],
        Some(&format!(
            "publishable_key=pk_test_PLANTED_cli\nsecret_key={STRIPE_SECRET}\nwebhook_secret={WEBHOOK_SECRET}\n"
        )),
    )
    .json();
    let whop: Connection = unibill(
        &good,
        &[
            "connections",
            "create",
            "--name",
            "Whop",
            "--provider-type",
            "whop",
            "--secrets-stdin",
            "--json",
        ],
        Some(&format!(
            r#"{{"api_key":"{WHOP_KEY}","company_id":"biz_cli","webhook_secret":"{WEBHOOK_SECRET}"}}"#
        )),
    )
    .json();
    let _s3: Connection = unibill(
        &good,
        &[
            "connections",
            "create",
            "--name",
            "Exports",
            "--provider-type",
            "s3",
            "--s3-bucket",
            "b",
            "--s3-region",
            "eu-west-1",
            "--secrets-stdin",
            "--json",
        ],
        Some(&format!(
            "aws_access_key_id=AKIA_PLANTED_cli\naws_secret_access_key={S3_SECRET}\n"
        )),
    )
    .json();
    let rotated: Connection = unibill(
        &good,
        &[
            "connections",
            "update",
            whop.id.as_str(),
            "--provider-type",
            "whop",
            "--secrets-stdin",
            "--json",
        ],
        Some(&format!("webhook_secret={WHOP_ROTATED}\n")),
    )
    .json();
    assert_eq!(rotated.id, whop.id);
    assert!(
        emulator
            .connection_secrets(whop.id.as_str())
            .is_some_and(|s| s.values().any(|v| v == WHOP_ROTATED)),
        "the rotated secret reached the provider"
    );
    for id in [stripe.id.as_str(), whop.id.as_str()] {
        let _: Connection = unibill(&good, &["connections", "get", id, "--json"], None).json();
        assert_eq!(unibill(&good, &["connections", "get", id], None).code, 0);
    }
    let listed: Vec<Connection> =
        unibill(&good, &["connections", "list", "--all", "--json"], None).json();
    assert_eq!(listed.len(), 3);
    assert_eq!(unibill(&good, &["connections", "list"], None).code, 0);

    // A rotation Flexprice would ignore is refused (`Unsupported` naming the `secrets` field: a usage error,
    // exit 2, since issue 19 item 6), without echoing the secret.
    unibill(
        &good,
        &[
            "connections",
            "update",
            stripe.id.as_str(),
            "--provider-type",
            "stripe",
            "--secrets-stdin",
            "--json",
        ],
        Some(&format!(
            "publishable_key=pk_test_PLANTED_cli\nsecret_key={STRIPE_SECRET}\nwebhook_secret={WEBHOOK_SECRET}\n"
        )),
    )
    .failed(2);

    // The provider echoes the key and the request's secrets into its error bodies, parsed and unparsed.
    let echoed = format!(
        r#"{{"code":"validation_error","message":"bad {FLEXPRICE_KEY} {WEBHOOK_SECRET} {WHOP_KEY}","http_status_code":400}}"#
    );
    server.push_fault(Reply::json(400, echoed));
    unibill(
        &good,
        &[
            "connections",
            "create",
            "--name",
            "Whop 2",
            "--provider-type",
            "whop",
            "--secrets-stdin",
            "--json",
        ],
        Some(&format!(
            "api_key={WHOP_KEY}\ncompany_id=biz\nwebhook_secret={WEBHOOK_SECRET}\n"
        )),
    )
    .failed(2);
    server.push_fault(Reply::status(404).body(format!("upstream: {FLEXPRICE_KEY}")));
    unibill(
        &good,
        &["connections", "get", whop.id.as_str(), "--json"],
        None,
    )
    .failed(1);

    // Not found, with a secret in the update.
    unibill(
        &good,
        &[
            "connections",
            "update",
            "conn_missing",
            "--provider-type",
            "whop",
            "--secrets-stdin",
        ],
        Some(&format!("webhook_secret={WHOP_ROTATED}\n")),
    )
    .failed(1);

    // Wrong keys for every provider.
    let wrong = vars(WRONG_FLEXPRICE_KEY);
    unibill(&wrong, &["connections", "list", "--json"], None).failed(1);
    unibill(&wrong, &["customers", "list"], None).failed(1);
    unibill(
        &wrong,
        &[
            "connections",
            "create",
            "--name",
            "S",
            "--provider-type",
            "s3",
            "--s3-bucket",
            "b",
            "--s3-region",
            "eu-west-1",
            "--secrets-stdin",
            "--json",
        ],
        Some(&format!(
            "aws_access_key_id=AKIA_PLANTED_cli\naws_secret_access_key={S3_SECRET}\n"
        )),
    )
    .failed(1);

    let fg = flowglad::FlowgladEmulator::new("sk_test_cli_right_key");
    let fg_served = fg.serve().await.unwrap();
    let fg_vars = [
        ("UNIBILL_CUSTOMERS_PROVIDER", "flowglad".to_owned()),
        ("FLOWGLAD_SECRET_KEY", WRONG_FLOWGLAD_KEY.to_owned()),
        ("FLOWGLAD_BASE_URL", fg_served.base_url().to_owned()),
    ];
    unibill(&fg_vars, &["customers", "list", "--json"], None).failed(1);

    let vc = vercel::VercelEmulator::new("vercel_cli_right_token");
    let vc_served = vc.serve().await.unwrap();
    let vc_vars = [
        ("UNIBILL_STORES_PROVIDER", "vercel".to_owned()),
        ("VERCEL_TOKEN", WRONG_VERCEL_TOKEN.to_owned()),
        ("VERCEL_TEAM_ID", vercel::seed::TEAM_ID.to_owned()),
        ("VERCEL_BASE_URL", vc_served.base_url().to_owned()),
    ];
    unibill(&vc_vars, &["stores", "configurations", "--json"], None).failed(1);
    unibill(&vc_vars, &["stores", "get", "store_1"], None).failed(1);
}

/// A connection secret holding what Go's JSON encoder escapes (`&`, `<`, `>`).
const ODD_SECRET: &str = "whsec_PLANTED&<cli>";

/// Flexprice echoing the key and the connection secrets in each encoding ([`Encoding::ALL`]): a parsed 400
/// with field errors and a request id header (to `connections create`), a 2xx whose decode error quotes the
/// echo (`customers get`), a plain-text 404 (`connections get`). Neither stream of the binary, with or without
/// `--json`, holds any of them in any encoding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_echoed_in_any_encoding_are_never_printed() {
    let needles = [FLEXPRICE_KEY, STRIPE_SECRET, ODD_SECRET, "PLANTED"];
    let mut leaks = Vec::new();
    for encoding in Encoding::ALL {
        let [key, secret, odd] =
            [FLEXPRICE_KEY, STRIPE_SECRET, ODD_SECRET].map(|s| encoding.encode(s));
        let all = format!("{key} / {secret} / {odd}");
        let parsed = format!(
            r#"{{"code":"validation_error","message":"bad {all}","http_status_code":400,"details":{{"SecretKey":"{all}"}}}}"#
        );
        let id = format!("req_1 [{key}]");
        let server = TestServer::from_fn(move |r| match (r.method.as_str(), r.path.as_str()) {
            ("POST", _) => Reply::json(400, parsed.clone()).header("x-request-id", &id),
            ("GET", "/v1/customers/cust_1") => Reply::json(200, format!(r#""{key}""#)),
            _ => Reply::status(404).body(format!("upstream: {key}")),
        })
        .await;
        let vars = [
            ("UNIBILL_CONNECTIONS_PROVIDER", "flexprice".to_owned()),
            ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice".to_owned()),
            ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.to_owned()),
            ("FLEXPRICE_BASE_URL", format!("http://{}/v1", server.addr())),
            ("RUST_LOG", "trace".to_owned()),
        ];
        let stdin = format!(
            "publishable_key=pk_test_cli\nsecret_key={STRIPE_SECRET}\nwebhook_secret={ODD_SECRET}\n"
        );
        let create = [
            "connections",
            "create",
            "--name",
            "Stripe",
            "--provider-type",
            "stripe",
            "--secrets-stdin",
        ];
        for json in [false, true] {
            let with = |args: &[&'static str]| {
                let mut args = args.to_vec();
                if json {
                    args.push("--json");
                }
                args
            };
            let runs = [
                (with(&create), Some(stdin.as_str()), 2),
                (with(&["customers", "get", "cust_1"]), None, 1),
                (with(&["connections", "get", "conn_text"]), None, 1),
            ];
            for (args, input, code) in runs {
                let ran = support::run(&vars, &args, input).failed(code);
                for (stream, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
                    if let Some(found) = leak(text, &needles) {
                        leaks.push(format!(
                            "{}: unibill {args:?}: {stream} holds {found}:\n{text}",
                            encoding.name()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
