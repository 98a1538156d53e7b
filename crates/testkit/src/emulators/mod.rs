//! In-memory emulators of provider HTTP APIs.
pub mod flowglad;
