//! The `rbench` command: checks and formats `.rbench` specs.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
