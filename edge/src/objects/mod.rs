//! The Durable Objects: one per shop, one per member or pooled account.

pub mod member;
pub mod shop;
