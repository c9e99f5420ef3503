//! The command line: argument definitions and dispatch to one module per subcommand.
//!
//! Only the binary renders diagnostics and talks to the terminal; the library returns values.

mod check;
mod compare;
mod compile;
mod diff;
mod explain;
mod fmt;
mod generate;
mod init;
mod input;
mod plan;
mod progress;
mod render;
mod replace;
mod report;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use rbench::link::Reach;

use input::Input;
use render::Console;

const EXIT_CODES: &str = "\
Exit codes:
  0  success: every file is valid (and, for `fmt --check`, formatted)
  1  some file has diagnostics (or, for `fmt --check`, would be reformatted)
  2  usage error, or a file could not be read or written";

const CHECK_EXIT_CODES: &str = "\
Exit codes:
  0  every file is valid
  1  some file has diagnostics
  2  usage error, or a file could not be read";

const FMT_EXIT_CODES: &str = "\
Exit codes:
  0  every file is valid and, with `--check`, already formatted
  1  some file does not parse or, with `--check`, would be reformatted
  2  usage error, or a file could not be read or written";

/// A declarative language and compiler for robustness benchmarks of machine-learning models.
#[derive(Debug, Parser)]
#[command(name = "rbench", version, arg_required_else_help = true, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and check specs and report every problem found in them
    ///
    /// Reads each FILE (`-` for standard input) and the files it imports, checks names, types,
    /// ranges, sweeps, gates and risk mappings, prints every diagnostic and a summary to standard
    /// error, and exits 1 when any file has a problem. With `--link`, also reads the headers of
    /// the data and model files the spec names and checks that they fit together.
    #[command(after_help = CHECK_EXIT_CODES)]
    Check(CheckArgs),
    /// Format specs in the canonical layout
    ///
    /// Rewrites each FILE in place when its layout changes (files that do not parse are never
    /// written). With `-`, reads standard input and writes the formatted spec to standard output.
    /// With `--check`, writes nothing and prints a diff for each file that is not formatted.
    #[command(after_help = FMT_EXIT_CODES)]
    Fmt(FmtArgs),
    /// Show the execution plan of a spec: its nodes wave by wave, and the model work
    ///
    /// Checks SPEC, prints the DAG it compiles to (each node with its identity, which is also
    /// its cache key), and exits 1 if the plan uses a built-in the engine cannot run yet.
    #[command(after_help = CHECK_EXIT_CODES)]
    Plan(PlanArgs),
    /// Export the execution plan of a spec as DOT, Mermaid or JSON
    #[command(after_help = CHECK_EXIT_CODES)]
    Graph(GraphArgs),
    /// Explain a built-in, a block, a risk framework or a diagnostic code
    ///
    /// Prints the reference of NAME to standard output: a built-in's parameters, a block's
    /// fields, the controls of `nist_ai_rmf`, or what a diagnostic code means and how to fix it.
    /// With `--list`, prints every name it can explain.
    #[command(after_help = explain::EXIT_CODES)]
    Explain(explain::ExplainArgs),
    /// Run a spec: evaluate every model under every perturbation and decide the gates
    ///
    /// Checks SPEC, reads its data and model files, runs the plan (in parallel, streaming
    /// batches, reusing cached inference results), prints each metric and each gate to standard
    /// output, and writes `results.json`. Progress lines go to standard error.
    #[command(after_help = run::EXIT_CODES)]
    Run(run::RunArgs),
    /// Render a run's results as Markdown, HTML, JUnit XML, OSCAL assessment results or JSON
    ///
    /// Reads RESULTS (a `results.json` written by `rbench run`) and writes the report to standard
    /// output or to FILE. Reports read the results only: nothing is run again.
    #[command(after_help = report::EXIT_CODES)]
    Report(report::ReportArgs),
    /// Compare two runs' results: metric changes with intervals, flipped gates, regressions
    ///
    /// Prints every gate whose verdict changed and every metric's change with the 95% interval of
    /// the difference, and exits 1 when a gate went from pass to fail or a metric got worse by
    /// more than `--tolerance`. With `--git REV`, the old results are the file as committed at REV.
    #[command(after_help = compare::EXIT_CODES)]
    Diff(compare::DiffArgs),
    /// Scaffold a benchmark project that runs as it is
    ///
    /// Writes into DIR a commented `benchmark.rbench` importing copies of the shipped suites, an
    /// example model, a `.gitignore` for the cache and reports, and CI jobs (GitHub Actions,
    /// GitLab) that run the benchmark, publish its JUnit report and fail on a regression. Never
    /// overwrites a file.
    #[command(after_help = init::EXIT_CODES)]
    Init(init::InitArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    ///
    /// For bash: `rbench completions bash > ~/.local/share/bash-completion/completions/rbench`.
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page rbench(1), in roff
    ///
    /// `rbench man > rbench.1 && man ./rbench.1`.
    Man,
}

#[derive(Debug, Args)]
struct PlanArgs {
    /// Also read the headers of the data and model files, and estimate FLOPs per model,
    /// per node and for the whole run
    #[arg(long)]
    link: bool,
    /// With `--link`, read files anywhere, outside the spec's project too
    #[arg(long, requires = "link")]
    allow_outside: bool,
    /// With `--link`, also read files under DIR (repeatable); a data root the spec names must
    /// be allowed this way
    #[arg(long, value_name = "DIR", requires = "link")]
    allow_root: Vec<PathBuf>,
    /// The spec (`-` reads standard input)
    #[arg(value_name = "SPEC")]
    spec: PathBuf,
}

#[derive(Debug, Args)]
struct GraphArgs {
    /// The spec (`-` reads standard input)
    #[arg(value_name = "SPEC")]
    spec: PathBuf,
    /// Read the headers of the data and model files first, and add FLOP estimates
    #[arg(long)]
    link: bool,
    /// With `--link`, read files anywhere, outside the spec's project too
    #[arg(long, requires = "link")]
    allow_outside: bool,
    /// With `--link`, also read files under DIR (repeatable); a data root the spec names must
    /// be allowed this way
    #[arg(long, value_name = "DIR", requires = "link")]
    allow_root: Vec<PathBuf>,
    /// The export format
    #[arg(long, value_enum, default_value = "dot")]
    format: plan::GraphFormat,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Also read the headers of the data and model files (shapes, classes, dtypes)
    #[arg(long)]
    link: bool,
    /// With `--link`, read files anywhere, outside the spec's project too
    #[arg(long, requires = "link")]
    allow_outside: bool,
    /// With `--link`, also read files under DIR (repeatable); a data root the spec names must
    /// be allowed this way
    #[arg(long, value_name = "DIR", requires = "link")]
    allow_root: Vec<PathBuf>,
    /// The specs to check (`-` reads standard input)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct FmtArgs {
    /// Write nothing; print a diff and exit 1 if any file is not formatted
    #[arg(long)]
    check: bool,
    /// The specs to format (`-` reads standard input and writes standard output)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// How a run ended; when several files disagree, the worst status wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    /// Everything is valid (and formatted, where asked).
    Success,
    /// Some file has diagnostics, or is not formatted under `fmt --check`.
    Problems,
    /// A usage error, or a file could not be read or written.
    Failure,
    /// Stopped by Ctrl-C.
    Interrupted,
}

/// The exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED: i32 = 130;

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Problems => ExitCode::from(1),
            Status::Failure => ExitCode::from(2),
            Status::Interrupted => ExitCode::from(INTERRUPTED as u8),
        }
    }
}

/// How far the files a spec names may be read from: `--allow-outside` lifts the project bound,
/// each `--allow-root DIR` adds a folder.
fn reach(allow_outside: bool, allow_root: &[PathBuf]) -> Reach {
    match (allow_outside, allow_root) {
        (true, _) => Reach::Anywhere,
        (false, []) => Reach::Project,
        (false, roots) => Reach::Roots(roots.to_vec()),
    }
}

/// Whether (`--link`) and how far to read the files a spec names.
fn linking(link: bool, allow_outside: bool, allow_root: &[PathBuf]) -> Option<Reach> {
    link.then(|| reach(allow_outside, allow_root))
}

/// Parses the arguments, runs the subcommand and returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let console = Console::detect();
    let status = match cli.command {
        Command::Check(args) => match Input::from_args(args.files) {
            Ok(inputs) => check::run(
                &inputs,
                linking(args.link, args.allow_outside, &args.allow_root),
                &console,
            ),
            Err(usage) => console.usage_error(&usage),
        },
        Command::Fmt(args) => match Input::from_args(args.files) {
            Ok(inputs) => fmt::run(&inputs, args.check, &console),
            Err(usage) => console.usage_error(&usage),
        },
        Command::Plan(args) => plan::run_plan(
            &Input::from_arg(args.spec),
            linking(args.link, args.allow_outside, &args.allow_root),
            &console,
        ),
        Command::Graph(args) => plan::run_graph(
            &Input::from_arg(args.spec),
            args.format,
            linking(args.link, args.allow_outside, &args.allow_root),
            &console,
        ),
        Command::Explain(args) => explain::run(&args, &console),
        Command::Run(args) => run::run(&args, &console),
        Command::Report(args) => report::run(&args, &console),
        Command::Diff(args) => compare::run(&args, &console),
        Command::Init(args) => init::run(&args, &console),
        Command::Completions { shell } => generate::completions(shell, &console),
        Command::Man => generate::man(&console),
    };
    status.into()
}
