//! Every string the panel shows, in English, Arabic and Russian, and the
//! choice of language and direction from a locale tag.
//!
//! One table holds the three translations of each string side by side, so a
//! string cannot be added in one language and forgotten in another. Templates
//! name their values (`{points}`), because word order differs between the
//! languages; [`fill`] puts the values in.

/// The languages the panel is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    Ar,
    Ru,
}

impl Locale {
    /// The panel's language for a tag such as `ar-SA` or `ru_RU`; English for
    /// any language it is not written in.
    pub fn from_tag(tag: &str) -> Self {
        let language = tag.split(['-', '_']).next().unwrap_or_default();
        match language.to_ascii_lowercase().as_str() {
            "ar" => Self::Ar,
            "ru" => Self::Ru,
            _ => Self::En,
        }
    }

    /// The BCP 47 tag handed to the API and to the browser's Intl.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ar => "ar",
            Self::Ru => "ru",
        }
    }

    pub fn is_rtl(self) -> bool {
        self == Self::Ar
    }

    /// The value of the `dir` attribute for this language.
    pub fn dir(self) -> &'static str {
        if self.is_rtl() { "rtl" } else { "ltr" }
    }

    pub fn text(self, key: Key) -> &'static str {
        text(self, key)
    }
}

macro_rules! strings {
    ($($key:ident => $en:literal, $ar:literal, $ru:literal;)*) => {
        /// The name of one string of the panel.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Key { $($key),* }

        impl Key {
            /// Every key, for the tests that check the table.
            pub const ALL: &[Key] = &[$(Key::$key),*];
        }

        fn text(locale: Locale, key: Key) -> &'static str {
            match locale {
                Locale::En => match key { $(Key::$key => $en),* },
                Locale::Ar => match key { $(Key::$key => $ar),* },
                Locale::Ru => match key { $(Key::$key => $ru),* },
            }
        }
    };
}

strings! {
    Rewards => "Rewards", "المكافآت", "Бонусы";
    Loading => "Loading your rewards…", "جارٍ تحميل مكافآتك…", "Загружаем ваши бонусы…";
    LoadFailed => "We couldn't load the rewards program.", "تعذّر تحميل برنامج المكافآت.", "Не удалось загрузить программу лояльности.";
    Retry => "Try again", "حاول مرة أخرى", "Повторить";
    GuestIntro => "Earn {label} on every order and turn them into rewards.", "اجمع {label} مع كل طلب واستبدلها بمكافآت.", "Получайте {label} за каждый заказ и обменивайте их на награды.";
    Join => "Join now", "انضم الآن", "Вступить";
    SignIn => "Sign in", "تسجيل الدخول", "Войти";
    Terms => "Program terms", "شروط البرنامج", "Условия программы";
    SessionExpired => "Your session has ended. Sign in again to see your points.", "انتهت جلستك. سجّل الدخول مجددًا لرؤية نقاطك.", "Сеанс завершён. Войдите снова, чтобы увидеть свои баллы.";
    WaysToEarn => "Ways to earn", "طرق الكسب", "Как получить баллы";
    Tiers => "Tiers", "المستويات", "Уровни";
    Badges => "Badges", "الشارات", "Значки";
    Activity => "Activity", "النشاط", "История";
    YourCodes => "Your codes", "رموزك", "Ваши коды";
    ReferFriend => "Refer a friend", "ادعُ صديقًا", "Пригласите друга";
    Balance => "Your balance", "رصيدك", "Ваш баланс";
    PointsAmount => "{points} {label}", "{points} {label}", "{points} {label}";
    CartEarns => "This cart earns {points} {label}", "ستمنحك هذه السلة {points} {label}", "Эта корзина принесёт {points} {label}";
    CartEarnsGuest => "Join to earn {points} {label} with this cart", "انضم لتكسب {points} {label} مع هذه السلة", "Вступите в программу и получите {points} {label} за эту корзину";
    Pending => "{points} {label} pending", "{points} {label} قيد الانتظار", "{points} {label} в ожидании";
    Expiring => "{points} {label} expire on {date}", "تنتهي صلاحية {points} {label} في {date}", "{points} {label} сгорят {date}";
    StoreCredit => "Store credit: {amount}", "رصيد المتجر: {amount}", "Баланс в магазине: {amount}";
    StoreCreditName => "Store credit", "رصيد المتجر", "Баланс в магазине";
    CreditAmount => "Amount to use", "المبلغ المراد استخدامه", "Сколько использовать";
    UseCredit => "Get a code", "احصل على رمز", "Получить код";
    GuestOrders => "{count} earlier order was added: +{points} {label}|{count} earlier orders were added: +{points} {label}", "أُضيف {count} طلب سابق: +{points} {label}|أُضيف طلب سابق واحد: +{points} {label}|أُضيف طلبان سابقان: +{points} {label}|أُضيفت {count} طلبات سابقة: +{points} {label}|أُضيف {count} طلبًا سابقًا: +{points} {label}|أُضيف {count} طلب سابق: +{points} {label}", "Добавлен {count} прежний заказ: +{points} {label}|Добавлено {count} прежних заказа: +{points} {label}|Добавлено {count} прежних заказов: +{points} {label}|Добавлено {count} прежнего заказа: +{points} {label}";
    CurrentTier => "Tier: {tier}", "المستوى: {tier}", "Уровень: {tier}";
    NoTierYet => "No tier yet", "لا يوجد مستوى بعد", "Уровня пока нет";
    ProgressTo => "Progress to {tier}", "التقدّم نحو {tier}", "Прогресс до уровня {tier}";
    SpendMore => "Spend {amount} more to reach {tier}", "أنفق {amount} إضافية للوصول إلى {tier}", "Потратьте ещё {amount}, чтобы получить уровень {tier}";
    EarnMore => "Earn {points} more {label} to reach {tier}", "اجمع {points} {label} إضافية للوصول إلى {tier}", "Наберите ещё {points} {label}, чтобы получить уровень {tier}";
    OrdersMore => "Place {count} more order to reach {tier}|Place {count} more orders to reach {tier}", "قدّم {count} طلب إضافي للوصول إلى {tier}|قدّم طلبًا واحدًا إضافيًا للوصول إلى {tier}|قدّم طلبين إضافيين للوصول إلى {tier}|قدّم {count} طلبات إضافية للوصول إلى {tier}|قدّم {count} طلبًا إضافيًا للوصول إلى {tier}|قدّم {count} طلب إضافي للوصول إلى {tier}", "Сделайте ещё {count} заказ, чтобы получить уровень {tier}|Сделайте ещё {count} заказа, чтобы получить уровень {tier}|Сделайте ещё {count} заказов, чтобы получить уровень {tier}|Сделайте ещё {count} заказа, чтобы получить уровень {tier}";
    TopTier => "You have reached the top tier.", "لقد وصلت إلى أعلى مستوى.", "У вас самый высокий уровень.";
    TierSpend => "Spend {amount}", "أنفق {amount}", "Потратьте {amount}";
    TierPoints => "Earn {points} {label}", "اجمع {points} {label}", "Наберите {points} {label}";
    TierOrders => "{count} order|{count} orders", "{count} طلب|طلب واحد|طلبان|{count} طلبات|{count} طلبًا|{count} طلب", "{count} заказ|{count} заказа|{count} заказов|{count} заказа";
    PerAmount => "{points} {label} per {amount} spent", "{points} {label} لكل {amount} تنفقها", "{points} {label} за каждые {amount}";
    Fixed => "{points} {label}", "{points} {label}", "{points} {label}";
    Multiplier => "{factor}× {label}", "{label} ×{factor}", "{label} ×{factor}";
    Cashback => "{percent}% back as store credit", "استرداد {percent}٪ كرصيد في المتجر", "{percent}% возвращается на баланс магазина";
    IssueReward => "Get {reward}", "احصل على {reward}", "Получите: {reward}";
    EventOrder => "Place an order", "قدّم طلبًا", "Оформите заказ";
    EventSignup => "Join the program", "انضم إلى البرنامج", "Вступите в программу";
    EventReview => "Write a review", "اكتب مراجعة", "Напишите отзыв";
    EventBirthday => "Celebrate your birthday", "احتفل بعيد ميلادك", "Отметьте день рождения";
    EventShare => "Share on social media", "شارك على وسائل التواصل", "Поделитесь в соцсетях";
    EventQuiz => "Complete a quiz", "أكمل اختبارًا", "Пройдите тест";
    EventSurvey => "Answer a survey", "أجب عن استبيان", "Ответьте на опрос";
    EventOther => "Take part", "شارك", "Участвуйте";
    Cost => "{points} {label}", "{points} {label}", "{points} {label}";
    MinTier => "For {tier} and above", "لمستوى {tier} وما فوق", "Для уровня {tier} и выше";
    Redeem => "Redeem", "استبدال", "Обменять";
    RedeemNamed => "Redeem {reward}", "استبدال {reward}", "Обменять: {reward}";
    ConfirmRedeem => "Spend {points} {label} on {reward}?", "هل تريد إنفاق {points} {label} على {reward}؟", "Потратить {points} {label} на «{reward}»?";
    Confirm => "Confirm", "تأكيد", "Подтвердить";
    Cancel => "Cancel", "إلغاء", "Отмена";
    Redeeming => "Redeeming…", "جارٍ الاستبدال…", "Обмениваем…";
    LeaveProgram => "Leave the rewards program", "مغادرة برنامج المكافآت", "Выйти из программы лояльности";
    ConfirmLeave => "Leave the program? You will stop earning {label}; the {label} you have stay yours.", "هل تريد مغادرة البرنامج؟ ستتوقف عن جمع {label}، وتبقى {label} التي لديك لك.", "Выйти из программы? Вы перестанете получать {label}; накопленные {label} останутся вашими.";
    Leave => "Leave", "مغادرة", "Выйти";
    OutLeft => "You left the rewards program: you are not earning {label}.", "لقد غادرت برنامج المكافآت: أنت لا تجمع {label} حاليًا.", "Вы вышли из программы лояльности: {label} сейчас не начисляются.";
    OutOptedOut => "You are not in the rewards program (the shop recorded your opt-out), so you are not earning {label}.", "أنت لست مشتركًا في برنامج المكافآت (سجّل المتجر عدم رغبتك في المشاركة)، لذا لا تجمع {label}.", "Вы не участвуете в программе лояльности (магазин отметил ваш отказ): {label} не начисляются.";
    Rejoin => "Rejoin the program", "العودة إلى البرنامج", "Вернуться в программу";
    Working => "One moment…", "لحظة من فضلك…", "Минуту…";
    CodeReady => "Your code for {reward}", "رمزك لـ {reward}", "Ваш код: {reward}";
    Copy => "Copy", "نسخ", "Копировать";
    CopyNamed => "Copy {what}", "نسخ {what}", "Копировать {what}";
    Copied => "Copied", "تم النسخ", "Скопировано";
    Share => "Share", "مشاركة", "Поделиться";
    Expires => "Expires {date}", "ينتهي في {date}", "Действует до {date}";
    NeedMore => "{points} more {label} needed", "تحتاج إلى {points} {label} إضافية", "Не хватает: {points} {label}";
    ReferralText => "Share your link. You earn {points} {label} when a friend places their first order.", "شارك رابطك. تحصل على {points} {label} عندما يقدّم صديقك طلبه الأول.", "Поделитесь ссылкой. Вы получите {points} {label}, когда друг сделает первый заказ.";
    ReferralPlain => "Share your link with friends.", "شارك رابطك مع أصدقائك.", "Поделитесь ссылкой с друзьями.";
    ReferralLink => "Your referral link", "رابط الإحالة الخاص بك", "Ваша реферальная ссылка";
    Referred => "Friends who ordered: {count}", "الأصدقاء الذين طلبوا: {count}", "Друзей сделали заказ: {count}";
    BadgeEarned => "Earned {date}", "حصلت عليها في {date}", "Получен {date}";
    BadgeGoal => "{count} time: +{points} {label}|{count} times: +{points} {label}", "{count} مرة: +{points} {label}|مرة واحدة: +{points} {label}|مرتان: +{points} {label}|{count} مرات: +{points} {label}|{count} مرة: +{points} {label}|{count} مرة: +{points} {label}", "{count} раз: +{points} {label}|{count} раза: +{points} {label}|{count} раз: +{points} {label}|{count} раза: +{points} {label}";
    NoCodes => "You have no unused codes.", "ليس لديك رموز غير مستخدمة.", "Неиспользованных кодов нет.";
    NoBadges => "No badges yet.", "لا توجد شارات بعد.", "Значков пока нет.";
    BadgeSteps => "{done} of {count} so far", "{done} من {count} حتى الآن", "Пока {done} из {count}";
    TierGraceSpend => "{tier} until {date}: spend {amount} more to keep it", "{tier} حتى {date}: أنفق {amount} إضافية للاحتفاظ به", "{tier} до {date}: потратьте ещё {amount}, чтобы сохранить уровень";
    TierGraceOrders => "{tier} until {date}: place {count} more order to keep it|{tier} until {date}: place {count} more orders to keep it", "{tier} حتى {date}: قدّم {count} طلب إضافي للاحتفاظ به|{tier} حتى {date}: قدّم طلبًا واحدًا إضافيًا للاحتفاظ به|{tier} حتى {date}: قدّم طلبين إضافيين للاحتفاظ به|{tier} حتى {date}: قدّم {count} طلبات إضافية للاحتفاظ به|{tier} حتى {date}: قدّم {count} طلبًا إضافيًا للاحتفاظ به|{tier} حتى {date}: قدّم {count} طلب إضافي للاحتفاظ به", "{tier} до {date}: сделайте ещё {count} заказ, чтобы сохранить уровень|{tier} до {date}: сделайте ещё {count} заказа, чтобы сохранить уровень|{tier} до {date}: сделайте ещё {count} заказов, чтобы сохранить уровень|{tier} до {date}: сделайте ещё {count} заказа, чтобы сохранить уровень";
    TierGracePoints => "{tier} until {date}: earn {points} more {label} to keep it", "{tier} حتى {date}: اجمع {points} {label} إضافية للاحتفاظ به", "{tier} до {date}: наберите ещё {points} {label}, чтобы сохранить уровень";
    TierPaid => "Paid membership", "عضوية مدفوعة", "Платное членство";
    TierPaidPrice => "Membership: {amount}", "العضوية: {amount}", "Членство: {amount}";
    TierJoin => "How to join", "كيف تنضم", "Как вступить";
    CartHint => "Add {amount} more for +{points} {label}", "أضف {amount} أخرى لتحصل على +{points} {label}", "Добавьте ещё {amount} и получите +{points} {label}";
    Challenges => "Challenges", "التحديات", "Задания";
    ChallengeOf => "{done} of {target}", "{done} من {target}", "{done} из {target}";
    ChallengeEnds => "Ends {date}", "ينتهي في {date}", "До {date} включительно";
    ChallengeReward => "Reward: +{points} {label}", "المكافأة: +{points} {label}", "Награда: +{points} {label}";
    ChallengeRewardBadge => "Reward: +{points} {label} and the {badge} badge", "المكافأة: +{points} {label} وشارة {badge}", "Награда: +{points} {label} и значок «{badge}»";
    ChallengeBadgeOnly => "Reward: the {badge} badge", "المكافأة: شارة {badge}", "Награда: значок «{badge}»";
    ChallengeDone => "Done: the reward is yours", "أُنجز: المكافأة لك", "Выполнено: награда ваша";
    NoActivity => "No activity yet.", "لا يوجد نشاط بعد.", "Пока нет операций.";
    NoRewards => "No rewards yet.", "لا توجد مكافآت بعد.", "Наград пока нет.";
    NoWays => "Ways to earn are coming soon.", "طرق الكسب قادمة قريبًا.", "Способы получить баллы скоро появятся.";
    ShowActivity => "Show activity", "عرض النشاط", "Показать историю";
    LoadMore => "Load more", "عرض المزيد", "Показать ещё";
    KindEarn => "Points earned", "نقاط مكتسبة", "Начислены баллы";
    KindRefund => "Refund", "استرداد", "Возврат";
    KindCancel => "Order cancelled", "طلب ملغى", "Заказ отменён";
    KindReferral => "Referral bonus", "مكافأة الإحالة", "Бонус за друга";
    KindRedeem => "Reward redeemed", "مكافأة مستبدلة", "Награда получена";
    KindCodeCancelled => "Code cancelled, points returned", "رمز ملغى، أُعيدت النقاط", "Код отменён, баллы возвращены";
    KindAdjustment => "Adjustment", "تعديل", "Корректировка";
    KindExpiry => "Points expired", "نقاط منتهية الصلاحية", "Баллы сгорели";
    ErrInsufficient => "You don't have enough points for this reward yet.", "ليس لديك نقاط كافية لهذه المكافأة بعد.", "Для этой награды пока не хватает баллов.";
    ErrTier => "This reward needs a higher tier.", "تتطلب هذه المكافأة مستوى أعلى.", "Для этой награды нужен более высокий уровень.";
    ErrRateLimited => "Too many requests. Please wait a moment and try again.", "طلبات كثيرة جدًا. يُرجى الانتظار قليلًا ثم المحاولة مجددًا.", "Слишком много запросов. Подождите немного и попробуйте снова.";
    ErrUnauthorized => "Your session has ended. Please sign in again.", "انتهت جلستك. يُرجى تسجيل الدخول مجددًا.", "Сеанс завершён. Войдите снова.";
    ErrNotFound => "This reward is no longer available.", "لم تعد هذه المكافأة متاحة.", "Эта награда больше недоступна.";
    ErrNetwork => "We couldn't reach the rewards service. Check your connection and try again.", "تعذّر الوصول إلى خدمة المكافآت. تحقّق من اتصالك وحاول مجددًا.", "Не удалось связаться с сервисом бонусов. Проверьте подключение и попробуйте снова.";
    ErrCredit => "Choose an amount up to your store credit.", "اختر مبلغًا لا يتجاوز رصيدك في المتجر.", "Выберите сумму не больше вашего баланса в магазине.";
    ErrOther => "Something went wrong. Please try again.", "حدث خطأ ما. يُرجى المحاولة مجددًا.", "Что-то пошло не так. Попробуйте снова.";
}

/// Puts named values into a template: `{name}` becomes the value; a name
/// without a value stays as written, so a mistake shows instead of vanishing.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match values.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCALES: [Locale; 3] = [Locale::En, Locale::Ar, Locale::Ru];

    /// The `{names}` a template uses, sorted.
    fn placeholders(template: &str) -> Vec<&str> {
        let mut names: Vec<&str> = template
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect();
        // Over all of a text's plural forms: a form may leave a value out
        // ("one order" needs no number in Arabic).
        names.sort_unstable();
        names.dedup();
        names
    }

    #[test]
    fn tags_pick_the_language_and_direction() {
        assert_eq!(Locale::from_tag("ar-SA"), Locale::Ar);
        assert_eq!(Locale::from_tag("AR"), Locale::Ar);
        assert_eq!(Locale::from_tag("ru_RU"), Locale::Ru);
        assert_eq!(Locale::from_tag("de-DE"), Locale::En);
        assert_eq!(Locale::from_tag(""), Locale::En);
        assert_eq!(Locale::Ar.dir(), "rtl");
        assert_eq!(Locale::Ru.dir(), "ltr");
        assert_eq!(Locale::from_tag("ru").tag(), "ru");
    }

    #[test]
    fn every_string_is_translated() {
        for key in Key::ALL {
            let english = Locale::En.text(*key);
            for locale in LOCALES {
                let text = locale.text(*key);
                assert!(!text.trim().is_empty(), "{key:?} is empty in {locale:?}");
                assert_eq!(
                    placeholders(text),
                    placeholders(english),
                    "{key:?} in {locale:?} names other values than in English"
                );
            }
        }
    }

    #[test]
    fn arabic_and_russian_are_not_english_left_in_place() {
        // Templates made only of values ("{points} {label}") read the same in
        // every language; every other string must differ from the English.
        for key in Key::ALL {
            let english = Locale::En.text(*key);
            let letters = english
                .split('{')
                .map(|part| part.split_once('}').map_or(part, |(_, rest)| rest))
                .any(|part| part.chars().any(char::is_alphabetic));
            if letters {
                assert_ne!(Locale::Ar.text(*key), english, "{key:?}");
                assert_ne!(Locale::Ru.text(*key), english, "{key:?}");
            }
        }
    }

    #[test]
    fn fill_puts_values_in_by_name() {
        let text = fill(
            Locale::En.text(Key::SpendMore),
            &[("amount", "$450.00"), ("tier", "Gold")],
        );
        assert_eq!(text, "Spend $450.00 more to reach Gold");
        let arabic = fill(
            Locale::Ar.text(Key::SpendMore),
            &[("amount", "٤٥٠٫٠٠ US$"), ("tier", "ذهبي")],
        );
        assert_eq!(arabic, "أنفق ٤٥٠٫٠٠ US$ إضافية للوصول إلى ذهبي");
    }

    #[test]
    fn fill_leaves_unknown_names_and_stray_braces() {
        assert_eq!(fill("a {x} b {y}", &[("x", "1")]), "a 1 b {y}");
        assert_eq!(fill("open { only", &[]), "open { only");
        assert_eq!(fill("", &[]), "");
    }
}

/// The form of a text for a plural category: texts that agree with a count
/// hold their forms separated by `|`, in CLDR's order for the language
/// (English: one, other; Russian: one, few, many, other; Arabic: zero,
/// one, two, few, many, other). A text without `|` has one form.
pub fn form(text: &str, locale: Locale, category: Plural) -> &str {
    let order: &[Plural] = match locale {
        Locale::En => &[Plural::One, Plural::Other],
        Locale::Ru => &[Plural::One, Plural::Few, Plural::Many, Plural::Other],
        Locale::Ar => &[
            Plural::Zero,
            Plural::One,
            Plural::Two,
            Plural::Few,
            Plural::Many,
            Plural::Other,
        ],
    };
    let forms: Vec<&str> = text.split('|').collect();
    let index = order
        .iter()
        .position(|c| *c == category)
        .unwrap_or(order.len() - 1);
    forms
        .get(index)
        .or_else(|| forms.last())
        .copied()
        .unwrap_or(text)
}

/// CLDR's plural category of a whole number in a language (integers only:
/// points are never fractional).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plural {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

pub fn plural(locale: Locale, n: i64) -> Plural {
    let n = n.unsigned_abs();
    match locale {
        Locale::En => {
            if n == 1 {
                Plural::One
            } else {
                Plural::Other
            }
        }
        Locale::Ru => match (n % 10, n % 100) {
            (1, h) if h != 11 => Plural::One,
            (2..=4, h) if !(12..=14).contains(&h) => Plural::Few,
            _ => Plural::Many,
        },
        Locale::Ar => match (n, n % 100) {
            (0, _) => Plural::Zero,
            (1, _) => Plural::One,
            (2, _) => Plural::Two,
            (_, 3..=10) => Plural::Few,
            (_, 11..=99) => Plural::Many,
            _ => Plural::Other,
        },
    }
}

/// Word forms of the usual names for points, by plural category: English
/// (one, other), Russian (one, few, many; the nominative plural is how a
/// merchant names them), Arabic (the singular after 1, 2 and 11 up, the
/// plural for 3 to 10).
const FAMILIES: &[(Locale, &[&str], [&str; 3])] = &[
    (
        Locale::En,
        &["point", "points"],
        ["point", "points", "points"],
    ),
    (Locale::En, &["star", "stars"], ["star", "stars", "stars"]),
    (Locale::En, &["coin", "coins"], ["coin", "coins", "coins"]),
    (
        Locale::Ru,
        &["балл", "балла", "баллов", "баллы"],
        ["балл", "балла", "баллов"],
    ),
    (
        Locale::Ru,
        &["бонус", "бонуса", "бонусов", "бонусы"],
        ["бонус", "бонуса", "бонусов"],
    ),
    (
        Locale::Ru,
        &["очко", "очка", "очков", "очки"],
        ["очко", "очка", "очков"],
    ),
    (Locale::Ar, &["نقاط", "نقطة"], ["نقطة", "نقاط", "نقطة"]),
];

/// The program's name for points in agreement with `n` ("1 балл", "3
/// балла", "11 баллов"), when it is one of the usual names (or that name
/// with a capital); any other name is shown as the merchant wrote it.
pub fn agree(locale: Locale, label: &str, n: i64) -> String {
    agree_as(locale, label, plural(locale, n))
}

/// [`agree`] for a plural category already known (the browser's).
pub fn agree_as(locale: Locale, label: &str, category: Plural) -> String {
    let capitalized = |word: &str| {
        let mut chars = word.chars();
        chars
            .next()
            .map(|c| std::iter::once(capital(c)).chain(chars).collect::<String>())
            .unwrap_or_default()
    };
    for (language, names, forms) in FAMILIES {
        if *language != locale {
            continue;
        }
        let upper = if names.contains(&label) {
            false
        } else if names.iter().any(|name| capitalized(name) == label) {
            true
        } else {
            continue;
        };
        let form = match (locale, category) {
            (Locale::En | Locale::Ru, Plural::One) => forms[0],
            (Locale::En, _) | (Locale::Ru | Locale::Ar, Plural::Few) => forms[1],
            (Locale::Ru, _) => forms[2],
            (Locale::Ar, _) => forms[0],
        };
        return if upper {
            capitalized(form)
        } else {
            form.to_owned()
        };
    }
    label.to_owned()
}

/// The capital of a Latin or Cyrillic small letter (the names above);
/// without the standard library's Unicode tables, which cost the wasm
/// 10 KB.
fn capital(c: char) -> char {
    match c {
        'a'..='z' => c.to_ascii_uppercase(),
        'а'..='я' => char::from_u32(u32::from(c) - 0x20).unwrap_or(c),
        'ё' => 'Ё',
        _ => c,
    }
}

#[cfg(test)]
mod agreement_tests {
    use super::*;

    #[test]
    fn russian_points_agree_with_the_number() {
        let forms: Vec<String> = [1, 2, 4, 5, 11, 12, 21, 22, 25, 111, 890, 1001]
            .iter()
            .map(|n| format!("{n} {}", agree(Locale::Ru, "баллы", *n)))
            .collect();
        assert_eq!(
            forms,
            [
                "1 балл",
                "2 балла",
                "4 балла",
                "5 баллов",
                "11 баллов",
                "12 баллов",
                "21 балл",
                "22 балла",
                "25 баллов",
                "111 баллов",
                "890 баллов",
                "1001 балл"
            ]
        );
    }

    #[test]
    fn english_and_arabic_agree_too() {
        assert_eq!(agree(Locale::En, "points", 1), "point");
        assert_eq!(agree(Locale::En, "Points", 1), "Point");
        assert_eq!(agree(Locale::En, "points", 0), "points");
        assert_eq!(agree(Locale::En, "points", -1), "point");
        // Arabic: the plural after 3 to 10, the singular after 1, 2, 11 and up.
        assert_eq!(agree(Locale::Ar, "نقاط", 3), "نقاط");
        assert_eq!(agree(Locale::Ar, "نقاط", 10), "نقاط");
        assert_eq!(agree(Locale::Ar, "نقاط", 11), "نقطة");
        assert_eq!(agree(Locale::Ar, "نقاط", 103), "نقاط");
        assert_eq!(agree(Locale::Ar, "نقاط", 890), "نقطة");
    }

    #[test]
    fn a_name_of_the_merchants_own_stays_as_written() {
        assert_eq!(agree(Locale::En, "Maple Leaves", 1), "Maple Leaves");
        assert_eq!(agree(Locale::Ru, "кленовые листья", 1), "кленовые листья");
        // A known name in another language's list is not changed either.
        assert_eq!(agree(Locale::En, "баллы", 1), "баллы");
        assert_eq!(agree(Locale::Ru, "Баллы", 3), "Балла");
    }
}
