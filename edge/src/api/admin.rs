//! The platform's routes: creating shops, rotating keys, and the
//! development token.

use super::*;

pub(super) async fn rotate_keys(ask: Ask<'_>) -> AppResult<Reply> {
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let secrets = store::shop(ask.env, &ask.shop, RotateKeys::default()).await?;
    Reply::json(200, &secrets)
}

pub(super) async fn dev_token(ask: Ask<'_>) -> AppResult<Reply> {
    let Ask { req, env, shop, .. } = ask;
    // The table routes here only in development mode.
    let member = query(req, "member_id").unwrap_or_default();
    check_id(&member, "member_id")?;
    let token = store::shop(
        env,
        &shop,
        DevToken {
            member: member.clone(),
        },
    )
    .await?;
    Reply::json(200, &json!({"token": token, "member_id": member}))
}

/// The calls the shop's object and each of its gates took since they
/// started (development only: the test that no object takes more than
/// its share).
pub(super) async fn dev_calls(ask: Ask<'_>) -> AppResult<Reply> {
    let Ask { env, shop, .. } = ask;
    check_id(&shop, "shop")?;
    let shop_calls = store::shop(env, &shop, CallsRequest::default()).await?;
    let mut gates = Vec::new();
    for n in 0..keys::GATES {
        gates.push(store::gate(env, &shop, n, CallsRequest::default()).await?);
    }
    Reply::json(200, &json!({"shop": shop_calls, "gates": gates}))
}

pub(super) async fn create_shop(ask: Ask<'_>) -> AppResult<Reply> {
    let Ask {
        req,
        env,
        access,
        body,
        ..
    } = ask;
    let body = body.as_slice();
    if !matches!(credential(access, req, env, body)?, Credential::Admin) {
        return Err(AppError::unauthorized(
            "creating a shop needs the platform admin token",
        ));
    }
    let shop = NewShop::from_value(&parse_json(body)?)
        .map_err(|problems| AppError::invalid("invalid_shop", problems))?
        .shop
        .to_string();
    let secrets = store::shop(env, &shop, CreateShop { shop: shop.clone() }).await?;
    Reply::json(201, &secrets)
}
