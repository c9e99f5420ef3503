//! Adversarial attacks: white-box (input gradient), black-box (scores), and ensembles.

mod apgd;
mod cw;
mod fgsm;
mod loss;
mod norm;
mod pgd;
mod restarts;
mod setup;
mod square;
mod target;
mod worst_of;

pub use apgd::Apgd;
pub use cw::Cw;
pub use fgsm::Fgsm;
pub use loss::Loss;
pub use norm::Norm;
pub use pgd::Pgd;
pub use square::Square;
pub use target::Target;
pub use worst_of::WorstOf;

use super::IMMUTABLE;
use crate::schema::{Bounds, Family, Kind, Param, Schema, Type};

const EPS: Param = Param::required(
    "eps",
    Type::Float,
    "perturbation budget ε in the chosen norm",
)
.bounded(Bounds::at_least(0.0))
.sweepable();
const NORM: Param = Param::with_default(
    "norm",
    Type::Enum(&["linf", "l2"]),
    "linf",
    "the threat model's norm",
);
const TARGETED: Param = Param::optional(
    "targeted",
    Type::Target,
    "attack towards a class: `least_likely`, `random`, or a class index (default: untargeted)",
);
const RESTARTS: Param = Param::with_default(
    "restarts",
    Type::Int,
    "1",
    "independent runs; a sample counts as robust only if it survives all",
)
.bounded(Bounds::at_least(1.0));

const fn attack(
    name: &'static str,
    family: Family,
    summary: &'static str,
    params: &'static [Param],
    reference: &'static str,
) -> Schema {
    Schema::new(name, Kind::Perturbation(family), summary, params).cites(Some(reference))
}

/// Every attack.
pub static SCHEMAS: &[Schema] = &[
    attack(
        "fgsm",
        Family::GradientAttack,
        "fast gradient sign method: one step of size ε along the sign of the loss gradient",
        &[EPS, TARGETED, IMMUTABLE],
        "Goodfellow et al., Explaining and Harnessing Adversarial Examples, ICLR 2015",
    ),
    attack(
        "pgd",
        Family::GradientAttack,
        "projected gradient descent on the cross-entropy loss",
        &[
            NORM,
            EPS,
            Param::optional("step", Type::Float, "step size α (default: 2.5·ε/steps)")
                .bounded(Bounds::above(0.0)),
            Param::with_default("steps", Type::Int, "10", "iterations")
                .bounded(Bounds::at_least(1.0)),
            Param::with_default(
                "random_start",
                Type::Bool,
                "true",
                "start from a random point of the ε-ball (L∞: uniform per value; L2: a normal \
                 direction at a uniform radius, as torchattacks)",
            ),
            RESTARTS,
            TARGETED,
            IMMUTABLE,
        ],
        "Madry et al., Towards Deep Learning Models Resistant to Adversarial Attacks, ICLR 2018; \
         torchattacks PGD and PGDL2",
    ),
    attack(
        "apgd",
        Family::GradientAttack,
        "auto-PGD (APGD-CE or APGD-DLR): step-size schedule and momentum without tuning",
        &[
            NORM,
            EPS,
            Param::with_default("steps", Type::Int, "100", "iterations")
                .bounded(Bounds::at_least(1.0)),
            Param::with_default(
                "loss",
                Type::Enum(&["ce", "dlr"]),
                "ce",
                "cross-entropy or difference-of-logits-ratio loss",
            ),
            Param::with_default("rho", Type::Float, "0.75", "step-size halving threshold ρ")
                .bounded(Bounds::closed(0.0, 1.0)),
            RESTARTS,
            TARGETED,
            IMMUTABLE,
        ],
        "Croce & Hein, Reliable Evaluation of Adversarial Robustness with an Ensemble of Diverse \
         Parameter-free Attacks, ICML 2020; auto-attack autopgd_base.py",
    ),
    attack(
        "cw",
        Family::GradientAttack,
        "Carlini-Wagner L2: minimises ‖δ‖² + c·f(x+δ) in tanh space with Adam",
        &[
            Param::with_default("c", Type::Float, "1", "weight c of the misclassification term")
                .bounded(Bounds::above(0.0))
                .sweepable(),
            Param::with_default("kappa", Type::Float, "0", "confidence margin κ")
                .bounded(Bounds::at_least(0.0)),
            Param::with_default("steps", Type::Int, "50", "optimisation steps")
                .bounded(Bounds::at_least(1.0)),
            Param::with_default("lr", Type::Float, "0.01", "Adam learning rate")
                .bounded(Bounds::above(0.0)),
            TARGETED,
            IMMUTABLE,
        ],
        "Carlini & Wagner, Towards Evaluating the Robustness of Neural Networks, IEEE S&P 2017; \
         torchattacks cw.py",
    ),
    attack(
        "square",
        Family::BlackBoxAttack,
        "Square Attack: random square-shaped updates accepted when the margin loss drops (scores only)",
        &[
            Param::with_default(
                "norm",
                Type::Enum(&["linf"]),
                "linf",
                "the threat model's norm (L∞ only)",
            ),
            EPS,
            Param::with_default("queries", Type::Int, "1000", "query budget per sample and restart, the first evaluation included")
                .bounded(Bounds::at_least(1.0))
                .unit("queries"),
            Param::with_default("p_init", Type::Float, "0.8", "initial fraction of pixels changed")
                .bounded(Bounds::left_open(0.0, 1.0)),
            RESTARTS,
            TARGETED,
            IMMUTABLE,
        ],
        "Andriushchenko et al., Square Attack: a query-efficient black-box adversarial attack via \
         random search, ECCV 2020; auto-attack square.py",
    ),
    attack(
        "worst_of",
        Family::Ensemble,
        "the worst case over several attacks: a sample is robust only if it survives every one",
        &[Param::required(
            "attacks",
            Type::List(&Type::Perturbation),
            "the attacks, run as a cascade on the samples still robust",
        )
        .positional()],
        "Croce & Hein, ICML 2020 (AutoAttack's worst-case accounting)",
    ),
];
