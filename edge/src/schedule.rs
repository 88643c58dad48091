//! The schedule's entry: the Cron Trigger visits every shop of the KV
//! registry (a page at a time) and asks its object to act on its days
//! (`objects::shop`'s tick: birthdays, anniversaries, expiry warnings from
//! its index by day). No member is scanned here; a shop whose call fails
//! is visited again by the next run, and nothing it did is done twice.

use worker::Env;

use crate::model::Tick;
use crate::store;

/// How many shops are asked at once.
const AT_ONCE: usize = 8;

pub async fn run(env: &Env) {
    let mut cursor = None;
    loop {
        let (shops, next) = match store::kv::registered_shops(env, cursor).await {
            Ok(page) => page,
            Err(_) => return,
        };
        for batch in shops.chunks(AT_ONCE) {
            let ticks = batch.iter().map(|shop| store::shop(env, shop, Tick {}));
            for (shop, done) in batch
                .iter()
                .zip(futures_util::future::join_all(ticks).await)
            {
                if done.is_err() {
                    store::log_internal("schedule tick", shop);
                }
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => return,
        }
    }
}
