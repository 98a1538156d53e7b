//! The capability guard answers before the provider runs: a mock with no expectations but `capabilities`
//! panics if any other method is reached.

use unibill_core::{
    Address, CustomerCapabilities, CustomerId, CustomerListQuery, CustomerUpdate, Customers,
    ErrorKind, Guarded, MockCustomers, NewCustomer, PatchSupport,
};

fn restricted() -> CustomerCapabilities {
    let mut caps = CustomerCapabilities::full("restricted");
    caps.fields.address = false;
    caps.fields.contact = false;
    caps.email_required = true;
    caps.update_fields.email = PatchSupport::SET_ONLY;
    caps.update_fields.external_id = false;
    caps.list_include_archived = false;
    caps.delete = false;
    caps
}

fn guarded() -> Guarded<MockCustomers> {
    let mut mock = MockCustomers::new();
    mock.expect_capabilities().returning(restricted);
    Guarded::new(mock)
}

#[tokio::test]
async fn unsupported_fields_and_operations_never_reach_the_provider() {
    let g = guarded();
    let addr = Address::builder().city("Paris").build().unwrap();
    let input = NewCustomer::builder("e", "n")
        .email("a@b.co")
        .address(addr)
        .build()
        .unwrap();
    let err = g.create(input).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(err.field_errors()[0].field, "address");
    assert!(err.to_string().contains("restricted"), "{err}");

    let err = g
        .create(NewCustomer::builder("e", "n").build().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.field_errors()[0].field.as_str()),
        (ErrorKind::InvalidInput, "email")
    );

    let err = g
        .update(
            CustomerId::new("c"),
            CustomerUpdate::builder().clear_email().build().unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.field_errors()[0].field.as_str()),
        (ErrorKind::Unsupported, "email")
    );

    let err = g
        .update(
            CustomerId::new("c"),
            CustomerUpdate::builder().external_id("x").build().unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.field_errors()[0].field.as_str()),
        (ErrorKind::Unsupported, "external_id")
    );

    let err = g
        .list(CustomerListQuery::new().include_archived(true))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.field_errors()[0].field.as_str()),
        (ErrorKind::Unsupported, "include_archived")
    );

    let err = g.delete(CustomerId::new("c")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(err.operation(), Some("customers.delete"));
}

#[tokio::test]
async fn limits_are_clamped_to_the_provider_maximum() {
    let mut mock = MockCustomers::new();
    mock.expect_capabilities()
        .returning(|| CustomerCapabilities::full("m"));
    mock.expect_list()
        .withf(|q| q.limit == Some(100))
        .times(1)
        .returning(|_| Ok(unibill_core::Page::new(vec![], None)));
    let g = Guarded::new(mock);
    g.list(CustomerListQuery::new().limit(5000)).await.unwrap();
}

mod prices {
    use rust_decimal_macros::dec;
    use unibill_core::{
        Currency, ErrorKind, FieldRule, Guarded, Interval, MockPrices, Money, NewPrice,
        PackageRounding, PriceCapabilities, PriceKind, PriceTier, PriceUpdate, Prices, TierMode,
    };

    /// Flowglad-like: no tiers, packages only on usage, product required for fixed and forbidden for usage,
    /// whole cents, sibling archiving.
    fn flowglad_like() -> PriceCapabilities {
        let mut c = PriceCapabilities::full("flowglad-like");
        c.schemes.tiered_volume = false;
        c.schemes.tiered_graduated = false;
        c.schemes.package_on_fixed = false;
        c.schemes.package_round_down = false;
        c.product_id.recurring = FieldRule::Required;
        c.product_id.one_time = FieldRule::Required;
        c.product_id.usage = FieldRule::Forbidden;
        c.fields.setup_fee = false;
        c.fields.description = false;
        c.update_fields.reactivate = true;
        c.create_archives_siblings = true;
        c.whole_minor_units_only = true;
        c
    }

    fn guarded() -> Guarded<MockPrices> {
        let mut mock = MockPrices::new();
        mock.expect_capabilities().returning(flowglad_like);
        Guarded::new(mock)
    }

    fn usd(a: rust_decimal::Decimal) -> Money {
        Money::new(a, Currency::USD)
    }

    async fn refused(g: &Guarded<MockPrices>, input: NewPrice) -> (ErrorKind, String) {
        let err = g.create(input).await.unwrap_err();
        (err.kind(), err.field_errors()[0].field.clone())
    }

    #[tokio::test]
    async fn provider_rules_are_checked_before_the_provider() {
        let g = guarded();
        let monthly = PriceKind::recurring(Interval::monthly());
        let usage = PriceKind::usage(Interval::monthly(), "meter_1");
        let cases = [
            (
                NewPrice::builder(monthly.clone(), usd(dec!(10))).build(),
                (ErrorKind::InvalidInput, "product_id"),
            ),
            (
                NewPrice::builder(usage.clone(), usd(dec!(1)))
                    .product_id("prod_1")
                    .build(),
                (ErrorKind::InvalidInput, "product_id"),
            ),
            (
                NewPrice::builder(usage.clone(), usd(dec!(0)))
                    .tiered(TierMode::Volume, vec![PriceTier::rest(usd(dec!(1)))])
                    .build(),
                (ErrorKind::Unsupported, "scheme"),
            ),
            (
                NewPrice::builder(monthly.clone(), usd(dec!(10)))
                    .product_id("p")
                    .package(10, PackageRounding::Up)
                    .build(),
                (ErrorKind::Unsupported, "scheme"),
            ),
            (
                NewPrice::builder(usage.clone(), usd(dec!(1)))
                    .package(10, PackageRounding::Down)
                    .build(),
                (ErrorKind::Unsupported, "scheme"),
            ),
            (
                NewPrice::builder(monthly.clone(), usd(dec!(10)))
                    .product_id("p")
                    .setup_fee(usd(dec!(1)))
                    .build(),
                (ErrorKind::Unsupported, "setup_fee"),
            ),
            (
                NewPrice::builder(monthly.clone(), usd(dec!(10)))
                    .product_id("p")
                    .active(false)
                    .build(),
                (ErrorKind::InvalidInput, "active"),
            ),
            (
                NewPrice::builder(PriceKind::OneTime, usd(dec!(10)))
                    .product_id("p")
                    .is_default(false)
                    .build(),
                (ErrorKind::InvalidInput, "is_default"),
            ),
            (
                NewPrice::builder(usage.clone(), usd(dec!(0.0015))).build(),
                (ErrorKind::InvalidInput, "unit_amount"),
            ),
        ];
        for (input, want) in cases {
            let got = refused(&g, input.unwrap()).await;
            assert_eq!((got.0, got.1.as_str()), want);
        }
    }

    #[tokio::test]
    async fn allowed_inputs_reach_the_provider() {
        let mut mock = MockPrices::new();
        mock.expect_capabilities().returning(flowglad_like);
        mock.expect_create().times(2).returning(|i| {
            Ok(
                unibill_core::Price::builder("price_1", i.kind().clone(), i.unit_amount().clone())
                    .build(),
            )
        });
        let g = Guarded::new(mock);
        // Boundary: whole cents pass, usage without a product passes, usage default false is allowed.
        g.create(
            NewPrice::builder(PriceKind::usage(Interval::monthly(), "m"), usd(dec!(0.01)))
                .is_default(false)
                .package(100, PackageRounding::Up)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        g.create(
            NewPrice::builder(PriceKind::OneTime, usd(dec!(10.00)))
                .product_id("p")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn updates_and_lists_are_checked() {
        let mut caps = flowglad_like();
        caps.update_fields.reactivate = false;
        caps.list_filter_product = false;
        let mut mock = MockPrices::new();
        mock.expect_capabilities().returning(move || caps);
        let g = Guarded::new(mock);
        let err = g
            .update(
                "price_1".into(),
                PriceUpdate::builder().active(true).build().unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (err.kind(), err.field_errors()[0].field.as_str()),
            (ErrorKind::Unsupported, "active")
        );
        let err = g
            .list(unibill_core::PriceListQuery::new().product_id("p"))
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "product_id");
    }
}

mod connections {
    use unibill_core::{
        ConnectionCapabilities, ConnectionProviderType, ConnectionSecrets, ConnectionUpdate,
        Connections, ErrorKind, Guarded, MockConnections, NewConnection,
    };

    #[tokio::test]
    async fn unsupported_connection_fields_never_reach_the_provider() {
        let mut caps = ConnectionCapabilities::full("flexprice-like");
        caps.fields.other_provider_types = false;
        caps.update_fields.secrets = false;
        let mut mock = MockConnections::new();
        mock.expect_capabilities().returning(move || caps);
        let g = Guarded::new(mock);
        let err = g
            .create(
                NewConnection::builder("x", ConnectionProviderType::from("acme"))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (err.kind(), err.field_errors()[0].field.as_str()),
            (ErrorKind::Unsupported, "provider_type")
        );
        let err = g
            .update(
                "conn_1".into(),
                ConnectionUpdate::builder()
                    .secrets(ConnectionSecrets::stripe("a", "b", "c"))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (err.kind(), err.field_errors()[0].field.as_str()),
            (ErrorKind::Unsupported, "secrets")
        );
    }
}

mod stores {
    use unibill_core::{
        BillingPlanQuery, ErrorKind, Guarded, MockStores, NewStore, StoreCapabilities, Stores,
    };

    #[tokio::test]
    async fn unsupported_store_fields_never_reach_the_provider() {
        let mut caps = StoreCapabilities::full("restricted");
        caps.fields.protocol_settings = false;
        let mut mock = MockStores::new();
        mock.expect_capabilities().returning(move || caps);
        let g = Guarded::new(mock);
        let input = NewStore::builder("db", "icfg_a", "p")
            .protocol_settings(Default::default())
            .build()
            .unwrap();
        let err = g.create(input).await.unwrap_err();
        assert_eq!(
            (err.kind(), err.field_errors()[0].field.as_str()),
            (ErrorKind::Unsupported, "protocol_settings")
        );
        assert_eq!(
            BillingPlanQuery::new("", "p").unwrap_err().field_errors()[0].field,
            "integration",
            "an empty integration cannot even be asked for"
        );
    }

    #[tokio::test]
    async fn billing_plans_of_a_provider_without_them_never_reach_it() {
        let mut caps = StoreCapabilities::full("restricted");
        caps.list_billing_plans = false;
        // No expectation for `list_billing_plans`: a call reaching the mock would panic.
        let mut mock = MockStores::new();
        mock.expect_capabilities().returning(move || caps);
        let query = BillingPlanQuery::builder("neon", "neon")
            .configuration_id("icfg_a1")
            .metadata_entry("region", "iad1")
            .build()
            .unwrap();
        let err = Guarded::new(mock)
            .list_billing_plans(query)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        assert_eq!(err.operation(), Some("stores.list_billing_plans"));
    }

    #[tokio::test]
    async fn the_whole_query_reaches_the_provider() {
        let query = BillingPlanQuery::builder("neon", "iap_postgres_db")
            .configuration_id("icfg_a1")
            .metadata_entry("replicas", 2)
            .source(unibill_core::StoreSource::Cli)
            .build()
            .unwrap();
        let mut mock = MockStores::new();
        mock.expect_capabilities()
            .returning(|| StoreCapabilities::full("mock"));
        let expected = query.clone();
        mock.expect_list_billing_plans()
            .withf(move |q| *q == expected)
            .times(1)
            .returning(|_| Ok(Vec::new()));
        let guarded = std::sync::Arc::new(Guarded::new(mock));
        let boxed: Box<dyn Stores> = Box::new(std::sync::Arc::clone(&guarded));
        assert!(boxed.list_billing_plans(query).await.unwrap().is_empty());
    }
}
