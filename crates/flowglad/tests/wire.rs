//! Exact requests per operation against the provider's fixtures: method, path, query, `Authorization` with the
//! raw key, JSON body equal to the fixture request, and the fixture answers decoded.

mod support;

use rust_decimal_macros::dec;
use serde_json::json;
use support::{KEY, answering, body_json, fixture, fixture_json};
use unibill_core::{
    Currency, CustomerId, CustomerListQuery, CustomerStatus, CustomerUpdate, Customers, Interval,
    Money, NewCustomer, NewPrice, PackageRounding, PriceId, PriceKind, PriceListQuery, PriceUpdate,
    Prices, PricingScheme,
};
use unibill_testkit::{RecordedRequest, Reply};

const PRICE_ID: &str = "price_4TnVb8KxQ2mWp7Ls1DfRz";

fn usd(a: rust_decimal::Decimal) -> Money {
    Money::new(a, Currency::USD)
}

/// Answers each route with its fixture.
fn fixtures(req: &RecordedRequest) -> Reply {
    let name = match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/api/v1/prices") => {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            match body["price"]["type"].as_str() {
                Some("subscription") => "create-subscription-price.response.json",
                Some("usage") => "create-usage-price.response.json",
                _ => "create-single-payment-price.response.json",
            }
        }
        ("GET", "/api/v1/prices") => "list-prices.response.json",
        ("GET", p) if p.starts_with("/api/v1/prices/") => "get-price.response.json",
        ("PUT", p) if p.starts_with("/api/v1/prices/") => "update-price.response.json",
        ("POST", "/api/v1/customers") => "create-customer.response.json",
        ("GET", "/api/v1/customers") => {
            return Reply::json(
                200,
                json!({
                    "data": [fixture_json("get-customer.response.json")["customer"]],
                    "hasMore": false,
                    "total": 1
                })
                .to_string(),
            );
        }
        _ => "get-customer.response.json",
    };
    Reply::json(200, fixture(name))
}

fn assert_request(r: &RecordedRequest, method: &str, path: &str) {
    assert_eq!(r.method.as_str(), method);
    assert_eq!(r.path, path);
    assert_eq!(
        r.header("authorization"),
        Some(KEY),
        "the raw key, no Bearer"
    );
    assert_eq!(r.header("accept"), Some("application/json"));
    if !r.body.is_empty() {
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn create_subscription_price() {
    let (server, c) = answering(fixtures).await;
    let input = NewPrice::builder(
        PriceKind::Recurring {
            interval: Interval::monthly(),
            trial_days: Some(14),
        },
        usd(dec!(19.99)),
    )
    .product_id("prod_Hk4mV9sQ2wLx8RtYp3NcB")
    .is_default(true)
    .name("Pro Monthly")
    .slug("pro_monthly")
    .active(true)
    .build()
    .unwrap();
    let price = Prices::create(&c, input.clone()).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_request(&reqs[0], "POST", "/api/v1/prices");
    assert_eq!(reqs[0].query, None);
    assert_eq!(
        body_json(&reqs[0]),
        fixture_json("create-subscription-price.request.json")
    );
    assert_eq!(price.id.as_str(), PRICE_ID);
    assert_eq!(&price.kind, input.kind());
    assert_eq!(price.unit_amount, usd(dec!(19.99)));
    assert_eq!(price.slug.as_deref(), Some("pro_monthly"));
    assert_eq!(price.livemode, Some(false));
    assert_eq!(
        price.created_at.map(|t| t.as_millisecond()),
        Some(1_774_281_912_431)
    );
    assert_eq!(
        price.raw.unwrap().to_value(),
        fixture_json("create-subscription-price.response.json")["price"]
    );
}

#[tokio::test]
async fn create_usage_price() {
    let (server, c) = answering(fixtures).await;
    let input = NewPrice::builder(
        PriceKind::usage(Interval::monthly(), "usage_meter_Jd3Kf8Lp2Qx7Vn5Wm1Rt9"),
        usd(dec!(0.05)),
    )
    .package(1000, PackageRounding::Up)
    .is_default(true)
    .name("API calls (per 1k)")
    .slug("api_calls_per_1k")
    .build()
    .unwrap();
    let price = Prices::create(&c, input).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_request(&reqs[0], "POST", "/api/v1/prices");
    assert_eq!(
        body_json(&reqs[0]),
        fixture_json("create-usage-price.request.json")
    );
    assert_eq!(
        price.scheme,
        PricingScheme::Package {
            units: 1000,
            rounding: PackageRounding::Up
        }
    );
    assert_eq!(price.product_id, None);
    assert_eq!(price.unit_amount, usd(dec!(0.05)));
}

#[tokio::test]
async fn create_single_payment_price() {
    let (server, c) = answering(fixtures).await;
    let input = NewPrice::builder(PriceKind::OneTime, usd(dec!(49.00)))
        .product_id("prod_Zr7Tq1WnB5cXs9LmK2dPv")
        .is_default(true)
        .name("Lifetime add-on")
        .slug("lifetime_addon")
        .build()
        .unwrap();
    let price = Prices::create(&c, input).await.unwrap();
    let reqs = server.requests();
    assert_request(&reqs[0], "POST", "/api/v1/prices");
    assert_eq!(
        body_json(&reqs[0]),
        fixture_json("create-single-payment-price.request.json")
    );
    assert_eq!(price.kind, PriceKind::OneTime);
}

#[tokio::test]
async fn unset_flags_are_omitted_per_type() {
    let (server, c) = answering(fixtures).await;
    let one_time = NewPrice::builder(PriceKind::OneTime, usd(dec!(1)))
        .product_id("prod_Zr7Tq1WnB5cXs9LmK2dPv")
        .build()
        .unwrap();
    Prices::create(&c, one_time).await.unwrap();
    let usage = NewPrice::builder(PriceKind::usage(Interval::monthly(), "m"), usd(dec!(1)))
        .build()
        .unwrap();
    Prices::create(&c, usage).await.unwrap();
    let reqs = server.requests();
    assert_eq!(
        body_json(&reqs[0]),
        json!({"price": {"type": "single_payment", "productId": "prod_Zr7Tq1WnB5cXs9LmK2dPv",
                         "unitPrice": 100, "isDefault": true}})
    );
    assert_eq!(
        body_json(&reqs[1]),
        json!({"price": {"type": "usage", "usageMeterId": "m", "unitPrice": 100, "usageEventsPerUnit": 1,
                         "intervalUnit": "month", "intervalCount": 1, "isDefault": false}})
    );
}

#[tokio::test]
async fn get_price() {
    let (server, c) = answering(fixtures).await;
    let price = Prices::get(&c, PriceId::new(PRICE_ID)).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_request(
        &reqs[0],
        "GET",
        "/api/v1/prices/price_4TnVb8KxQ2mWp7Ls1DfRz",
    );
    assert!(reqs[0].body.is_empty());
    assert_eq!(price.name.as_deref(), Some("Pro Monthly"));
}

#[tokio::test]
async fn list_prices_wraps_the_cursor_and_filters_here() {
    let (server, c) = answering(fixtures).await;
    let page = Prices::list(&c, PriceListQuery::new().limit(3))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    let next = page.next_cursor.expect("hasMore: a cursor");
    assert!(next.as_str().starts_with("u1.flowglad."));
    Prices::list(&c, PriceListQuery::new().limit(500).cursor(next))
        .await
        .unwrap();
    let product = Prices::list(
        &c,
        PriceListQuery::new().product_id("prod_Zr7Tq1WnB5cXs9LmK2dPv"),
    )
    .await
    .unwrap();
    assert_eq!(product.items.len(), 1);
    assert_eq!(product.items[0].id.as_str(), "price_2PxKd7VmR4sLn9Wq3TbHc");
    let reqs = server.requests();
    assert_request(&reqs[0], "GET", "/api/v1/prices");
    assert_eq!(reqs[0].query.as_deref(), Some("limit=3"));
    let flowglad_cursor = fixture_json("list-prices.response.json")["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        reqs[1].query_pairs(),
        vec![
            ("limit".to_owned(), "100".to_owned()),
            ("cursor".to_owned(), flowglad_cursor)
        ],
        "limit clamped to 100, Flowglad's own cursor unwrapped"
    );
    assert_eq!(
        reqs[2].query, None,
        "filters are never sent: Flowglad ignores them"
    );
}

#[tokio::test]
async fn update_price_gets_then_puts_id_type_and_is_default() {
    let (server, c) = answering(fixtures).await;
    let update = PriceUpdate::builder()
        .name("Pro (monthly)")
        .slug("pro_monthly")
        .active(true)
        .build()
        .unwrap();
    let price = Prices::update(&c, PriceId::new(PRICE_ID), update)
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_request(
        &reqs[0],
        "GET",
        "/api/v1/prices/price_4TnVb8KxQ2mWp7Ls1DfRz",
    );
    assert_request(
        &reqs[1],
        "PUT",
        "/api/v1/prices/price_4TnVb8KxQ2mWp7Ls1DfRz",
    );
    assert_eq!(
        body_json(&reqs[1]),
        fixture_json("update-price.request.json")
    );
    assert_eq!(price.name.as_deref(), Some("Pro (monthly)"));
}

#[tokio::test]
async fn update_clears_with_null_and_archive_sends_active_false() {
    let (server, c) = answering(fixtures).await;
    let clear = PriceUpdate::builder().clear_name().build().unwrap();
    Prices::update(&c, PriceId::new(PRICE_ID), clear)
        .await
        .unwrap();
    Prices::archive(&c, PriceId::new(PRICE_ID)).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(
        body_json(&reqs[1]),
        json!({"price": {"id": PRICE_ID, "type": "subscription", "isDefault": true, "name": null}})
    );
    assert_request(
        &reqs[3],
        "PUT",
        "/api/v1/prices/price_4TnVb8KxQ2mWp7Ls1DfRz",
    );
    assert_eq!(
        body_json(&reqs[3]),
        json!({"price": {"id": PRICE_ID, "type": "subscription", "isDefault": true, "active": false}})
    );
}

#[tokio::test]
async fn create_customer() {
    let (server, c) = answering(fixtures).await;
    let input = NewCustomer::builder("user_12345", "Ada Lovelace")
        .email("ada@example.com")
        .build()
        .unwrap();
    let customer = Customers::create(&c, input).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_request(&reqs[0], "POST", "/api/v1/customers");
    assert_eq!(
        body_json(&reqs[0]),
        fixture_json("create-customer.request.json")
    );
    assert_eq!(customer.id.as_str(), "user_12345");
    assert_eq!(customer.external_id, "user_12345");
    assert_eq!(customer.email.as_deref(), Some("ada@example.com"));
    assert_eq!(customer.status, CustomerStatus::Active);
    assert_eq!(
        customer.raw.unwrap().to_value()["id"],
        "cust_7LmQ2wXr9KsT4bVn1HdPz"
    );
}

#[tokio::test]
async fn customer_get_update_list_delete() {
    let (server, c) = answering(fixtures).await;
    let id = CustomerId::new("user 1/2");
    Customers::get(&c, id.clone()).await.unwrap();
    Customers::get_by_external_id(&c, "user_12345".into())
        .await
        .unwrap();
    let update = CustomerUpdate::builder()
        .name("Ada King")
        .email("ada@king.example")
        .build()
        .unwrap();
    Customers::update(&c, id.clone(), update).await.unwrap();
    let page = Customers::list(&c, CustomerListQuery::new().limit(2))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.next_cursor.is_none());
    Customers::delete(&c, CustomerId::new("user_12345"))
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 6);
    assert_request(&reqs[0], "GET", "/api/v1/customers/user%201%2F2");
    assert_request(&reqs[1], "GET", "/api/v1/customers/user_12345");
    assert_request(&reqs[2], "PUT", "/api/v1/customers/user%201%2F2");
    assert_eq!(
        body_json(&reqs[2]),
        json!({"customer": {"name": "Ada King", "email": "ada@king.example"}})
    );
    assert_request(&reqs[3], "GET", "/api/v1/customers");
    assert_eq!(reqs[3].query.as_deref(), Some("limit=2"));
    assert_request(&reqs[4], "GET", "/api/v1/customers/user_12345");
    assert_request(&reqs[5], "POST", "/api/v1/customers/user_12345/archive");
    assert_eq!(reqs[5].body_text(), "{}", "body-less POSTs send {{}}");
}
