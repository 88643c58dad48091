//! Where an outbound notice goes, as an HTTP request: the merchant's own
//! URL (the event, signed), or an email tool's API with the member's
//! standing as profile fields, as each tool documents it. Pure: the
//! requests are tested natively and against stand-in receivers end to end.
//!
//! - Klaviyo: `POST {base}/api/profile-import` (create or update a
//!   profile), `Authorization: Klaviyo-API-Key <private key>`, `revision:
//!   2026-10-15`, JSON:API body; the member id is the profile's
//!   `external_id`, the standing its `properties` (an erasure sets them to
//!   null, which clears them).
//! - Mailchimp: `PATCH {base}/3.0/lists/{list_id}/members/{subscriber
//!   hash}` (HTTP Basic with the API key), body `{"merge_fields": …}`; the
//!   subscriber hash is the MD5 of the lower-cased e-mail the shop sent
//!   (`member.email_md5`); a member without one, or an erasure, is not
//!   sent (the contact is the merchant's to remove).
//!
//! Invariant: an API key leaves only in the header its tool documents; the
//! body of an email tool's request holds the member's standing and id,
//! nothing else of the notice.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::bodies::OutboundEvent;
use loyalty_rules::notice::Happened;

/// The Klaviyo API revision the requests are written for.
pub const KLAVIYO_REVISION: &str = "2026-10-15";
pub const KLAVIYO_BASE: &str = "https://a.klaviyo.com";

/// What a subscription sends to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The merchant's URL: the event as JSON, signed.
    #[default]
    Webhook,
    /// Klaviyo profile properties.
    Klaviyo,
    /// Mailchimp audience merge fields.
    Mailchimp,
}

impl Kind {
    /// Where requests go when the subscription names no base URL.
    pub fn default_base(self, api_key: &str) -> Option<String> {
        match self {
            Kind::Webhook => None,
            Kind::Klaviyo => Some(KLAVIYO_BASE.to_owned()),
            // The data centre is the key's suffix: `…-us6`.
            Kind::Mailchimp => api_key
                .rsplit_once('-')
                .map(|(_, dc)| dc)
                .filter(|dc| !dc.is_empty() && dc.chars().all(|c| c.is_ascii_alphanumeric()))
                .map(|dc| format!("https://{dc}.api.mailchimp.com")),
        }
    }
}

/// One request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// What a notice comes to for a destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outgoing {
    Send(Request),
    /// Nothing to send (said why): the delivery is done.
    Skip(&'static str),
}

/// The destination of a subscription.
#[derive(Clone, Debug)]
pub struct Destination<'a> {
    pub kind: Kind,
    /// The merchant's URL, or the tool's API base.
    pub url: &'a str,
    pub secret: &'a str,
    pub api_key: &'a str,
    pub list_id: &'a str,
}

impl Destination<'_> {
    /// The request for `event` (whose JSON is `body`), signed at `t`.
    pub fn request(&self, event: &OutboundEvent, body: &str, t: i64, attempt: i64) -> Outgoing {
        match self.kind {
            Kind::Webhook => {
                let signature =
                    crate::auth::hmac_hex(self.secret, format!("{t}.{body}").as_bytes());
                Outgoing::Send(Request {
                    method: "POST",
                    url: self.url.to_owned(),
                    headers: vec![
                        ("content-type", "application/json".to_owned()),
                        ("user-agent", "loyalty-edge-webhooks/1".to_owned()),
                        ("loyalty-signature", format!("t={t},v1={signature}")),
                        ("loyalty-event-id", event.id.clone()),
                        ("loyalty-topic", event.notice.topic().name().to_owned()),
                        ("loyalty-attempt", (attempt + 1).to_string()),
                    ],
                    body: body.to_owned(),
                })
            }
            Kind::Klaviyo => self.klaviyo(event),
            Kind::Mailchimp => self.mailchimp(event),
        }
    }

    fn klaviyo(&self, event: &OutboundEvent) -> Outgoing {
        let properties = match &event.notice.member {
            Some(standing) => json!({
                "loyalty_points": standing.balance,
                "loyalty_pending_points": standing.pending,
                "loyalty_tier": standing.tier_name,
                "loyalty_referral_url": standing.referral_url,
                "loyalty_points_expire_at": standing.points_expire_at,
            }),
            None if matches!(event.notice.happened, Happened::MemberErased {}) => json!({
                "loyalty_points": null, "loyalty_pending_points": null, "loyalty_tier": null,
                "loyalty_referral_url": null, "loyalty_points_expire_at": null,
            }),
            None => return Outgoing::Skip("no standing to send"),
        };
        let body = json!({"data": {"type": "profile", "attributes": {
            "external_id": event.notice.member_id,
            "properties": properties,
        }}});
        Outgoing::Send(Request {
            method: "POST",
            url: format!("{}/api/profile-import", self.url.trim_end_matches('/')),
            headers: vec![
                ("authorization", format!("Klaviyo-API-Key {}", self.api_key)),
                ("revision", KLAVIYO_REVISION.to_owned()),
                ("accept", "application/vnd.api+json".to_owned()),
                ("content-type", "application/vnd.api+json".to_owned()),
            ],
            body: body.to_string(),
        })
    }

    fn mailchimp(&self, event: &OutboundEvent) -> Outgoing {
        let Some(standing) = &event.notice.member else {
            return Outgoing::Skip("an erasure: the contact is the merchant's to remove");
        };
        let Some(hash) = standing.email_md5.as_deref() else {
            return Outgoing::Skip("the member's e-mail MD5 is not known");
        };
        let body = json!({"merge_fields": {
            "LOYPTS": standing.balance,
            "LOYTIER": standing.tier_name.clone().unwrap_or_default(),
            "LOYREF": standing.referral_url,
        }});
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("loyalty:{}", self.api_key));
        Outgoing::Send(Request {
            method: "PATCH",
            url: format!(
                "{}/3.0/lists/{}/members/{hash}",
                self.url.trim_end_matches('/'),
                self.list_id
            ),
            headers: vec![
                ("authorization", format!("Basic {credentials}")),
                ("content-type", "application/json".to_owned()),
            ],
            body: body.to_string(),
        })
    }

    /// Whether an answer's status delivers the notice: any 2xx, and for
    /// Mailchimp a 404 too (the contact is not in the audience: nothing to
    /// update, and sending again changes nothing).
    pub fn delivered(&self, status: u16) -> bool {
        (200..300).contains(&status) || (self.kind == Kind::Mailchimp && status == 404)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use loyalty_rules::Id;
    use loyalty_rules::notice::{Notice, Standing};
    use serde_json::Value;

    fn example_properties() -> Value {
        json!({"loyalty_points": 1250, "loyalty_pending_points": 0, "loyalty_tier": "Gold",
               "loyalty_referral_url": "https://shop.example?ref=R7K2QXM",
               "loyalty_points_expire_at": null})
    }

    fn event(notice: Notice) -> OutboundEvent {
        OutboundEvent {
            id: "ntc_1".into(),
            shop: "demo".into(),
            created_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
                .unwrap(),
            notice,
        }
    }

    fn earned() -> Notice {
        Notice {
            happened: Happened::PointsEarned {
                points: 250,
                source: loyalty_rules::member::EntryKind::Earn,
                event_id: None,
                order_id: None,
            },
            member_id: Id::parse("c-42").unwrap(),
            occurred_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
                .unwrap(),
            member: Some(Standing {
                balance: 1250,
                pending: 0,
                tier_id: Some(Id::parse("gold").unwrap()),
                tier_name: Some("Gold".into()),
                referral_code: "R7K2QXM".into(),
                referral_url: "https://shop.example?ref=R7K2QXM".into(),
                email_md5: Some("62eeb292278cc15f5817cb78f7790b08".into()),
                points_expire_at: None,
            }),
        }
    }

    fn to(kind: Kind) -> Destination<'static> {
        Destination {
            kind,
            url: match kind {
                Kind::Webhook => "https://hooks.example/loyalty",
                Kind::Klaviyo => KLAVIYO_BASE,
                Kind::Mailchimp => "https://us6.api.mailchimp.com",
            },
            secret: "whsec_1",
            api_key: "key-us6",
            list_id: "a1b2c3",
        }
    }

    #[test]
    fn klaviyo_gets_a_profile_import_by_external_id() {
        let Outgoing::Send(request) = to(Kind::Klaviyo).request(&event(earned()), "{}", 0, 0)
        else {
            panic!("sent");
        };
        assert_eq!(
            (request.method, request.url.as_str()),
            ("POST", "https://a.klaviyo.com/api/profile-import")
        );
        assert!(
            request
                .headers
                .contains(&("authorization", "Klaviyo-API-Key key-us6".into()))
        );
        assert!(
            request
                .headers
                .contains(&("revision", KLAVIYO_REVISION.into()))
        );
        let body: Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(
            body,
            json!({"data": {"type": "profile", "attributes": {"external_id": "c-42",
                   "properties": example_properties()}}})
        );
        // An erasure clears the properties.
        let erased = Notice::erased(
            Id::parse("c-42").unwrap(),
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
                .unwrap(),
        );
        let Outgoing::Send(request) = to(Kind::Klaviyo).request(&event(erased), "{}", 0, 0) else {
            panic!("sent");
        };
        let body: Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(
            body["data"]["attributes"]["properties"]["loyalty_points"],
            Value::Null
        );
    }

    #[test]
    fn mailchimp_gets_merge_fields_by_subscriber_hash() {
        let Outgoing::Send(request) = to(Kind::Mailchimp).request(&event(earned()), "{}", 0, 0)
        else {
            panic!("sent");
        };
        assert_eq!(
            (request.method, request.url.as_str()),
            (
                "PATCH",
                "https://us6.api.mailchimp.com/3.0/lists/a1b2c3/members/62eeb292278cc15f5817cb78f7790b08"
            )
        );
        // HTTP Basic, any user name, the key as the password.
        assert!(
            request
                .headers
                .contains(&("authorization", "Basic bG95YWx0eTprZXktdXM2".into()))
        );
        assert_eq!(
            serde_json::from_str::<Value>(&request.body).unwrap(),
            json!({"merge_fields": {"LOYPTS": 1250, "LOYTIER": "Gold",
                                    "LOYREF": "https://shop.example?ref=R7K2QXM"}})
        );
        assert!(to(Kind::Mailchimp).delivered(404));
        assert!(!to(Kind::Klaviyo).delivered(404));
        let mut unknown = earned();
        unknown.member.as_mut().unwrap().email_md5 = None;
        assert!(matches!(
            to(Kind::Mailchimp).request(&event(unknown), "{}", 0, 0),
            Outgoing::Skip(_)
        ));
        assert_eq!(
            Kind::Mailchimp.default_base("0123abc-us21").as_deref(),
            Some("https://us21.api.mailchimp.com")
        );
        assert_eq!(Kind::Mailchimp.default_base("nodatacentre"), None);
    }

    #[test]
    fn a_webhook_is_the_event_signed() {
        let Outgoing::Send(request) =
            to(Kind::Webhook).request(&event(earned()), "{\"a\":1}", 1700000000, 2)
        else {
            panic!("sent");
        };
        let expected = crate::auth::hmac_hex("whsec_1", b"1700000000.{\"a\":1}");
        assert!(
            request
                .headers
                .contains(&("loyalty-signature", format!("t=1700000000,v1={expected}")))
        );
        assert!(request.headers.contains(&("loyalty-attempt", "3".into())));
        assert!(
            request
                .headers
                .contains(&("loyalty-topic", "points_earned".into()))
        );
        assert_eq!(request.body, "{\"a\":1}");
    }
}
