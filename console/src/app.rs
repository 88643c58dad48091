//! The console's Leptos components: sign-in, then the sections (install,
//! members), each wiring the edge's answers to the view with every
//! sentence from `i18n`.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Failure, Session};
use crate::i18n::{Key, Locale};
use crate::model::{
    Adjusted, LedgerPage, MemberList, MemberRow, MemberView, Secrets, Setup, Sort, encode,
    members_query,
};
use crate::series::{CHARTS, Daily, Figure};
use crate::{chart, snippets};

/// The language and the session every section reads.
#[derive(Clone, Copy)]
struct Ctx {
    locale: RwSignal<Locale>,
    session: RwSignal<Option<Session>>,
}

impl Ctx {
    fn t(&self, key: Key) -> &'static str {
        self.locale.get_untracked().text(key)
    }

    /// The session for a call (the console is signed in wherever it calls).
    fn session(&self) -> Session {
        self.session.get_untracked().unwrap_or(Session {
            shop: String::new(),
            key: String::new(),
        })
    }

    /// A call refused 401 means the key stopped working (rotated
    /// elsewhere): back to sign-in, saying so.
    fn failed(&self, failure: &Failure) -> String {
        if *failure == Failure::Unauthorized {
            Session::forget();
            self.session.set(None);
        }
        self.locale
            .get_untracked()
            .fill(Key::Failed, &[("detail", &failure.detail())])
    }
}

fn date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[component]
pub fn App() -> impl IntoView {
    let locale = RwSignal::new(Locale::from_tag(&api::preferred_language()));
    let session = RwSignal::new(Session::load());
    let ctx = Ctx { locale, session };
    Effect::new(move |_| {
        let l = locale.get();
        api::set_page_language(l.tag(), l.dir());
    });
    let choose = move |ev: leptos::ev::Event| {
        let chosen = Locale::from_tag(&event_target_value(&ev));
        api::remember_language(chosen.tag());
        locale.set(chosen);
    };
    let sign_out = move |_| {
        Session::forget();
        session.set(None);
    };
    move || {
        let l = locale.get();
        let signed_in = session.get();
        let options = Locale::ALL
            .into_iter()
            .map(|each| {
                view! { <option value=each.tag() selected=each == l>{each.name()}</option> }
            })
            .collect_view();
        let who = signed_in.as_ref().map(|s| {
            view! {
                <span class="who">{l.fill(Key::SignedInAs, &[("shop", &s.shop)])}</span>
                <button type="button" class="link" on:click=sign_out>{l.text(Key::SignOut)}</button>
            }
        });
        let body = match signed_in {
            None => sign_in(ctx).into_any(),
            Some(_) => shell(ctx).into_any(),
        };
        view! {
            <header class="top">
                <h1>{l.text(Key::Console)}</h1>
                <div class="bar">
                    {who}
                    <label class="lang">
                        <span>{l.text(Key::Language)}</span>
                        <select on:change=choose>{options}</select>
                    </label>
                </div>
            </header>
            <main>{body}</main>
        }
    }
}

/// The sign-in form: a wrong key gets a plain sentence, not a code.
fn sign_in(ctx: Ctx) -> impl IntoView {
    let shop = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let checking = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let candidate = Session {
            shop: shop.get_untracked().trim().to_owned(),
            key: key.get_untracked().trim().to_owned(),
        };
        if candidate.shop.is_empty() || candidate.key.is_empty() {
            return;
        }
        checking.set(true);
        error.set(None);
        spawn_local(async move {
            let answer = candidate
                .clone()
                .call::<Setup>("GET", "/setup".into(), None)
                .await;
            checking.set(false);
            let l = ctx.locale.get_untracked();
            match answer {
                Ok(_) => {
                    candidate.save();
                    ctx.session.set(Some(candidate));
                }
                Err(Failure::Network) => error.set(Some(l.text(Key::Unreachable).to_owned())),
                // A wrong key, or a shop that does not exist: the same
                // sentence (the edge tells neither apart, by design).
                Err(_) => error.set(Some(l.fill(Key::WrongKey, &[("shop", &candidate.shop)]))),
            }
        });
    };
    view! {
        <form class="card signin" on:submit=submit>
            <h2>{ctx.t(Key::SignInTitle)}</h2>
            <p class="muted">{ctx.t(Key::SignInHelp)}</p>
            <label>
                <span>{ctx.t(Key::ShopId)}</span>
                <input name="shop" autocomplete="username" required
                    prop:value=move || shop.get()
                    on:input=move |ev| shop.set(event_target_value(&ev)) />
            </label>
            <label>
                <span>{ctx.t(Key::ApiKey)}</span>
                <input name="key" type="password" autocomplete="current-password" required
                    prop:value=move || key.get()
                    on:input=move |ev| key.set(event_target_value(&ev)) />
            </label>
            <button type="submit" class="primary" disabled=move || checking.get()>
                {move || if checking.get() { ctx.t(Key::Checking) } else { ctx.t(Key::SignIn) }}
            </button>
            {move || error.get().map(|e| view! { <p class="err" role="alert">{e}</p> })}
        </form>
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Install,
    Members,
    Analytics,
}

fn shell(ctx: Ctx) -> impl IntoView {
    let tab = RwSignal::new(Tab::Members);
    let button = move |which: Tab, key: Key| {
        view! {
            <button type="button" class="tab"
                aria-current=move || (tab.get() == which).then_some("page")
                on:click=move |_| tab.set(which)>
                {ctx.t(key)}
            </button>
        }
    };
    view! {
        <nav class="tabs" aria-label=ctx.t(Key::Sections)>
            {button(Tab::Members, Key::MembersTab)}
            {button(Tab::Analytics, Key::AnalyticsTab)}
            {button(Tab::Install, Key::InstallTab)}
        </nav>
        {move || match tab.get() {
            Tab::Install => install(ctx).into_any(),
            Tab::Members => members(ctx).into_any(),
            Tab::Analytics => analytics(ctx).into_any(),
        }}
    }
}

/// A block of code to paste, with a copy button.
fn code_block(ctx: Ctx, label: String, code: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = code.clone();
    view! {
        <div class="code">
            <pre aria-label=label.clone()><code>{code}</code></pre>
            <button type="button" on:click=move |_| {
                let text = text.clone();
                spawn_local(async move { copied.set(api::copy(text).await) });
            }>
                {move || if copied.get() { ctx.t(Key::Copied) } else { ctx.t(Key::Copy) }}
            </button>
        </div>
    }
}

fn install(ctx: Ctx) -> impl IntoView {
    let setup = RwSignal::new(None::<Result<Setup, String>>);
    let load = move || {
        spawn_local(async move {
            let answer = ctx
                .session()
                .call::<Setup>("GET", "/setup".into(), None)
                .await;
            setup.set(Some(answer.map_err(|f| ctx.failed(&f))));
        });
    };
    load();
    let shop = ctx.session().shop;
    let origin = api::origin();
    let checklist = move || {
        let l = ctx.locale.get();
        match setup.get() {
            None => view! { <p role="status">{l.text(Key::Loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="err" role="alert">{e}</p> }.into_any(),
            Some(Ok(s)) => {
                // A program has no first time to show, only whether it is there.
                let steps = [
                    (Key::StepProgram, (s.program_version > 0).then_some(None)),
                    (Key::StepWidget, s.widget_at.map(Some)),
                    (Key::StepEvent, s.event_at.map(Some)),
                    (Key::StepMember, s.member_at.map(Some)),
                ];
                let items = steps
                    .into_iter()
                    .map(|(key, done)| {
                        let state = match &done {
                            Some(Some(at)) => l.fill(Key::DoneAt, &[("date", &date(*at))]),
                            Some(None) => l.fill(Key::DoneAt, &[("date", "")]).trim().to_owned(),
                            None => l.text(Key::NotYet).to_owned(),
                        };
                        let class = if done.is_some() { "step done" } else { "step" };
                        view! {
                            <li class=class data-done=done.is_some().to_string()>
                                <span class="mark" aria-hidden="true">
                                    {if done.is_some() { "✓" } else { "○" }}
                                </span>
                                <span>{l.text(key)}</span>
                                <span class="muted">{state}</span>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ol class="checklist">{items}</ol> }.into_any()
            }
        }
    };
    let snippets_view = snippets::TOKEN_SNIPPETS
        .into_iter()
        .map(|(language, code)| {
            view! {
                <details>
                    <summary>{language}</summary>
                    {code_block(ctx, language.to_owned(), code.to_owned())}
                </details>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="checklist-title">
            <h2 id="checklist-title">{ctx.t(Key::Checklist)}</h2>
            {checklist}
            <button type="button" on:click=move |_| load()>{ctx.t(Key::Retry)}</button>
        </section>
        <section class="card">
            <h2>{ctx.t(Key::ScriptTag)}</h2>
            <p>{ctx.t(Key::ScriptTagHelp)}</p>
            {code_block(ctx, ctx.t(Key::ScriptTag).to_owned(), snippets::script_tag(&origin, &shop))}
        </section>
        <section class="card">
            <h2>{ctx.t(Key::Tokens)}</h2>
            <p>{ctx.t(Key::TokensHelp)}</p>
            {snippets_view}
            <details>
                <summary>"Shopify (Liquid)"</summary>
                <p>{ctx.t(Key::LiquidHelp)}</p>
                {code_block(ctx, "Liquid".to_owned(), snippets::liquid(&origin, &shop))}
            </details>
        </section>
        {rotation(ctx)}
    }
}

/// Key rotation, with the warning of what stops working and a typed
/// confirmation; the new secrets are shown once.
fn rotation(ctx: Ctx) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let secrets = RwSignal::new(None::<Secrets>);
    let error = RwSignal::new(None::<String>);
    let rotate = move |ev: SubmitEvent| {
        ev.prevent_default();
        if typed.get_untracked() != "ROTATE" {
            return;
        }
        let session = ctx.session();
        spawn_local(async move {
            match session
                .clone()
                .call::<Secrets>("POST", "/keys/rotate".into(), None)
                .await
            {
                Ok(fresh) => {
                    let renewed = Session {
                        key: fresh.api_key.clone(),
                        ..session
                    };
                    renewed.save();
                    ctx.session.set(Some(renewed));
                    typed.set(String::new());
                    secrets.set(Some(fresh));
                }
                Err(f) => error.set(Some(ctx.failed(&f))),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{ctx.t(Key::Keys)}</h2>
            <p class="warn">{ctx.t(Key::RotateWarning)}</p>
            <form on:submit=rotate class="row">
                <label>
                    <span>{ctx.t(Key::ConfirmRotate)}</span>
                    <input name="confirm" autocomplete="off"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="danger" disabled=move || typed.get() != "ROTATE">
                    {ctx.t(Key::Rotate)}
                </button>
            </form>
            {move || error.get().map(|e| view! { <p class="err" role="alert">{e}</p> })}
            {move || secrets.get().map(|s| view! {
                <div role="status">
                    <p>{ctx.t(Key::Rotated)}</p>
                    {code_block(ctx, "api_key".into(), s.api_key)}
                    {code_block(ctx, "webhook_secret".into(), s.webhook_secret)}
                    {code_block(ctx, "widget_secret".into(), s.widget_secret)}
                </div>
            })}
        </section>
    }
}

fn members(ctx: Ctx) -> impl IntoView {
    let selected = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    move || match selected.get() {
        Some(member) => member_detail(ctx, member, selected, notice).into_any(),
        None => member_list(ctx, selected, notice).into_any(),
    }
}

fn member_list(
    ctx: Ctx,
    selected: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new(Sort::default());
    let rows = RwSignal::new(Vec::<MemberRow>::new());
    let next = RwSignal::new(None::<String>);
    let total = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);
    let fetch = move |cursor: Option<String>| {
        let query = members_query(
            &search.get_untracked(),
            sort.get_untracked(),
            cursor.as_deref(),
        );
        let more = cursor.is_some();
        spawn_local(async move {
            match ctx
                .session()
                .call::<MemberList>("GET", format!("/members?{query}"), None)
                .await
            {
                Ok(page) => {
                    error.set(None);
                    total.set(Some(page.total));
                    next.set(page.next_cursor);
                    if more {
                        rows.update(|r| r.extend(page.members));
                    } else {
                        rows.set(page.members);
                    }
                }
                Err(f) => error.set(Some(ctx.failed(&f))),
            }
        });
    };
    fetch(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        fetch(None);
    };
    let sorts = Sort::ALL
        .into_iter()
        .map(|s| {
            let key = match s {
                Sort::LastActivity => Key::SortActivity,
                Sort::Balance => Key::SortBalance,
                Sort::Tier => Key::SortTier,
                Sort::Joined => Key::SortJoined,
            };
            view! { <option value=s.param()>{ctx.t(key)}</option> }
        })
        .collect_view();
    let table = move || {
        let l = ctx.locale.get();
        let list = rows.get();
        if list.is_empty() {
            return total
                .get()
                .map(|_| view! { <p>{l.text(Key::NoMembers)}</p> }.into_any())
                .unwrap_or_else(|| {
                    view! { <p role="status">{l.text(Key::Loading)}</p> }.into_any()
                });
        }
        let body = list
            .into_iter()
            .map(|row| {
                let id = row.member_id.clone();
                view! {
                    <tr>
                        <th scope="row">
                            <button type="button" class="link" on:click=move |_| {
                                notice.set(None);
                                selected.set(Some(id.clone()));
                            }>{row.member_id.clone()}</button>
                        </th>
                        <td class="num">{row.balance}</td>
                        <td>{row.tier.clone().unwrap_or_else(|| l.text(Key::NoTier).to_owned())}</td>
                        <td>{row.last_activity.map_or_else(|| l.text(Key::Never).to_owned(), date)}</td>
                        <td>{date(row.joined_at)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="scroll">
                <table class="members">
                    <thead>
                        <tr>
                            <th scope="col">{l.text(Key::Member)}</th>
                            <th scope="col" class="num">{l.text(Key::Balance)}</th>
                            <th scope="col">{l.text(Key::Tier)}</th>
                            <th scope="col">{l.text(Key::LastActivity)}</th>
                            <th scope="col">{l.text(Key::Joined)}</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="members-title">
            <h2 id="members-title">{ctx.t(Key::MembersTab)}</h2>
            {move || notice.get().map(|n| view! { <p class="ok" role="status">{n}</p> })}
            <form class="row search" role="search" on:submit=submit>
                <label class="grow">
                    <span>{ctx.t(Key::Search)}</span>
                    <input type="search" name="q" placeholder=ctx.t(Key::SearchHelp)
                        prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{ctx.t(Key::SortBy)}</span>
                    <select name="sort" on:change=move |ev| {
                        sort.set(Sort::from_param(&event_target_value(&ev)));
                        fetch(None);
                    }>{sorts}</select>
                </label>
                <button type="submit" class="primary">{ctx.t(Key::Search)}</button>
            </form>
            <p class="muted" aria-live="polite">
                {move || total.get().map(|n| ctx.locale.get().fill(Key::Found, &[("count", &n.to_string())]))}
            </p>
            {move || error.get().map(|e| view! { <p class="err" role="alert">{e}</p> })}
            {table}
            {move || next.get().map(|cursor| view! {
                <button type="button" on:click=move |_| fetch(Some(cursor.clone()))>
                    {ctx.t(Key::More)}
                </button>
            })}
        </section>
    }
}

fn member_detail(
    ctx: Ctx,
    member: String,
    selected: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let view_state = RwSignal::new(None::<Result<MemberView, String>>);
    let ledger = RwSignal::new(None::<LedgerPage>);
    let path = format!("/members/{}", encode(&member));
    let load = {
        let path = path.clone();
        move || {
            let (view_path, ledger_path) = (path.clone(), format!("{path}/ledger?limit=50"));
            spawn_local(async move {
                let answer = ctx
                    .session()
                    .call::<MemberView>("GET", view_path, None)
                    .await;
                view_state.set(Some(answer.map_err(|f| ctx.failed(&f))));
                if let Ok(page) = ctx
                    .session()
                    .call::<LedgerPage>("GET", ledger_path, None)
                    .await
                {
                    ledger.set(Some(page));
                }
            });
        }
    };
    load();
    let summary = move || {
        let l = ctx.locale.get();
        match view_state.get() {
            None => view! { <p role="status">{l.text(Key::Loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="err" role="alert">{e}</p> }.into_any(),
            Some(Ok(v)) => {
                let codes = if v.codes.is_empty() {
                    view! { <p class="muted">{l.text(Key::NoCodes)}</p> }.into_any()
                } else {
                    let items = v
                        .codes
                        .iter()
                        .map(
                            |c| view! { <li><code>{c.code.clone()}</code>" "{c.name.clone()}</li> },
                        )
                        .collect_view();
                    view! { <ul class="codes">{items}</ul> }.into_any()
                };
                view! {
                    <dl class="figures">
                        <div><dt>{l.text(Key::Balance)}</dt><dd class="num" data-figure="balance">{v.balance}</dd></div>
                        <div><dt>{l.text(Key::Pending)}</dt><dd class="num">{v.pending}</dd></div>
                        <div><dt>{l.text(Key::Lifetime)}</dt><dd class="num">{v.lifetime_earned}</dd></div>
                        <div><dt>{l.text(Key::Tier)}</dt><dd>{v.tier.map_or_else(|| l.text(Key::NoTier).to_owned(), |t| t.name)}</dd></div>
                    </dl>
                    <h3>{l.text(Key::Codes)}</h3>
                    {codes}
                }
                .into_any()
            }
        }
    };
    let entries = move || {
        let l = ctx.locale.get();
        let rows = ledger
            .get()
            .map(|page| page.entries)
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                let why = e
                    .note
                    .clone()
                    .or_else(|| e.event_id.as_ref().map(ToString::to_string))
                    .unwrap_or_else(|| format!("{:?}", e.kind).to_lowercase());
                view! {
                    <tr>
                        <td>{date(e.at)}</td>
                        <td class="num">{if e.points > 0 { format!("+{}", e.points) } else { e.points.to_string() }}</td>
                        <td>{why}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="scroll">
                <table class="ledger">
                    <thead><tr>
                        <th scope="col">{l.text(Key::When)}</th>
                        <th scope="col" class="num">{l.text(Key::Change)}</th>
                        <th scope="col">{l.text(Key::Reason)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    };
    // A manual adjustment with a reason.
    let points = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let adjust_error = RwSignal::new(None::<String>);
    let adjust = {
        let path = path.clone();
        let load = load.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let Ok(amount) = points.get_untracked().trim().parse::<i64>() else {
                return;
            };
            let body = serde_json::json!({
                "id": format!("console-{}", api::fresh_id()),
                "points": amount,
                "reason": reason.get_untracked().trim(),
            })
            .to_string();
            let path = format!("{path}/adjustments");
            let load = load.clone();
            spawn_local(async move {
                match ctx
                    .session()
                    .call::<Adjusted>("POST", path, Some(body))
                    .await
                {
                    Ok(done) => {
                        adjust_error.set(None);
                        points.set(String::new());
                        reason.set(String::new());
                        notice.set(Some(
                            ctx.locale
                                .get_untracked()
                                .fill(Key::Adjusted, &[("points", &done.points.to_string())]),
                        ));
                        load();
                    }
                    Err(f) => adjust_error.set(Some(ctx.failed(&f))),
                }
            });
        }
    };
    let export = {
        let (path, member) = (path.clone(), member.clone());
        move |_| {
            let (path, name) = (format!("{path}/export"), format!("{member}.json"));
            spawn_local(async move {
                if let Ok(text) = ctx.session().call_text("GET", path, None).await {
                    api::download(&name, &text);
                }
            });
        }
    };
    // Erase, confirmed by typing the member's id.
    let typed = RwSignal::new(String::new());
    let erase_error = RwSignal::new(None::<String>);
    let erase = {
        let (path, member) = (path.clone(), member.clone());
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if typed.get_untracked() != member {
                return;
            }
            let path = path.clone();
            spawn_local(async move {
                match ctx.session().call_text("DELETE", path, None).await {
                    Ok(_) => {
                        notice.set(Some(ctx.t(Key::Erased).to_owned()));
                        selected.set(None);
                    }
                    Err(f) => erase_error.set(Some(ctx.failed(&f))),
                }
            });
        }
    };
    let confirm_id = member.clone();
    view! {
        <section class="card" aria-labelledby="member-title">
            <button type="button" class="link" on:click=move |_| selected.set(None)>
                {ctx.t(Key::Back)}
            </button>
            <h2 id="member-title">{member.clone()}</h2>
            {move || notice.get().map(|n| view! { <p class="ok" role="status">{n}</p> })}
            {summary}
            <h3>{ctx.t(Key::Ledger)}</h3>
            {entries}
        </section>
        <section class="card">
            <h3>{ctx.t(Key::Adjust)}</h3>
            <p class="muted">{ctx.t(Key::AdjustHelp)}</p>
            <form class="row" on:submit=adjust>
                <label>
                    <span>{ctx.t(Key::Points)}</span>
                    <input name="points" type="number" step="1" required inputmode="numeric"
                        prop:value=move || points.get()
                        on:input=move |ev| points.set(event_target_value(&ev)) />
                </label>
                <label class="grow">
                    <span>{ctx.t(Key::Reason)}</span>
                    <input name="reason" required maxlength="200"
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="primary">{ctx.t(Key::Apply)}</button>
            </form>
            {move || adjust_error.get().map(|e| view! { <p class="err" role="alert">{e}</p> })}
        </section>
        <section class="card">
            <button type="button" on:click=export>{ctx.t(Key::Export)}</button>
            <h3>{ctx.t(Key::Erase)}</h3>
            <p class="warn">{ctx.t(Key::EraseHelp)}</p>
            <form class="row" on:submit=erase>
                <label class="grow">
                    <span>{ctx.t(Key::Member)}</span>
                    <input name="confirm" autocomplete="off"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="danger" disabled=move || typed.get() != confirm_id>
                    {ctx.t(Key::Erase)}
                </button>
            </form>
            {move || erase_error.get().map(|e| view! { <p class="err" role="alert">{e}</p> })}
        </section>
    }
}

/// The contract's metrics over a date range: a chart each, with its table
/// view and a text summary (the charts are not read aloud), and the CSV.
fn analytics(ctx: Ctx) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let daily = RwSignal::new(None::<Result<Daily, String>>);
    let load = move || {
        let mut query = Vec::new();
        for (name, value) in [("from", from.get_untracked()), ("to", to.get_untracked())] {
            if !value.is_empty() {
                query.push(format!("{name}={}", encode(&value)));
            }
        }
        let path = format!("/analytics/daily?{}", query.join("&"));
        spawn_local(async move {
            let answer = ctx.session().call::<Daily>("GET", path, None).await;
            if let Ok(series) = &answer {
                from.set(series.from.to_string());
                to.set(series.to.to_string());
            }
            daily.set(Some(answer.map_err(|f| ctx.failed(&f))));
        });
    };
    load();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        load();
    };
    let download = move |_| {
        if let Some(Ok(series)) = daily.get_untracked() {
            let name = format!("analytics-{}-{}.csv", series.from, series.to);
            api::download(&name, &series.csv());
        }
    };
    let body = move || {
        let l = ctx.locale.get();
        match daily.get() {
            None => view! { <p role="status">{l.text(Key::Loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="err" role="alert">{e}</p> }.into_any(),
            Some(Ok(series)) => {
                let charts = CHARTS
                    .into_iter()
                    .enumerate()
                    .map(|(n, figures)| chart_card(ctx, &series, n, figures))
                    .collect_view();
                view! {
                    <p class="muted">{l.fill(Key::ShopClock, &[("zone", &series.time_zone)])}</p>
                    {charts}
                }
                .into_any()
            }
        }
    };
    view! {
        <section class="card" aria-labelledby="analytics-title">
            <h2 id="analytics-title">{ctx.t(Key::AnalyticsTab)}</h2>
            <form class="row range" on:submit=submit>
                <label>
                    <span>{ctx.t(Key::From)}</span>
                    <input type="date" name="from" prop:value=move || from.get()
                        on:input=move |ev| from.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{ctx.t(Key::To)}</span>
                    <input type="date" name="to" prop:value=move || to.get()
                        on:input=move |ev| to.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="primary">{ctx.t(Key::Show)}</button>
                <button type="button" on:click=download>{ctx.t(Key::DownloadCsv)}</button>
            </form>
        </section>
        {body}
    }
}

fn figure_name(figure: Figure) -> Key {
    match figure {
        Figure::IssuedThatDay => Key::Issued,
        Figure::RedeemedThatDay => Key::Redeemed,
        Figure::Members => Key::ChartMembers,
        Figure::Outstanding => Key::Outstanding,
    }
}

/// One chart: its title, the drawing (hidden from screen readers), the
/// sentence that says what it shows, and its table.
fn chart_card(ctx: Ctx, series: &Daily, n: usize, figures: &'static [Figure]) -> impl IntoView {
    let l = ctx.locale.get_untracked();
    let title = [Key::ChartActivity, Key::ChartMembers, Key::ChartOutstanding][n];
    let (from, to) = (series.from.to_string(), series.to.to_string());
    let money = |minor: i64| chart::format_money(minor, &series.currency, l.tag());
    let summary = match n {
        0 => l.fill(
            Key::SummaryActivity,
            &[
                ("from", &from),
                ("to", &to),
                ("issued", &series.total(Figure::IssuedThatDay).to_string()),
                (
                    "redeemed",
                    &series.total(Figure::RedeemedThatDay).to_string(),
                ),
            ],
        ),
        1 => {
            let (start, end) = series.ends(Figure::Members);
            l.fill(
                Key::SummaryMembers,
                &[
                    ("start", &start.to_string()),
                    ("end", &end.to_string()),
                    ("from", &from),
                    ("to", &to),
                ],
            )
        }
        _ => {
            let points = series.ends(Figure::Outstanding).1.to_string();
            match series.liability() {
                Some(minor) => l.fill(
                    Key::SummaryOutstanding,
                    &[("to", &to), ("points", &points), ("money", &money(minor))],
                ),
                None => l.fill(
                    Key::SummaryOutstandingPoints,
                    &[("to", &to), ("points", &points)],
                ),
            }
        }
    };
    let liability = n == 2;
    let head = figures
        .iter()
        .map(|f| view! { <th scope="col" class="num">{l.text(figure_name(*f))}</th> })
        .collect_view();
    let rows = series
        .days
        .iter()
        .map(|day| {
            let cells = figures
                .iter()
                .map(|f| view! { <td class="num">{f.of(day)}</td> })
                .collect_view();
            let owed = liability.then(|| {
                view! { <td class="num">{day.liability_minor.map(money).unwrap_or_default()}</td> }
            });
            view! { <tr><th scope="row">{day.date.to_string()}</th>{cells}{owed}</tr> }
        })
        .collect_view();
    let lines: Vec<(String, Vec<i64>)> = figures
        .iter()
        .map(|f| (l.text(figure_name(*f)).to_owned(), series.values(*f)))
        .collect();
    let xs = series.xs();
    let node = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(target) = node.get() {
            chart::line_chart(&target, xs.clone(), lines.clone());
        }
    });
    let (id, labelled_by) = (format!("chart-{n}"), format!("chart-{n}"));
    view! {
        <figure class="card chart" aria-labelledby=labelled_by data-chart=n.to_string()>
            <figcaption id=id><h3>{l.text(title)}</h3></figcaption>
            <div class="plot" node_ref=node aria-hidden="true"></div>
            <p class="summary">{summary}</p>
            <details>
                <summary>{l.text(Key::TableView)}</summary>
                <div class="scroll">
                    <table class="series">
                        <thead><tr>
                            <th scope="col">{l.text(Key::Date)}</th>
                            {head}
                            {liability.then(|| view! { <th scope="col" class="num">{l.text(Key::Liability)}</th> })}
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}
