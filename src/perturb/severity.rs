//! Severities 1–5 and the published tables they index: CIFAR-10-C or ImageNet-C, chosen by the
//! spec (`table:`) or by the size of the inputs. Shared by the noise and corruption families.

/// Which published table a severity indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// CIFAR-10-C for inputs of at most 32×32 values per channel, ImageNet-C for larger ones.
    Auto,
    /// CIFAR-10-C (`make_cifar_c.py`).
    Cifar,
    /// ImageNet-C (`imagenet_c/corruptions.py`).
    ImageNet,
}

impl Table {
    /// The table used for samples of `sample_shape`: `Auto` becomes `Cifar` when the sample has at
    /// most 32 × 32 = 1024 values per channel, else `ImageNet`. A 3-D shape's channel axis is the
    /// smaller of its first and last (`[3, 32, 32]` and `[32, 32, 3]` both give 1024); other
    /// shapes count all their values.
    pub fn resolve(self, sample_shape: &[usize]) -> Table {
        match self {
            Table::Auto => {
                let values: usize = sample_shape.iter().product();
                let per_channel = match sample_shape {
                    [first, _, last] => values / (*first).min(*last).max(1),
                    _ => values,
                };
                if per_channel <= 32 * 32 {
                    Table::Cifar
                } else {
                    Table::ImageNet
                }
            }
            table => table,
        }
    }
}

/// One parameter of a perturbation at severities 1–5, in both published tables.
#[derive(Debug)]
pub(crate) struct Severities<T> {
    /// CIFAR-10-C, severity 1 first.
    pub(crate) cifar: [T; 5],
    /// ImageNet-C, severity 1 first.
    pub(crate) imagenet: [T; 5],
}

impl<T> Severities<T> {
    /// The entry of `severity` (clamped to 1..=5) in the table `table` resolves to for samples of
    /// `sample_shape`.
    pub(crate) fn at(&self, severity: u8, table: Table, sample_shape: &[usize]) -> &T {
        let row = match table.resolve(sample_shape) {
            Table::ImageNet => &self.imagenet,
            _ => &self.cifar,
        };
        &row[usize::from(severity.clamp(1, 5)) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_by_values_per_channel() {
        assert_eq!(Table::Auto.resolve(&[3, 32, 32]), Table::Cifar);
        assert_eq!(Table::Auto.resolve(&[32, 32, 3]), Table::Cifar);
        assert_eq!(Table::Auto.resolve(&[1, 28, 28]), Table::Cifar);
        assert_eq!(Table::Auto.resolve(&[30]), Table::Cifar);
        assert_eq!(Table::Auto.resolve(&[3, 64, 64]), Table::ImageNet);
        assert_eq!(Table::Auto.resolve(&[224, 224, 3]), Table::ImageNet);
        assert_eq!(Table::ImageNet.resolve(&[1, 28, 28]), Table::ImageNet);
        assert_eq!(Table::Cifar.resolve(&[3, 224, 224]), Table::Cifar);
    }

    #[test]
    fn severities_index_rows() {
        let table = Severities {
            cifar: [1, 2, 3, 4, 5],
            imagenet: [10, 20, 30, 40, 50],
        };
        assert_eq!(*table.at(3, Table::Auto, &[3, 32, 32]), 3);
        assert_eq!(*table.at(3, Table::Auto, &[3, 224, 224]), 30);
        assert_eq!(*table.at(1, Table::ImageNet, &[1, 8, 8]), 10);
        assert_eq!(*table.at(5, Table::Cifar, &[3, 224, 224]), 5);
    }
}
