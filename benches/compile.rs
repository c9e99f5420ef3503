//! Benchmarks of the check and plan stages on a generated spec with 1,000 perturbation members
//! evaluated on 3 models (the target is check + plan in under 50 ms), and on huge generated
//! specs (tens of thousands of members, gates and errors), whose cost must grow linearly.
//!
//! Run with `cargo bench --bench compile`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;

use divan::Bencher;
use miette::{GraphicalReportHandler, GraphicalTheme};
use rbench::check::{self, FsLoader};
use rbench::plan;
use rbench::syntax::{self, ast, FileId, SourceFile};

/// Perturbations in the generated spec, and members each sweeps.
const PERTURBATIONS: usize = 10;
const MEMBERS_EACH: usize = 100;

/// The generated spec and its AST, built once.
static SPEC: LazyLock<(SourceFile, ast::File)> = LazyLock::new(|| {
    let source = SourceFile::new(FileId(0), "generated.rbench", thousand_member_spec());
    let file = syntax::parse(&source).unwrap_or_else(|e| panic!("the spec parses: {e:?}"));
    (source, file)
});

fn main() {
    divan::main();
}

/// A spec with 3 models, one dataset, [`PERTURBATIONS`] perturbations of [`MEMBERS_EACH`]
/// members each (1,000 members, every one evaluated on every model), and one gate per
/// perturbation mapped to the AI RMF.
fn thousand_member_spec() -> String {
    let mut spec = String::from(
        "benchmark generated {\n  seed = 7\n}\n\n\
         dataset digits {\n  source = npz(\"data/digits.npz\")\n  classes = 10\n}\n\n",
    );
    for m in 0..3 {
        let _ = writeln!(spec, "model m{m} {{\n  onnx = \"models/m{m}.onnx\"\n}}\n");
    }
    let mut names = Vec::new();
    for p in 0..PERTURBATIONS {
        let step = 1.0 / MEMBERS_EACH as f64;
        let end = step * (MEMBERS_EACH - 1) as f64;
        let _ = writeln!(
            spec,
            "perturbation p{p} = gaussian_noise(sigma: 0..{end:.2} step {step:.2})"
        );
        names.push(format!("p{p}"));
    }
    let _ = writeln!(
        spec,
        "\nevaluate [m0, m1, m2] on digits under [{}]\n",
        names.join(", ")
    );
    let mut gates = Vec::new();
    for p in 0..PERTURBATIONS {
        let _ = writeln!(
            spec,
            "require g{p}: accuracy(m{}, p{p}[sigma = 0.5]) >= 0.9 * accuracy(m0, clean)",
            p % 3
        );
        gates.push(format!("g{p}"));
    }
    let _ = writeln!(
        spec,
        "\nmap nist_ai_rmf {{\n  \"MEASURE 2.5\" <- {}\n}}",
        gates.join(", ")
    );
    spec
}

/// Check and plan together, from the AST (the figure the target is about).
#[divan::bench]
fn check_and_plan_1000_members_3_models(bencher: Bencher) {
    let (source, file) = &*SPEC;
    let spec = check::check(
        source.clone(),
        file.clone(),
        Path::new("generated.rbench"),
        &FsLoader,
    )
    .unwrap_or_else(|e| panic!("the spec checks: {:?}", miette::Report::new(e)));
    let members: usize = spec.perturbations.iter().map(|p| p.members.len()).sum();
    assert_eq!(members, PERTURBATIONS * MEMBERS_EACH);
    bencher
        .with_inputs(|| (source.clone(), file.clone()))
        .bench_values(|(source, file)| {
            let spec = check::check(source, file, Path::new("generated.rbench"), &FsLoader)
                .unwrap_or_else(|_| unreachable!("checked above"));
            plan::build(&spec)
        });
}

/// The check stage alone.
#[divan::bench]
fn check_1000_members_3_models(bencher: Bencher) {
    let (source, file) = &*SPEC;
    bencher
        .with_inputs(|| (source.clone(), file.clone()))
        .bench_values(|(source, file)| {
            check::check(source, file, Path::new("generated.rbench"), &FsLoader).is_ok()
        });
}

/// `perturbations` perturbations of 10,000 distinct members each, evaluated on one model.
fn sweep_spec(perturbations: usize) -> String {
    let mut spec = String::from(
        "benchmark huge {\n  seed = 7\n}\n\n\
         dataset d {\n  source = npz(\"d.npz\")\n  classes = 10\n}\n\n\
         model m {\n  onnx = \"m.onnx\"\n}\n\n",
    );
    let names: Vec<String> = (0..perturbations).map(|p| format!("p{p}")).collect();
    for (p, name) in names.iter().enumerate() {
        let _ = writeln!(
            spec,
            "perturbation {name} = gaussian_noise(sigma: {p}.0001..{} step 0.0001)",
            p + 1
        );
    }
    let _ = writeln!(spec, "evaluate m on d under [{}]", names.join(", "));
    spec.push_str("require g: accuracy(m, clean) >= 0.5\n");
    spec
}

/// `gates` gates on one model; with `broken`, each names an undeclared model.
fn gate_spec(gates: usize, broken: bool) -> String {
    let mut spec = String::from(
        "benchmark huge {\n  seed = 7\n}\n\n\
         dataset d {\n  source = npz(\"d.npz\")\n  classes = 10\n}\n\n\
         model m {\n  onnx = \"m.onnx\"\n}\n\nevaluate m on d\n",
    );
    let model = if broken { "nope" } else { "m" };
    for g in 0..gates {
        let _ = writeln!(spec, "require g{g}: accuracy({model}, clean) >= 0.5");
    }
    spec
}

/// Parses `text` as `huge.rbench`.
fn parsed(text: String) -> (SourceFile, ast::File) {
    let source = SourceFile::new(FileId(0), "huge.rbench", text);
    let file = syntax::parse(&source).unwrap_or_else(|e| panic!("the spec parses: {e:?}"));
    (source, file)
}

/// Plans sweeps of 10,000 to 90,000 members (planning was quadratic in the members).
#[divan::bench(args = [1, 3, 9], sample_count = 3)]
fn plan_sweep_members_x10000(bencher: Bencher, perturbations: usize) {
    let (source, file) = parsed(sweep_spec(perturbations));
    let spec = check::check(source, file, Path::new("huge.rbench"), &FsLoader)
        .unwrap_or_else(|e| panic!("the spec checks: {:?}", miette::Report::new(e)));
    bencher.bench(|| plan::build(&spec));
}

/// Checks and plans 10,000 to 100,000 gates.
#[divan::bench(args = [10_000, 100_000], sample_count = 3)]
fn check_and_plan_gates(bencher: Bencher, gates: usize) {
    let (source, file) = parsed(gate_spec(gates, false));
    bencher
        .with_inputs(|| (source.clone(), file.clone()))
        .bench_values(|(source, file)| {
            let spec = check::check(source, file, Path::new("huge.rbench"), &FsLoader)
                .unwrap_or_else(|_| unreachable!("the generated spec is valid"));
            plan::build(&spec)
        });
}

/// Draws every one of 5,000 to 20,000 check errors (drawing was quadratic in their number).
#[divan::bench(args = [5_000, 20_000], sample_count = 3)]
fn draw_check_errors(bencher: Bencher, errors: usize) {
    let (source, file) = parsed(gate_spec(errors, true));
    let Err(report) = check::check(source, file, Path::new("huge.rbench"), &FsLoader) else {
        unreachable!("every gate names an undeclared model")
    };
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    bencher.bench(|| {
        let mut drawn = String::new();
        handler
            .render_report(&mut drawn, &report)
            .unwrap_or_else(|e| panic!("draws: {e}"));
        drawn.len()
    });
}
