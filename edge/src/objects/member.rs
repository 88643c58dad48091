//! The member's Durable Object: the only writer of one member's (or one
//! pooled account's) state. It applies events one at a time: every request
//! does its reads and writes with synchronous SQLite calls and no `await` in
//! between, so the runtime commits them as one transaction and no other
//! request interleaves. What other objects must learn is written in the same
//! transaction (index entries and a referrer's credit in an outbox, the
//! newest analytics figures in the state's own row), delivered after, and
//! retried by an alarm until it lands.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use loyalty_rules::analytics::MemberFigures;
use loyalty_rules::award::{Answer, EventContext, Referrer, apply_event};
use loyalty_rules::member::{LedgerEntry, MemberState};
use loyalty_rules::redemption::{cancel_code, redeem, use_code};
use loyalty_rules::referral::apply_referral_credit;
use loyalty_rules::view::{ViewContext, member_view};
use loyalty_rules::{Event, Id, Program};
use serde::{Deserialize, Serialize};
use worker::{
    DurableObject, Env, Request, Response, SqlStorage, SqlStorageValue, State, durable_object,
};

use super::{rows, sql_err};
use crate::bodies::Export;
use crate::clock::now;
use crate::error::{AppError, AppResult};
use crate::model::{
    AdjustAnswer, AdjustRequest, ApplyReply, ApplyRequest, ClaimGuest, CodeAction, CodeRequest,
    CodeView, ConsentAnswer, ConsentRequest, CreditRequest, EraseRequest, EraseState, Erased,
    ErasedState, Forget, ForgetGuest, ForgetMember, GuestSeen, Held, HoldRequest, HooksForget,
    Index, KeyOf, LedgerPage, LedgerRequest, MemberCall, MemberEnvelope, MemberOp, Notify, Profile,
    ProgramRef, RedeemAnswer, RedeemRequest, ReferrerWire, Report, ScheduledRequest, Stamped,
    ViewAnswer, ViewRequest,
};
use crate::objects::shop::json;
use crate::store::{self, reply};
use chrono::Datelike;
use loyalty_rules::notice::{Notice, Topic};
use loyalty_rules::schedule::Due;

/// One message for another object, kept until it is delivered.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
enum Outgoing {
    Shop {
        report: Report,
    },
    Index {
        index: Index,
    },
    Referrer {
        request: CreditRequest,
    },
    /// Notices for the shop's outbound subscriptions.
    Hooks {
        notices: Vec<Stamped>,
    },
}

// The runtime's handles (State, Env) do not implement Debug.
#[allow(missing_debug_implementations)]
#[durable_object]
pub struct MemberObject {
    state: State,
    env: Env,
    cached: RefCell<Option<Rc<MemberState>>>,
    migrated: RefCell<bool>,
    /// Whether the shop and key names are in storage already.
    named: RefCell<bool>,
    /// Whether this instance has set the alarm that delivers the outbox.
    alarm_set: RefCell<bool>,
    /// Until when (unix seconds) commits refresh the KV snapshot: set by a
    /// read of the member view, so members nobody looks at cost no KV
    /// writes. 0: no snapshot in KV. Loaded from storage on first use.
    watch: RefCell<Option<i64>>,
    /// The ids of the events this state has answered, loaded once per
    /// instance (only this object writes them): a new id costs no query.
    ids: RefCell<Option<HashSet<String>>>,
    /// The figures report the shop object may not have yet (stored in the
    /// state's row; loaded with the state).
    unreported: RefCell<Option<Report>>,
}

/// The state's row: the state, and the newest figures report no one has
/// delivered to the shop object yet (the alarm's work).
#[derive(Serialize, Deserialize)]
struct Stored {
    state: MemberState,
    #[serde(default)]
    unreported: Option<Report>,
}

/// A guest object's row: the orders held under its email hash, and the
/// program's `guest_days` when they were last held (for the alarm).
#[derive(Default, Serialize, Deserialize)]
struct StoredGuest {
    orders: loyalty_rules::guest::GuestOrders,
    days: i64,
}

/// How long a member view read keeps the KV snapshot fresh.
const WATCH_SECONDS: i64 = 30 * 60;

/// How soon the alarm delivers figures-only reports that no worker carried.
/// It redelivers carried ones too (the shop object ignores them by
/// revision): one object call per busy member every five minutes, which is
/// what the backstop costs. The deployment variable
/// `LOYALTY_REPORT_DELAY_MS` may change it (the end-to-end tests shorten it).
const REPORT_DELAY_MS: i64 = 300_000;

/// A change to commit: the new state, its ledger entries, codes to index and
/// messages for other objects.
struct Change<'a> {
    state: MemberState,
    entries: &'a [LedgerEntry],
    codes: Vec<String>,
    outgoing: Vec<Outgoing>,
}

fn int(n: u64) -> SqlStorageValue {
    SqlStorageValue::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

impl MemberObject {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn migrate(&self) -> AppResult<()> {
        if *self.migrated.borrow() {
            return Ok(());
        }
        let sql = self.sql();
        let events_were_there = super::has_table(&sql, "events")?;
        for statement in [
            "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger (seq INTEGER PRIMARY KEY, member TEXT NOT NULL, v TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, v TEXT NOT NULL, member TEXT NOT NULL DEFAULT '')",
            "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)",
        ] {
            sql.exec(statement, None).map_err(sql_err)?;
        }
        // An answer names its member (a pooled account's erase takes one
        // member's answers): tables of an older layout get the column (the
        // statement fails when it is there already).
        if events_were_there {
            let _ = sql.exec(
                "ALTER TABLE events ADD COLUMN member TEXT NOT NULL DEFAULT ''",
                None,
            );
        }
        *self.migrated.borrow_mut() = true;
        Ok(())
    }

    fn get_text(&self, key: &str) -> AppResult<Option<String>> {
        super::get_text(&self.sql(), key)
    }

    fn put_text(&self, key: &str, value: &str) -> AppResult<()> {
        super::put_text(&self.sql(), key, value)
    }

    fn load(&self) -> AppResult<Rc<MemberState>> {
        if let Some(state) = self.cached.borrow().as_ref() {
            return Ok(Rc::clone(state));
        }
        let (state, unreported) = match self.get_text("state")? {
            Some(text) => match serde_json::from_str::<Stored>(&text) {
                Ok(stored) => (stored.state, stored.unreported),
                // A state written before the row held its report too.
                Err(_) => (
                    serde_json::from_str(&text).map_err(|e| {
                        store::log_internal("member state", e);
                        AppError::internal()
                    })?,
                    None,
                ),
            },
            None => (MemberState::default(), None),
        };
        let state = Rc::new(state);
        *self.cached.borrow_mut() = Some(Rc::clone(&state));
        *self.unreported.borrow_mut() = unreported;
        Ok(state)
    }

    /// Writes the state and the figures report not yet delivered to the
    /// shop object, in one row (one statement for both).
    fn write_state(&self, state: MemberState, unreported: Option<Report>) -> AppResult<()> {
        let stored = Stored { state, unreported };
        let text = serde_json::to_string(&stored).map_err(|_| AppError::internal())?;
        self.put_text("state", &text)?;
        *self.cached.borrow_mut() = Some(Rc::new(stored.state));
        *self.unreported.borrow_mut() = stored.unreported;
        Ok(())
    }

    /// Writes the new state, its ledger entries and outgoing messages (all
    /// synchronous, so the runtime commits them together), then delivers the
    /// outbox and refreshes the KV snapshot. Index entries (to the gates) and
    /// credits (to referrers) go out at once. With `defer`, the figures for
    /// the shop object do not: they are returned for the worker to carry,
    /// and the alarm delivers them if no one does.
    async fn commit(
        &self,
        at: &ProgramRef,
        key: &str,
        change: Change<'_>,
        program: &Program,
        defer: bool,
    ) -> AppResult<Option<Report>> {
        let shop = at.shop.as_str();
        let Change {
            mut state,
            entries,
            codes,
            outgoing,
        } = change;
        let previous = self.load()?;
        state.revision = state.revision.saturating_add(1);
        // What the change tells the shop's subscriptions, kept with it.
        let notices: Vec<Stamped> =
            loyalty_rules::notice::notices(program, &previous, &state, entries, now(), at.topics)
                .into_iter()
                .enumerate()
                .map(|(n, notice)| Stamped {
                    id: crate::keys::notice_id(key, state.revision, n),
                    notice,
                })
                .collect();
        if !*self.named.borrow() {
            self.put_text("shop", shop)?;
            self.put_text("key", key)?;
            *self.named.borrow_mut() = true;
        }
        for entry in entries {
            let v = serde_json::to_string(entry).map_err(|_| AppError::internal())?;
            self.sql()
                .exec(
                    "INSERT OR REPLACE INTO ledger (seq, member, v) VALUES (?, ?, ?)",
                    vec![
                        int(entry.seq),
                        entry.member_id.as_str().into(),
                        v.as_str().into(),
                    ],
                )
                .map_err(sql_err)?;
        }
        let index = Index {
            codes: codes
                .into_iter()
                .map(|code| (code, key.to_owned()))
                .collect(),
            // Only members new to this state bring a referral code to index.
            referrals: state
                .profiles
                .values()
                .filter(|p| !previous.profiles.contains_key(&p.member_id))
                .map(|p| (p.referral_code.clone(), p.member_id.to_string()))
                .collect(),
            orders: Vec::new(),
        };
        let report = Report {
            key: key.to_owned(),
            revision: state.revision,
            figures: Some(MemberFigures::of(program, &state, now())),
        };
        let due_now = !index.is_empty() || !outgoing.is_empty() || !notices.is_empty();
        let carried = defer.then(|| report.clone());
        self.write_state(state, Some(report))?;
        let mut all = Vec::new();
        if !index.is_empty() {
            all.push(Outgoing::Index { index });
        }
        all.extend(outgoing);
        if !notices.is_empty() {
            all.push(Outgoing::Hooks { notices });
        }
        for message in all {
            let v = serde_json::to_string(&message).map_err(|_| AppError::internal())?;
            self.sql()
                .exec("INSERT INTO outbox (v) VALUES (?)", vec![v.as_str().into()])
                .map_err(sql_err)?;
        }
        if !defer {
            self.flush(true).await?;
        } else {
            if due_now {
                self.flush(false).await?;
            }
            self.schedule(self.report_delay()).await;
        }
        self.snapshot(shop, key).await?;
        Ok(carried)
    }

    fn report_delay(&self) -> i64 {
        self.env
            .var("LOYALTY_REPORT_DELAY_MS")
            .ok()
            .and_then(|v| v.to_string().parse::<i64>().ok())
            .map_or(REPORT_DELAY_MS, |ms| ms.clamp(1_000, 3_600_000))
    }

    /// Sets the alarm that delivers the outbox, once per instance.
    async fn schedule(&self, delay_ms: i64) {
        if !*self.alarm_set.borrow() {
            *self.alarm_set.borrow_mut() = true;
            if self.state.storage().set_alarm(delay_ms).await.is_err() {
                *self.alarm_set.borrow_mut() = false;
            }
        }
    }

    /// Delivers the outbox (without `all`, not the figures for the shop
    /// object: those wait to be carried); what fails waits for the alarm.
    /// Reports to the shop object are merged into one (the newest figures
    /// stand for the older ones), index entries into one call per gate.
    async fn flush(&self, all: bool) -> AppResult<()> {
        #[derive(Deserialize)]
        struct Row {
            id: i64,
            v: String,
        }
        let rows: Vec<Row> = rows(&self.sql(), "SELECT id, v FROM outbox ORDER BY id", None)?;
        let shop = self.get_text("shop")?.unwrap_or_default();
        let mut merged: Option<(Report, Vec<i64>)> = None;
        let mut index = (Index::default(), Vec::new());
        let mut credits = Vec::new();
        let mut notices = (Vec::new(), Vec::new());
        for row in rows {
            match serde_json::from_str::<Outgoing>(&row.v) {
                Ok(Outgoing::Shop { report }) if all => match merged.as_mut() {
                    None => merged = Some((report, vec![row.id])),
                    Some((into, ids)) => {
                        *into = report;
                        ids.push(row.id);
                    }
                },
                Ok(Outgoing::Shop { .. }) => {}
                Ok(Outgoing::Index { index: entries }) => {
                    index.0.codes.extend(entries.codes);
                    index.0.referrals.extend(entries.referrals);
                    index.1.push(row.id);
                }
                Ok(Outgoing::Referrer { request }) => credits.push((row.id, request)),
                Ok(Outgoing::Hooks { notices: told }) => {
                    notices.0.extend(told);
                    notices.1.push(row.id);
                }
                Err(_) => self.delete_outbox(&[row.id])?,
            }
        }
        // The state's unreported figures (loaded with the state: an alarm
        // may start a fresh instance), unless an outbox row (written before
        // the row held them) is newer.
        self.load()?;
        let unreported = self.unreported.borrow().clone();
        if all && let Some(report) = unreported {
            match merged.as_mut() {
                Some((into, _)) if into.revision >= report.revision => {}
                Some((into, _)) => *into = report,
                None => merged = Some((report, Vec::new())),
            }
        }
        let mut failed = false;
        if !index.0.is_empty() {
            if self.deliver_index(&shop, index.0).await.is_ok() {
                self.delete_outbox(&index.1)?;
            } else {
                failed = true;
            }
        }
        if let Some((report, ids)) = merged {
            let revision = report.revision;
            if store::shop(&self.env, &shop, report).await.is_ok() {
                self.delete_outbox(&ids)?;
                self.reported(revision)?;
            } else {
                failed = true;
            }
        }
        if !notices.0.is_empty() {
            let notify = Notify {
                shop: shop.clone(),
                notices: notices.0,
            };
            if store::hooks(&self.env, &shop, notify).await.is_ok() {
                self.delete_outbox(&notices.1)?;
            } else {
                failed = true;
            }
        }
        for (id, request) in credits {
            if self.deliver_credit(&shop, &request).await.is_ok() {
                self.delete_outbox(&[id])?;
            } else {
                failed = true;
            }
        }
        if failed {
            *self.alarm_set.borrow_mut() = false;
            self.schedule(5_000).await;
        }
        Ok(())
    }

    /// The shop object has the figures of `revision`: the state's row stops
    /// holding them, unless a newer report came meanwhile.
    fn reported(&self, revision: u64) -> AppResult<()> {
        let done = self
            .unreported
            .borrow()
            .as_ref()
            .is_some_and(|held| held.revision <= revision);
        if done {
            let state = (*self.load()?).clone();
            self.write_state(state, None)?;
        }
        Ok(())
    }

    /// Index entries, each to the gate its code chooses (all at once).
    async fn deliver_index(&self, shop: &str, index: Index) -> AppResult<()> {
        let mut by_gate: std::collections::BTreeMap<u64, Index> = Default::default();
        for (code, key) in index.codes {
            let gate = by_gate.entry(crate::keys::code_gate(&code)).or_default();
            gate.codes.push((code, key));
        }
        for (code, member) in index.referrals {
            let gate = by_gate
                .entry(crate::keys::referral_gate(&code))
                .or_default();
            gate.referrals.push((code, member));
        }
        let sends = by_gate
            .into_iter()
            .map(|(n, entries)| store::gate(&self.env, shop, n, entries));
        let results = futures_util::future::join_all(sends).await;
        if results.iter().any(Result::is_err) {
            return Err(AppError::internal());
        }
        Ok(())
    }

    fn delete_outbox(&self, ids: &[i64]) -> AppResult<()> {
        for id in ids {
            self.sql()
                .exec(
                    "DELETE FROM outbox WHERE id = ?",
                    vec![SqlStorageValue::Integer(*id)],
                )
                .map_err(sql_err)?;
        }
        Ok(())
    }

    async fn deliver_credit(&self, shop: &str, request: &CreditRequest) -> AppResult<()> {
        let member = request.credit.referrer.to_string();
        let program = request.program.load(&self.env).await?;
        let key = self.key_of(shop, &member, program.pooling).await?;
        store::member(&self.env, shop, &key, request.clone())
            .await
            .map(|_| ())
    }

    /// Another member's state key: their own, or, on a pooling program,
    /// the shop object's binding.
    async fn key_of(&self, shop: &str, member: &str, pooling: bool) -> AppResult<String> {
        if !pooling {
            return Ok(crate::keys::own_state(member));
        }
        let ask = KeyOf {
            member: member.to_owned(),
            ..KeyOf::default()
        };
        Ok(store::shop(&self.env, shop, ask).await?.key)
    }

    /// Until when commits keep the KV snapshot fresh (0: no snapshot).
    fn watch(&self) -> AppResult<i64> {
        if let Some(until) = *self.watch.borrow() {
            return Ok(until);
        }
        let until = self
            .get_text("watch")?
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        *self.watch.borrow_mut() = Some(until);
        Ok(until)
    }

    fn set_watch(&self, until: i64) -> AppResult<()> {
        self.put_text("watch", &until.to_string())?;
        *self.watch.borrow_mut() = Some(until);
        Ok(())
    }

    /// A lagging copy of the state for fast reads, kept while someone reads
    /// the member view; once no one has for `WATCH_SECONDS`, the next commit
    /// deletes it instead, so a stale copy is never read as current.
    ///
    /// It copies the newest state, not the one its caller wrote: another
    /// write may have run while the caller awaited its deliveries, and an
    /// older copy must not overwrite a newer one.
    async fn snapshot(&self, shop: &str, key: &str) -> AppResult<()> {
        let until = self.watch()?;
        if until == 0 {
            return Ok(());
        }
        if now().timestamp() < until {
            let state = self.load()?;
            store::kv::put_snapshot(&self.env, shop, key, &state).await;
        } else if store::kv::delete_snapshot(&self.env, shop, key).await {
            self.set_watch(0)?;
        }
        Ok(())
    }

    /// Whether an answer to `id` is stored.
    fn answered(&self, id: &str) -> AppResult<bool> {
        if let Some(ids) = self.ids.borrow().as_ref() {
            return Ok(ids.contains(id));
        }
        #[derive(Deserialize)]
        struct Row {
            id: String,
        }
        let all: Vec<Row> = rows(&self.sql(), "SELECT id FROM events", None)?;
        let ids: HashSet<String> = all.into_iter().map(|row| row.id).collect();
        let known = ids.contains(id);
        *self.ids.borrow_mut() = Some(ids);
        Ok(known)
    }

    fn stored_answer(&self, event: &Event) -> AppResult<Option<Answer>> {
        #[derive(Deserialize)]
        struct Row {
            fingerprint: String,
            v: String,
        }
        if !self.answered(event.id.as_str())? {
            return Ok(None);
        }
        let rows: Vec<Row> = rows(
            &self.sql(),
            "SELECT fingerprint, v FROM events WHERE id = ?",
            vec![event.id.as_str().into()],
        )?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        if row.fingerprint != crate::auth::fingerprint(event) {
            return Err(loyalty_rules::EventError::IdConflict {
                event_id: event.id.clone(),
            }
            .into());
        }
        let mut answer: Answer = serde_json::from_str(&row.v).map_err(|_| AppError::internal())?;
        answer.duplicate = true;
        Ok(Some(answer))
    }

    async fn apply(&self, key: &str, request: ApplyRequest) -> AppResult<ApplyReply> {
        // The one `await` before the writes comes first: from the stored-answer
        // check to the commit, no other request can interleave, so the same
        // event sent twice at once gets one award and one stored answer.
        let program = request.program.load(&self.env).await?;
        if let Some(answer) = self.stored_answer(&request.event)? {
            return Ok(ApplyReply {
                answer,
                report: None,
            });
        }
        let mut state = (*self.load()?).clone();
        let referrer = match request.referrer {
            ReferrerWire::None => Referrer::NoCode,
            ReferrerWire::Unknown => Referrer::UnknownCode,
            ReferrerWire::Member {
                member_id,
                email_hash,
            } => match Id::parse(&member_id) {
                Ok(member_id) => Referrer::Member {
                    member_id,
                    email_hash,
                },
                Err(_) => Referrer::UnknownCode,
            },
        };
        let context = EventContext {
            now: now(),
            referrer,
        };
        let mut outcome = apply_event(
            &program,
            &mut state,
            &request.event,
            &context,
            &mut store::fill_random,
        )?;
        // A signup's guest orders, credited with it: each stored as answered
        // (so a retry of the signup or of the order credits nothing again).
        let credited = loyalty_rules::guest::credit(
            &program,
            &mut state,
            &request.guest_orders,
            &|id: &Id| self.answered(id.as_str()).unwrap_or(true),
            &context,
            &mut store::fill_random,
            &mut outcome.answer,
        );
        let mut entries = outcome.entries;
        let mut codes: Vec<String> = outcome.codes.iter().map(|c| c.code.clone()).collect();
        let mut credits: Vec<_> = outcome.referral_credit.into_iter().collect();
        let mut answered = Vec::new();
        for (event, applied) in credited.applied {
            entries.extend(applied.entries);
            codes.extend(applied.codes.iter().map(|c| c.code.clone()));
            credits.extend(applied.referral_credit);
            answered.push((event, applied.answer));
        }
        answered.push((request.event.clone(), outcome.answer.clone()));
        for (event, answer) in &answered {
            let answer_text = serde_json::to_string(answer).map_err(|_| AppError::internal())?;
            self.sql()
                .exec(
                    "INSERT INTO events (id, fingerprint, v, member) VALUES (?, ?, ?, ?)",
                    vec![
                        event.id.as_str().into(),
                        crate::auth::fingerprint(event).as_str().into(),
                        answer_text.as_str().into(),
                        event.member_id.as_str().into(),
                    ],
                )
                .map_err(sql_err)?;
            if let Some(ids) = self.ids.borrow_mut().as_mut() {
                ids.insert(event.id.to_string());
            }
        }
        let outgoing = credits
            .into_iter()
            .map(|credit| Outgoing::Referrer {
                request: CreditRequest {
                    program: request.program.clone(),
                    credit,
                },
            })
            .collect();
        let change = Change {
            state,
            entries: &entries,
            codes,
            outgoing,
        };
        let report = self
            .commit(&request.program, key, change, &program, true)
            .await?;
        Ok(ApplyReply {
            answer: outcome.answer,
            report,
        })
    }

    async fn view(&self, key: &str, request: &ViewRequest) -> AppResult<ViewAnswer> {
        let program = request.program.load(&self.env).await?;
        let unwritten = MemberState::default();
        let written = *self.migrated.borrow();
        let state = if written {
            self.load()?
        } else {
            Rc::new(unwritten)
        };
        // Someone is looking: keep the KV snapshot fresh for a while (a
        // state never written has none).
        let now_unix = now().timestamp();
        if written && self.watch()? <= now_unix {
            self.set_watch(now_unix.saturating_add(WATCH_SECONDS))?;
            self.snapshot(&request.program.shop, key).await?;
        }
        let member = Id::parse(&request.member).map_err(|_| AppError::not_found("the member"))?;
        let ctx = ViewContext {
            now: now(),
            locale: &request.locale,
            referral_base: &request.referral_base,
        };
        Ok(ViewAnswer {
            view: member_view(&program, &state, &member, &ctx),
            revision: state.revision,
        })
    }

    fn ledger(&self, request: &LedgerRequest) -> AppResult<LedgerPage> {
        #[derive(Deserialize)]
        struct Row {
            v: String,
        }
        let limit = request.limit.unwrap_or(50).clamp(1, 200);
        let cursor = request.cursor.unwrap_or(u64::MAX / 2);
        // The member's own entries by exact id (a pattern would let `_`
        // and case match a colleague's), else the whole state's.
        let rows: Vec<Row> = if request.own_only {
            rows(
                &self.sql(),
                "SELECT v FROM ledger WHERE seq < ? AND member = ? ORDER BY seq DESC LIMIT ?",
                vec![int(cursor), request.member.as_str().into(), int(limit + 1)],
            )?
        } else {
            rows(
                &self.sql(),
                "SELECT v FROM ledger WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                vec![int(cursor), int(limit + 1)],
            )?
        };
        let mut entries: Vec<LedgerEntry> = rows
            .iter()
            .filter_map(|r| serde_json::from_str(&r.v).ok())
            .collect();
        let more = entries.len() > usize::try_from(limit).unwrap_or(50);
        entries.truncate(usize::try_from(limit).unwrap_or(50));
        let next_cursor = more
            .then(|| entries.last().map(|e| e.seq.to_string()))
            .flatten();
        Ok(LedgerPage {
            entries,
            next_cursor,
        })
    }

    async fn redeem(&self, key: &str, request: RedeemRequest) -> AppResult<RedeemAnswer> {
        let program = request.program.load(&self.env).await?;
        let member = Id::parse(&request.member).map_err(|_| AppError::not_found("the member"))?;
        let mut state = (*self.load()?).clone();
        let outcome = match request.credit_minor {
            Some(amount) => loyalty_rules::redemption::spend_credit(
                &program,
                &mut state,
                &member,
                amount,
                &request.key,
                now(),
                &mut store::fill_random,
            )?,
            None => redeem(
                &program,
                &mut state,
                &member,
                &request.reward,
                &request.key,
                now(),
                &mut store::fill_random,
            )?,
        };
        if !outcome.replayed {
            let change = Change {
                state,
                entries: &outcome.entries,
                codes: outcome.code.iter().map(|c| c.code.clone()).collect(),
                outgoing: Vec::new(),
            };
            self.commit(&request.program, key, change, &program, false)
                .await?;
        }
        Ok(RedeemAnswer {
            redemption: outcome.redemption,
            replayed: outcome.replayed,
        })
    }

    async fn adjust(&self, key: &str, request: AdjustRequest) -> AppResult<AdjustAnswer> {
        let program = request.program.load(&self.env).await?;
        let member = Id::parse(&request.member).map_err(|_| AppError::not_found("the member"))?;
        let id = Id::parse(&request.id).map_err(|e| {
            AppError::invalid(
                "invalid_adjustment",
                vec![loyalty_rules::Problem {
                    path: "$.id".into(),
                    message: format!("is not a valid identifier: {e}"),
                }],
            )
        })?;
        let mut state = (*self.load()?).clone();
        let adjusted = loyalty_rules::adjustment::adjust(
            &program,
            &mut state,
            &member,
            &id,
            request.points,
            &request.reason,
            now(),
            &mut store::fill_random,
        )?;
        if !adjusted.duplicate {
            let change = Change {
                state,
                entries: &adjusted.entries,
                codes: Vec::new(),
                outgoing: Vec::new(),
            };
            self.commit(&request.program, key, change, &program, false)
                .await?;
        }
        Ok(AdjustAnswer {
            id: request.id,
            member_id: request.member,
            points: request.points,
            balance: adjusted.balance,
            duplicate: adjusted.duplicate,
        })
    }

    async fn code(&self, key: &str, request: CodeRequest) -> AppResult<CodeView> {
        let program = request.program.load(&self.env).await?;
        let mut state = (*self.load()?).clone();
        let now = now();
        let (code, entries) = match request.action {
            CodeAction::Use => (use_code(&mut state, &request.code, now)?, Vec::new()),
            CodeAction::Cancel => cancel_code(&program, &mut state, &request.code, now)?,
            CodeAction::Get => {
                let code = state
                    .code(&request.code)
                    .cloned()
                    .ok_or_else(|| AppError::from(loyalty_rules::redemption::CodeError::Unknown))?;
                return Ok(code_view(code, now));
            }
        };
        let change = Change {
            state,
            entries: &entries,
            codes: Vec::new(),
            outgoing: Vec::new(),
        };
        self.commit(&request.program, key, change, &program, false)
            .await?;
        Ok(code_view(code, now))
    }

    /// Moves the member in or out of the program (recording them first
    /// when they were never seen).
    async fn consent(&self, key: &str, request: ConsentRequest) -> AppResult<ConsentAnswer> {
        let program = request.program.load(&self.env).await?;
        let member = Id::parse(&request.member).map_err(|_| AppError::not_found("the member"))?;
        let mut state = (*self.load()?).clone();
        let changed = loyalty_rules::privacy::set_enrollment(
            &mut state,
            &member,
            request.consent,
            now(),
            &mut store::fill_random,
        );
        let enrollment = state
            .profile(&member)
            .map_or("enrolled", |p| p.enrollment.status())
            .to_owned();
        if changed {
            let change = Change {
                state,
                entries: &[],
                codes: Vec::new(),
                outgoing: Vec::new(),
            };
            self.commit(&request.program, key, change, &program, false)
                .await?;
        }
        Ok(ConsentAnswer {
            member_id: request.member,
            enrollment,
            changed,
        })
    }

    async fn credit(&self, key: &str, request: CreditRequest) -> AppResult<serde_json::Value> {
        let program = request.program.load(&self.env).await?;
        let mut state = (*self.load()?).clone();
        let outcome = apply_referral_credit(
            &program,
            &mut state,
            &request.credit,
            now(),
            &mut store::fill_random,
        );
        if outcome.status == loyalty_rules::referral::CreditStatus::Credited {
            let change = Change {
                state,
                entries: &outcome.entries,
                codes: outcome.codes.iter().map(|c| c.code.clone()).collect(),
                outgoing: Vec::new(),
            };
            self.commit(&request.program, key, change, &program, false)
                .await?;
        }
        Ok(serde_json::json!({"status": outcome.status, "points": outcome.points}))
    }

    fn export(&self, member: &str) -> AppResult<Export> {
        let state = self.load()?;
        let member_id = Id::parse(member).map_err(|_| AppError::not_found("the member"))?;
        if !state.profiles.contains_key(&member_id) {
            return Err(AppError::not_found("the member"));
        }
        // Everything held on the member: the whole ledger, not one page.
        let mut ledger = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.ledger(&LedgerRequest {
                member: member.to_owned(),
                cursor,
                limit: Some(200),
                own_only: true,
            })?;
            ledger.extend(page.entries);
            match page.next_cursor.and_then(|c| c.parse().ok()) {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        #[derive(Deserialize, Serialize)]
        struct Row {
            id: String,
            v: String,
        }
        // The member's own answers (answers of an older layout, which did
        // not name their member, only in a state of one member).
        let events: Vec<Row> = rows(
            &self.sql(),
            "SELECT id, v FROM events WHERE member = ? OR (member = '' AND ? = 1) ORDER BY id",
            vec![
                member.into(),
                SqlStorageValue::Integer(i64::from(state.profiles.len() == 1)),
            ],
        )?;
        let event_answers = events
            .iter()
            .filter_map(|r| serde_json::from_str(&r.v).ok())
            .collect();
        Ok(Export {
            member_id: member.to_owned(),
            state: loyalty_rules::privacy::own_records(&state, &member_id),
            ledger,
            event_answers,
        })
    }

    /// Erases a member. What names them elsewhere goes first (their claims
    /// marked, their codes and referral code out of the gates' indexes and
    /// KV, their referrer's and referees' states told to forget them, their
    /// account binding and figures out of the shop object), so a failure
    /// there leaves the member as they were, to be erased again; then this
    /// state: the whole object's storage when no one is left, else their
    /// rows, with a colleague's ledger notes forgetting them too.
    async fn erase(&self, key: &str, request: &EraseRequest) -> AppResult<Erased> {
        let shop = request.shop.as_str();
        let member_id =
            Id::parse(&request.member).map_err(|_| AppError::not_found("the member"))?;
        let mut state = (*self.load()?).clone();
        let orders: Vec<String> = state.orders.keys().map(ToString::to_string).collect();
        let erasure = loyalty_rules::privacy::erase(&mut state, &member_id)
            .ok_or_else(|| AppError::not_found("the member"))?;
        let program = request.program.load(&self.env).await?;
        #[derive(Deserialize)]
        struct Row {
            id: String,
        }
        let answered: Vec<Row> = if erasure.emptied {
            rows(&self.sql(), "SELECT id FROM events", None)?
        } else {
            rows(
                &self.sql(),
                "SELECT id FROM events WHERE member = ?",
                vec![request.member.as_str().into()],
            )?
        };
        // The gates: each id's claim, each code's and the referral code's entry.
        let mut by_gate: std::collections::BTreeMap<u64, Forget> = Default::default();
        for row in answered {
            let n = crate::keys::gate_of(&row.id);
            by_gate.entry(n).or_default().event_ids.push(row.id);
        }
        for code in &erasure.codes {
            let n = crate::keys::code_gate(code);
            by_gate.entry(n).or_default().codes.push(code.clone());
        }
        // A member alone takes their orders: the platforms' order index
        // forgets whose they were (an account's orders stay the account's).
        if erasure.emptied {
            for order in orders {
                let n = crate::keys::order_gate(&order);
                by_gate.entry(n).or_default().orders.push(order);
            }
        }
        let n = crate::keys::referral_gate(&erasure.referral_code);
        by_gate
            .entry(n)
            .or_default()
            .referrals
            .push(erasure.referral_code.clone());
        // Referees' events in any gate's journal name them as referrer.
        for n in 0..crate::keys::GATES {
            by_gate
                .entry(n)
                .or_default()
                .mentions
                .push(request.member.clone());
        }
        let sends = by_gate
            .into_iter()
            .map(|(n, forget)| store::gate(&self.env, shop, n, forget));
        if futures_util::future::join_all(sends)
            .await
            .iter()
            .any(Result::is_err)
        {
            return Err(AppError::internal());
        }
        // The outbound object: every delivery about them goes; the notice
        // of the erasure goes out if a subscription wants it.
        let told = Notice::erased(member_id.clone(), now());
        let forget = HooksForget {
            shop: shop.to_owned(),
            member: request.member.clone(),
            notice: Stamped {
                id: crate::keys::notice_id(&format!("erased:{}", request.member), 0, 0),
                notice: told,
            },
            wanted: request.program.topics.contains(Topic::MemberErased),
        };
        store::hooks(&self.env, shop, forget).await?;
        // The orders held under their email hash, credited to them.
        if let Some(hash) = &erasure.email_hash {
            let guest = crate::keys::guest_state(hash);
            store::member(&self.env, shop, &guest, ForgetGuest {}).await?;
        }
        // The referrer's and the referees' states (a colleague's is this one).
        for other in erasure.referred_by.iter().chain(&erasure.referees) {
            if state.profiles.contains_key(other) {
                continue;
            }
            let other_key = self.key_of(shop, other.as_str(), program.pooling).await?;
            let forget = ForgetMember {
                shop: shop.to_owned(),
                member: request.member.clone(),
            };
            store::member(&self.env, shop, &other_key, forget).await?;
        }
        // Other requests may have written this state while the calls above
        // were answered: the erase is made again on the newest state, with
        // no await before its rows are written.
        if !erasure.emptied {
            state = (*self.load()?).clone();
            loyalty_rules::privacy::erase(&mut state, &member_id);
        }
        // The shop object: the binding, the figures.
        state.revision = state.revision.saturating_add(1);
        let erased = ErasedState {
            member: request.member.clone(),
            key: key.to_owned(),
            emptied: erasure.emptied,
            report: None,
        };
        if erasure.emptied {
            store::shop(&self.env, shop, erased).await?;
            if !store::kv::delete_snapshot(&self.env, shop, key).await {
                return Err(AppError::internal());
            }
            self.wipe().await?;
        } else {
            let report = Report {
                key: key.to_owned(),
                revision: state.revision,
                figures: Some(MemberFigures::of(&program, &state, now())),
            };
            let sql = self.sql();
            sql.exec(
                "DELETE FROM ledger WHERE member = ?",
                vec![request.member.as_str().into()],
            )
            .map_err(sql_err)?;
            sql.exec(
                "DELETE FROM events WHERE member = ?",
                vec![request.member.as_str().into()],
            )
            .map_err(sql_err)?;
            self.forget_in_ledger(&member_id)?;
            *self.ids.borrow_mut() = None;
            self.write_state(state, Some(report.clone()))?;
            store::shop(
                &self.env,
                shop,
                ErasedState {
                    report: Some(report),
                    ..erased
                },
            )
            .await?;
            self.reported(self.load()?.revision)?;
            self.snapshot(shop, key).await?;
        }
        Ok(Erased {
            member_id: request.member.clone(),
            erased: true,
        })
    }

    /// A read of a state never written: what an empty state answers.
    async fn unwritten(&self, key: &str, call: MemberCall) -> AppResult<String> {
        let gone = || AppError::not_found("the member");
        match call {
            MemberCall::View(c) => answer::<ViewRequest>(self.view(key, &c).await),
            MemberCall::Ledger(_) => answer::<LedgerRequest>(Ok(LedgerPage {
                entries: Vec::new(),
                next_cursor: None,
            })),
            MemberCall::Profile(_) => {
                answer::<crate::model::ProfileRequest>(Ok(Profile { email_hash: None }))
            }
            MemberCall::State(_) => {
                answer::<crate::model::StateRequest>(Ok(MemberState::default()))
            }
            MemberCall::ForgetMember(_) => answer::<ForgetMember>(Ok(())),
            MemberCall::ForgetGuest(_) => answer::<ForgetGuest>(Ok(())),
            MemberCall::Scheduled(_) => answer::<ScheduledRequest>(Ok(None)),
            MemberCall::EraseState(_) => answer::<EraseState>(Ok(0)),
            MemberCall::Code(_) => Err(loyalty_rules::redemption::CodeError::Unknown.into()),
            _ => Err(gone()),
        }
    }

    /// The orders held under this object's email hash (a guest object).
    fn guest(&self) -> AppResult<Option<StoredGuest>> {
        match self.get_text("guest")? {
            Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                store::log_internal("guest orders", e);
                AppError::internal()
            }),
            None => Ok(None),
        }
    }

    /// Writes the held orders and sets the alarm for the next hold's end
    /// (while no member claimed them).
    async fn put_guest(&self, shop: &str, key: &str, stored: &StoredGuest) -> AppResult<()> {
        // The shop object lists guest objects (a whole shop's erasure
        // reaches them), before this one holds anything.
        if self.get_text("shop")?.is_none() {
            let seen = GuestSeen {
                key: key.to_owned(),
                present: true,
            };
            store::shop(&self.env, shop, seen).await?;
        }
        let text = serde_json::to_string(stored).map_err(|_| AppError::internal())?;
        self.put_text("guest", &text)?;
        if !*self.named.borrow() {
            self.put_text("shop", shop)?;
            self.put_text("key", key)?;
            *self.named.borrow_mut() = true;
        }
        if let Some(at) = stored.orders.next_expiry(stored.days) {
            let delay = (at - now()).num_milliseconds().max(1_000);
            let _ = self.state.storage().set_alarm(delay).await;
        }
        Ok(())
    }

    /// A guest's order: held here, or handed back as the member's who
    /// claimed the hash.
    async fn hold(&self, key: &str, request: HoldRequest) -> AppResult<Held> {
        let program = request.program.load(&self.env).await?;
        let mut stored = self.guest()?.unwrap_or_default();
        stored.days = program.guest_days;
        match stored.orders.hold(&program, &request.event, now())? {
            loyalty_rules::guest::Held::Held(answer) => {
                if !answer.duplicate {
                    self.put_guest(&request.program.shop, key, &stored).await?;
                }
                Ok(Held::Held { answer })
            }
            loyalty_rules::guest::Held::Member(member) => Ok(Held::Member {
                member: member.to_string(),
            }),
        }
    }

    /// A signup's claim: the held orders as the member's (the same ones to
    /// every retry by that member, none to anyone else).
    async fn claim_guest(&self, key: &str, request: ClaimGuest) -> AppResult<Vec<Event>> {
        // Claimed even with nothing held: the hash's later orders are then
        // the member's own.
        let mut stored = self.guest()?.unwrap_or_default();
        let program = request.program.load(&self.env).await?;
        stored.days = program.guest_days;
        let member = Id::parse(&request.member).map_err(|_| AppError::not_found("the member"))?;
        let claimed_before = stored.orders.claimed_by.is_some();
        let events = stored.orders.claim(&program, &member, now());
        if !claimed_before {
            self.put_guest(&request.program.shop, key, &stored).await?;
        }
        Ok(events)
    }

    /// The alarm of a guest object: orders whose hold ended go; with none
    /// left, so does the object's storage.
    async fn expire_guest(&self) -> AppResult<()> {
        let Some(mut stored) = self.guest()? else {
            return Ok(());
        };
        let held = |orders: &loyalty_rules::guest::GuestOrders| -> Vec<String> {
            orders
                .held
                .iter()
                .map(|e| e.order.order_id.to_string())
                .collect()
        };
        let ids = |orders: &loyalty_rules::guest::GuestOrders| -> Vec<String> {
            orders.held.iter().map(|e| e.id.to_string()).collect()
        };
        let (before, ids_before) = (held(&stored.orders), ids(&stored.orders));
        let left = stored.orders.expire(stored.days, now());
        let (after, ids_after) = (held(&stored.orders), ids(&stored.orders));
        let shop = self.get_text("shop")?.unwrap_or_default();
        // The journal of recent events lets them go too (their email hash
        // with them); their claims stay.
        for id in ids_before.iter().filter(|id| !ids_after.contains(id)) {
            let forget = Forget {
                journal: vec![id.clone()],
                ..Forget::default()
            };
            store::gate(&self.env, &shop, crate::keys::gate_of(id), forget).await?;
        }
        // The platforms' order index forgets the orders whose hold ended.
        for order in before.iter().filter(|o| !after.contains(o)) {
            let forget = Forget {
                orders: vec![order.clone()],
                ..Forget::default()
            };
            store::gate(&self.env, &shop, crate::keys::order_gate(order), forget).await?;
        }
        if left {
            let key = self.get_text("key")?.unwrap_or_default();
            self.put_guest(&shop, &key, &stored).await
        } else {
            self.wipe().await
        }
    }

    /// A guest object forgets its email hash: the gates' claims of the
    /// events it holds keep only their ids' hashes (so a platform's retry
    /// recreates nothing) and the order index forgets their orders; then
    /// the object's storage goes.
    async fn forget_guest(&self) -> AppResult<()> {
        if let Some(stored) = self.guest()? {
            let shop = self.get_text("shop")?.unwrap_or_default();
            let mut by_gate: std::collections::BTreeMap<u64, Forget> = Default::default();
            let ids = stored
                .orders
                .held
                .iter()
                .map(|e| e.id.to_string())
                .chain(stored.orders.answers.keys().map(ToString::to_string));
            for id in ids {
                let n = crate::keys::gate_of(&id);
                by_gate.entry(n).or_default().event_ids.push(id);
            }
            for event in &stored.orders.held {
                let order = event.order.order_id.to_string();
                let n = crate::keys::order_gate(&order);
                by_gate.entry(n).or_default().orders.push(order);
            }
            let sends = by_gate
                .into_iter()
                .map(|(n, forget)| store::gate(&self.env, &shop, n, forget));
            if futures_util::future::join_all(sends)
                .await
                .iter()
                .any(Result::is_err)
            {
                return Err(AppError::internal());
            }
        }
        self.wipe().await
    }

    /// Deletes everything this object stores (its alarm too) and what it
    /// holds in memory: it is as if it had never been written.
    async fn wipe(&self) -> AppResult<()> {
        // A guest object leaves the shop object's list first.
        if let (Some(shop), Some(key)) = (self.get_text("shop")?, self.get_text("key")?)
            && key.starts_with("guest:")
        {
            let gone = GuestSeen {
                key,
                present: false,
            };
            store::shop(&self.env, &shop, gone).await?;
        }
        let storage = self.state.storage();
        let _ = storage.delete_alarm().await;
        storage.delete_all().await.map_err(|e| {
            store::log_internal("delete_all", e);
            AppError::internal()
        })?;
        *self.cached.borrow_mut() = None;
        *self.migrated.borrow_mut() = false;
        *self.named.borrow_mut() = false;
        *self.alarm_set.borrow_mut() = false;
        *self.watch.borrow_mut() = None;
        *self.ids.borrow_mut() = None;
        *self.unreported.borrow_mut() = None;
        Ok(())
    }

    /// Ledger entries that name an erased member in their notes (a
    /// referrer's credit for the referee) forget them.
    fn forget_in_ledger(&self, gone: &Id) -> AppResult<()> {
        #[derive(Deserialize)]
        struct Row {
            seq: i64,
            v: String,
        }
        let naming: Vec<Row> = rows(
            &self.sql(),
            "SELECT seq, v FROM ledger WHERE instr(v, ?) > 0",
            vec![gone.as_str().into()],
        )?;
        for row in naming {
            let Ok(mut entry) = serde_json::from_str::<LedgerEntry>(&row.v) else {
                continue;
            };
            if loyalty_rules::privacy::forget_entry(&mut entry, gone) {
                let v = serde_json::to_string(&entry).map_err(|_| AppError::internal())?;
                self.sql()
                    .exec(
                        "UPDATE ledger SET v = ? WHERE seq = ?",
                        vec![v.as_str().into(), SqlStorageValue::Integer(row.seq)],
                    )
                    .map_err(sql_err)?;
            }
        }
        Ok(())
    }

    /// Every member of this state erased, one by one as `DELETE
    /// …/members/{id}` erases each (a whole shop's erasure).
    async fn erase_state(&self, key: &str, request: EraseState) -> AppResult<u64> {
        let members: Vec<String> = self
            .load()?
            .profiles
            .keys()
            .map(ToString::to_string)
            .collect();
        let mut erased = 0;
        for member in members {
            let erase = EraseRequest {
                shop: request.shop.clone(),
                member,
                program: request.program.clone(),
            };
            self.erase(key, &erase).await?;
            erased += 1;
        }
        Ok(erased)
    }

    /// An occasion of the schedule: decided from this state on the shop's
    /// day. A birthday or anniversary is recorded as an event with an id
    /// of the member's year (a second call finds it answered: once a year);
    /// the warning before expiry goes to the outbound object (its id names
    /// the day: once). Answers the figures report for the shop object to
    /// record with the others of its tick.
    async fn scheduled(&self, key: &str, request: ScheduledRequest) -> AppResult<Option<Report>> {
        let Ok(member) = Id::parse(&request.member) else {
            return Ok(None);
        };
        let program = request.program.load(&self.env).await?;
        let state = self.load()?;
        let Some(id) =
            crate::keys::scheduled_event(request.occasion, request.today.year(), &request.member)
        else {
            return Ok(None);
        };
        let now = now();
        match loyalty_rules::schedule::due(
            &program,
            &state,
            &member,
            request.occasion,
            request.today,
            id,
            now,
        ) {
            Some(Due::Event(event)) => {
                let apply = ApplyRequest {
                    program: request.program,
                    event,
                    referrer: ReferrerWire::None,
                    guest_orders: Vec::new(),
                };
                Ok(self.apply(key, apply).await?.report)
            }
            Some(Due::Notice(notice)) if request.program.topics.contains(Topic::PointsExpiring) => {
                let shop = request.program.shop;
                let stamped = Stamped {
                    id: crate::keys::notice_id(
                        &format!("expiring:{}:{}", request.member, request.today),
                        0,
                        0,
                    ),
                    notice,
                };
                let notify = Notify {
                    shop: shop.clone(),
                    notices: vec![stamped],
                };
                store::hooks(&self.env, &shop, notify).await?;
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// This state forgets an erased member it names (as their referrer or
    /// referee): nothing is written when it names no one.
    async fn forget_member(&self, key: &str, request: &ForgetMember) -> AppResult<()> {
        let gone = Id::parse(&request.member).map_err(|_| AppError::not_found("the member"))?;
        let mut state = (*self.load()?).clone();
        let changed = loyalty_rules::privacy::forget(&mut state, &gone);
        self.forget_in_ledger(&gone)?;
        if changed {
            state.revision = state.revision.saturating_add(1);
            let unreported = self.unreported.borrow().clone();
            self.write_state(state, unreported)?;
            self.snapshot(&request.shop, key).await?;
        }
        Ok(())
    }

    async fn handle(&self, req: Request) -> AppResult<String> {
        let MemberEnvelope { key, call } = store::received(req).await?;
        // A call that only reads, to a state never written, is answered
        // without creating storage: reads about members who do not exist
        // (or no longer do) leave nothing behind that names them.
        let writes = match &call {
            MemberCall::Apply(_)
            | MemberCall::Hold(_)
            | MemberCall::ClaimGuest(_)
            | MemberCall::Consent(_)
            | MemberCall::Redeem(_)
            | MemberCall::Adjust(_)
            | MemberCall::Credit(_) => true,
            MemberCall::Code(c) => c.action != CodeAction::Get,
            _ => false,
        };
        if writes || *self.migrated.borrow() || super::has_tables(&self.sql())? {
            self.migrate()?;
        } else {
            return self.unwritten(&key, call).await;
        }
        match call {
            MemberCall::Apply(c) => answer::<ApplyRequest>(self.apply(&key, c).await),
            MemberCall::View(c) => answer::<ViewRequest>(self.view(&key, &c).await),
            MemberCall::Ledger(c) => answer::<LedgerRequest>(self.ledger(&c)),
            MemberCall::Redeem(c) => answer::<RedeemRequest>(self.redeem(&key, c).await),
            MemberCall::Adjust(c) => answer::<AdjustRequest>(self.adjust(&key, c).await),
            MemberCall::Code(c) => answer::<CodeRequest>(self.code(&key, c).await),
            MemberCall::Credit(c) => answer::<CreditRequest>(self.credit(&key, c).await),
            MemberCall::Profile(c) => {
                let state = self.load()?;
                let member = Id::parse(&c.member).ok();
                let email_hash =
                    member.and_then(|m| state.profile(&m).and_then(|p| p.email_hash.clone()));
                answer::<crate::model::ProfileRequest>(Ok(Profile { email_hash }))
            }
            MemberCall::State(c) => {
                let state = self.load()?;
                let state = match c.member.as_deref().map(Id::parse) {
                    None => (*state).clone(),
                    Some(Ok(member)) => loyalty_rules::privacy::own_records(&state, &member),
                    Some(Err(_)) => MemberState::default(),
                };
                answer::<crate::model::StateRequest>(Ok(state))
            }
            MemberCall::Export(c) => answer::<crate::model::ExportRequest>(self.export(&c.member)),
            MemberCall::Erase(c) => {
                answer::<crate::model::EraseRequest>(self.erase(&key, &c).await)
            }
            MemberCall::ForgetMember(c) => {
                answer::<crate::model::ForgetMember>(self.forget_member(&key, &c).await)
            }
            MemberCall::Consent(c) => answer::<ConsentRequest>(self.consent(&key, c).await),
            MemberCall::Hold(c) => answer::<HoldRequest>(self.hold(&key, c).await),
            MemberCall::ClaimGuest(c) => answer::<ClaimGuest>(self.claim_guest(&key, c).await),
            MemberCall::ForgetGuest(_) => answer::<ForgetGuest>(self.forget_guest().await),
            MemberCall::Scheduled(c) => answer::<ScheduledRequest>(self.scheduled(&key, c).await),
            MemberCall::EraseState(c) => answer::<EraseState>(self.erase_state(&key, c).await),
        }
    }
}

fn code_view(code: loyalty_rules::member::IssuedCode, now: DateTime<Utc>) -> CodeView {
    CodeView {
        usable: code.is_usable(now),
        code,
    }
}

/// The object's answer to a call of type `C`: its declared reply, as JSON.
fn answer<C: MemberOp>(reply: AppResult<C::Reply>) -> AppResult<String> {
    json(reply?)
}

impl DurableObject for MemberObject {
    fn new(state: State, env: Env) -> Self {
        crate::clock::honour(&env);
        Self {
            state,
            env,
            cached: RefCell::new(None),
            migrated: RefCell::new(false),
            named: RefCell::new(false),
            alarm_set: RefCell::new(false),
            watch: RefCell::new(None),
            ids: RefCell::new(None),
            unreported: RefCell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        reply(self.handle(req).await)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        *self.alarm_set.borrow_mut() = false;
        let _ = self.migrate();
        if let Err(error) = self.expire_guest().await {
            return Response::error(error.body(), 500);
        }
        match self.flush(true).await {
            Ok(()) => Response::ok("flushed"),
            Err(error) => Response::error(error.body(), 500),
        }
    }
}
