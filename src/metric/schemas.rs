//! Schemas of the metrics gates and `metric` declarations may call. The first two arguments are
//! the model and what it is evaluated under (a perturbation, a member selection, or `clean`).

use crate::schema::{Bounds, Kind, Param, Schema, Type};

const MODEL: Param = Param::required("model", Type::Model, "the model evaluated").positional();
const UNDER: Param = Param::required(
    "under",
    Type::Perturbation,
    "a perturbation, some of its members (`noise[sigma = 0.1]`), or `clean`",
)
.positional();
const ON: Param = Param::optional(
    "on",
    Type::Dataset,
    "the dataset (may be left out when the model is evaluated on one dataset only)",
);
const BASELINE: Param = Param::required(
    "baseline",
    Type::Model,
    "the model whose errors normalise this one's (AlexNet in the ImageNet-C paper)",
);
const BASIC: &[Param] = &[MODEL, UNDER, ON];

const fn metric(
    name: &'static str,
    summary: &'static str,
    params: &'static [Param],
    reference: Option<&'static str>,
) -> Schema {
    Schema::new(name, Kind::Metric, summary, params).cites(reference)
}

const HENDRYCKS: Option<&str> = Some(
    "Hendrycks & Dietterich, Benchmarking Neural Network Robustness to Common Corruptions and \
     Perturbations, ICLR 2019",
);

/// Every metric.
pub static SCHEMAS: &[Schema] = &[
    metric("accuracy", "fraction of samples classified correctly", BASIC, None),
    metric("error", "fraction of samples classified wrongly (1 − accuracy)", BASIC, None),
    metric(
        "robust_accuracy",
        "accuracy under an attack (the same as `accuracy`, named for reports)",
        BASIC,
        None,
    ),
    metric(
        "attack_success_rate",
        "among samples classified correctly when clean, the fraction the perturbation flips to a wrong class",
        BASIC,
        None,
    ),
    metric(
        "flip_rate",
        "fraction of samples whose predicted class differs from the clean prediction",
        BASIC,
        Some("Hendrycks & Dietterich, ICLR 2019 (flip probability)"),
    ),
    metric(
        "confidence_drop",
        "mean drop of the probability of the clean prediction's class",
        BASIC,
        None,
    ),
    metric(
        "ece",
        "expected calibration error: mean |accuracy − confidence| over equal-width confidence bins",
        &[
            MODEL,
            UNDER,
            ON,
            Param::with_default("bins", Type::Int, "15", "number of confidence bins")
                .bounded(Bounds::at_least(1.0)),
        ],
        Some("Guo et al., On Calibration of Modern Neural Networks, ICML 2017"),
    ),
    metric(
            "f1",
            "F1 score over classes",
            &[
                MODEL,
                UNDER,
                ON,
                Param::with_default(
                    "average",
                    Type::Enum(&["macro", "micro", "weighted"]),
                    "macro",
                    "how per-class scores are combined",
                ),
            ],
            None,
        ),
    metric(
            "class_accuracy",
            "accuracy on the samples of one class",
            &[
                MODEL,
                UNDER,
                ON,
                Param::required("class", Type::Int, "the class index").bounded(Bounds::at_least(0.0)),
            ],
            None,
        ),
    metric(
        "ce",
        "corruption error: errors summed over a corruption's severities, divided by the baseline's",
        &[MODEL, UNDER, ON, BASELINE],
        HENDRYCKS,
    ),
    metric(
        "mce",
        "mean corruption error: the mean of `ce` over corruptions",
        &[MODEL, UNDER, ON, BASELINE],
        HENDRYCKS,
    ),
    metric(
        "relative_mce",
        "mean over corruptions of (error − clean error) summed over severities, divided by the baseline's",
        &[MODEL, UNDER, ON, BASELINE],
        HENDRYCKS,
    ),
    metric(
        "auc",
        "area under the accuracy-versus-strength curve of a sweep, normalised to the strength range",
        BASIC,
        None,
    ),
    metric(
        "perturbation_norm",
        "mean or median norm of the perturbations of successful attacks",
        &[
            MODEL,
            UNDER,
            ON,
            Param::with_default("norm", Type::Enum(&["linf", "l2"]), "linf", "the norm measured"),
            Param::with_default(
                "statistic",
                Type::Enum(&["mean", "median"]),
                "mean",
                "how the norms are summarised",
            ),
        ],
        None,
    ),
];
