//! Client-side checks of what the server would reject badly (a 500, or a 400 after a byte count), so the
//! caller gets `InvalidInput` naming the field and nothing is sent.

use unibill_core::{Address, Error, FieldError, Result, SyncConfig, SyncDirection};

/// Address parts are checked again by the server in **bytes** (multi-byte text fails early).
pub(crate) fn address_bytes(address: Option<&Address>) -> Result<()> {
    let Some(a) = address else { return Ok(()) };
    let errors: Vec<FieldError> = [
        ("address.line1", &a.line1, 255),
        ("address.line2", &a.line2, 255),
        ("address.city", &a.city, 100),
        ("address.state", &a.state, 100),
        ("address.postal_code", &a.postal_code, 20),
    ]
    .into_iter()
    .filter_map(|(field, v, max)| {
        v.as_ref().filter(|v| v.len() > max).map(|_| {
            FieldError::new(
                field,
                format!("must be at most {max} bytes of UTF-8 on Flexprice"),
            )
        })
    })
    .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid_fields(errors))
    }
}

/// The sync directions the server answers 400 for: `plan.outbound`, `subscription.outbound`,
/// `invoice.inbound`, `deal.inbound`, `quote.inbound`, `price.inbound`.
pub(crate) fn sync_directions(sync: Option<&SyncConfig>) -> Result<()> {
    let Some(s) = sync else { return Ok(()) };
    let on = |d: Option<SyncDirection>, outbound: bool| {
        d.is_some_and(|d| if outbound { d.outbound } else { d.inbound })
    };
    let errors: Vec<FieldError> = [
        ("sync_config.plan.outbound", on(s.plan, true)),
        (
            "sync_config.subscription.outbound",
            on(s.subscription, true),
        ),
        ("sync_config.invoice.inbound", on(s.invoice, false)),
        ("sync_config.deal.inbound", on(s.deal, false)),
        ("sync_config.quote.inbound", on(s.quote, false)),
        ("sync_config.price.inbound", on(s.price, false)),
    ]
    .into_iter()
    .filter(|(_, set)| *set)
    .map(|(field, _)| FieldError::new(field, "this sync direction is not supported by Flexprice"))
    .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid_fields(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_lengths_count_bytes() {
        let ok = Address::builder().city("é".repeat(50)).build().unwrap();
        assert!(address_bytes(Some(&ok)).is_ok());
        let long = Address::builder().city("é".repeat(51)).build().unwrap();
        let err = address_bytes(Some(&long)).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "address.city");
    }

    #[test]
    fn rejected_directions() {
        let ok = SyncConfig {
            plan: Some(SyncDirection::INBOUND),
            invoice: Some(SyncDirection::OUTBOUND),
            customer: Some(SyncDirection::BOTH),
            ..Default::default()
        };
        assert!(sync_directions(Some(&ok)).is_ok());
        let bad = SyncConfig {
            plan: Some(SyncDirection::BOTH),
            quote: Some(SyncDirection::INBOUND),
            ..Default::default()
        };
        let fields: Vec<_> = sync_directions(Some(&bad))
            .unwrap_err()
            .field_errors()
            .iter()
            .map(|f| f.field.clone())
            .collect();
        assert_eq!(
            fields,
            ["sync_config.plan.outbound", "sync_config.quote.inbound"]
        );
    }
}
