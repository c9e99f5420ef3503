//! Settings of mimalloc, the allocator of the `rbench` binary and of the benchmarks.

use libmimalloc_sys::{mi_option_set, mi_option_t};

/// `mi_option_purge_delay`: its position in mimalloc's `mi_option_e` (`mimalloc.h`), which the
/// Rust bindings do not name.
const PURGE_DELAY: mi_option_t = 15;

/// Makes mimalloc keep the memory a program frees for its next allocations instead of returning
/// it to the kernel after a delay (one second by default).
///
/// A model allocates its large activation tensors afresh for every batch; memory that went back
/// to the kernel in between costs a page fault and the zeroing of every page the next time
/// (`perf` showed a seventh of a CNN's input-gradient time in the kernel's page clearing; see
/// `docs/performance.md`). Peak memory is unchanged: only the return of freed memory stops.
pub fn keep_freed_memory() {
    // SAFETY: mimalloc allows setting an option at any time, from any thread; `PURGE_DELAY` is
    // a valid option and −1 a documented value ("no purging at all").
    unsafe { mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use libmimalloc_sys::mi_option_get;

    use super::*;

    /// The purge delay mimalloc uses now, in milliseconds (−1: never).
    fn purge_delay() -> std::ffi::c_long {
        // SAFETY: reading an option is allowed at any time, from any thread.
        unsafe { mi_option_get(PURGE_DELAY) }
    }

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // Every other option of mimalloc 3 defaults to something else than 1000 ms (its
        // `MIMALLOC_VERBOSE=1` listing), so this finds the purge delay at its position.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay(), 1000);
        }
        keep_freed_memory();
        assert_eq!(purge_delay(), -1);
    }
}
