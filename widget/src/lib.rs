//! The shopper's widget, compiled to WebAssembly.
//!
//! Thin for now: the Leptos panel arrives with the widget issue. It already
//! links the rules crate so that the browser build of the award path is checked.

pub use loyalty_rules as rules;
