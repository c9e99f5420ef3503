//! Metric values that no sample defines (a rate of zero trials, the size of successful attacks
//! when none succeeded) are NaN in memory and `null` in `results.json`, which has no NaN.

use serde::{Deserialize, Deserializer, Serializer};

/// Writes NaN as `null`, any other number as itself.
pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    match value.is_nan() {
        true => serializer.serialize_none(),
        false => serializer.serialize_f64(*value),
    }
}

/// Reads `null` as NaN.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    struct Value {
        #[serde(with = "super")]
        x: f64,
    }

    #[test]
    fn nan_travels_as_null() {
        let text = serde_json::to_string(&Value { x: f64::NAN }).expect("serialises");
        assert_eq!(text, r#"{"x":null}"#);
        let back: Value = serde_json::from_str(&text).expect("parses");
        assert!(back.x.is_nan());
        let one: Value = serde_json::from_str(r#"{"x":0.5}"#).expect("parses");
        assert_eq!(one.x, 0.5);
    }
}
