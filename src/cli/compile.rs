//! The compiler front half as the commands use it: read a spec, parse it, check it.

use rbench::check::{self, FsLoader, Spec};
use rbench::syntax;

use super::input::{Input, ReadError};

/// Why a spec could not be compiled.
pub enum CompileError {
    /// The input could not be read at all.
    Read(ReadError),
    /// The spec has diagnostics (syntax or check).
    Diagnostics(miette::Report),
}

/// Reads, parses and checks one spec.
pub fn compile(input: &Input) -> Result<Spec, CompileError> {
    let source = input.read().map_err(CompileError::Read)?;
    let source = source.map_err(|e| CompileError::Diagnostics(e.into()))?;
    let ast = syntax::parse(&source).map_err(|e| CompileError::Diagnostics(e.into()))?;
    check::check(source, ast, &input.spec_path(), &FsLoader)
        .map_err(|e| CompileError::Diagnostics(e.into()))
}
