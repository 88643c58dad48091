//! What the worker and its objects say to each other: one enum of calls per
//! object, each call a request type whose reply type is declared beside it
//! (`ShopOp::Reply`, `MemberOp::Reply`), so both sides compile against the
//! same shapes and no answer is read by field name. The state key of a
//! member call travels in its envelope. Pure, so it builds natively too.

use loyalty_rules::Event;
use loyalty_rules::analytics::MemberFigures;
use loyalty_rules::award::{Answer, ReferralCredit};
use loyalty_rules::member::LedgerEntry;
use loyalty_rules::notice::{Notice, Topic, Topics};
use loyalty_rules::redemption::Redemption;
use loyalty_rules::view::MemberView;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Declares an object's calls: the enum the object dispatches on, a trait
/// that gives each request its reply type, and the conversions.
macro_rules! calls {
    ($(#[$meta:meta])* $enum:ident, $trait:ident { $($variant:ident($request:ty) -> $reply:ty,)* }) => {
        $(#[$meta])*
        // A call is built once and serialized at once: the size of its
        // largest variant costs nothing worth a box.
        #[allow(clippy::large_enum_variant)]
        #[derive(Clone, Debug, Serialize, Deserialize)]
        #[serde(tag = "call", content = "with", rename_all = "snake_case")]
        pub enum $enum {
            $($variant($request),)*
        }

        /// A request to the object, and the type of its reply.
        pub trait $trait: Into<$enum> {
            type Reply: Serialize + DeserializeOwned;
        }

        $(
            impl From<$request> for $enum {
                fn from(request: $request) -> Self {
                    Self::$variant(request)
                }
            }

            impl $trait for $request {
                type Reply = $reply;
            }
        )*
    };
}

calls! {
    /// The calls the shop's object answers.
    ShopCall, ShopOp {
        Create(CreateShop) -> Secrets,
        Rotate(RotateKeys) -> Secrets,
        Copy(CopyRequest) -> Option<ShopCopy>,
        Figures(Figures) -> (),
        PutProgram(PutProgram) -> u64,
        KeyOf(KeyOf) -> BoundKey,
        Unbind(Unbind) -> (),
        Erased(ErasedState) -> (),
        Report(Report) -> (),
        Analytics(AnalyticsRequest) -> loyalty_rules::analytics::Analytics,
        ProgramDocument(ProgramDocument) -> Option<String>,
        DevToken(DevToken) -> String,
        Calls(CallsRequest) -> u64,
        Connect(ConnectPlatform) -> (),
        AddWebhook(AddWebhook) -> Subscription,
        RemoveWebhook(RemoveWebhook) -> bool,
        Webhooks(ListWebhooks) -> Vec<Subscription>,
        Tick(Tick) -> TickDone,
        Redact(RedactShop) -> (),
        Guest(GuestSeen) -> (),
        Members(MembersRequest) -> crate::bodies::MemberList,
        Versions(ListVersions) -> Vec<crate::bodies::ProgramVersion>,
        Daily(DailyRequest) -> DailyDays,
        First(First) -> (),
        Setup(SetupRequest) -> Firsts,
    }
}

calls! {
    /// The calls the shop's outbound object answers (one per shop): it
    /// keeps a copy of the subscriptions and every delivery until it is
    /// answered 2xx or given up.
    HookCall, HookOp {
        Subscriptions(Subscriptions) -> (),
        Notify(Notify) -> (),
        Forget(HooksForget) -> (),
        Dead(DeadRequest) -> crate::bodies::DeadLetters,
        Replay(ReplayRequest) -> crate::bodies::Replayed,
    }
}

calls! {
    /// The calls a shop's gate answers (one of `keys::GATES` per shop).
    GateCall, GateOp {
        Door(ContextRequest) -> Context,
        Copy(ShopCopy) -> (),
        Release(ClaimRequest) -> (),
        Index(Index) -> (),
        Forget(Forget) -> (),
        LookupCode(LookupCode) -> Option<String>,
        LookupReferral(LookupReferral) -> Option<String>,
        LookupOrder(LookupOrder) -> Option<String>,
        Calls(CallsRequest) -> u64,
        Journal(JournalPage) -> JournalRows,
    }
}

calls! {
    /// The calls a member's (or pooled account's) object answers.
    MemberCall, MemberOp {
        Apply(ApplyRequest) -> ApplyReply,
        View(ViewRequest) -> ViewAnswer,
        Ledger(LedgerRequest) -> LedgerPage,
        Redeem(RedeemRequest) -> RedeemAnswer,
        Adjust(AdjustRequest) -> AdjustAnswer,
        Code(CodeRequest) -> CodeView,
        Credit(CreditRequest) -> Value,
        Profile(ProfileRequest) -> Profile,
        State(StateRequest) -> loyalty_rules::member::MemberState,
        Export(ExportRequest) -> crate::bodies::Export,
        Erase(EraseRequest) -> Erased,
        ForgetMember(ForgetMember) -> (),
        Consent(ConsentRequest) -> ConsentAnswer,
        Hold(HoldRequest) -> Held,
        ClaimGuest(ClaimGuest) -> Vec<Event>,
        ForgetGuest(ForgetGuest) -> (),
        Scheduled(ScheduledRequest) -> Option<Report>,
        EraseState(EraseState) -> u64,
    }
}

/// A member call with the state key it is for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberEnvelope {
    pub key: String,
    pub call: MemberCall,
}

/// Creates the shop.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateShop {
    pub shop: String,
}

/// Issues new secrets; the old ones stop working at once.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RotateKeys {}

/// Stores a new program version (answers its number).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PutProgram {
    pub doc: String,
    pub pooling: bool,
    /// Who saves it (`bodies::ProgramVersion::saved_by`).
    pub saved_by: String,
}

/// A page of the list of members (after taking the reports the worker
/// carried, as analytics does).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MembersRequest {
    #[serde(default)]
    pub reports: Vec<Report>,
    pub query: crate::roster::Query,
}

/// The saved versions of the program, newest first.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ListVersions {}

/// The days recorded from `from` to `to` (after taking the reports the
/// worker carried).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DailyRequest {
    #[serde(default)]
    pub reports: Vec<Report>,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

/// The days recorded in a span, and the metrics of the last day recorded
/// before it (what its first days carry).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DailyDays {
    pub before: Option<loyalty_rules::analytics::Metrics>,
    pub days: std::collections::BTreeMap<chrono::NaiveDate, loyalty_rules::analytics::DayRecord>,
}

/// The owner of a platform order (`member:<id>` or `guest:<email hash>`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LookupOrder {
    pub order: String,
}

/// The state key a reward code belongs to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LookupCode {
    pub code: String,
}

/// The member a referral code belongs to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LookupReferral {
    pub code: String,
}

/// A member's state key (its pooled account's, once bound). With `bind`
/// (an event of the member, on a pooling program), a member seen for the
/// first time is bound: to `account`, or to their own state without one, so
/// an event naming another account goes to the bound state, whose rules
/// refuse it (`account_id_immutable`) before anything changes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct KeyOf {
    pub member: String,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub bind: bool,
}

/// A member's state key, and whether this call bound it (a binding made
/// for an event that is then refused is dropped again).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BoundKey {
    pub key: String,
    #[serde(default)]
    pub fresh: bool,
}

/// Drops a binding `KeyOf` made for an event that was then refused (a
/// refused event changes nothing), unless the member's state holds them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Unbind {
    pub member: String,
}

/// A member was erased from the state under `key`: their account binding
/// goes, and the state's figures (the state's report, or, when no one is
/// left, the anonymous totals of its last figures).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErasedState {
    pub member: String,
    pub key: String,
    pub emptied: bool,
    #[serde(default)]
    pub report: Option<Report>,
}

/// What a gate forgets of an erased member: their event ids' claims keep
/// only the id and the fingerprint, marked as of an erased member; their
/// reward codes and referral code leave the index (and KV).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Forget {
    #[serde(default)]
    pub event_ids: Vec<String>,
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub referrals: Vec<String>,
    /// Platform orders whose owner the index names.
    #[serde(default)]
    pub orders: Vec<String>,
    /// Events that leave the journal of recent events only (a guest's
    /// orders whose hold ended: their claims stay as they are).
    #[serde(default)]
    pub journal: Vec<String>,
    /// An erased member that journaled events of others name as their
    /// referrer (a referee's signup): they leave those events.
    #[serde(default)]
    pub mentions: Vec<String>,
}

/// Another state forgets an erased member (their referrer's, a referee's).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ForgetMember {
    pub shop: String,
    pub member: String,
}

/// The shop's analytics (after taking the reports the worker carried).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AnalyticsRequest {
    #[serde(default)]
    pub reports: Vec<Report>,
}

/// Figures-only reports of member objects that a worker carried, delivered
/// together (each is kept in its member's state row too, so losing one only delays it).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Figures {
    pub reports: Vec<Report>,
}

/// A gate's copy of the shop's facts, asked by a gate that has none.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CopyRequest {}

/// How many calls the object took since it started (development only: the
/// test that no object takes more than its share).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CallsRequest {}

/// What a gate needs of the shop to decide a request on its own: the
/// credentials (the API key hashed), the current program version and whether
/// it pools accounts. `epoch` rises with every change, so a gate keeps the
/// newest copy whatever order pushes and pulls arrive in.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ShopCopy {
    pub shop: String,
    pub epoch: u64,
    pub api_key_hash: String,
    pub webhook_secret: String,
    pub widget_secret: String,
    pub program_version: u64,
    pub pooling: bool,
    /// The secrets shop platforms sign their webhooks with, by platform.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub platforms: std::collections::BTreeMap<String, String>,
    /// The topics some outbound subscription wants: member objects derive
    /// only these notices.
    #[serde(default)]
    pub topics: Topics,
    /// When the install checklist's steps first happened.
    #[serde(default)]
    pub firsts: Firsts,
}

/// When each step of the install checklist first happened (in the gates'
/// copies too, so a request knows without asking whether it is the first).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct Firsts {
    /// The widget's first load from one of the program's allowed origins.
    #[serde(default)]
    pub widget_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The first event recorded (not refused).
    #[serde(default)]
    pub event_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The first member counted.
    #[serde(default)]
    pub member_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A step of the install checklist happened (recorded the first time only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum First {
    Widget,
    Event,
}

/// The install checklist as it stands (after taking the reports the
/// worker carried, which may count the first member).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SetupRequest {
    #[serde(default)]
    pub reports: Vec<Report>,
}

/// The shop's customers are to be erased, every one (a platform's
/// `shop/redact`): the shop object's alarm walks its states and guests.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RedactShop {
    pub program: ProgramRef,
}

/// A guest object came to hold something (`present`), or was wiped: the
/// shop object's list of guest objects, for a whole shop's erasure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GuestSeen {
    pub key: String,
    pub present: bool,
}

/// Erases every member of a state (answers how many).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EraseState {
    pub shop: String,
    pub program: ProgramRef,
}

/// The schedule's hourly call: the shop object acts on the days of its
/// calendar that came since it last did.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Tick {}

/// What a tick did.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TickDone {
    /// The shop's local days acted on, in order.
    pub days: Vec<chrono::NaiveDate>,
    /// Entries of the index handed to members' objects.
    pub handed: u64,
    /// Work left for the next call (the shop object's alarm makes it).
    pub more: bool,
}

/// An occasion of the schedule for one member, on the shop's local `today`:
/// the member's object decides from its state whether it is due.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScheduledRequest {
    pub program: ProgramRef,
    pub member: String,
    pub occasion: loyalty_rules::schedule::Occasion,
    pub today: chrono::NaiveDate,
}

/// One outbound subscription: where, which topics, the secret its
/// deliveries are signed with (shown once, when it is made).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    /// The merchant's URL, or the email tool's API base.
    pub url: String,
    pub topics: Vec<Topic>,
    /// Signs a webhook's deliveries (empty for an email tool).
    pub secret: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub kind: crate::destinations::Kind,
    /// An email tool's API key (never shown again).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_key: String,
    /// Mailchimp's audience.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub list_id: String,
}

impl Subscription {
    pub fn destination(&self) -> crate::destinations::Destination<'_> {
        crate::destinations::Destination {
            kind: self.kind,
            url: &self.url,
            secret: &self.secret,
            api_key: &self.api_key,
            list_id: &self.list_id,
        }
    }
}

/// Adds a subscription (in every gate's topics before it answers).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AddWebhook {
    pub url: String,
    pub topics: Vec<Topic>,
    pub kind: crate::destinations::Kind,
    pub api_key: String,
    pub list_id: String,
}

/// Removes a subscription by id (whether there was one).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RemoveWebhook {
    pub id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ListWebhooks {}

/// The shop object's subscriptions, pushed to the outbound object after
/// each change (`epoch` orders the pushes).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Subscriptions {
    pub shop: String,
    pub epoch: u64,
    pub list: Vec<Subscription>,
}

/// A notice with its id, the same in every delivery of it (the receiver's
/// idempotency key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    pub id: String,
    pub notice: Notice,
}

/// Notices from a member's object, for the subscriptions that want them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Notify {
    pub shop: String,
    pub notices: Vec<Stamped>,
}

/// A member was erased: every delivery about them goes, then the notice
/// of the erasure is delivered.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HooksForget {
    pub shop: String,
    pub member: String,
    pub notice: Stamped,
    /// Whether a subscription wants `member_erased`.
    pub wanted: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DeadRequest {}

/// Sends a dead delivery again from its first try.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplayRequest {
    pub delivery: i64,
}

/// Stores (or, with no secret, forgets) the secret a platform signs the
/// shop's webhooks with; in every gate before it answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConnectPlatform {
    pub platform: String,
    pub secret: Option<String>,
}

/// A program version's document (`None`: no such version).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProgramDocument {
    pub version: u64,
}

/// A customer token for the development pages.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DevToken {
    pub member: String,
}

/// A member's profile as a referral check needs it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProfileRequest {
    pub member: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Profile {
    pub email_hash: Option<String>,
}

/// The state (the cart preview's and `simulate`'s input); with `member`,
/// only that member's own records and what the account shares.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StateRequest {
    #[serde(default)]
    pub member: Option<String>,
}

/// Everything held on a member.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExportRequest {
    pub member: String,
}

/// Erases a member.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EraseRequest {
    pub shop: String,
    pub member: String,
    /// The program: whether it pools accounts (where the referrer's and
    /// the referees' states are), the figures of a pooled account that stays.
    pub program: ProgramRef,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct Erased {
    pub member_id: String,
    pub erased: bool,
}

// ---------------------------------------------------------------- the shop's shapes

/// The secrets as shown once, at creation and rotation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[cfg_attr(not(target_arch = "wasm32"), schemars(example = serde_json::json!({
    "shop": "my-shop",
    "api_key": "lk_live_3f9c2a7d1e6b48c0a5d9e2f71b4c8a60",
    "webhook_secret": "whsec_8d2e5b1f9a7c4e3086b1d5f2a9c7e4b1",
    "widget_secret": "wdgt_c4a1e8f3b7d2960e5a1c8f4b2d7e9a36"
})))]
pub struct Secrets {
    pub shop: String,
    pub api_key: String,
    pub webhook_secret: String,
    pub widget_secret: String,
}

/// Who is calling, as the worker saw it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credential {
    /// The worker checked the deployment's admin token itself.
    Admin,
    ApiKey {
        key: String,
    },
    Signature {
        header: String,
        body: String,
    },
    Customer {
        token: String,
    },
    /// A shop platform's webhook signature over the body.
    Platform {
        platform: String,
        signature: String,
        body: String,
    },
    Guest,
}

/// Claims an event id for one delivery: the id and the fingerprint of the
/// body are all a claim keeps (the event's member is in the body, so the
/// same id for another member is another fingerprint: a conflict).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClaimRequest {
    pub event_id: String,
    pub fingerprint: String,
    /// The event as recorded (`bodies::Recorded`, as JSON), for the journal
    /// of recent events a new claim is kept in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
}

/// A page of a gate's journal of recent events: its newest `limit + 1`
/// entries before the cursor (`value`: when received, in milliseconds;
/// `key`: the event id).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JournalPage {
    pub before: Option<crate::roster::Cursor>,
    pub limit: u32,
}

/// An entry of a gate's journal.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JournalRow {
    pub id: String,
    pub at: i64,
    /// `bodies::Recorded` as JSON.
    pub v: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JournalRows {
    pub rows: Vec<JournalRow>,
    /// Whether the gate ever let old entries go (a backtest then covers
    /// less than the shop's whole history).
    pub trimmed: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    New,
    Same,
    Conflict,
    /// The same body as a claim whose member was erased since: a
    /// duplicate, with nothing to answer from.
    Erased,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claim {
    pub status: ClaimStatus,
}

/// What the worker asks a gate: check this credential, count this request
/// in its rate window, claim these ids.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ContextRequest {
    pub credential: Option<Credential>,
    /// Count this request against the rate window of this key (the one the
    /// worker chose the gate by): `member:<id>` is counted only when the
    /// customer token is valid for that member, else `uncounted` is set.
    #[serde(default)]
    pub rate_key: Option<String>,
    #[serde(default)]
    pub claims: Vec<ClaimRequest>,
}

/// A gate's decision.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Context {
    pub admin: bool,
    pub merchant: bool,
    /// The member a valid customer token names.
    pub customer: Option<String>,
    pub program_version: u64,
    /// Whether the program pools accounts: state keys then come from the
    /// shop object, else a member's own (`api::state_key`).
    pub pooling: bool,
    pub claims: Vec<Claim>,
    /// The topics the shop's subscriptions want.
    #[serde(default)]
    pub topics: Topics,
    /// The rate key named a member the token does not prove: nothing was
    /// counted (count the visitor's address instead).
    pub uncounted: bool,
    /// Whether the widget's first load and the first event are recorded
    /// (the first of each tells the shop object).
    #[serde(default)]
    pub seen_widget: bool,
    #[serde(default)]
    pub seen_event: bool,
}

/// Index entries a member object writes, each to the gate its code chooses
/// (`keys::code_gate`, `keys::referral_gate`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Index {
    /// Reward codes and the state key that holds each.
    #[serde(default)]
    pub codes: Vec<(String, String)>,
    /// Referral codes and the member each belongs to.
    #[serde(default)]
    pub referrals: Vec<(String, String)>,
    /// Platform orders and their owner (`member:<id>` or `guest:<email
    /// hash>`), for the platform's refunds, which name only the order.
    #[serde(default)]
    pub orders: Vec<(String, String)>,
}

impl Index {
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty() && self.referrals.is_empty() && self.orders.is_empty()
    }
}

/// What member objects report to the shop object after each write: the
/// state's figures for the analytics.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Report {
    pub key: String,
    pub revision: u64,
    #[serde(default)]
    pub figures: Option<MemberFigures>,
}

// ---------------------------------------------------------------- the member's shapes

/// The program as the worker passes it to the object (the document is left
/// out when the worker had it cached).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProgramRef {
    pub shop: String,
    pub version: u64,
    pub doc: String,
    /// The notices the shop's subscriptions want (none: none derived).
    #[serde(default)]
    pub topics: Topics,
}

/// A signup's referral code, as the worker resolved it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReferrerWire {
    None,
    Unknown,
    Member {
        member_id: String,
        email_hash: Option<String>,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApplyRequest {
    pub program: ProgramRef,
    pub event: Event,
    pub referrer: ReferrerWire,
    /// A signup: the guest orders its email hash's object handed over, to
    /// credit with it (those this state answered already are skipped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guest_orders: Vec<Event>,
}

/// A guest's order, to the object of its email hash.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldRequest {
    pub program: ProgramRef,
    pub event: loyalty_rules::event::GuestEvent,
}

/// What the guest object did with a guest's order.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum Held {
    /// Held: the answer to give.
    Held { answer: Box<Answer> },
    /// The hash belongs to this member: apply it as theirs.
    Member { member: String },
}

/// A signup's claim of the orders held under its email hash.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClaimGuest {
    pub program: ProgramRef,
    pub member: String,
}

/// The erasure of the member who claimed a hash: everything held under it
/// goes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ForgetGuest {}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ViewRequest {
    pub program: ProgramRef,
    pub member: String,
    pub locale: String,
    pub referral_base: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct ViewAnswer {
    #[serde(flatten)]
    pub view: MemberView,
    pub revision: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LedgerRequest {
    pub member: String,
    #[serde(default)]
    pub cursor: Option<u64>,
    #[serde(default)]
    pub limit: Option<u64>,
    /// Only this member's entries (a pooled account holds several members').
    #[serde(default)]
    pub own_only: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RedeemRequest {
    pub program: ProgramRef,
    pub member: String,
    /// A reward's id; or, with `credit_minor`, store credit spent as a
    /// checkout code of that value.
    pub reward: String,
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_minor: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct RedeemAnswer {
    #[serde(flatten)]
    pub redemption: Redemption,
    pub replayed: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AdjustRequest {
    pub program: ProgramRef,
    pub member: String,
    pub id: String,
    pub points: i64,
    pub reason: String,
}

/// A manual adjustment as made (or, with `duplicate`, as made before).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[cfg_attr(not(target_arch = "wasm32"), schemars(example = serde_json::json!({
    "id": "adj-1001", "member_id": "c-42", "points": 250, "balance": 468, "duplicate": false
})))]
pub struct AdjustAnswer {
    pub id: String,
    pub member_id: String,
    pub points: i64,
    pub balance: i64,
    pub duplicate: bool,
}

/// Moves a member in or out of the program.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConsentRequest {
    pub program: ProgramRef,
    pub member: String,
    pub consent: loyalty_rules::privacy::Consent,
}

/// A member's part in the program after a consent change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[cfg_attr(not(target_arch = "wasm32"), schemars(example = serde_json::json!({
    "member_id": "c-42", "enrollment": "opted_out", "changed": true
})))]
pub struct ConsentAnswer {
    pub member_id: String,
    /// `enrolled`, `left` (the shopper left) or `opted_out` (the merchant
    /// recorded an opt-out).
    pub enrollment: String,
    /// Whether this call changed it (asking for the status held changes
    /// nothing).
    pub changed: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeRequest {
    pub program: ProgramRef,
    pub code: String,
    pub action: CodeAction,
}

/// What the merchant does with a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeAction {
    /// Read it.
    Get,
    /// Spend it at checkout (once).
    Use,
    /// Cancel it unused; its points return.
    Cancel,
}

/// A reward code as the merchant checks it at checkout.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(schemars::JsonSchema),
    schemars(rename = "Code")
)]
pub struct CodeView {
    #[serde(flatten)]
    pub code: loyalty_rules::member::IssuedCode,
    /// Unused and not expired: it may be used now.
    pub usable: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreditRequest {
    pub program: ProgramRef,
    pub credit: ReferralCredit,
}

/// The answer to `apply`, with the figures-only report for the worker to
/// carry to the shop object on its next call.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApplyReply {
    pub answer: Answer,
    #[serde(default)]
    pub report: Option<Report>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_carry_their_name_and_arguments() {
        let call: ShopCall = KeyOf {
            member: "c-1".into(),
            account: None,
            bind: true,
        }
        .into();
        let text = serde_json::to_string(&call).unwrap();
        assert_eq!(
            text,
            r#"{"call":"key_of","with":{"member":"c-1","account":null,"bind":true}}"#
        );
        let envelope = MemberEnvelope {
            key: "member:c-1".into(),
            call: ExportRequest {
                member: "c-1".into(),
            }
            .into(),
        };
        let back: MemberEnvelope =
            serde_json::from_str(&serde_json::to_string(&envelope).unwrap()).unwrap();
        assert!(
            matches!(back.call, MemberCall::Export(ExportRequest { ref member }) if member == "c-1")
        );
        assert_eq!(back.key, "member:c-1");
    }
}
