//! Shop platforms' routes: connecting a platform's signing secret, and the
//! platform's own webhooks, turned into events by `crate::platforms` and
//! recorded the one exactly-once way (`merchant::record`).

use super::*;
use crate::bodies::{HookAnswer, PlatformConnection, PlatformSecret};
use crate::model::ConnectPlatform;
use crate::platforms::{Hook, Platform};

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
    let topic = header(ask.req, platform.topic_header()).unwrap_or_default();
    // The signature first: an unsigned or forged body is not read.
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let value = parse_json(&ask.body)?;
    let events = match platform.read(&topic, &value) {
        Ok(Hook::Events(events)) => events,
        Ok(Hook::Ignored) => {
            return Reply::json(
                200,
                &HookAnswer {
                    topic,
                    ignored: true,
                    results: Vec::new(),
                },
            );
        }
        Err(problems) => return Err(AppError::invalid("invalid_payload", problems)),
    };
    let at = now();
    let parsed: Vec<_> = events
        .iter()
        .map(|event| loyalty_rules::event::Incoming::from_value(event, at))
        .collect();
    // What the platform sent must make valid events; else nothing is
    // recorded and the platform is told why.
    if let Some(problems) = parsed.iter().find_map(|p| p.as_ref().err()) {
        return Err(AppError::invalid("invalid_payload", problems.clone()));
    }
    let results = merchant::record(&ask, parsed).await?;
    // One event (as today's topics make): its refusal is the answer's.
    if let [Err(_)] = results.as_slice() {
        return Err(results
            .into_iter()
            .next()
            .and_then(Result::err)
            .unwrap_or_else(AppError::internal));
    }
    Reply::json(
        200,
        &HookAnswer {
            topic,
            ignored: false,
            results: results.into_iter().map(Outcome::from).collect(),
        },
    )
}
