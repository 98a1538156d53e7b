//! Test tooling for unibill: in-memory emulators of the billing providers' HTTP APIs, served on loopback.
//!
//! Each emulator is an [`axum::Router`] over shared state with a handle that exposes knobs (seeded data,
//! failure triggers) and inspection (requests handled, objects created). See [`emulators`].

pub mod emulators;
