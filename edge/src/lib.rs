//! The edge worker: the merchant and widget HTTP API over KV and Durable Objects.
//!
//! Thin for now: the worker itself arrives with the edge issue. It already
//! links the rules crate so that the wasm32 build of the award path is checked.

pub use loyalty_rules as rules;
