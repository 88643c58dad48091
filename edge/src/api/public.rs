//! The routes anyone may call: health, the API document, referral links.

use super::*;

pub(super) async fn healthz(ask: Ask<'_>) -> AppResult<Reply> {
    let _ = ask;
    Reply::json(
        200,
        &Health {
            status: "ok".into(),
        },
    )
}

pub(super) async fn open_api(ask: Ask<'_>) -> AppResult<Reply> {
    let _ = ask;
    Ok(Reply {
        status: 200,
        body: crate::openapi::DOCUMENT.to_owned(),
        content_type: "application/json",
        headers: Vec::new(),
    })
}

pub(super) async fn referral(ask: Ask<'_>) -> AppResult<Reply> {
    let Ask {
        req,
        env,
        shop,
        code,
        ..
    } = ask;
    // A link from anywhere: its ids are checked before any storage
    // is asked, and each visitor gets the shopper's rate window.
    let unknown = || AppError::not_found("the referral code");
    check_id(&shop, "shop").map_err(|_| unknown())?;
    check_id(&code, "code").map_err(|_| unknown())?;
    let rate_key = format!("r:ip:{}", client_ip(req));
    let n = keys::gate_of(&rate_key);
    let request = ContextRequest {
        rate_key: Some(rate_key),
        ..Default::default()
    };
    let context = door(env, &shop, n, request)
        .await
        .map_err(|e| if e.status == 404 { unknown() } else { e })?;
    let program = program_for(env, &shop, &context).await?;
    if resolve_referral(env, &shop, &code).await?.is_none() {
        return Err(AppError::not_found("the referral code"));
    }
    Ok(Reply::redirect(program.referral_url(&code)))
}
