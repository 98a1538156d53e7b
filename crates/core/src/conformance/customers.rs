//! Conformance of [`Customers`] implementations.

use futures::TryStreamExt;

use super::{Checked, Env, Report};
use crate::api::{Customers, CustomersExt, Ensured};
use crate::error::ErrorKind;
use crate::id::CustomerId;
use crate::metadata::Metadata;
use crate::model::address::Address;
use crate::model::customer::{CustomerListQuery, CustomerStatus, CustomerUpdate, NewCustomer};
use crate::page::Cursor;

fn new_customer<C: Customers + ?Sized>(c: &C, env: &Env, label: &str) -> NewCustomer {
    let mut b = NewCustomer::builder(env.unique(label), format!("Conformance {label}"));
    if c.capabilities().email_required || c.capabilities().fields.email {
        b = b.email(format!("{}@example.com", env.unique(label)));
    }
    b.build().expect("valid conformance input")
}

/// Runs every customer behaviour, in this order, and reports which passed and which were skipped.
pub async fn run_all<C: Customers + ?Sized>(c: &C, env: &Env) -> Report {
    run_in_order!(
        "customers",
        c,
        env,
        create_get_update_delete,
        get_by_external_id,
        duplicate_external_id,
        archived_behaviour,
        list_to_the_end_with_short_pages,
        foreign_cursor_rejected,
        validation_before_sending,
        ensure_both_ways,
        capability_truthfulness,
    )
}

/// Create, read back, update (set and clear), delete.
pub async fn create_get_update_delete<C: Customers + ?Sized>(c: &C, env: &Env) -> Checked {
    let caps = c.capabilities();
    if !(caps.create && caps.get && caps.update && caps.delete) {
        return Checked::Skipped("needs create, get, update and delete");
    }
    let input = new_customer(c, env, "crud");
    let created = c.create(input.clone()).await.expect("create");
    assert_eq!(
        created.external_id,
        input.external_id(),
        "create echoes the external id"
    );
    assert_eq!(created.name, input.name(), "create echoes the name");
    assert_eq!(
        created.email.as_deref(),
        input.email(),
        "create echoes the email"
    );
    assert_eq!(
        created.status,
        CustomerStatus::Active,
        "a new customer is active"
    );
    assert_eq!(
        created.provider, caps.provider,
        "read models carry the provider name"
    );

    let got = c.get(created.id.clone()).await.expect("get");
    assert_eq!(got.id, created.id);
    assert_eq!(got.external_id, created.external_id);
    assert_eq!(got.name, created.name);

    let mut update = CustomerUpdate::builder().name("Renamed by conformance");
    if caps.update_fields.metadata.set {
        update = update.metadata(Metadata::new().with("suite", "conformance"));
    }
    let updated = c
        .update(created.id.clone(), update.build().unwrap())
        .await
        .expect("update");
    assert_eq!(
        updated.name, "Renamed by conformance",
        "update sets the name"
    );
    let reread = c.get(created.id.clone()).await.expect("get after update");
    assert_eq!(
        reread.name, "Renamed by conformance",
        "the update is stored"
    );
    if caps.update_fields.metadata.set {
        assert_eq!(
            reread.metadata.get("suite"),
            Some("conformance"),
            "metadata set is stored"
        );
    }
    if caps.update_fields.metadata.clear {
        let cleared = c
            .update(
                created.id.clone(),
                CustomerUpdate::builder().clear_metadata().build().unwrap(),
            )
            .await
            .expect("clear metadata");
        assert!(cleared.metadata.is_empty(), "metadata clear is applied");
    }

    c.delete(created.id.clone()).await.expect("delete");
    // A second delete answers as `get` does: where an archived customer is still readable by id, it is
    // archived already and the delete succeeds; where it is not, it is NotFound.
    let again = c.delete(created.id.clone()).await;
    if caps.archived_readable_by_id {
        again.expect("a second delete of an archived (still readable) customer succeeds");
    } else {
        assert_eq!(
            again
                .expect_err("a second delete of an unreadable customer fails")
                .kind(),
            ErrorKind::NotFound,
            "a second delete is NotFound, as get is"
        );
    }
    Checked::Passed
}

/// The active customer is found by external id; an unknown external id is `NotFound`.
pub async fn get_by_external_id<C: Customers + ?Sized>(c: &C, env: &Env) -> Checked {
    let caps = c.capabilities();
    if !(caps.create && caps.get_by_external_id) {
        return Checked::Skipped("needs create and get_by_external_id");
    }
    let created = c
        .create(new_customer(c, env, "byext"))
        .await
        .expect("create");
    let found = c
        .get_by_external_id(created.external_id.clone())
        .await
        .expect("get by external id");
    assert_eq!(found.id, created.id);
    let missing = c
        .get_by_external_id(env.unique("missing"))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    Checked::Passed
}

/// A second create with an active external id is `AlreadyExists` carrying the existing id.
pub async fn duplicate_external_id<C: Customers + ?Sized>(c: &C, env: &Env) -> Checked {
    if !c.capabilities().create {
        return Checked::Skipped("needs create");
    }
    let input = new_customer(c, env, "dup");
    let first = c.create(input.clone()).await.expect("create");
    let err = c.create(input).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::AlreadyExists,
        "duplicate external id: {err}"
    );
    assert_eq!(
        err.existing_id(),
        Some(first.id.as_str()),
        "AlreadyExists carries the existing id"
    );
    Checked::Passed
}

/// After delete: by id archived (or NotFound, as the capabilities say), by external id NotFound, not listed
/// among active customers, and the external id reusable (as the capabilities say).
pub async fn archived_behaviour<C: Customers + ?Sized>(c: &C, env: &Env) -> Checked {
    let caps = c.capabilities();
    if !(caps.create && caps.delete && caps.get) {
        return Checked::Skipped("needs create, delete and get");
    }
    let input = new_customer(c, env, "archived");
    let created = c.create(input.clone()).await.expect("create");
    c.delete(created.id.clone()).await.expect("delete");
    match c.get(created.id.clone()).await {
        Ok(archived) => {
            assert!(
                caps.archived_readable_by_id,
                "archived customer readable by id, but capabilities say not"
            );
            assert_eq!(
                archived.status,
                CustomerStatus::Archived,
                "get by id shows archived status"
            );
        }
        Err(e) => {
            assert!(
                !caps.archived_readable_by_id,
                "archived customer not readable by id: {e}"
            );
            assert_eq!(e.kind(), ErrorKind::NotFound);
        }
    }
    if caps.get_by_external_id {
        let err = c
            .get_by_external_id(created.external_id.clone())
            .await
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::NotFound,
            "archived customers are not found by external id"
        );
    }
    if caps.list {
        let active: Vec<_> = c
            .list_all(CustomerListQuery::new())
            .try_collect()
            .await
            .expect("list");
        assert!(
            !active.iter().any(|x| x.id == created.id),
            "archived customers are not listed as active"
        );
        if caps.list_include_archived {
            let all: Vec<_> = c
                .list_all(CustomerListQuery::new().include_archived(true))
                .try_collect()
                .await
                .expect("list with archived");
            assert!(
                all.iter().any(|x| x.id == created.id),
                "include_archived lists archived customers"
            );
        }
    }
    let reuse = c.create(input).await;
    assert_eq!(
        reuse.is_ok(),
        caps.external_id_reusable_after_delete,
        "external id reuse after delete must match capabilities: {reuse:?}"
    );
    Checked::Passed
}

/// Listing with a page size of 2 to the end sees every customer that existed when it started exactly once.
pub async fn list_to_the_end_with_short_pages<C: Customers + ?Sized>(c: &C, env: &Env) -> Checked {
    let caps = c.capabilities();
    if !(caps.create && caps.list) {
        return Checked::Skipped("needs create and list");
    }
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            c.create(new_customer(c, env, "list"))
                .await
                .expect("create")
                .id,
        );
    }
    let mut seen: Vec<CustomerId> = Vec::new();
    let mut query = CustomerListQuery::new().limit(2);
    let mut pages = 0;
    loop {
        let page = c.list(query.clone()).await.expect("list page");
        assert!(page.items.len() <= 2, "a page holds at most the limit");
        seen.extend(page.items.into_iter().map(|x| x.id));
        pages += 1;
        assert!(pages < 10_000, "listing never ended");
        match page.next_cursor {
            Some(cursor) => query = query.cursor(cursor),
            None => break,
        }
    }
    for id in &ids {
        let n = seen.iter().filter(|s| *s == id).count();
        assert_eq!(n, 1, "customer {id} seen {n} times while listing");
    }
    Checked::Passed
}

/// A cursor from another provider (or garbage) is `InvalidInput` on `cursor`.
pub async fn foreign_cursor_rejected<C: Customers + ?Sized>(c: &C, _env: &Env) -> Checked {
    if !c.capabilities().list {
        return Checked::Skipped("needs list");
    }
    for cursor in [
        Cursor::encode("some-other-provider", 0, "0"),
        Cursor::from_string("not a cursor"),
    ] {
        let err = c
            .list(CustomerListQuery::new().cursor(cursor))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "foreign cursor: {err}");
        assert_eq!(err.field_errors()[0].field, "cursor");
    }
    Checked::Passed
}

/// Invalid inputs and limits fail before anything reaches the provider.
pub async fn validation_before_sending<C: Customers + ?Sized>(c: &C, env: &Env) -> Checked {
    let Some(before) = env.requests_seen() else {
        return Checked::Skipped("the environment does not count requests");
    };
    assert!(NewCustomer::builder("", "x").build().is_err());
    assert!(
        NewCustomer::builder("x", "y")
            .email("nope")
            .build()
            .is_err()
    );
    if c.capabilities().list {
        let err = c.list(CustomerListQuery::new().limit(0)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors()[0].field, "limit");
    }
    let err = c.get(CustomerId::new("")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        env.requests_seen(),
        Some(before),
        "nothing may reach the provider for invalid input"
    );
    Checked::Passed
}

/// `ensure` creates when the external id is free and returns the existing customer when it is taken.
pub async fn ensure_both_ways<C: Customers + ?Sized>(c: &C, env: &Env) -> Checked {
    if !(c.capabilities().create && c.capabilities().get) {
        return Checked::Skipped("needs create and get");
    }
    let input = new_customer(c, env, "ensure");
    let first = c.ensure(input.clone()).await.expect("ensure creates");
    let Ensured::Created(created) = first else {
        panic!("first ensure must create")
    };
    let second = c.ensure(input).await.expect("ensure finds");
    let Ensured::Existing(existing) = second else {
        panic!("second ensure must find the existing customer")
    };
    assert_eq!(existing.id, created.id);
    Checked::Passed
}

/// Every capability flag is true to the code: offered fields are stored, refused ones are `Unsupported`
/// before the provider runs.
pub async fn capability_truthfulness<C: Customers + ?Sized>(c: &C, env: &Env) -> Checked {
    let caps = c.capabilities();
    if !caps.create {
        let err = c.create(new_customer(c, env, "caps")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        return Checked::Passed;
    }
    let before = env.requests_seen();
    let f = caps.fields;
    let id = env.unique("caps");
    let with = |b: crate::model::customer::NewCustomerBuilder| {
        if caps.email_required {
            b.email(format!("{id}@example.com"))
        } else {
            b
        }
    };
    let probes: [(bool, &str, NewCustomer); 4] = [
        (
            f.contact,
            "contact",
            with(NewCustomer::builder(&id, "C").contact("+15550100"))
                .build()
                .unwrap(),
        ),
        (
            f.address,
            "address",
            with(
                NewCustomer::builder(&id, "C").address(
                    Address::builder()
                        .city("Berlin")
                        .country("DE")
                        .build()
                        .unwrap(),
                ),
            )
            .build()
            .unwrap(),
        ),
        (
            f.time_zone,
            "time_zone",
            with(NewCustomer::builder(&id, "C").time_zone("Europe/Berlin"))
                .build()
                .unwrap(),
        ),
        (
            f.metadata,
            "metadata",
            with(NewCustomer::builder(&id, "C").metadata(Metadata::new().with("k", "v")))
                .build()
                .unwrap(),
        ),
    ];
    let mut refused = 0;
    for (supported, field, input) in probes {
        if supported {
            continue;
        }
        let err = c.create(input).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{field}: {err}");
        assert_eq!(err.field_errors()[0].field, field);
        refused += 1;
    }
    if refused > 0 {
        assert_eq!(
            env.requests_seen(),
            before,
            "unsupported fields are refused before sending"
        );
    }
    if caps.email_required {
        let err = c
            .create(
                NewCustomer::builder(env.unique("noemail"), "C")
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors()[0].field, "email");
    }
    // Offered fields are stored.
    let mut b = NewCustomer::builder(env.unique("fields"), "Fields");
    if f.email || caps.email_required {
        b = b.email("fields@example.com");
    }
    if f.contact {
        b = b.contact("+15550100");
    }
    if f.address {
        b = b.address(
            Address::builder()
                .line1("1 Main St")
                .city("Berlin")
                .postal_code("10115")
                .country("DE")
                .build()
                .unwrap(),
        );
    }
    if f.time_zone {
        b = b.time_zone("Europe/Berlin");
    }
    if f.metadata {
        b = b.metadata(Metadata::new().with("tier", "gold"));
    }
    let created = c
        .create(b.build().unwrap())
        .await
        .expect("create with every offered field");
    let got = if caps.get {
        c.get(created.id.clone()).await.expect("get")
    } else {
        created
    };
    if f.email {
        assert_eq!(got.email.as_deref(), Some("fields@example.com"));
    }
    if f.contact {
        assert_eq!(got.contact.as_deref(), Some("+15550100"));
    }
    if f.address {
        let a = got.address.expect("address stored");
        assert_eq!(
            (a.city.as_deref(), a.country.as_deref()),
            (Some("Berlin"), Some("DE"))
        );
    }
    if f.time_zone {
        assert_eq!(got.time_zone.as_deref(), Some("Europe/Berlin"));
    }
    if f.metadata {
        assert_eq!(got.metadata.get("tier"), Some("gold"));
    }
    // Operations not offered are Unsupported.
    if !caps.list {
        assert_eq!(
            c.list(CustomerListQuery::new()).await.unwrap_err().kind(),
            ErrorKind::Unsupported
        );
    }
    if !caps.update {
        let u = CustomerUpdate::builder().name("x").build().unwrap();
        assert_eq!(
            c.update(got.id.clone(), u).await.unwrap_err().kind(),
            ErrorKind::Unsupported
        );
    }
    Checked::Passed
}
