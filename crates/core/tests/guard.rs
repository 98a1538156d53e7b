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
