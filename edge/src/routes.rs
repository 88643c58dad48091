//! The route table: every route of the worker declared once, with its
//! method, its path (as the API document writes it), who may call it and
//! the operation that answers it. Routing, authorization, CORS, the 405
//! `Allow` list, the API document's test and the end-to-end
//! route-by-credential test all read this one table. Pure, so the tests
//! run natively.

use std::sync::OnceLock;

use crate::platforms::Platform;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No credential (health, the API document, referral redirects).
    Anyone,
    /// The platform's `ADMIN_TOKEN` only (creating a shop).
    Admin,
    /// The shop's API key only.
    Merchant,
    /// The shop's API key or the platform's token (key rotation).
    MerchantOrAdmin,
    /// The shop's API key or a `Loyalty-Signature` over the body (events).
    MerchantOrSigned,
    /// A shopper's customer token.
    Shopper,
    /// A shopper's customer token, or nobody (then answered as for a guest).
    ShopperOrGuest,
    /// Only with the development variable set; otherwise the route does not
    /// exist (404 for every method).
    Dev,
    /// A shop platform's webhook, signed its own way with the secret the
    /// merchant connected for it.
    Platform(Platform),
}

/// A kind of credential a request may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    Admin,
    ApiKey,
    Signature,
    CustomerToken,
    /// A platform's own webhook signature.
    PlatformSignature(Platform),
}

impl Access {
    /// Whether a route with this access takes `credential`.
    pub fn takes(self, credential: CredentialKind) -> bool {
        use CredentialKind as C;
        match self {
            Access::Anyone | Access::Dev => false,
            Access::Admin => credential == C::Admin,
            Access::Merchant => credential == C::ApiKey,
            Access::MerchantOrAdmin => matches!(credential, C::ApiKey | C::Admin),
            Access::MerchantOrSigned => matches!(credential, C::ApiKey | C::Signature),
            Access::Shopper | Access::ShopperOrGuest => credential == C::CustomerToken,
            Access::Platform(platform) => credential == C::PlatformSignature(platform),
        }
    }

    /// The API document's `security` for this access: the alternatives,
    /// each a list of scheme names (empty: no credential).
    pub fn security(self) -> &'static [&'static [&'static str]] {
        match self {
            Access::Anyone | Access::Dev => &[],
            Access::Admin => &[&["admin"]],
            Access::Merchant => &[&["apiKey"]],
            Access::MerchantOrAdmin => &[&["apiKey"], &["admin"]],
            Access::MerchantOrSigned => &[&["apiKey"], &["webhookSignature"]],
            Access::Shopper => &[&["customerToken"]],
            Access::ShopperOrGuest => &[&[], &["customerToken"]],
            Access::Platform(Platform::Shopify) => &[&["shopifyHmac"]],
            Access::Platform(Platform::WooCommerce) => &[&["wooCommerceSignature"]],
            Access::Platform(Platform::Shopware) => &[&["shopwareSignature"]],
        }
    }

    /// Whether the route answers without any credential.
    pub fn open(self) -> bool {
        matches!(self, Access::Anyone | Access::ShopperOrGuest | Access::Dev)
    }
}

/// The operation that answers a route (the worker dispatches on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Healthz,
    OpenApi,
    CreateShop,
    PutProgram,
    GetProgram,
    Simulate,
    Events,
    Member,
    EraseMember,
    Ledger,
    Adjust,
    Consent,
    Export,
    Code,
    UseCode,
    CancelCode,
    RotateKeys,
    Analytics,
    WidgetProgram,
    WidgetMe,
    WidgetLedger,
    WidgetRedeem,
    WidgetSpendCredit,
    WidgetLeave,
    WidgetJoin,
    Referral,
    DevToken,
    DevCalls,
    /// Stores (PUT) or forgets (DELETE) the secret a platform signs with.
    ConnectPlatform(Platform),
    DisconnectPlatform(Platform),
    /// A platform's webhook.
    PlatformHook(Platform),
    AddWebhook,
    ListWebhooks,
    RemoveWebhook,
    DeadLetters,
    ReplayDelivery,
    /// The list of members, searched, sorted and paged.
    Members,
    /// The program's saved versions, and one of them.
    ProgramVersions,
    ProgramVersion,
    /// The contract's metrics day by day.
    DailyAnalytics,
    /// The shop's recent events, newest first (the backtest's input).
    RecentEvents,
    /// The install checklist.
    Setup,
}

/// One route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteDef {
    pub method: &'static str,
    /// The path as the API document writes it: `{shop}`, `{member_id}`, `{code}`.
    pub path: &'static str,
    pub access: Access,
    pub op: Op,
}

impl RouteDef {
    /// Whether the API document lists it (development routes and `HEAD`
    /// stay out).
    pub fn documented(&self) -> bool {
        self.access != Access::Dev && self.method != "HEAD"
    }

    /// Whether browsers call it from the shop's pages (CORS for the shop's
    /// allowed origins).
    pub fn cors(&self) -> bool {
        self.path.starts_with("/v1/widget/")
    }
}

const fn route(method: &'static str, path: &'static str, access: Access, op: Op) -> RouteDef {
    RouteDef {
        method,
        path,
        access,
        op,
    }
}

/// Every route of the worker.
pub const ROUTES: &[RouteDef] = {
    use crate::platforms::Platform as P;
    use Access::*;
    &[
        route("GET", "/healthz", Anyone, Op::Healthz),
        route("GET", "/openapi.json", Anyone, Op::OpenApi),
        route("POST", "/v1/shops", Admin, Op::CreateShop),
        route("PUT", "/v1/shops/{shop}/program", Merchant, Op::PutProgram),
        route("GET", "/v1/shops/{shop}/program", Merchant, Op::GetProgram),
        route(
            "GET",
            "/v1/shops/{shop}/program/versions",
            Merchant,
            Op::ProgramVersions,
        ),
        route(
            "GET",
            "/v1/shops/{shop}/program/versions/{version}",
            Merchant,
            Op::ProgramVersion,
        ),
        route("POST", "/v1/shops/{shop}/simulate", Merchant, Op::Simulate),
        route(
            "POST",
            "/v1/shops/{shop}/events",
            MerchantOrSigned,
            Op::Events,
        ),
        route("GET", "/v1/shops/{shop}/events", Merchant, Op::RecentEvents),
        route("GET", "/v1/shops/{shop}/members", Merchant, Op::Members),
        route(
            "GET",
            "/v1/shops/{shop}/members/{member_id}",
            Merchant,
            Op::Member,
        ),
        route(
            "DELETE",
            "/v1/shops/{shop}/members/{member_id}",
            Merchant,
            Op::EraseMember,
        ),
        route(
            "GET",
            "/v1/shops/{shop}/members/{member_id}/ledger",
            Merchant,
            Op::Ledger,
        ),
        route(
            "POST",
            "/v1/shops/{shop}/members/{member_id}/adjustments",
            Merchant,
            Op::Adjust,
        ),
        route(
            "PUT",
            "/v1/shops/{shop}/members/{member_id}/consent",
            Merchant,
            Op::Consent,
        ),
        route(
            "GET",
            "/v1/shops/{shop}/members/{member_id}/export",
            Merchant,
            Op::Export,
        ),
        route("GET", "/v1/shops/{shop}/codes/{code}", Merchant, Op::Code),
        route(
            "POST",
            "/v1/shops/{shop}/codes/{code}/use",
            Merchant,
            Op::UseCode,
        ),
        route(
            "POST",
            "/v1/shops/{shop}/codes/{code}/cancel",
            Merchant,
            Op::CancelCode,
        ),
        route(
            "POST",
            "/v1/shops/{shop}/keys/rotate",
            MerchantOrAdmin,
            Op::RotateKeys,
        ),
        route("GET", "/v1/shops/{shop}/analytics", Merchant, Op::Analytics),
        route("GET", "/v1/shops/{shop}/setup", Merchant, Op::Setup),
        route(
            "GET",
            "/v1/shops/{shop}/analytics/daily",
            Merchant,
            Op::DailyAnalytics,
        ),
        route(
            "POST",
            "/v1/shops/{shop}/webhooks",
            Merchant,
            Op::AddWebhook,
        ),
        route(
            "GET",
            "/v1/shops/{shop}/webhooks",
            Merchant,
            Op::ListWebhooks,
        ),
        route(
            "DELETE",
            "/v1/shops/{shop}/webhooks/{webhook_id}",
            Merchant,
            Op::RemoveWebhook,
        ),
        route(
            "GET",
            "/v1/shops/{shop}/webhooks/dead",
            Merchant,
            Op::DeadLetters,
        ),
        route(
            "POST",
            "/v1/shops/{shop}/webhooks/dead/{delivery_id}/replay",
            Merchant,
            Op::ReplayDelivery,
        ),
        route(
            "PUT",
            "/v1/shops/{shop}/platforms/shopify",
            Merchant,
            Op::ConnectPlatform(P::Shopify),
        ),
        route(
            "DELETE",
            "/v1/shops/{shop}/platforms/shopify",
            Merchant,
            Op::DisconnectPlatform(P::Shopify),
        ),
        route(
            "POST",
            "/v1/hooks/{shop}/shopify",
            Platform(P::Shopify),
            Op::PlatformHook(P::Shopify),
        ),
        route(
            "PUT",
            "/v1/shops/{shop}/platforms/woocommerce",
            Merchant,
            Op::ConnectPlatform(P::WooCommerce),
        ),
        route(
            "DELETE",
            "/v1/shops/{shop}/platforms/woocommerce",
            Merchant,
            Op::DisconnectPlatform(P::WooCommerce),
        ),
        route(
            "POST",
            "/v1/hooks/{shop}/woocommerce",
            Platform(P::WooCommerce),
            Op::PlatformHook(P::WooCommerce),
        ),
        route(
            "PUT",
            "/v1/shops/{shop}/platforms/shopware",
            Merchant,
            Op::ConnectPlatform(P::Shopware),
        ),
        route(
            "DELETE",
            "/v1/shops/{shop}/platforms/shopware",
            Merchant,
            Op::DisconnectPlatform(P::Shopware),
        ),
        route(
            "POST",
            "/v1/hooks/{shop}/shopware",
            Platform(P::Shopware),
            Op::PlatformHook(P::Shopware),
        ),
        route(
            "GET",
            "/v1/widget/{shop}/program",
            ShopperOrGuest,
            Op::WidgetProgram,
        ),
        route("GET", "/v1/widget/{shop}/me", Shopper, Op::WidgetMe),
        route(
            "GET",
            "/v1/widget/{shop}/me/ledger",
            Shopper,
            Op::WidgetLedger,
        ),
        route(
            "POST",
            "/v1/widget/{shop}/redeem",
            Shopper,
            Op::WidgetRedeem,
        ),
        route(
            "POST",
            "/v1/widget/{shop}/credit",
            Shopper,
            Op::WidgetSpendCredit,
        ),
        route(
            "POST",
            "/v1/widget/{shop}/me/leave",
            Shopper,
            Op::WidgetLeave,
        ),
        route("POST", "/v1/widget/{shop}/me/join", Shopper, Op::WidgetJoin),
        route("GET", "/r/{shop}/{code}", Anyone, Op::Referral),
        route("HEAD", "/r/{shop}/{code}", Anyone, Op::Referral),
        route("GET", "/v1/dev/{shop}/token", Dev, Op::DevToken),
        route("POST", "/v1/dev/{shop}/token", Dev, Op::DevToken),
        route("GET", "/v1/dev/{shop}/calls", Dev, Op::DevCalls),
    ]
};

/// The ids a path carries (empty when it carries none), percent-decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pub shop: String,
    pub member: String,
    pub code: String,
    /// A webhook's or a delivery's id, a program version.
    pub id: String,
}

/// Every route at one path, and the ids the path carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub routes: Vec<&'static RouteDef>,
    pub params: Params,
}

impl Found {
    /// The route for `method`, if the path takes it.
    pub fn for_method(&self, method: &str) -> Option<&'static RouteDef> {
        self.routes.iter().copied().find(|r| r.method == method)
    }

    /// The methods the path takes, for `Allow` and CORS preflights.
    pub fn allow(&self) -> Vec<&'static str> {
        self.routes.iter().map(|r| r.method).collect()
    }

    /// Whether the path answers browsers on the shop's pages.
    pub fn cors(&self) -> bool {
        self.routes.iter().any(|r| r.cors())
    }
}

/// What a method and path ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matched {
    Route(&'static RouteDef, Params),
    /// A known path, another method: the methods it takes.
    WrongMethod(Vec<&'static str>),
    NotFound,
}

/// The matcher: one entry per distinct path, holding the table's indices.
fn router() -> &'static matchit::Router<Vec<usize>> {
    static ROUTER: OnceLock<matchit::Router<Vec<usize>>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let mut paths: Vec<(&str, Vec<usize>)> = Vec::new();
        for (i, def) in ROUTES.iter().enumerate() {
            match paths.iter_mut().find(|(p, _)| *p == def.path) {
                Some((_, indices)) => indices.push(i),
                None => paths.push((def.path, vec![i])),
            }
        }
        let mut router = matchit::Router::new();
        for (path, indices) in paths {
            // matchit 0.7 writes parameters as `:name`.
            let pattern = path.replace('{', ":").replace('}', "");
            if router.insert(pattern, indices).is_err() {
                unreachable!("the route table has conflicting paths");
            }
        }
        router
    })
}

/// Every route at `path` (development routes only when `dev`).
pub fn find(path: &str, dev: bool) -> Option<Found> {
    let matched = router().at(path).ok()?;
    let mut params = Params::default();
    for (name, raw) in matched.params.iter() {
        let value = decode(raw)?;
        match name {
            "shop" => params.shop = value,
            "member_id" => params.member = value,
            "code" => params.code = value,
            "webhook_id" | "delivery_id" | "version" => params.id = value,
            _ => {}
        }
    }
    let routes: Vec<&'static RouteDef> = matched
        .value
        .iter()
        .map(|&i| &ROUTES[i])
        .filter(|r| dev || r.access != Access::Dev)
        .collect();
    if routes.is_empty() {
        return None;
    }
    Some(Found { routes, params })
}

/// The route for a method and path.
pub fn match_route(method: &str, path: &str, dev: bool) -> Matched {
    match find(path, dev) {
        None => Matched::NotFound,
        Some(found) => match found.for_method(method) {
            Some(def) => Matched::Route(def, found.params),
            None => Matched::WrongMethod(found.allow()),
        },
    }
}

/// Percent-decodes one path segment; `None` if it is not valid UTF-8 or a
/// `%` is not followed by two hex digits.
fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(path: &str) -> String {
        path.replace("{shop}", "demo")
            .replace("{member_id}", "c-1")
            .replace("{code}", "ABCD")
            .replace("{webhook_id}", "wh_1")
            .replace("{delivery_id}", "7")
            .replace("{version}", "3")
    }

    #[test]
    fn every_route_matches_its_method_and_only_it() {
        for def in ROUTES {
            let path = sample(def.path);
            match match_route(def.method, &path, true) {
                Matched::Route(found, params) => {
                    assert_eq!(found, def, "{} {path}", def.method);
                    assert_eq!(
                        params.shop,
                        if def.path.contains("{shop}") {
                            "demo"
                        } else {
                            ""
                        }
                    );
                }
                other => panic!("{} {path}: {other:?}", def.method),
            }
        }
        for def in ROUTES {
            let path = sample(def.path);
            for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"] {
                let declared = ROUTES
                    .iter()
                    .any(|r| r.path == def.path && r.method == method);
                let matched = matches!(match_route(method, &path, true), Matched::Route(..));
                assert_eq!(matched, declared, "{method} {path}");
            }
        }
    }

    #[test]
    fn other_methods_and_paths_are_refused() {
        assert_eq!(
            match_route("DELETE", "/healthz", false),
            Matched::WrongMethod(vec!["GET"])
        );
        assert_eq!(
            match_route("POST", "/v1/shops/demo/program", false),
            Matched::WrongMethod(vec!["PUT", "GET"])
        );
        assert_eq!(match_route("GET", "/v1/nothing", false), Matched::NotFound);
        assert_eq!(
            match_route("GET", "/v1/shops/demo/members/%zz", false),
            Matched::NotFound
        );
        assert_eq!(
            match_route("GET", "/v1/shops/demo/members/%4", false),
            Matched::NotFound
        );
        match match_route("GET", "/v1/shops/demo/members/a%2Eb", false) {
            Matched::Route(def, params) => {
                assert_eq!(def.op, Op::Member);
                assert_eq!(params.member, "a.b");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn development_routes_exist_only_in_development() {
        for method in ["GET", "PUT", "POST", "DELETE"] {
            assert_eq!(
                match_route(method, "/v1/dev/demo/token", false),
                Matched::NotFound,
                "{method}"
            );
        }
        assert!(matches!(
            match_route("GET", "/v1/dev/demo/token", true),
            Matched::Route(def, _) if def.op == Op::DevToken
        ));
        assert_eq!(
            match_route("PUT", "/v1/dev/demo/token", true),
            Matched::WrongMethod(vec!["GET", "POST"])
        );
    }

    #[test]
    fn signatures_only_on_events_and_the_admin_token_only_where_the_contract_says() {
        for def in ROUTES {
            assert_eq!(
                def.access.takes(CredentialKind::Signature),
                def.op == Op::Events,
                "{} {}",
                def.method,
                def.path
            );
            assert_eq!(
                def.access.takes(CredentialKind::Admin),
                matches!(def.op, Op::CreateShop | Op::RotateKeys),
                "{} {}",
                def.method,
                def.path
            );
            assert_eq!(
                def.access.takes(CredentialKind::CustomerToken),
                def.path.starts_with("/v1/widget/"),
                "{} {}",
                def.method,
                def.path
            );
        }
    }
}
