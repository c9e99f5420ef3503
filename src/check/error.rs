//! Check diagnostics: what is wrong with the meaning of a spec. The checker reports all of them.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::syntax::{IndexedText, SourceFile, SyntaxErrors};

/// Every problem found in a spec and the files it imports.
#[derive(Debug, Error, Diagnostic)]
#[error("{summary}")]
pub struct CheckErrors {
    summary: String,
    /// The root spec's text, against which its own errors are rendered.
    #[source_code]
    source_code: NamedSource<IndexedText>,
    #[related]
    problems: Vec<Problem>,
}

/// One entry of a report: an error in the root spec, an error in an imported file, or the syntax
/// errors of an imported file.
#[derive(Debug, Error, Diagnostic)]
pub enum Problem {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Root(CheckError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    ImportSyntax(SyntaxErrors),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Import(ImportedError),
}

impl CheckErrors {
    /// Collects `errors` (each with the index of the file it points into) in file order.
    pub(crate) fn new(
        root_name: &str,
        sources: &[SourceFile],
        syntax: Vec<SyntaxErrors>,
        errors: Vec<(usize, CheckError)>,
    ) -> Self {
        let count = errors.len() + syntax.iter().map(|s| s.errors().len()).sum::<usize>();
        let summary = match count {
            1 => format!("`{root_name}` has an error"),
            n => format!("`{root_name}` has {n} errors"),
        };
        let problems: Vec<Problem> = errors
            .into_iter()
            .map(|(file, error)| match file {
                0 => Problem::Root(error),
                _ => Problem::Import(ImportedError {
                    source_code: sources[file].named_source(),
                    error,
                }),
            })
            .chain(syntax.into_iter().map(Problem::ImportSyntax))
            .collect();
        CheckErrors {
            summary,
            source_code: sources[0].named_source(),
            problems,
        }
    }

    /// Every check error, file by file.
    pub fn errors(&self) -> impl Iterator<Item = &CheckError> {
        self.problems.iter().flat_map(|p| match p {
            Problem::Root(e) => std::slice::from_ref(e),
            Problem::Import(imported) => std::slice::from_ref(&imported.error),
            Problem::ImportSyntax(_) => &[],
        })
    }

    /// Syntax errors found in imported files.
    pub fn syntax_errors(&self) -> impl Iterator<Item = &SyntaxErrors> {
        self.problems.iter().filter_map(|p| match p {
            Problem::ImportSyntax(s) => Some(s),
            _ => None,
        })
    }
}

/// An error found in an imported file, rendered against that file's text.
#[derive(Debug, Error, Diagnostic)]
#[error("{error}")]
#[diagnostic(forward(error))]
pub struct ImportedError {
    #[source_code]
    source_code: NamedSource<IndexedText>,
    error: CheckError,
}

/// One problem with the meaning of a spec. Each kind has a stable code `rbench::check::<kind>`.
#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum CheckError {
    #[error("unknown {expected} `{name}`")]
    #[diagnostic(code("rbench::check::unknown-name"))]
    UnknownName {
        name: String,
        expected: String,
        #[label("not declared")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{name}` is declared twice")]
    #[diagnostic(
        code("rbench::check::duplicate-name"),
        help("every name is declared once per file; rename one of them")
    )]
    DuplicateName {
        name: String,
        #[label("declared again here")]
        span: SourceSpan,
        #[label("first declared here")]
        first: SourceSpan,
    },

    /// `found` and `expected` are written with their article: "a model", "an attack".
    #[error("`{name}` is {found}, but {expected} is expected here")]
    #[diagnostic(code("rbench::check::wrong-kind"))]
    WrongKind {
        name: String,
        found: String,
        expected: String,
        #[label("expected {expected}")]
        span: SourceSpan,
        #[label("declared as {found} here")]
        declared: Option<SourceSpan>,
        #[help]
        help: Option<String>,
    },

    #[error("{kind} `{name}` is defined in terms of itself")]
    #[diagnostic(code("rbench::check::cyclic-definition"))]
    CyclicDefinition {
        name: String,
        kind: String,
        #[label("`{name}` is used here, inside its own definition")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{name}` is a reserved name")]
    #[diagnostic(
        code("rbench::check::reserved-name"),
        help("`clean` names the unperturbed data in metric calls; choose another name")
    )]
    ReservedName {
        name: String,
        #[label("reserved")]
        span: SourceSpan,
    },

    #[error("unknown {kind} `{name}`")]
    #[diagnostic(code("rbench::check::unknown-builtin"))]
    UnknownBuiltin {
        name: String,
        kind: String,
        #[label("no such {kind}")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("expected a call of a {kind}")]
    #[diagnostic(code("rbench::check::expected-call"))]
    ExpectedCall {
        kind: String,
        #[label("not a call")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{builtin}` has no parameter `{name}`")]
    #[diagnostic(code("rbench::check::unknown-parameter"))]
    UnknownParameter {
        name: String,
        builtin: String,
        #[label("unknown parameter")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("parameter `{name}` is given twice")]
    #[diagnostic(
        code("rbench::check::duplicate-parameter"),
        help("give each parameter once; to sweep it, give it a list or a range")
    )]
    DuplicateParameter {
        name: String,
        #[label("given again here")]
        span: SourceSpan,
        #[label("first given here")]
        first: SourceSpan,
    },

    #[error("`{builtin}` needs the parameter `{name}`")]
    #[diagnostic(code("rbench::check::missing-parameter"))]
    MissingParameter {
        name: String,
        builtin: String,
        #[label("`{name}` is missing")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{builtin}` takes exactly one of {names}")]
    #[diagnostic(code("rbench::check::exclusive-parameters"))]
    ExclusiveParameters {
        builtin: String,
        names: String,
        #[label("{given}")]
        span: SourceSpan,
        given: String,
        #[help]
        help: String,
    },

    #[error("too many positional arguments for `{builtin}`")]
    #[diagnostic(code("rbench::check::unexpected-argument"))]
    UnexpectedArgument {
        builtin: String,
        #[label("not expected here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("expected {expected}, found {found}")]
    #[diagnostic(code("rbench::check::type-mismatch"))]
    TypeMismatch {
        expected: String,
        found: String,
        #[label("this is {found}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{param}` = {value} is out of range")]
    #[diagnostic(code("rbench::check::out-of-range"))]
    OutOfRange {
        param: String,
        value: String,
        bounds: String,
        #[label("must lie in {bounds}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{param}` cannot be swept")]
    #[diagnostic(code("rbench::check::not-sweepable"))]
    NotSweepable {
        param: String,
        #[label("a single value is expected")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{reason}")]
    #[diagnostic(code("rbench::check::invalid-range"))]
    InvalidRange {
        reason: String,
        /// What the label calls the value: "this range", "this list".
        what: String,
        #[label("{what}")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("the sweep has {count} members, more than {limit}")]
    #[diagnostic(
        code("rbench::check::sweep-too-large"),
        help("sweep fewer values, or split the perturbation into several")
    )]
    SweepTooLarge {
        count: usize,
        limit: usize,
        #[label("this sweep")]
        span: SourceSpan,
    },

    #[error("the spec asks for more than {limit} {what}")]
    #[diagnostic(code("rbench::check::spec-too-large"))]
    SpecTooLarge {
        what: String,
        limit: usize,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: String,
    },

    #[error("{block} has no field `{name}`")]
    #[diagnostic(code("rbench::check::unknown-field"))]
    UnknownField {
        name: String,
        block: String,
        #[label("unknown field")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("field `{name}` is set twice")]
    #[diagnostic(code("rbench::check::duplicate-field"), help("set each field once"))]
    DuplicateField {
        name: String,
        #[label("set again here")]
        span: SourceSpan,
        #[label("first set here")]
        first: SourceSpan,
    },

    #[error("{block} needs the field `{name}`")]
    #[diagnostic(code("rbench::check::missing-field"))]
    MissingField {
        name: String,
        block: String,
        #[label("`{name}` is missing")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{message}")]
    #[diagnostic(code("rbench::check::conflicting-fields"))]
    ConflictingFields {
        message: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("the spec has no `benchmark` header")]
    #[diagnostic(
        code("rbench::check::missing-benchmark"),
        help("start the spec with `benchmark NAME {{ title = \"...\" seed = 1 }}`")
    )]
    MissingBenchmark {
        #[label("in this file")]
        span: SourceSpan,
    },

    #[error("a spec has one `benchmark` header")]
    #[diagnostic(
        code("rbench::check::duplicate-benchmark"),
        help("merge the headers into one")
    )]
    DuplicateBenchmark {
        #[label("second header")]
        span: SourceSpan,
        #[label("first header")]
        first: SourceSpan,
    },

    #[error("the spec evaluates nothing")]
    #[diagnostic(code("rbench::check::missing-evaluate"))]
    MissingEvaluate {
        #[label("no `evaluate` in this file")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(code("rbench::check::import-not-found"))]
    ImportNotFound {
        path: String,
        reason: String,
        #[label("imported here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("refused to import `{path}`: {reason}")]
    #[diagnostic(
        code("rbench::check::import-refused"),
        help("an import must be a `.rbench` file of at most 4 MiB inside the spec's project (its git repository, else its folder); copy the suite into the project")
    )]
    ImportRefused {
        path: String,
        reason: String,
        #[label("imported here")]
        span: SourceSpan,
    },

    #[error("import cycle: {chain}")]
    #[diagnostic(
        code("rbench::check::import-cycle"),
        help("a file cannot import itself, directly or through other files; move what both need into a third file")
    )]
    ImportCycle {
        chain: String,
        #[label("this import closes the cycle")]
        span: SourceSpan,
    },

    #[error("an imported file cannot declare `{keyword}`")]
    #[diagnostic(
        code("rbench::check::not-importable"),
        help("imported files (suites) declare perturbations and metrics; declare the rest in the spec that imports them")
    )]
    NotImportable {
        keyword: String,
        #[label("not allowed in an imported file")]
        span: SourceSpan,
    },

    #[error("`{perturbation}` does not sweep `{param}`")]
    #[diagnostic(code("rbench::check::not-swept"))]
    NotSwept {
        perturbation: String,
        param: String,
        #[label("not a swept parameter of `{perturbation}`")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{perturbation}` has no member with {selection}")]
    #[diagnostic(code("rbench::check::unknown-member"))]
    UnknownMember {
        perturbation: String,
        selection: String,
        #[label("no such member")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{what} is not evaluated")]
    #[diagnostic(code("rbench::check::not-evaluated"))]
    NotEvaluated {
        what: String,
        #[label("no `evaluate` covers this")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("which dataset? `{model}` is evaluated on {datasets}")]
    #[diagnostic(code("rbench::check::ambiguous-dataset"))]
    AmbiguousDataset {
        model: String,
        datasets: String,
        #[label("name the dataset with `on:`")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("expected {expected}, found {found}")]
    #[diagnostic(code("rbench::check::gate-type"))]
    GateType {
        expected: String,
        found: String,
        #[label("this is {found}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("comparisons cannot be chained")]
    #[diagnostic(
        code("rbench::check::chained-comparison"),
        help("join two comparisons with `and`: `a >= 0.5 and a <= 0.9`")
    )]
    ChainedComparison {
        #[label("a comparison compared again")]
        span: SourceSpan,
    },

    #[error("confidence level {value} is not between 0% and 100%")]
    #[diagnostic(
        code("rbench::check::invalid-confidence"),
        help("write the level as a percentage below 100%, for example `with confidence 95%`")
    )]
    InvalidConfidence {
        value: String,
        #[label("must lie strictly between 0% and 100%")]
        span: SourceSpan,
    },

    #[error("division by zero")]
    #[diagnostic(code("rbench::check::division-by-zero"))]
    DivisionByZero {
        #[label("this divisor is zero")]
        span: SourceSpan,
    },

    #[error("number `{text}` does not fit")]
    #[diagnostic(code("rbench::check::number-too-large"))]
    NumberTooLarge {
        text: String,
        #[label("too large")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("unknown framework `{name}`")]
    #[diagnostic(code("rbench::check::unknown-framework"))]
    UnknownFramework {
        name: String,
        #[label("no such framework")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{framework}` has no control `{id}`")]
    #[diagnostic(code("rbench::check::unknown-control"))]
    UnknownControl {
        id: String,
        framework: String,
        #[label("unknown control")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("control `{id}` is declared twice")]
    #[diagnostic(
        code("rbench::check::duplicate-control"),
        help("give each control one declaration")
    )]
    DuplicateControl {
        id: String,
        #[label("declared again here")]
        span: SourceSpan,
        #[label("first declared here")]
        first: SourceSpan,
    },

    #[error("framework `{name}` declares no control")]
    #[diagnostic(
        code("rbench::check::empty-framework"),
        help("declare its controls: `control \"ID\" \"statement\"`")
    )]
    EmptyFramework {
        name: String,
        #[label("no `control` in this framework")]
        span: SourceSpan,
    },
}
