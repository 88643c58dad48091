//! A shop's gate: one of `keys::GATES` Durable Objects that share a shop's
//! traffic, so no single object stands on its hot path. Each decides a
//! request on its own from its copy of the shop's facts (credentials, the
//! program version, pooling): it checks the credential, counts the
//! shopper's rate window, and claims the event ids that hash to it. Every
//! delivery of one event id meets the same gate (the id chooses it), so a
//! claim is exact shop-wide; every request of one shopper meets the same
//! gate (their rate key chooses it), so a rate window is exact too. The
//! reward-code and referral-code indexes live here as well, each code in
//! the gate its code chooses (KV holds lagging copies).
//!
//! The copy is pushed by the shop object, before it answers, whenever the
//! facts change (rotation, a new program), and pulled from it by a gate that
//! has none. A gate keeps the copy with the highest epoch, so a rotation's
//! old credentials stop working at once at every gate. A gate of a shop
//! nobody created stores nothing.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use serde::Deserialize;
use worker::{
    DurableObject, Env, Request, Response, SqlStorage, SqlStorageValue, State, durable_object,
};

use super::{rows, sql_err};
use crate::clock::now;
use crate::error::{AppError, AppResult};
use crate::model::{
    CallsRequest, Claim, ClaimRequest, ClaimStatus, Context, ContextRequest, CopyRequest,
    Credential, Forget, GateCall, GateOp, Index, JournalPage, JournalRow, JournalRows, LookupCode,
    LookupOrder, LookupReferral, ShopCopy,
};
use crate::store::{self, reply};
use crate::{auth, keys};

/// How many widget requests a shopper may make in a minute (the deployment
/// variable `LOYALTY_RATE_PER_MINUTE` may change it).
pub const RATE_PER_MINUTE: u32 = 60;

// The runtime's handles (State, Env) do not implement Debug.
#[allow(missing_debug_implementations)]
#[durable_object]
pub struct GateObject {
    state: State,
    env: Env,
    /// The newest copy of the shop's facts this gate holds (loaded once).
    copy: RefCell<Option<ShopCopy>>,
    loaded: Cell<bool>,
    /// Fixed one-minute windows by rate key: every request of one key meets
    /// this one instance, so memory is exact here.
    windows: RefCell<HashMap<String, (i64, u32)>>,
    calls: Cell<u64>,
    /// Whether this instance brought the tables up to date.
    migrated: Cell<bool>,
    /// Events this instance put in the journal (every 64th trims it).
    journaled: Cell<u64>,
}

/// How many events each gate's journal keeps (so a shop's journal holds
/// the newest `keys::GATES` times as many, spread by event id).
const JOURNAL_KEPT: i64 = 2_000;

impl GateObject {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    /// Creates the tables (only once there is a shop to hold a copy of),
    /// once per instance. A claim keeps the id and the body's fingerprint,
    /// and whether its member was erased since: claims of an older layout
    /// (which kept the state key) move over without it.
    fn migrate(&self) -> AppResult<()> {
        if self.migrated.get() {
            return Ok(());
        }
        let sql = self.sql();
        for statement in [
            "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS claimed (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, erased INTEGER NOT NULL DEFAULT 0)",
            "CREATE TABLE IF NOT EXISTS codes (code TEXT PRIMARY KEY, key TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS referrals (code TEXT PRIMARY KEY, member TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS orders (code TEXT PRIMARY KEY, owner TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS journal (id TEXT PRIMARY KEY, at INTEGER NOT NULL, v TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS journal_at ON journal (at, id)",
        ] {
            sql.exec(statement, None).map_err(sql_err)?;
        }
        if super::has_table(&sql, "claims")? {
            sql.exec(
                "INSERT OR IGNORE INTO claimed (id, fingerprint) SELECT id, fingerprint FROM claims",
                None,
            )
            .map_err(sql_err)?;
            sql.exec("DROP TABLE claims", None).map_err(sql_err)?;
        }
        self.migrated.set(true);
        Ok(())
    }

    /// The stored copy, read without creating anything.
    fn stored(&self) -> AppResult<Option<ShopCopy>> {
        if self.loaded.get() {
            return Ok(self.copy.borrow().clone());
        }
        let copy = if super::has_tables(&self.sql())? {
            self.migrate()?;
            super::get_text(&self.sql(), "copy")?.and_then(|text| serde_json::from_str(&text).ok())
        } else {
            None
        };
        *self.copy.borrow_mut() = copy.clone();
        self.loaded.set(true);
        Ok(copy)
    }

    /// Keeps `copy` if it is newer than the one held.
    fn keep(&self, copy: ShopCopy) -> AppResult<()> {
        let held = self.stored()?;
        if held.as_ref().is_some_and(|h| h.epoch >= copy.epoch) {
            return Ok(());
        }
        if held.is_none() {
            self.migrate()?;
        }
        let text = serde_json::to_string(&copy).map_err(|_| AppError::internal())?;
        super::put_text(&self.sql(), "copy", &text)?;
        *self.copy.borrow_mut() = Some(copy);
        Ok(())
    }

    /// The shop's facts: the held copy, else the shop object's (a shop
    /// nobody created: 404, and nothing stored).
    async fn facts(&self, shop: &str) -> AppResult<ShopCopy> {
        if let Some(copy) = self.stored()? {
            return Ok(copy);
        }
        let pulled = store::shop(&self.env, shop, CopyRequest::default())
            .await?
            .ok_or_else(|| AppError::not_found("the shop"))?;
        self.keep(pulled)?;
        self.stored()?.ok_or_else(AppError::internal)
    }

    /// Checks the credential; counts the rate window; claims the ids. After `facts` no `await`: the claims' reads and
    /// writes are one transaction, with no other request in between.
    async fn door(&self, shop: &str, request: ContextRequest) -> AppResult<Context> {
        let copy = self.facts(shop).await?;
        let now = now().timestamp();
        let mut context = Context {
            program_version: copy.program_version,
            pooling: copy.pooling,
            topics: copy.topics,
            seen_widget: copy.firsts.widget_at.is_some(),
            seen_event: copy.firsts.event_at.is_some(),
            ..Context::default()
        };
        match request.credential.unwrap_or(Credential::Guest) {
            Credential::Admin => {
                context.admin = true;
                context.merchant = true;
            }
            Credential::ApiKey { key } => {
                if !auth::same_secret(&auth::sha256_hex(&key), &copy.api_key_hash) {
                    return Err(AppError::unauthorized(
                        "the API key is not valid for this shop",
                    ));
                }
                context.merchant = true;
            }
            Credential::Signature { header, body } => {
                if !auth::verify_signature(&header, body.as_bytes(), &copy.webhook_secret, now) {
                    return Err(AppError::unauthorized(
                        "the Loyalty-Signature is not valid or is more than 300 seconds old",
                    ));
                }
                context.merchant = true;
            }
            Credential::Platform {
                platform,
                signature,
                body,
            } => {
                let platform = crate::platforms::Platform::from_name(&platform);
                let secret = copy.platforms.get(platform.map_or("", |p| p.name()));
                let valid = match (platform, secret) {
                    (Some(platform), Some(secret)) => {
                        platform.verify(secret, body.as_bytes(), &signature)
                    }
                    _ => false,
                };
                if !valid {
                    return Err(AppError::unauthorized(match secret {
                        None => "the shop has not connected this platform's webhooks",
                        Some(_) => "the platform's signature does not match the body",
                    }));
                }
                context.merchant = true;
            }
            Credential::Customer { token } => {
                context.customer = auth::verify_customer_token(&token, &copy.widget_secret, now)
                    .map(str::to_owned);
            }
            Credential::Guest => {}
        }
        if let Some(rate_key) = request.rate_key {
            let proven = match rate_key.strip_prefix("member:") {
                Some(member) => context.customer.as_deref() == Some(member),
                None => true,
            };
            if proven {
                self.count_request(&rate_key, now)?;
            } else {
                context.uncounted = true;
            }
        }
        // Without a program every event is refused (`no_program`), so none
        // is claimed: a refused event never keeps its id.
        if copy.program_version > 0 {
            for claim in request.claims {
                context.claims.push(self.claim(&claim)?);
            }
        }
        Ok(context)
    }

    fn count_request(&self, key: &str, now_unix: i64) -> AppResult<()> {
        let minute = now_unix.div_euclid(60);
        let mut windows = self.windows.borrow_mut();
        if windows.len() > 100_000 {
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(key.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        let limit = self
            .env
            .var("LOYALTY_RATE_PER_MINUTE")
            .ok()
            .and_then(|v| v.to_string().parse::<u32>().ok())
            .unwrap_or(RATE_PER_MINUTE);
        if entry.1 > limit {
            let retry = 60 - now_unix.rem_euclid(60);
            return Err(AppError::too_many(u64::try_from(retry).unwrap_or(60)));
        }
        Ok(())
    }

    /// Claims an id: one statement for a new id (an insert that does
    /// nothing when the id, or an erased member's claim of it, is held),
    /// the held claim's row read only for a repeated id.
    fn claim(&self, claim: &ClaimRequest) -> AppResult<Claim> {
        let erased = keys::erased_claim(&claim.event_id);
        let written = self
            .sql()
            .exec(
                "INSERT INTO claimed (id, fingerprint) SELECT ?1, ?2 \
                 WHERE NOT EXISTS (SELECT 1 FROM claimed WHERE id = ?3) ON CONFLICT (id) DO NOTHING",
                vec![
                    claim.event_id.as_str().into(),
                    claim.fingerprint.as_str().into(),
                    erased.as_str().into(),
                ],
            )
            .map_err(sql_err)?
            .rows_written();
        if written > 0 {
            if let Some(body) = &claim.journal {
                self.journal(&claim.event_id, body)?;
            }
            return Ok(Claim {
                status: ClaimStatus::New,
            });
        }
        #[derive(Deserialize)]
        struct Row {
            fingerprint: String,
            erased: i64,
        }
        let found: Vec<Row> = rows(
            &self.sql(),
            "SELECT fingerprint, erased FROM claimed WHERE id IN (?, ?)",
            vec![claim.event_id.as_str().into(), erased.as_str().into()],
        )?;
        let status = match found.into_iter().next() {
            Some(row) if row.fingerprint != claim.fingerprint => ClaimStatus::Conflict,
            Some(row) if row.erased != 0 => ClaimStatus::Erased,
            _ => ClaimStatus::Same,
        };
        Ok(Claim { status })
    }

    /// Keeps a newly claimed event in the journal the console's backtest
    /// reads; the oldest beyond `JOURNAL_KEPT` go (checked every 64th).
    fn journal(&self, id: &str, body: &str) -> AppResult<()> {
        let sql = self.sql();
        sql.exec(
            "INSERT OR REPLACE INTO journal (id, at, v) VALUES (?, ?, ?)",
            vec![
                id.into(),
                SqlStorageValue::Integer(now().timestamp_millis()),
                body.into(),
            ],
        )
        .map_err(sql_err)?;
        let n = self.journaled.get().wrapping_add(1);
        self.journaled.set(n);
        if n.is_multiple_of(64) {
            let trimmed = sql
                .exec(
                    "DELETE FROM journal WHERE id IN (SELECT id FROM journal \
                     ORDER BY at DESC, id DESC LIMIT -1 OFFSET ?)",
                    vec![SqlStorageValue::Integer(JOURNAL_KEPT)],
                )
                .map_err(sql_err)?
                .rows_written();
            if trimmed > 0 {
                super::put_text(&sql, "journal_trimmed", "1")?;
            }
        }
        Ok(())
    }

    /// Journaled events that name an erased member as their referrer keep
    /// the event without them (the referral is settled as no one's).
    fn unmention(&self, member: &str) -> AppResult<()> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            v: String,
        }
        let found: Vec<Row> = rows(
            &self.sql(),
            "SELECT id, v FROM journal WHERE instr(v, ?) > 0",
            vec![member.into()],
        )?;
        for row in found {
            let Ok(mut recorded) = serde_json::from_str::<crate::bodies::Recorded>(&row.v) else {
                continue;
            };
            if recorded.referrer.as_deref() != Some(member) {
                continue;
            }
            recorded.referrer = None;
            let text = serde_json::to_string(&recorded).map_err(|_| AppError::internal())?;
            self.sql()
                .exec(
                    "UPDATE journal SET v = ? WHERE id = ?",
                    vec![text.as_str().into(), row.id.as_str().into()],
                )
                .map_err(sql_err)?;
        }
        Ok(())
    }

    /// The journal's newest `limit + 1` entries before the cursor.
    fn journal_page(&self, page: &JournalPage) -> AppResult<JournalRows> {
        if self.stored()?.is_none() {
            return Ok(JournalRows::default());
        }
        let (clause, mut binds) = match &page.before {
            None => ("1 = 1", Vec::new()),
            Some(cursor) => (
                "(at < ? OR (at = ? AND id < ?))",
                vec![
                    SqlStorageValue::Integer(cursor.value),
                    SqlStorageValue::Integer(cursor.value),
                    cursor.key.as_str().into(),
                ],
            ),
        };
        binds.push(SqlStorageValue::Integer(i64::from(page.limit) + 1));
        let rows: Vec<JournalRow> = rows(
            &self.sql(),
            &format!(
                "SELECT id, at, v FROM journal WHERE {clause} ORDER BY at DESC, id DESC LIMIT ?"
            ),
            binds,
        )?;
        Ok(JournalRows {
            rows,
            trimmed: super::get_text(&self.sql(), "journal_trimmed")?.is_some(),
        })
    }

    fn release(&self, claim: &ClaimRequest) -> AppResult<()> {
        if self.stored()?.is_none() {
            return Ok(());
        }
        self.sql()
            .exec(
                "DELETE FROM journal WHERE id = ?",
                vec![claim.event_id.as_str().into()],
            )
            .map_err(sql_err)?;
        self.sql()
            .exec(
                "DELETE FROM claimed WHERE id = ? AND fingerprint = ? AND erased = 0",
                vec![
                    claim.event_id.as_str().into(),
                    claim.fingerprint.as_str().into(),
                ],
            )
            .map(|_| ())
            .map_err(sql_err)
    }

    /// Forgets an erased member: their claims are marked and keep the
    /// SHA-256 of the id in its place (with the fingerprint, so the events
    /// answer as duplicates and recreate nothing), their codes
    /// leave the index and its KV copies. All in one transaction, then KV.
    async fn forget(&self, shop: &str, forget: Forget) -> AppResult<()> {
        if self.stored()?.is_none() {
            return Ok(());
        }
        let sql = self.sql();
        for id in forget.event_ids.iter().chain(&forget.journal) {
            sql.exec("DELETE FROM journal WHERE id = ?", vec![id.as_str().into()])
                .map_err(sql_err)?;
        }
        for member in &forget.mentions {
            self.unmention(member)?;
        }
        for id in &forget.event_ids {
            sql.exec(
                "UPDATE OR REPLACE claimed SET id = ?, erased = 1 WHERE id = ?",
                vec![keys::erased_claim(id).into(), id.as_str().into()],
            )
            .map_err(sql_err)?;
        }
        for code in &forget.codes {
            sql.exec(
                "DELETE FROM codes WHERE code = ?",
                vec![code.as_str().into()],
            )
            .map_err(sql_err)?;
        }
        for code in &forget.referrals {
            sql.exec(
                "DELETE FROM referrals WHERE code = ?",
                vec![code.as_str().into()],
            )
            .map_err(sql_err)?;
        }
        for order in &forget.orders {
            sql.exec(
                "DELETE FROM orders WHERE code = ?",
                vec![order.as_str().into()],
            )
            .map_err(sql_err)?;
        }
        for code in &forget.codes {
            store::kv::delete_code_owner(&self.env, shop, code).await?;
        }
        for code in &forget.referrals {
            store::kv::delete_referrer(&self.env, shop, code).await?;
        }
        Ok(())
    }

    /// Writes index entries (all in one transaction), then their lagging
    /// KV copies.
    async fn index(&self, shop: &str, index: Index) -> AppResult<()> {
        self.facts(shop).await?;
        let sql = self.sql();
        for (code, key) in &index.codes {
            sql.exec(
                "INSERT OR REPLACE INTO codes (code, key) VALUES (?, ?)",
                vec![code.as_str().into(), key.as_str().into()],
            )
            .map_err(sql_err)?;
        }
        for (code, member) in &index.referrals {
            sql.exec(
                "INSERT OR REPLACE INTO referrals (code, member) VALUES (?, ?)",
                vec![code.as_str().into(), member.as_str().into()],
            )
            .map_err(sql_err)?;
        }
        for (order, owner) in &index.orders {
            sql.exec(
                "INSERT OR REPLACE INTO orders (code, owner) VALUES (?, ?)",
                vec![order.as_str().into(), owner.as_str().into()],
            )
            .map_err(sql_err)?;
        }
        for (code, key) in &index.codes {
            store::kv::put_code_owner(&self.env, shop, code, key).await;
        }
        for (code, member) in &index.referrals {
            store::kv::put_referrer(&self.env, shop, code, member).await;
        }
        Ok(())
    }

    /// An index entry (`None`: no such code; a gate with no copy of the
    /// shop has no entries, and stores nothing to say so).
    fn lookup(&self, table: &str, column: &str, code: &str) -> AppResult<Option<String>> {
        if self.stored()?.is_none() {
            return Ok(None);
        }
        #[derive(Deserialize)]
        struct Row {
            v: String,
        }
        let query = format!("SELECT {column} AS v FROM {table} WHERE code = ?");
        let found: Vec<Row> = rows(&self.sql(), &query, vec![code.into()])?;
        Ok(found.into_iter().next().map(|r| r.v))
    }

    async fn handle(&self, req: Request) -> AppResult<String> {
        let (shop, call): (String, GateCall) = store::received(req).await?;
        if !matches!(call, GateCall::Calls(_)) {
            self.calls.set(self.calls.get().saturating_add(1));
        }
        match call {
            GateCall::Door(c) => answer::<ContextRequest>(self.door(&shop, c).await),
            GateCall::Copy(c) => answer::<ShopCopy>(self.keep(c)),
            GateCall::Release(c) => answer::<ClaimRequest>(self.release(&c)),
            GateCall::Index(c) => answer::<Index>(self.index(&shop, c).await),
            GateCall::Forget(c) => answer::<Forget>(self.forget(&shop, c).await),
            GateCall::LookupCode(c) => answer::<LookupCode>(self.lookup("codes", "key", &c.code)),
            GateCall::LookupReferral(c) => {
                answer::<LookupReferral>(self.lookup("referrals", "member", &c.code))
            }
            GateCall::LookupOrder(c) => {
                answer::<LookupOrder>(self.lookup("orders", "owner", &c.order))
            }
            GateCall::Calls(_) => answer::<CallsRequest>(Ok(self.calls.get())),
            GateCall::Journal(c) => answer::<JournalPage>(self.journal_page(&c)),
        }
    }
}

/// The gate's answer to a call of type `C`: its declared reply, as JSON.
fn answer<C: GateOp>(reply: AppResult<C::Reply>) -> AppResult<String> {
    super::shop::json(reply?)
}

impl DurableObject for GateObject {
    fn new(state: State, env: Env) -> Self {
        crate::clock::honour(&env);
        Self {
            state,
            env,
            copy: RefCell::new(None),
            loaded: Cell::new(false),
            windows: RefCell::new(HashMap::new()),
            calls: Cell::new(0),
            migrated: Cell::new(false),
            journaled: Cell::new(0),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        reply(self.handle(req).await)
    }
}
