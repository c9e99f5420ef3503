//! The inputs a subcommand reads: files named on the command line, or standard input as `-`.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rbench::check::MAX_SPEC_BYTES;
use rbench::syntax::{FileId, SourceFile, SyntaxErrors};

/// One spec to read: a file, or standard input (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

/// Why an input could not be read: an I/O problem, not a problem with the spec.
#[derive(Debug)]
pub struct ReadError {
    pub name: String,
    pub error: io::Error,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read `{}`: {}", self.name, self.error)
    }
}

impl Input {
    /// The input named by one argument: `-` is standard input.
    pub fn from_arg(arg: PathBuf) -> Input {
        if arg.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(arg)
        }
    }

    /// The inputs named by the arguments; standard input may be named only once.
    pub fn from_args(args: Vec<PathBuf>) -> Result<Vec<Input>, String> {
        let inputs: Vec<Input> = args.into_iter().map(Input::from_arg).collect();
        if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
            return Err("`-` (standard input) can be given only once".to_string());
        }
        Ok(inputs)
    }

    /// The name diagnostics show: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Input::File(path) => path.display().to_string(),
            Input::Stdin => "<stdin>".to_string(),
        }
    }

    /// Where the spec lives, for resolving the relative paths it names: the file, or a name
    /// in the working directory for standard input.
    pub fn spec_path(&self) -> PathBuf {
        match self {
            Input::File(path) => path.clone(),
            Input::Stdin => PathBuf::from("<stdin>"),
        }
    }

    /// The file's path, if this input is a file.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Input::File(path) => Some(path),
            Input::Stdin => None,
        }
    }

    /// Reads the input as a source file. The outer error is an I/O failure; the inner one the
    /// diagnostic for bytes that are not UTF-8.
    pub fn read(&self) -> Result<Result<SourceFile, SyntaxErrors>, ReadError> {
        let bytes = match self {
            Input::File(path) => rbench::confine::read_regular(path, MAX_SPEC_BYTES),
            Input::Stdin => {
                let mut bytes = Vec::new();
                let limit = MAX_SPEC_BYTES + 1;
                let read = io::stdin().lock().take(limit).read_to_end(&mut bytes);
                read.and_then(|_| match bytes.len() as u64 > MAX_SPEC_BYTES {
                    true => Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("standard input has more than the {MAX_SPEC_BYTES} bytes allowed"),
                    )),
                    false => Ok(bytes),
                })
            }
        }
        .map_err(|error| ReadError {
            name: self.name(),
            error,
        })?;
        // Each file is checked as its own compilation, so each is file 0.
        Ok(SourceFile::from_bytes(FileId(0), self.name(), bytes))
    }
}
