//! The merchant's routes: the program, events, simulation, members,
//! codes, analytics.

use super::*;

pub(super) async fn get_program(ask: Ask<'_>) -> AppResult<Reply> {
    let request = ContextRequest {
        want_program: true,
        ..Default::default()
    };
    let context = authenticate(&ask, request).await?;
    let doc = context
        .program
        .ok_or_else(|| AppError::not_found("the program"))?;
    let program: Value = serde_json::from_str(&doc).map_err(|_| AppError::internal())?;
    Reply::json(
        200,
        &StoredProgram {
            version: context.program_version,
            program,
        },
    )
}

pub(super) async fn member(ask: Ask<'_>) -> AppResult<Reply> {
    let (context, key) = merchant_for_member(&ask).await?;
    let locale = query(ask.req, "locale").unwrap_or_else(|| "en".into());
    object_view(
        ask.req, ask.env, &ask.shop, &key, &context, ask.member, locale,
    )
    .await
}

pub(super) async fn member_ledger(ask: Ask<'_>) -> AppResult<Reply> {
    let (context, _) = merchant_for_member(&ask).await?;
    ledger(ask.req, ask.env, &ask.shop, &context, ask.member, false).await
}

pub(super) async fn adjust(ask: Ask<'_>) -> AppResult<Reply> {
    let value = parse_json(&ask.body)?;
    let (context, key) = merchant_for_member(&ask).await?;
    let adjustment = Adjustment::from_value(&value)
        .map_err(|problems| AppError::invalid("invalid_adjustment", problems))?;
    let answer = store::member(
        ask.env,
        &ask.shop,
        &key,
        AdjustRequest {
            program: program_ref(&ask.shop, &context),
            member: ask.member,
            id: adjustment.id.to_string(),
            points: adjustment.points,
            reason: adjustment.reason,
        },
    )
    .await?;
    let status = if answer.duplicate { 200 } else { 201 };
    Reply::json(status, &answer)
}

pub(super) async fn export(ask: Ask<'_>) -> AppResult<Reply> {
    let (_, key) = merchant_for_member(&ask).await?;
    let request = ExportRequest { member: ask.member };
    let export = store::member(ask.env, &ask.shop, &key, request).await?;
    Reply::json(200, &export)
}

pub(super) async fn erase_member(ask: Ask<'_>) -> AppResult<Reply> {
    let (_, key) = merchant_for_member(&ask).await?;
    let request = EraseRequest {
        shop: ask.shop.clone(),
        member: ask.member,
    };
    let erased = store::member(ask.env, &ask.shop, &key, request).await?;
    Reply::json(200, &erased)
}

pub(super) async fn code(ask: Ask<'_>) -> AppResult<Reply> {
    code_action(&ask, CodeAction::Get).await
}

pub(super) async fn use_code(ask: Ask<'_>) -> AppResult<Reply> {
    code_action(&ask, CodeAction::Use).await
}

pub(super) async fn cancel_code(ask: Ask<'_>) -> AppResult<Reply> {
    code_action(&ask, CodeAction::Cancel).await
}

pub(super) async fn analytics(ask: Ask<'_>) -> AppResult<Reply> {
    authenticate(&ask, ContextRequest::default()).await?;
    let analytics = store::shop(ask.env, &ask.shop, AnalyticsRequest::default()).await?;
    Reply::json(200, &analytics)
}

/// Authenticates a merchant (or admin) request on its shop.
pub(super) async fn authenticate(ask: &Ask<'_>, mut request: ContextRequest) -> AppResult<Context> {
    let shop = ask.shop.as_str();
    check_id(shop, "shop")?;
    request.credential = Some(credential(ask.access, ask.req, ask.env, &ask.body)?);
    let context = shop_context(ask.env, shop, request).await.map_err(|e| {
        if e.status == 404 {
            AppError::unauthorized("no such shop, or the key is not valid for it")
        } else {
            e
        }
    })?;
    if !context.merchant {
        return Err(AppError::unauthorized(
            "the credential is not valid for this shop",
        ));
    }
    Ok(context)
}

/// Authenticates a merchant request about its member: its context (with
/// the program) and the key of the state that holds the member.
pub(super) async fn merchant_for_member(ask: &Ask<'_>) -> AppResult<(Context, String)> {
    check_id(&ask.member, "member_id")?;
    let request = ContextRequest {
        want_program: true,
        cached_version: cached_version(&ask.shop),
        member: Some(ask.member.clone()),
        ..Default::default()
    };
    let context = authenticate(ask, request).await?;
    let key = context.key.clone().unwrap_or_default();
    Ok((context, key))
}

pub(super) async fn put_program(ask: Ask<'_>) -> AppResult<Reply> {
    let (env, shop, body) = (ask.env, ask.shop.as_str(), ask.body.as_slice());
    let value = parse_json(body)?;
    authenticate(&ask, ContextRequest::default()).await?;
    let program = Program::from_value(&value)
        .map_err(|problems| AppError::invalid("invalid_program", problems))?;
    let doc = value.to_string();
    let version = store::shop(
        env,
        shop,
        PutProgram {
            doc: doc.clone(),
            pooling: program.pooling,
        },
    )
    .await?;
    store::kv::put_program(env, shop, version, &doc).await;
    // This isolate judges CORS by its newest program from now on (the one
    // parsed above, not parsed again).
    crate::programs::keep(shop, version, program, &doc);
    Reply::json(200, &ProgramSaved { version })
}

async fn resolve_code(env: &Env, shop: &str, code: &str) -> AppResult<Option<String>> {
    if let Some(key) = store::kv::code_owner(env, shop, code).await {
        return Ok(Some(key));
    }
    let code = code.to_owned();
    store::shop(env, shop, LookupCode { code }).await
}

/// Reads, spends or cancels the code of the route, in the object of the
/// state that holds it.
async fn code_action(ask: &Ask<'_>, action: CodeAction) -> AppResult<Reply> {
    let request = ContextRequest {
        want_program: true,
        ..Default::default()
    };
    let context = authenticate(ask, request).await?;
    let (env, shop) = (ask.env, ask.shop.as_str());
    let key = resolve_code(env, shop, &ask.code)
        .await?
        .ok_or_else(|| AppError::new(404, "unknown_code", "no such code"))?;
    let answer = store::member(
        env,
        shop,
        &key,
        CodeRequest {
            program: program_ref(shop, &context),
            code: ask.code.clone(),
            action,
        },
    )
    .await?;
    Reply::json(200, &answer)
}

async fn referrer_of(env: &Env, shop: &str, event: &Event) -> AppResult<ReferrerWire> {
    let Some(code) = &event.referral_code else {
        return Ok(ReferrerWire::None);
    };
    let Some(member) = resolve_referral(env, shop, code).await? else {
        return Ok(ReferrerWire::Unknown);
    };
    let key = store::shop(
        env,
        shop,
        KeyOf {
            member: member.clone(),
        },
    )
    .await?;
    let request = ProfileRequest {
        member: member.clone(),
    };
    let profile = store::member(env, shop, &key, request).await?;
    Ok(ReferrerWire::Member {
        member_id: member,
        email_hash: profile.email_hash,
    })
}

pub(super) async fn events(ask: Ask<'_>) -> AppResult<Reply> {
    let (env, shop, body) = (ask.env, ask.shop.as_str(), ask.body.as_slice());
    let value = parse_json(body)?;
    let now = now();
    let batch = value.get("events").is_some();
    let parsed = parse_batch(&value, now)
        .map_err(|problems| AppError::invalid("invalid_event", problems))?;
    let claims: Vec<ClaimRequest> = parsed
        .iter()
        .flatten()
        .map(|event| ClaimRequest {
            event_id: event.id.to_string(),
            fingerprint: event.fingerprint(),
            member: event.member_id.to_string(),
            account: event
                .member
                .as_ref()
                .and_then(|m| m.account_id.as_ref())
                .map(Id::to_string),
        })
        .collect();
    let context = authenticate(
        &ask,
        ContextRequest {
            want_program: true,
            cached_version: cached_version(shop),
            claims: claims.clone(),
            ..Default::default()
        },
    )
    .await?;
    if context.program_version == 0 {
        return Err(AppError::new(
            409,
            "no_program",
            "the shop has no program yet: PUT /v1/shops/{shop}/program first",
        ));
    }
    let mut claims = context.claims.iter().zip(claims.iter());
    let mut results = Vec::with_capacity(parsed.len());
    for item in parsed {
        let outcome: AppResult<Answer> = match item {
            Err(problems) => Err(AppError::invalid("invalid_event", problems)),
            Ok(event) => match claims.next() {
                None => Err(AppError::internal()),
                Some((claim, request)) if claim.status == ClaimStatus::Conflict => {
                    let _ = request;
                    Err(loyalty_rules::EventError::IdConflict {
                        event_id: event.id.clone(),
                    }
                    .into())
                }
                Some((claim, request)) => {
                    let applied = async {
                        let referrer = referrer_of(env, shop, &event).await?;
                        let reply = store::member(
                            env,
                            shop,
                            &claim.key,
                            ApplyRequest {
                                program: program_ref(shop, &context),
                                event: event.clone(),
                                referrer,
                            },
                        )
                        .await?;
                        if let Some(report) = reply.report {
                            carry(shop, report);
                        }
                        Ok(reply.answer)
                    }
                    .await;
                    if applied.is_err() && claim.status == ClaimStatus::New {
                        let _ = store::shop(env, shop, request.clone()).await;
                    }
                    applied
                }
            },
        };
        results.push(outcome);
    }
    if batch {
        let results = results.into_iter().map(Outcome::from).collect();
        Reply::json(200, &Results { results })
    } else {
        let answer = results
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(AppError::internal()))?;
        Reply::json(200, &answer)
    }
}

/// What a draft (or the current) program would answer, from the stored
/// members, stored nowhere.
pub(super) async fn simulate(ask: Ask<'_>) -> AppResult<Reply> {
    let (env, shop, body) = (ask.env, ask.shop.as_str(), ask.body.as_slice());
    let value = parse_json(body)?;
    let context = authenticate(
        &ask,
        ContextRequest {
            want_program: true,
            ..Default::default()
        },
    )
    .await?;
    if let Some(map) = value.as_object() {
        let unknown: Vec<Problem> = map
            .keys()
            .filter(|k| *k != "program" && *k != "events")
            .map(|k| Problem {
                path: format!("$.{k}"),
                message: "is not a known field".into(),
            })
            .collect();
        if !unknown.is_empty() {
            return Err(AppError::invalid("invalid_simulation", unknown));
        }
    }
    let program = match value.get("program") {
        Some(doc) if !doc.is_null() => Program::from_value(doc).map_err(|problems| {
            let problems = problems
                .into_iter()
                .map(|p| Problem {
                    path: p.path.replacen('$', "$.program", 1),
                    message: p.message,
                })
                .collect();
            AppError::invalid("invalid_program", problems)
        })?,
        _ => (*program_for(env, shop, &context).await?).clone(),
    };
    let events = value
        .get("events")
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    let parsed = parse_batch(&json!({"events": events}), now())
        .map_err(|problems| AppError::invalid("invalid_event", problems))?;
    let mut book = Book::new(program);
    let mut loaded: BTreeMap<String, ()> = BTreeMap::new();
    let mut results = Vec::new();
    for item in parsed {
        match item {
            Err(problems) => results.push(Outcome::Problem(AppError::invalid(
                "invalid_event",
                problems,
            ))),
            Ok(event) => {
                let member = event.member_id.to_string();
                if loaded.insert(member.clone(), ()).is_none() {
                    let key = store::shop(env, shop, KeyOf { member }).await?;
                    let state = store::member(env, shop, &key, StateRequest::default()).await?;
                    if !state.is_empty() {
                        book.states.insert(event.member_id.clone(), state);
                    }
                }
                results.push(Outcome::from(
                    book.record(&event, now()).map_err(AppError::from),
                ));
            }
        }
    }
    Reply::json(200, &Results { results })
}
