//! The loyalty domain as pure functions: programs, events, awards, tiers,
//! referrals, redemption, views and analytics (contract sections 1 to 4).
//!
//! Nothing here does I/O, reads a clock or draws random numbers: callers pass
//! `now` and an [`code::Entropy`]. The crate builds for `wasm32-unknown-unknown`
//! (the edge worker and the widget) and for the host (tests, benchmarks).
//!
//! The flow, as [`book::Book`] shows it: [`program::Program::parse`] a program,
//! [`event::Event::parse`] an event, [`award::apply_event`] it to a
//! [`member::MemberState`], append the returned ledger entries, and read
//! [`view::member_view`].

pub mod adjustment;
pub mod analytics;
pub mod award;
pub mod book;
pub mod challenge;
pub mod code;
pub mod condition;
pub mod currency;
pub mod document;
pub mod event;
pub mod exchange;
pub mod guest;
pub mod id;
pub mod json;
pub mod member;
pub mod notice;
pub mod privacy;
pub mod program;
pub mod reason;
pub mod redemption;
pub mod referral;
pub mod request;
pub mod schedule;
pub mod view;
pub mod zone;

pub use award::{Answer, AwardLine, EventContext, EventError, Outcome, Referrer, apply_event};
pub use event::{Event, EventKind};
pub use id::Id;
pub use json::Problem;
pub use member::{LedgerEntry, MemberState};
pub use program::Program;
