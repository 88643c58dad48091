//! What the install page hands the merchant to paste: the script tag for
//! their shop, and the code that makes customer tokens on their server (or
//! in their Shopify theme). The token snippets are the ones the embedding
//! guide prints; a test holds them to `docs/EMBED.md` and
//! `docs/INTEGRATIONS.md`, so the page and the guides cannot disagree.

/// The tag for `shop` on an edge at `origin` (`https://loyalty.example`).
pub fn script_tag(origin: &str, shop: &str) -> String {
    format!(
        "<script src=\"{origin}/loader.js\" data-shop=\"{shop}\"\n        data-customer-token=\"\" async></script>"
    )
}

/// The server snippets, by language, in the order the page shows them.
pub const TOKEN_SNIPPETS: [(&str, &str); 4] = [
    (
        "Node.js",
        r#"const crypto = require("crypto");
function loyaltyToken(memberId, widgetSecret, ttlSeconds = 3600) {
  const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
  const signed = `${memberId}.${expires}`;
  const mac = crypto.createHmac("sha256", widgetSecret).update(signed).digest("hex");
  return `${signed}.${mac}`;
}"#,
    ),
    (
        "Python",
        r#"import hashlib, hmac, time
def loyalty_token(member_id: str, widget_secret: str, ttl: int = 3600) -> str:
    signed = f"{member_id}.{int(time.time()) + ttl}"
    mac = hmac.new(widget_secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
    return f"{signed}.{mac}""#,
    ),
    (
        "PHP",
        r#"function loyalty_token(string $memberId, string $widgetSecret, int $ttl = 3600): string {
    $signed = $memberId . '.' . (time() + $ttl);
    return $signed . '.' . hash_hmac('sha256', $signed, $widgetSecret);
}"#,
    ),
    (
        "Ruby",
        r##"require "openssl"
def loyalty_token(member_id, widget_secret, ttl = 3600)
  signed = "#{member_id}.#{Time.now.to_i + ttl}"
  "#{signed}.#{OpenSSL::HMAC.hexdigest('SHA256', widget_secret, signed)}"
end"##,
    ),
];

/// Shopify's theme makes the token itself with Liquid's `hmac_sha256`
/// (the theme setting `loyalty_widget_secret` holds the secret).
pub fn liquid(origin: &str, shop: &str) -> String {
    LIQUID
        .replace("https://WORKER", origin)
        .replace("my-shop", shop)
}

const LIQUID: &str = r#"{%- assign loyalty_token = '' -%}
{%- if customer -%}
  {%- assign loyalty_expires = 'now' | date: '%s' | plus: 86400 -%}
  {%- capture loyalty_message -%}{{ customer.id }}.{{ loyalty_expires }}{%- endcapture -%}
  {%- assign loyalty_mac = loyalty_message | hmac_sha256: settings.loyalty_widget_secret -%}
  {%- assign loyalty_token = loyalty_message | append: '.' | append: loyalty_mac -%}
{%- endif -%}
<script src="https://WORKER/loader.js" data-shop="my-shop"
        data-customer-token="{{ loyalty_token }}" async></script>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippets_are_the_guides_own() {
        let embed = include_str!("../../docs/EMBED.md");
        for (language, code) in TOKEN_SNIPPETS {
            assert!(
                embed.contains(code),
                "{language}'s snippet is not in EMBED.md"
            );
        }
        let integrations = include_str!("../../docs/INTEGRATIONS.md");
        assert!(
            integrations.contains(LIQUID),
            "the Liquid snippet is not in INTEGRATIONS.md"
        );
    }

    #[test]
    fn the_tag_names_the_shop_and_the_edge() {
        let tag = script_tag("https://edge.example", "demo");
        assert!(
            tag.starts_with("<script src=\"https://edge.example/loader.js\" data-shop=\"demo\"")
        );
        let liquid = liquid("https://edge.example", "demo");
        assert!(liquid.contains("https://edge.example/loader.js\" data-shop=\"demo\""));
        assert!(liquid.contains("hmac_sha256: settings.loyalty_widget_secret"));
    }
}
