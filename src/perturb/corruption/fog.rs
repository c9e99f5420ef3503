//! `fog`: a plasma fractal (the diamond-square heightmap of the source's `plasma_fractal`) added
//! to the image, then rescaled towards the image's maximum.

use crate::perturb::image::Image;
use crate::perturb::sampling::Sampler;

/// The source's `plasma_fractal(mapsize, wibbledecay)`: a `size × size` (a power of two) map,
/// min–max normalised to [0, 1]. Each pass at step s fills the squares' centres, then the
/// diamonds' (first the points between horizontal neighbours, then between vertical ones), each
/// point the quarter-sum of its four neighbours (wrapping around) plus `wibble·U(−wibble, wibble)`;
/// then s halves and wibble (100 at first) is divided by `decay`. Each fill draws its uniforms
/// row-major over its points.
pub(super) fn plasma_fractal(size: usize, decay: f64, draws: &mut Sampler) -> Vec<f64> {
    let mut map = vec![0.0; size * size];
    let mut step = size;
    let mut wibble = 100.0f64;
    while step >= 2 {
        let n = size / step;
        let half = step / 2;
        let at = |i: usize, j: usize| i * size + j;
        let wibbled = |sum: f64, draws: &mut Sampler| {
            sum / 4.0 + wibble * (-wibble + 2.0 * wibble * draws.uniform())
        };
        // Squares: corners (i, j), (i+1, j), (i, j+1), (i+1, j+1) of the coarse grid.
        let corner = |map: &[f64], i: usize, j: usize| map[at((i % n) * step, (j % n) * step)];
        let mut squares = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                squares[i * n + j] = corner(&map, i, j)
                    + corner(&map, i + 1, j)
                    + corner(&map, i, j + 1)
                    + corner(&map, i + 1, j + 1);
            }
        }
        for i in 0..n {
            for j in 0..n {
                map[at(i * step + half, j * step + half)] = wibbled(squares[i * n + j], draws);
            }
        }
        // Diamonds: the centres dr and corners ul of the coarse grid, as the source rolls them.
        let centre =
            |map: &[f64], i: usize, j: usize| map[at((i % n) * step + half, (j % n) * step + half)];
        let mut left = vec![0.0; n * n];
        let mut top = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                left[i * n + j] = centre(&map, i, j)
                    + centre(&map, i + n - 1, j)
                    + corner(&map, i, j)
                    + corner(&map, i, j + 1);
                top[i * n + j] = centre(&map, i, j)
                    + centre(&map, i, j + n - 1)
                    + corner(&map, i, j)
                    + corner(&map, i + 1, j);
            }
        }
        for i in 0..n {
            for j in 0..n {
                map[at(i * step, j * step + half)] = wibbled(left[i * n + j], draws);
            }
        }
        for i in 0..n {
            for j in 0..n {
                map[at(i * step + half, j * step)] = wibbled(top[i * n + j], draws);
            }
        }
        step /= 2;
        wibble /= decay;
    }
    let min = map.iter().copied().fold(f64::INFINITY, f64::min);
    map.iter_mut().for_each(|v| *v -= min);
    let max = map.iter().copied().fold(0.0, f64::max);
    if max > 0.0 {
        map.iter_mut().for_each(|v| *v /= max);
    }
    map
}

/// `fog`: with m the image's maximum, x ← (x + c·F)·m/(m + c), F the top-left H × W of a plasma
/// fractal of side `map_size` (grown to the next power of two that covers the image), the same
/// on every channel.
pub(super) fn fog(
    image: &mut Image,
    (strength, decay): (f64, f64),
    map_size: usize,
    draws: &mut Sampler,
) {
    let size = map_size
        .max(image.height)
        .max(image.width)
        .next_power_of_two();
    let fractal = plasma_fractal(size, decay, draws);
    let max = image.data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (h, w) = (image.height, image.width);
    image.each_plane(|plane, _, _| {
        for y in 0..h {
            for x in 0..w {
                let v = &mut plane[y * w + x];
                *v = (*v + strength * fractal[y * size + x]) * max / (max + strength);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn plasma_spans_zero_to_one() {
        let mut draws = Sampler::new(ChaCha8Rng::from_seed([1; 32]));
        let map = plasma_fractal(32, 3.0, &mut draws);
        assert_eq!(map.len(), 32 * 32);
        let min = map.iter().copied().fold(f64::INFINITY, f64::min);
        let max = map.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!((min, max), (0.0, 1.0));
    }
}
