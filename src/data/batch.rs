//! Batches: the unit of data that flows along an evaluation branch.

/// A batch of samples in row-major order: `inputs` holds `len() × sample_size()` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The shape of one sample, e.g. `[1, 28, 28]` for a grey image or `[30]` for a table row.
    pub sample_shape: Vec<usize>,
    pub inputs: Vec<f32>,
    pub labels: Vec<u32>,
    /// Each sample's position in its dataset (after `offset`, `limit` and `shuffle`). It seeds the
    /// sample's random draws, so results do not depend on batch boundaries or thread counts.
    pub indices: Vec<u64>,
}

impl Batch {
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the batch holds no sample.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The number of values in one sample.
    pub fn sample_size(&self) -> usize {
        self.sample_shape.iter().product()
    }

    /// The values of sample `i`.
    pub fn sample(&self, i: usize) -> &[f32] {
        let size = self.sample_size();
        &self.inputs[i * size..(i + 1) * size]
    }
}
