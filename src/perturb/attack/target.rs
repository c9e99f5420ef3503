//! What an attack aims for: the class whose loss each sample's steps follow.

use crate::data::Batch;
use crate::model::Network;
use crate::perturb::sampling::Sampler;
use crate::perturb::PerturbError;

use super::setup::check_logits;

/// The class an attack aims for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Away from the true label: ascend its loss.
    Untargeted,
    /// Towards the class other than the true label that the model finds least likely on the
    /// clean input (the first on ties), as torchattacks' `set_mode_targeted_least_likely`.
    LeastLikely,
    /// Towards a class drawn uniformly among those other than the true label, from the
    /// sample's stream (its first draw).
    Random,
    /// Towards this class.
    Class(u32),
}

impl Target {
    /// Whether the attack aims at a class rather than away from the label.
    pub fn is_targeted(self) -> bool {
        self != Target::Untargeted
    }

    /// The class each sample aims at (its label when untargeted); `Random` draws from each
    /// sample's sampler, so it must be the first draw of the sample's stream.
    pub(super) fn classes(
        self,
        name: &'static str,
        batch: &Batch,
        labels: &[usize],
        model: &dyn Network,
        samplers: &mut [Sampler],
    ) -> Result<Vec<usize>, PerturbError> {
        let classes = model.classes();
        let parameter = |problem: String| PerturbError::Parameter {
            perturbation: name,
            problem,
        };
        match self {
            Target::Untargeted => Ok(labels.to_vec()),
            Target::Class(class) if class as usize >= classes => Err(parameter(format!(
                "target class {class} is not below the model's {classes} classes"
            ))),
            Target::Class(class) => Ok(vec![class as usize; labels.len()]),
            Target::Random | Target::LeastLikely if classes < 2 => Err(parameter(format!(
                "a target other than the label needs at least 2 classes, and the model has \
                 {classes}"
            ))),
            Target::Random => Ok(labels
                .iter()
                .zip(samplers)
                .map(|(&label, sampler)| {
                    let drawn = sampler.below(classes as u64 - 1) as usize;
                    if drawn >= label {
                        drawn + 1
                    } else {
                        drawn
                    }
                })
                .collect()),
            Target::LeastLikely => {
                let logits = model.forward(&batch.inputs, batch.len())?;
                check_logits(&logits, batch.len(), classes)?;
                Ok(labels
                    .iter()
                    .zip(logits.chunks(classes))
                    .map(|(&label, row)| least_likely(row, label))
                    .collect())
            }
        }
    }
}

/// The label of the sample at dataset index `index`, checked against the model's classes.
pub(super) fn checked_label(label: u32, index: u64, classes: usize) -> Result<usize, PerturbError> {
    if (label as usize) < classes {
        Ok(label as usize)
    } else {
        Err(PerturbError::Batch(format!(
            "the label {label} of the sample at index {index} is not below the model's {classes} \
             classes"
        )))
    }
}

/// The class of the smallest logit other than `label` (which must not be the only class); the
/// first one on ties.
fn least_likely(logits: &[f32], label: usize) -> usize {
    let mut least: Option<usize> = None;
    for (class, &logit) in logits.iter().enumerate() {
        if class != label && least.is_none_or(|l| logit < logits[l]) {
            least = Some(class);
        }
    }
    least.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_likely_follows_torch() {
        assert_eq!(least_likely(&[3.0, 1.0, 1.0, 2.0], 0), 1);
        assert_eq!(least_likely(&[3.0, 1.0, 1.0, 2.0], 1), 2);
        assert_eq!(least_likely(&[0.0, 5.0], 0), 1);
    }
}
