//! Browser tests of the loyalty widget in real headless Chromium (Debian's
//! chromium and chromedriver, driven with fantoccini), against a worker the
//! tests start themselves and the demo pages served from the worker's origin
//! and from a second origin (CORS, preflight, cross-origin wasm).
//!
//! A plain `main` runs the named cases in order; chromedriver (with every
//! browser it started) and the worker are stopped at the end, even when a
//! case fails. `cargo test -p loyalty-e2e --test browser -- NAME` runs the
//! cases whose name contains NAME. Screenshots go to `target/test-output/`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

mod cases;
mod console;
mod docs;
mod page;
mod world;

use world::World;

type Case = (&'static str, fn(Arc<World>) -> cases::CaseFuture);

const CASES: &[Case] = &[
    (
        "guest view: ways to earn, rewards, tiers, join and sign-in",
        cases::guest_view,
    ),
    (
        "member balance and tier progress as /me reports them",
        cases::member_balance,
    ),
    ("redeem shows a code and the balance drops", cases::redeem),
    (
        "a challenge: progress, reward and its last day on the shop's clock",
        cases::challenge,
    ),
    (
        "a guest's earlier order added at signup; store credit spent as a code",
        cases::guest_orders_and_store_credit,
    ),
    (
        "leave the program (asked first), then rejoin",
        cases::leave_and_rejoin,
    ),
    ("the referral link copies", cases::referral_copy),
    ("the Arabic page renders right to left", cases::arabic_rtl),
    (
        "at 360 px nothing overflows sideways",
        cases::narrow_no_overflow,
    ),
    (
        "the hostile CSS changes no computed property",
        cases::hostile_css,
    ),
    (
        "keyboard: Tab, Enter opens, Escape closes, focus returns",
        cases::keyboard,
    ),
    (
        "the cart preview equals a hand-worked figure and simulate",
        cases::cart_preview,
    ),
    ("contrast meets WCAG AA", cases::contrast),
    (
        "every control has a name; targets are 44 px on a phone",
        cases::names_and_targets,
    ),
    (
        "nothing moves under prefers-reduced-motion",
        cases::reduced_motion,
    ),
    (
        "the widget changes nothing on the page",
        cases::page_untouched,
    ),
    (
        "the tag added late and twice gives one widget; Loyalty.open/close",
        cases::late_and_twice,
    ),
    ("api docs: Swagger UI at /docs/", docs::api_docs),
    (
        "console: a wrong key, the right one, search, adjust, erase, sign out",
        console::sign_in_members_adjust_erase,
    ),
    (
        "console: the install page's tag, checklist and snippets",
        console::install_page,
    ),
    (
        "console: analytics charts, their tables equal /analytics",
        console::analytics_tables,
    ),
    (
        "console: a problem at its path, a backtest, save, diff, restore",
        console::program_backtest_versions,
    ),
    (
        "bench: the backtest of 10,000 events in the console (1,000 unless LOYALTY_BENCH=1)",
        console::backtest_benchmark,
    ),
    (
        "console: Arabic right to left; nothing overflows at 360 px",
        console::arabic_and_narrow,
    ),
];

/// Not written yet, and why.
const SKIPPED: &[(&str, &str)] = &[];

/// How long one case may take.
const LIMIT: Duration = Duration::from_secs(180);

fn main() -> ExitCode {
    let world = match World::start() {
        Ok(world) => Arc::new(world),
        Err(error) => {
            eprintln!("could not start the browser tests: {error}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("no tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let (ran, failed) = loyalty_e2e::run_cases(CASES, |case| {
        let future = case(Arc::clone(&world));
        // A panic in the case ends its task, not the run.
        match runtime.block_on(async { tokio::time::timeout(LIMIT, tokio::spawn(future)).await }) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(String::new()),
            Err(_) => Err(format!(" (over {}s)", LIMIT.as_secs())),
        }
    });
    for (name, why) in SKIPPED {
        println!("test {name} ... skipped ({why})");
    }
    // Dropping the runtime drops any case still running, so this is the last
    // handle and dropping it stops chromedriver, its browsers and the worker.
    drop(runtime);
    drop(world);
    loyalty_e2e::report("browser", ran, &failed, SKIPPED.len())
}
