//! What a metric reads from one batch of an evaluation branch: logits, labels, sample indices and,
//! for metrics that compare with the clean branch, the clean logits of the same samples and the
//! sizes of their perturbations.

use super::{MetricError, PerturbationSize};

/// The predictions of one batch, checked for consistent shapes, valid labels and finite logits.
#[derive(Debug, Clone, Copy)]
pub struct Predictions<'a> {
    classes: usize,
    logits: &'a [f32],
    labels: &'a [u32],
    indices: &'a [u64],
    clean_logits: Option<&'a [f32]>,
    sizes: Option<&'a [PerturbationSize]>,
}

/// One sample of a batch.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    pub logits: &'a [f32],
    pub label: u32,
    /// The sample's position in its dataset.
    pub index: u64,
    /// The logits of the same sample on the clean branch, when the batch carries them.
    pub clean_logits: Option<&'a [f32]>,
    /// The size of the sample's perturbation, when the batch carries them.
    pub size: Option<PerturbationSize>,
}

impl<'a> Predictions<'a> {
    /// The predictions of `labels.len()` samples: `logits` is `n × classes`, row-major.
    pub fn new(
        classes: usize,
        logits: &'a [f32],
        labels: &'a [u32],
        indices: &'a [u64],
    ) -> Result<Self, MetricError> {
        let n = labels.len();
        expect_len("the indices", n, indices.len())?;
        expect_len("the logits", n * classes, logits.len())?;
        for (&label, &index) in labels.iter().zip(indices) {
            if label as usize >= classes {
                return Err(MetricError::Label {
                    index,
                    label,
                    classes,
                });
            }
        }
        check_finite(classes, logits, indices)?;
        Ok(Predictions {
            classes,
            logits,
            labels,
            indices,
            clean_logits: None,
            sizes: None,
        })
    }

    /// The same predictions with the clean branch's logits of the same samples.
    pub fn with_clean(mut self, clean_logits: &'a [f32]) -> Result<Self, MetricError> {
        expect_len("the clean logits", self.logits.len(), clean_logits.len())?;
        check_finite(self.classes, clean_logits, self.indices)?;
        self.clean_logits = Some(clean_logits);
        Ok(self)
    }

    /// The same predictions with the size of each sample's perturbation (for metrics that
    /// measure the perturbation itself: `perturbation_norm`).
    pub fn with_sizes(mut self, sizes: &'a [PerturbationSize]) -> Result<Self, MetricError> {
        expect_len("the perturbation sizes", self.len(), sizes.len())?;
        self.sizes = Some(sizes);
        Ok(self)
    }

    /// The number of classes (the width of a row of logits).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the batch holds no sample.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Whether the batch carries the clean logits.
    pub fn has_clean(&self) -> bool {
        self.clean_logits.is_some()
    }

    /// Sample `i`.
    pub fn sample(&self, i: usize) -> Sample<'a> {
        let row = i * self.classes..(i + 1) * self.classes;
        Sample {
            logits: &self.logits[row.clone()],
            label: self.labels[i],
            index: self.indices[i],
            clean_logits: self.clean_logits.map(|clean| &clean[row]),
            size: self.sizes.map(|sizes| sizes[i]),
        }
    }

    /// Every sample, in batch order.
    pub fn samples(&self) -> impl Iterator<Item = Sample<'a>> + '_ {
        (0..self.len()).map(|i| self.sample(i))
    }
}

impl<'a> Sample<'a> {
    /// Whether the sample is classified correctly.
    pub fn correct(&self) -> bool {
        argmax(self.logits) == self.label as usize
    }

    /// The clean logits, or an error for metrics that cannot do without them.
    pub fn require_clean(&self) -> Result<&'a [f32], MetricError> {
        self.clean_logits.ok_or(MetricError::MissingClean)
    }
}

/// The index of the largest logit; the first one on ties, as `numpy.argmax` and `torch.argmax`.
pub fn argmax(logits: &[f32]) -> usize {
    let mut best = 0;
    for (class, &logit) in logits.iter().enumerate() {
        if logit > logits[best] {
            best = class;
        }
    }
    best
}

/// The softmax probability of `class`, computed in f64 after subtracting the largest logit so no
/// exponential overflows. The sum runs over the classes in order, so a sample's probabilities
/// never depend on the batch it came in.
pub fn probability(logits: &[f32], class: usize) -> f64 {
    let max = f64::from(logits[argmax(logits)]);
    let total: f64 = logits.iter().map(|&l| (f64::from(l) - max).exp()).sum();
    (f64::from(logits[class]) - max).exp() / total
}

fn expect_len(what: &'static str, expected: usize, found: usize) -> Result<(), MetricError> {
    if expected == found {
        Ok(())
    } else {
        Err(MetricError::Shape {
            what,
            expected,
            found,
        })
    }
}

fn check_finite(classes: usize, logits: &[f32], indices: &[u64]) -> Result<(), MetricError> {
    for (row, &index) in logits.chunks(classes.max(1)).zip(indices) {
        if !row.iter().all(|l| l.is_finite()) {
            return Err(MetricError::NonFinite { index });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_of_equal_logits() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(argmax(&[0.0]), 0);
    }

    #[test]
    fn softmax_survives_huge_logits() {
        let p = probability(&[1000.0, 1000.0, -1000.0], 0);
        assert_eq!(p, 0.5);
        let q = probability(&[0.0, f32::MAX], 1);
        assert_eq!(q, 1.0);
    }

    #[test]
    fn shapes_labels_and_finiteness_are_checked() {
        let logits = [0.0, 1.0, 1.0, 0.0];
        assert!(Predictions::new(2, &logits, &[1, 0], &[0, 1]).is_ok());
        assert_eq!(
            Predictions::new(2, &logits, &[1, 2], &[0, 1]).err(),
            Some(MetricError::Label {
                index: 1,
                label: 2,
                classes: 2
            })
        );
        assert!(matches!(
            Predictions::new(3, &logits, &[1, 0], &[0, 1]),
            Err(MetricError::Shape { .. })
        ));
        let nan = [0.0, f32::NAN, 1.0, 0.0];
        assert_eq!(
            Predictions::new(2, &nan, &[1, 0], &[7, 8]).err(),
            Some(MetricError::NonFinite { index: 7 })
        );
        let batch = Predictions::new(2, &logits, &[1, 0], &[0, 1]).expect("valid");
        assert!(batch.with_clean(&logits[..2]).is_err());
        assert!(batch.with_sizes(&[PerturbationSize::default()]).is_err());
    }

    #[test]
    fn samples_slice_their_rows() {
        let logits = [0.0, 1.0, 1.0, 0.0];
        let clean = [5.0, 0.0, 0.0, 5.0];
        let sizes = [
            PerturbationSize::between(&[1.0, 2.0, 3.0], &[1.5, 2.0, 3.0]),
            PerturbationSize::between(&[4.0, 5.0, 6.0], &[4.0, 5.0, 6.5]),
        ];
        let batch = Predictions::new(2, &logits, &[1, 1], &[10, 11])
            .and_then(|b| b.with_clean(&clean))
            .and_then(|b| b.with_sizes(&sizes))
            .expect("valid");
        let second = batch.sample(1);
        assert_eq!(second.logits, &[1.0, 0.0]);
        assert_eq!(second.index, 11);
        assert!(!second.correct());
        assert_eq!(second.clean_logits, Some(&clean[2..]));
        assert_eq!(second.size, Some(sizes[1]));
    }
}
