//! What the end-to-end and browser test binaries share: picking cases from
//! the command line and reporting the run.

use std::process::ExitCode;

/// The case filters: the arguments that are not flags (a case runs when its
/// name contains any of them; every case runs when there are none).
fn case_filters() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect()
}

/// Whether a case of this name runs under `filters`.
fn selected(name: &str, filters: &[String]) -> bool {
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

/// Runs the cases the command line selects, in order, printing each
/// outcome; `run` answers `Err` with what to add to "FAILED" ("" for nothing)
/// when a case fails. Answers how many ran and which failed.
pub fn run_cases<C>(
    cases: &[(&'static str, C)],
    mut run: impl FnMut(&C) -> Result<(), String>,
) -> (usize, Vec<&'static str>) {
    let filters = case_filters();
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, case) in cases {
        if !selected(name, &filters) {
            continue;
        }
        ran += 1;
        match run(case) {
            Ok(()) => println!("test {name} ... ok"),
            Err(why) => {
                println!("test {name} ... FAILED{why}");
                failed.push(*name);
            }
        }
    }
    (ran, failed)
}

/// Prints the summary of a run and turns it into the process's exit code.
pub fn report(label: &str, ran: usize, failed: &[&str], skipped: usize) -> ExitCode {
    let skipped = if skipped > 0 {
        format!("; {skipped} skipped")
    } else {
        String::new()
    };
    println!(
        "\n{label}: {} passed; {} failed{skipped}",
        ran - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        for name in failed {
            println!("    failed: {name}");
        }
        ExitCode::FAILURE
    }
}
