//! The checked parameters of one call of a built-in, as its binding reads them.
//!
//! The checker has typed, bounded and defaulted every value by the time a built-in binds, so the
//! runtime reads them through this interface without knowing the checker's types.

/// Read access to a call's parameters by name.
pub trait Args {
    /// A number (integer or real).
    fn number(&self, name: &str) -> Option<f64>;
    /// A whole number.
    fn int(&self, name: &str) -> Option<i64>;
    /// A list of whole numbers (layer widths).
    fn ints(&self, name: &str) -> Option<Vec<i64>>;
    /// A boolean.
    fn boolean(&self, name: &str) -> Option<bool>;
    /// A bare word of an enumeration (`linf`, `least_likely`).
    fn word(&self, name: &str) -> Option<&str>;
    /// A list of strings (feature names).
    fn strings(&self, name: &str) -> Option<Vec<String>>;
}
