//! The shopper's routes: the program view, the member view, the ledger,
//! redemption; the shopper's gate checks the token and counts the window.

use super::*;

pub(super) async fn widget_program(ask: Ask<'_>) -> AppResult<Reply> {
    let Ask {
        req,
        env,
        access,
        shop,
        ..
    } = ask;
    let include = query(req, "include");
    if include.as_deref().is_some_and(|i| i != "preview") {
        return Err(AppError::new(
            400,
            "invalid_query",
            "the query parameter include must be `preview` or left out",
        ));
    }
    let context = widget_context(req, env, &shop, access == Access::Shopper).await?;
    let program = program_for(env, &shop, &context).await?;
    let locale = locale_of(req, &program);
    // The install checklist's first widget load from an allowed origin
    // (told once; the gates know after).
    let origin = header(req, "origin").map(|o| o.to_ascii_lowercase());
    if !context.seen_widget && origin.is_some_and(|o| program.allowed_origins.contains(&o)) {
        let _ = store::shop(env, &shop, crate::model::First::Widget).await;
    }
    let preview = match include {
        Some(_) => Some(preview_inputs(env, &shop, &context).await?),
        None => None,
    };
    Reply::json(
        200,
        &WidgetProgram {
            view: program_view(&program, &locale),
            signed_in: context.customer.is_some(),
            preview,
        },
    )
}

pub(super) async fn widget_me(ask: Ask<'_>) -> AppResult<Reply> {
    let Ask {
        req,
        env,
        access,
        shop,
        ..
    } = ask;
    let (context, member, key) = shopper(req, env, &shop, access).await?;
    let program = program_for(env, &shop, &context).await?;
    let locale = locale_of(req, &program);
    // The KV snapshot serves the read when it is at least as new as
    // what this shopper has already seen (`after`); else the object.
    let after = crate::snapshot::after(query(req, "after").as_deref());
    if let Some(view) =
        snapshot_view(req, env, &shop, &key, &member, &program, &locale, after).await
    {
        return Reply::json(200, &view);
    }
    object_view(req, env, &shop, &key, &context, member, locale).await
}

pub(super) async fn widget_ledger(ask: Ask<'_>) -> AppResult<Reply> {
    let Ask {
        req,
        env,
        access,
        shop,
        ..
    } = ask;
    let (_, member, key) = shopper(req, env, &shop, access).await?;
    ledger(req, env, &shop, &key, member, true).await
}

pub(super) async fn widget_redeem(ask: Ask<'_>) -> AppResult<Reply> {
    spend(ask, |body| {
        let reward = Redemption::from_value(&parse_json(body)?)
            .map_err(|problems| AppError::invalid("invalid_redemption", problems))?
            .reward
            .to_string();
        Ok((reward, None))
    })
    .await
}

/// Store credit spent as a checkout code of the chosen value.
pub(super) async fn widget_spend_credit(ask: Ask<'_>) -> AppResult<Reply> {
    spend(ask, |body| {
        let amount = CreditSpend::from_value(&parse_json(body)?)
            .map_err(|problems| AppError::invalid("invalid_credit", problems))?
            .amount_minor;
        Ok((
            loyalty_rules::redemption::STORE_CREDIT.to_owned(),
            Some(amount),
        ))
    })
    .await
}

/// A redemption or a store-credit code (what `read` takes from the body:
/// the reward, or the credit to spend), under the request's idempotency
/// key, in the shopper's state: 201, or 200 when the key replays.
async fn spend(
    ask: Ask<'_>,
    read: impl FnOnce(&[u8]) -> AppResult<(String, Option<i64>)>,
) -> AppResult<Reply> {
    let Ask {
        req,
        env,
        access,
        shop,
        body,
        ..
    } = ask;
    let key = header(req, "idempotency-key")
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .ok_or_else(|| {
            AppError::new(
                400,
                "idempotency_key_required",
                "send an Idempotency-Key header (1 to 128 characters)",
            )
        })?;
    let (reward, credit_minor) = read(&body)?;
    let (context, member, state_key) = shopper(req, env, &shop, access).await?;
    let answer = store::member(
        env,
        &shop,
        &state_key,
        RedeemRequest {
            program: program_ref(&shop, &context),
            member,
            reward,
            key,
            credit_minor,
        },
    )
    .await?;
    let status = if answer.replayed { 200 } else { 201 };
    Reply::json(status, &answer)
}

/// The shopper leaves the program, or rejoins it (the widget asks them to
/// confirm first).
pub(super) async fn enrollment(ask: Ask<'_>, consent: Consent) -> AppResult<Reply> {
    let Ask {
        req,
        env,
        access,
        shop,
        ..
    } = ask;
    let (context, member, state_key) = shopper(req, env, &shop, access).await?;
    let request = ConsentRequest {
        program: program_ref(&shop, &context),
        member,
        consent,
    };
    let answer = store::member(env, &shop, &state_key, request).await?;
    Reply::json(200, &answer)
}

/// The member view computed from the KV snapshot, if there is one new enough.
#[allow(clippy::too_many_arguments)]
async fn snapshot_view(
    req: &Request,
    env: &Env,
    shop: &str,
    key: &str,
    member: &str,
    program: &Program,
    locale: &str,
    after: u64,
) -> Option<ViewAnswer> {
    let state = store::kv::snapshot(env, shop, key).await?;
    if !crate::snapshot::serves(state.revision, after) {
        return None;
    }
    let member = Id::parse(member).ok()?;
    let base = referral_base(req, shop);
    let ctx = loyalty_rules::view::ViewContext {
        now: now(),
        locale,
        referral_base: &base,
    };
    Some(ViewAnswer {
        view: loyalty_rules::view::member_view(program, &state, &member, &ctx),
        revision: state.revision,
    })
}

/// What the widget's cart preview computes from: the program document and,
/// for a signed-in shopper, their own records in their current state (with
/// what a pooled account shares, nothing of a colleague's).
async fn preview_inputs(env: &Env, shop: &str, context: &Context) -> AppResult<PreviewInputs> {
    let doc = program_document(env, shop, context.program_version)
        .await?
        .ok_or_else(|| AppError::not_found("the program"))?;
    let parsed = crate::programs::program_of(shop, context.program_version, &doc)?;
    let program: Value = serde_json::from_str(&doc).map_err(|_| AppError::internal())?;
    let now = now();
    let (member_id, state) = match &context.customer {
        Some(member) => {
            let key = state_key(env, shop, context, member).await?;
            let own = StateRequest {
                member: Some(member.clone()),
            };
            let state = store::member(env, shop, &key, own).await?;
            (Id::parse(member).ok(), Some(state))
        }
        None => (None, None),
    };
    // The server's clock, so the preview computes at the edge's `now` even
    // when the shopper's device clock is off.
    Ok(PreviewInputs {
        program,
        zone: crate::zones::around(&parsed.zone, now),
        member_id,
        state,
        now_ms: now.timestamp_millis(),
    })
}

/// A shopper route's context, the signed-in member and their state key.
async fn shopper(
    req: &Request,
    env: &Env,
    shop: &str,
    access: Access,
) -> AppResult<(Context, String, String)> {
    let context = widget_context(req, env, shop, access == Access::Shopper).await?;
    let member = context.customer.clone().unwrap_or_default();
    let key = state_key(env, shop, &context, &member).await?;
    Ok((context, member, key))
}

fn locale_of(req: &Request, program: &Program) -> String {
    query(req, "locale")
        .filter(|l| {
            (2..=35).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .unwrap_or_else(|| program.default_locale.clone())
}

/// The shopper's context: a customer token, or a guest; rate-limited. The
/// gate is the one of the member the token names (else of the visitor's
/// address), so each shopper's window lives in one gate. A token the gate
/// does not accept is counted as its visitor's address, at that address's
/// gate: naming other members spreads nothing over other windows.
async fn widget_context(
    req: &Request,
    env: &Env,
    shop: &str,
    need_member: bool,
) -> AppResult<Context> {
    check_id(shop, "shop").map_err(|_| AppError::not_found("the shop"))?;
    let token = auth::bearer(header(req, "authorization").as_deref()).map(str::to_owned);
    let by_address = format!("ip:{}", client_ip(req));
    let named = token
        .as_deref()
        .and_then(auth::parse_customer_token)
        .map(|t| format!("member:{}", t.member_id));
    let rate_key = named.unwrap_or_else(|| by_address.clone());
    let request = ContextRequest {
        credential: Some(match token {
            Some(token) => Credential::Customer { token },
            None => Credential::Guest,
        }),
        rate_key: Some(rate_key.clone()),
        ..ContextRequest::default()
    };
    let mut context = door(env, shop, keys::gate_of(&rate_key), request).await?;
    if context.uncounted {
        let request = ContextRequest {
            credential: Some(Credential::Guest),
            rate_key: Some(by_address.clone()),
            ..ContextRequest::default()
        };
        context = door(env, shop, keys::gate_of(&by_address), request).await?;
    }
    if need_member && context.customer.is_none() {
        return Err(AppError::unauthorized("a valid customer token is required"));
    }
    Ok(context)
}
