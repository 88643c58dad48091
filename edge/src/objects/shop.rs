//! The shop's Durable Object: the only writer of the shop's own facts.
//! Secrets (the api_key hashed), program versions, account membership and
//! the analytics counters. It stands on no request's hot path: the shop's
//! gates decide credentials, rate windows and event-id claims from their
//! copy of its facts, which it pushes to every gate before it answers a
//! change, and hold the code and referral indexes.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use loyalty_rules::analytics::{Analytics, DayRecord, MemberFigures, ShopCounters};
use serde::{Deserialize, Serialize};
use worker::{
    DurableObject, Env, Request, Response, SqlStorage, SqlStorageValue, State, durable_object,
};

use super::{rows, sql_err};
use crate::auth;
use crate::clock::now;
use crate::error::{AppError, AppResult};
use crate::keys;
use crate::model::{
    AddWebhook, AnalyticsRequest, BoundKey, CallsRequest, ConnectPlatform, CopyRequest, CreateShop,
    DailyDays, DailyRequest, DevToken, EraseState, ErasedState, Figures, First, Firsts,
    ForgetGuest, GuestSeen, KeyOf, ListVersions, ListWebhooks, MembersRequest, ProgramDocument,
    ProgramRef, PutProgram, RedactShop, RemoveWebhook, Report, RotateKeys, ScheduledRequest,
    Secrets, SetupRequest, ShopCall, ShopCopy, ShopOp, Subscription, Subscriptions, Tick, TickDone,
    Unbind,
};
use crate::store::{self, reply};
use chrono::{Duration, NaiveDate};
use loyalty_rules::notice::Topics;
use loyalty_rules::schedule::{Dated, Occasion};

/// What the shop object keeps about the shop itself: the facts every gate
/// holds a copy of (stored flat, as one JSON object), and the current
/// program's document.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShopRecord {
    #[serde(flatten)]
    pub facts: ShopCopy,
    #[serde(default)]
    pub program: Option<String>,
    /// The outbound subscriptions (their topics are in the facts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<Subscription>,
}

// The runtime's handles (State, Env) do not implement Debug.
#[allow(missing_debug_implementations)]
#[durable_object]
pub struct ShopObject {
    state: State,
    env: Env,
    record: RefCell<Option<ShopRecord>>,
    loaded: RefCell<bool>,
    calls: Cell<u64>,
    /// The counters as last written to storage (a cache of this object's own state).
    counters: RefCell<Option<ShopCounters>>,
    /// Whether the accounts table has rows (unknown until first asked).
    has_accounts: RefCell<Option<bool>>,
    /// Recently recorded figures by state key (a cache of this object's own
    /// writes, so one report costs no read).
    figures: RefCell<HashMap<String, (i64, MemberFigures)>>,
    /// Whether any erased state's reports are held off (unknown until asked).
    has_erased: Cell<Option<bool>>,
}

/// How long reports of an erased state are turned away: longer than a
/// worker carries a report (`CARRIED_WAIT_MS`) by far.
const ERASED_HOLD_SECONDS: i64 = 600;

/// How many states' figures the shop object keeps in memory.
const FIGURES_CACHED: usize = 20_000;

impl ShopObject {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn migrate(&self) -> AppResult<()> {
        if *self.loaded.borrow() {
            return Ok(());
        }
        let sql = self.sql();
        for statement in [
            "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS programs (version INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS accounts (member TEXT PRIMARY KEY, key TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS figures (key TEXT PRIMARY KEY, revision INTEGER NOT NULL, v TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS erased (hash TEXT PRIMARY KEY, until INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS calendar (key TEXT NOT NULL, member TEXT NOT NULL, \
             occasion TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (key, member, occasion))",
            "CREATE INDEX IF NOT EXISTS calendar_day ON calendar (occasion, day)",
            "CREATE TABLE IF NOT EXISTS guests (key TEXT PRIMARY KEY)",
            "CREATE TABLE IF NOT EXISTS roster (member TEXT PRIMARY KEY, key TEXT NOT NULL, \
             email_hash TEXT, referral_code TEXT NOT NULL, balance INTEGER NOT NULL, \
             last_activity INTEGER NOT NULL, tier TEXT, tier_rank INTEGER NOT NULL, \
             joined_at INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS roster_key ON roster (key)",
            "CREATE INDEX IF NOT EXISTS roster_balance ON roster (balance, member)",
            "CREATE INDEX IF NOT EXISTS roster_activity ON roster (last_activity, member)",
            "CREATE INDEX IF NOT EXISTS roster_tier ON roster (tier_rank, member)",
            "CREATE INDEX IF NOT EXISTS roster_email ON roster (email_hash)",
            "CREATE INDEX IF NOT EXISTS roster_referral ON roster (referral_code)",
            "CREATE TABLE IF NOT EXISTS days (day TEXT PRIMARY KEY, metrics TEXT NOT NULL, \
             changes TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS saves (version INTEGER PRIMARY KEY, saved_at INTEGER NOT NULL, \
             saved_by TEXT NOT NULL)",
        ] {
            sql.exec(statement, None).map_err(sql_err)?;
        }
        let record = self
            .get_text("shop")?
            .and_then(|text| serde_json::from_str(&text).ok());
        *self.record.borrow_mut() = record;
        *self.loaded.borrow_mut() = true;
        Ok(())
    }

    /// Whether this shop was created, read without creating anything.
    fn created(&self) -> AppResult<bool> {
        if *self.loaded.borrow() {
            return Ok(self.record.borrow().is_some());
        }
        if !super::has_tables(&self.sql())? {
            return Ok(false);
        }
        self.migrate()?;
        Ok(self.record.borrow().is_some())
    }

    fn get_text(&self, key: &str) -> AppResult<Option<String>> {
        super::get_text(&self.sql(), key)
    }

    fn put_text(&self, key: &str, value: &str) -> AppResult<()> {
        super::put_text(&self.sql(), key, value)
    }

    fn save_record(&self, record: ShopRecord) -> AppResult<()> {
        let text = serde_json::to_string(&record).map_err(|_| AppError::internal())?;
        self.put_text("shop", &text)?;
        *self.record.borrow_mut() = Some(record);
        Ok(())
    }

    fn record(&self) -> AppResult<ShopRecord> {
        self.record
            .borrow()
            .clone()
            .ok_or_else(|| AppError::not_found("the shop"))
    }

    fn new_secrets(shop: &str) -> Secrets {
        Secrets {
            shop: shop.to_owned(),
            api_key: store::new_secret("lk_live"),
            webhook_secret: store::new_secret("whsec"),
            widget_secret: store::new_secret("wdgt"),
        }
    }

    fn create(&self, shop: &str) -> AppResult<Secrets> {
        if self.record.borrow().is_some() {
            return Err(AppError::new(
                409,
                "shop_exists",
                format!("the shop {shop} already exists"),
            ));
        }
        let secrets = Self::new_secrets(shop);
        self.save_record(ShopRecord {
            facts: ShopCopy {
                shop: shop.to_owned(),
                epoch: 1,
                api_key_hash: auth::sha256_hex(&secrets.api_key),
                webhook_secret: secrets.webhook_secret.clone(),
                widget_secret: secrets.widget_secret.clone(),
                program_version: 0,
                pooling: false,
                platforms: Default::default(),
                topics: Topics::default(),
                firsts: Default::default(),
            },
            program: None,
            webhooks: Vec::new(),
        })?;
        Ok(secrets)
    }

    /// New secrets, in every gate before they are shown: the old ones stop
    /// working at once.
    async fn rotate(&self) -> AppResult<Secrets> {
        let mut record = self.record()?;
        let secrets = Self::new_secrets(&record.facts.shop);
        record.facts.api_key_hash = auth::sha256_hex(&secrets.api_key);
        record
            .facts
            .webhook_secret
            .clone_from(&secrets.webhook_secret);
        record
            .facts
            .widget_secret
            .clone_from(&secrets.widget_secret);
        record.facts.epoch = record.facts.epoch.saturating_add(1);
        self.save_record(record)?;
        self.push().await?;
        Ok(secrets)
    }

    /// Stores or forgets a platform's secret, in every gate before it
    /// answers (a new secret replaces the old at once).
    async fn connect_platform(&self, connect: ConnectPlatform) -> AppResult<()> {
        let mut record = self.record()?;
        match connect.secret {
            Some(secret) => {
                record.facts.platforms.insert(connect.platform, secret);
            }
            None => {
                record.facts.platforms.remove(&connect.platform);
            }
        }
        record.facts.epoch = record.facts.epoch.saturating_add(1);
        self.save_record(record)?;
        self.push().await
    }

    /// Adds an outbound subscription: its topics in every gate (so member
    /// objects derive those notices) and the subscription in the outbound
    /// object before it answers; its secret is in the answer only.
    async fn add_webhook(&self, add: AddWebhook) -> AppResult<Subscription> {
        let mut record = self.record()?;
        if record.webhooks.len() >= crate::bodies::MAX_WEBHOOKS {
            return Err(AppError::new(
                409,
                "too_many_webhooks",
                format!(
                    "a shop has at most {} webhooks: remove one first",
                    crate::bodies::MAX_WEBHOOKS
                ),
            ));
        }
        let mut id = [0u8; 8];
        store::fill_random(&mut id);
        let subscription = Subscription {
            id: format!("wh_{}", auth::hex(&id)),
            url: add.url,
            topics: add.topics,
            secret: if add.kind == crate::destinations::Kind::Webhook {
                store::new_secret("whsec")
            } else {
                String::new()
            },
            created_at: now(),
            kind: add.kind,
            api_key: add.api_key,
            list_id: add.list_id,
        };
        record.webhooks.push(subscription.clone());
        self.save_webhooks(record).await?;
        Ok(subscription)
    }

    /// Removes a subscription (whether there was one): its topics leave
    /// the gates, its pending deliveries the outbound object.
    async fn remove_webhook(&self, id: &str) -> AppResult<bool> {
        let mut record = self.record()?;
        let before = record.webhooks.len();
        record.webhooks.retain(|w| w.id != id);
        if record.webhooks.len() == before {
            return Ok(false);
        }
        self.save_webhooks(record).await?;
        Ok(true)
    }

    async fn save_webhooks(&self, mut record: ShopRecord) -> AppResult<()> {
        record.facts.topics = Topics::of(record.webhooks.iter().flat_map(|w| w.topics.clone()));
        record.facts.epoch = record.facts.epoch.saturating_add(1);
        self.save_record(record)?;
        self.push().await
    }

    /// Pushes the current copy to every gate, and the subscriptions to the
    /// outbound object, all at once, before the change answers. An object
    /// that could not take it (an outage of that object) is tried again by
    /// the alarm every second until it does; the change is saved and
    /// answered meanwhile, so secrets shown are never lost.
    async fn push(&self) -> AppResult<()> {
        let record = self.record()?;
        let copy = record.facts;
        let subscriptions = Subscriptions {
            shop: copy.shop.clone(),
            epoch: copy.epoch,
            list: record.webhooks,
        };
        let sends = (0..keys::GATES).map(|n| store::gate(&self.env, &copy.shop, n, copy.clone()));
        let (gates, hooks) = futures_util::future::join(
            futures_util::future::join_all(sends),
            store::hooks(&self.env, &copy.shop, subscriptions),
        )
        .await;
        let failed = gates.iter().any(Result::is_err) || hooks.is_err();
        if failed {
            store::log_internal("push to gates", &copy.shop);
            let _ = self.state.storage().set_alarm(1_000).await;
        }
        Ok(())
    }

    /// What a gate that has no copy asks (`None`: no such shop).
    fn copy(&self) -> AppResult<Option<ShopCopy>> {
        Ok(self
            .record
            .borrow()
            .as_ref()
            .map(|record| record.facts.clone()))
    }

    /// The state key of a member: its pooled account's, once bound, else
    /// its own. With `bind` (an event of the member), a member seen for the
    /// first time is bound to the event's account, or to their own state
    /// without one: a later event naming an account cannot move them.
    fn key_of(&self, ask: &KeyOf) -> AppResult<BoundKey> {
        #[derive(Deserialize)]
        struct Row {
            key: String,
        }
        let pooling = self
            .record
            .borrow()
            .as_ref()
            .is_some_and(|r| r.facts.pooling);
        let wanted = match &ask.account {
            Some(account) if pooling => keys::account_state(account),
            _ => keys::own_state(&ask.member),
        };
        if self.accounts_bound()? {
            let rows: Vec<Row> = rows(
                &self.sql(),
                "SELECT key FROM accounts WHERE member = ?",
                vec![ask.member.as_str().into()],
            )?;
            // Bound: the event goes to the bound state, whose rules refuse
            // one that names another account (`account_id_immutable`).
            if let Some(row) = rows.into_iter().next() {
                return Ok(BoundKey {
                    key: row.key,
                    fresh: false,
                });
            }
        }
        if !(ask.bind && pooling) {
            return Ok(BoundKey {
                key: wanted,
                fresh: false,
            });
        }
        self.sql()
            .exec(
                "INSERT OR IGNORE INTO accounts (member, key) VALUES (?, ?)",
                vec![ask.member.as_str().into(), wanted.as_str().into()],
            )
            .map_err(sql_err)?;
        *self.has_accounts.borrow_mut() = Some(true);
        Ok(BoundKey {
            key: wanted,
            fresh: true,
        })
    }

    fn unbind(&self, member: &str) -> AppResult<()> {
        self.sql()
            .exec("DELETE FROM accounts WHERE member = ?", vec![member.into()])
            .map(|_| ())
            .map_err(sql_err)
    }

    /// A member was erased: their binding goes; the state's figures become
    /// its report's, or, when no one is left, the anonymous totals of its
    /// last figures, and its row goes. A report of the erased state that a
    /// worker still carries would bring the row back: for
    /// `ERASED_HOLD_SECONDS`, a hash of the key turns such reports away.
    fn erased(&self, erased: &ErasedState) -> AppResult<()> {
        self.unbind(&erased.member)?;
        self.sql()
            .exec(
                "DELETE FROM roster WHERE member = ?",
                vec![erased.member.as_str().into()],
            )
            .map_err(sql_err)?;
        if !erased.emptied {
            if let Some(report) = &erased.report {
                self.record_report(report)?;
            }
            return Ok(());
        }
        let mut counters = self.counters()?;
        if let Some((_, before)) = self.figures_of(&erased.key)? {
            counters.record(&before, &before.after_erasure());
            let text = serde_json::to_string(&counters).map_err(|_| AppError::internal())?;
            self.put_text("counters", &text)?;
            // Today's row of the daily series closes on the counts without them.
            self.write_day(self.today()?, &counters, true)?;
            *self.counters.borrow_mut() = Some(counters);
        }
        let sql = self.sql();
        sql.exec(
            "DELETE FROM figures WHERE key = ?",
            vec![erased.key.as_str().into()],
        )
        .map_err(sql_err)?;
        self.write_calendar(&erased.key, &[])?;
        self.write_roster(&erased.key, &MemberFigures::default())?;
        self.figures.borrow_mut().remove(&erased.key);
        let now = now().timestamp();
        sql.exec(
            "DELETE FROM erased WHERE until < ?",
            vec![SqlStorageValue::Integer(now)],
        )
        .map_err(sql_err)?;
        sql.exec(
            "INSERT OR REPLACE INTO erased (hash, until) VALUES (?, ?)",
            vec![
                auth::sha256_hex(&erased.key).as_str().into(),
                SqlStorageValue::Integer(now.saturating_add(ERASED_HOLD_SECONDS)),
            ],
        )
        .map_err(sql_err)?;
        self.has_erased.set(Some(true));
        Ok(())
    }

    /// Whether reports of the state under `key` are turned away (it was
    /// erased less than `ERASED_HOLD_SECONDS` ago).
    fn held_erased(&self, key: &str) -> AppResult<bool> {
        #[derive(Deserialize)]
        struct Row {
            until: i64,
        }
        if self.has_erased.get().is_none() {
            let any: Vec<Row> = rows(&self.sql(), "SELECT until FROM erased LIMIT 1", None)?;
            self.has_erased.set(Some(!any.is_empty()));
        }
        if self.has_erased.get() == Some(false) {
            return Ok(false);
        }
        let found: Vec<Row> = rows(
            &self.sql(),
            "SELECT until FROM erased WHERE hash = ?",
            vec![auth::sha256_hex(key).as_str().into()],
        )?;
        Ok(found
            .first()
            .is_some_and(|row| row.until >= now().timestamp()))
    }

    /// Whether any member is bound to a pooled account (asked once: only
    /// this object writes the table).
    fn accounts_bound(&self) -> AppResult<bool> {
        if let Some(known) = *self.has_accounts.borrow() {
            return Ok(known);
        }
        #[derive(Deserialize)]
        struct Row {
            #[allow(dead_code)]
            member: String,
        }
        let rows: Vec<Row> = rows(&self.sql(), "SELECT member FROM accounts LIMIT 1", None)?;
        let bound = !rows.is_empty();
        *self.has_accounts.borrow_mut() = Some(bound);
        Ok(bound)
    }

    async fn put_program(&self, doc: String, pooling: bool, saved_by: &str) -> AppResult<u64> {
        let mut record = self.record()?;
        record.facts.pooling = pooling;
        record.facts.epoch = record.facts.epoch.saturating_add(1);
        record.facts.program_version = record.facts.program_version.saturating_add(1);
        let version = record.facts.program_version;
        self.sql()
            .exec(
                "INSERT INTO programs (version, doc) VALUES (?, ?)",
                vec![
                    SqlStorageValue::Integer(i64::try_from(version).unwrap_or(i64::MAX)),
                    doc.as_str().into(),
                ],
            )
            .map_err(sql_err)?;
        self.sql()
            .exec(
                "INSERT OR REPLACE INTO saves (version, saved_at, saved_by) VALUES (?, ?, ?)",
                vec![
                    SqlStorageValue::Integer(i64::try_from(version).unwrap_or(i64::MAX)),
                    SqlStorageValue::Integer(now().timestamp_millis()),
                    saved_by.into(),
                ],
            )
            .map_err(sql_err)?;
        record.program = Some(doc);
        let shop = record.facts.shop.clone();
        self.save_record(record)?;
        self.push().await?;
        // Shops made before the registry are put in it with a program.
        store::kv::register_shop(&self.env, &shop).await;
        Ok(version)
    }

    /// The report's figures, in this object's storage (no `await`: one
    /// transaction). A report older than the recorded one changes no
    /// figures, so a report delivered twice counts once.
    fn record_report(&self, report: &Report) -> AppResult<()> {
        self.record_reports(std::slice::from_ref(report))
    }

    /// Several reports in one transaction: a figures row for each that is
    /// fresh, and the counters written once.
    fn record_reports(&self, reports: &[Report]) -> AppResult<()> {
        let mut counters = self.counters()?;
        let mut changed = false;
        for report in reports {
            changed |= self.record_figures(report, &mut counters)?;
        }
        if changed {
            let text = serde_json::to_string(&counters).map_err(|_| AppError::internal())?;
            self.put_text("counters", &text)?;
            self.record_days(reports, &counters)?;
            let record = self.record.borrow().clone();
            if let Some(mut record) = record
                && counters.members > 0
                && record.facts.firsts.member_at.is_none()
            {
                // The gates need not know: no request asks for it.
                record.facts.firsts.member_at = Some(now());
                self.save_record(record)?;
            }
            *self.counters.borrow_mut() = Some(counters);
        }
        Ok(())
    }

    /// A report's figures row and its difference in `counters`; whether it
    /// changed anything.
    fn record_figures(&self, report: &Report, counters: &mut ShopCounters) -> AppResult<bool> {
        let sql = self.sql();
        let previous = self.figures_of(&report.key)?;
        if previous.is_none() && self.held_erased(&report.key)? {
            return Ok(false);
        }
        let revision = i64::try_from(report.revision).unwrap_or(i64::MAX);
        let fresh = previous.as_ref().is_none_or(|(at, _)| *at < revision);
        if let (true, Some(after)) = (fresh, report.figures.clone()) {
            let before = previous.map(|(_, figures)| figures).unwrap_or_default();
            counters.record(&before, &after);
            if before.dates != after.dates {
                self.write_calendar(&report.key, &after.dates)?;
            }
            if after.listed_differently(&before) {
                self.write_roster(&report.key, &after)?;
            }
            let text = serde_json::to_string(&after).map_err(|_| AppError::internal())?;
            sql.exec(
                "INSERT OR REPLACE INTO figures (key, revision, v) VALUES (?, ?, ?)",
                vec![
                    report.key.as_str().into(),
                    SqlStorageValue::Integer(revision),
                    text.as_str().into(),
                ],
            )
            .map_err(sql_err)?;
            let mut figures = self.figures.borrow_mut();
            if figures.len() >= FIGURES_CACHED {
                figures.clear();
            }
            figures.insert(report.key.clone(), (revision, after));
            return Ok(true);
        }
        Ok(false)
    }

    /// The state's rows of the index by day: replaced by its dates.
    fn write_calendar(&self, key: &str, dates: &[Dated]) -> AppResult<()> {
        let sql = self.sql();
        sql.exec("DELETE FROM calendar WHERE key = ?", vec![key.into()])
            .map_err(sql_err)?;
        for dated in dates {
            sql.exec(
                "INSERT OR REPLACE INTO calendar (key, member, occasion, day) VALUES (?, ?, ?, ?)",
                vec![
                    key.into(),
                    dated.member.as_str().into(),
                    dated.occasion.name().into(),
                    dated.day.as_str().into(),
                ],
            )
            .map_err(sql_err)?;
        }
        Ok(())
    }

    /// The state's rows of the list of members: replaced by its figures'
    /// roster (a member moved to another state leaves this one's rows).
    fn write_roster(&self, key: &str, figures: &MemberFigures) -> AppResult<()> {
        let sql = self.sql();
        sql.exec("DELETE FROM roster WHERE key = ?", vec![key.into()])
            .map_err(sql_err)?;
        for listed in &figures.roster {
            sql.exec(
                "INSERT OR REPLACE INTO roster (member, key, email_hash, referral_code, balance, \
                 last_activity, tier, tier_rank, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vec![
                    listed.member_id.as_str().into(),
                    key.into(),
                    listed
                        .email_hash
                        .as_deref()
                        .map_or(SqlStorageValue::Null, Into::into),
                    listed.referral_code.as_str().into(),
                    SqlStorageValue::Integer(figures.balance),
                    SqlStorageValue::Integer(
                        figures.last_activity.map_or(0, |at| at.timestamp_millis()),
                    ),
                    figures
                        .tier
                        .as_deref()
                        .map_or(SqlStorageValue::Null, Into::into),
                    SqlStorageValue::Integer(figures.tier_rank.map_or(-1, i64::from)),
                    SqlStorageValue::Integer(listed.joined_at.timestamp_millis()),
                ],
            )
            .map_err(sql_err)?;
        }
        Ok(())
    }

    /// A page of the list of members (after taking the reports the worker
    /// carried): found by a member id's beginning, an email hash or a
    /// referral code, sorted by one column, from the cursor on.
    fn members(&self, request: MembersRequest) -> AppResult<crate::bodies::MemberList> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        self.record_reports(&request.reports)?;
        let query = request.query;
        let (select, binds) = query.select();
        let found: Vec<crate::roster::Row> = rows(&self.sql(), &select, bound(binds))?;
        let (count, binds) = query.count();
        let total: Vec<Count> = rows(&self.sql(), &count, bound(binds))?;
        Ok(query.page(found, total.first().map_or(0, |c| c.n)))
    }

    /// A step of the install checklist happened: recorded the first time,
    /// in every gate's copy (so later requests do not tell again).
    async fn first(&self, first: First) -> AppResult<()> {
        let mut record = self.record()?;
        let slot = match first {
            First::Widget => &mut record.facts.firsts.widget_at,
            First::Event => &mut record.facts.firsts.event_at,
        };
        if slot.is_some() {
            return Ok(());
        }
        *slot = Some(now());
        record.facts.epoch = record.facts.epoch.saturating_add(1);
        self.save_record(record)?;
        self.push().await
    }

    /// The install checklist: the first widget load and event as recorded,
    /// the first member as the counters first counted one.
    fn setup(&self, request: &SetupRequest) -> AppResult<Firsts> {
        self.record_reports(&request.reports)?;
        Ok(self.record()?.facts.firsts)
    }

    /// The program's saved versions, newest first, with who saved each.
    fn versions(&self) -> AppResult<Vec<crate::bodies::ProgramVersion>> {
        #[derive(Deserialize)]
        struct Row {
            version: i64,
            saved_at: Option<i64>,
            saved_by: Option<String>,
        }
        let found: Vec<Row> = rows(
            &self.sql(),
            "SELECT p.version AS version, s.saved_at AS saved_at, s.saved_by AS saved_by \
             FROM programs p LEFT JOIN saves s ON s.version = p.version \
             ORDER BY p.version DESC LIMIT 200",
            None,
        )?;
        Ok(found
            .into_iter()
            .map(|row| crate::bodies::ProgramVersion {
                version: u64::try_from(row.version).unwrap_or(0),
                saved_at: row
                    .saved_at
                    .and_then(chrono::DateTime::from_timestamp_millis),
                saved_by: row.saved_by,
            })
            .collect())
    }

    /// The days recorded from `from` to `to`, and the metrics of the last
    /// day recorded before.
    fn daily(&self, request: DailyRequest) -> AppResult<DailyDays> {
        #[derive(Deserialize)]
        struct Row {
            day: String,
            metrics: String,
            changes: String,
        }
        self.record_reports(&request.reports)?;
        let (from, to) = (request.from.to_string(), request.to.to_string());
        let found: Vec<Row> = rows(
            &self.sql(),
            "SELECT day, metrics, changes FROM days WHERE day >= ? AND day <= ? ORDER BY day",
            vec![from.as_str().into(), to.as_str().into()],
        )?;
        let before: Vec<Row> = rows(
            &self.sql(),
            "SELECT day, metrics, changes FROM days WHERE day < ? ORDER BY day DESC LIMIT 1",
            vec![from.as_str().into()],
        )?;
        let record = |row: &Row| DayRecord {
            metrics: serde_json::from_str(&row.metrics).unwrap_or_default(),
            changes: serde_json::from_str(&row.changes).unwrap_or_default(),
        };
        Ok(DailyDays {
            before: before.first().map(|row| record(row).metrics),
            days: found
                .iter()
                .filter_map(|row| Some((row.day.parse().ok()?, record(row))))
                .collect(),
        })
    }

    /// The daily series' rows after a batch of reports: the newest day
    /// takes the metrics as they stand now, and each day the batch touched
    /// its changes (a late report may touch a day before). Two years are kept.
    fn record_days(&self, reports: &[Report], counters: &ShopCounters) -> AppResult<()> {
        let touched: std::collections::BTreeSet<NaiveDate> = reports
            .iter()
            .filter_map(|r| r.figures.as_ref()?.day)
            .collect();
        let Some(newest) = touched.last().copied() else {
            return Ok(());
        };
        for day in &touched {
            self.write_day(*day, counters, *day == newest)?;
        }
        let oldest = (newest - Duration::days(730)).to_string();
        self.sql()
            .exec(
                "DELETE FROM days WHERE day < ?",
                vec![oldest.as_str().into()],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    /// A day's row of the daily series: its changes, and (`closing`) the
    /// metrics as they stand now.
    fn write_day(&self, day: NaiveDate, counters: &ShopCounters, closing: bool) -> AppResult<()> {
        let changes = json(counters.days.get(&day).cloned().unwrap_or_default())?;
        let key = day.to_string();
        let written = if closing {
            let metrics = json(counters.metrics())?;
            self.sql().exec(
                "INSERT OR REPLACE INTO days (day, metrics, changes) VALUES (?, ?, ?)",
                vec![
                    key.as_str().into(),
                    metrics.as_str().into(),
                    changes.as_str().into(),
                ],
            )
        } else {
            self.sql().exec(
                "UPDATE days SET changes = ? WHERE day = ?",
                vec![changes.as_str().into(), key.as_str().into()],
            )
        };
        written.map(|_| ()).map_err(sql_err)
    }

    /// Today on the shop's clock (the program's zone; UTC without one).
    fn today(&self) -> AppResult<NaiveDate> {
        let record = self.record()?;
        Ok(match record.program.as_deref() {
            Some(doc) => {
                let (shop, version) = (&record.facts.shop, record.facts.program_version);
                crate::programs::program_of(shop, version, doc)?
                    .zone
                    .local(now())
                    .date()
            }
            None => now().date_naive(),
        })
    }

    /// The schedule's call: each local day since the last one acted on (a
    /// week at most, for a schedule that stopped) and today, its index entries of
    /// the occasions the program acts on, each handed to the member's
    /// object (which decides from the state whether it is due, and records
    /// a birthday once a year whatever the calls). A page of entries per
    /// call; the alarm takes the next page at once. The day is marked done
    /// only when all its entries were handed.
    async fn tick(&self) -> AppResult<TickDone> {
        const PAGE: i64 = 200;
        let record = self.record()?;
        let (Some(doc), version) = (record.program.as_deref(), record.facts.program_version) else {
            return Ok(TickDone::default());
        };
        let shop = record.facts.shop.clone();
        let program = crate::programs::program_of(&shop, version, doc)?;
        let occasions = loyalty_rules::schedule::occasions(&program, record.facts.topics);
        let today = program.zone.local(now()).date();
        let last = self
            .get_text("schedule_day")?
            .and_then(|d| d.parse::<NaiveDate>().ok());
        let first = last
            .map_or(today, |d| d + Duration::days(1))
            .max(today - Duration::days(6));
        let mut offset: i64 = self
            .get_text("schedule_offset")?
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let mut done = TickDone::default();
        let mut day = first;
        while day <= today {
            let wanted: Vec<(Occasion, String)> = loyalty_rules::schedule::days_for(day)
                .into_iter()
                .filter(|(o, _)| occasions.contains(o))
                .collect();
            #[derive(Deserialize)]
            struct Row {
                key: String,
                member: String,
                occasion: String,
            }
            let mut found: Vec<Row> = Vec::new();
            if !wanted.is_empty() {
                let clause = vec!["(occasion = ? AND day = ?)"; wanted.len()].join(" OR ");
                let mut bindings: Vec<SqlStorageValue> = Vec::new();
                for (occasion, key) in &wanted {
                    bindings.push(occasion.name().into());
                    bindings.push(key.as_str().into());
                }
                bindings.push(SqlStorageValue::Integer(PAGE));
                bindings.push(SqlStorageValue::Integer(offset));
                found = rows(
                    &self.sql(),
                    &format!(
                        "SELECT key, member, occasion FROM calendar WHERE {clause} \
                         ORDER BY key, member, occasion LIMIT ? OFFSET ?"
                    ),
                    bindings,
                )?;
            }
            let program_ref = ProgramRef {
                shop: shop.clone(),
                version,
                doc: String::new(),
                topics: record.facts.topics,
            };
            let calls = found.iter().filter_map(|row| {
                let occasion = [
                    Occasion::Birthday,
                    Occasion::Anniversary,
                    Occasion::Expiring,
                ]
                .into_iter()
                .find(|o| o.name() == row.occasion)?;
                let request = ScheduledRequest {
                    program: program_ref.clone(),
                    member: row.member.clone(),
                    occasion,
                    today: day,
                };
                Some(store::member(&self.env, &shop, &row.key, request))
            });
            let answers = futures_util::future::join_all(calls).await;
            let reports: Vec<Report> = answers
                .iter()
                .filter_map(|a| a.as_ref().ok().cloned().flatten())
                .collect();
            self.record_reports(&reports)?;
            if answers.iter().any(Result::is_err) {
                // Handed again by the next call (what was recorded is
                // answered as a duplicate).
                store::log_internal("schedule", &shop);
                done.more = true;
                let _ = self.state.storage().set_alarm(60_000).await;
                return Ok(done);
            }
            done.handed = done.handed.saturating_add(found.len() as u64);
            if i64::try_from(found.len()).unwrap_or(PAGE) >= PAGE {
                offset = offset.saturating_add(PAGE);
                self.put_text("schedule_offset", &offset.to_string())?;
                done.more = true;
                let _ = self.state.storage().set_alarm(1_000).await;
                return Ok(done);
            }
            done.days.push(day);
            offset = 0;
            self.put_text("schedule_offset", "0")?;
            // Today is handled again by every tick of the day (what is done
            // is answered as done): a date that reached the index after
            // the day's first tick is not missed.
            if day < today {
                self.put_text("schedule_day", &day.to_string())?;
            }
            day += Duration::days(1);
        }
        Ok(done)
    }

    /// A guest object holds something, or was wiped.
    fn guest_seen(&self, seen: &GuestSeen) -> AppResult<()> {
        let query = if seen.present {
            "INSERT OR IGNORE INTO guests (key) VALUES (?)"
        } else {
            "DELETE FROM guests WHERE key = ?"
        };
        self.sql()
            .exec(query, vec![seen.key.as_str().into()])
            .map(|_| ())
            .map_err(sql_err)
    }

    /// A whole shop's customers to erase (a platform's `shop/redact`): noted,
    /// then done by the alarm a page at a time, so the request answers at
    /// once and a failure is tried again.
    async fn redact(&self, request: RedactShop) -> AppResult<()> {
        let program = serde_json::to_string(&request.program).map_err(|_| AppError::internal())?;
        self.put_text("redact", &program)?;
        self.put_text("redact_cursor", "")?;
        let _ = self.state.storage().set_alarm(100_i64).await;
        Ok(())
    }

    /// One page of a shop's erasure: the next states (by key, after the
    /// cursor) erased member by member, then the guest objects wiped; the
    /// alarm comes back until none is left. Every member goes the way
    /// `DELETE …/members/{id}` takes them (their claims, codes, deliveries,
    /// snapshots and index rows with them).
    async fn redact_step(&self) -> AppResult<()> {
        const PAGE: i64 = 10;
        let Some(program) = self
            .get_text("redact")?
            .and_then(|t| serde_json::from_str::<ProgramRef>(&t).ok())
        else {
            return Ok(());
        };
        let shop = program.shop.clone();
        let cursor = self.get_text("redact_cursor")?.unwrap_or_default();
        #[derive(Deserialize)]
        struct Row {
            key: String,
        }
        let states: Vec<Row> = rows(
            &self.sql(),
            "SELECT key FROM figures WHERE key > ? ORDER BY key LIMIT ?",
            vec![cursor.as_str().into(), SqlStorageValue::Integer(PAGE)],
        )?;
        if let Some(last) = states.last() {
            for row in &states {
                let erase = EraseState {
                    shop: shop.clone(),
                    program: program.clone(),
                };
                store::member(&self.env, &shop, &row.key, erase).await?;
            }
            self.put_text("redact_cursor", &last.key)?;
            let _ = self.state.storage().set_alarm(100_i64).await;
            return Ok(());
        }
        let guests: Vec<Row> = rows(
            &self.sql(),
            "SELECT key FROM guests ORDER BY key LIMIT ?",
            vec![SqlStorageValue::Integer(PAGE)],
        )?;
        if guests.is_empty() {
            self.sql()
                .exec(
                    "DELETE FROM kv WHERE k IN ('redact', 'redact_cursor')",
                    None,
                )
                .map_err(sql_err)?;
            return Ok(());
        }
        for row in &guests {
            store::member(&self.env, &shop, &row.key, ForgetGuest {}).await?;
            // Wiped (or never written): off the list either way.
            self.guest_seen(&GuestSeen {
                key: row.key.clone(),
                present: false,
            })?;
        }
        let _ = self.state.storage().set_alarm(100_i64).await;
        Ok(())
    }

    /// A state's last recorded figures and their revision: from this
    /// object's memory (only it writes them), else from storage.
    fn figures_of(&self, key: &str) -> AppResult<Option<(i64, MemberFigures)>> {
        if let Some(known) = self.figures.borrow().get(key) {
            return Ok(Some(known.clone()));
        }
        #[derive(Deserialize)]
        struct Row {
            revision: i64,
            v: String,
        }
        let rows: Vec<Row> = rows(
            &self.sql(),
            "SELECT revision, v FROM figures WHERE key = ?",
            vec![key.into()],
        )?;
        Ok(rows.into_iter().next().map(|row| {
            let figures = serde_json::from_str(&row.v).unwrap_or_default();
            (row.revision, figures)
        }))
    }

    fn counters(&self) -> AppResult<ShopCounters> {
        if let Some(counters) = self.counters.borrow().as_ref() {
            return Ok(counters.clone());
        }
        Ok(self
            .get_text("counters")?
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default())
    }

    fn analytics(&self, request: AnalyticsRequest) -> AppResult<Analytics> {
        self.figures(Figures {
            reports: request.reports,
        })?;
        Ok(self.counters()?.report())
    }

    /// Takes the figures-only reports a worker carried.
    fn figures(&self, figures: Figures) -> AppResult<()> {
        self.record_reports(&figures.reports)
    }

    async fn handle(&self, req: Request) -> AppResult<String> {
        let call: ShopCall = store::received(req).await?;
        if !matches!(call, ShopCall::Calls(_)) {
            self.calls.set(self.calls.get().saturating_add(1));
        }
        // A shop nobody created is answered without writing anything: a
        // request naming an unknown shop leaves no tables behind.
        if !matches!(call, ShopCall::Create(_)) && !self.created()? {
            return Err(AppError::not_found("the shop"));
        }
        self.migrate()?;
        match call {
            ShopCall::Create(c) => {
                let made = self.create(&c.shop);
                if made.is_ok() {
                    // The schedule visits the shops of this registry.
                    store::kv::register_shop(&self.env, &c.shop).await;
                }
                answer::<CreateShop>(made)
            }
            ShopCall::Rotate(_) => answer::<RotateKeys>(self.rotate().await),
            ShopCall::Copy(_) => answer::<CopyRequest>(self.copy()),
            ShopCall::Figures(c) => answer::<Figures>(self.figures(c)),
            ShopCall::Calls(_) => answer::<CallsRequest>(Ok(self.calls.get())),
            ShopCall::PutProgram(c) => {
                answer::<PutProgram>(self.put_program(c.doc, c.pooling, &c.saved_by).await)
            }
            ShopCall::Connect(c) => answer::<ConnectPlatform>(self.connect_platform(c).await),
            ShopCall::AddWebhook(c) => answer::<AddWebhook>(self.add_webhook(c).await),
            ShopCall::RemoveWebhook(c) => answer::<RemoveWebhook>(self.remove_webhook(&c.id).await),
            ShopCall::Webhooks(_) => answer::<ListWebhooks>(Ok(self.record()?.webhooks)),
            ShopCall::Tick(_) => answer::<Tick>(self.tick().await),
            ShopCall::Redact(c) => answer::<RedactShop>(self.redact(c).await),
            ShopCall::Guest(c) => answer::<GuestSeen>(self.guest_seen(&c)),
            ShopCall::First(c) => answer::<First>(self.first(c).await),
            ShopCall::Setup(c) => answer::<SetupRequest>(self.setup(&c)),
            ShopCall::Members(c) => answer::<MembersRequest>(self.members(c)),
            ShopCall::Versions(_) => answer::<ListVersions>(self.versions()),
            ShopCall::Daily(c) => answer::<DailyRequest>(self.daily(c)),
            ShopCall::KeyOf(c) => answer::<KeyOf>(self.key_of(&c)),
            ShopCall::Unbind(c) => answer::<Unbind>(self.unbind(&c.member)),
            ShopCall::Erased(c) => answer::<ErasedState>(self.erased(&c)),
            ShopCall::Report(c) => answer::<Report>(self.record_report(&c)),
            ShopCall::Analytics(c) => answer::<AnalyticsRequest>(self.analytics(c)),
            ShopCall::ProgramDocument(c) => {
                answer::<ProgramDocument>(self.program_document(c.version))
            }
            ShopCall::DevToken(c) => {
                // The worker routes here only in development mode.
                let record = self.record()?;
                let expires = now().timestamp().saturating_add(86_400);
                answer::<DevToken>(Ok(auth::customer_token(
                    &c.member,
                    expires,
                    &record.facts.widget_secret,
                )))
            }
        }
    }

    /// A program version's document.
    fn program_document(&self, version: u64) -> AppResult<Option<String>> {
        #[derive(Deserialize)]
        struct Row {
            doc: String,
        }
        let rows: Vec<Row> = rows(
            &self.sql(),
            "SELECT doc FROM programs WHERE version = ?",
            vec![SqlStorageValue::Integer(
                i64::try_from(version).unwrap_or(i64::MAX),
            )],
        )?;
        Ok(rows.into_iter().next().map(|r| r.doc))
    }
}

/// A statement's bindings as the runtime takes them.
fn bound(binds: Vec<crate::roster::Bind>) -> Vec<SqlStorageValue> {
    binds
        .into_iter()
        .map(|bind| match bind {
            crate::roster::Bind::Text(text) => text.into(),
            crate::roster::Bind::Int(n) => SqlStorageValue::Integer(n),
        })
        .collect()
}

/// The object's answer to a call of type `C`: its declared reply, as JSON.
fn answer<C: ShopOp>(reply: AppResult<C::Reply>) -> AppResult<String> {
    json(reply?)
}

/// A reply as the text the caller reads (serialized once, from its type).
pub(crate) fn json<T: Serialize>(value: T) -> AppResult<String> {
    serde_json::to_string(&value).map_err(|_| AppError::internal())
}

impl DurableObject for ShopObject {
    fn new(state: State, env: Env) -> Self {
        crate::clock::honour(&env);
        Self {
            state,
            env,
            record: RefCell::new(None),
            loaded: RefCell::new(false),
            calls: Cell::new(0),
            counters: RefCell::new(None),
            has_accounts: RefCell::new(None),
            figures: RefCell::new(HashMap::new()),
            has_erased: Cell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        reply(self.handle(req).await)
    }

    /// Pushes the copy again to the gates a change could not reach, and
    /// goes on with the schedule's work a tick left.
    async fn alarm(&self) -> worker::Result<Response> {
        if self.created().unwrap_or(false) && self.migrate().is_ok() {
            let _ = self.push().await;
            let _ = self.tick().await;
            if self.redact_step().await.is_err() {
                let _ = self.state.storage().set_alarm(5_000_i64).await;
            }
        }
        Response::ok("")
    }
}
