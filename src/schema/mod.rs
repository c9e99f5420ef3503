//! Parameter schemas of the built-ins (data sources, architectures, perturbations, metrics).
//!
//! A schema is declared next to the code it describes and drives three things: the checker
//! (names, types, ranges, defaults), `rbench explain NAME`, and the generated reference in `docs/`.

use std::fmt;

mod args;

pub use args::Args;

/// What kind of thing a built-in is, which decides where a spec may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A data source, called in a dataset's `source` field: `npz(...)`.
    Source,
    /// A model architecture for safetensors weights, called in a model's `arch` field.
    Architecture,
    /// A perturbation, called in `perturbation NAME = ...`.
    Perturbation(Family),
    /// A metric, called in gates and `metric` declarations: `accuracy(mlp, noise)`.
    Metric,
}

/// The families of perturbations (one folder each under `src/perturb/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Noise,
    Corruption,
    Geometric,
    Tabular,
    /// White-box attacks: they need the model's input gradient.
    GradientAttack,
    /// Black-box attacks: they query the model's scores.
    BlackBoxAttack,
    /// Combinations of other perturbations (`worst_of`).
    Ensemble,
}

impl Family {
    /// Whether perturbing needs the model under evaluation.
    pub fn needs_model(self) -> bool {
        matches!(
            self,
            Family::GradientAttack | Family::BlackBoxAttack | Family::Ensemble
        )
    }
}

impl Kind {
    /// Whether this is an attack: a perturbation that needs the model's gradient or scores.
    pub fn is_attack(self) -> bool {
        matches!(
            self,
            Kind::Perturbation(Family::GradientAttack | Family::BlackBoxAttack)
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Kind::Source => "data source",
            Kind::Architecture => "model architecture",
            Kind::Perturbation(Family::Noise) => "perturbation (noise)",
            Kind::Perturbation(Family::Corruption) => "perturbation (corruption)",
            Kind::Perturbation(Family::Geometric) => "perturbation (geometric)",
            Kind::Perturbation(Family::Tabular) => "perturbation (tabular)",
            Kind::Perturbation(Family::GradientAttack) => "perturbation (white-box attack)",
            Kind::Perturbation(Family::BlackBoxAttack) => "perturbation (black-box attack)",
            Kind::Perturbation(Family::Ensemble) => "perturbation (ensemble)",
            Kind::Metric => "metric",
        };
        f.write_str(text)
    }
}

/// The type of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A whole number.
    Int,
    /// A real number; integers, fractions (`8/255`) and percentages (`90%`) are accepted.
    Float,
    Bool,
    Str,
    /// A file or folder path, relative to the spec's file.
    Path,
    /// One of a fixed set of bare words: `norm: linf`.
    Enum(&'static [&'static str]),
    /// A list of values of one type.
    List(&'static Type),
    /// A declared model's name.
    Model,
    /// A declared dataset's name.
    Dataset,
    /// A declared perturbation's name, a member selection (`noise[sigma = 0.1]`), or `clean`.
    Perturbation,
    /// The target of a targeted attack: `least_likely`, `random`, or a class index.
    Target,
    /// A call of a built-in of this kind (a dataset's `source`, a model's `arch`).
    Call(Kind),
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int => f.write_str("integer"),
            Type::Float => f.write_str("number"),
            Type::Bool => f.write_str("boolean"),
            Type::Str => f.write_str("string"),
            Type::Path => f.write_str("path"),
            Type::Enum(words) => {
                let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
                write!(f, "one of {}", quoted.join(", "))
            }
            Type::List(inner) => write!(f, "list of {inner}"),
            Type::Model => f.write_str("model"),
            Type::Dataset => f.write_str("dataset"),
            Type::Perturbation => f.write_str("perturbation"),
            Type::Target => f.write_str("`least_likely`, `random` or a class index"),
            Type::Call(kind) => write!(f, "a call of a {kind}"),
        }
    }
}

/// Allowed numeric interval of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Whether `min` itself is allowed (`max` is always inclusive).
    pub min_inclusive: bool,
}

impl Bounds {
    /// `[min, max]`.
    pub const fn closed(min: f64, max: f64) -> Bounds {
        Bounds {
            min: Some(min),
            max: Some(max),
            min_inclusive: true,
        }
    }

    /// `[min, ∞)`.
    pub const fn at_least(min: f64) -> Bounds {
        Bounds {
            min: Some(min),
            max: None,
            min_inclusive: true,
        }
    }

    /// `(min, ∞)`.
    pub const fn above(min: f64) -> Bounds {
        Bounds {
            min: Some(min),
            max: None,
            min_inclusive: false,
        }
    }

    /// `(min, max]`.
    pub const fn left_open(min: f64, max: f64) -> Bounds {
        Bounds {
            min: Some(min),
            max: Some(max),
            min_inclusive: false,
        }
    }

    /// Whether `x` lies in the interval.
    pub fn contains(&self, x: f64) -> bool {
        let above_min = match self.min {
            Some(min) if self.min_inclusive => x >= min,
            Some(min) => x > min,
            None => true,
        };
        above_min && self.max.is_none_or(|max| x <= max)
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let open = if self.min_inclusive { '[' } else { '(' };
        match (self.min, self.max) {
            (Some(min), Some(max)) => write!(f, "{open}{min}, {max}]"),
            (Some(min), None) => write!(f, "{open}{min}, ∞)"),
            (None, Some(max)) => write!(f, "(-∞, {max}]"),
            (None, None) => f.write_str("(-∞, ∞)"),
        }
    }
}

/// The largest integer a parameter takes when its bounds declare no maximum (and the smallest,
/// negated, when they declare no minimum): every count rbench converts an integer to (classes,
/// samples, steps, class indices) holds 32 bits.
pub const MAX_INT: f64 = u32::MAX as f64;

/// Whether a parameter must be given, and its default when not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    /// The spec must give it.
    Required,
    /// It may be left out and then has no value.
    Optional,
    /// It may be left out and then takes this value, written as an rbench literal.
    Value(&'static str),
}

/// One parameter of a built-in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub ty: Type,
    pub default: Default,
    pub bounds: Option<Bounds>,
    /// Unit of the value (`pixels`, `degrees`, `queries`), if it has one.
    pub unit: Option<&'static str>,
    /// May be given without its name, in declaration order, before any named argument.
    pub positional: bool,
    /// May be given a list or a range to sweep over (each value becomes a member).
    pub sweepable: bool,
    /// One line: what the parameter does.
    pub doc: &'static str,
}

impl Param {
    /// A required parameter of type `ty` (builder-style constructors keep tables short).
    pub const fn required(name: &'static str, ty: Type, doc: &'static str) -> Param {
        Param {
            name,
            ty,
            default: Default::Required,
            bounds: None,
            unit: None,
            positional: false,
            sweepable: false,
            doc,
        }
    }

    /// An optional parameter with no default.
    pub const fn optional(name: &'static str, ty: Type, doc: &'static str) -> Param {
        Param {
            default: Default::Optional,
            ..Param::required(name, ty, doc)
        }
    }

    /// An optional parameter taking `default` (an rbench literal) when left out.
    pub const fn with_default(
        name: &'static str,
        ty: Type,
        default: &'static str,
        doc: &'static str,
    ) -> Param {
        Param {
            default: Default::Value(default),
            ..Param::required(name, ty, doc)
        }
    }

    /// The interval the checker enforces: the declared bounds; for integers (and class indices)
    /// `[-MAX_INT, MAX_INT]` where a bound is not declared, so every integer of a spec is
    /// range-checked before anything converts it.
    pub fn checked_bounds(&self) -> Option<Bounds> {
        let integer = matches!(self.ty, Type::Int | Type::Target | Type::List(Type::Int));
        if !integer {
            return self.bounds;
        }
        let declared = self.bounds.unwrap_or(Bounds {
            min: None,
            max: None,
            min_inclusive: true,
        });
        Some(Bounds {
            min: declared.min.or(Some(-MAX_INT)),
            max: declared.max.or(Some(MAX_INT)),
            min_inclusive: declared.min_inclusive,
        })
    }

    /// Restricts numeric values to `bounds`.
    pub const fn bounded(self, bounds: Bounds) -> Param {
        Param {
            bounds: Some(bounds),
            ..self
        }
    }

    /// Gives the value a unit.
    pub const fn unit(self, unit: &'static str) -> Param {
        Param {
            unit: Some(unit),
            ..self
        }
    }

    /// Allows the parameter without its name.
    pub const fn positional(self) -> Param {
        Param {
            positional: true,
            ..self
        }
    }

    /// Allows sweeping the parameter over a list or range.
    pub const fn sweepable(self) -> Param {
        Param {
            sweepable: true,
            ..self
        }
    }
}

/// The schema of one built-in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schema {
    pub name: &'static str,
    pub kind: Kind,
    /// One line: what it is.
    pub summary: &'static str,
    pub params: &'static [Param],
    /// Where the definition comes from (paper or reference implementation), if anywhere.
    pub reference: Option<&'static str>,
    /// Groups of parameters of which exactly one must be given (`sigma` or `severity`).
    pub exclusive: &'static [&'static [&'static str]],
}

impl Schema {
    /// A schema citing no source, with no exclusive groups.
    pub const fn new(
        name: &'static str,
        kind: Kind,
        summary: &'static str,
        params: &'static [Param],
    ) -> Schema {
        Schema {
            name,
            kind,
            summary,
            params,
            reference: None,
            exclusive: &[],
        }
    }

    /// Cites where the definition comes from.
    pub const fn cites(self, reference: Option<&'static str>) -> Schema {
        Schema { reference, ..self }
    }

    /// The parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}
