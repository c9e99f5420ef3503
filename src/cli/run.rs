//! `rbench run`: the arguments of [`rbench::run_source`], which compiles, links, plans and runs a
//! spec and writes `results.json`; progress, the summary, the diagnostics and the exit code.

use std::fmt::Write;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rbench::confine;
use rbench::exec::{ExecError, Observer};
use rbench::report::number;
use rbench::results::{RunResults, Severity};
use rbench::{run_source, RunError, RunOptions};

use super::input::Input;
use super::progress::{Bars, Lines};
use super::render::Console;
use super::{reach, Status, INTERRUPTED};

/// The options of `rbench run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The spec to run (`-` reads standard input)
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// The folder `results.json` is written to [default: rbench-results/<spec name>/ beside the
    /// spec]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The inference cache folder [default: .rbench/cache beside the spec]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write the inference cache
    #[arg(long)]
    pub no_cache: bool,
    /// Worker threads [default: the number of CPUs; at most 4 × the CPUs]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Samples per batch
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: u32,
    /// Print no progress lines
    #[arg(long)]
    pub quiet: bool,
    /// Read data and model files anywhere, outside the spec's project too
    #[arg(long)]
    pub allow_outside: bool,
    /// Also read data and model files under DIR (repeatable); a data root the spec names must be
    /// allowed this way
    #[arg(long, value_name = "DIR")]
    pub allow_root: Vec<PathBuf>,
    /// Also write these reports beside `results.json` (md, html, junit, oscal, json)
    #[arg(long, value_name = "FORMAT", value_enum, value_delimiter = ',')]
    pub report: Vec<rbench::report::Format>,
}

/// The exit codes of `rbench run`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  every `require` gate passed
  1  a `require` gate failed, or the spec has diagnostics
  2  usage error, or a data, model or file could not be read or written
130  interrupted (Ctrl-C); finished inference results are cached, so a rerun resumes";

/// Runs the spec of `args` and returns how the run ended.
pub fn run(args: &RunArgs, console: &Console) -> Status {
    let input = Input::from_arg(args.spec.clone());
    let source = match input.read() {
        Ok(Ok(source)) => source,
        Ok(Err(errors)) => {
            console.diagnostic(&errors);
            return Status::Problems;
        }
        Err(error) => {
            console.error(&error);
            return Status::Failure;
        }
    };
    let lines = Lines { console };
    let bars = (!args.quiet && std::io::stderr().is_terminal()).then(Bars::new);
    let observer: Option<&dyn Observer> = match (&bars, args.quiet) {
        (Some(bars), _) => Some(bars),
        (None, false) => Some(&lines),
        (None, true) => None,
    };
    let mut options = RunOptions::beside(input.path());
    if let Some(out) = &args.out {
        options.out = out.clone();
    }
    if let Some(cache) = &args.cache_dir {
        options.cache = Some(cache.clone());
    }
    if args.no_cache {
        options.cache = None;
    }
    if let Some(threads) = args.threads {
        options.threads = threads as usize;
    }
    options.batch_size = args.batch_size as usize;
    options.reach = reach(args.allow_outside, &args.allow_root);
    options.reports = args.report.clone();
    if let Some(refused) = linked_default_output(args, input.path(), &options) {
        console.diagnostic(&refused);
        return Status::Failure;
    }
    options.observer = observer;
    options.cancel = Some(cancel_on_interrupt());
    let ran = run_source(source, &input.spec_path(), &options);
    if let Some(bars) = &bars {
        bars.finish();
    }
    let (outcome, report_error) = match ran {
        Ok(outcome) => (outcome, None),
        Err(RunError::Report { outcome, error }) => (*outcome, Some(error)),
        Err(error) => return failed(&error, console),
    };
    if let Err(error) = console.print(&summary(&outcome.results)) {
        console.error(&format!("cannot write the summary: {error}"));
        return Status::Failure;
    }
    if !args.quiet {
        console.eprint(&format!(
            "results written to {}\n",
            outcome.results_file.display()
        ));
    }
    if let Some(error) = report_error {
        console.diagnostic(&error);
        return Status::Failure;
    }
    if !args.quiet {
        for report in &outcome.reports {
            console.eprint(&format!("report written to {}\n", report.display()));
        }
    }
    match outcome.results.passed() {
        true => Status::Success,
        false => Status::Problems,
    }
}

/// The refusal of a default output folder (one the command line did not name) that goes
/// through a symbolic link below the spec's folder.
fn linked_default_output(
    args: &RunArgs,
    spec: Option<&Path>,
    options: &RunOptions<'_>,
) -> Option<ExecError> {
    let base = spec.and_then(Path::parent).unwrap_or(Path::new(""));
    let out = args.out.is_none().then_some(&options.out);
    let cache = options.cache.as_ref().filter(|_| args.cache_dir.is_none());
    out.into_iter().chain(cache).find_map(|folder| {
        confine::link_below(base, folder).map(|link| ExecError::LinkedOutput {
            folder: folder.clone(),
            link,
        })
    })
}

/// Reports why a run did not finish; returns the status it ends with.
fn failed(error: &RunError, console: &Console) -> Status {
    match error {
        RunError::Read { .. } => {
            console.error(error);
            Status::Failure
        }
        RunError::Suite { .. } => {
            console.error(error);
            Status::Problems
        }
        RunError::Syntax(errors) => {
            console.diagnostic(errors);
            Status::Problems
        }
        RunError::Check(errors) => {
            console.diagnostic(errors);
            Status::Problems
        }
        RunError::Link(errors) => {
            // Missing or unreadable data and model files.
            console.diagnostic(errors);
            Status::Failure
        }
        RunError::Exec(error) => {
            console.diagnostic(error.as_ref());
            match error.as_ref() {
                ExecError::Cancelled => Status::Interrupted,
                error if error.is_spec_problem() => Status::Problems,
                _ => Status::Failure,
            }
        }
        RunError::Report { error, .. } => {
            console.diagnostic(error);
            Status::Failure
        }
    }
}

/// A flag Ctrl-C (SIGINT) sets, so the run stops at its next batch and keeps what it finished;
/// a second Ctrl-C ends the process at once.
fn cancel_on_interrupt() -> &'static AtomicBool {
    static CANCEL: AtomicBool = AtomicBool::new(false);
    // Fails only when a handler is already installed, which then keeps working.
    let _ = ctrlc::set_handler(|| {
        if CANCEL.swap(true, Ordering::SeqCst) {
            std::process::exit(INTERRUPTED);
        }
    });
    &CANCEL
}

/// The terminal summary: each metric per model and target, then each gate with ✓ or ✗.
fn summary(results: &RunResults) -> String {
    let mut out = String::new();
    let rows: Vec<[String; 5]> = results
        .metrics
        .iter()
        .map(|m| {
            let interval = m
                .interval
                .map_or_else(String::new, |i| format!("[{:.4}, {:.4}]", i.low, i.high));
            [
                m.gate.clone(),
                m.label.clone(),
                m.model.clone(),
                number(m.value),
                interval,
            ]
        })
        .collect();
    let headers = ["gate", "metric", "model", "value", "95% interval"];
    let widths: Vec<usize> = (0..headers.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([headers[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (c, cell) in cells.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            text.push_str(cell);
            if c + 1 < cells.len() {
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        text.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(headers));
    for row in &rows {
        let _ = writeln!(
            out,
            "{}",
            line([&row[0], &row[1], &row[2], &row[3], &row[4]])
        );
    }
    let _ = writeln!(out);
    for gate in &results.gates {
        let mark = if gate.passed { "✓" } else { "✗" };
        let detail = match (gate.value.map(number), gate.bound.map(number)) {
            (Some(value), Some(bound)) => format!(
                " (value {value}, bound {bound} at {}% confidence)",
                gate.confidence.map_or(0.0, |c| c * 100.0)
            ),
            (Some(value), None) => format!(" (value {value})"),
            _ => String::new(),
        };
        let _ = writeln!(out, "{mark} {} {}{detail}", gate.severity, gate.name);
    }
    for flag in &results.sanity {
        let _ = writeln!(
            out,
            "! {} on {}: {}",
            flag.model, flag.dataset, flag.message
        );
    }
    let failed = results
        .gates
        .iter()
        .filter(|g| !g.passed && g.severity == Severity::Require)
        .count();
    let _ = writeln!(
        out,
        "\n{} of {} gates passed; {} forward passes, {} cache hits",
        results.gates.iter().filter(|g| g.passed).count(),
        results.gates.len(),
        results.stats.forward_passes,
        results.stats.cache_hits
    );
    if failed > 0 {
        let _ = writeln!(out, "{failed} required gate(s) failed");
    }
    out
}
