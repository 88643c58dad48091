//! The shop's outbound webhooks: subscriptions (kept by the shop object,
//! their topics in every gate), the dead letters and their replay (kept by
//! the outbound object, `objects::hooks`).

use super::*;
use crate::bodies::{NewWebhook, Webhook, WebhookRemoved, Webhooks};
use crate::destinations::Kind;
use crate::model::{AddWebhook, DeadRequest, ListWebhooks, RemoveWebhook, ReplayRequest};

/// `POST …/webhooks`: the answer shows the signing secret, once.
pub(super) async fn add(ask: Ask<'_>) -> AppResult<Reply> {
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let value = parse_json(&ask.body)?;
    let new = NewWebhook::from_value(&value)
        .map_err(|problems| AppError::invalid("invalid_request", problems))?;
    let add = AddWebhook {
        url: new.url.unwrap_or_default(),
        topics: new.topics,
        kind: new.kind,
        api_key: new.api_key.unwrap_or_default(),
        list_id: new.list_id.unwrap_or_default(),
    };
    let made = store::shop(ask.env, &ask.shop, add).await?;
    let secret = (made.kind == Kind::Webhook).then(|| made.secret.clone());
    Reply::json(
        201,
        &Webhook {
            id: made.id,
            kind: made.kind,
            url: made.url,
            topics: made.topics,
            created_at: made.created_at,
            secret,
        },
    )
}

pub(super) async fn list(ask: Ask<'_>) -> AppResult<Reply> {
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let list = store::shop(ask.env, &ask.shop, ListWebhooks {}).await?;
    let webhooks = list
        .into_iter()
        .map(|w| Webhook {
            id: w.id,
            kind: w.kind,
            url: w.url,
            topics: w.topics,
            created_at: w.created_at,
            secret: None,
        })
        .collect();
    Reply::json(200, &Webhooks { webhooks })
}

/// `DELETE …/webhooks/{webhook_id}`: idempotent (`removed: false` when
/// there was none).
pub(super) async fn remove(ask: Ask<'_>) -> AppResult<Reply> {
    check_id(&ask.id, "webhook_id")?;
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let removed = store::shop(ask.env, &ask.shop, RemoveWebhook { id: ask.id.clone() }).await?;
    Reply::json(
        200,
        &WebhookRemoved {
            id: ask.id,
            removed,
        },
    )
}

pub(super) async fn dead(ask: Ask<'_>) -> AppResult<Reply> {
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let letters = store::hooks(ask.env, &ask.shop, DeadRequest {}).await?;
    Reply::json(200, &letters)
}

/// `POST …/webhooks/dead/{delivery_id}/replay`: the delivery is tried
/// again from its first try (the same event id, a fresh signature).
pub(super) async fn replay(ask: Ask<'_>) -> AppResult<Reply> {
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let delivery = ask
        .id
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::not_found("the dead delivery"))?;
    let replayed = store::hooks(ask.env, &ask.shop, ReplayRequest { delivery }).await?;
    Reply::json(200, &replayed)
}
