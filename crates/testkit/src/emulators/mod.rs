//! Provider emulators: one axum router per provider, in `emulators/<provider>/`, each servable on its own
//! (`serve()`, answering a [`Served`](crate::Served)) or plugged into a [`TestServer`](crate::TestServer) with
//! [`TestServer::router`](crate::TestServer::router) to inject faults. They share one harness: the
//! [`RecordedRequest`](crate::RecordedRequest) log every request lands in (`requests()`, `request_count()`),
//! one recording layer, one authentication layer and one [`serve`](crate::serve); each emulator keeps only its
//! routes, state and quirks. [`Deployment`] starts all three at once.

mod auth;
mod deployment;
pub mod flexprice;
pub mod flowglad;
mod record;
pub mod vercel;
pub mod webhooks;

pub use deployment::{
    Credentials, Deployment, Emulator, EmulatorVariables, RunningEmulator, Seed, SeedRole,
};
