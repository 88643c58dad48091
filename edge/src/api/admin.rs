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
