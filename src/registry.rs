//! The registry of built-ins: every data source, architecture, perturbation and metric, listed
//! once. The checker reads their schemas; the planner, the engine and the reports ask a
//! perturbation's or a metric's own value for its cost, binding, direction and accumulator.
//!
//! Adding a perturbation or a metric is one file that defines it and one line in
//! [`PERTURBATIONS`] or [`METRICS`] (`docs/architecture.md`).

use crate::metric::{self, MetricBuiltin};
use crate::perturb::{self, PerturbationBuiltin};
use crate::schema::Schema;

/// Every perturbation, family by family: noise, corruptions, geometric, tabular, attacks.
pub static PERTURBATIONS: &[&dyn PerturbationBuiltin] = &[
    &perturb::GAUSSIAN_NOISE,
    &perturb::UniformNoiseBuiltin,
    &perturb::SHOT_NOISE,
    &perturb::IMPULSE_NOISE,
    &perturb::SPECKLE_NOISE,
    &perturb::GAUSSIAN_BLUR,
    &perturb::DEFOCUS_BLUR,
    &perturb::MOTION_BLUR,
    &perturb::ZOOM_BLUR,
    &perturb::BRIGHTNESS,
    &perturb::CONTRAST,
    &perturb::SATURATE,
    &perturb::PIXELATE,
    &perturb::JPEG_COMPRESSION,
    &perturb::ELASTIC_TRANSFORM,
    &perturb::FOG,
    &perturb::ROTATE,
    &perturb::TRANSLATE,
    &perturb::SCALE,
    &perturb::OcclusionBuiltin,
    &perturb::FEATURE_NOISE,
    &perturb::FEATURE_DROPOUT,
    &perturb::QUANTIZE,
    &perturb::FgsmBuiltin,
    &perturb::PgdBuiltin,
    &perturb::ApgdBuiltin,
    &perturb::CwBuiltin,
    &perturb::SquareBuiltin,
    &perturb::WorstOfBuiltin,
];

/// Every metric.
pub static METRICS: &[&dyn MetricBuiltin] = &[
    &metric::ACCURACY,
    &metric::ERROR,
    &metric::ROBUST_ACCURACY,
    &metric::ATTACK_SUCCESS_RATE,
    &metric::FLIP_RATE,
    &metric::CONFIDENCE_DROP,
    &metric::ECE,
    &metric::BRIER,
    &metric::F1_SCORE,
    &metric::CLASS_ACCURACY,
    &metric::CE,
    &metric::MCE,
    &metric::RELATIVE_MCE,
    &metric::AUC,
    &metric::PERTURBATION_NORM,
];

/// Every built-in, in a stable order: sources, architectures, perturbations, metrics.
pub fn builtins() -> impl Iterator<Item = &'static Schema> {
    crate::data::SCHEMAS
        .iter()
        .chain(crate::model::SCHEMAS)
        .chain(PERTURBATIONS.iter().map(|p| p.schema()))
        .chain(METRICS.iter().map(|m| m.schema()))
}

/// The built-in called `name`.
pub fn find(name: &str) -> Option<&'static Schema> {
    builtins().find(|s| s.name == name)
}

/// The perturbation called `name`.
pub fn perturbation(name: &str) -> Option<&'static dyn PerturbationBuiltin> {
    PERTURBATIONS
        .iter()
        .copied()
        .find(|p| p.schema().name == name)
}

/// The metric called `name`.
pub fn metric(name: &str) -> Option<&'static dyn MetricBuiltin> {
    METRICS.iter().copied().find(|m| m.schema().name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::check::{BENCHMARK_FIELDS, DATASET_FIELDS, FRAMEWORK_FIELDS, MODEL_FIELDS};
    use crate::schema::{Default, Param, Type};
    use crate::syntax::{self, ast, FileId, SourceFile};

    /// Every parameter table: each built-in's, and each block's fields.
    fn tables() -> Vec<(&'static str, &'static [Param])> {
        builtins()
            .map(|s| (s.name, s.params))
            .chain([
                ("benchmark", BENCHMARK_FIELDS),
                ("dataset", DATASET_FIELDS),
                ("model", MODEL_FIELDS),
                ("framework", FRAMEWORK_FIELDS),
            ])
            .collect()
    }

    /// The expression a default literal parses to, as the checker reads it.
    fn parse_literal(literal: &str) -> ast::Expr {
        let source = SourceFile::new(FileId(0), "default", format!("perturbation x = {literal}"));
        let file = syntax::parse(&source)
            .unwrap_or_else(|e| panic!("the default `{literal}` does not parse: {e:?}"));
        match file.items.into_iter().next().map(|item| item.kind) {
            Some(ast::ItemKind::Perturbation(binding)) => binding.value,
            other => panic!("`{literal}` parses to {other:?}"),
        }
    }

    /// The number a literal expression writes (`-` included), if it is one.
    fn number(expr: &ast::Expr) -> Option<f64> {
        match &expr.kind {
            ast::ExprKind::Number(text) => text.replace('_', "").parse().ok(),
            ast::ExprKind::Unary {
                op: ast::UnaryOp::Neg,
                operand,
            } => number(operand).map(|x| -x),
            _ => None,
        }
    }

    /// Whether `expr` is a literal of type `ty`.
    fn literal_has_type(expr: &ast::Expr, ty: &Type) -> bool {
        use ast::ExprKind as E;
        match (ty, &expr.kind) {
            (Type::Int, _) => number(expr).is_some_and(|x| x.fract() == 0.0),
            (Type::Float, E::Percent(_) | E::Fraction { .. }) => true,
            (Type::Float, _) => number(expr).is_some(),
            (Type::Bool, E::Bool(_)) => true,
            (Type::Str | Type::Path, E::String(_)) => true,
            (Type::Enum(words), E::Name(path)) => {
                path.segments.len() == 1 && words.contains(&path.segments[0].name.as_str())
            }
            (Type::List(inner), E::List(items)) => {
                items.iter().all(|item| literal_has_type(item, inner))
            }
            (Type::Target, E::Name(path)) => {
                matches!(path.dotted().as_str(), "least_likely" | "random")
            }
            (Type::Target, _) => number(expr).is_some_and(|x| x >= 0.0 && x.fract() == 0.0),
            _ => false,
        }
    }

    #[test]
    fn names_are_unique() {
        let mut seen = HashSet::new();
        for schema in builtins() {
            assert!(
                seen.insert(schema.name),
                "`{}` is declared twice",
                schema.name
            );
        }
        assert_eq!(
            find("gaussian_noise").map(|s| s.name),
            Some("gaussian_noise")
        );
        assert!(find("no_such_builtin").is_none());
    }

    #[test]
    fn every_default_parses_as_its_type_and_lies_in_range() {
        for (owner, params) in tables() {
            for param in params {
                let Default::Value(literal) = param.default else {
                    continue;
                };
                let expr = parse_literal(literal);
                assert!(
                    literal_has_type(&expr, &param.ty),
                    "{owner}.{}: the default `{literal}` is not {}",
                    param.name,
                    param.ty
                );
                if let (Some(bounds), Some(x)) = (param.bounds, number(&expr)) {
                    assert!(
                        bounds.contains(x),
                        "{owner}.{}: the default `{literal}` lies outside {bounds}",
                        param.name
                    );
                }
            }
        }
    }

    #[test]
    fn literal_types_are_told_apart() {
        assert!(literal_has_type(&parse_literal("3"), &Type::Int));
        assert!(!literal_has_type(&parse_literal("0.5"), &Type::Int));
        assert!(literal_has_type(&parse_literal("8/255"), &Type::Float));
        assert!(!literal_has_type(&parse_literal("\"3\""), &Type::Float));
        assert!(!literal_has_type(
            &parse_literal("auto"),
            &Type::Enum(&["cifar"])
        ));
        assert!(literal_has_type(
            &parse_literal("[0, 1]"),
            &Type::List(&Type::Float)
        ));
        assert!(!literal_has_type(
            &parse_literal("[0, true]"),
            &Type::List(&Type::Float)
        ));
    }

    #[test]
    fn exclusive_groups_name_parameters_of_their_schema() {
        for schema in builtins() {
            for group in schema.exclusive {
                assert!(
                    !group.is_empty(),
                    "{}: an empty exclusive group",
                    schema.name
                );
                for name in *group {
                    assert!(
                        schema.param(name).is_some(),
                        "{}: the exclusive group {group:?} names `{name}`, which is no parameter",
                        schema.name
                    );
                }
            }
        }
    }

    #[test]
    fn only_numbers_are_sweepable() {
        for (owner, params) in tables() {
            for param in params.iter().filter(|p| p.sweepable) {
                assert!(
                    matches!(param.ty, Type::Int | Type::Float),
                    "{owner}.{} is sweepable but is {}",
                    param.name,
                    param.ty
                );
            }
        }
    }

    #[test]
    fn every_schema_and_parameter_is_documented() {
        for schema in builtins() {
            assert!(
                !schema.summary.trim().is_empty(),
                "{}: no summary",
                schema.name
            );
        }
        for (owner, params) in tables() {
            for param in params {
                assert!(
                    !param.doc.trim().is_empty(),
                    "{owner}.{}: no doc",
                    param.name
                );
            }
        }
    }

    #[test]
    fn positional_parameters_come_first() {
        for (owner, params) in tables() {
            let first_named = params.iter().position(|p| !p.positional);
            if let Some(first_named) = first_named {
                let late: Vec<&str> = params[first_named..]
                    .iter()
                    .filter(|p| p.positional)
                    .map(|p| p.name)
                    .collect();
                assert!(
                    late.is_empty(),
                    "{owner}: the positional parameters {late:?} follow named ones"
                );
            }
        }
    }
}
