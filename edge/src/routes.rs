//! The routing table: every public route, matched from method and path.
//! Pure, so the OpenAPI test can check it natively.

/// One public route of the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Healthz,
    OpenApi,
    CreateShop,
    PutProgram {
        shop: String,
    },
    GetProgram {
        shop: String,
    },
    Simulate {
        shop: String,
    },
    Events {
        shop: String,
    },
    Member {
        shop: String,
        member: String,
    },
    EraseMember {
        shop: String,
        member: String,
    },
    Ledger {
        shop: String,
        member: String,
    },
    Adjust {
        shop: String,
        member: String,
    },
    Export {
        shop: String,
        member: String,
    },
    Code {
        shop: String,
        code: String,
    },
    UseCode {
        shop: String,
        code: String,
    },
    CancelCode {
        shop: String,
        code: String,
    },
    RotateKeys {
        shop: String,
    },
    Analytics {
        shop: String,
    },
    WidgetProgram {
        shop: String,
    },
    WidgetMe {
        shop: String,
    },
    WidgetLedger {
        shop: String,
    },
    WidgetRedeem {
        shop: String,
    },
    Referral {
        shop: String,
        code: String,
    },
    /// Development only: answers 404 unless the development variable is set.
    DevToken {
        shop: String,
    },
}

/// `(method, OpenAPI path)` of every public route; the OpenAPI document must
/// list exactly these (the development route is deliberately absent).
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/openapi.json"),
    ("post", "/v1/shops"),
    ("put", "/v1/shops/{shop}/program"),
    ("get", "/v1/shops/{shop}/program"),
    ("post", "/v1/shops/{shop}/simulate"),
    ("post", "/v1/shops/{shop}/events"),
    ("get", "/v1/shops/{shop}/members/{member_id}"),
    ("delete", "/v1/shops/{shop}/members/{member_id}"),
    ("get", "/v1/shops/{shop}/members/{member_id}/ledger"),
    ("post", "/v1/shops/{shop}/members/{member_id}/adjustments"),
    ("get", "/v1/shops/{shop}/members/{member_id}/export"),
    ("get", "/v1/shops/{shop}/codes/{code}"),
    ("post", "/v1/shops/{shop}/codes/{code}/use"),
    ("post", "/v1/shops/{shop}/codes/{code}/cancel"),
    ("post", "/v1/shops/{shop}/keys/rotate"),
    ("get", "/v1/shops/{shop}/analytics"),
    ("get", "/v1/widget/{shop}/program"),
    ("get", "/v1/widget/{shop}/me"),
    ("get", "/v1/widget/{shop}/me/ledger"),
    ("post", "/v1/widget/{shop}/redeem"),
    ("get", "/r/{shop}/{code}"),
];

/// What a path and method ask for: a route, a known path with another
/// method (405), or nothing (404).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matched {
    Route(Route),
    WrongMethod,
    NotFound,
}

/// Percent-decodes one path segment; `None` if it is not valid UTF-8.
fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub fn match_route(method: &str, path: &str) -> Matched {
    let segments: Option<Vec<String>> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let Some(segments) = segments else {
        return Matched::NotFound;
    };
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let owned = |x: &str| x.to_owned();
    let (route, allowed): (Option<Route>, bool) = match (method, s.as_slice()) {
        (m, ["healthz"]) => (Some(Route::Healthz), m == "GET"),
        (m, ["openapi.json"]) => (Some(Route::OpenApi), m == "GET"),
        (m, ["v1", "shops"]) => (Some(Route::CreateShop), m == "POST"),
        ("PUT", ["v1", "shops", shop, "program"]) => {
            (Some(Route::PutProgram { shop: owned(shop) }), true)
        }
        (m, ["v1", "shops", shop, "program"]) => {
            (Some(Route::GetProgram { shop: owned(shop) }), m == "GET")
        }
        (m, ["v1", "shops", shop, "simulate"]) => {
            (Some(Route::Simulate { shop: owned(shop) }), m == "POST")
        }
        (m, ["v1", "shops", shop, "events"]) => {
            (Some(Route::Events { shop: owned(shop) }), m == "POST")
        }
        ("DELETE", ["v1", "shops", shop, "members", member]) => (
            Some(Route::EraseMember {
                shop: owned(shop),
                member: owned(member),
            }),
            true,
        ),
        (m, ["v1", "shops", shop, "members", member]) => (
            Some(Route::Member {
                shop: owned(shop),
                member: owned(member),
            }),
            m == "GET",
        ),
        (m, ["v1", "shops", shop, "members", member, "ledger"]) => (
            Some(Route::Ledger {
                shop: owned(shop),
                member: owned(member),
            }),
            m == "GET",
        ),
        (m, ["v1", "shops", shop, "members", member, "adjustments"]) => (
            Some(Route::Adjust {
                shop: owned(shop),
                member: owned(member),
            }),
            m == "POST",
        ),
        (m, ["v1", "shops", shop, "members", member, "export"]) => (
            Some(Route::Export {
                shop: owned(shop),
                member: owned(member),
            }),
            m == "GET",
        ),
        (m, ["v1", "shops", shop, "codes", code]) => (
            Some(Route::Code {
                shop: owned(shop),
                code: owned(code),
            }),
            m == "GET",
        ),
        (m, ["v1", "shops", shop, "codes", code, "use"]) => (
            Some(Route::UseCode {
                shop: owned(shop),
                code: owned(code),
            }),
            m == "POST",
        ),
        (m, ["v1", "shops", shop, "codes", code, "cancel"]) => (
            Some(Route::CancelCode {
                shop: owned(shop),
                code: owned(code),
            }),
            m == "POST",
        ),
        (m, ["v1", "shops", shop, "keys", "rotate"]) => {
            (Some(Route::RotateKeys { shop: owned(shop) }), m == "POST")
        }
        (m, ["v1", "shops", shop, "analytics"]) => {
            (Some(Route::Analytics { shop: owned(shop) }), m == "GET")
        }
        (m, ["v1", "widget", shop, "program"]) => {
            (Some(Route::WidgetProgram { shop: owned(shop) }), m == "GET")
        }
        (m, ["v1", "widget", shop, "me"]) => {
            (Some(Route::WidgetMe { shop: owned(shop) }), m == "GET")
        }
        (m, ["v1", "widget", shop, "me", "ledger"]) => {
            (Some(Route::WidgetLedger { shop: owned(shop) }), m == "GET")
        }
        (m, ["v1", "widget", shop, "redeem"]) => {
            (Some(Route::WidgetRedeem { shop: owned(shop) }), m == "POST")
        }
        (m, ["v1", "dev", shop, "token"]) => (
            Some(Route::DevToken { shop: owned(shop) }),
            m == "POST" || m == "GET",
        ),
        (m, ["r", shop, code]) => (
            Some(Route::Referral {
                shop: owned(shop),
                code: owned(code),
            }),
            m == "GET" || m == "HEAD",
        ),
        _ => (None, false),
    };
    match route {
        Some(route) if allowed => Matched::Route(route),
        Some(_) => Matched::WrongMethod,
        None => Matched::NotFound,
    }
}

/// The methods a path takes, for the `Allow` header of a 405.
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    ["GET", "HEAD", "POST", "PUT", "DELETE"]
        .into_iter()
        .filter(|method| matches!(match_route(method, path), Matched::Route(_)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_public_route_matches_its_method() {
        for (method, pattern) in PUBLIC_ROUTES {
            let path = pattern
                .replace("{shop}", "demo")
                .replace("{member_id}", "c-1")
                .replace("{code}", "ABCD");
            let matched = match_route(&method.to_ascii_uppercase(), &path);
            assert!(
                matches!(matched, Matched::Route(_)),
                "{method} {path}: {matched:?}"
            );
        }
    }

    #[test]
    fn other_methods_and_paths_are_refused() {
        assert_eq!(match_route("DELETE", "/healthz"), Matched::WrongMethod);
        assert_eq!(allowed_methods("/v1/shops/demo/program"), ["GET", "PUT"]);
        assert_eq!(match_route("GET", "/v1/nothing"), Matched::NotFound);
        assert_eq!(
            match_route("GET", "/v1/shops/demo/members/a%2Eb"),
            Matched::Route(Route::Member {
                shop: "demo".into(),
                member: "a.b".into()
            })
        );
    }
}
