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

use super::builtin::{
    count, immutable, passes_count, required, BindError, Inputs, Passes, PerturbationBuiltin,
};
use super::{Perturbation, IMMUTABLE};
use crate::schema::{Args, Bounds, Family, Kind, Param, Schema, Type};

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

/// The threat model's norm, from `norm` (default L∞).
fn norm(args: &dyn Args) -> Norm {
    match args.word("norm") {
        Some("l2") => Norm::L2,
        _ => Norm::Linf,
    }
}

/// The class an attack aims at, from its `targeted` parameter.
fn target(args: &dyn Args) -> Result<Target, BindError> {
    if let Some(class) = args.int("targeted") {
        return u32::try_from(class)
            .map(Target::Class)
            .map_err(|_| BindError::Parameter(format!("class {class} is not a class index")));
    }
    Ok(match args.word("targeted") {
        None => Target::Untargeted,
        Some("least_likely") => Target::LeastLikely,
        Some("random") => Target::Random,
        Some(other) => {
            return Err(BindError::Parameter(format!(
                "`targeted = {other}` is not a target"
            )))
        }
    })
}

/// `fgsm`.
pub struct FgsmBuiltin;

static FGSM_SCHEMA: Schema = attack(
    "fgsm",
    Family::GradientAttack,
    "fast gradient sign method: one step of size ε along the sign of the loss gradient",
    &[EPS, TARGETED, IMMUTABLE],
    "Goodfellow et al., Explaining and Harnessing Adversarial Examples, ICLR 2015",
);

impl PerturbationBuiltin for FgsmBuiltin {
    fn schema(&self) -> &Schema {
        &FGSM_SCHEMA
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let eps = required(args, self.schema(), "eps")?;
        Ok(Box::new(Fgsm::new(eps, target(args)?, immutable(args))?))
    }

    fn passes(&self, _: &dyn Args, _: &[Passes]) -> Passes {
        Passes::gradients(1)
    }
}

/// `pgd`.
pub struct PgdBuiltin;

static PGD_SCHEMA: Schema = attack(
    "pgd",
    Family::GradientAttack,
    "projected gradient descent on the cross-entropy loss",
    &[
        NORM,
        EPS,
        Param::optional("step", Type::Float, "step size α (default: 2.5·ε/steps)")
            .bounded(Bounds::above(0.0)),
        Param::with_default("steps", Type::Int, "10", "iterations").bounded(Bounds::at_least(1.0)),
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
);

impl PerturbationBuiltin for PgdBuiltin {
    fn schema(&self) -> &Schema {
        &PGD_SCHEMA
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let pgd = Pgd {
            norm: norm(args),
            eps: required(args, self.schema(), "eps")?,
            step: args.number("step"),
            steps: count(args, "steps", 10),
            random_start: args.boolean("random_start") != Some(false),
            restarts: count(args, "restarts", 1),
            target: target(args)?,
            immutable: immutable(args),
        };
        pgd.check()?;
        Ok(Box::new(pgd))
    }

    fn passes(&self, args: &dyn Args, _: &[Passes]) -> Passes {
        Passes::gradients(passes_count(args, "steps") * passes_count(args, "restarts"))
    }
}

/// `apgd`.
pub struct ApgdBuiltin;

static APGD_SCHEMA: Schema = attack(
    "apgd",
    Family::GradientAttack,
    "auto-PGD (APGD-CE or APGD-DLR): step-size schedule and momentum without tuning",
    &[
        NORM,
        EPS,
        Param::with_default("steps", Type::Int, "100", "iterations").bounded(Bounds::at_least(1.0)),
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
);

impl PerturbationBuiltin for ApgdBuiltin {
    fn schema(&self) -> &Schema {
        &APGD_SCHEMA
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let apgd = Apgd {
            norm: norm(args),
            eps: required(args, self.schema(), "eps")?,
            steps: count(args, "steps", 100),
            loss: match args.word("loss") {
                Some("dlr") => Loss::Dlr,
                _ => Loss::CrossEntropy,
            },
            rho: args.number("rho").unwrap_or(0.75),
            restarts: count(args, "restarts", 1),
            target: target(args)?,
            immutable: immutable(args),
        };
        apgd.check()?;
        Ok(Box::new(apgd))
    }

    fn passes(&self, args: &dyn Args, _: &[Passes]) -> Passes {
        Passes::gradients(passes_count(args, "steps") * passes_count(args, "restarts"))
    }
}

/// `cw`.
pub struct CwBuiltin;

static CW_SCHEMA: Schema = attack(
    "cw",
    Family::GradientAttack,
    "Carlini-Wagner L2: minimises ‖δ‖² + c·f(x+δ) in tanh space with Adam",
    &[
        Param::with_default(
            "c",
            Type::Float,
            "1",
            "weight c of the misclassification term",
        )
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
);

impl PerturbationBuiltin for CwBuiltin {
    fn schema(&self) -> &Schema {
        &CW_SCHEMA
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let cw = Cw {
            c: args.number("c").unwrap_or(1.0),
            kappa: args.number("kappa").unwrap_or(0.0),
            steps: count(args, "steps", 50),
            lr: args.number("lr").unwrap_or(0.01),
            target: target(args)?,
            immutable: immutable(args),
        };
        cw.check()?;
        Ok(Box::new(cw))
    }

    fn passes(&self, args: &dyn Args, _: &[Passes]) -> Passes {
        Passes::gradients(passes_count(args, "steps"))
    }
}

/// `square`.
pub struct SquareBuiltin;

static SQUARE_SCHEMA: Schema = attack(
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
        Param::with_default(
            "queries",
            Type::Int,
            "1000",
            "query budget per sample and restart, the first evaluation included",
        )
        .bounded(Bounds::at_least(1.0))
        .unit("queries"),
        Param::with_default(
            "p_init",
            Type::Float,
            "0.8",
            "initial fraction of pixels changed",
        )
        .bounded(Bounds::left_open(0.0, 1.0)),
        RESTARTS,
        TARGETED,
        IMMUTABLE,
    ],
    "Andriushchenko et al., Square Attack: a query-efficient black-box adversarial attack via \
     random search, ECCV 2020; auto-attack square.py",
);

impl PerturbationBuiltin for SquareBuiltin {
    fn schema(&self) -> &Schema {
        &SQUARE_SCHEMA
    }

    fn bind(&self, args: &dyn Args, _: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        let square = Square {
            eps: required(args, self.schema(), "eps")?,
            queries: count(args, "queries", 1000),
            p_init: args.number("p_init").unwrap_or(0.8),
            restarts: count(args, "restarts", 1),
            target: target(args)?,
            immutable: immutable(args),
        };
        square.check()?;
        Ok(Box::new(square))
    }

    fn passes(&self, args: &dyn Args, _: &[Passes]) -> Passes {
        Passes::queries(passes_count(args, "queries") * passes_count(args, "restarts"))
    }
}

/// `worst_of`: the cascade of its parts' members, in order.
pub struct WorstOfBuiltin;

static WORST_OF_SCHEMA: Schema = attack(
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
);

impl PerturbationBuiltin for WorstOfBuiltin {
    fn schema(&self) -> &Schema {
        &WORST_OF_SCHEMA
    }

    fn bind(&self, _: &dyn Args, inputs: Inputs) -> Result<Box<dyn Perturbation>, BindError> {
        Ok(Box::new(WorstOf::new(inputs.parts)))
    }

    /// The sum of its parts: an upper bound, as the cascade attacks only samples still robust.
    fn passes(&self, _: &dyn Args, parts: &[Passes]) -> Passes {
        parts.iter().copied().sum()
    }
}
