//! Shop platforms' routes: connecting a platform's signing secret, and the
//! platform's own webhooks, turned into events by `crate::platforms` and
//! recorded the one exactly-once way (`merchant::record`).

use super::*;
use crate::bodies::{HookAnswer, PlatformConnection, PlatformSecret, PrivacyDone};
use crate::model::{
    ConnectPlatform, EraseRequest, ExportRequest, ForgetGuest, Index, LookupOrder, RedactShop,
};
use crate::platforms::{Hook, Platform, PrivacyRequest};

/// Stores (or forgets) the secret `platform` signs the shop's webhooks with.
pub(super) async fn connect(ask: Ask<'_>, platform: Platform, on: bool) -> AppResult<Reply> {
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let secret = if on {
        let value = parse_json(&ask.body)?;
        let secret = PlatformSecret::from_value(&value)
            .map_err(|problems| AppError::invalid("invalid_request", problems))?;
        Some(secret.secret)
    } else {
        None
    };
    let connect = ConnectPlatform {
        platform: platform.name().to_owned(),
        secret,
    };
    store::shop(ask.env, &ask.shop, connect).await?;
    Reply::json(
        200,
        &PlatformConnection {
            platform: platform.name().to_owned(),
            connected: on,
            webhook_path: format!("/v1/hooks/{}/{}", ask.shop, platform.name()),
        },
    )
}

/// A platform's webhook: its signature checked at a gate (as every event's
/// credential is), its topic read, its events recorded once each. A
/// payload missing what an event needs answers 422 and records nothing.
pub(super) async fn hook(ask: Ask<'_>, platform: Platform) -> AppResult<Reply> {
    if header(ask.req, platform.signature_header()).is_none() && platform.is_ping(&ask.body) {
        return Reply::json(
            200,
            &HookAnswer {
                ignored: true,
                ..HookAnswer::of("ping")
            },
        );
    }
    // The signature first: an unsigned or forged body is not read.
    let context = merchant::authenticate(&ask, ContextRequest::default()).await?;
    let value = parse_json(&ask.body)?;
    let topic_header = platform
        .topic_header()
        .and_then(|name| header(ask.req, name));
    let topic = platform.topic(topic_header.as_deref(), &value);
    let (events, codes) = match platform.read(&topic, &value) {
        Ok(Hook::Events { events, codes }) => (events, codes),
        Ok(Hook::Refund {
            order_id,
            mut event,
        }) => {
            let owner = store::gate(
                ask.env,
                &ask.shop,
                keys::order_gate(&order_id),
                LookupOrder {
                    order: order_id.clone(),
                },
            )
            .await?;
            // An order never recorded here (paid before the shop connected,
            // or gone with its erased member): acknowledged with the reason.
            let Some(owner) = owner else {
                let unknown = AppError::new(
                    422,
                    "unknown_order",
                    format!("no paid order {order_id} was recorded from this platform"),
                );
                return Reply::json(
                    200,
                    &HookAnswer {
                        results: vec![Outcome::Problem(unknown)],
                        ..HookAnswer::of(topic)
                    },
                );
            };
            match owner.split_once(':') {
                Some(("member", member)) => event["member_id"] = json!(member),
                Some(("guest", hash)) => event["member"] = json!({"email_hash": hash}),
                _ => return Err(AppError::internal()),
            }
            (vec![event], Vec::new())
        }
        Ok(Hook::Privacy {
            request,
            member_id,
            email_hash,
        }) => {
            let done = privacy(&ask, &context, request, member_id, email_hash).await?;
            return Reply::json(
                200,
                &HookAnswer {
                    privacy: Some(done),
                    ..HookAnswer::of(topic)
                },
            );
        }
        Ok(Hook::ShopRedact) => {
            let redact = RedactShop {
                program: program_ref(&ask.shop, &context),
            };
            store::shop(ask.env, &ask.shop, redact).await?;
            return Reply::json(
                200,
                &HookAnswer {
                    privacy: Some(PrivacyDone {
                        member: false,
                        erased: true,
                        export_path: None,
                        whole_shop: true,
                    }),
                    ..HookAnswer::of(topic)
                },
            );
        }
        Ok(Hook::Ignored) => {
            return Reply::json(
                200,
                &HookAnswer {
                    ignored: true,
                    ..HookAnswer::of(topic)
                },
            );
        }
        Err(problems) => return Err(AppError::invalid("invalid_payload", problems)),
    };
    let at = now();
    let parsed: Vec<_> = events
        .iter()
        .map(|event| Incoming::from_value(event, at))
        .collect();
    // What the platform sent must make valid events; else nothing is
    // recorded and the platform is told why.
    if let Some(problems) = parsed.iter().find_map(|p| p.as_ref().err()) {
        return Err(AppError::invalid("invalid_payload", problems.clone()));
    }
    let parsed: Vec<_> = parsed.into_iter().flatten().collect();
    let results = merchant::record(&ask, parsed.iter().cloned().map(Ok).collect()).await?;
    index_orders(&ask, &parsed, &results).await?;
    // What a retry could change is refused as a whole, so the platform
    // sends it again (its retry finds the recorded events duplicates): a
    // failure of ours, a rate limit, a shop without a program yet. What
    // the rules refuse (a refund or cancellation of an order never
    // recorded, a guest's order where guests' orders are not held, an
    // id sent with another body…) is acknowledged with the reason in
    // `results`: sending it again changes nothing, and a platform that
    // hears errors turns its webhook off.
    let retry = results.iter().find_map(|result| {
        let error = result.as_ref().err()?;
        (error.status >= 500 || error.status == 429 || error.code == "no_program")
            .then(|| error.clone())
    });
    if let Some(error) = retry {
        return Err(error);
    }
    let codes_used = spend_codes(&ask, &context, &codes).await?;
    Reply::json(
        200,
        &HookAnswer {
            results: results.into_iter().map(Outcome::from).collect(),
            codes_used,
            ..HookAnswer::of(topic)
        },
    )
}

/// A platform's privacy request about a customer. A redaction erases the
/// member (as `DELETE …/members/{id}` does: nothing of them stays) and the
/// orders held under their email's hash; a customer who was never a
/// member is answered as done. A data request checks the member exists
/// and says where the merchant reads their export.
async fn privacy(
    ask: &Ask<'_>,
    context: &Context,
    request: PrivacyRequest,
    member_id: Option<String>,
    email_hash: Option<String>,
) -> AppResult<PrivacyDone> {
    let (env, shop) = (ask.env, ask.shop.as_str());
    let member = match member_id.filter(|m| Id::parse(m).is_ok()) {
        Some(member) => {
            let key = state_key(env, shop, context, &member).await?;
            let found = match request {
                PrivacyRequest::Erase => {
                    let erase = EraseRequest {
                        shop: shop.to_owned(),
                        member: member.clone(),
                        program: program_ref(shop, context),
                    };
                    store::member(env, shop, &key, erase).await.map(|_| ())
                }
                PrivacyRequest::Export => {
                    let export = ExportRequest {
                        member: member.clone(),
                    };
                    store::member(env, shop, &key, export).await.map(|_| ())
                }
            };
            match found {
                Ok(()) => Some(member),
                Err(error) if error.status == 404 => None,
                Err(error) => return Err(error),
            }
        }
        None => None,
    };
    let erase = request == PrivacyRequest::Erase;
    if let (true, Some(hash)) = (erase, email_hash) {
        store::member(env, shop, &keys::guest_state(&hash), ForgetGuest {}).await?;
    }
    Ok(PrivacyDone {
        whole_shop: false,
        member: member.is_some(),
        erased: erase,
        export_path: member
            .filter(|_| !erase)
            .map(|m| format!("/v1/shops/{shop}/members/{m}/export")),
    })
}

/// Each paid order recorded (or recorded before: a retry writes its entry
/// again) is indexed by its order id with its owner, for the platform's
/// refunds, which name only the order.
async fn index_orders(
    ask: &Ask<'_>,
    events: &[Incoming],
    results: &[AppResult<Answer>],
) -> AppResult<()> {
    for (event, result) in events.iter().zip(results) {
        let (kind, order, owner) = match event {
            Incoming::Member(e) => (e.kind, e.order.as_ref(), format!("member:{}", e.member_id)),
            Incoming::Guest(g) => (g.kind, Some(&g.order), format!("guest:{}", g.email_hash)),
        };
        // An erased member's event answered again indexes nothing.
        let recorded = result.as_ref().is_ok_and(|answer| !answer.member_erased);
        let Some(order) = order.filter(|_| kind == EventKind::OrderPaid && recorded) else {
            continue;
        };
        let order = order.order_id.as_str();
        let index = Index {
            orders: vec![(order.to_owned(), owner)],
            ..Index::default()
        };
        store::gate(ask.env, &ask.shop, keys::order_gate(order), index).await?;
    }
    Ok(())
}

/// The order's discount codes that are this shop's reward codes, each
/// spent in the object of the state that holds it: once, as the member
/// object answers a second use as already used (a platform's retry), and
/// named in the answer either way. Other codes (the platform's own) are
/// left alone.
async fn spend_codes(ask: &Ask<'_>, context: &Context, codes: &[String]) -> AppResult<Vec<String>> {
    let (env, shop) = (ask.env, ask.shop.as_str());
    let mut ours = Vec::new();
    for code in codes {
        // This API's codes are upper case; a platform may report them
        // otherwise (WooCommerce lower-cases coupons).
        let code = &code.trim().to_uppercase();
        let Some(key) = merchant::resolve_code(env, shop, code).await? else {
            continue;
        };
        let request = CodeRequest {
            program: program_ref(shop, context),
            code: code.clone(),
            action: CodeAction::Use,
        };
        match store::member(env, shop, &key, request).await {
            // Used now, or before (the platform's retry).
            Ok(_) => ours.push(code.clone()),
            Err(error) if error.code == "code_used" => ours.push(code.clone()),
            // Cancelled or expired: nothing left to spend.
            Err(error) if error.status == 409 => {}
            Err(error) => return Err(error),
        }
    }
    Ok(ours)
}
