//! Terminal output: when to use colour, and how diagnostics are drawn.

use std::fmt;
use std::io::{self, IsTerminal, Write};

use miette::{Diagnostic, GraphicalTheme, MietteHandler, MietteHandlerOpts, ReportHandler};

/// Diagnostics width when standard error is not a terminal (or its width is unknown).
const DEFAULT_WIDTH: usize = 100;

/// The most problems of one report drawn in full; the others are counted in one closing line, so
/// a spec with a hundred thousand errors prints a screenful, not a book.
pub const MAX_DRAWN: usize = 200;

/// What the two output streams can show, decided once at start-up.
pub struct Console {
    /// Draws diagnostics for standard error.
    diagnostics: MietteHandler,
    /// Whether standard output takes ANSI colours (for diffs).
    pub stdout_color: bool,
}

impl Console {
    /// Looks at the terminal and the environment: colour only on a terminal, never when
    /// `NO_COLOR` is set, and ASCII drawing on a `TERM=dumb` terminal.
    pub fn detect() -> Console {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let dumb = std::env::var_os("TERM").is_some_and(|term| term == "dumb");
        let stderr_terminal = io::stderr().is_terminal();
        let theme = if dumb {
            GraphicalTheme::none()
        } else if stderr_terminal && !no_color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let mut options = MietteHandlerOpts::new()
            .graphical_theme(theme)
            .force_graphical(true)
            .terminal_links(false);
        if !stderr_terminal {
            // On a terminal, miette measures its width.
            options = options.width(DEFAULT_WIDTH);
        }
        Console {
            diagnostics: options.build(),
            stdout_color: io::stdout().is_terminal() && !no_color && !dumb,
        }
    }

    /// Prints a diagnostic (with its related diagnostics and source excerpts) to standard error:
    /// the first [`MAX_DRAWN`] related diagnostics in full, then how many more there are.
    pub fn diagnostic(&self, diagnostic: &dyn Diagnostic) {
        let rendered = Rendered {
            handler: &self.diagnostics,
            diagnostic: &Capped(diagnostic),
        };
        let mut text = format!("{rendered}");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let related = diagnostic.related().map_or(0, Iterator::count);
        if related > MAX_DRAWN {
            text.push_str(&format!(
                "  … and {} more not shown ({related} in all)\n",
                related - MAX_DRAWN
            ));
        }
        // A blank line keeps the reports of several files apart.
        text.push('\n');
        self.eprint(&text);
    }

    /// Prints one `error: ...` line to standard error, for problems that are not in a spec.
    pub fn error(&self, message: &dyn fmt::Display) {
        self.eprint(&format!("error: {message}\n"));
    }

    /// Reports a usage error and returns the status it ends the run with.
    pub fn usage_error(&self, message: &str) -> super::Status {
        self.error(&message);
        super::Status::Failure
    }

    /// Writes text to standard output, returning the error of a closed pipe or a full disk.
    pub fn print(&self, text: &str) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }

    /// Prints text to standard error as is. A closed standard error cannot be reported anywhere,
    /// so write failures are ignored.
    pub fn eprint(&self, text: &str) {
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }
}

/// A diagnostic drawn by a handler, as `Display`.
struct Rendered<'a> {
    handler: &'a MietteHandler,
    diagnostic: &'a dyn Diagnostic,
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.handler.debug(self.diagnostic, f)
    }
}

/// A diagnostic whose related diagnostics stop after the first [`MAX_DRAWN`].
struct Capped<'a>(&'a dyn Diagnostic);

impl fmt::Debug for Capped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Capped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0, f)
    }
}

impl std::error::Error for Capped<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Diagnostic for Capped<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.url()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.0.related()?.take(MAX_DRAWN)))
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.0.diagnostic_source()
    }
}
