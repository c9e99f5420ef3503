//! The compiler front half as the commands use it: read a spec, parse it, check it.

use rbench::check::{self, FsLoader, Spec};
use rbench::syntax;

use super::input::{Input, ReadError};
use super::render::Console;
use super::Status;

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

/// Compiles one spec, reporting any failure on the console; the error is the status to exit with.
pub fn compile_or_report(input: &Input, console: &Console) -> Result<Spec, Status> {
    compile(input).map_err(|error| match error {
        CompileError::Read(error) => {
            console.error(&error);
            Status::Failure
        }
        CompileError::Diagnostics(report) => {
            console.diagnostic(report.as_ref());
            Status::Problems
        }
    })
}
