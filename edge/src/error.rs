//! One error type for the whole worker, turned into an RFC 9457 problem
//! document in one place. Caller mistakes carry a stable `code`; anything
//! else is a 500 that says nothing of the inside.

use loyalty_rules::Problem;
use serde::{Deserialize, Serialize};

/// An answer that is not a success, as `application/problem+json`
/// (RFC 9457) with a stable `code`; `problems` lists every invalid member of
/// a body with its JSON path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(schemars::JsonSchema),
    schemars(rename = "Problem")
)]
pub struct AppError {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// Seconds until a rate-limited caller may try again (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The methods a path takes (sent as `Allow` with a 405).
    #[serde(skip)]
    pub allow: Option<String>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: u16, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("https://loyalty.dev/problems/{code}"),
            title: title_of(status).to_owned(),
            status,
            code: code.to_owned(),
            detail: Some(detail.into()),
            problems: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }

    pub fn with_problems(mut self, problems: Vec<Problem>) -> Self {
        self.problems = problems;
        self
    }

    pub fn bad_json(error: impl std::fmt::Display) -> Self {
        Self::new(
            400,
            "malformed_json",
            format!("the body is not valid JSON: {error}"),
        )
    }

    pub fn unauthorized(detail: &str) -> Self {
        Self::new(401, "unauthorized", detail)
    }

    pub fn forbidden(detail: &str) -> Self {
        Self::new(403, "forbidden", detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not_found", format!("{what} was not found"))
    }

    pub fn invalid(code: &str, problems: Vec<Problem>) -> Self {
        let detail = match problems.len() {
            1 => format!("1 problem: {}", problems[0]),
            n => format!("{n} problems, each listed with its JSON path"),
        };
        Self::new(422, code, detail).with_problems(problems)
    }

    /// An unexpected failure: logged once by the caller, never sent.
    pub fn internal() -> Self {
        Self::new(
            500,
            "internal",
            "something went wrong on our side; nothing was changed",
        )
    }

    pub fn too_many(retry_after: u64) -> Self {
        let mut error = Self::new(429, "rate_limited", "too many requests; try again shortly");
        error.retry_after = Some(retry_after);
        error
    }

    pub fn body(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

fn title_of(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    }
}

impl From<loyalty_rules::EventError> for AppError {
    fn from(error: loyalty_rules::EventError) -> Self {
        let problems = match &error {
            loyalty_rules::EventError::Invalid(problems) => problems.clone(),
            _ => Vec::new(),
        };
        Self::new(error.status(), error.code(), error.to_string()).with_problems(problems)
    }
}

impl From<loyalty_rules::redemption::RedeemError> for AppError {
    fn from(error: loyalty_rules::redemption::RedeemError) -> Self {
        Self::new(error.status(), error.code(), error.to_string())
    }
}

impl From<loyalty_rules::redemption::CodeError> for AppError {
    fn from(error: loyalty_rules::redemption::CodeError) -> Self {
        Self::new(error.status(), error.code(), error.to_string())
    }
}

impl From<loyalty_rules::adjustment::AdjustError> for AppError {
    fn from(error: loyalty_rules::adjustment::AdjustError) -> Self {
        Self::new(error.status(), error.code(), error.to_string())
    }
}
