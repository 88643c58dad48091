//! The rules crate's integration tests: one binary, one module per concern.

mod awards;
mod contract;
mod parsing;
mod properties;
mod schema;
mod zones;
