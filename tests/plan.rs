//! The plan stage on the shipped specs: snapshots of the exports, and the properties every plan
//! must have (acyclic waves, stable identities independent of declaration order, merging).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rbench::check::{self, FsLoader, Spec};
use rbench::plan::{self, Cost, NodeKind, Plan};
use rbench::syntax::{self, FileId, SourceFile};

/// Every `.rbench` file under `examples/` and `specs/`, as paths relative to the repository.
fn shipped_specs() -> Vec<PathBuf> {
    let mut specs = Vec::new();
    for folder in ["examples", "specs"] {
        collect(Path::new(folder), &mut specs);
    }
    specs.sort();
    specs
}

/// The valid check fixtures: each single-file fixture, and each folder's `main.rbench`.
fn valid_fixtures() -> Vec<PathBuf> {
    let folder = Path::new("tests/fixtures/check/valid");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("the valid check fixtures exist")
        .flatten()
        .map(|e| e.path())
        .filter_map(|path| match path.is_dir() {
            true => Some(path.join("main.rbench")).filter(|main| main.exists()),
            false => Some(path).filter(|p| p.extension().is_some_and(|e| e == "rbench")),
        })
        .collect();
    fixtures.sort();
    fixtures
}

fn collect(folder: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rbench") {
            out.push(path);
        }
    }
}

/// Parses and checks `text` as if read from `path`.
fn compile_text(path: &Path, text: &str) -> Spec {
    let source = SourceFile::new(FileId(0), path.display().to_string(), text);
    let ast = syntax::parse(&source).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    check::check(source, ast, path, &FsLoader)
        .unwrap_or_else(|e| panic!("{}: {:?}", path.display(), miette::Report::new(e)))
}

fn compile(path: &Path) -> Spec {
    let text = std::fs::read_to_string(path).expect("read a shipped spec");
    compile_text(path, &text)
}

/// A snapshot name for a spec path: `examples__digits`.
fn snapshot_name(path: &Path) -> String {
    path.with_extension("")
        .display()
        .to_string()
        .replace(['/', '\\'], "__")
}

#[test]
fn shipped_specs_plan_snapshots() {
    let specs = shipped_specs();
    assert!(
        specs.len() >= 5,
        "expected the shipped specs, found {specs:?}"
    );
    assert_plan_snapshots(specs);
}

#[test]
fn valid_fixture_plan_snapshots() {
    let fixtures = valid_fixtures();
    assert!(
        fixtures.len() >= 8,
        "expected the valid fixtures, found {fixtures:?}"
    );
    assert_plan_snapshots(fixtures);
}

/// Snapshots the Mermaid and JSON exports of each spec's plan.
fn assert_plan_snapshots(specs: Vec<PathBuf>) {
    for path in specs {
        let spec = compile(&path);
        let plan = plan::build(&spec);
        let name = snapshot_name(&path);
        insta::assert_snapshot!(format!("{name}__mermaid"), plan::to_mermaid(&plan));
        let json = serde_json::to_string_pretty(&plan::to_json(&plan)).expect("serialise a plan");
        insta::assert_snapshot!(format!("{name}__json"), json);
    }
}

/// Every edge runs from an earlier wave to a later one, and every node is in exactly one wave.
fn assert_well_formed(plan: &Plan) {
    let mut seen = BTreeSet::new();
    for (w, wave) in plan.waves.iter().enumerate() {
        for &index in wave {
            assert_eq!(plan.graph[index].wave, w);
            assert!(seen.insert(index), "a node appears in two waves");
            for input in plan.inputs(index) {
                assert!(
                    plan.graph[input].wave < w,
                    "an input is not in an earlier wave"
                );
            }
        }
    }
    assert_eq!(seen.len(), plan.graph.node_count());
    let ids: BTreeSet<_> = plan.nodes().map(|n| n.id).collect();
    assert_eq!(
        ids.len(),
        plan.graph.node_count(),
        "two nodes share an identity"
    );
}

fn identities(plan: &Plan) -> BTreeSet<(String, String)> {
    plan.nodes()
        .map(|n| (n.id.to_string(), n.label.clone()))
        .collect()
}

#[test]
fn plans_are_acyclic_with_consistent_waves() {
    for path in shipped_specs().into_iter().chain(valid_fixtures()) {
        assert_well_formed(&plan::build(&compile(&path)));
    }
}

#[test]
fn identities_are_stable_across_builds() {
    let path = Path::new("examples/digits.rbench");
    let first = identities(&plan::build(&compile(path)));
    let second = identities(&plan::build(&compile(path)));
    assert_eq!(first, second);
}

/// The top-level items of a spec as texts, split at lines that start a declaration.
fn items(text: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for line in text.lines() {
        let starts_item = !line.starts_with([' ', '}', '/']) && !line.trim().is_empty();
        if starts_item || items.is_empty() {
            items.push(String::new());
        }
        let last = items.last_mut().expect("an item was started");
        last.push_str(line);
        last.push('\n');
    }
    items
}

#[test]
fn identities_do_not_depend_on_declaration_order() {
    for name in ["examples/digits.rbench", "examples/breast_cancer.rbench"] {
        let path = Path::new(name);
        let text = std::fs::read_to_string(path).expect("read a spec");
        let original = identities(&plan::build(&compile_text(path, &text)));
        let mut reversed = items(&text);
        assert!(reversed.len() > 5, "{name} splits into items");
        reversed.reverse();
        let shuffled = identities(&plan::build(&compile_text(path, &reversed.concat())));
        let changed: Vec<_> = original.symmetric_difference(&shuffled).collect();
        assert!(
            changed.is_empty(),
            "{name}: reordering items changed {changed:?}"
        );
    }
}

#[test]
fn identities_do_not_depend_on_names_or_the_working_directory() {
    let spec = |dir: &str, noise: &str| {
        let text = format!(
            "benchmark b {{\n  seed = 1\n}}\n\ndataset d {{\n  source = npz(\"data/x.npz\")\n  classes = 10\n}}\n\nmodel m {{\n  onnx = \"m.onnx\"\n}}\n\nperturbation {noise} = gaussian_noise(sigma: 0.1)\n\nevaluate m on d under {noise}\n"
        );
        let path = PathBuf::from(dir).join("spec.rbench");
        plan::build(&compile_text(&path, &text))
    };
    let ids =
        |plan: &Plan| -> BTreeSet<String> { plan.nodes().map(|n| n.id.to_string()).collect() };
    assert_eq!(ids(&spec("a", "noise")), ids(&spec("a/b/c", "noise")));
    assert_eq!(ids(&spec("a", "noise")), ids(&spec("a", "sensor_noise")));
}

#[test]
fn identical_nodes_are_merged_without_losing_gates() {
    let text = r#"benchmark b {
  seed = 1
}

dataset d {
  source = npz("data/x.npz")
  classes = 10
}

model m {
  onnx = "m.onnx"
}

model n {
  onnx = "n.onnx"
}

perturbation a = gaussian_noise(sigma: 0.1)
perturbation b = gaussian_noise(sigma: 0.1)

evaluate [m, n] on d under [a, b]

require ga: accuracy(m, a) >= 50%
require gb: accuracy(m, b) >= 50%
require gc: accuracy(n, clean) >= accuracy(m, clean)
"#;
    let spec = compile_text(Path::new("merge.rbench"), text);
    let plan = plan::build(&spec);
    assert_well_formed(&plan);
    let count = |pred: &dyn Fn(&NodeKind) -> bool| plan.nodes().filter(|n| pred(&n.kind)).count();
    // `a` and `b` are the same perturbation: one perturb node for the dataset (noise is not an
    // attack, so both models share it), one infer per model under it, one clean infer per model.
    assert_eq!(count(&|k| matches!(k, NodeKind::Perturb { .. })), 1);
    assert_eq!(count(&|k| matches!(k, NodeKind::Infer { .. })), 4);
    assert_eq!(count(&|k| matches!(k, NodeKind::LoadDataset { .. })), 1);
    // Gates are never merged away: each keeps its node, and the two identical metric calls
    // of `ga` and `gb` read the same infer node.
    assert_eq!(count(&|k| matches!(k, NodeKind::Gate { .. })), 3);
    assert_eq!(count(&|k| matches!(k, NodeKind::Metric { .. })), 3);
    assert_eq!(count(&|k| matches!(k, NodeKind::Report)), 1);
}

#[test]
fn attacks_depend_on_the_model_and_cost_gradients() {
    let spec = compile(Path::new("examples/digits.rbench"));
    let plan = plan::build(&spec);
    let attack = plan
        .nodes()
        .find(|n| n.label.contains("with pgd"))
        .expect("a pgd node");
    assert!(matches!(
        attack.kind,
        NodeKind::Perturb { model: Some(_), .. }
    ));
    assert!(attack.cost.backward >= 1 && attack.cost.forward == attack.cost.backward);
}

#[test]
fn a_backward_pass_costs_two_forward_passes_of_flops() {
    // PGD-20: 20 forward and 20 input-gradient passes are 60 forward passes of FLOPs.
    assert_eq!(Cost::new(20, 20).flops_for(469_504), 60 * 469_504);
    assert_eq!(Cost::new(1, 0).flops_for(469_504), 469_504);
    // Sums keep the FLOPs that are known, and have none when no part has any.
    let known = Cost {
        flops: Some(10),
        ..Cost::new(1, 0)
    };
    assert_eq!((known + Cost::new(1, 1)).flops, Some(10));
    assert_eq!((known + known).flops, Some(20));
    assert_eq!((Cost::new(1, 0) + Cost::new(0, 1)).flops, None);
}

#[test]
fn plans_built_without_linking_read_no_file_and_have_no_flops() {
    // The models and data of the shipped example do not exist here: nothing is read.
    let plan = plan::build(&compile(Path::new("examples/digits.rbench")));
    assert!(plan.flops.is_none() && plan.flops_totals().is_none());
    assert!(plan.nodes().all(|n| n.cost.flops.is_none()));
}
