//! Provider emulators: one axum router per provider, in `emulators/<provider>/`, each plugged into a
//! [`TestServer`](crate::TestServer) with [`TestServer::router`](crate::TestServer::router).
//!
//! None yet: they come with their adapters.
