//! Image folders: one sub-folder of PNG or JPEG images per class. `open` lists the files; a
//! batch decodes its images, converts them to grey or RGB (8 bits a channel), and resizes them
//! (triangle filter) to the declared size, as `[channels, height, width]` values 0..=255.
//!
//! Grey is Pillow's `Image.convert("L")`, which torchvision's `Grayscale` transform calls: ITU-R
//! 601-2 luma in 16-bit fixed point, rounded (the `L24` macro of Pillow's
//! `src/libImaging/Convert.c`), so a grey image keeps its exact levels. The resize is Pillow's
//! `resize(..., BILINEAR)` (torchvision's `Resize` of a PIL image) in floating point: levels may
//! differ from Pillow's fixed-point ones by one (docs/language.md gives the measurement).

use std::ops::Range;
use std::path::{Path, PathBuf};

use image::imageops::{self, FilterType};
use image::{GrayImage, ImageBuffer, Luma, Pixel, RgbImage};

use super::error::DataError;
use super::header::{list_image_classes, relative};
use super::selected::Rows;
use super::store::{hash_contents, Content};

/// The images of a folder, in torchvision's `ImageFolder` order (see `header::images`).
#[derive(Debug)]
pub(crate) struct ImageRows {
    root: PathBuf,
    /// Every image and its class index.
    files: Vec<(PathBuf, u32)>,
    /// `[height, width]`.
    size: [u32; 2],
    grayscale: bool,
    sample_shape: Vec<usize>,
}

impl ImageRows {
    /// The folder at `path`, its images resized to `size` = `[height, width]`.
    pub(crate) fn open(path: &Path, size: [usize; 2], grayscale: bool) -> Result<Self, DataError> {
        let [height, width] = size;
        let dimension = |d: usize| u32::try_from(d).ok().filter(|&d| d > 0);
        let (Some(h), Some(w)) = (dimension(height), dimension(width)) else {
            return Err(DataError::invalid(
                path,
                format!("`size = [{height}, {width}]`: two positive sizes are expected"),
            ));
        };
        let mut files = Vec::new();
        for (class, folder) in list_image_classes(path)?.into_iter().enumerate() {
            let class = u32::try_from(class).unwrap_or(u32::MAX);
            files.extend(folder.images.into_iter().map(|file| (file, class)));
        }
        let channels = if grayscale { 1 } else { 3 };
        Ok(ImageRows {
            root: path.to_path_buf(),
            files,
            size: [h, w],
            grayscale,
            sample_shape: vec![channels, height, width],
        })
    }

    /// The image at `path` as `[channels, height, width]` values, appended to `out`.
    fn decode(&self, path: &Path, out: &mut Vec<f32>) -> Result<(), DataError> {
        let image = image::open(path)
            .map_err(|e| DataError::invalid(path, format!("cannot decode the image: {e}")))?;
        if self.grayscale {
            push_planes(&pillow_luma(&image.to_rgb8()), self.size, out);
        } else {
            push_planes(&image.to_rgb8(), self.size, out);
        }
        Ok(())
    }
}

/// The grey levels of `image` as Pillow's `convert("L")` computes them:
/// (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16.
fn pillow_luma(image: &RgbImage) -> GrayImage {
    GrayImage::from_fn(image.width(), image.height(), |x, y| {
        let [r, g, b] = image.get_pixel(x, y).0.map(u32::from);
        let level = (19_595 * r + 38_470 * g + 7_471 * b + 0x8000) >> 16;
        Luma([u8::try_from(level).unwrap_or(u8::MAX)])
    })
}

/// Appends `image`, resized to `[height, width]`, channel by channel (CHW order).
fn push_planes<P>(image: &ImageBuffer<P, Vec<u8>>, [height, width]: [u32; 2], out: &mut Vec<f32>)
where
    P: Pixel<Subpixel = u8> + 'static,
{
    let resized;
    let image = if image.dimensions() == (width, height) {
        image
    } else {
        resized = imageops::resize(image, width, height, FilterType::Triangle);
        &resized
    };
    let channels = usize::from(P::CHANNEL_COUNT);
    let raw = image.as_raw();
    for channel in 0..channels {
        out.extend(
            raw.iter()
                .skip(channel)
                .step_by(channels)
                .map(|&v| f32::from(v)),
        );
    }
}

impl Rows for ImageRows {
    fn count(&self) -> u64 {
        self.files.len() as u64
    }

    fn sample_shape(&self) -> &[usize] {
        &self.sample_shape
    }

    fn stored_as_u8(&self) -> bool {
        true
    }

    fn read(
        &self,
        rows: Range<u64>,
        inputs: &mut Vec<f32>,
        labels: &mut Vec<i64>,
    ) -> Result<(), DataError> {
        for (path, class) in &self.files[rows.start as usize..rows.end as usize] {
            self.decode(path, inputs)?;
            labels.push(i64::from(*class));
        }
        Ok(())
    }

    fn origin(&self) -> PathBuf {
        self.root.clone()
    }

    fn describe_sample(&self, index: u64) -> (PathBuf, String) {
        let (path, _) = &self.files[index as usize];
        let text = format!("sample {index} (`{}`)", relative(path, &self.root));
        (path.clone(), text)
    }

    fn hash(&self) -> Result<[u8; 32], DataError> {
        let parts: Vec<(String, Content)> = self
            .files
            .iter()
            .map(|(path, _)| {
                // The same name on every platform, so the hash is too.
                let name = relative(path, &self.root).replace('\\', "/");
                (name, Content::File(path.clone()))
            })
            .collect();
        hash_contents(parts.iter().map(|(name, content)| (name.as_str(), content)))
    }
}
