//! Numbers, money and dates for the shopper's locale.
//!
//! In the browser [`Intl`](crate::format::Intl) asks the browser's
//! `Intl.NumberFormat` and `Intl.DateTimeFormat`, so digits, separators and
//! currency signs follow the page's locale tag, region included
//! (Arabic-Indic digits in `ar-SA` and `ar-EG`, Latin ones in plain `ar`; a
//! comma in `ru`), with no locale data in the wasm. [`Plain`] is the same contract
//! without a browser, for the native tests of the texts. Money never passes
//! through a float: minor units become an exact decimal string that Intl
//! formats as written.

/// How the panel turns figures into text.
pub trait Formats {
    /// A whole number: points, counts.
    fn number(&self, value: i64) -> String;
    /// An amount in minor units of the program's currency.
    fn money(&self, minor: i64) -> String;
    /// The calendar date of an RFC 3339 timestamp (on the shop's clock).
    fn date(&self, rfc3339: &str) -> String;
    /// The last day before an RFC 3339 instant: an exclusive end (midnight
    /// of 1 January) shown as the day it closes (31 December).
    fn last_day(&self, rfc3339: &str) -> String;
    /// CLDR's plural category of a count in the page's language, by the
    /// browser's own rules (`Intl.PluralRules`); `None` without them.
    fn plural(&self, _n: i64) -> Option<crate::i18n::Plural> {
        None
    }
}

pub use loyalty_rules::currency::minor_digits;

/// A typed amount in major units (`12`, `12.5`, `12,50`) as minor units;
/// `None` when it is not one (more decimals than the currency has, a sign,
/// letters, nothing).
pub fn parse_minor(text: &str, digits: u32) -> Option<i64> {
    // By hand: `str::parse` and `format!` would cost the wasm more.
    let (mut value, mut decimals, mut seen, mut point) = (0i64, 0u32, false, false);
    for byte in text.trim().bytes() {
        match byte {
            b'0'..=b'9' => {
                if point {
                    decimals += 1;
                    if decimals > digits {
                        return None;
                    }
                }
                value = value.checked_mul(10)?.checked_add(i64::from(byte - b'0'))?;
                seen = true;
            }
            b'.' | b',' if !point => point = true,
            _ => return None,
        }
    }
    let value = value.checked_mul(10i64.pow(digits - decimals))?;
    (seen && value <= loyalty_rules::program::MAX_AMOUNT).then_some(value)
}

pub use loyalty_rules::currency::decimal;

/// A whole number with a multiplication factor from basis points:
/// 15000 is `1.5`, 20000 is `2`.
pub fn factor(bp: i64) -> String {
    let whole = bp / 10_000;
    let rest = bp % 10_000;
    if rest == 0 {
        return whole.to_string();
    }
    let fraction = format!("{:04}", rest.unsigned_abs());
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// Formats without a browser: digits as Rust writes them, the currency code
/// after the amount, the date part of the timestamp.
#[derive(Clone, Debug)]
pub struct Plain {
    pub currency: String,
}

impl Formats for Plain {
    fn number(&self, value: i64) -> String {
        value.to_string()
    }

    fn money(&self, minor: i64) -> String {
        format!(
            "{} {}",
            decimal(minor, minor_digits(&self.currency)),
            self.currency
        )
    }

    fn date(&self, rfc3339: &str) -> String {
        rfc3339.get(..10).unwrap_or(rfc3339).to_owned()
    }

    fn last_day(&self, rfc3339: &str) -> String {
        let date = self.date(rfc3339);
        let midnight = rfc3339.get(10..19) == Some("T00:00:00");
        let parts: Vec<u32> = date.split('-').filter_map(|p| p.parse().ok()).collect();
        match (midnight, parts.as_slice()) {
            (true, [year, month, day]) => {
                let (year, month, day) = match (*month, *day) {
                    (1, 1) => (year - 1, 12, 31),
                    (m, 1) => (*year, m - 1, days_in(*year, m - 1)),
                    (m, d) => (*year, m, d - 1),
                };
                format!("{year:04}-{month:02}-{day:02}")
            }
            _ => date,
        }
    }
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::Intl;

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{Formats, Plain, decimal, minor_digits};
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `Intl.NumberFormat` or `Intl.DateTimeFormat`: both have `format`.
        type Formatter;

        // Called without `new`, which both constructors allow; `catch`
        // because an unknown currency or locale throws a RangeError, and a
        // throw across the wasm boundary would leave the panel half drawn.
        #[wasm_bindgen(catch, js_namespace = Intl, js_name = NumberFormat)]
        fn number_format(locale: &str, options: &JsValue) -> Result<Formatter, JsValue>;

        #[wasm_bindgen(catch, js_namespace = Intl, js_name = DateTimeFormat)]
        fn date_time_format(locale: &str, options: &JsValue) -> Result<Formatter, JsValue>;

        #[wasm_bindgen(method, catch, js_name = format)]
        fn format(this: &Formatter, value: &JsValue) -> Result<String, JsValue>;

        /// `Intl.PluralRules`, which must be built with `new`.
        #[wasm_bindgen(js_namespace = Intl, js_name = PluralRules)]
        type Plurals;

        #[wasm_bindgen(constructor, catch, js_namespace = Intl, js_class = PluralRules)]
        fn new(locale: &str) -> Result<Plurals, JsValue>;

        #[wasm_bindgen(method, js_name = select)]
        fn select(this: &Plurals, n: f64) -> String;
    }

    fn options(pairs: &[(&str, &str)]) -> JsValue {
        let object = js_sys::Object::new();
        for (key, value) in pairs {
            // Setting a plain property on a fresh object cannot fail.
            let _ = js_sys::Reflect::set(&object, &(*key).into(), &(*value).into());
        }
        object.into()
    }

    /// The browser's Intl for one locale and currency.
    pub struct Intl {
        numbers: Option<Formatter>,
        money: Option<Formatter>,
        dates: Option<Formatter>,
        plurals: Option<Plurals>,
        plain: Plain,
    }

    impl std::fmt::Debug for Intl {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Intl")
                .field("currency", &self.plain.currency)
                .finish_non_exhaustive()
        }
    }

    impl Intl {
        /// Dates on the clock of `zone` (the shop's IANA zone; the
        /// browser's own when it does not know it).
        pub fn new(locale: &str, currency: &str, zone: &str) -> Self {
            let dates = date_time_format(
                locale,
                &options(&[("dateStyle", "medium"), ("timeZone", zone)]),
            )
            .or_else(|_| date_time_format(locale, &options(&[("dateStyle", "medium")])))
            .ok();
            Self {
                numbers: number_format(locale, &options(&[])).ok(),
                money: number_format(
                    locale,
                    &options(&[("style", "currency"), ("currency", currency)]),
                )
                .ok(),
                dates,
                plurals: Plurals::new(locale).ok(),
                plain: Plain {
                    currency: currency.to_owned(),
                },
            }
        }
    }

    impl Formats for Intl {
        fn number(&self, value: i64) -> String {
            // A decimal string keeps every digit of an i64 exact.
            self.numbers
                .as_ref()
                .and_then(|f| f.format(&value.to_string().into()).ok())
                .unwrap_or_else(|| self.plain.number(value))
        }

        fn money(&self, minor: i64) -> String {
            let exact = decimal(minor, minor_digits(&self.plain.currency));
            self.money
                .as_ref()
                .and_then(|f| f.format(&exact.into()).ok())
                .unwrap_or_else(|| self.plain.money(minor))
        }

        fn date(&self, rfc3339: &str) -> String {
            let date = js_sys::Date::new(&rfc3339.into());
            self.dates
                .as_ref()
                .and_then(|f| f.format(&date.into()).ok())
                .unwrap_or_else(|| self.plain.date(rfc3339))
        }

        fn plural(&self, n: i64) -> Option<crate::i18n::Plural> {
            use crate::i18n::Plural;
            #[allow(clippy::cast_precision_loss)]
            let category = self.plurals.as_ref()?.select(n as f64);
            Some(match category.as_str() {
                "zero" => Plural::Zero,
                "one" => Plural::One,
                "two" => Plural::Two,
                "few" => Plural::Few,
                "many" => Plural::Many,
                _ => Plural::Other,
            })
        }

        fn last_day(&self, rfc3339: &str) -> String {
            let before = js_sys::Date::parse(rfc3339) - 1000.0;
            let date = js_sys::Date::new(&before.into());
            self.dates
                .as_ref()
                .and_then(|f| f.format(&date.into()).ok())
                .unwrap_or_else(|| self.plain.last_day(rfc3339))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(45_000, 2), "450.00");
        assert_eq!(decimal(5, 2), "0.05");
        assert_eq!(decimal(-1_250, 2), "-12.50");
        assert_eq!(decimal(1_234, 0), "1234");
        assert_eq!(decimal(1_234, 3), "1.234");
        assert_eq!(decimal(i64::MIN, 2), "-92233720368547758.08");
    }

    #[test]
    fn typed_amounts_become_exact_minor_units() {
        assert_eq!(parse_minor("12", 2), Some(1_200));
        assert_eq!(parse_minor(" 12.5 ", 2), Some(1_250));
        assert_eq!(parse_minor("12,05", 2), Some(1_205));
        assert_eq!(parse_minor(".5", 2), Some(50));
        assert_eq!(parse_minor("7.", 2), Some(700));
        assert_eq!(parse_minor("1.234", 3), Some(1_234));
        assert_eq!(parse_minor("500", 0), Some(500));
        for bad in [
            "",
            ".",
            "-5",
            "1.005",
            "1e3",
            "12 USD",
            "1.2.3",
            "9999999999999999",
        ] {
            assert_eq!(parse_minor(bad, 2), None, "{bad:?}");
        }
        assert_eq!(parse_minor("5.5", 0), None);
    }

    #[test]
    fn factors_drop_trailing_zeros() {
        assert_eq!(factor(20_000), "2");
        assert_eq!(factor(15_000), "1.5");
        assert_eq!(factor(12_500), "1.25");
        assert_eq!(factor(10_001), "1.0001");
    }

    #[test]
    fn plain_formats_put_the_code_after_the_amount() {
        let plain = Plain {
            currency: "SAR".into(),
        };
        assert_eq!(plain.money(45_000), "450.00 SAR");
        assert_eq!(plain.number(1_500), "1500");
        assert_eq!(plain.date("2027-11-06T08:00:00Z"), "2027-11-06");
    }
}
