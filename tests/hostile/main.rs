//! Hostile and careless inputs: each case found by trying rbench as an attacker or a careless user
//! would, kept as a regression test.

mod confinement;
mod determinism;
mod fuzzed;
mod limits;
mod scale;
