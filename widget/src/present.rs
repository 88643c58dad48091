//! The sentences the panel shows, composed from the API's figures, the
//! language table and a formatter; plain functions, so each sentence is
//! unit-tested without a browser.

use crate::format::{Formats, factor};
use crate::i18n::{Key, Locale, Plural, agree_as, fill, form, plural};
use crate::model::{Challenge, NextTier, WayToEarn};

/// Composes the panel's sentences in one language.
pub struct Texts<'a> {
    pub locale: Locale,
    pub fmt: &'a dyn Formats,
    /// The program's name for points in this language (`نقاط`, `баллы`).
    pub label: &'a str,
}

impl std::fmt::Debug for Texts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Texts")
            .field("locale", &self.locale)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// How the panel shows the distance to the next tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// `aria-valuenow`, 0 to 100.
    pub percent: i64,
    /// "Spend $450.00 more to reach Gold".
    pub sentence: String,
    /// The progress bar's accessible name: "Progress to Gold".
    pub label: String,
}

/// How the panel shows a challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeText {
    /// `aria-valuenow`, 0 to 100.
    pub percent: i64,
    /// "1 of 2", "$120.00 of $200.00".
    pub of: String,
    /// "Ends 31 Dec 2026" (its last day on the shop's clock).
    pub ends: Option<String>,
    /// "Reward: +150 points", or that it is done.
    pub reward: String,
}

impl Texts<'_> {
    /// A challenge's progress, last day and reward.
    pub fn challenge(&self, challenge: &Challenge) -> ChallengeText {
        let figure = |n: i64| {
            if challenge.goal == "spend" {
                self.fmt.money(n)
            } else {
                self.fmt.number(n)
            }
        };
        let of = self.fill(
            Key::ChallengeOf,
            &[
                ("done", &figure(challenge.progress.min(challenge.target))),
                ("target", &figure(challenge.target)),
            ],
        );
        let points = self.fmt.number(challenge.points);
        let label = self.label_for(challenge.points);
        let reward = match (&challenge.badge, challenge.points) {
            _ if challenge.reached => self.get(Key::ChallengeDone).to_owned(),
            (Some(badge), 0) => self.fill(Key::ChallengeBadgeOnly, &[("badge", badge)]),
            (Some(badge), _) => self.fill(
                Key::ChallengeRewardBadge,
                &[("points", &points), ("label", &label), ("badge", badge)],
            ),
            (None, _) => self.fill(
                Key::ChallengeReward,
                &[("points", &points), ("label", &label)],
            ),
        };
        ChallengeText {
            percent: challenge.progress_bp.clamp(0, 10_000) / 100,
            of,
            ends: challenge
                .ends_at
                .as_deref()
                .map(|end| self.fill(Key::ChallengeEnds, &[("date", &self.fmt.last_day(end))])),
            reward,
        }
    }

    pub fn get(&self, key: Key) -> &'static str {
        self.locale.text(key)
    }

    /// A text with named values, in this language.
    pub fn fill(&self, key: Key, values: &[(&str, &str)]) -> String {
        fill(form(self.get(key), self.locale, Plural::Other), values)
    }

    /// The plural category of `n` here: the browser's rules, else the
    /// panel's own for its three languages.
    pub fn category(&self, n: i64) -> Plural {
        self.fmt.plural(n).unwrap_or_else(|| plural(self.locale, n))
    }

    /// A text that agrees with the count `n`, with named values.
    pub fn fill_counted(&self, key: Key, n: i64, values: &[(&str, &str)]) -> String {
        fill(form(self.get(key), self.locale, self.category(n)), values)
    }

    /// "1,250 points".
    pub fn points(&self, points: i64) -> String {
        self.with_points(Key::PointsAmount, points)
    }

    fn with_points(&self, key: Key, points: i64) -> String {
        self.fill(
            key,
            &[
                ("points", &self.fmt.number(points)),
                ("label", &self.label_for(points)),
            ],
        )
    }

    /// The name of points in agreement with a number of them.
    pub fn label_for(&self, points: i64) -> String {
        agree_as(self.locale, self.label, self.category(points))
    }

    /// "This cart earns 279 points"; to a guest, what joining would bring.
    pub fn cart_earns(&self, points: i64, member: bool) -> String {
        let key = if member {
            Key::CartEarns
        } else {
            Key::CartEarnsGuest
        };
        self.with_points(key, points)
    }

    /// "Add $12.00 more for +200 points".
    pub fn cart_hint(&self, missing_minor: i64, points: i64) -> String {
        self.fill(
            Key::CartHint,
            &[
                ("amount", &self.fmt.money(missing_minor)),
                ("points", &self.fmt.number(points)),
                ("label", &self.label_for(points)),
            ],
        )
    }

    pub fn pending(&self, points: i64) -> String {
        self.with_points(Key::Pending, points)
    }

    pub fn expiring(&self, points: i64, at: &str) -> String {
        self.fill(
            Key::Expiring,
            &[
                ("points", &self.fmt.number(points)),
                ("label", &self.label_for(points)),
                ("date", &self.fmt.date(at)),
            ],
        )
    }

    /// The sentence and the bar for the next tier, by the tier's metric.
    pub fn progress(&self, next: &NextTier) -> Progress {
        let tier = next.name.as_str();
        let remaining = next.remaining.max(0);
        let sentence = match next.metric.as_str() {
            "spend" => self.fill(
                Key::SpendMore,
                &[("amount", &self.fmt.money(remaining)), ("tier", tier)],
            ),
            "orders" => self.fill_counted(
                Key::OrdersMore,
                remaining,
                &[("count", &self.fmt.number(remaining)), ("tier", tier)],
            ),
            _ => self.fill(
                Key::EarnMore,
                &[
                    ("points", &self.fmt.number(remaining)),
                    ("label", &self.label_for(remaining)),
                    ("tier", tier),
                ],
            ),
        };
        Progress {
            percent: next.progress_bp.clamp(0, 10_000) / 100,
            sentence,
            label: self.fill(Key::ProgressTo, &[("tier", tier)]),
        }
    }

    /// What reaching a tier takes: "Spend $500.00".
    /// A level kept by its grace: "Gold until 12 Mar 2027: spend $150.00
    /// more to keep it"; `None` when it is not held by grace.
    pub fn grace(&self, metric: &str, tier: &crate::model::TierRef) -> Option<String> {
        let until = tier.grace_until.as_deref()?;
        let date = self.fmt.date(until);
        let (name, more) = (tier.name.as_str(), tier.keep_remaining.max(0));
        Some(match metric {
            "spend" => self.fill(
                Key::TierGraceSpend,
                &[
                    ("tier", name),
                    ("date", &date),
                    ("amount", &self.fmt.money(more)),
                ],
            ),
            "orders" => self.fill_counted(
                Key::TierGraceOrders,
                more,
                &[
                    ("tier", name),
                    ("date", &date),
                    ("count", &self.fmt.number(more)),
                ],
            ),
            _ => self.fill(
                Key::TierGracePoints,
                &[
                    ("tier", name),
                    ("date", &date),
                    ("points", &self.fmt.number(more)),
                    ("label", &self.label_for(more)),
                ],
            ),
        })
    }

    /// What holding a level takes: its threshold, or for a paid level its
    /// price (never "Spend $0.00").
    pub fn level_terms(&self, metric: &str, level: &crate::model::Level) -> String {
        match (level.paid, level.price_minor) {
            (true, Some(price)) => {
                self.fill(Key::TierPaidPrice, &[("amount", &self.fmt.money(price))])
            }
            (true, None) => self.get(Key::TierPaid).to_owned(),
            (false, _) => self.threshold(metric, level.threshold),
        }
    }

    pub fn threshold(&self, metric: &str, threshold: i64) -> String {
        match metric {
            "spend" => self.fill(Key::TierSpend, &[("amount", &self.fmt.money(threshold))]),
            "orders" => self.fill_counted(
                Key::TierOrders,
                threshold,
                &[("count", &self.fmt.number(threshold))],
            ),
            _ => self.with_points(Key::TierPoints, threshold),
        }
    }

    /// The heading of a way to earn: its own name, else what triggers it.
    pub fn way_title(&self, way: &WayToEarn) -> String {
        if let Some(name) = way.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return name.to_owned();
        }
        let key = match way.event.as_str() {
            "order_paid" => Key::EventOrder,
            "signup" => Key::EventSignup,
            "review_posted" => Key::EventReview,
            "birthday" => Key::EventBirthday,
            "social_share" => Key::EventShare,
            "quiz_completed" => Key::EventQuiz,
            "survey_completed" => Key::EventSurvey,
            _ => Key::EventOther,
        };
        self.get(key).to_owned()
    }

    /// What a way to earn gives: "1 points per $1.00 spent", "×2 points".
    /// `reward_name` finds a reward's name by id for `issue_reward` rules.
    pub fn way_detail(&self, way: &WayToEarn, reward_name: &dyn Fn(&str) -> String) -> String {
        let points = way.points.unwrap_or_default();
        match way.kind.as_str() {
            "per_amount" => self.fill(
                Key::PerAmount,
                &[
                    ("points", &self.fmt.number(points)),
                    ("label", &self.label_for(points)),
                    ("amount", &self.fmt.money(way.per_minor.unwrap_or(1))),
                ],
            ),
            "multiplier" => self.fill(
                Key::Multiplier,
                &[
                    ("factor", &factor(way.bp.unwrap_or(10_000))),
                    ("label", self.label),
                ],
            ),
            "cashback" => {
                // Basis points of the amount: 500 bp is 5%, 250 bp is 2.5%,
                // and `factor` reads its argument in ten-thousandths.
                let percent = factor(way.bp.unwrap_or_default().saturating_mul(100));
                self.fill(Key::Cashback, &[("percent", &percent)])
            }
            "issue_reward" => {
                let name = reward_name(way.reward.as_deref().unwrap_or_default());
                self.fill(Key::IssueReward, &[("reward", &name)])
            }
            _ => self.with_points(Key::Fixed, points),
        }
    }

    /// The label of a ledger entry's kind.
    pub fn entry_kind(&self, kind: &str) -> &'static str {
        self.get(match kind {
            "earn" => Key::KindEarn,
            "refund" => Key::KindRefund,
            "cancel" => Key::KindCancel,
            "referral" => Key::KindReferral,
            "redeem" => Key::KindRedeem,
            "code_cancelled" => Key::KindCodeCancelled,
            "expiry" => Key::KindExpiry,
            _ => Key::KindAdjustment,
        })
    }

    /// A signed change of points: "+740", "−500".
    pub fn signed_points(&self, points: i64) -> String {
        let number = self.fmt.number(points.saturating_abs());
        // U+2212 MINUS SIGN reads better than a hyphen and is announced as
        // "minus" by screen readers.
        let sign = if points < 0 { '\u{2212}' } else { '+' };
        format!("{sign}{number}")
    }

    /// The confirmation question before a redemption.
    pub fn confirm(&self, reward: &str, cost: i64) -> String {
        self.fill(
            Key::ConfirmRedeem,
            &[
                ("points", &self.fmt.number(cost)),
                ("label", &self.label_for(cost)),
                ("reward", reward),
            ],
        )
    }

    /// Why a reward cannot be redeemed yet, when the member view says so.
    /// `missing_tier` is the tier the reward needs when the member is below
    /// it: that reason comes first, as the edge's `tier_required` does.
    pub fn shortfall(&self, balance: i64, cost: i64, missing_tier: Option<&str>) -> String {
        match missing_tier {
            Some(tier) => self.fill(Key::MinTier, &[("tier", tier)]),
            None => self.with_points(Key::NeedMore, cost.saturating_sub(balance).max(0)),
        }
    }

    pub fn referral(&self, referrer_points: Option<i64>) -> String {
        match referrer_points {
            Some(points) if points > 0 => self.with_points(Key::ReferralText, points),
            _ => self.get(Key::ReferralPlain).to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Plain;

    fn texts(locale: Locale) -> (Plain, Locale) {
        (
            Plain {
                currency: "USD".into(),
            },
            locale,
        )
    }

    fn next(metric: &str, remaining: i64, progress_bp: i64) -> NextTier {
        NextTier {
            id: "gold".into(),
            name: "Gold".into(),
            remaining,
            progress_bp,
            metric: metric.into(),
            benefits: Vec::new(),
        }
    }

    fn winter(goal: &str, progress: i64, target: i64, reached: bool) -> Challenge {
        Challenge {
            id: "winter".into(),
            name: "Winter".into(),
            goal: goal.into(),
            event: "order_paid".into(),
            target,
            progress,
            progress_bp: progress * 10_000 / target,
            ends_at: Some("2027-01-01T00:00:00Z".into()),
            reached,
            points: 500,
            badge: Some("Snowflake".into()),
        }
    }

    #[test]
    fn a_level_kept_by_grace_says_until_when_and_what_keeps_it() {
        let (fmt, _) = texts(Locale::En);
        let en = Texts {
            locale: Locale::En,
            fmt: &fmt,
            label: "points",
        };
        let mut gold = crate::model::TierRef {
            id: "gold".into(),
            name: "Gold".into(),
            benefits: Vec::new(),
            grace_until: Some("2027-03-12T09:59:59Z".into()),
            keep_remaining: 15_000,
        };
        assert_eq!(
            en.grace("spend", &gold).as_deref(),
            Some("Gold until 2027-03-12: spend 150.00 USD more to keep it")
        );
        gold.keep_remaining = 1;
        assert_eq!(
            en.grace("orders", &gold).as_deref(),
            Some("Gold until 2027-03-12: place 1 more order to keep it")
        );
        gold.grace_until = None;
        assert_eq!(en.grace("spend", &gold), None);
    }

    #[test]
    fn a_paid_level_shows_its_price_not_spend_zero() {
        let (fmt, _) = texts(Locale::En);
        let en = Texts {
            locale: Locale::En,
            fmt: &fmt,
            label: "points",
        };
        let mut club = crate::model::Level {
            id: "club".into(),
            name: "Club".into(),
            threshold: 0,
            paid: true,
            benefits: Vec::new(),
            price_minor: Some(4900),
            join_url: None,
        };
        assert_eq!(en.level_terms("spend", &club), "Membership: 49.00 USD");
        club.price_minor = None;
        assert_eq!(en.level_terms("spend", &club), "Paid membership");
        club.paid = false;
        club.threshold = 50_000;
        assert_eq!(en.level_terms("spend", &club), "Spend 500.00 USD");
    }

    #[test]
    fn counts_in_sentences_agree_with_their_number() {
        let (fmt, _) = texts(Locale::En);
        let at = |locale, label| Texts {
            locale,
            fmt: &fmt,
            label,
        };
        let gold = |n| next("orders", n, 0);
        let en = at(Locale::En, "points");
        assert_eq!(
            en.progress(&gold(1)).sentence,
            "Place 1 more order to reach Gold"
        );
        assert_eq!(
            en.progress(&gold(2)).sentence,
            "Place 2 more orders to reach Gold"
        );
        let ru = at(Locale::Ru, "баллы");
        assert_eq!(
            ru.progress(&gold(1)).sentence,
            "Сделайте ещё 1 заказ, чтобы получить уровень Gold"
        );
        assert_eq!(
            ru.progress(&gold(3)).sentence,
            "Сделайте ещё 3 заказа, чтобы получить уровень Gold"
        );
        assert_eq!(
            ru.progress(&gold(11)).sentence,
            "Сделайте ещё 11 заказов, чтобы получить уровень Gold"
        );
        let ar = at(Locale::Ar, "نقاط");
        assert_eq!(
            ar.progress(&gold(1)).sentence,
            "قدّم طلبًا واحدًا إضافيًا للوصول إلى Gold"
        );
        assert_eq!(
            ar.progress(&gold(2)).sentence,
            "قدّم طلبين إضافيين للوصول إلى Gold"
        );
        assert_eq!(
            ar.progress(&gold(4)).sentence,
            "قدّم 4 طلبات إضافية للوصول إلى Gold"
        );
        assert_eq!(
            ar.progress(&gold(11)).sentence,
            "قدّم 11 طلبًا إضافيًا للوصول إلى Gold"
        );
    }

    #[test]
    fn the_cart_hint_says_how_much_more_for_what() {
        let (fmt, _) = texts(Locale::En);
        let texts = |locale, label| Texts {
            locale,
            fmt: &fmt,
            label,
        };
        assert_eq!(
            texts(Locale::En, "points").cart_hint(51_100, 300),
            "Add 511.00 USD more for +300 points"
        );
        assert_eq!(
            texts(Locale::Ru, "баллы").cart_hint(1_200, 21),
            "Добавьте ещё 12.00 USD и получите +21 балл"
        );
        assert_eq!(
            texts(Locale::Ar, "نقاط").cart_hint(1_200, 1),
            "أضف 12.00 USD أخرى لتحصل على +1 نقطة"
        );
    }

    #[test]
    fn a_challenge_says_how_far_until_when_and_for_what() {
        let (fmt, _) = texts(Locale::En);
        let en = Texts {
            locale: Locale::En,
            fmt: &fmt,
            label: "points",
        };
        let text = en.challenge(&winter("count", 1, 3, false));
        assert_eq!(text.percent, 33);
        assert_eq!(text.of, "1 of 3");
        // The period ends at midnight of 1 January: its last day shows.
        assert_eq!(text.ends.as_deref(), Some("Ends 2026-12-31"));
        assert_eq!(text.reward, "Reward: +500 points and the Snowflake badge");
        let spend = en.challenge(&winter("spend", 12_000, 20_000, false));
        assert_eq!(spend.of, "120.00 USD of 200.00 USD");
        assert_eq!(
            en.challenge(&winter("count", 3, 3, true)).reward,
            "Done: the reward is yours"
        );
        let ar = Texts {
            locale: Locale::Ar,
            fmt: &fmt,
            label: "نقاط",
        };
        assert_eq!(ar.challenge(&winter("count", 1, 3, false)).of, "1 من 3");
        let ru = Texts {
            locale: Locale::Ru,
            fmt: &fmt,
            label: "баллы",
        };
        let text = ru.challenge(&winter("count", 2, 3, false));
        assert_eq!(text.of, "2 из 3");
        assert_eq!(text.reward, "Награда: +500 баллов и значок «Snowflake»");
    }

    #[test]
    fn the_cart_line_speaks_to_members_and_to_guests() {
        let (fmt, _) = texts(Locale::En);
        let en = Texts {
            locale: Locale::En,
            fmt: &fmt,
            label: "points",
        };
        assert_eq!(en.cart_earns(472, true), "This cart earns 472 points");
        assert_eq!(en.cart_earns(1, true), "This cart earns 1 point");
        assert_eq!(
            en.cart_earns(279, false),
            "Join to earn 279 points with this cart"
        );
        let ru = Texts {
            locale: Locale::Ru,
            fmt: &fmt,
            label: "баллы",
        };
        assert_eq!(ru.cart_earns(472, true), "Эта корзина принесёт 472 балла");
    }

    #[test]
    fn spend_progress_names_the_money_and_the_tier() {
        let (fmt, locale) = texts(Locale::En);
        let t = Texts {
            locale,
            fmt: &fmt,
            label: "points",
        };
        // 150000 threshold, 105000 spent: 45000 minor units remain.
        let progress = t.progress(&next("spend", 45_000, 7_000));
        assert_eq!(progress.sentence, "Spend 450.00 USD more to reach Gold");
        assert_eq!(progress.percent, 70);
        assert_eq!(progress.label, "Progress to Gold");
    }

    #[test]
    fn points_and_orders_progress_use_their_own_units() {
        let (fmt, locale) = texts(Locale::En);
        let t = Texts {
            locale,
            fmt: &fmt,
            label: "points",
        };
        assert_eq!(
            t.progress(&next("points", 120, 9_999)).sentence,
            "Earn 120 more points to reach Gold"
        );
        // 9999 bp is 99.99%, floored to 99 so the bar never shows 100 early.
        assert_eq!(t.progress(&next("points", 120, 9_999)).percent, 99);
        assert_eq!(
            t.progress(&next("orders", 2, 0)).sentence,
            "Place 2 more orders to reach Gold"
        );
        assert_eq!(t.progress(&next("spend", -5, 12_000)).percent, 100);
    }

    #[test]
    fn arabic_progress_reads_in_arabic() {
        let (fmt, locale) = texts(Locale::Ar);
        let t = Texts {
            locale,
            fmt: &fmt,
            label: "نقاط",
        };
        let mut gold = next("spend", 45_000, 7_000);
        gold.name = "ذهبي".into();
        assert_eq!(
            t.progress(&gold).sentence,
            "أنفق 450.00 USD إضافية للوصول إلى ذهبي"
        );
    }

    #[test]
    fn ways_to_earn_describe_their_effect() {
        let (fmt, locale) = texts(Locale::En);
        let t = Texts {
            locale,
            fmt: &fmt,
            label: "points",
        };
        let names = |id: &str| {
            if id == "five-off" {
                "$5 off".into()
            } else {
                id.into()
            }
        };
        let per_amount = WayToEarn {
            kind: "per_amount".into(),
            event: "order_paid".into(),
            points: Some(1),
            per_minor: Some(100),
            ..WayToEarn::default()
        };
        assert_eq!(
            t.way_detail(&per_amount, &names),
            "1 point per 1.00 USD spent"
        );
        assert_eq!(t.way_title(&per_amount), "Place an order");
        let double = WayToEarn {
            kind: "multiplier".into(),
            bp: Some(20_000),
            ..WayToEarn::default()
        };
        assert_eq!(t.way_detail(&double, &names), "2× points");
        let gift = WayToEarn {
            kind: "issue_reward".into(),
            reward: Some("five-off".into()),
            ..WayToEarn::default()
        };
        assert_eq!(t.way_detail(&gift, &names), "Get $5 off");
        let cashback = WayToEarn {
            kind: "cashback".into(),
            bp: Some(500),
            ..WayToEarn::default()
        };
        assert_eq!(t.way_detail(&cashback, &names), "5% back as store credit");
        let named = WayToEarn {
            name: Some("Write a review".into()),
            kind: "fixed".into(),
            event: "review_posted".into(),
            points: Some(50),
            ..WayToEarn::default()
        };
        assert_eq!(t.way_title(&named), "Write a review");
        assert_eq!(t.way_detail(&named, &names), "50 points");
    }

    #[test]
    fn thresholds_follow_the_metric() {
        let (fmt, locale) = texts(Locale::Ru);
        let t = Texts {
            locale,
            fmt: &fmt,
            label: "баллы",
        };
        assert_eq!(t.threshold("spend", 50_000), "Потратьте 500.00 USD");
        assert_eq!(t.threshold("points", 800), "Наберите 800 баллов");
        assert_eq!(t.threshold("orders", 3), "3 заказа");
        assert_eq!(t.threshold("orders", 5), "5 заказов");
        assert_eq!(t.threshold("orders", 21), "21 заказ");
    }

    #[test]
    fn ledger_lines_have_a_label_and_a_sign() {
        let (fmt, locale) = texts(Locale::En);
        let t = Texts {
            locale,
            fmt: &fmt,
            label: "points",
        };
        assert_eq!(t.entry_kind("redeem"), "Reward redeemed");
        assert_eq!(t.entry_kind("something_new"), "Adjustment");
        assert_eq!(t.signed_points(740), "+740");
        assert_eq!(t.signed_points(-500), "\u{2212}500");
    }

    #[test]
    fn shortfall_names_the_missing_points_or_the_tier() {
        let (fmt, locale) = texts(Locale::En);
        let t = Texts {
            locale,
            fmt: &fmt,
            label: "points",
        };
        assert_eq!(t.shortfall(890, 1_000, None), "110 more points needed");
        assert_eq!(
            t.shortfall(1_200, 1_000, Some("Silver")),
            "For Silver and above"
        );
        assert_eq!(
            t.shortfall(100, 1_000, Some("Silver")),
            "For Silver and above"
        );
        assert_eq!(t.shortfall(1_000, 1_000, None), "0 more points needed");
        assert_eq!(t.confirm("$5 off", 500), "Spend 500 points on $5 off?");
        assert_eq!(
            t.expiring(890, "2027-11-06T08:00:00Z"),
            "890 points expire on 2027-11-06"
        );
        assert_eq!(
            t.referral(Some(500)),
            "Share your link. You earn 500 points when a friend places their first order."
        );
        assert_eq!(t.referral(None), "Share your link with friends.");
    }
}
