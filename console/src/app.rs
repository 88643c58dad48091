//! The console's Leptos components: sign-in, then the sections (install,
//! members), each wiring the edge's answers to the view with every
//! sentence from `i18n`.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Failure, Session};
use crate::backtest::{self, Comparison, RecentEvents};
use crate::diff::{self, Kind as DiffKind};
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
    Program,
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
            {button(Tab::Program, Key::ProgramTab)}
            {button(Tab::Install, Key::InstallTab)}
        </nav>
        {move || match tab.get() {
            Tab::Install => install(ctx).into_any(),
            Tab::Members => members(ctx).into_any(),
            Tab::Analytics => analytics(ctx).into_any(),
            Tab::Program => program(ctx).into_any(),
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
    // The program's tier names in the console's language (the list holds ids).
    let tier_names = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    spawn_local(async move {
        if let Ok(stored) = ctx
            .session()
            .call::<StoredProgram>("GET", "/program".into(), None)
            .await
        {
            tier_names.set(tier_names_of(&stored.program, ctx.locale.get_untracked()));
        }
    });
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
                        <td>{row.tier.clone().map_or_else(
                            || l.text(Key::NoTier).to_owned(),
                            |id| tier_names.with(|names| names.get(&id).cloned().unwrap_or(id)),
                        )}</td>
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

/// The live program as the console edits it: its document, its version,
/// and the zone table the edge sent for its `time_zone` (so the browser
/// checks and replays on the shop's clock without a zone database).
#[derive(Clone, Debug, PartialEq)]
struct Live {
    version: u64,
    doc: serde_json::Value,
    zone: loyalty_rules::zone::Zone,
}

#[derive(Clone, Debug, serde::Deserialize)]
struct StoredProgram {
    version: u64,
    program: serde_json::Value,
}

#[derive(Clone, Debug, serde::Deserialize)]
struct PreviewInputs {
    #[serde(default)]
    zone: Option<loyalty_rules::zone::Zone>,
}

#[derive(Clone, Debug, serde::Deserialize)]
struct WidgetProgram {
    preview: Option<PreviewInputs>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
struct ProgramVersion {
    version: u64,
    saved_at: Option<chrono::DateTime<chrono::Utc>>,
    saved_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
struct ProgramVersions {
    current: u64,
    your_key: String,
    versions: Vec<ProgramVersion>,
}

#[derive(Clone, Debug, serde::Deserialize)]
struct ProgramSaved {
    version: u64,
}

/// Parses a draft with the zone table of the live program; every problem
/// with its JSON path.
fn check(
    text: &str,
    zone: &loyalty_rules::zone::Zone,
) -> Result<loyalty_rules::Program, Vec<(String, String)>> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| vec![("$".to_owned(), e.to_string())])?;
    loyalty_rules::Program::from_value_in(&value, zone)
        .map_err(|problems| problems.into_iter().map(|p| (p.path, p.message)).collect())
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// The program: the draft as JSON, checked as it is typed; save; the
/// saved versions with a diff against the live one and restore; the
/// backtest of the draft on the shop's recent events.
fn program(ctx: Ctx) -> impl IntoView {
    let live = RwSignal::new(None::<Result<Live, String>>);
    let draft = RwSignal::new(String::new());
    let versions = RwSignal::new(None::<ProgramVersions>);
    let notice = RwSignal::new(None::<String>);
    let saved_problems = RwSignal::new(Vec::<(String, String)>::new());
    let load = move || {
        spawn_local(async move {
            let session = ctx.session();
            let stored = session
                .clone()
                .call::<StoredProgram>("GET", "/program".into(), None)
                .await;
            let preview = session
                .clone()
                .call_url::<WidgetProgram>(
                    "GET",
                    format!(
                        "/v1/widget/{}/program?include=preview",
                        encode(&session.shop)
                    ),
                    None,
                )
                .await;
            let listed = session
                .call::<ProgramVersions>("GET", "/program/versions".into(), None)
                .await;
            versions.set(listed.ok());
            match stored {
                Ok(stored) => {
                    let zone = preview
                        .ok()
                        .and_then(|p| p.preview)
                        .and_then(|p| p.zone)
                        .unwrap_or_else(loyalty_rules::zone::Zone::utc);
                    draft.set(diff::pretty(&stored.program));
                    live.set(Some(Ok(Live {
                        version: stored.version,
                        doc: stored.program,
                        zone,
                    })));
                }
                Err(f) => live.set(Some(Err(ctx.failed(&f)))),
            }
        });
    };
    load();
    let zone = move || {
        live.with(|l| match l {
            Some(Ok(live)) => live.zone.clone(),
            _ => loyalty_rules::zone::Zone::utc(),
        })
    };
    let problems = Memo::new(move |_| match check(&draft.get(), &zone()) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    });
    // The form, from the program's JSON Schema in the API document the
    // edge serves (drawn once the schema is here; its fields follow the
    // draft from then on).
    let schemas = RwSignal::new(None::<std::sync::Arc<crate::schema::Schemas>>);
    spawn_local(async move {
        if let Ok(document) = ctx
            .session()
            .call_url::<serde_json::Value>("GET", "/openapi.json".into(), None)
            .await
        {
            schemas.set(Some(std::sync::Arc::new(
                crate::schema::Schemas::from_openapi(&document),
            )));
        }
    });
    let form_view = move || {
        let schemas = schemas.get()?;
        let root = schemas.named("Program")?.clone();
        let form = crate::form::Form {
            schemas,
            draft,
            problems,
            locale: ctx.locale.get_untracked(),
        };
        Some(crate::form::program_form(form, root))
    };
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !problems.get_untracked().is_empty() {
            return;
        }
        let body = draft.get_untracked();
        spawn_local(async move {
            match ctx
                .session()
                .call::<ProgramSaved>("PUT", "/program".into(), Some(body))
                .await
            {
                Ok(saved) => {
                    saved_problems.set(Vec::new());
                    notice.set(Some(
                        ctx.locale
                            .get_untracked()
                            .fill(Key::Saved, &[("version", &saved.version.to_string())]),
                    ));
                    load();
                }
                Err(Failure::Problem(problem)) => {
                    saved_problems.set(
                        problem
                            .problems
                            .into_iter()
                            .map(|p| (p.path, p.message))
                            .collect(),
                    );
                }
                Err(f) => notice.set(Some(ctx.failed(&f))),
            }
        });
    };
    let problem_list = move || {
        let l = ctx.locale.get();
        let mut all = problems.get();
        all.extend(saved_problems.get());
        if all.is_empty() {
            return view! { <p class="ok" role="status">{l.text(Key::Valid)}</p> }.into_any();
        }
        let items = all
            .into_iter()
            .map(|(path, message)| view! { <li><code>{path}</code>" "{message}</li> })
            .collect_view();
        view! {
            <div role="alert" class="problems">
                <p class="err">{l.fill(Key::ProblemsFound, &[("count", &problems.get().len().max(1).to_string())])}</p>
                <ul>{items}</ul>
            </div>
        }
        .into_any()
    };
    let header = move || {
        live.get().map(|l| match l {
            Ok(live) => view! {
                <p class="muted">{ctx.locale.get().fill(Key::LiveVersion, &[("version", &live.version.to_string())])}</p>
            }
            .into_any(),
            Err(e) => view! { <p class="err" role="alert">{e}</p> }.into_any(),
        })
    };
    view! {
        <section class="card" aria-labelledby="program-title">
            <h2 id="program-title">{ctx.t(Key::ProgramTab)}</h2>
            {header}
            {move || notice.get().map(|n| view! { <p class="ok" role="status">{n}</p> })}
            <form class="editor" on:submit=save>
                <div class="sides">
                    <div class="side form-side">
                        <h3>{ctx.t(Key::FormTitle)}</h3>
                        {form_view}
                    </div>
                    <label class="side">
                        <span>{ctx.t(Key::Draft)}</span>
                        <span class="muted">{ctx.t(Key::DraftHelp)}</span>
                        <textarea name="draft" rows="24" spellcheck="false" dir="ltr"
                            prop:value=move || draft.get()
                            on:input=move |ev| {
                                saved_problems.set(Vec::new());
                                draft.set(event_target_value(&ev));
                            }></textarea>
                    </label>
                </div>
                {problem_list}
                <button type="submit" class="primary" disabled=move || !problems.get().is_empty()>
                    {ctx.t(Key::Save)}
                </button>
            </form>
        </section>
        {try_card(ctx, draft)}
        {move || backtest_card(ctx, live, draft, zone)}
        {move || versions.get().map(|v| versions_card(ctx, v, notice, load))}
    }
}

/// The backtest: the recent events (pages of 1,000, up to 10,000) replayed
/// under the live program and the draft.
fn backtest_card(
    ctx: Ctx,
    live: RwSignal<Option<Result<Live, String>>>,
    draft: RwSignal<String>,
    zone: impl Fn() -> loyalty_rules::zone::Zone + Copy + 'static,
) -> impl IntoView {
    let result = RwSignal::new(None::<Result<(Comparison, bool), String>>);
    let running = RwSignal::new(false);
    let run = move |_| {
        let Some(Ok(live_program)) = live.get_untracked() else {
            return;
        };
        let zone = zone();
        let Ok(live_parsed) = loyalty_rules::Program::from_value_in(&live_program.doc, &zone)
        else {
            return;
        };
        let Ok(draft_parsed) = check(&draft.get_untracked(), &zone) else {
            return;
        };
        running.set(true);
        spawn_local(async move {
            let mut events = Vec::new();
            let mut cursor: Option<String> = None;
            let complete = loop {
                let mut path = "/events?limit=1000".to_owned();
                if let Some(c) = &cursor {
                    path.push_str(&format!("&cursor={}", encode(c)));
                }
                match ctx.session().call::<RecentEvents>("GET", path, None).await {
                    Ok(page) => {
                        events.extend(page.events);
                        cursor = page.next_cursor;
                        if cursor.is_none() || events.len() >= 10_000 {
                            break page.complete;
                        }
                    }
                    Err(f) => {
                        running.set(false);
                        result.set(Some(Err(ctx.failed(&f))));
                        return;
                    }
                }
            };
            let compared = backtest::compare(&live_parsed, &draft_parsed, &events, now());
            running.set(false);
            result.set(Some(Ok((compared, complete))));
        });
    };
    let table = move || {
        let l = ctx.locale.get();
        let currency = live.with(|l| match l {
            Some(Ok(live)) => live.doc["currency"].as_str().unwrap_or("USD").to_owned(),
            _ => "USD".to_owned(),
        });
        result.get().map(|r| match r {
            Err(e) => view! { <p class="err" role="alert">{e}</p> }.into_any(),
            Ok((c, complete)) => {
                let covered = if complete {
                    l.fill(Key::CoveredAll, &[("events", &c.events.to_string())])
                } else {
                    l.fill(Key::CoveredSome, &[("events", &c.events.to_string())])
                };
                let money = |m: Option<i64>| m.map(|m| chart::format_money(m, &currency, l.tag())).unwrap_or_default();
                let row = |key: Key, a: String, b: String| view! {
                    <tr><th scope="row">{l.text(key)}</th><td class="num">{a}</td><td class="num">{b}</td></tr>
                };
                let rules = c
                    .rules
                    .iter()
                    .map(|(rule, a, b)| view! {
                        <tr data-rule=rule.clone()><th scope="row"><code>{rule.clone()}</code></th>
                            <td class="num">{*a}</td><td class="num">{*b}</td></tr>
                    })
                    .collect_view();
                let xs: Vec<f64> = c.draft.timeline.iter().map(|(t, _)| *t as f64).collect();
                let lines = vec![
                    (l.text(Key::LiveColumn).to_owned(), c.live.timeline.iter().map(|(_, v)| *v).collect()),
                    (l.text(Key::DraftColumn).to_owned(), c.draft.timeline.iter().map(|(_, v)| *v).collect()),
                ];
                let node = NodeRef::<leptos::html::Div>::new();
                Effect::new(move |_| {
                    if let Some(target) = node.get() {
                        chart::line_chart(&target, xs.clone(), lines.clone());
                    }
                });
                view! {
                    <p class="summary" role="status">{covered}</p>
                    <div class="scroll">
                        <table class="backtest">
                            <thead><tr>
                                <th scope="col">{l.text(Key::Figure)}</th>
                                <th scope="col" class="num">{l.text(Key::LiveColumn)}</th>
                                <th scope="col" class="num">{l.text(Key::DraftColumn)}</th>
                            </tr></thead>
                            <tbody>
                                {row(Key::PointsIssued, c.live.metrics.points_issued.to_string(), c.draft.metrics.points_issued.to_string())}
                                {row(Key::PointsRedeemable, c.live.redeemable.to_string(), c.draft.redeemable.to_string())}
                                {row(Key::PointsOutstandingRow, c.live.metrics.points_outstanding.to_string(), c.draft.metrics.points_outstanding.to_string())}
                                {row(Key::Liability, money(c.live.liability_minor), money(c.draft.liability_minor))}
                                {row(Key::TierMoves, String::new(), c.tier_moves.to_string())}
                            </tbody>
                        </table>
                        <h3>{l.text(Key::ByRule)}</h3>
                        <table class="rules">
                            <thead><tr>
                                <th scope="col">{l.text(Key::Rule)}</th>
                                <th scope="col" class="num">{l.text(Key::LiveColumn)}</th>
                                <th scope="col" class="num">{l.text(Key::DraftColumn)}</th>
                            </tr></thead>
                            <tbody>{rules}</tbody>
                        </table>
                    </div>
                    <figure class="chart">
                        <figcaption><h3>{l.text(Key::ChartBacktest)}</h3></figcaption>
                        <div class="plot" node_ref=node aria-hidden="true"></div>
                    </figure>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="backtest-title">
            <h2 id="backtest-title">{ctx.t(Key::Backtest)}</h2>
            <p class="muted">{ctx.t(Key::BacktestHelp)}</p>
            <button type="button" class="primary" on:click=run disabled=move || running.get()>
                {move || if running.get() { ctx.t(Key::Replaying) } else { ctx.t(Key::Backtest) }}
            </button>
            {table}
        </section>
    }
}

/// The saved versions: who saved each and when, a diff against the live
/// version, and restore (a new version equal to the old one).
fn versions_card(
    ctx: Ctx,
    listed: ProgramVersions,
    notice: RwSignal<Option<String>>,
    reload: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let l = ctx.locale.get_untracked();
    let shown = RwSignal::new(None::<(u64, u64, Vec<diff::Row>)>);
    // Any two versions: the one before the live one against the live one
    // to begin with.
    let newest = listed.current;
    let older = RwSignal::new(newest.saturating_sub(1).max(1));
    let newer = RwSignal::new(newest);
    let document = move |version: u64| async move {
        ctx.session()
            .call::<StoredProgram>("GET", format!("/program/versions/{version}"), None)
            .await
            .map(|stored| stored.program)
    };
    let compare = move |_| {
        let (a, b) = (older.get_untracked(), newer.get_untracked());
        spawn_local(async move {
            if let (Ok(old), Ok(new)) = (document(a).await, document(b).await) {
                let rows = diff::side_by_side(&diff::pretty(&old), &diff::pretty(&new));
                shown.set(Some((a, b, rows)));
            }
        });
    };
    let choices = |chosen: RwSignal<u64>| {
        listed
            .versions
            .iter()
            .map(|v| {
                let version = v.version;
                view! {
                    <option value=version.to_string() selected=move || chosen.get() == version>
                        {version}
                    </option>
                }
            })
            .collect_view()
    };
    let pick = |chosen: RwSignal<u64>| {
        move |ev: leptos::ev::Event| {
            if let Ok(version) = event_target_value(&ev).parse() {
                chosen.set(version);
            }
        }
    };
    let (older_choices, newer_choices) = (choices(older), choices(newer));
    let restore = move |version: u64| {
        spawn_local(async move {
            let session = ctx.session();
            let Ok(old) = session
                .clone()
                .call::<StoredProgram>("GET", format!("/program/versions/{version}"), None)
                .await
            else {
                return;
            };
            match session
                .call::<ProgramSaved>("PUT", "/program".into(), Some(old.program.to_string()))
                .await
            {
                Ok(saved) => {
                    notice.set(Some(ctx.locale.get_untracked().fill(
                        Key::Restored,
                        &[
                            ("old", &version.to_string()),
                            ("new", &saved.version.to_string()),
                        ],
                    )));
                    reload();
                }
                Err(f) => notice.set(Some(ctx.failed(&f))),
            }
        });
    };
    let rows = listed
        .versions
        .iter()
        .map(|v| {
            let version = v.version;
            let by = v.saved_by.clone().unwrap_or_default();
            let by = if by == listed.your_key {
                l.fill(Key::You, &[("key", &by)])
            } else {
                by
            };
            let actions = (version != listed.current).then(|| view! {
                <button type="button" class="restore" on:click=move |_| restore(version)>{l.text(Key::Restore)}</button>
            });
            view! {
                <tr data-version=version.to_string()>
                    <th scope="row">{version}</th>
                    <td>{v.saved_at.map(date).unwrap_or_default()}</td>
                    <td><code>{by}</code></td>
                    <td class="row">{actions}</td>
                </tr>
            }
        })
        .collect_view();
    let diff_view = move || {
        shown.get().map(|(old, new, rows)| {
            let changed = rows.iter().any(|r| r.kind != DiffKind::Same);
            let body = rows
                .into_iter()
                .map(|row| {
                    let class = match row.kind {
                        DiffKind::Same => "same",
                        DiffKind::Removed => "removed",
                        DiffKind::Added => "added",
                        DiffKind::Changed => "changed",
                    };
                    let (on, ol) = row.old.map_or((String::new(), String::new()), |(n, t)| (n.to_string(), t));
                    let (nn, nl) = row.new.map_or((String::new(), String::new()), |(n, t)| (n.to_string(), t));
                    view! {
                        <tr class=class>
                            <td class="ln">{on}</td><td class="old"><pre>{ol}</pre></td>
                            <td class="ln">{nn}</td><td class="new"><pre>{nl}</pre></td>
                        </tr>
                    }
                })
                .collect_view();
            let l = ctx.locale.get();
            view! {
                <h3>{l.fill(Key::DiffTitle, &[("old", &old.to_string()), ("new", &new.to_string())])}</h3>
                {(!changed).then(|| view! { <p>{l.text(Key::NoDifference)}</p> })}
                <div class="scroll diff" dir="ltr">
                    <table class="diff"><tbody>{body}</tbody></table>
                </div>
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="versions-title">
            <h2 id="versions-title">{l.text(Key::Versions)}</h2>
            <div class="scroll">
                <table class="versions">
                    <thead><tr>
                        <th scope="col">{l.text(Key::Version)}</th>
                        <th scope="col">{l.text(Key::SavedAt)}</th>
                        <th scope="col">{l.text(Key::SavedBy)}</th>
                        <th scope="col"></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <div class="row compare">
                <label>
                    <span>{l.text(Key::OlderVersion)}</span>
                    <select name="older" on:change=pick(older)>{older_choices}</select>
                </label>
                <label>
                    <span>{l.text(Key::NewerVersion)}</span>
                    <select name="newer" on:change=pick(newer)>{newer_choices}</select>
                </label>
                <button type="button" class="compare" on:click=compare>{l.text(Key::Compare)}</button>
            </div>
            {diff_view}
        </section>
    }
}

/// The sample event the try-it box starts with: a $100 order.
fn sample_event() -> String {
    let now = now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    diff::pretty(&serde_json::json!({
        "id": "console-try-1", "kind": "order_paid", "member_id": "sample-member",
        "occurred_at": now,
        "order": {"order_id": "console-try-1", "currency": "USD", "subtotal_minor": 10000,
                  "lines": [{"sku": "sample", "category": "shoes", "qty": 1,
                             "unit_price_minor": 10000}]}
    }))
}

/// One event through the live program and the draft (`POST …/simulate`,
/// the edge's own arithmetic on the stored member), side by side.
fn try_card(ctx: Ctx, draft: RwSignal<String>) -> impl IntoView {
    let event = RwSignal::new(sample_event());
    let answers = RwSignal::new(None::<Result<(serde_json::Value, serde_json::Value), String>>);
    let run = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (Ok(event), Ok(program)) = (
            serde_json::from_str::<serde_json::Value>(&event.get_untracked()),
            serde_json::from_str::<serde_json::Value>(&draft.get_untracked()),
        ) else {
            return;
        };
        let live_body = serde_json::json!({"events": [event.clone()]}).to_string();
        let draft_body = serde_json::json!({"program": program, "events": [event]}).to_string();
        spawn_local(async move {
            let session = ctx.session();
            let live = session
                .clone()
                .call::<serde_json::Value>("POST", "/simulate".into(), Some(live_body))
                .await;
            let drafted = session
                .call::<serde_json::Value>("POST", "/simulate".into(), Some(draft_body))
                .await;
            answers.set(Some(match (live, drafted) {
                (Ok(a), Ok(b)) => Ok((a["results"][0].clone(), b["results"][0].clone())),
                (Err(f), _) | (_, Err(f)) => Err(ctx.failed(&f)),
            }));
        });
    };
    let table = move || {
        let l = ctx.locale.get();
        answers.get().map(|a| match a {
            Err(e) => view! { <p class="err" role="alert">{e}</p> }.into_any(),
            Ok((live, drafted)) => {
                let lines = |answer: &serde_json::Value| -> Vec<(String, i64)> {
                    answer["lines"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|line| {
                            (
                                line["rule"].as_str().unwrap_or_default().to_owned(),
                                line["points"].as_i64().unwrap_or(0),
                            )
                        })
                        .collect()
                };
                let (a, b) = (lines(&live), lines(&drafted));
                let mut rules: Vec<String> = a.iter().chain(&b).map(|(r, _)| r.clone()).collect();
                rules.sort();
                rules.dedup();
                let of = |list: &[(String, i64)], rule: &str| {
                    list.iter().filter(|(r, _)| r == rule).map(|(_, p)| *p).sum::<i64>()
                };
                let total = |answer: &serde_json::Value| match answer["points"].as_i64() {
                    Some(points) => points.to_string(),
                    None => answer["detail"].as_str().unwrap_or_default().to_owned(),
                };
                let rows = rules
                    .iter()
                    .map(|rule| view! {
                        <tr data-rule=rule.clone()><th scope="row"><code>{rule.clone()}</code></th>
                            <td class="num">{of(&a, rule)}</td><td class="num">{of(&b, rule)}</td></tr>
                    })
                    .collect_view();
                view! {
                    <div class="scroll">
                        <table class="try">
                            <thead><tr>
                                <th scope="col">{l.text(Key::Rule)}</th>
                                <th scope="col" class="num">{l.text(Key::LiveColumn)}</th>
                                <th scope="col" class="num">{l.text(Key::DraftColumn)}</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                            <tfoot><tr class="total"><th scope="row">{l.text(Key::Total)}</th>
                                <td class="num">{total(&live)}</td><td class="num">{total(&drafted)}</td></tr></tfoot>
                        </table>
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="try-title">
            <h2 id="try-title">{ctx.t(Key::TryTitle)}</h2>
            <p class="muted">{ctx.t(Key::TryHelp)}</p>
            <form class="editor" on:submit=run>
                <textarea name="sample" rows="12" spellcheck="false" dir="ltr" aria-labelledby="try-title"
                    prop:value=move || event.get()
                    on:input=move |ev| event.set(event_target_value(&ev))></textarea>
                <button type="submit" class="primary">{ctx.t(Key::TryButton)}</button>
            </form>
            {table}
        </section>
    }
}

/// Each tier's name in `locale` (else the program's default language,
/// else English, else its id), by id.
fn tier_names_of(
    program: &serde_json::Value,
    locale: Locale,
) -> std::collections::BTreeMap<String, String> {
    let default = program["default_locale"].as_str().unwrap_or("en");
    program["tiers"]["levels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|level| {
            let id = level["id"].as_str()?.to_owned();
            let names = &level["name"];
            let name = [locale.tag(), default, "en"]
                .iter()
                .find_map(|tag| names[*tag].as_str())
                .map_or_else(|| id.clone(), str::to_owned);
            Some((id, name))
        })
        .collect()
}
