//! The `rbench` command: checks, plans, runs and reports `.rbench` specs.

mod cli;

/// mimalloc keeps freed memory for reuse (`rbench::allocator`): with the system allocator, the
/// model's large temporary tensors went back to the kernel after every layer, and zeroing new
/// pages and flushing TLBs cost about a third of an attack's time (`docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rbench::allocator::keep_freed_memory();
    cli::main()
}
