//! The small request bodies of the API (shop creation, adjustments,
//! redemptions, consent), read with the same checker as programs and events: every
//! problem at once, each with its JSON path.

use serde_json::Value;

use crate::id::Id;
use crate::json::{Check, Path, Problem};
use crate::privacy::Consent;
use crate::program::MAX_POINTS;

/// The longest reason an adjustment may give.
pub const MAX_REASON: usize = 500;

/// `POST /v1/shops`: `{"shop"}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct NewShop {
    /// The new shop's id, used in every path of its API.
    pub shop: Id,
}

/// `POST …/members/{member_id}/adjustments`: `{"id", "points", "reason"}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct Adjustment {
    /// Makes the adjustment idempotent: a retry with the same id and body
    /// changes nothing more.
    pub id: Id,
    /// Points to add (or, negative, to take away): not 0, at most
    /// 1,000,000,000 either way.
    #[cfg_attr(feature = "schema", schemars(range(min = -MAX_POINTS, max = MAX_POINTS), extend("not" = {"const": 0})))]
    pub points: i64,
    /// Why, as the member's ledger will show it.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = MAX_REASON)))]
    pub reason: String,
}

/// `POST /v1/widget/{shop}/redeem`: `{"reward"}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct Redemption {
    /// The id of one of the program's rewards.
    pub reward: Id,
}

/// `POST /v1/widget/{shop}/credit`: `{"amount_minor"}`, the store credit
/// to spend as a checkout code (minor units of the program's currency).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct CreditSpend {
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = crate::program::MAX_AMOUNT)))]
    pub amount_minor: i64,
}

impl CreditSpend {
    pub fn from_value(value: &Value) -> Result<Self, Vec<Problem>> {
        let mut check = Check::default();
        let root = Path::Root;
        let amount = check
            .object(value, root, &["amount_minor"])
            .and_then(|map| check.required(map, root, "amount_minor"))
            .and_then(|v| check.int(v, root.key("amount_minor"), 1, crate::program::MAX_AMOUNT));
        check.finish(amount.map(|amount_minor| Self { amount_minor }))
    }
}

/// `PUT …/members/{member_id}/consent`: `{"status"}`, what the merchant
/// records from the shop's own consent tool.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct ConsentChange {
    pub status: MerchantConsent,
}

/// What a merchant may record: the shopper opted out of the program, or
/// asked to rejoin it. (Leaving is the shopper's own act, in the widget.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MerchantConsent {
    Enrolled,
    OptedOut,
}

impl MerchantConsent {
    pub fn consent(self) -> Consent {
        match self {
            Self::Enrolled => Consent::Enrolled,
            Self::OptedOut => Consent::OptedOut,
        }
    }
}

impl ConsentChange {
    pub fn from_value(value: &Value) -> Result<Self, Vec<Problem>> {
        let mut check = Check::default();
        let root = Path::Root;
        let path = root.key("status");
        let text = check
            .object(value, root, &["status"])
            .and_then(|map| check.required(map, root, "status"))
            .and_then(|v| check.string(v, path, 32));
        let status = match text {
            Some("enrolled") => Some(MerchantConsent::Enrolled),
            Some("opted_out") => Some(MerchantConsent::OptedOut),
            Some(_) => {
                check.report(path, "must be enrolled or opted_out");
                None
            }
            None => None,
        };
        check.finish(status.map(|status| Self { status }))
    }
}

impl NewShop {
    pub fn from_value(value: &Value) -> Result<Self, Vec<Problem>> {
        let mut check = Check::default();
        let root = Path::Root;
        let shop = check
            .object(value, root, &["shop"])
            .and_then(|map| check.required(map, root, "shop"))
            .and_then(|v| check.id(v, root.key("shop")));
        check.finish(shop.map(|shop| Self { shop }))
    }
}

impl Adjustment {
    pub fn from_value(value: &Value) -> Result<Self, Vec<Problem>> {
        let mut check = Check::default();
        let root = Path::Root;
        let Some(map) = check.object(value, root, &["id", "points", "reason"]) else {
            return check.finish(None);
        };
        let id = check
            .required(map, root, "id")
            .and_then(|v| check.id(v, root.key("id")));
        let points = check
            .required(map, root, "points")
            .and_then(|v| check.int(v, root.key("points"), -MAX_POINTS, MAX_POINTS));
        if points == Some(0) {
            check.report(root.key("points"), "must not be 0");
        }
        let reason = check
            .required(map, root, "reason")
            .and_then(|v| check.string(v, root.key("reason"), MAX_REASON));
        let adjustment = match (id, points, reason) {
            (Some(id), Some(points), Some(reason)) => Some(Self {
                id,
                points,
                reason: reason.to_owned(),
            }),
            _ => None,
        };
        check.finish(adjustment)
    }
}

impl Redemption {
    pub fn from_value(value: &Value) -> Result<Self, Vec<Problem>> {
        let mut check = Check::default();
        let root = Path::Root;
        let reward = check
            .object(value, root, &["reward"])
            .and_then(|map| check.required(map, root, "reward"))
            .and_then(|v| check.id(v, root.key("reward")));
        check.finish(reward.map(|reward| Self { reward }))
    }
}
