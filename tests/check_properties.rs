//! Properties of the checker: the order of a spec's items does not matter, every member label of
//! a sweep selects exactly that member, and a sweep has as many members as the product of its
//! axes' lengths.

mod check_support;
mod support;

use check_support::{check_file, check_text, describe, fixtures, render, Outcome};
use proptest::prelude::*;
use rbench::check::{Condition, Numeric, Spec, Target};
use rbench::syntax::{self, FileId, SourceFile};

/// The checked spec of `text`, read as if from `path`; panics with the diagnostics otherwise.
fn checked(text: &str, path: &str) -> Spec {
    match check_text(text, path) {
        Outcome::Checked(spec) => *spec,
        Outcome::Syntax(errors) => panic!("{path} does not parse:\n{}\n{text}", render(&errors)),
        Outcome::Check(errors) => panic!("{path} does not check:\n{}\n{text}", render(&errors)),
    }
}

/// The text of each top-level item of `text`, in order.
fn item_texts(text: &str) -> Vec<String> {
    let source = SourceFile::new(FileId(0), "spec.rbench", text);
    let file = syntax::parse(&source).expect("valid fixtures parse");
    file.items
        .iter()
        .map(|item| text[item.span.start..item.span.end].to_string())
        .collect()
}

fn valid_fixtures() -> Vec<(String, String, String)> {
    fixtures("valid")
        .into_iter()
        .map(|(name, path)| {
            let text = std::fs::read_to_string(&path).expect("fixture is readable");
            (name, path, text)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Shuffling the items of a valid spec (each item's text kept whole) checks to the same spec.
    #[test]
    fn item_order_does_not_change_the_checked_spec(seed in any::<u64>()) {
        for (name, path, text) in valid_fixtures() {
            let expected = describe(&checked(&text, &path));
            let mut items = item_texts(&text);
            shuffle(&mut items, seed);
            let shuffled = items.join("\n\n");
            let found = describe(&checked(&shuffled, &path));
            prop_assert_eq!(&found, &expected, "{} reordered:\n{}", name, shuffled);
        }
    }

    /// A generated two-axis sweep: its member count is the product of its axes' lengths (each
    /// the length written), and each member's label selects exactly that member.
    #[test]
    fn generated_sweeps_expand_and_select_exactly(
        dx_start in -20i64..20,
        dx_step in 1i64..6,
        dx_count in 1usize..8,
        dy in proptest::collection::btree_set(-30i64..30, 1..5),
        factor_start in 1u32..200,
        factor_step in 1u32..50,
        factor_count in 1usize..6,
    ) {
        let dx_end = dx_start + dx_step * (dx_count as i64 - 1);
        let dy: Vec<String> = dy.iter().map(ToString::to_string).collect();
        let factor_end = factor_start + factor_step * (factor_count as u32 - 1);
        let text = format!(
            "benchmark generated {{\n  seed = 1\n}}\n\n\
             dataset d {{\n  source = sample(digits)\n  classes = 10\n}}\n\n\
             model m {{\n  onnx = \"m.onnx\"\n}}\n\n\
             perturbation shift = translate(dx: {dx_start}..{dx_end} step {dx_step}, dy: [{}])\n\
             perturbation zoom = scale(factor: {}..{} step {})\n\n\
             evaluate m on d under [shift, zoom]\n",
            dy.join(", "),
            hundredths(factor_start),
            hundredths(factor_end),
            hundredths(factor_step),
        );
        let spec = checked(&text, "generated.rbench");
        let shift = &spec.perturbations[index_of(&spec, "shift")];
        prop_assert_eq!(shift.members.len(), dx_count * dy.len());
        prop_assert_eq!(axis_product(&spec, "shift"), shift.members.len());
        let zoom = &spec.perturbations[index_of(&spec, "zoom")];
        prop_assert_eq!(zoom.members.len(), factor_count);
        for name in ["shift", "zoom"] {
            for (member, selected) in select_each_label(&text, "generated.rbench", &spec, name) {
                prop_assert_eq!(selected, vec![member], "label {} of {}", member, name);
            }
        }
    }
}

/// Every member label of every sweep of the valid fixtures selects exactly its member.
#[test]
fn member_labels_select_their_member() {
    for (name, path, text) in valid_fixtures() {
        let spec = checked(&text, &path);
        if spec.models.is_empty() {
            continue; // a suite: nothing to evaluate a selection on
        }
        for p in &spec.perturbations {
            // Only names the root can write: its own and one level of import.
            if p.axes.is_empty() || p.name.matches('.').count() > 1 {
                continue;
            }
            for (member, selected) in select_each_label(&text, &path, &spec, &p.name) {
                assert_eq!(
                    selected,
                    vec![member],
                    "{name}: `{}` selects {selected:?}",
                    p.members[member].label
                );
            }
        }
    }
}

/// In every valid fixture, each sweep has as many members as the product of its axes' lengths.
#[test]
fn sweep_member_count_is_the_product_of_axis_lengths() {
    for (name, path) in fixtures("valid") {
        let Outcome::Checked(spec) = check_file(&path) else {
            panic!("{name} does not check");
        };
        for p in &spec.perturbations {
            assert_eq!(
                p.members.len(),
                axis_product(&spec, &p.name),
                "{name}: {}",
                p.name
            );
        }
    }
}

/// For each member of perturbation `name`, the members that a gate naming its label selects.
fn select_each_label(text: &str, path: &str, spec: &Spec, name: &str) -> Vec<(usize, Vec<usize>)> {
    let id = index_of(spec, name);
    let model = &spec.models[0].name;
    let dataset = &spec.datasets[0].name;
    spec.perturbations[id]
        .members
        .iter()
        .enumerate()
        .map(|(member, m)| {
            let probe = format!(
                "{text}\nevaluate {model} on {dataset} under {name}\n\
                 require label_probe: accuracy({model}, {}, on: {dataset}) >= 0%\n",
                m.label
            );
            let probed = checked(&probe, path);
            let gate = probed
                .gates
                .iter()
                .find(|g| g.name == "label_probe")
                .expect("the probe gate is checked");
            let Condition::Compare { lhs, .. } = &gate.condition else {
                panic!("the probe is a comparison");
            };
            let Numeric::Metric(call) = lhs.as_ref() else {
                panic!("the probe compares a metric");
            };
            let selected = match call.targets.as_slice() {
                [Target::Members {
                    perturbation,
                    members,
                }] => {
                    assert_eq!(probed.perturbations[*perturbation].name, name);
                    members.clone()
                }
                other => panic!("the probe selects {other:?}"),
            };
            (member, selected)
        })
        .collect()
}

fn index_of(spec: &Spec, name: &str) -> usize {
    spec.perturbations
        .iter()
        .position(|p| p.name == name)
        .unwrap_or_else(|| panic!("no perturbation `{name}`"))
}

fn axis_product(spec: &Spec, name: &str) -> usize {
    spec.perturbations[index_of(spec, name)]
        .axes
        .iter()
        .map(|a| a.values.len())
        .product()
}

/// `n / 100` written as a decimal: 7 → `0.07`, 150 → `1.5`.
fn hundredths(n: u32) -> String {
    let text = format!("{}.{:02}", n / 100, n % 100);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A deterministic Fisher-Yates shuffle driven by `seed` (an xorshift generator).
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    seed |= 1;
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}
