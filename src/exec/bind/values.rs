//! Reading checked parameter values back as typed Rust values, and the errors of binding.

use crate::check::Params;
use crate::exec::ExecError;
use crate::schema::Args;

pub(super) fn word<'p>(params: &'p Params, name: &str) -> Option<&'p str> {
    params.word(name)
}

pub(super) fn strings(params: &Params, name: &str) -> Option<Vec<String>> {
    params.strings(name)
}

pub(super) fn parameter(declaration: &str, problem: String) -> ExecError {
    ExecError::Parameter {
        declaration: declaration.to_string(),
        problem,
    }
}

pub(super) fn not_implemented(kind: &'static str, name: &str) -> ExecError {
    ExecError::NotImplemented {
        kind,
        name: name.to_string(),
    }
}
