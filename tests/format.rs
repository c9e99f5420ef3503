//! The formatter: snapshots of messy inputs in the canonical layout, and the guarantees it gives
//! on every spec in the repository (idempotent, same AST, every comment kept).

mod support;

use std::path::{Path, PathBuf};

use rbench::syntax::{format, parse_with_comments, FileId, SourceFile};

fn source(text: &str) -> SourceFile {
    SourceFile::new(FileId(0), "input.rbench", text)
}

/// Formats `text`, checking that the output keeps the AST and every comment and is a fixed point.
fn formatted(text: &str) -> String {
    let out = format(&source(text)).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(
        support::ast_without_spans(&source(&out)),
        support::ast_without_spans(&source(text)),
        "AST changed:\n{out}"
    );
    assert_eq!(
        support::comment_texts(&out),
        support::comment_texts(text),
        "comments changed:\n{out}"
    );
    let again = format(&source(&out)).unwrap_or_else(|e| panic!("{e:?}\n{out}"));
    assert_eq!(again, out, "formatting is not idempotent");
    out
}

#[test]
fn messy_layout_becomes_canonical() {
    insta::assert_snapshot!(formatted(
        r#"


// Robustness benchmark for the digits classifiers.
benchmark   digits_robustness{title   = "Digits classifier robustness"
  version = "1.0.0"



        seed    = 7 }
dataset digits_test {
  source  = npz( "data/digits_test.npz" , x : "x",y:"y" )
  classes = 10

  range   = [ 0 , 1 , ]          // valid input range
  limit   = 500
}
model mlp { onnx = "models/digits_mlp.onnx" }
model   empty   {   }
perturbation noise = gaussian_noise(sigma: [0.05, 0.1, 0.2, 0.3])
perturbation blur  = gaussian_blur(severity: 1..5)


perturbation sweep = rotate(angle: 0..90 step 15)
evaluate [mlp,cnn] on digits_test under [noise, blur]
evaluate mlp on digits_test
require clean_accuracy:    accuracy(mlp, clean) >= 95%
require noise_tolerance:   accuracy(mlp, noise[sigma=0.1]) >= 0.9*accuracy(mlp, clean)
require adversarial_floor: accuracy(cnn, pgd) >= 40% with confidence 95%
warn    corruption_error:  mce(cnn, blur, baseline: mlp) <= 1.0
metric gap = -(a - b) / 2 + - c
metric logic = not a>=b and (c or not d)
map nist_ai_rmf {
  "MEASURE 2.5" <- clean_accuracy , noise_tolerance  "Valid and reliable under sensor noise"

  "MEASURE 2.7" <- adversarial_floor
}
framework internal { title = "Internal controls"   control "IC-1"   "Robust to noise"
control "IC-2" "Robust to attacks" }
import "suites/corruptions.rbench"   as   cc
perturbation b2 = cc.blur[ severity = 3 ]
"#
    ));
}

#[test]
fn comments_stay_where_they_were() {
    insta::assert_snapshot!(formatted(
        r#"// first line of the file
/* a block
   comment */
model m { // after the brace
  // before a field
  onnx = "m.onnx" // after a field

  /* before the close */
} // after the item
perturbation p = f(a, // after an argument
  b /* inline */, c)
perturbation q = [1, /* inside */ 2, 3 // end of element
]
metric s = a + // after an operator
  b
metric t = a +
  // own line inside an expression
  b
map fw {
  // before an entry
  "A" <- g // after an entry
  // between entries
  "B" <- h "why"
}
evaluate [m, /* c */ n] on d
// at the end of the file
"#
    ));
}

#[test]
fn only_comments_and_one_item() {
    insta::assert_snapshot!(formatted(
        "  // leading\n\n\n/* block */ /* another */\nmodel m {}   // trailing\n\n\n// final\n"
    ));
}

#[test]
fn comments_in_odd_places() {
    insta::assert_snapshot!(formatted(
        "model /* a */ m /* b */ { /* c */ }\nmetric x = - /* d */ y\nmetric z = f /* e */ ( /* f */ )\nperturbation r = 0 /* g */ .. /* h */ 5 /* i */ step /* j */ 1\nrequire g /* k */ : a /* l */ with /* m */ confidence 95%\nimport /* n */ \"p\" /* o */ as /* p */ q\nmetric w = f(x // q\n)\nmetric v = f // r\n(x)\ndataset d // s\n{ // t\n  x = 1\n}\nmodel n // u\n{ /* v */ }"
    ));
}

#[test]
fn long_groups_break_one_element_per_line() {
    insta::assert_snapshot!(formatted(
        r#"perturbation noise = gaussian_noise(sigma: [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6])
perturbation pgd = pgd(norm: linf, eps: [1/255, 2/255, 4/255, 8/255, 16/255], step: 0.01, steps: 20, random_start: true, restarts: 5)
metric short = f(a, b)
require floor: accuracy(cnn, pgd[eps = 8/255, norm = linf, steps = 20, restarts = 5, random_start = true, step = 0.01]) >= 40%
evaluate [model_one, model_two, model_three, model_four, model_five] on [dataset_one, dataset_two] under [p]
"#
    ));
}

#[test]
fn crlf_input_gives_lf_output() {
    let out = formatted(
        "model m {\r\n  x = 1 // note\r\n\r\n  y = 2\r\n}\r\n/* a\r\n b */\r\nmetric a = b\r\n",
    );
    assert!(!out.contains('\r'));
    insta::assert_snapshot!(out);
}

#[test]
fn literals_print_as_written() {
    insta::assert_snapshot!(formatted(
        r#"benchmark literals {
  fraction = 8/255
  division = 8 / 255
  percent = 90%
  percent_decimal = 99.5%
  scientific = 1e-3
  big = 1E+10
  grouped = 1_000_000
  decimal = 0.050
  escapes = "quote \" backslash \\ newline \n tab \t cr \r nul \0 emoji \u{1F600}"
  unicode = "héllo → wörld"
  markers = "not // a comment /* either */"
  booleans = [true, false]
  negative = -1
  range = -1..1 step 0.5
}
"#
    ));
}

/// Every `.rbench` file under `dir`, recursively (none when it does not exist).
fn rbench_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rbench_files(&path));
        } else if path.extension().is_some_and(|e| e == "rbench") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn repository_specs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["tests/fixtures/syntax/valid", "specs", "examples"]
        .iter()
        .flat_map(|dir| rbench_files(&root.join(dir)))
        .collect()
}

#[test]
fn repository_specs_format_to_a_fixed_point_with_the_same_ast_and_comments() {
    for path in repository_specs() {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let source = SourceFile::new(FileId(0), path.display().to_string(), text.as_str());
        if parse_with_comments(&source).is_err() {
            // Specs that are meant to fail (for example import-cycle examples) have nothing to format.
            continue;
        }
        let out = formatted(&text);
        assert!(
            out.ends_with('\n') && !out.ends_with("\n\n"),
            "{}",
            path.display()
        );
    }
}
