//! The merchant's routes: the program, events, simulation, members,
//! codes, analytics.

use super::*;

pub(super) async fn get_program(ask: Ask<'_>) -> AppResult<Reply> {
    let context = authenticate(&ask, ContextRequest::default()).await?;
    if context.program_version == 0 {
        return Err(AppError::not_found("the program"));
    }
    let doc = program_document(ask.env, &ask.shop, context.program_version)
        .await?
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
    let (_, key) = merchant_for_member(&ask).await?;
    ledger(ask.req, ask.env, &ask.shop, &key, ask.member, false).await
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

/// Records what the shop's consent tool says: an opt-out, or a rejoin. In
/// a pooling program a member never seen is bound to their own state.
pub(super) async fn consent(ask: Ask<'_>) -> AppResult<Reply> {
    check_id(&ask.member, "member_id")?;
    let context = authenticate(&ask, ContextRequest::default()).await?;
    let value = parse_json(&ask.body)?;
    let change = ConsentChange::from_value(&value)
        .map_err(|problems| AppError::invalid("invalid_consent", problems))?;
    let key = bound_key(ask.env, &ask.shop, &context, ask.member.clone(), None)
        .await?
        .key;
    let answer = store::member(
        ask.env,
        &ask.shop,
        &key,
        ConsentRequest {
            program: program_ref(&ask.shop, &context),
            member: ask.member.clone(),
            consent: change.status.consent(),
        },
    )
    .await?;
    Reply::json(200, &answer)
}

pub(super) async fn export(ask: Ask<'_>) -> AppResult<Reply> {
    let (_, key) = merchant_for_member(&ask).await?;
    let request = ExportRequest { member: ask.member };
    let export = store::member(ask.env, &ask.shop, &key, request).await?;
    Reply::json(200, &export)
}

pub(super) async fn erase_member(ask: Ask<'_>) -> AppResult<Reply> {
    let (context, key) = merchant_for_member(&ask).await?;
    let request = EraseRequest {
        shop: ask.shop.clone(),
        member: ask.member,
        program: program_ref(&ask.shop, &context),
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
    let reports = carried(&ask.shop);
    let analytics = store::shop(ask.env, &ask.shop, AnalyticsRequest { reports }).await?;
    Reply::json(200, &analytics)
}

/// Authenticates a merchant (or admin) request on its shop, at any gate.
pub(super) async fn authenticate(ask: &Ask<'_>, request: ContextRequest) -> AppResult<Context> {
    authenticate_at(ask, any_gate(), request).await
}

/// Authenticates a merchant (or admin) request on its shop at gate `n`.
async fn authenticate_at(ask: &Ask<'_>, n: u64, mut request: ContextRequest) -> AppResult<Context> {
    let shop = ask.shop.as_str();
    check_id(shop, "shop")?;
    request.credential = Some(credential(ask.access, ask.req, ask.env, &ask.body)?);
    let context = door(ask.env, shop, n, request).await.map_err(|e| {
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
    let context = authenticate(ask, ContextRequest::default()).await?;
    let key = state_key(ask.env, &ask.shop, &context, &ask.member).await?;
    Ok((context, key))
}

pub(super) async fn put_program(ask: Ask<'_>) -> AppResult<Reply> {
    let (env, shop, body) = (ask.env, ask.shop.as_str(), ask.body.as_slice());
    let value = parse_json(body)?;
    authenticate(&ask, ContextRequest::default()).await?;
    let program = Program::from_value_in(&value, &Tzdb)
        .map_err(|problems| AppError::invalid("invalid_program", problems))?;
    let doc = value.to_string();
    let version = store::shop(
        env,
        shop,
        PutProgram {
            doc: doc.clone(),
            pooling: program.pooling,
            saved_by: super::console::fingerprint(&ask)?,
        },
    )
    .await?;
    store::kv::put_program(env, shop, version, &doc).await;
    // This isolate judges CORS by its newest program from now on (the one
    // parsed above, not parsed again).
    crate::programs::keep(shop, version, program, &doc);
    Reply::json(200, &ProgramSaved { version })
}

pub(super) async fn resolve_code(env: &Env, shop: &str, code: &str) -> AppResult<Option<String>> {
    if let Some(key) = store::kv::code_owner(env, shop, code).await {
        return Ok(Some(key));
    }
    let n = keys::code_gate(code);
    let code = code.to_owned();
    store::gate(env, shop, n, LookupCode { code }).await
}

/// Reads, spends or cancels the code of the route, in the object of the
/// state that holds it.
async fn code_action(ask: &Ask<'_>, action: CodeAction) -> AppResult<Reply> {
    let context = authenticate(ask, ContextRequest::default()).await?;
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

/// The referrer of an event, from the member its code was resolved to
/// (`resolved`, looked up once as the event arrived).
async fn referrer_of(
    env: &Env,
    shop: &str,
    context: &Context,
    event: &Event,
    resolved: AppResult<Option<String>>,
) -> AppResult<ReferrerWire> {
    if event.referral_code.is_none() {
        return Ok(ReferrerWire::None);
    }
    let Some(member) = resolved? else {
        return Ok(ReferrerWire::Unknown);
    };
    let key = state_key(env, shop, context, &member).await?;
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
    let value = parse_json(&ask.body)?;
    let batch = value.get("events").is_some();
    let parsed = parse_batch(&value, now())
        .map_err(|problems| AppError::invalid("invalid_event", problems))?;
    let results = record(&ask, parsed).await?;
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

/// Records events the one exactly-once way, whoever sent them (the
/// merchant's server or a platform's webhook): each id claimed at its gate
/// with the request's credential, each event applied in its member's (or
/// its guest hash's) object; a refused event keeps no claim.
pub(super) async fn record(
    ask: &Ask<'_>,
    parsed: Vec<Result<Incoming, Vec<Problem>>>,
) -> AppResult<Vec<AppResult<Answer>>> {
    let (env, shop) = (ask.env, ask.shop.as_str());
    // The journal keeps who referred, not the code (codes are looked up
    // again for the award, after the claim).
    let mut referrers: Vec<AppResult<Option<String>>> = Vec::new();
    for incoming in parsed.iter().flatten() {
        let code = match incoming {
            Incoming::Member(event) => event.referral_code.as_deref(),
            Incoming::Guest(_) => None,
        };
        referrers.push(match code {
            Some(code) => resolve_referral(env, shop, code).await,
            None => Ok(None),
        });
    }
    let requests: Vec<ClaimRequest> = parsed
        .iter()
        .flatten()
        .zip(&referrers)
        .map(|(event, referrer)| ClaimRequest {
            event_id: event.id().to_string(),
            fingerprint: incoming_fingerprint(event),
            journal: serde_json::to_string(&crate::bodies::Recorded::of(
                event,
                referrer.clone().ok().flatten(),
            ))
            .ok(),
        })
        .collect();
    let mut referrers = referrers.into_iter();
    let (context, claims) = claim_all(ask, requests.clone()).await?;
    if context.program_version == 0 {
        return Err(AppError::new(
            409,
            "no_program",
            "the shop has no program yet: PUT /v1/shops/{shop}/program first",
        ));
    }
    let mut claims = claims.iter().zip(requests.iter());
    let mut results = Vec::with_capacity(parsed.len());
    for item in parsed {
        let outcome: AppResult<Answer> = match item {
            Err(problems) => Err(AppError::invalid("invalid_event", problems)),
            Ok(incoming) => match (claims.next(), referrers.next().unwrap_or(Ok(None))) {
                (None, _) => Err(AppError::internal()),
                (Some((claim, _)), _) if claim.status == ClaimStatus::Conflict => {
                    Err(loyalty_rules::EventError::IdConflict {
                        event_id: incoming.id().clone(),
                    }
                    .into())
                }
                (Some((claim, _)), _) if claim.status == ClaimStatus::Erased => {
                    Ok(loyalty_rules::privacy::erased_answer(
                        incoming.id().clone(),
                        context.program_version,
                    ))
                }
                (Some((claim, request)), resolved) => {
                    let mut bound: Option<(BoundKey, Id)> = None;
                    let applied = async {
                        let event = match incoming {
                            Incoming::Member(event) => event,
                            Incoming::Guest(event) => match hold(env, shop, &context, event).await?
                            {
                                Ok(answer) => return Ok(answer),
                                Err(event) => event,
                            },
                        };
                        let key = event_key(env, shop, &context, &event).await?;
                        let key = bound.insert((key, event.member_id.clone())).0.key.clone();
                        let referrer = referrer_of(env, shop, &context, &event, resolved).await?;
                        let guest_orders = guest_orders(env, shop, &context, &event).await?;
                        let reply = store::member(
                            env,
                            shop,
                            &key,
                            ApplyRequest {
                                program: program_ref(shop, &context),
                                event,
                                referrer,
                                guest_orders,
                            },
                        )
                        .await?;
                        if let Some(report) = reply.report {
                            carry(env, shop, report).await;
                        }
                        Ok(reply.answer)
                    }
                    .await;
                    // A refused event changes nothing: its claim and a
                    // binding made for it go again.
                    if applied.is_err() && claim.status == ClaimStatus::New {
                        let n = keys::gate_of(&request.event_id);
                        let release = ClaimRequest {
                            journal: None,
                            ..request.clone()
                        };
                        let _ = store::gate(env, shop, n, release).await;
                        if let Some((_, member)) = bound.filter(|(b, _)| b.fresh) {
                            let member = member.to_string();
                            let _ = store::shop(env, shop, Unbind { member }).await;
                        }
                    }
                    applied
                }
            },
        };
        results.push(outcome);
    }
    // The install checklist's first event (told once; the gates know after).
    if !context.seen_event && results.iter().any(Result::is_ok) {
        let _ = store::shop(env, shop, crate::model::First::Event).await;
    }
    Ok(results)
}

/// The fingerprint an event's id is claimed with at its gate.
fn incoming_fingerprint(incoming: &Incoming) -> String {
    match incoming {
        Incoming::Member(event) => auth::fingerprint(event),
        Incoming::Guest(event) => auth::sha256_hex(&event.fingerprint()),
    }
}

/// A guest's order, to the object of its email hash: its answer when held
/// there, else the same order as the member's who claimed the hash.
async fn hold(
    env: &Env,
    shop: &str,
    context: &Context,
    event: GuestEvent,
) -> AppResult<Result<Answer, Event>> {
    let key = keys::guest_state(&event.email_hash);
    let request = HoldRequest {
        program: program_ref(shop, context),
        event: event.clone(),
    };
    match store::member(env, shop, &key, request).await? {
        Held::Held { answer } => Ok(Ok(*answer)),
        Held::Member { member } => {
            let member = Id::parse(&member).map_err(|_| AppError::internal())?;
            Ok(Err(event.for_member(&member)))
        }
    }
}

/// A signup with an email hash, on a program that holds guests' orders:
/// the orders held under the hash, claimed for the member.
async fn guest_orders(
    env: &Env,
    shop: &str,
    context: &Context,
    event: &Event,
) -> AppResult<Vec<Event>> {
    let hash = event.member.as_ref().and_then(|m| m.email_hash.as_deref());
    let (EventKind::Signup, Some(hash)) = (event.kind, hash) else {
        return Ok(Vec::new());
    };
    if program_for(env, shop, context).await?.guest_days == 0 {
        return Ok(Vec::new());
    }
    let claim = ClaimGuest {
        program: program_ref(shop, context),
        member: event.member_id.to_string(),
    };
    store::member(env, shop, &keys::guest_state(hash), claim).await
}

/// Authenticates an events request and claims its ids, each at the gate its
/// id chooses (all gates asked at once; a batch with no valid event still
/// has its credential checked at one). The claims come back in the order of
/// `requests`.
async fn claim_all(
    ask: &Ask<'_>,
    requests: Vec<ClaimRequest>,
) -> AppResult<(Context, Vec<crate::model::Claim>)> {
    let mut by_gate: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, request) in requests.iter().enumerate() {
        by_gate
            .entry(keys::gate_of(&request.event_id))
            .or_default()
            .push(i);
    }
    if by_gate.is_empty() {
        return Ok((
            authenticate(ask, ContextRequest::default()).await?,
            Vec::new(),
        ));
    }
    let asks = by_gate.iter().map(|(n, indexes)| {
        let claims = indexes.iter().map(|&i| requests[i].clone()).collect();
        authenticate_at(
            ask,
            *n,
            ContextRequest {
                claims,
                ..Default::default()
            },
        )
    });
    let answers = futures_util::future::join_all(asks).await;
    let mut slots: Vec<Option<crate::model::Claim>> = vec![None; requests.len()];
    let mut first = None;
    for (indexes, answer) in by_gate.values().zip(answers) {
        let mut context = answer?;
        let claims = std::mem::take(&mut context.claims);
        for (&i, claim) in indexes.iter().zip(claims) {
            slots[i] = Some(claim);
        }
        first.get_or_insert(context);
    }
    let context = first.ok_or_else(AppError::internal)?;
    let claims = slots.into_iter().flatten().collect::<Vec<_>>();
    if context.program_version > 0 && claims.len() != requests.len() {
        return Err(AppError::internal());
    }
    Ok((context, claims))
}

/// What a draft (or the current) program would answer, from the stored
/// members, stored nowhere.
pub(super) async fn simulate(ask: Ask<'_>) -> AppResult<Reply> {
    let (env, shop, body) = (ask.env, ask.shop.as_str(), ask.body.as_slice());
    let value = parse_json(body)?;
    let context = authenticate(&ask, ContextRequest::default()).await?;
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
        Some(doc) if !doc.is_null() => Program::from_value_in(doc, &Tzdb).map_err(|problems| {
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
            Ok(incoming) => {
                // A member's stored state is loaded once; a guest's order is
                // held in the simulation's own book.
                if let Incoming::Member(event) = &incoming {
                    let member = event.member_id.to_string();
                    if loaded.insert(member.clone(), ()).is_none() {
                        let key = state_key(env, shop, &context, &member).await?;
                        let state = store::member(env, shop, &key, StateRequest::default()).await?;
                        if !state.is_empty() {
                            book.states.insert(event.member_id.clone(), state);
                        }
                    }
                }
                results.push(Outcome::from(
                    book.record_incoming(&incoming, now())
                        .map_err(AppError::from),
                ));
            }
        }
    }
    Reply::json(200, &Results { results })
}
