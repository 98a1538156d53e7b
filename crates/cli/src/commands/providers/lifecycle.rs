//! The lifecycle rows of `unibill providers`: per resource, the operations offered, then the few capabilities
//! that decide how it is used (cancel timings, batch size, quantity rule, …), never every field.

use unibill::{Capabilities, EntitlementSource, Resource};

fn names(flags: &[(bool, &str)]) -> Vec<String> {
    flags
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| (*n).to_owned())
        .collect()
}

fn list(flags: &[(bool, &str)]) -> String {
    let n = names(flags);
    if n.is_empty() {
        "none".to_owned()
    } else {
        n.join(", ")
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// The operations of lifecycle `resource` the provider offers, or `None` when it offers none (not offered).
/// `None` too for the resources outside the lifecycle, which `providers` shows field by field.
pub fn offered(resource: Resource, caps: &Capabilities) -> Option<String> {
    let ops = match resource {
        Resource::Customers | Resource::Prices | Resource::Connections | Resource::Stores => {
            return None;
        }
        Resource::Meters => {
            let m = &caps.meters;
            names(&[
                (m.create, "create"),
                (m.get_by_key, "get"),
                (m.list, "list"),
            ])
        }
        Resource::Features => {
            let f = &caps.features;
            names(&[
                (f.create, "create"),
                (f.get_by_key, "get"),
                (f.list, "list"),
                (f.grant, "grant"),
            ])
        }
        Resource::Subscriptions => {
            let s = &caps.subscriptions;
            names(&[
                (s.create, "create"),
                (s.get, "get"),
                (s.list, "list"),
                (s.cancel, "cancel"),
                (s.uncancel, "uncancel"),
                (s.change_price, "change-price"),
            ])
        }
        Resource::Usage => {
            let u = &caps.usage;
            names(&[(u.ingest, "ingest"), (u.status_lookup, "status")])
        }
        Resource::Entitlements => {
            let e = &caps.entitlements;
            names(&[(e.check, "check"), (e.list, "list")])
        }
        Resource::Invoices => {
            let i = &caps.invoices;
            names(&[
                (i.get, "get"),
                (i.list, "list"),
                (i.finalize, "finalize"),
                (i.void, "void"),
            ])
        }
    };
    (!ops.is_empty()).then(|| ops.join(", "))
}

/// The rows of lifecycle `resource` for one provider: (`resource`, its operations or `not offered`), then, where
/// offered, (`resource.capability`, value). None for the resources outside the lifecycle.
pub fn rows(resource: Resource, caps: &Capabilities) -> Vec<(String, String)> {
    if !resource.is_lifecycle() {
        return Vec::new();
    }
    let name = resource.as_str();
    let Some(ops) = offered(resource, caps) else {
        return vec![(name.to_owned(), "not offered".to_owned())];
    };
    let details: Vec<(&str, String)> = match resource {
        Resource::Customers | Resource::Prices | Resource::Connections | Resource::Stores => {
            Vec::new()
        }
        Resource::Meters => {
            let a = &caps.meters.aggregations;
            vec![(
                "aggregations",
                list(&[
                    (a.count, "count"),
                    (a.sum, "sum"),
                    (a.max, "max"),
                    (a.latest, "latest"),
                    (a.unique_count, "unique_count"),
                ]),
            )]
        }
        Resource::Features => {
            let f = &caps.features;
            vec![
                (
                    "kinds",
                    list(&[(f.kinds.boolean, "boolean"), (f.kinds.metered, "metered")]),
                ),
                (
                    "grants",
                    list(&[
                        (f.limit_per_grant, "limit per grant"),
                        (f.unlimited, "unlimited"),
                        (f.soft_limits, "soft limits"),
                    ]),
                ),
                (
                    "resets",
                    list(&[
                        (f.resets.never, "never"),
                        (f.resets.billing_period, "billing_period"),
                        (f.resets.calendar, "calendar"),
                    ]),
                ),
            ]
        }
        Resource::Subscriptions => {
            let s = &caps.subscriptions;
            let t = &s.cancel_timings;
            vec![
                (
                    "cancel_timings",
                    list(&[
                        (t.immediately, "now"),
                        (t.at_period_end, "at_period_end"),
                        (t.at, "at"),
                    ]),
                ),
                (
                    "trials",
                    list(&[
                        (s.trial.from_price, "from_price"),
                        (s.trial.none, "none"),
                        (s.trial.days, "days"),
                        (s.trial.until, "until"),
                    ]),
                ),
                (
                    "start_at",
                    if !s.start_at {
                        "no".to_owned()
                    } else if s.start_at_as_trial {
                        "yes, as a trial ending at the start".to_owned()
                    } else {
                        "yes".to_owned()
                    },
                ),
                ("change_price_keeps_id", yes_no(s.change_price_keeps_id)),
                (
                    "create_replaces_free_default",
                    yes_no(s.create_replaces_free_default),
                ),
            ]
        }
        Resource::Usage => {
            let u = &caps.usage;
            vec![
                ("max_batch_events", u.max_batch_events.to_string()),
                ("quantity", u.quantity.describe()),
                ("durable_on_ack", yes_no(u.durable_on_ack)),
                ("reports_duplicates", yes_no(u.reports_duplicates)),
                ("requires_subscription", yes_no(u.requires_subscription)),
            ]
        }
        Resource::Entitlements => {
            let e = &caps.entitlements;
            vec![
                (
                    "source",
                    match e.source {
                        EntitlementSource::Native => "native".to_owned(),
                        EntitlementSource::Computed { experimental: true } => {
                            "computed (experimental fields)".to_owned()
                        }
                        EntitlementSource::Computed {
                            experimental: false,
                        } => "computed".to_owned(),
                    },
                ),
                ("reports_limit", yes_no(e.reports_limit)),
                ("reports_used", yes_no(e.reports_used)),
            ]
        }
        Resource::Invoices => {
            let i = &caps.invoices;
            vec![
                ("reports_total", yes_no(i.reports_total)),
                ("lines_on_get", yes_no(i.lines_on_get)),
                ("full_rating", yes_no(i.full_rating)),
                ("running_period_usage", yes_no(i.running_period_usage)),
            ]
        }
    };
    let mut out = vec![(name.to_owned(), ops)];
    out.extend(details.into_iter().map(|(k, v)| (format!("{name}.{k}"), v)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unconfigured_bundle_offers_no_lifecycle_resource() {
        let caps = unibill::Billing::builder().build().capabilities();
        for l in Resource::LIFECYCLE {
            assert_eq!(offered(l, &caps), None);
            assert_eq!(
                rows(l, &caps),
                [(l.as_str().to_owned(), "not offered".to_owned())]
            );
        }
    }
}
