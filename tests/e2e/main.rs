//! End-to-end tests of the edge worker on the real runtime: `wrangler dev`
//! (workerd) with local persisted KV and Durable Objects, started the same
//! way `cargo xtask dev` starts it, on another port with throwaway state.
//!
//! A plain `main` runs the cases in order against one worker, so it can be
//! stopped and started again (the restart case) and is always stopped at the
//! end, even when a case fails.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

mod api;
mod console;
mod currencies;
mod door;
mod gates;
mod grace;
mod guests;
mod local_time;
mod matrix;
mod outbound;
mod platforms;
mod privacy;
mod receiver;
mod reward_kinds;
mod schedule;
mod world;

use world::World;

type Case = (&'static str, fn(&mut World));

const CASES: &[Case] = &[
    ("health and the API document", api::health_and_openapi),
    ("the contract's worked award example", api::contract_example),
    (
        "program problems come back all at once",
        api::program_problems,
    ),
    (
        "one event sent 40 times at once credits once",
        api::idempotent_under_concurrency,
    ),
    (
        "the same id with another body or member is a conflict",
        api::id_conflicts,
    ),
    (
        "40 orders at once: one first-order bonus, exact total",
        api::concurrent_orders,
    ),
    ("bad inputs are refused and change nothing", api::bad_inputs),
    ("refunds reverse the original award", api::refunds),
    (
        "redeem, use a code once, cancel returns points",
        api::redemption,
    ),
    ("referrals: credit once, fraud refused", api::referrals),
    (
        "widget: guest view, member view, CORS, rate limit",
        api::widget,
    ),
    ("export and erase", api::export_and_erase),
    ("analytics count what happened", api::analytics),
    (
        "a restart keeps balances, codes, referrals and ids",
        api::restart_keeps_everything,
    ),
    (
        "analytics figures left in a stopped worker arrive by the alarm",
        api::report_backstop,
    ),
    (
        "key rotation: old key, tokens and signatures refused at once",
        api::key_rotation,
    ),
    (
        "me: a snapshot older than what the shopper saw is not served",
        api::stale_snapshot,
    ),
    (
        "a chunked body is refused at 256 KiB like any other",
        door::chunked_bodies,
    ),
    (
        "unknown shops are answered without creating storage",
        door::unknown_shops,
    ),
    (
        "referral links: ids checked, 60 a minute per visitor",
        door::referral_links,
    ),
    (
        "an event refused for want of a program keeps no claim",
        door::refused_events_keep_no_claim,
    ),
    (
        "ids holding the name separator never share a member",
        door::separator_in_ids,
    ),
    (
        "80 shops' programs read at once: an evicted program is fetched again",
        door::many_programs_at_once,
    ),
    (
        "ids over all 16 gates, each sent twice at once, credit once",
        gates::ids_over_every_gate_credit_once,
    ),
    (
        "a rotation reaches every gate before it answers",
        gates::rotation_reaches_every_gate,
    ),
    (
        "pooled accounts: members earn into their account, each id once",
        gates::pooled_accounts,
    ),
    (
        "a pooled member's ledger is theirs by exact id",
        gates::own_ledger_by_exact_id,
    ),
    (
        "claims keep an id and a hash; the journal holds events until an erase",
        gates::claims_keep_no_personal_fields,
    ),
    (
        "erase: nothing of the member in any store after a restart",
        privacy::erase_leaves_nothing,
    ),
    (
        "erase a member alone: counts drop, issued stays, no return",
        privacy::erase_a_member_alone,
    ),
    (
        "a pooled member's export and preview hold only their own",
        privacy::pooled_member_sees_only_their_own,
    ),
    (
        "a member bound to no account stays unbound",
        privacy::unbound_member_stays_unbound,
    ),
    (
        "consent: leave, opt-out, rejoin; nothing earned while out",
        privacy::consent_is_kept,
    ),
    (
        "the shop's clock: local days, the database's zones, the preview's table",
        local_time::shop_clock,
    ),
    (
        "orders in another currency: by rate or shop money, refunds by the order's rate",
        currencies::orders_in_another_currency,
    ),
    (
        "tier grace: gold kept after the metric falls, and until when",
        grace::gold_is_kept_for_its_grace,
    ),
    (
        "guests' orders: held, credited once at signup, erased with the member",
        guests::guest_orders_wait_for_signup,
    ),
    (
        "every reward kind: product code, credit, credit spent as a code, donations",
        reward_kinds::every_reward_kind,
    ),
    (
        "Shopify's webhooks: signed, once per order, guests, cancellations",
        platforms::shopify_webhooks,
    ),
    (
        "Shopify's privacy topics: data request, redaction leaves nothing",
        platforms::shopify_privacy,
    ),
    (
        "Shopify's shop/redact: every member and guest erased, nothing left",
        platforms::shopify_shop_redact,
    ),
    (
        "WooCommerce's webhooks: ping, guest order, completed duplicate, refunds",
        platforms::woocommerce_webhooks,
    ),
    (
        "Shopware's app webhooks: paid, placed-and-paid once, refund, cancellation",
        platforms::shopware_webhooks,
    ),
    (
        "outbound webhooks: signed, retried across a restart, dead letters replayed",
        outbound::deliveries_retry_survive_a_restart_and_dead_letters_replay,
    ),
    (
        "Klaviyo and Mailchimp stand-ins receive well-formed profile updates",
        outbound::klaviyo_and_mailchimp_profiles,
    ),
    (
        "the schedule fired twice: a birthday, an anniversary, a warning, once each",
        schedule::birthday_anniversary_and_warning_once_each,
    ),
    (
        "the console's reads: members, versions, recent events, daily series, checklist",
        console::console_reads,
    ),
    (
        "one shop's burst: no object takes more than its share",
        gates::no_object_over_its_share,
    ),
    (
        "every route with every kind of credential, as the route table says",
        matrix::routes_by_credentials,
    ),
    (
        "the development token route is closed without the variable",
        api::dev_route_closed,
    ),
];

fn main() -> ExitCode {
    let mut world = match World::start() {
        Ok(world) => world,
        Err(error) => {
            eprintln!("could not start the worker: {error}");
            return ExitCode::FAILURE;
        }
    };
    let (ran, failed) = loyalty_e2e::run_cases(CASES, |case| {
        catch_unwind(AssertUnwindSafe(|| case(&mut world))).map_err(|_| String::new())
    });
    drop(world);
    loyalty_e2e::report("e2e", ran, &failed, 0)
}
