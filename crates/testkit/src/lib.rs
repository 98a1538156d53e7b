//! Test support for unibill: in-memory emulators of billing providers, served as `axum` routers.
pub mod emulators;
