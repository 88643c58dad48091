//! The edge worker: the merchant and widget HTTP API of the contract, on
//! Cloudflare Workers, with KV and Durable Objects for storage.
//!
//! The worker itself holds nothing between requests. Every award is computed
//! by the rules crate inside the member's Durable Object, the only writer of
//! that member's state; shop-wide exactly-once facts live in the shop's
//! Durable Object; KV holds lagging copies for fast reads.

pub mod auth;
pub mod bodies;
pub mod clock;
pub mod destinations;
pub mod error;
pub mod keys;
pub mod model;
pub mod openapi;
pub mod platforms;
pub mod roster;
pub mod routes;
pub mod snapshot;
pub mod zones;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod objects;
#[cfg(target_arch = "wasm32")]
mod programs;
#[cfg(target_arch = "wasm32")]
mod schedule;
#[cfg(target_arch = "wasm32")]
mod store;

#[cfg(target_arch = "wasm32")]
#[worker::event(fetch)]
async fn fetch(
    req: worker::Request,
    env: worker::Env,
    _ctx: worker::Context,
) -> worker::Result<worker::Response> {
    clock::honour(&env);
    api::handle(req, env).await
}

/// The Cron Trigger (`wrangler.toml`, hourly): every registered shop's
/// object acts on the local days that came since it last did.
#[cfg(target_arch = "wasm32")]
#[worker::event(scheduled)]
async fn scheduled(
    _event: worker::ScheduledEvent,
    env: worker::Env,
    _ctx: worker::ScheduleContext,
) {
    clock::honour(&env);
    schedule::run(&env).await;
}
