//! Build, test and run automation, as a library so that the end-to-end tests
//! start the worker with the very code `cargo xtask dev` uses.

pub mod bench;
pub mod browser;
pub mod clock;
pub mod cmd;
pub mod demo;
pub mod docs;
pub mod http;
pub mod licenses;
pub mod local;
pub mod schemathesis;
pub mod tools;
pub mod typescript;
pub mod widget;
