//! A small typed client of the loyalty API for a shop's Rust server (and
//! the project's own end-to-end tests).
//!
//! It sends and reads the worker's own types, so it cannot drift from the
//! API: the program document, events and request bodies from
//! [`loyalty_rules`], the answers from [`loyalty_edge`]; each path is the
//! route table's ([`loyalty_edge::routes::ROUTES`]) for its operation. A
//! refusal comes back as [`Error::Problem`], the RFC 9457 problem document
//! with its `code` and, for a refused body, every problem with its path.
//!
//! ```no_run
//! use loyalty_client::Client;
//! # fn main() -> Result<(), loyalty_client::Error> {
//! let shop = Client::new("https://loyalty.example").merchant("my-shop", "api-key");
//! let view = shop.member("c-42", Some("ar"))?;
//! println!("{} points", view.view.balance);
//! # Ok(()) }
//! ```

use std::fmt;

pub use loyalty_edge::bodies::{
    DailyQuery, DailySeries, DeadLetter, DeadLetters, EventBatch, EventsAnswer, Export, Health,
    LedgerQuery, MemberList, MemberRow, MemberSort, MembersQuery, NewWebhook, Outcome,
    ProgramSaved, ProgramVersion, ProgramVersions, RecentEvent, RecentEvents, RecentEventsQuery,
    Recorded, Replayed, Results, Setup, Simulation, SortOrder, StoredProgram, Webhook,
    WebhookRemoved, Webhooks, WidgetProgram,
};
pub use loyalty_edge::error::AppError as Problem;
pub use loyalty_edge::model::{
    AdjustAnswer, CodeView, ConsentAnswer, Erased, LedgerPage, RedeemAnswer, Secrets, ViewAnswer,
};
pub use loyalty_rules::analytics::Analytics;
pub use loyalty_rules::award::Answer;
pub use loyalty_rules::document::ProgramDocument;
pub use loyalty_rules::request::{
    Adjustment, ConsentChange, CreditSpend, MerchantConsent, NewShop, Redemption,
};
pub use loyalty_rules::{Event, Id};

use loyalty_edge::routes::{Op, ROUTES};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call gave no answer of its type.
#[derive(Debug)]
pub enum Error {
    /// The API refused the call: its problem document.
    Problem(Box<Problem>),
    /// No answer: the connection, or a body that was not what the API
    /// document promises.
    Transport(String),
}

impl Error {
    /// The refusal's HTTP status, if the API answered one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Problem(problem) => Some(problem.status),
            Error::Transport(_) => None,
        }
    }

    /// The refusal's stable `code` (`invalid_program`, `insufficient_points`, …).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Problem(problem) => Some(&problem.code),
            Error::Transport(_) => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Problem(p) => write!(
                f,
                "{} {}: {}",
                p.status,
                p.code,
                p.detail.as_deref().unwrap_or(&p.title)
            ),
            Error::Transport(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// What a path segment may hold unescaped: the identifier alphabet.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'@')
    .remove(b':');

/// The route of `op` with its `{…}` segments filled, in order, by `params`.
pub fn path(op: Op, params: &[&str]) -> String {
    let route = ROUTES
        .iter()
        .find(|r| r.op == op && r.method != "HEAD")
        .unwrap_or_else(|| panic!("{op:?} has no route"));
    let mut params = params.iter();
    route
        .path
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                let value = params
                    .next()
                    .unwrap_or_else(|| panic!("{} needs {segment}", route.path));
                utf8_percent_encode(value, SEGMENT).to_string()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn method_of(op: Op) -> &'static str {
    ROUTES
        .iter()
        .find(|r| r.op == op && r.method != "HEAD")
        .map_or("GET", |r| r.method)
}

/// A connection to one deployment of the API.
#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    /// `base`: the worker's origin, such as `https://loyalty.example`.
    pub fn new(base: impl Into<String>) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Self {
            base: base.into().trim_end_matches('/').to_owned(),
            agent,
        }
    }

    /// The platform's calls, with the deployment's admin token.
    pub fn admin(&self, token: &str) -> Admin {
        Admin {
            client: self.clone(),
            bearer: format!("Bearer {token}"),
        }
    }

    /// One shop's merchant calls, with its api key.
    pub fn merchant(&self, shop: &str, api_key: &str) -> Merchant {
        Merchant {
            client: self.clone(),
            shop: shop.to_owned(),
            bearer: format!("Bearer {api_key}"),
        }
    }

    /// One shop's widget calls, as a guest or (with a customer token) a
    /// signed-in shopper.
    pub fn widget(&self, shop: &str, token: Option<&str>) -> Widget {
        Widget {
            client: self.clone(),
            shop: shop.to_owned(),
            bearer: token.map(|t| format!("Bearer {t}")),
        }
    }

    /// `GET /healthz`.
    pub fn health(&self) -> Result<Health> {
        self.call(Op::Healthz, &[], None, &[], None::<&()>)
            .and_then(decode)
    }

    /// Sends one call; answers the status and body of a success, the
    /// problem of a refusal.
    fn call<B: Serialize + ?Sized>(
        &self,
        op: Op,
        params: &[&str],
        query: Option<String>,
        headers: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<(u16, String)> {
        let mut url = format!("{}{}", self.base, path(op, params));
        if let Some(query) = query.filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(&query);
        }
        let transport = |e: ureq::Error| Error::Transport(format!("{url}: {e}"));
        let method = method_of(op);
        let response = match body {
            Some(body) => {
                let body = serde_json::to_vec(body).map_err(|e| Error::Transport(e.to_string()))?;
                let mut request = match method {
                    "PUT" => self.agent.put(&url),
                    _ => self.agent.post(&url),
                }
                .header("content-type", "application/json");
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.send(&body[..])
            }
            None => {
                let mut request = match method {
                    "DELETE" => self.agent.delete(&url).force_send_body(),
                    "POST" => self.agent.post(&url),
                    _ => self.agent.get(&url).force_send_body(),
                };
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.send_empty()
            }
        }
        .map_err(transport)?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.into_body().read_to_string().map_err(transport)?;
        if status >= 400 {
            let problem: Problem = serde_json::from_str(&text).map_err(|_| {
                Error::Transport(format!("{url}: {status} without a problem: {text}"))
            })?;
            return Err(Error::Problem(Box::new(problem)));
        }
        Ok((status, location.unwrap_or(text)))
    }
}

fn decode<T: DeserializeOwned>((_, text): (u16, String)) -> Result<T> {
    serde_json::from_str(&text).map_err(|e| Error::Transport(format!("{e}: {text}")))
}

fn query_of(pairs: &[(&str, Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(name, value)| {
            value
                .as_ref()
                .map(|v| format!("{name}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// An enum's word as the API writes it (`last_activity`, `desc`).
fn word<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// A ledger page's query string.
fn ledger_query(page: &LedgerQuery) -> String {
    query_of(&[
        ("cursor", page.cursor.clone()),
        ("limit", page.limit.map(|l| l.to_string())),
    ])
}

/// The deployment's admin.
#[derive(Clone, Debug)]
pub struct Admin {
    client: Client,
    bearer: String,
}

impl Admin {
    /// `POST /v1/shops`: a new shop and its secrets (shown once).
    pub fn create_shop(&self, shop: &str) -> Result<Secrets> {
        let body = NewShop {
            shop: Id::parse(shop).map_err(|e| Error::Transport(format!("shop: {e}")))?,
        };
        let headers = [("authorization", self.bearer.as_str())];
        self.client
            .call(Op::CreateShop, &[], None, &headers, Some(&body))
            .and_then(decode)
    }

    /// `POST /v1/shops/{shop}/keys/rotate` with the admin token.
    pub fn rotate_keys(&self, shop: &str) -> Result<Secrets> {
        let headers = [("authorization", self.bearer.as_str())];
        self.client
            .call(Op::RotateKeys, &[shop], None, &headers, None::<&()>)
            .and_then(decode)
    }
}

/// One shop's server.
#[derive(Clone, Debug)]
pub struct Merchant {
    client: Client,
    shop: String,
    bearer: String,
}

impl Merchant {
    pub fn shop(&self) -> &str {
        &self.shop
    }

    fn call<B: Serialize + ?Sized>(
        &self,
        op: Op,
        more: &[&str],
        query: Option<String>,
        body: Option<&B>,
    ) -> Result<(u16, String)> {
        let mut params = vec![self.shop.as_str()];
        params.extend_from_slice(more);
        let headers = [("authorization", self.bearer.as_str())];
        self.client.call(op, &params, query, &headers, body)
    }

    /// `PUT …/program`: the whole document, typed ([`ProgramDocument`]) or
    /// as JSON.
    pub fn put_program<P: Serialize + ?Sized>(&self, program: &P) -> Result<ProgramSaved> {
        self.call(Op::PutProgram, &[], None, Some(program))
            .and_then(decode)
    }

    /// `GET …/program`.
    pub fn program(&self) -> Result<StoredProgram> {
        self.call(Op::GetProgram, &[], None, None::<&()>)
            .and_then(decode)
    }

    /// `POST …/events` with one event: its answer (`duplicate` when the id
    /// was seen before).
    pub fn record<E: Serialize + ?Sized>(&self, event: &E) -> Result<Answer> {
        self.call(Op::Events, &[], None, Some(event))
            .and_then(decode)
    }

    /// `POST …/events` with a batch: one outcome per event, in order.
    pub fn record_batch<E: Serialize>(&self, events: &[E]) -> Result<Results> {
        let body = serde_json::json!({ "events": events });
        self.call(Op::Events, &[], None, Some(&body))
            .and_then(decode)
    }

    /// `POST …/simulate`: what the events would award, stored nowhere.
    pub fn simulate(&self, simulation: &Simulation) -> Result<Results> {
        self.call(Op::Simulate, &[], None, Some(simulation))
            .and_then(decode)
    }

    /// `GET …/members/{member_id}`.
    pub fn member(&self, member: &str, locale: Option<&str>) -> Result<ViewAnswer> {
        let query = query_of(&[("locale", locale.map(str::to_owned))]);
        self.call(Op::Member, &[member], Some(query), None::<&()>)
            .and_then(decode)
    }

    /// `GET …/members/{member_id}/ledger`.
    pub fn ledger(&self, member: &str, page: &LedgerQuery) -> Result<LedgerPage> {
        let query = ledger_query(page);
        self.call(Op::Ledger, &[member], Some(query), None::<&()>)
            .and_then(decode)
    }

    /// `POST …/members/{member_id}/adjustments`.
    pub fn adjust(&self, member: &str, adjustment: &Adjustment) -> Result<AdjustAnswer> {
        self.call(Op::Adjust, &[member], None, Some(adjustment))
            .and_then(decode)
    }

    /// `PUT …/members/{member_id}/consent`: what the shop's consent tool
    /// recorded (an opt-out, or a rejoin).
    pub fn consent(&self, member: &str, status: MerchantConsent) -> Result<ConsentAnswer> {
        let body = ConsentChange { status };
        self.call(Op::Consent, &[member], None, Some(&body))
            .and_then(decode)
    }

    /// `GET …/members/{member_id}/export`.
    pub fn export(&self, member: &str) -> Result<Export> {
        self.call(Op::Export, &[member], None, None::<&()>)
            .and_then(decode)
    }

    /// `DELETE …/members/{member_id}`.
    pub fn erase(&self, member: &str) -> Result<Erased> {
        self.call(Op::EraseMember, &[member], None, None::<&()>)
            .and_then(decode)
    }

    /// `GET …/codes/{code}`.
    pub fn code(&self, code: &str) -> Result<CodeView> {
        self.call(Op::Code, &[code], None, None::<&()>)
            .and_then(decode)
    }

    /// `POST …/codes/{code}/use`.
    pub fn use_code(&self, code: &str) -> Result<CodeView> {
        self.call(Op::UseCode, &[code], None, None::<&()>)
            .and_then(decode)
    }

    /// `POST …/codes/{code}/cancel`.
    pub fn cancel_code(&self, code: &str) -> Result<CodeView> {
        self.call(Op::CancelCode, &[code], None, None::<&()>)
            .and_then(decode)
    }

    /// `POST …/keys/rotate`: new secrets, the old ones stop at once.
    pub fn rotate_keys(&self) -> Result<Secrets> {
        self.call(Op::RotateKeys, &[], None, None::<&()>)
            .and_then(decode)
    }

    /// `GET …/analytics`.
    pub fn analytics(&self) -> Result<Analytics> {
        self.call(Op::Analytics, &[], None, None::<&()>)
            .and_then(decode)
    }

    /// `GET …/analytics/daily`: the metrics day by day.
    pub fn daily(&self, range: &DailyQuery) -> Result<DailySeries> {
        let query = query_of(&[
            ("from", range.from.map(|d| d.to_string())),
            ("to", range.to.map(|d| d.to_string())),
        ]);
        self.call(Op::DailyAnalytics, &[], Some(query), None::<&()>)
            .and_then(decode)
    }

    /// `GET …/members`: a page of the list of members.
    pub fn members(&self, list: &MembersQuery) -> Result<MemberList> {
        let query = query_of(&[
            ("q", list.q.clone()),
            ("sort", list.sort.as_ref().and_then(word)),
            ("order", list.order.as_ref().and_then(word)),
            ("cursor", list.cursor.clone()),
            ("limit", list.limit.map(|l| l.to_string())),
        ]);
        self.call(Op::Members, &[], Some(query), None::<&()>)
            .and_then(decode)
    }

    /// `GET …/program/versions`.
    pub fn program_versions(&self) -> Result<ProgramVersions> {
        self.call(Op::ProgramVersions, &[], None, None::<&()>)
            .and_then(decode)
    }

    /// `GET …/program/versions/{version}`.
    pub fn program_version(&self, version: u64) -> Result<StoredProgram> {
        self.call(
            Op::ProgramVersion,
            &[&version.to_string()],
            None,
            None::<&()>,
        )
        .and_then(decode)
    }

    /// `GET …/events`: a page of the recent events, newest first.
    pub fn recent_events(&self, page: &RecentEventsQuery) -> Result<RecentEvents> {
        let query = query_of(&[
            ("cursor", page.cursor.clone()),
            ("limit", page.limit.map(|l| l.to_string())),
        ]);
        self.call(Op::RecentEvents, &[], Some(query), None::<&()>)
            .and_then(decode)
    }

    /// `GET …/setup`: the install checklist.
    pub fn setup(&self) -> Result<Setup> {
        self.call(Op::Setup, &[], None, None::<&()>)
            .and_then(decode)
    }

    /// `POST …/webhooks`: the answer holds a webhook's signing secret, once.
    pub fn add_webhook(&self, webhook: &NewWebhook) -> Result<Webhook> {
        self.call(Op::AddWebhook, &[], None, Some(webhook))
            .and_then(decode)
    }

    /// `GET …/webhooks`.
    pub fn webhooks(&self) -> Result<Webhooks> {
        self.call(Op::ListWebhooks, &[], None, None::<&()>)
            .and_then(decode)
    }

    /// `DELETE …/webhooks/{webhook_id}`.
    pub fn remove_webhook(&self, id: &str) -> Result<WebhookRemoved> {
        self.call(Op::RemoveWebhook, &[id], None, None::<&()>)
            .and_then(decode)
    }

    /// `GET …/webhooks/dead`.
    pub fn dead_letters(&self) -> Result<DeadLetters> {
        self.call(Op::DeadLetters, &[], None, None::<&()>)
            .and_then(decode)
    }

    /// `POST …/webhooks/dead/{delivery_id}/replay`.
    pub fn replay(&self, delivery: i64) -> Result<Replayed> {
        self.call(
            Op::ReplayDelivery,
            &[&delivery.to_string()],
            None,
            None::<&()>,
        )
        .and_then(decode)
    }
}

/// One shop's widget, as a guest or a signed-in shopper.
#[derive(Clone, Debug)]
pub struct Widget {
    client: Client,
    shop: String,
    bearer: Option<String>,
}

impl Widget {
    fn call<B: Serialize + ?Sized>(
        &self,
        op: Op,
        query: Option<String>,
        extra: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<(u16, String)> {
        let mut headers: Vec<(&str, &str)> = extra.to_vec();
        if let Some(bearer) = &self.bearer {
            headers.push(("authorization", bearer));
        }
        self.client.call(op, &[&self.shop], query, &headers, body)
    }

    /// `GET /v1/widget/{shop}/program`.
    pub fn program(&self, locale: Option<&str>) -> Result<WidgetProgram> {
        let query = query_of(&[("locale", locale.map(str::to_owned))]);
        self.call(Op::WidgetProgram, Some(query), &[], None::<&()>)
            .and_then(decode)
    }

    /// `GET /v1/widget/{shop}/program?include=preview`: the view and what
    /// the cart preview computes from (the program document, and the
    /// signed-in shopper's own state).
    pub fn program_with_preview(&self, locale: Option<&str>) -> Result<WidgetProgram> {
        let query = query_of(&[
            ("locale", locale.map(str::to_owned)),
            ("include", Some("preview".into())),
        ]);
        self.call(Op::WidgetProgram, Some(query), &[], None::<&()>)
            .and_then(decode)
    }

    /// `GET /v1/widget/{shop}/me`.
    pub fn me(&self, locale: Option<&str>) -> Result<ViewAnswer> {
        let query = query_of(&[("locale", locale.map(str::to_owned))]);
        self.call(Op::WidgetMe, Some(query), &[], None::<&()>)
            .and_then(decode)
    }

    /// `GET /v1/widget/{shop}/me/ledger`.
    pub fn ledger(&self, page: &LedgerQuery) -> Result<LedgerPage> {
        let query = ledger_query(page);
        self.call(Op::WidgetLedger, Some(query), &[], None::<&()>)
            .and_then(decode)
    }

    /// `POST /v1/widget/{shop}/redeem`; a retry with the same `key` answers
    /// the same code and spends nothing more.
    pub fn redeem(&self, reward: &str, key: &str) -> Result<RedeemAnswer> {
        let body = Redemption {
            reward: Id::parse(reward).map_err(|e| Error::Transport(format!("reward: {e}")))?,
        };
        self.call(
            Op::WidgetRedeem,
            None,
            &[("idempotency-key", key)],
            Some(&body),
        )
        .and_then(decode)
    }

    /// `POST /v1/widget/{shop}/credit`: store credit spent as a checkout
    /// code of `amount_minor`; a retry with the same `key` answers the same
    /// code.
    pub fn spend_credit(&self, amount_minor: i64, key: &str) -> Result<RedeemAnswer> {
        let body = CreditSpend { amount_minor };
        self.call(
            Op::WidgetSpendCredit,
            None,
            &[("idempotency-key", key)],
            Some(&body),
        )
        .and_then(decode)
    }

    /// `POST /v1/widget/{shop}/me/leave`: the shopper leaves the program.
    pub fn leave(&self) -> Result<ConsentAnswer> {
        self.call(Op::WidgetLeave, None, &[], None::<&()>)
            .and_then(decode)
    }

    /// `POST /v1/widget/{shop}/me/join`: the shopper (re)joins the program.
    pub fn join(&self) -> Result<ConsentAnswer> {
        self.call(Op::WidgetJoin, None, &[], None::<&()>)
            .and_then(decode)
    }
}

/// Events as a shop's server sends them, typed: the common kinds, and
/// [`events::of_kind`] for the rest (fill in what the kind carries).
pub mod events {
    use chrono::{DateTime, Utc};
    use loyalty_rules::event::{Line, Order};
    use loyalty_rules::id::IdError;
    use loyalty_rules::{Event, EventKind, Id};

    /// An event of `kind` with nothing beyond its id, member and time.
    pub fn of_kind(
        kind: EventKind,
        id: &str,
        member: &str,
        at: DateTime<Utc>,
    ) -> Result<Event, IdError> {
        Ok(Event {
            id: Id::parse(id)?,
            kind,
            member_id: Id::parse(member)?,
            occurred_at: at,
            action: None,
            order: None,
            referral_code: None,
            member: None,
            nps_score: None,
            membership: None,
        })
    }

    fn order(order_id: &str) -> Result<Order, IdError> {
        Ok(Order {
            order_id: Id::parse(order_id)?,
            currency: None,
            subtotal_minor: None,
            refund_minor: None,
            shop_subtotal_minor: None,
            channel: None,
            lines: Vec::new(),
        })
    }

    /// `order_paid`: `subtotal_minor` in `currency`, and its lines if
    /// rules count some of them.
    pub fn order_paid(
        id: &str,
        member: &str,
        order_id: &str,
        currency: &str,
        subtotal_minor: i64,
        lines: Vec<Line>,
        at: DateTime<Utc>,
    ) -> Result<Event, IdError> {
        let mut event = of_kind(EventKind::OrderPaid, id, member, at)?;
        event.order = Some(Order {
            currency: Some(currency.to_owned()),
            subtotal_minor: Some(subtotal_minor),
            lines,
            ..order(order_id)?
        });
        Ok(event)
    }

    /// `order_refunded`: `refund_minor` of `order_id` given back.
    pub fn order_refunded(
        id: &str,
        member: &str,
        order_id: &str,
        refund_minor: i64,
        at: DateTime<Utc>,
    ) -> Result<Event, IdError> {
        let mut event = of_kind(EventKind::OrderRefunded, id, member, at)?;
        event.order = Some(Order {
            refund_minor: Some(refund_minor),
            ..order(order_id)?
        });
        Ok(event)
    }

    /// `order_cancelled`: the whole order taken back.
    pub fn order_cancelled(
        id: &str,
        member: &str,
        order_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Event, IdError> {
        let mut event = of_kind(EventKind::OrderCancelled, id, member, at)?;
        event.order = Some(order(order_id)?);
        Ok(event)
    }

    /// One order line.
    pub fn line(sku: &str, category: &str, qty: i64, unit_price_minor: i64) -> Line {
        Line {
            sku: Some(sku.to_owned()),
            category: Some(category.to_owned()),
            qty,
            unit_price_minor,
        }
    }
}

/// The referral link's target (`GET /r/{shop}/{code}`): the shop's page.
pub fn referral_target(client: &Client, shop: &str, code: &str) -> Result<String> {
    client
        .call(Op::Referral, &[shop, code], None, &[], None::<&()>)
        .map(|(_, location)| location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_come_from_the_route_table_with_segments_escaped() {
        assert_eq!(
            path(Op::Member, &["demo", "c-42"]),
            "/v1/shops/demo/members/c-42"
        );
        assert_eq!(
            path(Op::UseCode, &["demo", "AB/C D"]),
            "/v1/shops/demo/codes/AB%2FC%20D/use"
        );
        assert_eq!(method_of(Op::PutProgram), "PUT");
        assert_eq!(method_of(Op::EraseMember), "DELETE");
    }

    #[test]
    fn queries_leave_out_what_is_not_given() {
        assert_eq!(query_of(&[("locale", None)]), "");
        assert_eq!(
            query_of(&[("cursor", Some("a b".into())), ("limit", Some("5".into()))]),
            "cursor=a%20b&limit=5"
        );
    }
}
