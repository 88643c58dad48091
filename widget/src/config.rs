//! What the loader hands the widget when it mounts it: the shop, where the
//! API is, the shopper's token and the page's language.

use crate::i18n::Locale;
use crate::model::Json;

/// The mount configuration, an object from `static/loader.js`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub shop: String,
    /// The edge's origin, e.g. `https://loyalty.example` (no trailing slash).
    pub api: String,
    /// The customer token the merchant's server rendered; none for a guest.
    pub token: Option<String>,
    /// The page's locale tag (`data-locale`, else `<html lang>`).
    pub locale: String,
    /// `rtl` when the page is right to left whatever its language.
    pub dir: Option<String>,
}

impl Config {
    /// Reads the loader's object; an empty token means a guest.
    pub fn read(json: &impl Json) -> Result<Self, &'static str> {
        let shop = json.text("shop");
        if shop.is_empty() {
            return Err("data-shop is required");
        }
        Ok(Self {
            shop,
            api: json.text("api").trim_end_matches('/').to_owned(),
            token: json.opt_text("token").filter(|t| !t.trim().is_empty()),
            locale: json.text("locale"),
            dir: json.opt_text("dir"),
        })
    }

    pub fn language(&self) -> Locale {
        Locale::from_tag(&self.locale)
    }

    /// The tag the browser's Intl formats numbers, money and dates for: the
    /// page's own (`ar-SA`, `ru-RU`: its region picks digits and separators)
    /// when the panel speaks its language, else the panel's language.
    pub fn intl_tag(&self) -> String {
        let tag = self.locale.replace('_', "-");
        let well_formed = (2..=35).contains(&tag.len())
            && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let language = tag.split('-').next().unwrap_or_default();
        if well_formed && language.eq_ignore_ascii_case(self.language().tag()) {
            tag
        } else {
            self.language().tag().to_owned()
        }
    }

    /// Right to left for Arabic, or when the page says so (contract 7).
    pub fn dir(&self) -> &'static str {
        if self.language().is_rtl() || self.dir.as_deref() == Some("rtl") {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// The URL of a widget endpoint: `path` follows `/v1/widget/{shop}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/v1/widget/{}{path}", self.api, encode(&self.shop))
    }
}

/// Percent-encodes everything but the characters ids may hold unencoded.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Config, &'static str> {
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(value) => Config::read(&value),
            Err(_) => Err("not JSON"),
        }
    }

    #[test]
    fn parses_what_the_loader_sends() {
        let config = parse(
            r#"{"shop":"demo","api":"http://127.0.0.1:8787/","token":"alice.1.ab","locale":"ar-SA"}"#,
        )
        .unwrap();
        assert_eq!(config.api, "http://127.0.0.1:8787");
        assert_eq!(config.language(), Locale::Ar);
        assert_eq!(config.dir(), "rtl");
        assert_eq!(
            config.url("/me?locale=ar"),
            "http://127.0.0.1:8787/v1/widget/demo/me?locale=ar"
        );
    }

    #[test]
    fn an_empty_token_is_a_guest_and_the_page_can_ask_for_rtl() {
        let config =
            parse(r#"{"shop":"demo","api":"","token":" ","locale":"en","dir":"rtl"}"#).unwrap();
        assert_eq!(config.token, None);
        assert_eq!(config.dir(), "rtl");
        assert!(parse(r#"{"shop":"","api":""}"#).is_err());
        assert!(parse("not json").is_err());
    }

    #[test]
    fn intl_gets_the_pages_region_when_the_panel_speaks_its_language() {
        let tag = |locale: &str| {
            parse(&format!(r#"{{"shop":"s","api":"","locale":"{locale}"}}"#))
                .unwrap()
                .intl_tag()
        };
        assert_eq!(tag("ar-SA"), "ar-SA");
        assert_eq!(tag("ru_RU"), "ru-RU");
        assert_eq!(tag("en"), "en");
        // A language the panel is not written in: its texts are English.
        assert_eq!(tag("de-DE"), "en");
        assert_eq!(tag("ar-SA<script>"), "ar");
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
        assert_eq!(encode("shop.example-1"), "shop.example-1");
        assert_eq!(encode("ключ"), "%D0%BA%D0%BB%D1%8E%D1%87");
    }
}
