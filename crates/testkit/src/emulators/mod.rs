//! Provider emulators: one axum router per provider, in `emulators/<provider>/`, each servable on its own
//! (`serve()`) or plugged into a [`TestServer`](crate::TestServer) with
//! [`TestServer::router`](crate::TestServer::router) to inject faults.

pub mod flexprice;
pub mod flowglad;
pub mod vercel;
