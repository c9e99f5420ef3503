//! Benchmarks of the check and plan stages on a generated spec with 1,000 perturbation members
//! evaluated on 3 models (the target is check + plan in under 50 ms).
//!
//! Run with `cargo bench --bench compile`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;

use divan::Bencher;
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
