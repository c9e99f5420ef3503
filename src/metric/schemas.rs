//! The parameters metrics share, for the schemas of the metrics gates and `metric` declarations
//! may call. The first two arguments are
//! the model and what it is evaluated under (a perturbation, a member selection, or `clean`).

use crate::schema::{Kind, Param, Schema, Type};

pub(super) const MODEL: Param =
    Param::required("model", Type::Model, "the model evaluated").positional();
pub(super) const UNDER: Param = Param::required(
    "under",
    Type::Perturbation,
    "a perturbation, some of its members (`noise[sigma = 0.1]`), or `clean`",
)
.positional();
pub(super) const ON: Param = Param::optional(
    "on",
    Type::Dataset,
    "the dataset (may be left out when the model is evaluated on one dataset only)",
);
pub(super) const BASELINE: Param = Param::required(
    "baseline",
    Type::Model,
    "the model whose errors normalise this one's (AlexNet in the ImageNet-C paper)",
);
pub(super) const BASIC: &[Param] = &[MODEL, UNDER, ON];

pub(super) const fn metric(
    name: &'static str,
    summary: &'static str,
    params: &'static [Param],
    reference: Option<&'static str>,
) -> Schema {
    Schema::new(name, Kind::Metric, summary, params).cites(reference)
}

pub(super) const HENDRYCKS: Option<&str> = Some(
    "Hendrycks & Dietterich, Benchmarking Neural Network Robustness to Common Corruptions and \
     Perturbations, ICLR 2019",
);
