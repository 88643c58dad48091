//! Notices: what a change to a member tells the shop's own systems (the
//! outbound webhooks' topics), read from the state before and after the
//! change and the ledger entries it wrote.
//!
//! Invariant: notices are a pure function of the change, so the object
//! that commits a change derives them in the same step and keeps them with
//! it (nothing told is lost, nothing told twice by the derivation itself);
//! every figure in them is an integer, a notice names only its own member,
//! and a member out of the program is told to no one.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::member::{CodeStatus, EntryKind, LedgerEntry, MemberState};
use crate::program::Program;

/// A kind of notice, which the shop subscribes to by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    PointsEarned,
    PointsSpent,
    TierChanged,
    RewardRedeemed,
    CodeUsed,
    PointsExpiring,
    ReferralCredited,
    BadgeEarned,
    MemberErased,
}

impl Topic {
    pub const ALL: [Topic; 9] = [
        Topic::PointsEarned,
        Topic::PointsSpent,
        Topic::TierChanged,
        Topic::RewardRedeemed,
        Topic::CodeUsed,
        Topic::PointsExpiring,
        Topic::ReferralCredited,
        Topic::BadgeEarned,
        Topic::MemberErased,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Topic::PointsEarned => "points_earned",
            Topic::PointsSpent => "points_spent",
            Topic::TierChanged => "tier_changed",
            Topic::RewardRedeemed => "reward_redeemed",
            Topic::CodeUsed => "code_used",
            Topic::PointsExpiring => "points_expiring",
            Topic::ReferralCredited => "referral_credited",
            Topic::BadgeEarned => "badge_earned",
            Topic::MemberErased => "member_erased",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of topics (what some subscription of the shop wants), small
/// enough to travel with every call to a member's object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Topics(pub u16);

impl Topics {
    pub fn of(topics: impl IntoIterator<Item = Topic>) -> Self {
        Self(topics.into_iter().fold(0, |bits, t| bits | t.bit()))
    }

    pub fn contains(self, topic: Topic) -> bool {
        self.0 & topic.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: Topics) -> Topics {
        Topics(self.0 | other.0)
    }
}

/// What happened, by topic, with the topic's own fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "topic", rename_all = "snake_case")]
pub enum Happened {
    /// Points added: by an event (an order, a signup…), a referral, a
    /// positive adjustment.
    PointsEarned {
        points: i64,
        /// What gave them (`earn`, `referral`, `adjustment`).
        source: EntryKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<Id>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_id: Option<Id>,
    },
    /// Points spent on a reward.
    PointsSpent {
        points: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reward_id: Option<String>,
    },
    /// The member's tier is another now (`None`: no tier).
    TierChanged {
        #[serde(default)]
        from: Option<Id>,
        #[serde(default)]
        to: Option<Id>,
    },
    /// A reward redeemed for a code.
    RewardRedeemed {
        reward_id: String,
        code: String,
        points_spent: i64,
    },
    /// A code of this program was used at the shop's checkout.
    CodeUsed { code: String, reward_id: String },
    /// Points will expire unless the member earns or redeems first.
    PointsExpiring {
        points: i64,
        expires_at: DateTime<Utc>,
    },
    /// A referee's qualifying order credited their referrer.
    ReferralCredited { points: i64 },
    /// A badge earned.
    BadgeEarned { badge_id: Id },
    /// The member was erased: forget them too.
    MemberErased {},
}

impl Happened {
    pub fn topic(&self) -> Topic {
        match self {
            Happened::PointsEarned { .. } => Topic::PointsEarned,
            Happened::PointsSpent { .. } => Topic::PointsSpent,
            Happened::TierChanged { .. } => Topic::TierChanged,
            Happened::RewardRedeemed { .. } => Topic::RewardRedeemed,
            Happened::CodeUsed { .. } => Topic::CodeUsed,
            Happened::PointsExpiring { .. } => Topic::PointsExpiring,
            Happened::ReferralCredited { .. } => Topic::ReferralCredited,
            Happened::BadgeEarned { .. } => Topic::BadgeEarned,
            Happened::MemberErased {} => Topic::MemberErased,
        }
    }
}

/// The member as a notice leaves them: what email tools keep on a profile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Standing {
    /// Spendable points.
    pub balance: i64,
    /// Points not spendable yet.
    pub pending: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_id: Option<Id>,
    /// The tier's name in the program's default language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_name: Option<String>,
    pub referral_code: String,
    /// Where their referral link lands (the storefront with `ref=`).
    pub referral_url: String,
    /// The MD5 of their e-mail if the shop sent it (Mailchimp's name for
    /// the contact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_md5: Option<String>,
    /// When the balance expires if nothing happens first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_expire_at: Option<DateTime<Utc>>,
}

/// One notice about one member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notice {
    #[serde(flatten)]
    pub happened: Happened,
    pub member_id: Id,
    pub occurred_at: DateTime<Utc>,
    /// The member after it (absent for `member_erased`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Standing>,
}

impl Notice {
    pub fn topic(&self) -> Topic {
        self.happened.topic()
    }

    /// The notice of an erasure.
    pub fn erased(member_id: Id, now: DateTime<Utc>) -> Self {
        Self {
            happened: Happened::MemberErased {},
            member_id,
            occurred_at: now,
            member: None,
        }
    }
}

/// The member's standing in `state` at `now`.
pub fn standing(
    program: &Program,
    state: &MemberState,
    member: &Id,
    now: DateTime<Utc>,
) -> Standing {
    let balances = state.balances(program, now);
    let profile = state.profile(member);
    let level = state
        .tier_rank_at(program, now)
        .and_then(|rank| program.tiers.as_ref()?.levels.get(rank));
    Standing {
        balance: balances.available,
        pending: balances.pending,
        tier_id: level.map(|l| l.id.clone()),
        tier_name: level.map(|l| l.name.pick(&program.default_locale, "en").to_owned()),
        referral_code: profile.map(|p| p.referral_code.clone()).unwrap_or_default(),
        referral_url: profile
            .map(|p| program.referral_url(&p.referral_code))
            .unwrap_or_default(),
        email_md5: profile.and_then(|p| p.email_md5.clone()),
        points_expire_at: balances.expires_at,
    }
}

/// The notices of a change from `before` to `after` that wrote `entries`,
/// of the `topics` wanted, in the order they happened: points first (per
/// ledger entry), then redemptions, codes used, badges and the tier.
pub fn notices(
    program: &Program,
    before: &MemberState,
    after: &MemberState,
    entries: &[LedgerEntry],
    now: DateTime<Utc>,
    topics: Topics,
) -> Vec<Notice> {
    if topics.is_empty() {
        return Vec::new();
    }
    let mut happened: Vec<(Id, Happened)> = Vec::new();
    for entry in entries {
        let member = entry.member_id.clone();
        match entry.kind {
            EntryKind::Earn | EntryKind::Referral | EntryKind::Adjustment if entry.points > 0 => {
                happened.push((
                    member.clone(),
                    Happened::PointsEarned {
                        points: entry.points,
                        source: entry.kind,
                        event_id: entry.event_id.clone(),
                        order_id: entry.order_id.clone(),
                    },
                ));
                if entry.kind == EntryKind::Referral {
                    happened.push((
                        member,
                        Happened::ReferralCredited {
                            points: entry.points,
                        },
                    ));
                }
            }
            EntryKind::Redeem if entry.points < 0 => happened.push((
                member,
                Happened::PointsSpent {
                    points: entry.points.saturating_neg(),
                    reward_id: entry
                        .note
                        .as_deref()
                        .and_then(|note| note.split(' ').next())
                        .map(str::to_owned),
                },
            )),
            _ => {}
        }
    }
    for (key, record) in &after.redemptions {
        if !before.redemptions.contains_key(key) {
            happened.push((
                record.member_id.clone(),
                Happened::RewardRedeemed {
                    reward_id: record.reward.to_string(),
                    code: record.code.clone(),
                    points_spent: record.points_spent,
                },
            ));
        }
    }
    for code in &after.codes {
        let was_unused = before
            .code(&code.code)
            .is_some_and(|old| old.status == CodeStatus::Unused);
        if was_unused && code.status == CodeStatus::Used {
            happened.push((
                code.member_id.clone(),
                Happened::CodeUsed {
                    code: code.code.clone(),
                    reward_id: code.reward.clone(),
                },
            ));
        }
    }
    let earned: BTreeSet<&Id> = after
        .badges
        .keys()
        .filter(|b| !before.badges.contains_key(*b))
        .collect();
    let owner = entries
        .first()
        .map(|e| e.member_id.clone())
        .or_else(|| after.primary_member());
    if let Some(owner) = &owner {
        for badge in earned {
            happened.push((
                owner.clone(),
                Happened::BadgeEarned {
                    badge_id: badge.clone(),
                },
            ));
        }
    }
    let tier = |state: &MemberState| {
        state
            .tier_rank_at(program, now)
            .and_then(|rank| program.tiers.as_ref()?.levels.get(rank))
            .map(|level| level.id.clone())
    };
    let (from, to) = (tier(before), tier(after));
    if from != to {
        for member in after.profiles.keys() {
            happened.push((
                member.clone(),
                Happened::TierChanged {
                    from: from.clone(),
                    to: to.clone(),
                },
            ));
        }
    }
    // A member out of the program (left, opted out) is told to no one.
    let enrolled = |member: &Id| {
        after
            .profile(member)
            .is_some_and(|p| p.enrollment.is_enrolled())
    };
    happened
        .into_iter()
        .filter(|(member, h)| topics.contains(h.topic()) && enrolled(member))
        .map(|(member, happened)| Notice {
            member: Some(standing(program, after, &member, now)),
            member_id: member,
            occurred_at: now,
            happened,
        })
        .collect()
}
