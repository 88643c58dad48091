//! The running worker, and the typed client (`loyalty-client`) the cases
//! call it with; raw HTTP (`call`, `merchant`, `send`, `widget`) only where
//! a case sends what the client would never send: malformed bodies,
//! missing or forged credentials, odd paths.

use std::path::PathBuf;

use loyalty_client::{Client, Merchant, Widget, events};
use loyalty_rules::Event;
use loyalty_rules::document::{Active, Moment, ProgramDocument};
use serde_json::Value;
pub use xtask::clock::{days_ago, days_ahead};
use xtask::http::{self, Answer};
use xtask::local::{LocalWorker, Options, free_port, scratch_dir};

pub const ADMIN: &str = "e2e-admin-token";

pub struct World {
    pub worker: Option<LocalWorker>,
    pub port: u16,
    pub state: PathBuf,
    serial: u64,
}

impl World {
    pub fn start() -> Result<Self, String> {
        let port = free_port();
        let state = scratch_dir("edge");
        let worker = LocalWorker::start(&Self::options(port, &state, true, true))?;
        Ok(Self {
            worker: Some(worker),
            port,
            state,
            serial: 0,
        })
    }

    fn options(port: u16, state: &std::path::Path, dev_routes: bool, short_alarm: bool) -> Options {
        Options {
            port,
            state_dir: state.join("wrangler"),
            admin_token: ADMIN.into(),
            dev_routes,
            log: Some(state.join(format!("wrangler-{port}.log"))),
            // The report alarm in seconds, not minutes: the backstop case
            // waits for it, and every other case sees carried reports
            // delivered twice (which must change nothing). Outbound retries
            // likewise: 1, 2, 4 s, four tries.
            vars: if short_alarm {
                vec![
                    ("LOYALTY_REPORT_DELAY_MS".into(), "1500".into()),
                    ("LOYALTY_RETRY_BASE_MS".into(), "1000".into()),
                    ("LOYALTY_RETRY_ATTEMPTS".into(), "4".into()),
                ]
            } else {
                Vec::new()
            },
            interactive: false,
        }
    }

    /// Stops the runtime and starts it again on the same state.
    pub fn restart(&mut self, dev_routes: bool) {
        self.restart_with(dev_routes, true);
    }

    /// Restarts with the report alarm at its deployed delay (`short_alarm`
    /// false: minutes, so only workers carry figures) or the cases' short one.
    pub fn restart_with(&mut self, dev_routes: bool, short_alarm: bool) {
        self.stop();
        let options = Self::options(self.port, &self.state, dev_routes, short_alarm);
        let worker = LocalWorker::start(&options).expect("restart");
        self.worker = Some(worker);
    }

    /// Stops the runtime (its stores stay on disk, closed).
    pub fn stop(&mut self) {
        if let Some(mut worker) = self.worker.take() {
            worker.stop();
        }
    }

    /// A name no other case uses.
    pub fn unique(&mut self, prefix: &str) -> String {
        self.serial += 1;
        format!("{prefix}-{}-{}", std::process::id(), self.serial)
    }

    /// The typed client of this worker.
    pub fn client(&self) -> Client {
        Client::new(format!("http://127.0.0.1:{}", self.port))
    }

    pub fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        http::request(self.port, method, path, headers, body).expect("the worker answers")
    }

    /// A new shop with a program; answers its secrets.
    pub fn shop<P: serde::Serialize + ?Sized>(&mut self, program: &P) -> Shop {
        let name = self.unique("shop");
        let shop = self.bare_shop(&name);
        let saved = shop.api.put_program(program).expect("the program is saved");
        assert!(saved.version >= 1);
        shop
    }

    /// A new shop named `name`, without a program yet.
    pub fn bare_shop(&self, name: &str) -> Shop {
        let client = self.client();
        let secrets = client
            .admin(ADMIN)
            .create_shop(name)
            .expect("the shop is created");
        assert_eq!(secrets.shop, name);
        Shop {
            name: name.to_owned(),
            api: client.merchant(name, &secrets.api_key),
            client,
            api_key: secrets.api_key,
            webhook_secret: secrets.webhook_secret,
            widget_secret: secrets.widget_secret,
            port: self.port,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Shop {
    pub name: String,
    /// The shop's merchant calls, typed.
    pub api: Merchant,
    pub client: Client,
    pub api_key: String,
    pub webhook_secret: String,
    pub widget_secret: String,
    pub port: u16,
}

impl Shop {
    pub fn merchant(&self, method: &str, path: &str, body: &[u8]) -> Answer {
        let auth = format!("Bearer {}", self.api_key);
        let path = path.replace("{shop}", &self.name);
        http::request(
            self.port,
            method,
            &path,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body,
        )
        .expect("the worker answers")
    }

    pub fn put_program<P: serde::Serialize + ?Sized>(&self, program: &P) -> Answer {
        self.merchant(
            "PUT",
            "/v1/shops/{shop}/program",
            raw(program).to_string().as_bytes(),
        )
    }

    /// Sends an event (typed or any JSON) over raw HTTP: its status and
    /// body as they came.
    pub fn send<E: serde::Serialize + ?Sized>(&self, event: &E) -> Answer {
        self.merchant(
            "POST",
            "/v1/shops/{shop}/events",
            raw(event).to_string().as_bytes(),
        )
    }

    pub fn member(&self, member: &str) -> Value {
        let answer = self.merchant("GET", &format!("/v1/shops/{{shop}}/members/{member}"), b"");
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
    }

    /// Records one event with the typed client; its answer.
    pub fn record(&self, event: &Event) -> loyalty_rules::Answer {
        self.api
            .record(event)
            .unwrap_or_else(|e| panic!("{} refused: {e}", event.id))
    }

    /// The member view, typed.
    pub fn view(&self, member: &str) -> loyalty_client::ViewAnswer {
        self.api
            .member(member, None)
            .unwrap_or_else(|e| panic!("member {member}: {e}"))
    }

    /// The widget as `member` signed in.
    pub fn shopper(&self, member: &str) -> Widget {
        self.client.widget(&self.name, Some(&self.token(member)))
    }

    /// Posts `body` to the shop's events with only a `Loyalty-Signature`,
    /// made with `secret` at unix time `at`.
    pub fn send_signed(&self, body: &str, secret: &str, at: i64) -> Answer {
        let header = loyalty_edge::auth::signature_header(body.as_bytes(), secret, at);
        let path = format!("/v1/shops/{}/events", self.name);
        let headers = [("loyalty-signature", header.as_str())];
        http::request(self.port, "POST", &path, &headers, body.as_bytes())
            .expect("the worker answers")
    }

    /// `GET /v1/widget/{shop}/me` over raw HTTP with `token`.
    pub fn me(&self, token: &str) -> Answer {
        self.widget("GET", "/v1/widget/{shop}/me", Some(token), &[], b"")
    }

    pub fn token(&self, member: &str) -> String {
        loyalty_edge::auth::customer_token(member, 4_000_000_000, &self.widget_secret)
    }

    pub fn widget(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        extra: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let path = path.replace("{shop}", &self.name);
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = vec![("content-type", "application/json")];
        if let Some(bearer) = &bearer {
            headers.push(("authorization", bearer));
        }
        headers.extend_from_slice(extra);
        http::request(self.port, method, &path, &headers, body).expect("the worker answers")
    }
}

/// The program of the contract's section 2 (the rules crate's tests read
/// the same file), with its one dated rule moved with the run: the
/// `double-week` campaign runs from 30 to 37 days after the run's start, so
/// no event of these cases (all in the past) falls in it, whatever the date.
pub fn contract_program() -> ProgramDocument {
    let mut program: ProgramDocument =
        serde_json::from_str(include_str!("../../shared/tests/contract-program.json"))
            .expect("the contract's program is a program document");
    let rules = program.earn_rules.as_mut().expect("earn rules");
    let campaign = &mut rules[3];
    assert_eq!(campaign.id.as_str(), "double-week");
    campaign.active = Some(Active {
        from: Some(Moment(days_ahead(30))),
        until: Some(Moment(days_ahead(37))),
    });
    program
}

/// An `order_paid` event in USD, paid 8 days before the run's start.
pub fn order(id: &str, member: &str, order_id: &str, subtotal: i64) -> Event {
    events::order_paid(
        id,
        member,
        order_id,
        "USD",
        subtotal,
        vec![],
        at(days_ago(8)),
    )
    .expect("ids of the cases are valid")
}

/// What the client would send, as JSON to bend for a bad-input case.
pub fn raw<E: serde::Serialize + ?Sized>(event: &E) -> Value {
    serde_json::to_value(event).expect("serializes")
}

/// A date of [`days_ago`] or [`days_ahead`] as a time.
pub fn at(rfc3339: String) -> chrono::DateTime<chrono::Utc> {
    rfc3339.parse().expect("an RFC 3339 time")
}
