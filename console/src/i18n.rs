//! Every string the console shows, in English, Arabic and Russian, side by
//! side in one table (a string cannot be added in one language and
//! forgotten in another), and the choice of language and direction.
//! Templates name their values (`{shop}`), because word order differs.

/// The languages the console is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    Ar,
    Ru,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Ar, Locale::Ru];

    /// The console's language for a tag such as `ar-SA`; English for any
    /// language it is not written in.
    pub fn from_tag(tag: &str) -> Self {
        match tag
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "ar" => Self::Ar,
            "ru" => Self::Ru,
            _ => Self::En,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ar => "ar",
            Self::Ru => "ru",
        }
    }

    /// The language's own name, for the language menu.
    pub fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Ar => "العربية",
            Self::Ru => "Русский",
        }
    }

    pub fn dir(self) -> &'static str {
        if self == Self::Ar { "rtl" } else { "ltr" }
    }

    pub fn text(self, key: Key) -> &'static str {
        text(self, key)
    }

    /// A template with its values put in by name.
    pub fn fill(self, key: Key, values: &[(&str, &str)]) -> String {
        fill(self.text(key), values)
    }
}

/// Puts `values` into a template's `{name}` slots; an unknown name or a
/// stray brace stays as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| Some((close, values.iter().find(|(n, _)| *n == &after[..close])?)))
        {
            Some((close, (_, value))) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

macro_rules! strings {
    ($($key:ident => $en:literal, $ar:literal, $ru:literal;)*) => {
        /// The name of one string of the console.
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
    Console => "Loyalty console", "لوحة برنامج الولاء", "Консоль программы лояльности";
    Language => "Language", "اللغة", "Язык";
    SignInTitle => "Sign in to your shop", "سجّل الدخول إلى متجرك", "Вход в магазин";
    SignInHelp => "Use the shop's API key. It stays in this browser tab only and is forgotten when the tab closes.", "استخدم مفتاح API الخاص بالمتجر. يبقى في علامة التبويب هذه فقط ويُنسى عند إغلاقها.", "Используйте API-ключ магазина. Он хранится только в этой вкладке и забывается при её закрытии.";
    ShopId => "Shop id", "معرّف المتجر", "Идентификатор магазина";
    ApiKey => "API key", "مفتاح API", "API-ключ";
    SignIn => "Sign in", "تسجيل الدخول", "Войти";
    SignOut => "Sign out", "تسجيل الخروج", "Выйти";
    Checking => "Checking…", "جارٍ التحقق…", "Проверяем…";
    WrongKey => "This key does not open the shop “{shop}”. Check the shop id and the key; a rotated key stops working at once.", "هذا المفتاح لا يفتح المتجر «{shop}». تحقّق من معرّف المتجر والمفتاح؛ المفتاح الذي جرى تدويره يتوقف عن العمل فورًا.", "Этот ключ не открывает магазин «{shop}». Проверьте идентификатор и ключ: после смены ключа старый сразу перестаёт работать.";
    Unreachable => "The loyalty service could not be reached. Check your connection and try again.", "تعذّر الوصول إلى خدمة الولاء. تحقّق من اتصالك وحاول مرة أخرى.", "Не удалось связаться с сервисом лояльности. Проверьте подключение и повторите попытку.";
    Failed => "That did not work: {detail}", "لم تنجح العملية: {detail}", "Не получилось: {detail}";
    SignedInAs => "Shop: {shop}", "المتجر: {shop}", "Магазин: {shop}";
    Sections => "Sections", "الأقسام", "Разделы";
    InstallTab => "Install", "التثبيت", "Установка";
    MembersTab => "Members", "الأعضاء", "Участники";
    Loading => "Loading…", "جارٍ التحميل…", "Загрузка…";
    Retry => "Try again", "حاول مرة أخرى", "Повторить";
    Checklist => "Checklist", "قائمة التحقق", "Что сделать";
    StepProgram => "Save a program", "احفظ برنامجًا", "Сохраните программу";
    StepWidget => "The widget loads on your shop (from an allowed origin)", "تحميل الأداة في متجرك (من مصدر مسموح به)", "Виджет загрузился на вашем сайте (с разрешённого адреса)";
    StepEvent => "The first event arrives", "وصول أول حدث", "Пришло первое событие";
    StepMember => "The first member joins", "انضمام أول عضو", "Появился первый участник";
    DoneAt => "Done {date}", "تم في {date}", "Готово {date}";
    NotYet => "Not yet", "ليس بعد", "Ещё нет";
    ScriptTag => "Script tag", "وسم السكربت", "Тег скрипта";
    ScriptTagHelp => "Paste this before </body> on every page of your shop. Fill data-customer-token with the signed-in customer's token (leave it empty for guests).", "الصق هذا قبل ‎</body>‎ في كل صفحة من متجرك. املأ data-customer-token برمز العميل المسجّل دخوله (اتركه فارغًا للزوار).", "Вставьте это перед </body> на каждой странице магазина. В data-customer-token укажите токен вошедшего покупателя (для гостей оставьте пустым).";
    Tokens => "Customer tokens on your server", "رموز العملاء على خادمك", "Токены покупателей на вашем сервере";
    TokensHelp => "Each snippet makes the token the widget needs from the shop's widget secret. Keep the secret on the server.", "كل مقتطف يُنشئ الرمز الذي تحتاجه الأداة من السر الخاص بأداة المتجر. أبقِ السر على الخادم.", "Каждый фрагмент создаёт токен для виджета из секрета виджета магазина. Храните секрет на сервере.";
    LiquidHelp => "Shopify: no server needed. Liquid's own hmac_sha256 filter makes the token in the theme.", "Shopify: لا حاجة إلى خادم. يُنشئ مرشّح hmac_sha256 في Liquid الرمز داخل القالب.", "Shopify: сервер не нужен. Фильтр hmac_sha256 в Liquid создаёт токен прямо в теме.";
    Copy => "Copy", "نسخ", "Копировать";
    Copied => "Copied", "تم النسخ", "Скопировано";
    Keys => "Keys", "المفاتيح", "Ключи";
    RotateWarning => "Rotating makes new secrets and stops the old ones at once: this console's key, your server's API key, the webhook signing secret and the widget secret (every customer token made with it) stop working until you put the new ones in place.", "يؤدي التدوير إلى إنشاء أسرار جديدة وإيقاف القديمة فورًا: مفتاح هذه اللوحة، ومفتاح API على خادمك، وسر توقيع الـ webhooks، وسر الأداة (وكل رموز العملاء المصنوعة به) تتوقف عن العمل حتى تضع الجديدة مكانها.", "Смена ключей создаёт новые секреты и сразу отключает старые: ключ этой консоли, API-ключ вашего сервера, секрет подписи вебхуков и секрет виджета (все созданные им токены) перестанут работать, пока вы не замените их новыми.";
    Rotate => "Rotate keys", "تدوير المفاتيح", "Сменить ключи";
    ConfirmRotate => "Rotate now? Type ROTATE to confirm.", "هل تريد التدوير الآن؟ اكتب ROTATE للتأكيد.", "Сменить сейчас? Введите ROTATE для подтверждения.";
    Rotated => "New secrets, shown this once. Copy them now; the console now uses the new API key.", "أسرار جديدة تُعرض هذه المرة فقط. انسخها الآن؛ تستخدم اللوحة الآن مفتاح API الجديد.", "Новые секреты показаны один раз. Скопируйте их сейчас; консоль уже использует новый API-ключ.";
    Cancel => "Cancel", "إلغاء", "Отмена";
    Search => "Search members", "ابحث عن الأعضاء", "Поиск участников";
    SearchHelp => "A member id (or its beginning), an email hash or a referral code", "معرّف عضو (أو بدايته) أو بصمة بريد إلكتروني أو رمز إحالة", "Идентификатор участника (или его начало), хеш e-mail или реферальный код";
    SortBy => "Sort by", "الترتيب حسب", "Сортировка";
    SortActivity => "Last activity", "آخر نشاط", "Последняя активность";
    SortBalance => "Balance", "الرصيد", "Баланс";
    SortTier => "Tier", "المستوى", "Уровень";
    SortJoined => "Joined", "تاريخ الانضمام", "Дата вступления";
    Member => "Member", "العضو", "Участник";
    Balance => "Balance", "الرصيد", "Баланс";
    Tier => "Tier", "المستوى", "Уровень";
    LastActivity => "Last activity", "آخر نشاط", "Последняя активность";
    Joined => "Joined", "انضم", "Вступил";
    NoTier => "None", "لا يوجد", "Нет";
    Never => "Never", "أبدًا", "Никогда";
    Found => "Members found: {count}", "الأعضاء الذين عُثر عليهم: {count}", "Найдено участников: {count}";
    NoMembers => "No member matches.", "لا يوجد عضو مطابق.", "Подходящих участников нет.";
    More => "Show more", "عرض المزيد", "Показать ещё";
    Back => "Back to the list", "العودة إلى القائمة", "Назад к списку";
    Points => "Points", "النقاط", "Баллы";
    Pending => "Pending", "قيد الانتظار", "В ожидании";
    Lifetime => "Earned in all", "المكتسب إجمالًا", "Всего начислено";
    Ledger => "Ledger", "السجل", "История";
    Codes => "Codes", "الرموز", "Коды";
    NoCodes => "No unused codes.", "لا توجد رموز غير مستخدمة.", "Неиспользованных кодов нет.";
    When => "When", "متى", "Когда";
    Change => "Change", "التغيير", "Изменение";
    Reason => "Reason", "السبب", "Причина";
    Adjust => "Adjust points", "تعديل النقاط", "Начислить или списать баллы";
    AdjustHelp => "A positive number adds points, a negative one takes them away. The member sees the reason.", "الرقم الموجب يضيف نقاطًا والسالب يخصمها. يرى العضو السبب.", "Положительное число начисляет баллы, отрицательное списывает. Участник видит причину.";
    Apply => "Apply", "تطبيق", "Применить";
    Adjusted => "Adjusted: {points} points.", "تم التعديل: {points} نقطة.", "Готово: {points} баллов.";
    Export => "Export (JSON)", "تصدير (JSON)", "Экспорт (JSON)";
    Erase => "Erase this member", "محو هذا العضو", "Удалить участника";
    EraseHelp => "Erasing removes the member and everything held about them, in every store. It cannot be undone. Type the member id to confirm.", "يزيل المحو العضو وكل ما هو محفوظ عنه في كل المخازن، ولا يمكن التراجع عنه. اكتب معرّف العضو للتأكيد.", "Удаление стирает участника и все данные о нём во всех хранилищах. Отменить нельзя. Введите идентификатор участника для подтверждения.";
    Erased => "The member was erased.", "تم محو العضو.", "Участник удалён.";
    AnalyticsTab => "Analytics", "التحليلات", "Аналитика";
    From => "From", "من", "С";
    To => "To", "إلى", "По";
    Show => "Show", "عرض", "Показать";
    DownloadCsv => "Download CSV", "تنزيل CSV", "Скачать CSV";
    ShopClock => "Days on the shop's clock ({zone}).", "الأيام حسب توقيت المتجر ({zone}).", "Дни по часам магазина ({zone}).";
    ChartActivity => "Points issued and redeemed, per day", "النقاط الممنوحة والمستبدلة يوميًا", "Начислено и списано баллов по дням";
    ChartMembers => "Members", "الأعضاء", "Участники";
    ChartOutstanding => "Points outstanding (the liability)", "النقاط القائمة (الالتزام)", "Непогашенные баллы (обязательства)";
    Issued => "Issued", "الممنوحة", "Начислено";
    Redeemed => "Redeemed", "المستبدلة", "Списано";
    Outstanding => "Outstanding", "القائمة", "Непогашено";
    Liability => "Liability", "الالتزام", "Обязательства";
    Date => "Date", "التاريخ", "Дата";
    TableView => "Table", "جدول", "Таблица";
    SummaryActivity => "From {from} to {to}: {issued} points issued and {redeemed} redeemed.", "من {from} إلى {to}: مُنحت {issued} نقطة واستُبدلت {redeemed}.", "С {from} по {to}: начислено {issued} баллов, списано {redeemed}.";
    SummaryMembers => "Members went from {start} on {from} to {end} on {to}.", "تغيّر عدد الأعضاء من {start} في {from} إلى {end} في {to}.", "Участников было {start} на {from} и стало {end} на {to}.";
    SummaryOutstanding => "Points outstanding on {to}: {points}, a liability of {money} at the best reward's value.", "النقاط القائمة في {to}: {points}، أي التزام بقيمة {money} بحسب قيمة أفضل مكافأة.", "Непогашенные баллы на {to}: {points}, обязательства {money} по стоимости самой выгодной награды.";
    ProgramTab => "Program", "البرنامج", "Программа";
    LiveVersion => "Live: version {version}", "المعتمد: الإصدار {version}", "Действует: версия {version}";
    Draft => "Draft (the program document)", "المسودة (مستند البرنامج)", "Черновик (документ программы)";
    DraftHelp => "Edit the program as JSON. Your browser checks it with the same rules as the edge, as you type.", "حرّر البرنامج بصيغة JSON. يتحقق منه متصفحك بالقواعد نفسها التي يستخدمها الخادم أثناء الكتابة.", "Редактируйте программу в JSON. Браузер проверяет её по тем же правилам, что и сервер, прямо при вводе.";
    Valid => "The draft is valid.", "المسودة صالحة.", "Черновик без ошибок.";
    ProblemsFound => "Problems to fix: {count}", "مشكلات يجب إصلاحها: {count}", "Исправьте ошибки: {count}";
    Save => "Save as a new version", "حفظ كإصدار جديد", "Сохранить как новую версию";
    Saved => "Saved as version {version}.", "حُفظ بوصفه الإصدار {version}.", "Сохранено как версия {version}.";
    Versions => "Versions", "الإصدارات", "Версии";
    Version => "Version", "الإصدار", "Версия";
    SavedAt => "Saved", "تاريخ الحفظ", "Сохранено";
    SavedBy => "By key", "بواسطة المفتاح", "Ключом";
    You => "{key} (this key)", "{key} (هذا المفتاح)", "{key} (этот ключ)";
    Compare => "Compare", "قارن", "Сравнить";
    OlderVersion => "Version", "الإصدار", "Версия";
    NewerVersion => "beside version", "بجانب الإصدار", "рядом с версией";
    Restore => "Restore", "استعادة", "Восстановить";
    Restored => "Version {old} restored as version {new}.", "استُعيد الإصدار {old} بوصفه الإصدار {new}.", "Версия {old} восстановлена как версия {new}.";
    DiffTitle => "Version {old} beside version {new}", "الإصدار {old} بجانب الإصدار {new}", "Версия {old} рядом с версией {new}";
    NoDifference => "The two versions are the same.", "الإصداران متطابقان.", "Версии совпадают.";
    Backtest => "Backtest the draft on recent events", "اختبر المسودة على الأحداث الأخيرة", "Проверить черновик на недавних событиях";
    BacktestHelp => "Replays the shop's recent events in your browser, under the live program and under the draft.", "يعيد تشغيل أحداث المتجر الأخيرة في متصفحك، وفق البرنامج المعتمد ووفق المسودة.", "Повторяет недавние события магазина в браузере — по действующей программе и по черновику.";
    Replaying => "Replaying…", "جارٍ إعادة التشغيل…", "Повторяем…";
    CoveredAll => "Every event since the shop's first, {events} in all, replayed.", "أُعيد تشغيل كل الأحداث منذ أول حدث في المتجر، وعددها {events}.", "Повторены все события с первого: {events}.";
    CoveredSome => "The newest {events} events replayed (older ones are no longer kept).", "أُعيد تشغيل أحدث {events} حدثًا (لم تعد الأقدم محفوظة).", "Повторены последние события: {events} (более старые уже не хранятся).";
    Figure => "Figure", "المؤشر", "Показатель";
    LiveColumn => "Live", "المعتمد", "Действующая";
    DraftColumn => "Draft", "المسودة", "Черновик";
    PointsIssued => "Points issued", "النقاط الممنوحة", "Начислено баллов";
    PointsRedeemable => "Points redeemable now", "النقاط القابلة للاستبدال الآن", "Баллов можно потратить сейчас";
    PointsOutstandingRow => "Points outstanding", "النقاط القائمة", "Непогашенные баллы";
    TierMoves => "Members whose tier differs", "أعضاء يختلف مستواهم", "Участников с другим уровнем";
    ByRule => "Points by rule", "النقاط حسب القاعدة", "Баллы по правилам";
    Rule => "Rule", "القاعدة", "Правило";
    ChartBacktest => "Points issued as the events were replayed", "النقاط الممنوحة أثناء إعادة تشغيل الأحداث", "Начисленные баллы по ходу повторения событий";
    FormTitle => "The program as a form", "البرنامج كنموذج", "Программа в виде формы";
    AddPart => "Add {part}", "إضافة {part}", "Добавить {part}";
    RemovePart => "Remove {part}", "إزالة {part}", "Убрать {part}";
    AddItem => "Add to {part}", "إضافة إلى {part}", "Добавить в {part}";
    RemoveItem => "Remove this one", "إزالة هذا العنصر", "Удалить этот элемент";
    AddKey => "New key in {part}", "مفتاح جديد في {part}", "Новый ключ в {part}";
    TryTitle => "Try an event", "جرّب حدثًا", "Проверить событие";
    TryHelp => "Runs one event (paste your own) through the live program and the draft, for the member as stored; nothing is stored.", "يشغّل حدثًا واحدًا (الصق حدثك) وفق البرنامج المعتمد والمسودة، للعضو كما هو محفوظ؛ ولا يُحفظ شيء.", "Прогоняет одно событие (можно вставить своё) через действующую программу и черновик для участника в его текущем состоянии; ничего не сохраняется.";
    TryButton => "Try it", "جرّب", "Проверить";
    Total => "Total", "الإجمالي", "Итого";
    SummaryOutstandingPoints => "Points outstanding on {to}: {points} (no reward gives money, so no liability in money).", "النقاط القائمة في {to}: {points} (لا توجد مكافأة نقدية، فلا التزام بالمال).", "Непогашенные баллы на {to}: {points} (нет денежных наград, поэтому обязательства в деньгах нет).";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn every_string_is_written_in_every_language_with_the_same_values() {
        for key in Key::ALL {
            let english = Locale::En.text(*key);
            assert!(!english.is_empty(), "{key:?}");
            for locale in [Locale::Ar, Locale::Ru] {
                let text = locale.text(*key);
                assert!(!text.is_empty(), "{key:?} in {locale:?}");
                assert_ne!(text, english, "{key:?} is not translated into {locale:?}");
                assert_eq!(names(text), names(english), "{key:?} in {locale:?}");
            }
        }
    }

    #[test]
    fn tags_pick_the_language_and_direction() {
        assert_eq!(Locale::from_tag("ar-SA"), Locale::Ar);
        assert_eq!(Locale::from_tag("ru_RU"), Locale::Ru);
        assert_eq!(Locale::from_tag("de"), Locale::En);
        assert_eq!(Locale::Ar.dir(), "rtl");
        assert_eq!(Locale::Ru.dir(), "ltr");
    }

    #[test]
    fn fill_puts_values_in_by_name() {
        assert_eq!(
            Locale::En.fill(Key::WrongKey, &[("shop", "demo")]),
            "This key does not open the shop “demo”. Check the shop id and the key; a rotated key stops working at once."
        );
        assert_eq!(fill("a {x} b {y}", &[("x", "1")]), "a 1 b {y}");
        assert_eq!(fill("open { only", &[]), "open { only");
    }
}
