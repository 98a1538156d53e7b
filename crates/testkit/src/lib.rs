//! unibill test kit: in-memory emulators of billing providers' HTTP APIs.
//!
//! Each emulator is an [`axum::Router`] over shared, inspectable state, so that adapters can be tested
//! offline against the real API's quirks (status codes, error bodies, pagination oddities) instead of
//! against a mock that accepts anything.
//!
//! ```no_run
//! # async fn demo() {
//! use unibill_testkit::emulators::flexprice::FlexpriceEmulator;
//!
//! let served = FlexpriceEmulator::new("test-key").serve().await.expect("bind 127.0.0.1:0");
//! // `served.base_url()` is `http://127.0.0.1:PORT/v1`.
//! assert_eq!(served.emulator().customer_count(), 0);
//! # }
//! ```

pub mod emulators;
