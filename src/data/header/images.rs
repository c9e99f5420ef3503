//! Image folders: one sub-folder per class, sorted by name (the class index is the position),
//! each holding PNG or JPEG files, in nested folders too. Files are counted, and only the first
//! image's header is read. Classes and images come in the order of torchvision's `ImageFolder`
//! (`find_classes` and `make_dataset` in `torchvision/datasets/folder.py`), so that a selection
//! (`offset`, `limit`) picks the same samples.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{io_problem, HeaderError, HeaderProblem};

/// File extensions counted as images (compared without case).
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg"];

/// One class sub-folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageClass {
    pub name: String,
    /// How many image files it holds.
    pub images: u64,
}

/// What an image folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFolder {
    /// The classes, sorted by name: the class index is the position.
    pub classes: Vec<ImageClass>,
    /// The first image (in class and file-name order) and its `(width, height)`.
    pub first_image: Option<(PathBuf, (u32, u32))>,
}

impl ImageFolder {
    /// Images in all classes.
    pub fn images(&self) -> u64 {
        self.classes.iter().map(|c| c.images).sum()
    }
}

/// One class sub-folder's name and image files, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassFiles {
    pub name: String,
    pub images: Vec<PathBuf>,
}

/// Lists the class folders under `path` (sorted by name: the class index is the position) and
/// the image files in each, without reading them.
pub fn list_image_classes(path: &Path) -> Result<Vec<ClassFiles>, HeaderError> {
    let error = |problem| HeaderError::new(path, problem);
    let invalid = |text: String| error(HeaderProblem::Invalid(text));
    let metadata = fs::metadata(path).map_err(|e| error(io_problem(&e)))?;
    if !metadata.is_dir() {
        return Err(invalid(
            "not a folder; `images` reads a folder with one sub-folder of images per class".into(),
        ));
    }
    let class_dirs: Vec<PathBuf> = sorted_entries(path)
        .map_err(|e| error(io_problem(&e)))?
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    if class_dirs.is_empty() {
        return Err(invalid(
            "the folder has no sub-folders; put each class's images in a sub-folder named after it"
                .into(),
        ));
    }
    class_dirs
        .into_iter()
        .map(|dir| {
            let name = dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let images = class_images(&dir)
                .map_err(|e| invalid(format!("cannot list the class folder `{name}`: {e}")))?;
            Ok(ClassFiles { name, images })
        })
        .collect()
}

/// What the image folder at `path`, whose classes `classes` lists, holds: its images counted
/// and the first image's size read.
pub fn describe_image_folder(
    path: &Path,
    classes: Vec<ClassFiles>,
) -> Result<ImageFolder, HeaderError> {
    let first_image = match classes.iter().find_map(|c| c.images.first()) {
        Some(image) => {
            let size = image::image_dimensions(image).map_err(|e| {
                HeaderError::new(
                    path,
                    HeaderProblem::Invalid(format!(
                        "cannot read the image `{}`: {e}",
                        relative(image, path)
                    )),
                )
            })?;
            Some((image.clone(), size))
        }
        None => None,
    };
    Ok(ImageFolder {
        classes: classes
            .into_iter()
            .map(|c| ImageClass {
                name: c.name,
                images: c.images.len() as u64,
            })
            .collect(),
        first_image,
    })
}

/// The image files under the class folder `dir`, its sub-folders included, in the order of
/// torchvision's `make_dataset` (`sorted(os.walk(dir))`, then each folder's files by name): by
/// folder path, then by file name. A folder reached again through a symbolic link is skipped.
fn class_images(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut folders = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    let mut walked = HashSet::new();
    while let Some(folder) = pending.pop() {
        if !walked.insert(fs::canonicalize(&folder)?) {
            continue;
        }
        let entries = sorted_entries(&folder)?;
        let images: Vec<PathBuf> = entries
            .iter()
            .filter(|p| p.is_file() && is_image(p))
            .cloned()
            .collect();
        pending.extend(entries.into_iter().filter(|p| p.is_dir()));
        folders.push((folder, images));
    }
    // Python sorts the paths as strings: by code point, which is UTF-8 byte order.
    folders.sort_by(|(a, _), (b, _)| a.as_os_str().cmp(b.as_os_str()));
    Ok(folders.into_iter().flat_map(|(_, images)| images).collect())
}

/// The entries of `dir`, sorted by name.
fn sorted_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    entries.sort();
    Ok(entries)
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// `cat/001.png` for an image under `root`.
pub(crate) fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_image_folder(path: &Path) -> Result<ImageFolder, HeaderError> {
        describe_image_folder(path, list_image_classes(path)?)
    }

    #[test]
    fn counts_images_per_class_and_reads_the_first_size() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for (class, files) in [("cat", 2), ("ant", 1)] {
            let class_dir = dir.path().join(class);
            fs::create_dir(&class_dir).expect("create a class folder");
            for i in 0..files {
                image::RgbImage::new(5, 3)
                    .save(class_dir.join(format!("{i}.png")))
                    .expect("write an image");
            }
        }
        fs::write(dir.path().join("cat/notes.txt"), "not an image").expect("write");
        fs::write(dir.path().join("README"), "not a class").expect("write");
        let folder = read_image_folder(dir.path()).expect("a valid folder");
        let names: Vec<(&str, u64)> = folder
            .classes
            .iter()
            .map(|c| (c.name.as_str(), c.images))
            .collect();
        assert_eq!(names, [("ant", 1), ("cat", 2)]);
        assert_eq!(folder.images(), 3);
        let (first, size) = folder.first_image.expect("an image");
        assert!(first.ends_with("ant/0.png"));
        assert_eq!(size, (5, 3));
    }

    #[test]
    fn nested_images_come_in_torchvision_order() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        // `sorted(os.walk(...))` orders folder paths as strings: "a b" < "a/x" < "a0".
        for name in [
            "cat/z.png",
            "cat/a/x/1.png",
            "cat/a b/2.png",
            "cat/a0/3.png",
            "cat/b.png",
        ] {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().expect("a folder")).expect("create");
            image::RgbImage::new(1, 1)
                .save(&path)
                .expect("write an image");
        }
        let classes = list_image_classes(dir.path()).expect("a valid folder");
        let images: Vec<String> = classes[0]
            .images
            .iter()
            .map(|p| relative(p, dir.path()).replace('\\', "/"))
            .collect();
        assert_eq!(
            images,
            [
                "cat/b.png",
                "cat/z.png",
                "cat/a b/2.png",
                "cat/a/x/1.png",
                "cat/a0/3.png"
            ]
        );
    }

    #[test]
    fn refuses_a_file_a_flat_folder_and_a_broken_image() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let error = read_image_folder(dir.path()).expect_err("no classes");
        assert!(error.to_string().contains("no sub-folders"), "{error}");
        fs::write(dir.path().join("x.png"), "x").expect("write");
        let error = read_image_folder(&dir.path().join("x.png")).expect_err("a file");
        assert!(error.to_string().contains("not a folder"), "{error}");
        fs::create_dir(dir.path().join("a")).expect("create");
        fs::write(dir.path().join("a/broken.png"), "not a png").expect("write");
        let error = read_image_folder(dir.path()).expect_err("broken image");
        assert!(error.to_string().contains("`a/broken.png`"), "{error}");
    }
}
