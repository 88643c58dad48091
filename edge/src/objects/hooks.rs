//! The shop's outbound object: delivers notices to the merchant's
//! subscriptions, signed the way this API signs (`Loyalty-Signature:
//! t=…,v1=…`), at least once, with exponential backoff driven by its
//! alarm, and keeps what it gave up on as dead letters to replay.
//!
//! Invariants: a delivery is a row written before anything is sent, one
//! per (notice, subscription), so a notice a member's outbox hands over
//! twice is delivered once, and a restart loses nothing (the row and the
//! alarm are stored); a delivered row keeps nothing of the member (body
//! and member cleared) and goes after three days, a dead one after thirty;
//! an erased member's rows go at once.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use serde::Deserialize;
use worker::{
    AbortController, Delay, DurableObject, Env, Fetch, Headers, Method, Request, RequestInit,
    Response, SqlStorage, SqlStorageValue, State, durable_object,
};

use super::{rows, sql_err};
use crate::bodies::{DeadLetter, DeadLetters, OutboundEvent, Replayed};
use crate::clock::now;
use crate::destinations::Outgoing;
use crate::error::{AppError, AppResult};
use crate::model::{
    DeadRequest, HookCall, HookOp, HooksForget, Notify, ReplayRequest, Stamped, Subscription,
    Subscriptions,
};
use crate::objects::shop::json;
use crate::store::{self, reply};

/// A delivery's states.
const PENDING: i64 = 0;
const DELIVERED: i64 = 1;
const DEAD: i64 = 2;

/// The first retry's delay; each further one doubles, up to `MAX_DELAY_MS`.
/// `LOYALTY_RETRY_BASE_MS` may change it (the end-to-end tests shorten it).
const RETRY_BASE_MS: i64 = 60_000;
const MAX_DELAY_MS: i64 = 6 * 3_600_000;
/// Tries before a delivery is dead: with the delays above, 20 h 31 min
/// after the first (1, 2, 4 … 256 minutes, then 6 hours twice). `LOYALTY_RETRY_ATTEMPTS` may
/// change it.
const ATTEMPTS: i64 = 12;
/// How long one try waits for the receiver's answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How many due deliveries one alarm sends (at once).
const BATCH: i64 = 25;
const DAY_MS: i64 = 86_400_000;

// The runtime's handles (State, Env) do not implement Debug.
#[allow(missing_debug_implementations)]
#[durable_object]
pub struct HookObject {
    state: State,
    env: Env,
    migrated: Cell<bool>,
    subscriptions: RefCell<Option<Subscriptions>>,
}

#[derive(Deserialize)]
struct Due {
    id: i64,
    webhook: String,
    body: String,
    attempts: i64,
}

/// What one try met.
enum Tried {
    Delivered,
    Failed(String),
}

impl HookObject {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn migrate(&self) -> AppResult<()> {
        if self.migrated.get() {
            return Ok(());
        }
        for statement in [
            "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             notice TEXT NOT NULL, webhook TEXT NOT NULL, member TEXT NOT NULL, \
             topic TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, \
             next_at INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0, \
             last_error TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL, \
             UNIQUE (notice, webhook))",
            "CREATE INDEX IF NOT EXISTS due ON deliveries (state, next_at)",
            "CREATE INDEX IF NOT EXISTS by_member ON deliveries (member)",
        ] {
            self.sql().exec(statement, None).map_err(sql_err)?;
        }
        self.migrated.set(true);
        Ok(())
    }

    fn subscriptions(&self) -> AppResult<Subscriptions> {
        if let Some(subs) = self.subscriptions.borrow().clone() {
            return Ok(subs);
        }
        let stored = super::get_text(&self.sql(), "subscriptions")?
            .and_then(|text| serde_json::from_str::<Subscriptions>(&text).ok())
            .unwrap_or(Subscriptions {
                shop: String::new(),
                epoch: 0,
                list: Vec::new(),
            });
        *self.subscriptions.borrow_mut() = Some(stored.clone());
        Ok(stored)
    }

    /// The shop object's newest subscriptions (an older push is ignored).
    fn set_subscriptions(&self, subs: Subscriptions) -> AppResult<()> {
        if subs.epoch < self.subscriptions()?.epoch {
            return Ok(());
        }
        let text = json(&subs)?;
        super::put_text(&self.sql(), "subscriptions", &text)?;
        // A removed subscription's deliveries go with it (pending and dead).
        let kept: Vec<SqlStorageValue> = subs.list.iter().map(|s| s.id.as_str().into()).collect();
        let marks = vec!["?"; kept.len()].join(", ");
        let query = if kept.is_empty() {
            "DELETE FROM deliveries".to_owned()
        } else {
            format!("DELETE FROM deliveries WHERE webhook NOT IN ({marks})")
        };
        self.sql().exec(&query, kept).map_err(sql_err)?;
        *self.subscriptions.borrow_mut() = Some(subs);
        Ok(())
    }

    fn setting(&self, name: &str, default: i64, range: std::ops::RangeInclusive<i64>) -> i64 {
        self.env
            .var(name)
            .ok()
            .and_then(|v| v.to_string().parse::<i64>().ok())
            .map_or(default, |v| v.clamp(*range.start(), *range.end()))
    }

    /// The delay before try `attempt + 1`, after `attempt` failed tries.
    fn backoff(&self, attempt: i64) -> i64 {
        let base = self.setting("LOYALTY_RETRY_BASE_MS", RETRY_BASE_MS, 100..=3_600_000);
        let doublings = u32::try_from((attempt - 1).clamp(0, 30)).unwrap_or(30);
        base.saturating_mul(1_i64 << doublings).min(MAX_DELAY_MS)
    }

    /// A delivery row per notice and subscription that wants its topic
    /// (none for a notice already handed over), then the alarm, due now.
    async fn notify(&self, shop: &str, notices: &[Stamped]) -> AppResult<()> {
        let subs = self.subscriptions()?;
        let at = now();
        let at_ms = at.timestamp_millis();
        let mut added = false;
        for stamped in notices {
            let topic = stamped.notice.topic();
            let event = OutboundEvent {
                id: stamped.id.clone(),
                shop: shop.to_owned(),
                created_at: at,
                notice: stamped.notice.clone(),
            };
            let body = json(&event)?;
            for sub in subs.list.iter().filter(|s| s.topics.contains(&topic)) {
                let written = self
                    .sql()
                    .exec(
                        "INSERT OR IGNORE INTO deliveries \
                         (notice, webhook, member, topic, body, next_at, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?)",
                        vec![
                            stamped.id.as_str().into(),
                            sub.id.as_str().into(),
                            stamped.notice.member_id.as_str().into(),
                            topic.name().into(),
                            body.as_str().into(),
                            SqlStorageValue::Integer(at_ms),
                            SqlStorageValue::Integer(at_ms),
                        ],
                    )
                    .map_err(sql_err)?
                    .rows_written();
                added |= written > 0;
            }
        }
        if added {
            self.wake(0).await?;
        }
        Ok(())
    }

    /// Sets the alarm `delay_ms` from now unless it is set sooner already.
    async fn wake(&self, delay_ms: i64) -> AppResult<()> {
        let storage = self.state.storage();
        let wanted = worker::Date::now().as_millis() as i64 + delay_ms.max(0);
        let current = storage.get_alarm().await.ok().flatten();
        if current.is_none_or(|at| at > wanted) {
            storage.set_alarm(delay_ms.max(0)).await.map_err(|e| {
                store::log_internal("hooks alarm", e);
                AppError::internal()
            })?;
        }
        Ok(())
    }

    /// A member was erased: every delivery about them goes (pending, dead),
    /// then the notice of the erasure is handed over like any other.
    async fn forget(&self, forget: &HooksForget) -> AppResult<()> {
        self.sql()
            .exec(
                "DELETE FROM deliveries WHERE member = ?",
                vec![forget.member.as_str().into()],
            )
            .map_err(sql_err)?;
        if !forget.wanted {
            return Ok(());
        }
        self.notify(&forget.shop, std::slice::from_ref(&forget.notice))
            .await
    }

    fn dead(&self) -> AppResult<DeadLetters> {
        #[derive(Deserialize)]
        struct Row {
            id: i64,
            notice: String,
            webhook: String,
            topic: String,
            attempts: i64,
            last_error: String,
            updated_at: i64,
        }
        let found: Vec<Row> = rows(
            &self.sql(),
            "SELECT id, notice, webhook, topic, attempts, last_error, updated_at \
             FROM deliveries WHERE state = ? ORDER BY id LIMIT 1000",
            vec![SqlStorageValue::Integer(DEAD)],
        )?;
        let deliveries = found
            .into_iter()
            .filter_map(|row| {
                Some(DeadLetter {
                    id: row.id,
                    webhook_id: row.webhook,
                    event_id: row.notice,
                    topic: loyalty_rules::notice::Topic::parse(&row.topic)?,
                    attempts: u32::try_from(row.attempts).unwrap_or(0),
                    last_error: row.last_error,
                    failed_at: chrono::DateTime::from_timestamp_millis(row.updated_at)?,
                })
            })
            .collect();
        Ok(DeadLetters { deliveries })
    }

    async fn replay(&self, request: &ReplayRequest) -> AppResult<Replayed> {
        let at = now().timestamp_millis();
        let written = self
            .sql()
            .exec(
                "UPDATE deliveries SET state = ?, attempts = 0, next_at = ?, last_error = '', \
                 updated_at = ? WHERE id = ? AND state = ?",
                vec![
                    SqlStorageValue::Integer(PENDING),
                    SqlStorageValue::Integer(at),
                    SqlStorageValue::Integer(at),
                    SqlStorageValue::Integer(request.delivery),
                    SqlStorageValue::Integer(DEAD),
                ],
            )
            .map_err(sql_err)?
            .rows_written();
        if written == 0 {
            return Err(AppError::not_found("the dead delivery"));
        }
        self.wake(0).await?;
        Ok(Replayed {
            id: request.delivery,
            replayed: true,
        })
    }

    /// One try: the request the subscription's destination makes of the
    /// stored event (a webhook's signed now).
    async fn try_once(&self, sub: &Subscription, due: &Due) -> Tried {
        let Ok(event) = serde_json::from_str::<OutboundEvent>(&due.body) else {
            return Tried::Failed("the stored event could not be read".into());
        };
        let destination = sub.destination();
        let outgoing = destination.request(&event, &due.body, now().timestamp(), due.attempts);
        let request = match outgoing {
            Outgoing::Send(request) => request,
            Outgoing::Skip(_) => return Tried::Delivered,
        };
        let headers = Headers::new();
        for (name, value) in &request.headers {
            if headers.set(name, value).is_err() {
                return Tried::Failed("could not build the request".into());
            }
        }
        let method = if request.method == "PATCH" {
            Method::Patch
        } else {
            Method::Post
        };
        let mut init = RequestInit::new();
        init.with_method(method)
            .with_headers(headers)
            .with_body(Some(wasm_bindgen::JsValue::from_str(&request.body)));
        let Ok(request) = Request::new_with_init(&request.url, &init) else {
            return Tried::Failed("the URL was refused".into());
        };
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(request);
        let send = fetch.send_with_signal(&signal);
        let timeout = Delay::from(TIMEOUT);
        futures_util::pin_mut!(send);
        futures_util::pin_mut!(timeout);
        match futures_util::future::select(send, timeout).await {
            futures_util::future::Either::Left((Ok(response), _)) => {
                let status = response.status_code();
                if destination.delivered(status) {
                    Tried::Delivered
                } else {
                    Tried::Failed(format!("answered {status}"))
                }
            }
            futures_util::future::Either::Left((Err(error), _)) => {
                let mut text = format!("no answer: {error}");
                text.truncate(200);
                Tried::Failed(text)
            }
            futures_util::future::Either::Right(_) => {
                controller.abort();
                Tried::Failed(format!("no answer within {} s", TIMEOUT.as_secs()))
            }
        }
    }

    /// The alarm: sends what is due (at once), records each outcome, drops
    /// old delivered and dead rows, and sets itself for what is next.
    async fn run(&self) -> AppResult<()> {
        let at = now().timestamp_millis();
        self.sql()
            .exec(
                "DELETE FROM deliveries WHERE (state = ? AND updated_at < ?) \
                 OR (state = ? AND updated_at < ?)",
                vec![
                    SqlStorageValue::Integer(DELIVERED),
                    SqlStorageValue::Integer(at - 3 * DAY_MS),
                    SqlStorageValue::Integer(DEAD),
                    SqlStorageValue::Integer(at - 30 * DAY_MS),
                ],
            )
            .map_err(sql_err)?;
        let due: Vec<Due> = rows(
            &self.sql(),
            "SELECT id, webhook, body, attempts FROM deliveries \
             WHERE state = ? AND next_at <= ? ORDER BY next_at LIMIT ?",
            vec![
                SqlStorageValue::Integer(PENDING),
                SqlStorageValue::Integer(at),
                SqlStorageValue::Integer(BATCH),
            ],
        )?;
        let subs = self.subscriptions()?;
        let attempts = self.setting("LOYALTY_RETRY_ATTEMPTS", ATTEMPTS, 1..=30);
        let list = &subs.list;
        let tries = due.iter().map(|d| async move {
            match list.iter().find(|s| s.id == d.webhook) {
                Some(sub) => Some(self.try_once(sub, d).await),
                // The subscription was removed: its deliveries go.
                None => None,
            }
        });
        let outcomes = futures_util::future::join_all(tries).await;
        let done = now().timestamp_millis();
        for (d, outcome) in due.iter().zip(outcomes) {
            let id = SqlStorageValue::Integer(d.id);
            match outcome {
                None => {
                    self.sql()
                        .exec("DELETE FROM deliveries WHERE id = ?", vec![id])
                        .map_err(sql_err)?;
                }
                Some(Tried::Delivered) => {
                    self.sql()
                        .exec(
                            "UPDATE deliveries SET state = ?, body = '', member = '', \
                             attempts = attempts + 1, last_error = '', updated_at = ? WHERE id = ?",
                            vec![
                                SqlStorageValue::Integer(DELIVERED),
                                SqlStorageValue::Integer(done),
                                id,
                            ],
                        )
                        .map_err(sql_err)?;
                }
                Some(Tried::Failed(error)) => {
                    let tried = d.attempts + 1;
                    let (state, next) = if tried >= attempts {
                        (DEAD, done)
                    } else {
                        (PENDING, done + self.backoff(tried))
                    };
                    self.sql()
                        .exec(
                            "UPDATE deliveries SET state = ?, attempts = ?, next_at = ?, \
                             last_error = ?, updated_at = ? WHERE id = ?",
                            vec![
                                SqlStorageValue::Integer(state),
                                SqlStorageValue::Integer(tried),
                                SqlStorageValue::Integer(next),
                                error.as_str().into(),
                                SqlStorageValue::Integer(done),
                                id,
                            ],
                        )
                        .map_err(sql_err)?;
                }
            }
        }
        #[derive(Deserialize)]
        struct Next {
            next: Option<i64>,
            kept: i64,
        }
        let next: Vec<Next> = rows(
            &self.sql(),
            "SELECT (SELECT MIN(next_at) FROM deliveries WHERE state = 0) AS next, \
             (SELECT COUNT(*) FROM deliveries WHERE state != 0) AS kept",
            None,
        )?;
        let next = next.into_iter().next();
        let now_ms = now().timestamp_millis();
        match next {
            Some(Next { next: Some(at), .. }) => self.wake(at - now_ms).await?,
            // Only delivered or dead rows: come back to drop them in time.
            Some(Next { kept, .. }) if kept > 0 => self.wake(DAY_MS).await?,
            _ => {}
        }
        Ok(())
    }

    async fn handle(&self, req: Request) -> AppResult<String> {
        let call: HookCall = store::received(req).await?;
        self.migrate()?;
        match call {
            HookCall::Subscriptions(c) => answer::<Subscriptions>(self.set_subscriptions(c)),
            HookCall::Notify(c) => answer::<Notify>(self.notify(&c.shop, &c.notices).await),
            HookCall::Forget(c) => answer::<HooksForget>(self.forget(&c).await),
            HookCall::Dead(_) => answer::<DeadRequest>(self.dead()),
            HookCall::Replay(c) => answer::<ReplayRequest>(self.replay(&c).await),
        }
    }
}

impl DurableObject for HookObject {
    fn new(state: State, env: Env) -> Self {
        crate::clock::honour(&env);
        Self {
            state,
            env,
            migrated: Cell::new(false),
            subscriptions: RefCell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        reply(self.handle(req).await)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        if self.migrate().is_ok()
            && let Err(error) = self.run().await
        {
            store::log_internal("hooks alarm", format!("{error:?}"));
            // Try again soon rather than never.
            let _ = self.state.storage().set_alarm(5_000_i64).await;
        }
        Response::ok("")
    }
}

/// The object's answer to a call of type `C`: its declared reply, as JSON.
fn answer<C: HookOp>(reply: AppResult<C::Reply>) -> AppResult<String> {
    json(reply?)
}
