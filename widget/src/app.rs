//! The panel's Leptos components: they only wire the API's answers and the
//! plain state types of `flow` to the view, with every sentence composed by
//! `present`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_rules::redemption::STORE_CREDIT;

use crate::api;
use crate::config::Config;
use crate::flow::{Activity, Failure, RedeemFlow};
use crate::format::Intl;
use crate::i18n::{Key, Locale};
use crate::model::{
    BadgeInfo, CartPreview, Challenge, Code, Level, MemberView, ProgramView, Reward, WayToEarn,
};
use crate::present::Texts;

/// Intl formatters by locale, currency and the shop's zone.
type FormatterCache = RefCell<Vec<(Arc<str>, Arc<str>, Arc<str>, Rc<Intl>)>>;

thread_local! {
    /// Building an Intl formatter is not free and every figure of the panel
    /// needs one, so they are kept for the page's life.
    static FORMATTERS: FormatterCache = const { RefCell::new(Vec::new()) };
}

fn formatter(tag: &Arc<str>, currency: &Arc<str>, zone: &Arc<str>) -> Rc<Intl> {
    FORMATTERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, _, _, intl)) = cache
            .iter()
            .find(|(t, c, z, _)| t == tag && c == currency && z == zone)
        {
            return Rc::clone(intl);
        }
        let intl = Rc::new(Intl::new(tag, currency, zone));
        cache.push((
            Arc::clone(tag),
            Arc::clone(currency),
            Arc::clone(zone),
            Rc::clone(&intl),
        ));
        intl
    })
}

/// The language, currency and points label of what is on screen; cheap to
/// clone into the closures of the view.
#[derive(Clone, Debug)]
struct Ui {
    locale: Locale,
    /// The locale tag Intl formats for (`ar-SA`).
    intl: Arc<str>,
    currency: Arc<str>,
    label: Arc<str>,
    /// The shop's IANA zone, whose clock dates are shown on.
    zone: Arc<str>,
}

impl Ui {
    fn with<R>(&self, compose: impl FnOnce(&Texts<'_>) -> R) -> R {
        let intl = formatter(&self.intl, &self.currency, &self.zone);
        compose(&Texts {
            locale: self.locale,
            fmt: &*intl,
            label: &self.label,
        })
    }

    fn t(&self, key: Key) -> &'static str {
        self.locale.text(key)
    }
}

/// Who is looking: a guest, a shopper whose token no longer works, or a member.
#[derive(Clone, Debug)]
enum Shopper {
    Guest,
    Expired,
    Member(Box<MemberView>),
}

/// What the panel has: nothing yet, a failure, or the program and the shopper.
#[derive(Clone, Debug)]
enum Load {
    Loading,
    Failed(Failure),
    Ready(Box<ProgramView>, Shopper),
}

/// Asks for the member view at once (the request starts before the first
/// await, so it runs beside the program's) and reads it when awaited.
fn request_shopper(
    config: &Config,
    after: u64,
) -> impl Future<Output = Result<Shopper, Failure>> + use<> {
    let request = config.token.is_some().then(|| api::me(config, after));
    async move {
        let Some(request) = request else {
            return Ok(Shopper::Guest);
        };
        match request.await {
            Ok(view) => Ok(Shopper::Member(Box::new(view))),
            Err(Failure::Unauthorized) => Ok(Shopper::Expired),
            Err(failure) => Err(failure),
        }
    }
}

/// Loads the program and the shopper together.
fn load(config: &Config, state: RwSignal<Load>) {
    let program = api::program(config);
    let shopper = request_shopper(config, 0);
    spawn_local(async move {
        let loaded = match (program.await, shopper.await) {
            (Ok(program), Ok(shopper)) => Load::Ready(Box::new(program), shopper),
            (Err(failure), _) | (_, Err(failure)) => Load::Failed(failure),
        };
        state.set(loaded);
    });
}

/// Reloads the member view after the shopper changed it; the panel keeps
/// showing the old one meanwhile, and keeps it if the reload fails.
fn reload_member(config: &Config, state: RwSignal<Load>, after: u64) {
    let shopper = request_shopper(config, after);
    spawn_local(async move {
        if let Ok(shopper) = shopper.await {
            state.update(|loaded| {
                if let Load::Ready(_, current) = loaded {
                    *current = shopper;
                }
            });
        }
    });
}

/// The panel's own state, shared by its sections.
#[derive(Clone, Debug)]
struct Panel {
    config: Arc<Config>,
    ui: Ui,
    state: RwSignal<Load>,
    flow: RwSignal<RedeemFlow>,
    activity: RwSignal<Activity>,
}

/// The whole widget: loads the program and the shopper, then shows them.
///
/// Plain signals and `spawn_local` rather than `LocalResource` under
/// `Transition` and `ErrorBoundary`: their async-derived machinery and
/// per-view futures were a sizeable share of the wasm (154 KB brotli before
/// this and the serde-free model, 92 KB after), and the size budget is what
/// a shopper pays on every first visit.
#[component]
pub fn App(config: Config) -> impl IntoView {
    let locale = config.language();
    let intl: Arc<str> = config.intl_tag().into();
    let dir = config.dir();
    let config = Arc::new(config);
    let state = RwSignal::new(Load::Loading);
    let flow = RwSignal::new(RedeemFlow::Idle);
    let activity = RwSignal::new(Activity::default());
    load(&config, state);
    let retry = {
        let config = Arc::clone(&config);
        move |_| {
            state.set(Load::Loading);
            load(&config, state);
        }
    };
    let body = move || {
        state.with(|loaded| match loaded {
            Load::Loading => skeleton(locale).into_any(),
            Load::Failed(failure) => failed_view(locale, failure.key(), retry.clone()).into_any(),
            Load::Ready(program, shopper) => {
                let panel = Panel {
                    config: Arc::clone(&config),
                    ui: Ui {
                        locale,
                        intl: Arc::clone(&intl),
                        currency: program.currency.as_str().into(),
                        label: program.points_label.as_str().into(),
                        zone: if program.time_zone.is_empty() {
                            "UTC".into()
                        } else {
                            program.time_zone.as_str().into()
                        },
                    },
                    state,
                    flow,
                    activity,
                };
                loaded_view(&panel, program, shopper).into_any()
            }
        })
    };
    view! {
        <div class="ly" dir=dir lang=locale.tag()>
            {body}
        </div>
    }
}

fn skeleton(locale: Locale) -> impl IntoView + use<> {
    view! {
        <div role="status" aria-busy="true">
            <span class="sr">{locale.text(Key::Loading)}</span>
            <div class="sk h"></div>
            <div class="sk"></div>
            <div class="sk"></div>
            <div class="sk w"></div>
        </div>
    }
}

fn failed_view(
    locale: Locale,
    failure: Key,
    retry: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    view! {
        <h2 id="ly-title">{locale.text(Key::Rewards)}</h2>
        <div class="card" role="alert">
            <p>{locale.text(Key::LoadFailed)}</p>
            <p class="muted">{locale.text(failure)}</p>
            <button class="primary" on:click=retry>
                {locale.text(Key::Retry)}
            </button>
        </div>
    }
}

fn loaded_view(panel: &Panel, program: &ProgramView, shopper: &Shopper) -> impl IntoView + use<> {
    let ui = &panel.ui;
    let title = program
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ui.t(Key::Rewards).to_owned());
    let terms = program.links.terms.clone().map(|href| {
        view! {
            <p class="foot">
                <a href=href target="_blank" rel="noopener">
                    {ui.t(Key::Terms)}
                </a>
            </p>
        }
    });
    let body = match shopper {
        Shopper::Member(member) => member_view(panel, program, member).into_any(),
        Shopper::Guest => guest_view(ui, program, false).into_any(),
        Shopper::Expired => guest_view(ui, program, true).into_any(),
    };
    view! {
        <h2 id="ly-title">{title}</h2>
        {cart_line(panel, matches!(shopper, Shopper::Member(_)))}
        {body}
        {terms}
    }
}

/// "This cart earns N points", once the page has passed a cart and the
/// preview module has worked it out.
fn cart_line(panel: &Panel, member: bool) -> impl IntoView + use<> {
    let ui = panel.ui.clone();
    let config = Arc::clone(&panel.config);
    let cart = crate::web::cart();
    let points = RwSignal::new(None::<CartPreview>);
    Effect::new(move |_| {
        let Some(text) = cart.get() else {
            points.set(None);
            return;
        };
        let config = Arc::clone(&config);
        let cart = cart.clone();
        spawn_local(async move {
            let earned = api::cart_points(&config, &text).await;
            // A figure for a cart the page has replaced since is not shown.
            if cart.get_untracked().as_deref() == Some(text.as_str()) {
                points.set(earned);
            }
        });
    });
    move || {
        points.get().map(|preview| {
            let n = preview.points;
            let hint = preview
                .hint
                .map(|h| ui.with(|t| t.cart_hint(h.missing_minor, h.points)));
            view! {
                <div class="card cart" role="status" data-cart-points=n.to_string()>
                    <p>{ui.with(|t| t.cart_earns(n, member))}</p>
                    {hint.map(|text| view! { <p class="muted hint">{text}</p> })}
                </div>
            }
        })
    }
}

fn guest_view(ui: &Ui, program: &ProgramView, expired: bool) -> impl IntoView + use<> {
    let intro = ui.with(|t| t.fill(Key::GuestIntro, &[("label", t.label)]));
    let notice =
        expired.then(|| view! { <p class="card" role="status">{ui.t(Key::SessionExpired)}</p> });
    let links = &program.links;
    let join = links.join.clone().map(|href| {
        view! { <a class="btn primary" href=href>{ui.t(Key::Join)}</a> }
    });
    let sign_in = links.sign_in.clone().map(|href| {
        view! { <a class="btn" href=href>{ui.t(Key::SignIn)}</a> }
    });
    let tiers = program
        .tiers
        .as_ref()
        .filter(|t| !t.levels.is_empty())
        .map(|tiers| {
            view! {
                <section aria-labelledby="ly-tiers">
                    <h3 id="ly-tiers">{ui.t(Key::Tiers)}</h3>
                    {levels(ui, &tiers.metric, &tiers.levels)}
                </section>
            }
        });
    view! {
        <p>{intro}</p>
        {notice}
        <div class="row">{join} {sign_in}</div>
        <section aria-labelledby="ly-earn">
            <h3 id="ly-earn">{ui.t(Key::WaysToEarn)}</h3>
            {ways(ui, program)}
        </section>
        <section aria-labelledby="ly-rewards">
            <h3 id="ly-rewards">{ui.t(Key::Rewards)}</h3>
            {reward_list(ui, &program.rewards, program)}
        </section>
        {tiers}
    }
}

/// The name of a tier by id, as the program calls it in this language.
fn tier_name(program: &ProgramView, id: &str) -> String {
    program
        .tiers
        .as_ref()
        .and_then(|t| t.levels.iter().find(|l| l.id == id))
        .map_or_else(|| id.to_owned(), |l| l.name.clone())
}

fn reward_name(program: &ProgramView, id: &str) -> String {
    program
        .rewards
        .iter()
        .find(|r| r.id == id)
        .map_or_else(|| id.to_owned(), |r| r.name.clone())
}

fn ways(ui: &Ui, program: &ProgramView) -> impl IntoView + use<> {
    if program.ways_to_earn.is_empty() {
        return view! { <p class="muted">{ui.t(Key::NoWays)}</p> }.into_any();
    }
    let names = |id: &str| reward_name(program, id);
    let items: Vec<_> = program
        .ways_to_earn
        .iter()
        .map(|way: &WayToEarn| {
            let (title, detail) = ui.with(|t| (t.way_title(way), t.way_detail(way, &names)));
            view! {
                <li>
                    <span>{title}</span>
                    <span class="muted">{detail}</span>
                </li>
            }
        })
        .collect();
    view! { <ul>{items}</ul> }.into_any()
}

fn levels(ui: &Ui, metric: &str, levels: &[Level]) -> impl IntoView + use<> {
    let items: Vec<_> = levels
        .iter()
        .map(|level| {
            let threshold = ui.with(|t| t.level_terms(metric, level));
            let benefits = level.benefits.join(" · ");
            let join = level.join_url.clone().filter(|_| level.paid).map(|url| {
                view! {
                    <br />
                    <a class="join" href=url target="_blank" rel="noopener">{ui.t(Key::TierJoin)}</a>
                }
            });
            view! {
                <li>
                    <span>
                        <strong>{level.name.clone()}</strong>
                        <br />
                        <span class="muted">{benefits}</span>
                    </span>
                    <span class="muted">{threshold} {join}</span>
                </li>
            }
        })
        .collect();
    view! { <ul>{items}</ul> }
}

/// Rewards as a guest sees them: what each costs and who may have it.
fn reward_list(ui: &Ui, rewards: &[Reward], program: &ProgramView) -> impl IntoView + use<> {
    if rewards.is_empty() {
        return view! { <p class="muted">{ui.t(Key::NoRewards)}</p> }.into_any();
    }
    let items: Vec<_> = rewards
        .iter()
        .map(|reward| {
            let cost = ui.with(|t| t.points(reward.cost_points));
            let min_tier = reward
                .min_tier
                .as_deref()
                .map(|id| ui.with(|t| t.fill(Key::MinTier, &[("tier", &tier_name(program, id))])));
            view! {
                <li>
                    <span>
                        <strong>{reward.name.clone()}</strong>
                        <br />
                        <span class="muted">{min_tier}</span>
                    </span>
                    <span>{cost}</span>
                </li>
            }
        })
        .collect();
    view! { <ul>{items}</ul> }.into_any()
}

fn member_view(panel: &Panel, program: &ProgramView, member: &MemberView) -> impl IntoView + use<> {
    let ui = &panel.ui;
    // Out of the program: why, and the way back, under the balance; no
    // tier, rewards or referral (nothing is earned or redeemed meanwhile).
    if !member.enrolled() {
        return view! {
            {balance(ui, member)}
            {enrollment(panel, member)}
            {codes(ui, &member.codes)}
            {activity(panel)}
        }
        .into_any();
    }
    view! {
        {balance(ui, member)}
        {credit(panel, member)}
        {tier(ui, program, member)}
        {challenges(ui, &member.challenges)}
        {new_code(panel, program)}
        {redeemable(panel, program, member)}
        {codes(ui, &member.codes)}
        {referral(ui, program, member)}
        {badges(ui, member, &program.badges)}
        {activity(panel)}
        <details>
            <summary>{ui.t(Key::WaysToEarn)}</summary>
            {ways(ui, program)}
        </details>
        {enrollment(panel, member)}
    }
    .into_any()
}

/// Where the shopper stands in the program. In: a button to leave, which
/// asks first. Out: why, and the way back in (an explicit act).
fn enrollment(panel: &Panel, member: &MemberView) -> impl IntoView + use<> {
    // Boolean signals, like the copy button's: a signal of a type of its
    // own would add its whole reactive machinery to the wasm.
    let (asking, sending, failed) = (
        RwSignal::new(false),
        RwSignal::new(false),
        RwSignal::new(false),
    );
    let (config, ui, state) = (Arc::clone(&panel.config), panel.ui.clone(), panel.state);
    let enrolled = member.enrolled();
    let revision = member.revision;
    let send = move |join: bool| {
        sending.set(true);
        failed.set(false);
        let request = api::enrollment(&config, join);
        let config = Arc::clone(&config);
        spawn_local(async move {
            let done = request.await.is_ok();
            sending.set(false);
            asking.set(false);
            failed.set(!done);
            if done {
                reload_member(&config, state, revision.saturating_add(1));
            }
        });
    };
    let out_text = ui.with(|t| {
        let key = if member.enrollment == "opted_out" {
            Key::OutOptedOut
        } else {
            Key::OutLeft
        };
        t.fill(key, &[("label", t.label)])
    });
    let question = ui.with(|t| t.fill(Key::ConfirmLeave, &[("label", t.label)]));
    move || {
        let send = send.clone();
        let failed = failed
            .get()
            .then(|| view! { <p class="err" role="alert">{ui.t(Key::ErrOther)}</p> });
        let body = match (enrolled, sending.get(), asking.get()) {
            (_, true, _) => view! { <p role="status">{ui.t(Key::Working)}</p> }.into_any(),
            (false, _, _) => view! {
                <p>{out_text.clone()}</p>
                <button class="primary" on:click=move |_| send(true)>
                    {ui.t(Key::Rejoin)}
                </button>
            }
            .into_any(),
            (true, _, true) => view! {
                <div class="confirm" role="group" aria-label=ui.t(Key::LeaveProgram)>
                    <p>{question.clone()}</p>
                    <span class="row">
                        <button on:click=move |_| send(false)>{ui.t(Key::Leave)}</button>
                        <button class="primary" on:click=move |_| asking.set(false)>
                            {ui.t(Key::Cancel)}
                        </button>
                    </span>
                </div>
            }
            .into_any(),
            (true, _, false) => view! {
                <button class="link" on:click=move |_| asking.set(true)>
                    {ui.t(Key::LeaveProgram)}
                </button>
            }
            .into_any(),
        };
        view! {
            <section class=if enrolled { "leave" } else { "card out" } aria-label=ui.t(Key::LeaveProgram)>
                {body}
                {failed}
            </section>
        }
    }
}

fn balance(ui: &Ui, member: &MemberView) -> impl IntoView + use<> {
    ui.with(|t| {
        let pending = (member.pending > 0).then(|| t.pending(member.pending));
        let expiring = member
            .expiring
            .as_ref()
            .filter(|e| e.points > 0)
            .map(|e| t.expiring(e.points, &e.at));
        let credit = (member.store_credit_minor > 0).then(|| {
            t.fill(
                Key::StoreCredit,
                &[("amount", &t.fmt.money(member.store_credit_minor))],
            )
        });
        let guests = member.guest_orders.as_ref().map(|added| {
            t.fill_counted(
                Key::GuestOrders,
                added.orders,
                &[
                    ("count", &t.fmt.number(added.orders)),
                    ("points", &t.fmt.number(added.points)),
                    ("label", t.label),
                ],
            )
        });
        view! {
            <section class="card" aria-labelledby="ly-balance">
                <h3 id="ly-balance">{t.get(Key::Balance)}</h3>
                <p class="big">{t.points(member.balance)}</p>
                {pending.map(|text| view! { <p class="muted">{text}</p> })}
                {expiring.map(|text| view! { <p class="muted">{text}</p> })}
                {credit.map(|text| view! { <p class="muted">{text}</p> })}
                {guests.map(|text| view! { <p class="grace">{text}</p> })}
            </section>
        }
    })
}

/// Store credit spent at checkout: a code of the amount typed (the whole
/// credit to begin with), never more than held (the edge refuses more, and
/// the panel says so). The code then shows like a redeemed reward's.
fn credit(panel: &Panel, member: &MemberView) -> Option<impl IntoView + use<>> {
    if member.store_credit_minor <= 0 {
        return None;
    }
    let panel_parts = panel.clone();
    let Panel {
        config, ui, flow, ..
    } = panel.clone();
    let digits = crate::format::minor_digits(&member.currency);
    let held = crate::format::decimal(member.store_credit_minor, digits);
    let typed = Rc::new(RefCell::new(held.clone()));
    let revision = member.revision;
    let input = {
        let typed = Rc::clone(&typed);
        move |ev: leptos::ev::Event| {
            let value = ev
                .target()
                .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
                .and_then(|v| v.as_string());
            *typed.borrow_mut() = value.unwrap_or_default();
        }
    };
    let send = move |_| {
        let amount = crate::format::parse_minor(&typed.borrow(), digits).unwrap_or(0);
        let mut sent = None;
        flow.update(|f| {
            f.ask(STORE_CREDIT, api::new_key());
            sent = f.confirm();
        });
        let Some((_, key)) = sent else {
            return;
        };
        let request = api::spend_credit(&config, amount, &key);
        await_code(&config, &panel_parts, revision, request);
    };
    let failed = move || match flow.get() {
        RedeemFlow::Failed { reward, failure } if reward == STORE_CREDIT => {
            Some(view! { <p class="err" role="alert">{ui.t(failure.key())}</p> })
        }
        _ => None,
    };
    let ui = panel.ui.clone();
    Some(view! {
        <section class="card" aria-labelledby="ly-credit">
            <h3 id="ly-credit">{ui.t(Key::StoreCreditName)}</h3>
            <p class="row">
                <label>
                    {ui.t(Key::CreditAmount)}
                    <input
                        type="text"
                        inputmode="decimal"
                        value=held
                        on:input=input
                    />
                </label>
                <button class="primary" on:click=send>{ui.t(Key::UseCredit)}</button>
            </p>
            {failed}
        </section>
    })
}

fn tier(ui: &Ui, program: &ProgramView, member: &MemberView) -> impl IntoView + use<> {
    ui.with(|t| {
        let current = member.tier.as_ref().map_or_else(
            || t.get(Key::NoTierYet).to_owned(),
            |tier| t.fill(Key::CurrentTier, &[("tier", &tier.name)]),
        );
        let metric = program
            .tiers
            .as_ref()
            .map_or("spend", |tiers| tiers.metric.as_str());
        let grace = member
            .tier
            .as_ref()
            .and_then(|tier| t.grace(metric, tier))
            .map(|text| view! { <p class="grace">{text}</p> });
        let next = member.next_tier.as_ref().map(|next| {
            let progress = t.progress(next);
            let benefits = (!next.benefits.is_empty()).then(|| next.benefits.join(" · "));
            view! {
                <div
                    class="bar"
                    role="progressbar"
                    aria-label=progress.label
                    aria-valuemin="0"
                    aria-valuemax="100"
                    aria-valuenow=progress.percent.to_string()
                    aria-valuetext=progress.sentence.clone()
                >
                    <div class="fill" style:inline-size=format!("{}%", progress.percent)></div>
                </div>
                <p>{progress.sentence}</p>
                {benefits.map(|text| view! { <p class="muted">{text}</p> })}
            }
        });
        let top = (member.next_tier.is_none() && member.tier.is_some())
            .then(|| view! { <p class="muted">{t.get(Key::TopTier)}</p> });
        view! {
            <section class="card" aria-labelledby="ly-tier">
                <h3 id="ly-tier">{current}</h3>
                {grace}
                {next}
                {top}
            </section>
        }
    })
}

/// The code just redeemed, kept at the top of the rewards until the next
/// redemption, whatever the member view reloads.
fn new_code(panel: &Panel, program: &ProgramView) -> impl IntoView + use<> {
    let flow = panel.flow;
    let ui = panel.ui.clone();
    let names: Vec<(String, String)> = program
        .rewards
        .iter()
        .map(|r| (r.id.clone(), r.name.clone()))
        .chain([(
            STORE_CREDIT.to_owned(),
            ui.t(Key::StoreCreditName).to_owned(),
        )])
        .collect();
    move || {
        let RedeemFlow::Redeemed(redemption) = flow.get() else {
            return None;
        };
        let name = names
            .iter()
            .find(|(id, _)| *id == redemption.reward)
            .map_or_else(|| redemption.reward.clone(), |(_, name)| name.clone());
        let heading = ui.with(|t| t.fill(Key::CodeReady, &[("reward", &name)]));
        let expires = redemption
            .expires_at
            .as_deref()
            .map(|at| ui.with(|t| t.fill(Key::Expires, &[("date", &t.fmt.date(at))])));
        Some(view! {
            <section class="card fresh" role="status">
                <p>{heading}</p>
                <p class="row">
                    <code>{redemption.code.clone()}</code>
                    {copy_button(&ui, redemption.code, name)}
                </p>
                {expires.map(|text| view! { <p class="muted">{text}</p> })}
            </section>
        })
    }
}

/// Rewards with their Redeem button, the confirmation and the outcome.
fn redeemable(panel: &Panel, program: &ProgramView, member: &MemberView) -> impl IntoView + use<> {
    let ui = &panel.ui;
    if member.rewards.is_empty() {
        return view! {
            <section>
                <h3>{ui.t(Key::Rewards)}</h3>
                <p class="muted">{ui.t(Key::NoRewards)}</p>
            </section>
        }
        .into_any();
    }
    let items: Vec<_> = member
        .rewards
        .iter()
        .map(|reward| {
            let cost = ui.with(|t| t.points(reward.cost_points));
            let held = member.tier.as_ref().map(|t| t.id.as_str());
            let needed = reward
                .min_tier
                .as_deref()
                .filter(|needed| !program.tier_meets(held, needed));
            let missing_tier = needed.map(|id| tier_name(program, id));
            // Locked by the very next tier: what reaching it takes.
            let next = member
                .next_tier
                .as_ref()
                .filter(|next| Some(next.id.as_str()) == needed);
            let shortfall = ui.with(|t| match next {
                Some(next) => t.progress(next).sentence,
                None => t.shortfall(member.balance, reward.cost_points, missing_tier.as_deref()),
            });
            view! {
                <li class="reward">
                    <span>
                        <strong>{reward.name.clone()}</strong>
                        <br />
                        <span class="muted">{cost}</span>
                    </span>
                    {redeem_action(
                        panel,
                        reward,
                        reward.affordable == Some(true),
                        shortfall,
                        member.revision,
                    )}
                </li>
            }
        })
        .collect();
    view! {
        <section aria-labelledby="ly-redeem">
            <h3 id="ly-redeem">{ui.t(Key::Rewards)}</h3>
            <ul>{items}</ul>
        </section>
    }
    .into_any()
}

fn redeem_action(
    panel: &Panel,
    reward: &Reward,
    affordable: bool,
    shortfall: String,
    revision: u64,
) -> impl IntoView + use<> {
    let panel_parts = panel.clone();
    let Panel {
        config, ui, flow, ..
    } = panel.clone();
    let id: Arc<str> = reward.id.as_str().into();
    let name: Arc<str> = reward.name.as_str().into();
    let question: Arc<str> = ui
        .with(|t| t.confirm(&reward.name, reward.cost_points))
        .into();
    let ask = {
        let id = Arc::clone(&id);
        move |_| flow.update(|f| f.ask(&id, api::new_key()))
    };
    let confirm = move |_| {
        let mut sent = None;
        flow.update(|f| sent = f.confirm());
        let Some((reward, key)) = sent else {
            return;
        };
        let request = api::redeem(&config, &reward, &key);
        await_code(&config, &panel_parts, revision, request);
    };
    let cancel = move |_| flow.update(RedeemFlow::cancel);
    move || {
        let state = flow.get();
        let mine = state.reward() == Some(&*id);
        let redeem_label = ui.with(|t| t.fill(Key::RedeemNamed, &[("reward", &name)]));
        let (ask, shortfall, labels) = (ask.clone(), shortfall.clone(), ui.clone());
        let button = move || {
            if affordable {
                view! {
                    <button class="primary" aria-label=redeem_label on:click=ask>
                        {labels.t(Key::Redeem)}
                    </button>
                }
                .into_any()
            } else {
                view! { <span class="muted">{shortfall}</span> }.into_any()
            }
        };
        match state {
            RedeemFlow::Confirming { .. } if mine => view! {
                <div class="confirm" role="group" aria-label=name.to_string()>
                    <p>{question.to_string()}</p>
                    <span class="row">
                        <button class="primary" on:click=confirm.clone()>
                            {ui.t(Key::Confirm)}
                        </button>
                        <button on:click=cancel>{ui.t(Key::Cancel)}</button>
                    </span>
                </div>
            }
            .into_any(),
            RedeemFlow::Sending { .. } if mine => {
                view! { <span role="status">{ui.t(Key::Redeeming)}</span> }.into_any()
            }
            RedeemFlow::Failed { failure, .. } if mine => view! {
                <div class="confirm">
                    <p class="err" role="alert">{ui.t(failure.key())}</p>
                    {button()}
                </div>
            }
            .into_any(),
            _ => button(),
        }
    }
}

/// Awaits a code (a reward's or store credit's) and shows the outcome; once
/// issued, the history and the member view reload (not from a snapshot
/// older than this redemption).
fn await_code(
    config: &Arc<Config>,
    panel: &Panel,
    revision: u64,
    request: impl std::future::Future<Output = Result<crate::model::Redemption, Failure>> + 'static,
) {
    let (config, state, flow, activity) =
        (Arc::clone(config), panel.state, panel.flow, panel.activity);
    spawn_local(async move {
        let outcome = request.await;
        let issued = outcome.is_ok();
        flow.update(|f| f.finish(outcome));
        if issued {
            activity.set(Activity::default());
            reload_member(&config, state, revision.saturating_add(1));
        }
    });
}

fn copy_button(ui: &Ui, text: String, what: String) -> impl IntoView + use<> {
    let copied = RwSignal::new(false);
    let (copy, done) = (ui.t(Key::Copy), ui.t(Key::Copied));
    let text: Arc<str> = text.into();
    view! {
        <button on:click=move |_| {
            let text = Arc::clone(&text);
            spawn_local(async move { copied.set(api::copy(&text).await) });
        }>
            <span aria-live="polite">{move || if copied.get() { done } else { copy }}</span>
            <span class="sr">{format!(" {what}")}</span>
        </button>
    }
}

fn codes(ui: &Ui, codes: &[Code]) -> impl IntoView + use<> {
    let list = if codes.is_empty() {
        view! { <p class="muted">{ui.t(Key::NoCodes)}</p> }.into_any()
    } else {
        let items: Vec<_> = codes
            .iter()
            .map(|code| {
                let expires = code
                    .expires_at
                    .as_deref()
                    .map(|at| ui.with(|t| t.fill(Key::Expires, &[("date", &t.fmt.date(at))])));
                // A store-credit code has no reward of the program to name it.
                let name = if code.reward == STORE_CREDIT {
                    ui.t(Key::StoreCreditName).to_owned()
                } else {
                    code.name.clone()
                };
                view! {
                    <li>
                        <span>
                            <code>{code.code.clone()}</code>
                            <br />
                            <span class="muted">{name.clone()} " " {expires}</span>
                        </span>
                        {copy_button(ui, code.code.clone(), name)}
                    </li>
                }
            })
            .collect();
        view! { <ul>{items}</ul> }.into_any()
    };
    view! {
        <section aria-labelledby="ly-codes">
            <h3 id="ly-codes">{ui.t(Key::YourCodes)}</h3>
            {list}
        </section>
    }
}

fn referral(ui: &Ui, program: &ProgramView, member: &MemberView) -> Option<impl IntoView + use<>> {
    let referral = member.referral.clone()?;
    let text = ui.with(|t| t.referral(program.referral.as_ref().and_then(|r| r.referrer_points)));
    let referred = (referral.referred > 0).then(|| {
        ui.with(|t| {
            t.fill(
                Key::Referred,
                &[(
                    "count",
                    &t.fmt
                        .number(i64::try_from(referral.referred).unwrap_or(i64::MAX)),
                )],
            )
        })
    });
    let share = api::can_share().then(|| {
        let url: Arc<str> = referral.url.as_str().into();
        let title = program.name.clone().unwrap_or_default();
        view! {
            <button on:click=move |_| {
                let url = Arc::clone(&url);
                let title = title.clone();
                spawn_local(async move { api::share(&title, &url).await });
            }>{ui.t(Key::Share)}</button>
        }
    });
    let link_name = ui.t(Key::ReferralLink).to_owned();
    Some(view! {
        <section class="card" aria-labelledby="ly-refer">
            <h3 id="ly-refer">{ui.t(Key::ReferFriend)}</h3>
            <p>{text}</p>
            <p>
                <code class="link">{referral.url.clone()}</code>
            </p>
            <p class="row">{copy_button(ui, referral.url, link_name)} {share}</p>
            {referred.map(|text| view! { <p class="muted">{text}</p> })}
        </section>
    })
}

/// The challenges running now: each with its bar, how far, its last day
/// on the shop's clock and its reward.
fn challenges(ui: &Ui, list: &[Challenge]) -> Option<impl IntoView + use<>> {
    if list.is_empty() {
        return None;
    }
    let items: Vec<_> = list
        .iter()
        .map(|challenge| {
            let text = ui.with(|t| t.challenge(challenge));
            let valuetext = format!("{}: {}", challenge.name, text.of);
            view! {
                <li class:done=challenge.reached>
                    <strong>{challenge.name.clone()}</strong>
                    <div
                        class="bar"
                        role="progressbar"
                        aria-label=challenge.name.clone()
                        aria-valuemin="0"
                        aria-valuemax="100"
                        aria-valuenow=text.percent.to_string()
                        aria-valuetext=valuetext
                    >
                        <div class="fill" style:inline-size=format!("{}%", text.percent)></div>
                    </div>
                    <p>{text.of}</p>
                    <p class="muted">{text.reward}</p>
                    {text.ends.map(|ends| view! { <p class="muted">{ends}</p> })}
                </li>
            }
        })
        .collect();
    Some(view! {
        <section class="card" aria-labelledby="ly-challenges">
            <h3 id="ly-challenges">{ui.t(Key::Challenges)}</h3>
            <ul class="challenges">{items}</ul>
        </section>
    })
}

fn badges(ui: &Ui, member: &MemberView, goals: &[BadgeInfo]) -> Option<impl IntoView + use<>> {
    let earned = &member.badges;
    if earned.is_empty() && goals.is_empty() {
        return None;
    }
    let earned_items: Vec<_> = earned
        .iter()
        .map(|badge| {
            let when =
                ui.with(|t| t.fill(Key::BadgeEarned, &[("date", &t.fmt.date(&badge.earned_at))]));
            view! {
                <li>
                    <strong>{badge.name.clone()}</strong>
                    <span class="muted">{when}</span>
                </li>
            }
        })
        .collect();
    let goal_items: Vec<_> = goals
        .iter()
        .filter(|goal| !earned.iter().any(|b| b.id == goal.id))
        .map(|goal| {
            let step = member.badge_progress.iter().find(|s| s.id == goal.id);
            let text = ui.with(|t| {
                let goal_text = goal.event.is_some().then(|| {
                    t.fill_counted(
                        Key::BadgeGoal,
                        i64::from(goal.count),
                        &[
                            ("count", &t.fmt.number(i64::from(goal.count))),
                            ("points", &t.fmt.number(goal.bonus_points)),
                            ("label", &t.label_for(goal.bonus_points)),
                        ],
                    )
                });
                let so_far = step.map(|s| {
                    t.fill(
                        Key::BadgeSteps,
                        &[
                            ("done", &t.fmt.number(s.done)),
                            ("count", &t.fmt.number(s.count)),
                        ],
                    )
                });
                [goal_text, so_far]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ")
            });
            view! {
                <li>
                    <span>{goal.name.clone()}</span>
                    <span class="muted">{text}</span>
                </li>
            }
        })
        .collect();
    let none = earned
        .is_empty()
        .then(|| view! { <p class="muted">{ui.t(Key::NoBadges)}</p> });
    Some(view! {
        <section aria-labelledby="ly-badges">
            <h3 id="ly-badges">{ui.t(Key::Badges)}</h3>
            {none}
            <ul>{earned_items} {goal_items}</ul>
        </section>
    })
}

fn activity(panel: &Panel) -> impl IntoView + use<> {
    let Panel {
        config,
        ui,
        activity,
        ..
    } = panel.clone();
    let load = move |_| {
        let mut cursor = None;
        activity.update(|a| cursor = a.start());
        let Some(cursor) = cursor else {
            return;
        };
        let request = api::ledger(&config, cursor);
        spawn_local(async move {
            let page = request.await;
            activity.update(|a| a.finish(page));
        });
    };
    let entries = {
        let ui = ui.clone();
        move || {
            activity.with(|a| {
                let items: Vec<_> = a
                    .entries
                    .iter()
                    .map(|entry| {
                        let (kind, date, points) = ui.with(|t| {
                            (
                                t.entry_kind(&entry.kind),
                                t.fmt.date(&entry.at),
                                t.signed_points(entry.points),
                            )
                        });
                        view! {
                            <li>
                                <span>
                                    {kind}
                                    <br />
                                    <span class="muted">{date}</span>
                                </span>
                                <span class="pts">{points}</span>
                            </li>
                        }
                    })
                    .collect();
                (!items.is_empty()).then(|| view! { <ul>{items}</ul> })
            })
        }
    };
    let status = {
        let ui = ui.clone();
        move || {
            activity.with(|a| {
                if let Some(failure) = &a.failure {
                    Some(view! { <p class="err" role="alert">{ui.t(failure.key())}</p> }.into_any())
                } else if a.is_empty() {
                    Some(view! { <p class="muted">{ui.t(Key::NoActivity)}</p> }.into_any())
                } else {
                    None
                }
            })
        }
    };
    let more = move || {
        activity.with(|a| {
            let label = if a.opened {
                ui.t(Key::LoadMore)
            } else {
                ui.t(Key::ShowActivity)
            };
            (a.has_more() && !a.loading).then(|| {
                view! { <button on:click=load.clone()>{label}</button> }
            })
        })
    };
    view! {
        <section aria-labelledby="ly-activity">
            <h3 id="ly-activity">{panel.ui.t(Key::Activity)}</h3>
            {entries}
            {status}
            {more}
        </section>
    }
}
