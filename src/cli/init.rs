//! `rbench init [DIR] [--template image|tabular]`: scaffolds a benchmark project that runs as it
//! is — a commented spec importing copies of the shipped suites, an example model, a `.gitignore`
//! for the cache and reports, and CI jobs for GitHub Actions and GitLab that run the benchmark,
//! publish its JUnit report and fail on a regression with `rbench diff`.

use std::path::{Path, PathBuf};

use super::render::Console;
use super::Status;

/// The options of `rbench init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The project folder, created if missing [default: the current folder]
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// What the example benchmarks: images (the bundled digits) or a table (the bundled breast
    /// cancer measurements)
    #[arg(long, value_enum, default_value = "image")]
    pub template: Template,
}

/// The kind of data a scaffolded benchmark starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Template {
    Image,
    Tabular,
}

/// The exit codes of `rbench init`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  the project was written
  2  usage error, a file it would write exists already, or a file could not be written";

/// Writes the project of `args`; never overwrites a file.
pub fn run(args: &InitArgs, console: &Console) -> Status {
    let files = files(args.template);
    let existing: Vec<String> = files
        .iter()
        .map(|(path, _)| args.dir.join(path))
        .filter(|path| path.exists())
        .map(|path| format!("`{}`", path.display()))
        .collect();
    if !existing.is_empty() {
        console.error(&format!(
            "{} already exist{}: rbench init writes only new files (choose another folder)",
            existing.join(", "),
            if existing.len() == 1 { "s" } else { "" }
        ));
        return Status::Failure;
    }
    for (path, contents) in &files {
        let path = args.dir.join(path);
        if let Err(error) = rbench::atomic::write_atomic(&path, contents) {
            console.error(&format!("cannot write `{}`: {error}", path.display()));
            return Status::Failure;
        }
    }
    console.eprint(&format!(
        "wrote a benchmark project to `{}`; run it with `rbench run {}`\n",
        args.dir.display(),
        args.dir.join("benchmark.rbench").display()
    ));
    Status::Success
}

/// The files of a project: path in the project and contents.
fn files(template: Template) -> Vec<(&'static Path, &'static [u8])> {
    let specific: Vec<(&'static str, &'static [u8])> = match template {
        Template::Image => vec![
            ("benchmark.rbench", include_bytes!("init/image.rbench")),
            (
                "models/example_mlp.onnx",
                include_bytes!("../../examples/models/digits_mlp.onnx"),
            ),
            (
                "suites/corruptions.rbench",
                include_bytes!("../../specs/suites/corruptions.rbench"),
            ),
            (
                "suites/adversarial.rbench",
                include_bytes!("../../specs/suites/adversarial.rbench"),
            ),
        ],
        Template::Tabular => vec![
            ("benchmark.rbench", include_bytes!("init/tabular.rbench")),
            (
                "models/example_mlp.onnx",
                include_bytes!("../../examples/models/breast_cancer_mlp.onnx"),
            ),
            (
                "suites/tabular.rbench",
                include_bytes!("../../specs/suites/tabular.rbench"),
            ),
        ],
    };
    let common: [(&'static str, &'static [u8]); 3] = [
        (".gitignore", include_bytes!("init/gitignore")),
        (
            ".github/workflows/rbench.yml",
            include_bytes!("init/github.yml"),
        ),
        (".gitlab-ci.yml", include_bytes!("init/gitlab.yml")),
    ];
    specific
        .into_iter()
        .chain(common)
        .map(|(path, contents)| (Path::new(path), contents))
        .collect()
}
