//! What the API document says of each operation beyond its route: names,
//! prose, the types of its query, body and answers, the problems it may
//! answer besides those its route implies, and an example body to paste.
//! One arm per [`Op`]: a new operation does not build until it is described.

use loyalty_rules::document::ProgramDocument;
use loyalty_rules::request::{Adjustment, ConsentChange, CreditSpend, NewShop, Redemption};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use crate::bodies::{
    DailyQuery, DailySeries, DeadLetters, EventsAnswer, EventsBody, Export, Health, HookAnswer,
    LedgerQuery, LocaleQuery, MeQuery, MemberList, MembersQuery, NewWebhook, PlatformConnection,
    PlatformPayload, PlatformSecret, ProgramSaved, ProgramVersions, RecentEvents,
    RecentEventsQuery, Replayed, Results, Setup, Simulation, StoredProgram, Webhook,
    WebhookRemoved, Webhooks, WidgetProgram, WidgetProgramQuery,
};
use crate::model::{
    AdjustAnswer, CodeView, ConsentAnswer, Erased, LedgerPage, RedeemAnswer, Secrets, ViewAnswer,
};
use crate::platforms::Platform;
use crate::routes::Op;

/// A schema of the document's components, by type.
pub type SchemaOf = fn(&mut SchemaGenerator) -> Schema;

pub fn of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// One operation's description.
#[derive(Debug)]
pub struct Operation {
    pub id: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    /// An object type whose members are the query parameters.
    pub query: Option<SchemaOf>,
    /// Whether it needs an `Idempotency-Key` header.
    pub idempotency_key: bool,
    /// The body's type and an example of it.
    pub body: Option<(SchemaOf, fn() -> Value)>,
    /// Successful answers: status, what it means, the body's type.
    pub answers: &'static [(u16, &'static str, Option<SchemaOf>)],
    /// Problems beyond those the route implies (a body's 400, 413 and 422,
    /// a credential's 401, a shopper route's 429).
    pub problems: &'static [u16],
}

const NONE: Operation = Operation {
    id: "",
    summary: "",
    description: "",
    query: None,
    idempotency_key: false,
    body: None,
    answers: &[],
    problems: &[],
};

/// A Shopify `customers/create` payload (the parts this API reads).
fn shopify_example() -> Value {
    json!({"id": 1073339458, "email": "steve.lastnameson@example.com",
           "created_at": "2026-11-23T11:23:46-05:00"})
}

/// One text per platform, in `Platform::ALL`'s order.
fn platform_text(platform: Platform, texts: [&'static str; 3]) -> &'static str {
    texts[Platform::ALL
        .iter()
        .position(|p| *p == platform)
        .expect("every platform is in ALL")]
}

const SHOPIFY_HOOK: &str = "Checks `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body \
    with the connected secret) and turns the `X-Shopify-Topic` into events: `orders/paid` an \
    `order_paid` (shop money; the customer's id is the member; no customer: a guest's order by \
    the email's SHA-256), `orders/cancelled` an `order_cancelled`, `refunds/create` an \
    `order_refunded` of the refunded lines (for the paid order's owner), `customers/create` a \
    `signup`. Event ids come from the order's or customer's id, so Shopify's retries credit \
    once. A paid order's `discount_codes` that are this shop's reward codes are spent \
    (`codes_used`). The mandatory privacy topics: `customers/redact` erases the member and the \
    orders held under their email's hash, `customers/data_request` answers where the export is \
    (`privacy`); `shop/redact` erases every member and every guest's held orders, in the \
    background (`privacy.whole_shop`). Other topics are \
    acknowledged and change nothing. A refusal by the rules is acknowledged with its reason in \
    `results`; a payload missing what an event needs answers 422 naming each field, and \
    nothing is recorded.";

const WOOCOMMERCE_HOOK: &str = "Checks `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw \
    body with the webhook's secret) and reads `X-WC-Webhook-Topic`: `order.created`, \
    `order.updated` and `order.restored` by the order's status (`processing`/`completed`: an \
    `order_paid` of the lines' totals, then an `order_refunded` per listed refund; `cancelled` \
    after payment: an `order_cancelled`; others: nothing), `customer.created` a `signup`. \
    `customer_id` 0 is a guest's order, by the billing email's SHA-256. Coupon codes that are \
    this shop's reward codes are spent. WooCommerce's unsigned ping on saving a webhook \
    (`webhook_id=<id>`) answers 200. A refusal by the rules is acknowledged with its reason in \
    `results`; a payload missing what an event needs answers 422.";

const SHOPWARE_HOOK: &str = "Checks `shopware-shop-signature` (hex HMAC-SHA256 of the raw body \
    with the shop secret) and reads the body's `data.event`: \
    `state_enter.order_transaction.state.paid` (or `checkout.order.placed` already paid) an \
    `order_paid` of the net goods after promotions, `state_enter.order.state.cancelled` an \
    `order_cancelled`, `state_enter.order_transaction.state.refunded` a full `order_refunded`. \
    Without `orderCustomer.customerId` (as Shopware's webhooks come) the order is the email's, \
    held for the signup with its hash. Promotion codes that are this shop's reward codes are \
    spent. A refusal by the rules is acknowledged with its reason in `results`.";

/// An `order_paid` event as a shop's server sends it.
pub fn example_event() -> Value {
    json!({
        "id": "evt-1001", "kind": "order_paid", "member_id": "c-42",
        "occurred_at": "2026-11-23T10:00:00Z",
        "order": {"order_id": "o-1001", "currency": "USD", "subtotal_minor": 12999,
                  "channel": "online",
                  "lines": [{"sku": "boot-1", "category": "shoes", "qty": 1, "unit_price_minor": 8999},
                            {"sku": "sock-2", "category": "socks", "qty": 2, "unit_price_minor": 2000}]},
        "member": {"email_hash": "5d41402abc4b2a76b9719d911017c592", "tags": ["newsletter"]}
    })
}

pub fn describe(op: Op) -> Operation {
    match op {
        Op::Healthz => Operation {
            id: "healthz",
            summary: "Liveness",
            description: "Answers `{\"status\": \"ok\"}` while the worker runs.",
            answers: &[(200, "Running", Some(of::<Health>))],
            ..NONE
        },
        Op::OpenApi => Operation {
            id: "openapi",
            summary: "This document",
            description: "The OpenAPI 3.1 description of the API, generated from the worker's types. \
                          A reader of it is served at `/docs/`.",
            answers: &[(200, "The document", None)],
            ..NONE
        },
        Op::CreateShop => Operation {
            id: "createShop",
            summary: "Create a shop (platform admin)",
            description: "Creates a shop and answers its secrets: the `api_key` for the merchant's \
                          server, the `webhook_secret` that signs events, the `widget_secret` that \
                          signs customer tokens. They are shown once; rotate them to get new ones.",
            body: Some((of::<NewShop>, || json!({"shop": "my-shop"}))),
            answers: &[(
                201,
                "Created; the secrets are shown once",
                Some(of::<Secrets>),
            )],
            problems: &[409],
            ..NONE
        },
        Op::PutProgram => Operation {
            id: "putProgram",
            summary: "Replace the program",
            description: "Validates the whole document and saves it as the shop's next version. \
                          A refused document answers 422 with every problem and its JSON path \
                          (`$.earn_rules[2].effect.points`); nothing changes.",
            body: Some((
                of::<ProgramDocument>,
                loyalty_rules::document::example_program,
            )),
            answers: &[(200, "Saved; its new version", Some(of::<ProgramSaved>))],
            ..NONE
        },
        Op::GetProgram => Operation {
            id: "getProgram",
            summary: "Read the program",
            description: "The program as it was saved, and its version.",
            answers: &[(200, "The program", Some(of::<StoredProgram>))],
            problems: &[404],
            ..NONE
        },
        Op::Simulate => Operation {
            id: "simulate",
            summary: "Answers a draft program would give, stored nowhere",
            description: "Puts the events to a draft program (or the current one), starting from \
                          the members as they are stored, and answers what each event would award. \
                          Nothing is stored: try a rule change before saving it.",
            body: Some((of::<Simulation>, || {
                json!({"program": loyalty_rules::document::example_program(),
                       "events": [example_event()]})
            })),
            answers: &[(200, "One result per event, in order", Some(of::<Results>))],
            problems: &[409],
            ..NONE
        },
        Op::Events => Operation {
            id: "recordEvents",
            summary: "Record one event or a batch of up to 100",
            description: "Awards what the program gives for each event, exactly once per event \
                          `id`: a second delivery answers the first answer with `duplicate: true`; \
                          the same id with another body is refused (409). A batch answers each \
                          event on its own, in order, a problem in place of a refused one. \
                          Authenticate with the api key, or sign the body with the webhook secret.",
            body: Some((of::<EventsBody>, example_event)),
            answers: &[(
                200,
                "The award (or, for a batch, one result per event)",
                Some(of::<EventsAnswer>),
            )],
            problems: &[409],
            ..NONE
        },
        Op::Member => Operation {
            id: "getMember",
            summary: "The member view",
            description: "Balance, pending points, tier and progress, rewards within reach, \
                          codes, badges and referral link, with names in the asked locale.",
            query: Some(of::<LocaleQuery>),
            answers: &[(200, "The member view", Some(of::<ViewAnswer>))],
            problems: &[422],
            ..NONE
        },
        Op::EraseMember => Operation {
            id: "eraseMember",
            summary: "Erase the member (privacy)",
            description: "Removes the member's profile and ledger; the shop's figures keep only \
                          counts.",
            answers: &[(200, "Erased", Some(of::<Erased>))],
            problems: &[404, 422],
            ..NONE
        },
        Op::Ledger => Operation {
            id: "getLedger",
            summary: "The ledger, newest first, paged",
            description: "Every change of the member's points with its reason and lines.",
            query: Some(of::<LedgerQuery>),
            answers: &[(200, "A page of the ledger", Some(of::<LedgerPage>))],
            problems: &[400, 422],
            ..NONE
        },
        Op::Adjust => Operation {
            id: "adjust",
            summary: "A manual adjustment, idempotent by id",
            description: "Adds (or takes away) points with a reason the member sees. A retry with \
                          the same `id` changes nothing more and answers 200.",
            body: Some((
                of::<Adjustment>,
                || json!({"id": "adj-1001", "points": 250, "reason": "Sorry for the late parcel"}),
            )),
            answers: &[
                (201, "Adjusted", Some(of::<AdjustAnswer>)),
                (200, "Already made with this id", Some(of::<AdjustAnswer>)),
            ],
            problems: &[409],
            ..NONE
        },
        Op::Consent => Operation {
            id: "recordConsent",
            summary: "Record a member's consent from the shop's consent tool",
            description: "`opted_out`: the shopper opted out of the program; from then on their \
                          events earn nothing (each answers `not_enrolled`) and redemptions are \
                          refused. `enrolled`: they asked to rejoin. A member never seen is \
                          recorded with that status. Asking for the status held changes nothing \
                          (`changed: false`).",
            body: Some((of::<ConsentChange>, || json!({"status": "opted_out"}))),
            answers: &[(200, "The member's status", Some(of::<ConsentAnswer>))],
            ..NONE
        },
        Op::Export => Operation {
            id: "exportMember",
            summary: "Everything held on the member",
            description: "The member's state, whole ledger and event answers (a data-subject \
                          access request).",
            answers: &[(200, "The export", Some(of::<Export>))],
            problems: &[422],
            ..NONE
        },
        Op::Code => Operation {
            id: "getCode",
            summary: "Check a reward code",
            description: "At checkout: what the code is worth and whether it may be used now.",
            answers: &[(200, "The code", Some(of::<CodeView>))],
            problems: &[404],
            ..NONE
        },
        Op::UseCode => Operation {
            id: "useCode",
            summary: "Spend a code (once)",
            description: "Marks the code used when the order that carried it is placed; a second \
                          use is refused (409).",
            answers: &[(200, "Used", Some(of::<CodeView>))],
            problems: &[404, 409],
            ..NONE
        },
        Op::CancelCode => Operation {
            id: "cancelCode",
            summary: "Cancel an unused code; its points return",
            description: "Cancels a code that was not used; the points spent on it return to \
                          the member.",
            answers: &[(200, "Cancelled", Some(of::<CodeView>))],
            problems: &[404, 409],
            ..NONE
        },
        Op::RotateKeys => Operation {
            id: "rotateKeys",
            summary: "New secrets; the old stop at once",
            description: "Issues a new api key, webhook secret and widget secret. The old ones \
                          stop working at once.",
            answers: &[(200, "The new secrets", Some(of::<Secrets>))],
            ..NONE
        },
        Op::ConnectPlatform(platform) => Operation {
            id: platform_text(
                platform,
                ["connectShopify", "connectWooCommerce", "connectShopware"],
            ),
            summary: platform_text(
                platform,
                [
                    "Connect Shopify's webhooks",
                    "Connect WooCommerce's webhooks",
                    "Connect Shopware's app webhooks",
                ],
            ),
            description: "Stores the secret the platform signs the shop's webhooks with (Shopify: the \
                          app's client secret; WooCommerce: the webhook's secret; Shopware: the shop \
                          secret of the app's registration), in every gate before it answers. Then \
                          point the platform's webhooks at the answer's `webhook_path`. A new secret \
                          replaces the old at once.",
            body: Some((
                of::<PlatformSecret>,
                || json!({"secret": "shpss_0123456789abcdef"}),
            )),
            answers: &[(200, "Connected", Some(of::<PlatformConnection>))],
            ..NONE
        },
        Op::DisconnectPlatform(platform) => Operation {
            id: platform_text(
                platform,
                [
                    "disconnectShopify",
                    "disconnectWooCommerce",
                    "disconnectShopware",
                ],
            ),
            summary: platform_text(
                platform,
                [
                    "Disconnect Shopify's webhooks",
                    "Disconnect WooCommerce's webhooks",
                    "Disconnect Shopware's app webhooks",
                ],
            ),
            description: "Forgets the secret: the platform's webhooks are refused (401) from then on.",
            answers: &[(200, "Disconnected", Some(of::<PlatformConnection>))],
            ..NONE
        },
        Op::PlatformHook(platform) => Operation {
            id: platform_text(
                platform,
                ["shopifyWebhook", "wooCommerceWebhook", "shopwareWebhook"],
            ),
            summary: platform_text(
                platform,
                [
                    "Shopify's webhooks, as Shopify sends them",
                    "WooCommerce's webhooks, as WooCommerce sends them",
                    "Shopware's app webhooks, as Shopware sends them",
                ],
            ),
            description: platform_text(platform, [SHOPIFY_HOOK, WOOCOMMERCE_HOOK, SHOPWARE_HOOK]),
            body: Some((of::<PlatformPayload>, shopify_example)),
            answers: &[(
                200,
                "What became of the webhook's events",
                Some(of::<HookAnswer>),
            )],
            problems: &[409],
            ..NONE
        },
        Op::AddWebhook => Operation {
            id: "addWebhook",
            summary: "Subscribe a URL to loyalty events",
            description: "Each event of the `topics` is POSTed to `url` as JSON (the `webhooks` of this \
                          document), signed `Loyalty-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \
                          \"<t>.<body>\")>` with the secret in this answer (shown once), with \
                          `Loyalty-Event-Id` (the same in every delivery of an event: deduplicate on \
                          it), `Loyalty-Topic` and `Loyalty-Attempt`. A 2xx within 10 s delivers it; \
                          anything else is tried again after 1, 2, 4 … minutes (at most 6 hours \
                          apart), 12 tries over about 20 hours, through restarts; then it is a dead letter \
                          (`GET …/webhooks/dead`) until replayed. Deliveries are not ordered. At most \
                          20 webhooks per shop.",
            body: Some((of::<NewWebhook>, || {
                json!({"url": "https://shop.example/hooks/loyalty",
                          "topics": ["points_earned", "tier_changed"]})
            })),
            answers: &[(
                201,
                "Subscribed; the secret is shown this once",
                Some(of::<Webhook>),
            )],
            problems: &[409],
            ..NONE
        },
        Op::ListWebhooks => Operation {
            id: "listWebhooks",
            summary: "The shop's webhooks",
            description: "Every subscription, without its secret.",
            answers: &[(200, "The webhooks", Some(of::<Webhooks>))],
            ..NONE
        },
        Op::RemoveWebhook => Operation {
            id: "removeWebhook",
            summary: "Unsubscribe",
            description: "Removes the subscription; its pending and dead deliveries go. Idempotent: \
                          `removed: false` when there was none.",
            answers: &[(
                200,
                "Removed (or there was none)",
                Some(of::<WebhookRemoved>),
            )],
            ..NONE
        },
        Op::DeadLetters => Operation {
            id: "deadLetters",
            summary: "Deliveries given up after their last try",
            description: "Oldest first, with what the last try met; each is kept 30 days unless \
                          replayed. The event's body is not shown (it names a member).",
            answers: &[(200, "The dead letters", Some(of::<DeadLetters>))],
            ..NONE
        },
        Op::ReplayDelivery => Operation {
            id: "replayDelivery",
            summary: "Send a dead letter again",
            description: "The delivery starts over: the same event id, a fresh signature, the same \
                          retries.",
            answers: &[(200, "Queued again", Some(of::<Replayed>))],
            ..NONE
        },
        Op::Members => Operation {
            id: "listMembers",
            summary: "The shop's members, searched, sorted and paged",
            description: "Finds members by the beginning of their id, or by their email hash or \
                          referral code exactly; sorts by last activity (default), balance, tier, \
                          joining day or id. Read from the shop's index of members, which follows \
                          each member's writes within seconds (a pooled account's members share its \
                          balance and tier); an erased member leaves it at once.",
            query: Some(of::<MembersQuery>),
            answers: &[(200, "A page of members", Some(of::<MemberList>))],
            problems: &[400, 422],
            ..NONE
        },
        Op::ProgramVersions => Operation {
            id: "programVersions",
            summary: "The program's saved versions, newest first",
            description: "Each version with when it was saved and by which key (a fingerprint: the \
                          first 12 hex digits of the key's SHA-256; `your_key` is the asking key's). \
                          To roll back, read an old version and save it again: it becomes a new \
                          version equal to the old one.",
            answers: &[(200, "The versions", Some(of::<ProgramVersions>))],
            ..NONE
        },
        Op::ProgramVersion => Operation {
            id: "programVersion",
            summary: "One saved version of the program",
            description: "The document as that version saved it.",
            answers: &[(200, "The version", Some(of::<StoredProgram>))],
            problems: &[404, 422],
            ..NONE
        },
        Op::DailyAnalytics => Operation {
            id: "dailyAnalytics",
            summary: "The metrics day by day",
            description: "Every local day from `from` to `to` on the program's clock (UTC until the \
                          program names a `time_zone`): the metrics as the day closed (a day \
                          without a write carries the day before), what the day changed, and the \
                          liability in money at the program's point value. Days are kept two years.",
            query: Some(of::<DailyQuery>),
            answers: &[(200, "The series", Some(of::<DailySeries>))],
            problems: &[400, 422],
            ..NONE
        },
        Op::RecentEvents => Operation {
            id: "recentEvents",
            summary: "The shop's recent events, newest first",
            description: "The events the shop recorded (members' and guests' orders, as parsed), \
                          each with when it arrived, for replaying under a draft program (the \
                          console's backtest). The newest 32,000 or so are kept (2,000 per event-id \
                          shard); `complete` says the pages reached the shop's first event. Events \
                          the rules refused are not kept; an erased member's leave with them; the \
                          schedule's own awards (birthdays) are not events here.",
            query: Some(of::<RecentEventsQuery>),
            answers: &[(200, "A page of events", Some(of::<RecentEvents>))],
            problems: &[400, 422],
            ..NONE
        },
        Op::Setup => Operation {
            id: "setup",
            summary: "The install checklist",
            description: "When each step of the install first happened: a program saved, the \
                          widget loaded from one of the program's allowed origins, the first event \
                          recorded, the first member counted (null: not yet).",
            answers: &[(200, "The checklist", Some(of::<Setup>))],
            ..NONE
        },
        Op::Analytics => Operation {
            id: "analytics",
            summary: "Program analytics, rates in basis points",
            description: "Members, participation, redemption and repeat rates, points issued, \
                          redeemed and outstanding, tier counts, referrals, customer lifetime \
                          value and NPS.",
            answers: &[(
                200,
                "The figures",
                Some(of::<loyalty_rules::analytics::Analytics>),
            )],
            ..NONE
        },
        Op::WidgetProgram => Operation {
            id: "widgetProgram",
            summary: "The public program view",
            description: "What the widget shows a guest: ways to earn, rewards, tiers, referral, \
                          badges, in the asked locale.",
            query: Some(of::<WidgetProgramQuery>),
            answers: &[(200, "The program view", Some(of::<WidgetProgram>))],
            problems: &[400, 404],
            ..NONE
        },
        Op::WidgetMe => Operation {
            id: "widgetMe",
            summary: "The shopper's member view",
            description: "The signed-in shopper's own member view (a customer token signed by the \
                          shop's server).",
            query: Some(of::<MeQuery>),
            answers: &[(200, "The member view", Some(of::<ViewAnswer>))],
            ..NONE
        },
        Op::WidgetLedger => Operation {
            id: "widgetLedger",
            summary: "The shopper's own ledger",
            description: "The signed-in shopper's own ledger, newest first, paged.",
            query: Some(of::<LedgerQuery>),
            answers: &[(200, "A page of the ledger", Some(of::<LedgerPage>))],
            problems: &[400, 422],
            ..NONE
        },
        Op::WidgetRedeem => Operation {
            id: "redeem",
            summary: "Redeem a reward",
            description: "Spends the shopper's points on a reward and answers its code. Send an \
                          `Idempotency-Key`: a retry with the same key answers the same code (200) \
                          and spends nothing more.",
            idempotency_key: true,
            body: Some((of::<Redemption>, || json!({"reward": "five-off"}))),
            answers: &[
                (201, "Redeemed", Some(of::<RedeemAnswer>)),
                (
                    200,
                    "Replayed by the idempotency key",
                    Some(of::<RedeemAnswer>),
                ),
            ],
            problems: &[404, 409],
            ..NONE
        },
        Op::WidgetSpendCredit => Operation {
            id: "spendCredit",
            summary: "Spend store credit as a checkout code",
            description: "Takes `amount_minor` of the shopper's store credit (cashback and \
                          store-credit rewards) and answers a code worth that much off an order \
                          (`credit_minor` negative, `store_credit_minor` what is left); never more \
                          than they hold (409 `insufficient_credit`). Cancelling the code unused \
                          returns the credit. Send an `Idempotency-Key`: a retry with the same key \
                          and amount answers the same code (200).",
            idempotency_key: true,
            body: Some((of::<CreditSpend>, || json!({"amount_minor": 2500}))),
            answers: &[
                (201, "A code of that value", Some(of::<RedeemAnswer>)),
                (
                    200,
                    "Replayed by the idempotency key",
                    Some(of::<RedeemAnswer>),
                ),
            ],
            problems: &[409, 422],
            ..NONE
        },
        Op::WidgetLeave => Operation {
            id: "leaveProgram",
            summary: "The shopper leaves the program",
            description: "From then on their events earn nothing and redemptions are refused; \
                          their points stay. Rejoining is `POST /v1/widget/{shop}/me/join`.",
            answers: &[(200, "The member's status", Some(of::<ConsentAnswer>))],
            ..NONE
        },
        Op::WidgetJoin => Operation {
            id: "joinProgram",
            summary: "The shopper joins (or rejoins) the program",
            description: "An explicit act of the shopper: from then on their events earn again.",
            answers: &[(200, "The member's status", Some(of::<ConsentAnswer>))],
            ..NONE
        },
        Op::Referral => Operation {
            id: "referralRedirect",
            summary: "Referral redirect to the shop",
            description: "The member's referral link: redirects to the program's `shop_url` with \
                          `?ref=<code>`.",
            answers: &[(302, "To shop_url with ?ref=code", None)],
            problems: &[404],
            ..NONE
        },
        // Not documented (development only); described for completeness.
        Op::DevToken => Operation {
            id: "devToken",
            summary: "A customer token for the demo (development only)",
            ..NONE
        },
        Op::DevCalls => Operation {
            id: "devCalls",
            summary: "Calls each of the shop's objects took (development only)",
            ..NONE
        },
    }
}
