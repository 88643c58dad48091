//! The running worker and a small client for it.

use std::path::PathBuf;

use serde_json::{Value, json};
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
        let worker = LocalWorker::start(&Self::options(port, &state, true))?;
        Ok(Self {
            worker: Some(worker),
            port,
            state,
            serial: 0,
        })
    }

    fn options(port: u16, state: &std::path::Path, dev_routes: bool) -> Options {
        Options {
            port,
            state_dir: state.join("wrangler"),
            admin_token: ADMIN.into(),
            dev_routes,
            log: Some(state.join(format!("wrangler-{port}.log"))),
            // The report alarm in seconds, not minutes: the backstop case
            // waits for it, and every other case sees carried reports
            // delivered twice (which must change nothing).
            vars: vec![("LOYALTY_REPORT_DELAY_MS".into(), "1500".into())],
            interactive: false,
        }
    }

    /// Stops the runtime and starts it again on the same state.
    pub fn restart(&mut self, dev_routes: bool) {
        if let Some(mut worker) = self.worker.take() {
            worker.stop();
        }
        let worker = LocalWorker::start(&Self::options(self.port, &self.state, dev_routes))
            .expect("restart");
        self.worker = Some(worker);
    }

    /// A name no other case uses.
    pub fn unique(&mut self, prefix: &str) -> String {
        self.serial += 1;
        format!("{prefix}-{}-{}", std::process::id(), self.serial)
    }

    pub fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        http::request(self.port, method, path, headers, body).expect("the worker answers")
    }

    /// A new shop with a program; answers its secrets.
    pub fn shop(&mut self, program: &Value) -> Shop {
        let name = self.unique("shop");
        let shop = self.bare_shop(&name);
        let put = shop.put_program(program);
        assert_eq!(put.status, 200, "{}", put.body);
        shop
    }

    /// A new shop named `name`, without a program yet.
    pub fn bare_shop(&self, name: &str) -> Shop {
        let created = self.call(
            "POST",
            "/v1/shops",
            &[
                ("authorization", &format!("Bearer {ADMIN}")),
                ("content-type", "application/json"),
            ],
            json!({"shop": name}).to_string().as_bytes(),
        );
        assert_eq!(created.status, 201, "{}", created.body);
        let secrets = created.json();
        Shop {
            name: name.to_owned(),
            api_key: secrets["api_key"].as_str().unwrap().to_owned(),
            webhook_secret: secrets["webhook_secret"].as_str().unwrap().to_owned(),
            widget_secret: secrets["widget_secret"].as_str().unwrap().to_owned(),
            port: self.port,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Shop {
    pub name: String,
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

    pub fn put_program(&self, program: &Value) -> Answer {
        self.merchant(
            "PUT",
            "/v1/shops/{shop}/program",
            program.to_string().as_bytes(),
        )
    }

    pub fn send(&self, event: &Value) -> Answer {
        self.merchant(
            "POST",
            "/v1/shops/{shop}/events",
            event.to_string().as_bytes(),
        )
    }

    pub fn member(&self, member: &str) -> Value {
        let answer = self.merchant("GET", &format!("/v1/shops/{{shop}}/members/{member}"), b"");
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
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
pub fn contract_program() -> Value {
    let mut program: Value =
        serde_json::from_str(include_str!("../../shared/tests/contract-program.json"))
            .expect("the contract's program is JSON");
    let campaign = &mut program["earn_rules"][3];
    assert_eq!(campaign["id"], "double-week");
    campaign["active"] = json!({"from": days_ahead(30), "until": days_ahead(37)});
    program
}

/// An `order_paid` event, paid 8 days before the run's start.
pub fn order(id: &str, member: &str, order_id: &str, subtotal: i64) -> Value {
    json!({"id": id, "kind": "order_paid", "member_id": member, "occurred_at": days_ago(8),
           "order": {"order_id": order_id, "currency": "USD", "subtotal_minor": subtotal}})
}
