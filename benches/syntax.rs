//! Benchmarks of the syntax stage on a realistic 10,000-line spec (the target is parse + lower
//! in under 50 ms).
//!
//! Run with `cargo bench --bench syntax`; `cargo bench --bench syntax -- parse` runs one.
//! `scan_*` and `grammar_*` time two parts of `parse_*`, to show where its time goes.

use std::fmt::Write as _;
use std::sync::LazyLock;

use divan::counter::{BytesCount, ItemsCount};
use divan::Bencher;
use pest::Parser as _;
use rbench::syntax::parser::{RbenchParser, Rule};
use rbench::syntax::{self, FileId, SourceFile};

/// The number of lines the generated spec has at least.
const TARGET_LINES: usize = 10_000;

/// The generated spec, built once and shared by every benchmark.
static SPEC: LazyLock<SourceFile> = LazyLock::new(|| {
    let text = ten_thousand_line_spec();
    SourceFile::new(FileId(0), "generated.rbench", text)
});

fn main() {
    divan::main();
}

/// A spec of at least [`TARGET_LINES`] lines: a header, then one section per model family with
/// its data set, models, perturbation sweeps, a metric, gates and a risk mapping, each with
/// unique names and the comments a real spec carries, and a user framework at the end.
fn ten_thousand_line_spec() -> String {
    let mut spec = String::from(
        "// Generated robustness benchmark: many model families, one section each.\n\n\
         benchmark generated_robustness {\n  \
           title = \"Generated robustness benchmark\"\n  \
           version = \"1.0.0\"\n  \
           seed = 7\n  \
           data_roots = [\"/usr/share/datasets\", \"data\"]\n\
         }\n",
    );
    let mut section = 0;
    while spec.lines().count() < TARGET_LINES {
        push_section(&mut spec, section);
        section += 1;
    }
    spec.push_str(
        "\n/* The team's own controls.\n   Every section maps onto them as well. */\n\
         framework internal {\n  \
           title = \"Model validation checklist\"\n  \
           control \"VAL-1\" \"Accuracy on held-out data meets the intended-use threshold\"\n  \
           control \"VAL-2\" \"Predictions are stable under noise and blur\"\n\
         }\n",
    );
    let lines = spec.lines().count();
    assert!(
        lines >= TARGET_LINES,
        "the generated spec has {lines} lines"
    );
    spec
}

/// Appends section `i` (about 50 lines) to `spec`.
fn push_section(spec: &mut String, i: usize) {
    let _ = write!(
        spec,
        r#"
// ── Family {i}: digits classifiers trained with recipe {i} ──

dataset digits_{i} {{
  source = npz("data/digits_{i}.npz", x: "x", y: "y")
  classes = 10
  range = [0, 1] // valid input range: every perturbation clips to it
  limit = 1_000
}}

model mlp_{i} {{
  onnx = "models/digits_mlp_{i}.onnx"
}}

// Weights only: the architecture is named.
model cnn_{i} {{
  safetensors = "models/digits_cnn_{i}.safetensors"
  arch = cnn(channels: [16, 32], classes: 10)
}}

// Sweeps: each list or range expands into a family of members.
perturbation noise_{i} = gaussian_noise(sigma: [0.05, 0.1, 0.2, 0.3])
perturbation blur_{i} = gaussian_blur(severity: 1..5)
perturbation quantized_{i} = quantize(bits: 4..8 step 2)
perturbation fgsm_{i} = fgsm(eps: [2/255, 4/255, 8/255])
perturbation pgd_{i} = pgd(norm: linf, eps: 8/255, step: 2/255, steps: 20, random_start: true)

evaluate [mlp_{i}, cnn_{i}] on digits_{i} under [noise_{i}, blur_{i}, quantized_{i}]
evaluate cnn_{i} on digits_{i} under [fgsm_{i}, pgd_{i}]

metric noise_drop_{i} = accuracy(mlp_{i}, clean) - accuracy(mlp_{i}, noise_{i})

require clean_accuracy_{i}: accuracy(mlp_{i}, clean) >= 95%
require noise_tolerance_{i}: accuracy(mlp_{i}, noise_{i}[sigma = 0.1]) >= 90%
require adversarial_floor_{i}: accuracy(cnn_{i}, pgd_{i}) >= 40% with confidence 95%
require calibrated_{i}: ece(mlp_{i}, clean) <= 0.05 and not flip_rate(mlp_{i}, quantized_{i}) > 5%
warn corruption_error_{i}: mce(cnn_{i}, blur_{i}, baseline: mlp_{i}) <= 1.0
warn noise_drop_bound_{i}: noise_drop_{i} <= 3% with confidence 90%

map nist_ai_rmf {{
  "MEASURE 2.5" <- clean_accuracy_{i}, noise_tolerance_{i} "Reliable under sensor noise"
  "MEASURE 2.7" <- adversarial_floor_{i} "Resilient to evasion attacks"
  "MEASURE 2.3" <- calibrated_{i}
}}

map internal {{
  "VAL-1" <- clean_accuracy_{i}, calibrated_{i}
  "VAL-2" <- noise_tolerance_{i}, corruption_error_{i}, noise_drop_bound_{i} "Noise and blur"
}}
"#
    );
}

/// Parsing (scan, grammar and lowering) of the whole spec into its AST.
#[divan::bench]
fn parse_10k_lines(bencher: Bencher) {
    let source = &*SPEC;
    if let Err(errors) = syntax::parse(source) {
        panic!("the generated spec must parse: {errors:?}");
    }
    bencher
        .counter(BytesCount::of_str(&*source.text))
        .counter(ItemsCount::new(source.text.lines().count()))
        .bench(|| syntax::parse(divan::black_box(source)));
}

/// The lexical pre-pass alone (comments, strings, delimiters), a part of [`parse_10k_lines`].
#[divan::bench]
fn scan_10k_lines(bencher: Bencher) {
    let text = &*SPEC.text;
    bencher
        .counter(BytesCount::of_str(text))
        .bench(|| syntax::scan::scan(FileId(0), divan::black_box(text)));
}

/// The pest grammar alone, without lowering to the AST, a part of [`parse_10k_lines`].
#[divan::bench]
fn grammar_10k_lines(bencher: Bencher) {
    let text = &*SPEC.text;
    bencher.counter(BytesCount::of_str(text)).bench(|| {
        RbenchParser::parse(Rule::file, divan::black_box(text)).map(|pairs| pairs.count())
    });
}

/// Formatting of the whole spec (parse included) into the canonical layout.
#[divan::bench]
fn format_10k_lines(bencher: Bencher) {
    let source = &*SPEC;
    bencher
        .counter(BytesCount::of_str(&*source.text))
        .bench(|| syntax::format(divan::black_box(source)));
}
