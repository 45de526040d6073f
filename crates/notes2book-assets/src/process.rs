//! Processing: every distinct image file is read, checked, decoded, oriented, downscaled and
//! re-encoded once, in parallel, into a variant per backend.
//!
//! - EPUB: JPEG or PNG only (Kindle shows no WebP), long side at most `epub_max_px`;
//!   photos as JPEG (quality `jpeg_quality`), line art and images with transparency as PNG.
//!   SVG is kept as SVG once checked to be well-formed and free of scripts and external
//!   references.
//! - PDF: downscaled only where it has more than 300 dpi at the text width
//!   (`pdf_max_px`); a JPEG that needs no change is passed through byte for byte; SVG is
//!   rasterised with resvg (text in SVG is not drawn: it is reported).
//!
//! Limits are checked before decoding: file size, width and height, pixel count, decoder
//! memory. Metadata (EXIF, XMP, comments) never reaches the EPUB: images are re-encoded or,
//! for JPEGs passed through, stripped of those segments.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use notes2book_model::vfs::Vfs;
use notes2book_model::{AssetId, Book, Diagnostic, Span};
use rayon::prelude::*;

use crate::{jpeg, svg};

/// Options for preparing images; the defaults are what a demanding reader would expect.
#[derive(Debug, Clone)]
pub struct ProcessOptions {
    /// Prepare EPUB variants.
    pub epub: bool,
    /// Prepare PDF variants.
    pub pdf: bool,
    /// Longest side of an EPUB image, in pixels (default 1600).
    pub epub_max_px: u32,
    /// Widest a PDF image needs to be: the text width at 300 dpi (default 1950, A4 with
    /// 25 mm margins).
    pub pdf_max_px: u32,
    /// JPEG quality for photos (default 85).
    pub jpeg_quality: u8,
    pub limits: ImageLimits,
    /// A folder where prepared images are kept between runs (`None`: no cache).
    pub cache: Option<std::path::PathBuf>,
}

/// Limits against hostile files, all checked before decoding.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    /// Largest file read (default 64 MiB).
    pub max_file_bytes: u64,
    /// Largest width or height (default 20,000 px).
    pub max_side: u32,
    /// Largest pixel count (default 50 megapixels).
    pub max_pixels: u64,
    /// Most memory one decoder may allocate (default 512 MiB).
    pub max_decoder_bytes: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_file_bytes: 64 * 1024 * 1024,
            max_side: 20_000,
            max_pixels: 50_000_000,
            max_decoder_bytes: 512 * 1024 * 1024,
        }
    }
}

impl Default for ProcessOptions {
    fn default() -> Self {
        ProcessOptions {
            epub: true,
            pdf: true,
            epub_max_px: 1600,
            pdf_max_px: 1950,
            jpeg_quality: 85,
            limits: ImageLimits::default(),
            cache: None,
        }
    }
}

/// One encoded image, ready to be written into a book.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
    /// The source file's bytes, unchanged.
    pub passthrough: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Photo,
    LineArt,
    Svg,
}

/// A prepared image file.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub id: AssetId,
    /// Stable name from the content hash, e.g. `img-3fa2c1d0e9b8`.
    pub name: String,
    pub kind: ImageKind,
    /// Size after orientation (for SVG, its declared size).
    pub width: u32,
    pub height: u32,
    pub epub: Option<Encoded>,
    pub pdf: Option<Encoded>,
}

/// The prepared images of a book, by [`AssetId`]. `None` where a file failed (a diagnostic
/// says why); the backends then draw the placeholder.
#[derive(Debug, Default)]
pub struct Assets {
    pub items: Vec<Option<Prepared>>,
    /// How many came from the cache.
    pub cached: usize,
}

impl Assets {
    pub fn get(&self, id: AssetId) -> Option<&Prepared> {
        self.items.get(id.0 as usize).and_then(Option::as_ref)
    }
}

/// Prepare every asset of the book, in parallel; results and diagnostics come back in
/// asset order whatever the scheduling.
pub fn prepare(
    book: &Book,
    vfs: &dyn Vfs,
    root: &std::path::Path,
    opts: &ProcessOptions,
) -> (Assets, Vec<Diagnostic>) {
    prepare_with_progress(book, vfs, root, opts, &|| {})
}

/// [`prepare`], calling `done` once for each file as soon as it is finished (from the
/// worker threads, in any order), so that the caller can show progress.
pub fn prepare_with_progress(
    book: &Book,
    vfs: &dyn Vfs,
    root: &std::path::Path,
    opts: &ProcessOptions,
    done: &(dyn Fn() + Sync),
) -> (Assets, Vec<Diagnostic>) {
    // Diagnostics point at the first reference to each file.
    let mut first_use: Vec<Option<Span>> = vec![None; book.assets.len()];
    for u in &book.images {
        if let Some(a) = u.asset
            && let Some(slot) = first_use.get_mut(a.0 as usize)
            && slot.is_none()
        {
            *slot = u.span;
        }
    }
    let results: Vec<(Option<Prepared>, Vec<Diagnostic>, bool)> = book
        .assets
        .par_iter()
        .map(|a| {
            let span = first_use.get(a.id.0 as usize).copied().flatten();
            let name = a.path.display().to_string();
            let outcome = vfs
                .read(&root.join(&a.path), opts.limits.max_file_bytes)
                .map_err(|e| read_error(&name, e))
                .and_then(|bytes| prepare_cached(a.id, &name, &a.path, &bytes, opts));
            done();
            match outcome {
                Ok(((p, warnings), hit)) => (
                    Some(p),
                    warnings.into_iter().map(|d| d.at_opt(span)).collect(),
                    hit,
                ),
                Err(d) => (None, vec![d.at_opt(span)], false),
            }
        })
        .collect();
    let mut assets = Assets::default();
    let mut diags = Vec::new();
    for (p, d, hit) in results {
        assets.items.push(p);
        assets.cached += usize::from(hit);
        diags.extend(d);
    }
    (assets, diags)
}

/// [`prepare_one`] through the cache of `opts.cache`: an image prepared before with the
/// same bytes and options is read back (`true`); one that needed work and prepared
/// without a warning is stored.
fn prepare_cached(
    id: AssetId,
    name: &str,
    path: &std::path::Path,
    bytes: &[u8],
    opts: &ProcessOptions,
) -> Result<((Prepared, Vec<Diagnostic>), bool), Diagnostic> {
    // The bytes are hashed once, for the asset's name and the cache's key.
    let hash = blake3::hash(bytes);
    let Some(dir) = &opts.cache else {
        return prepare_hashed(id, (name, path), bytes, &hash, opts).map(|o| (o, false));
    };
    let entry = crate::cache::entry(dir, &hash, opts);
    if let Some(c) = crate::cache::read(&entry) {
        let p = Prepared {
            id,
            name: asset_name(&hash),
            kind: c.kind,
            width: c.width,
            height: c.height,
            epub: c.epub,
            pdf: c.pdf,
        };
        return Ok(((p, Vec::new()), true));
    }
    let (p, warnings) = prepare_hashed(id, (name, path), bytes, &hash, opts)?;
    let worked = [&p.epub, &p.pdf]
        .into_iter()
        .flatten()
        .any(|e| !e.passthrough && e.bytes.as_slice() != bytes);
    if worked && warnings.is_empty() {
        crate::cache::write(
            &entry,
            &crate::cache::Cached {
                kind: p.kind,
                width: p.width,
                height: p.height,
                epub: p.epub.clone(),
                pdf: p.pdf.clone(),
            },
        );
    }
    Ok(((p, warnings), false))
}

/// The asset's stable name, from the hash of its bytes: `img-3fa2c1d0e9b8`.
fn asset_name(hash: &blake3::Hash) -> String {
    let hex: String = hash.as_bytes()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("img-{hex}")
}

fn read_error(name: &str, e: std::io::Error) -> Diagnostic {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        Diagnostic::error(
            "image-file-too-large",
            format!("{name} is larger than the limit for image files; it is left out"),
        )
        .hint("save a smaller version of the image")
    } else {
        Diagnostic::error("image-unreadable", format!("cannot read {name}: {e}"))
            .hint("check the file's permissions")
    }
}

pub(crate) type Outcome = Result<(Prepared, Vec<Diagnostic>), Diagnostic>;

/// Prepare one file (pure: bytes in, variants out).
pub fn prepare_one(
    id: AssetId,
    name: &str,
    path: &std::path::Path,
    bytes: &[u8],
    opts: &ProcessOptions,
) -> Outcome {
    prepare_hashed(id, (name, path), bytes, &blake3::hash(bytes), opts)
}

/// [`prepare_one`], the bytes' hash given.
fn prepare_hashed(
    id: AssetId,
    (name, path): (&str, &std::path::Path),
    bytes: &[u8],
    hash: &blake3::Hash,
    opts: &ProcessOptions,
) -> Outcome {
    if bytes.is_empty() {
        return Err(Diagnostic::error(
            "image-empty-file",
            format!("{name} is an empty file (0 bytes)"),
        )
        .hint("replace it with the real image"));
    }
    let asset_name = asset_name(hash);
    let is_svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
        || svg::looks_like_svg(bytes);
    if is_svg {
        return svg::prepare(id, name, asset_name, bytes, opts);
    }
    raster(id, name, asset_name, bytes, opts)
}

fn raster(
    id: AssetId,
    name: &str,
    asset_name: String,
    bytes: &[u8],
    opts: &ProcessOptions,
) -> Outcome {
    let corrupt = |e: &dyn std::fmt::Display| {
        Diagnostic::error("image-corrupt", format!("{name} cannot be decoded: {e}"))
            .hint("open and re-save the image, or replace it")
    };
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| corrupt(&e))?;
    let Some(format) = reader.format() else {
        return Err(Diagnostic::error(
            "image-format",
            format!("{name} is not an image format notes2book reads"),
        )
        .hint("use JPEG, PNG, GIF, WebP, BMP, TIFF or SVG"));
    };
    if format == ImageFormat::Jpeg && jpeg::is_truncated(bytes) {
        return Err(corrupt(
            &"the file ends before the image does (it is truncated)",
        ));
    }
    let mut reader = reader;
    let l = opts.limits;
    let mut limits = Limits::default();
    limits.max_image_width = Some(l.max_side);
    limits.max_image_height = Some(l.max_side);
    limits.max_alloc = Some(l.max_decoder_bytes);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| too_large_or_corrupt(name, &e, l))?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(corrupt(&"it has no pixels"));
    }
    if u64::from(w) * u64::from(h) > l.max_pixels {
        return Err(bomb(name, w, h, l));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let upright = orientation == image::metadata::Orientation::NoTransforms;
    // Both books take the image at its size: nothing needs scaling.
    let fits = (!opts.epub || w.max(h) <= opts.epub_max_px) && (!opts.pdf || w <= opts.pdf_max_px);
    if format == ImageFormat::Jpeg && upright && fits {
        // A JPEG both books take as it is is not decoded (that was most of the time spent
        // on a book of photos): its headers parsed above and its end marker is there.
        return Ok((
            Prepared {
                id,
                name: asset_name,
                kind: ImageKind::Photo,
                width: w,
                height: h,
                epub: opts.epub.then(|| jpeg_as_is(bytes, w, h, false)),
                pdf: opts.pdf.then(|| jpeg_as_is(bytes, w, h, true)),
            },
            Vec::new(),
        ));
    }
    if format == ImageFormat::Png
        && upright
        && fits
        && bytes.len() as f64 * 8.0 <= LINE_ART_BITS_PER_PIXEL * f64::from(w) * f64::from(h)
        && crate::png::is_intact(bytes)
        && let Some(stripped) = crate::png::strip_metadata(bytes)
    {
        // A PNG that compresses this well is a diagram or a flat image: it would stay a PNG
        // anyway, so it is passed through, checked by its chunk CRCs instead of decoded.
        let as_is = |bytes: Vec<u8>, passthrough| Encoded {
            bytes,
            media_type: "image/png",
            extension: "png",
            width: w,
            height: h,
            passthrough,
        };
        return Ok((
            Prepared {
                id,
                name: asset_name,
                kind: ImageKind::LineArt,
                width: w,
                height: h,
                epub: opts.epub.then(|| as_is(stripped, false)),
                pdf: opts.pdf.then(|| as_is(bytes.to_vec(), true)),
            },
            Vec::new(),
        ));
    }
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| too_large_or_corrupt(name, &e, l))?;
    let oriented = !upright;
    img.apply_orientation(orientation);
    let kind = classify(format, &img);
    let (width, height) = (img.width(), img.height());
    let mut warnings = Vec::new();
    let epub = if opts.epub {
        Some(encode_variant(
            &img,
            bytes,
            format,
            kind,
            oriented,
            opts.epub_max_px,
            false,
            opts.jpeg_quality,
            name,
        )?)
    } else {
        None
    };
    let pdf = if opts.pdf {
        // Fit the text width at 300 dpi; never upscale.
        Some(encode_variant(
            &img,
            bytes,
            format,
            kind,
            oriented,
            opts.pdf_max_px,
            true,
            92,
            name,
        )?)
    } else {
        None
    };
    if format == ImageFormat::Gif {
        warnings.push(
            Diagnostic::note(
                "image-gif-still",
                format!("{name} is a GIF; books show its first frame only"),
            )
            .hint("use a PNG for still images"),
        );
    }
    Ok((
        Prepared {
            id,
            name: asset_name,
            kind,
            width,
            height,
            epub,
            pdf,
        },
        warnings,
    ))
}

fn bomb(name: &str, w: u32, h: u32, l: ImageLimits) -> Diagnostic {
    Diagnostic::error(
        "image-too-large",
        format!("{name} claims {w}×{h} pixels, more than the limit ({} megapixels, {} px a side); it is not decoded", l.max_pixels / 1_000_000, l.max_side),
    )
    .hint("scale the image down before adding it to the book")
}

fn too_large_or_corrupt(name: &str, e: &image::ImageError, l: ImageLimits) -> Diagnostic {
    match e {
        image::ImageError::Limits(_) => Diagnostic::error(
            "image-too-large",
            format!(
                "{name} is larger than the image limits ({} megapixels, {} px a side): {e}",
                l.max_pixels / 1_000_000,
                l.max_side
            ),
        )
        .hint("scale the image down before adding it to the book"),
        _ => Diagnostic::error("image-corrupt", format!("{name} cannot be decoded: {e}"))
            .hint("open and re-save the image, or replace it"),
    }
}

/// A PNG of at most this many bits a pixel is taken as line art without decoding it (a
/// photo saved as PNG takes 8 or more; diagrams well under 1).
const LINE_ART_BITS_PER_PIXEL: f64 = 2.0;

/// Photos become JPEG; line art and anything with transparency stays lossless.
fn classify(format: ImageFormat, img: &DynamicImage) -> ImageKind {
    if has_transparency(img) {
        return ImageKind::LineArt;
    }
    if format == ImageFormat::Jpeg {
        return ImageKind::Photo;
    }
    if few_colours(img) {
        ImageKind::LineArt
    } else {
        ImageKind::Photo
    }
}

fn has_transparency(img: &DynamicImage) -> bool {
    use image::GenericImageView;
    if !img.color().has_alpha() {
        return false;
    }
    match img {
        DynamicImage::ImageRgba8(i) => i.pixels().any(|p| p[3] < 255),
        DynamicImage::ImageLumaA8(i) => i.pixels().any(|p| p[1] < 255),
        other => other.pixels().any(|(_, _, p)| p[3] < 255),
    }
}

/// Few distinct colours on a grid of about 200 × 200 sample points: a diagram, not a photo.
/// Anti-aliased line art has some hundreds of shades at its edges; a photo has thousands.
fn few_colours(img: &DynamicImage) -> bool {
    use image::GenericImageView;
    // Pixels are read where sampled, not converted as a whole first.
    let (w, h) = img.dimensions();
    let (sx, sy) = ((w / 200).max(1), (h / 200).max(1));
    let mut seen = std::collections::BTreeSet::new();
    for y in (0..h).step_by(sy as usize) {
        for x in (0..w).step_by(sx as usize) {
            let p = img.get_pixel(x, y);
            seen.insert([p[0], p[1], p[2]]);
            if seen.len() > 1024 {
                return false;
            }
        }
    }
    true
}

#[allow(clippy::too_many_arguments)]
fn encode_variant(
    img: &DynamicImage,
    source: &[u8],
    format: ImageFormat,
    kind: ImageKind,
    oriented: bool,
    max_px: u32,
    by_width: bool,
    quality: u8,
    name: &str,
) -> Result<Encoded, Diagnostic> {
    let (w, h) = (img.width(), img.height());
    let side = if by_width { w } else { w.max(h) };
    let needs_resize = side > max_px;
    if !needs_resize && !oriented && format == ImageFormat::Jpeg && kind == ImageKind::Photo {
        return Ok(jpeg_as_is(source, w, h, by_width));
    }
    if !needs_resize
        && !oriented
        && format == ImageFormat::Png
        && kind == ImageKind::LineArt
        && let Some(bytes) = crate::png::strip_metadata(source)
    {
        // A PNG diagram that fits is kept as it is (less its metadata): re-encoding it was
        // a fifth of an EPUB build, and the PDF takes its compressed data directly.
        return Ok(Encoded {
            bytes,
            media_type: "image/png",
            extension: "png",
            width: w,
            height: h,
            passthrough: false,
        });
    }
    let resized;
    let img = if needs_resize {
        let scale = f64::from(max_px) / f64::from(side);
        let nw = ((f64::from(w) * scale).round() as u32).max(1);
        let nh = ((f64::from(h) * scale).round() as u32).max(1);
        resized = resize(img, nw, nh).map_err(|e| {
            Diagnostic::error("image-resize", format!("{name} could not be scaled: {e}"))
        })?;
        &resized
    } else {
        img
    };
    let mut out = Vec::new();
    let (media_type, extension) = match kind {
        ImageKind::Photo => {
            let rgb = img.to_rgb8();
            let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
            rgb.write_with_encoder(enc)
                .map_err(|e| encode_error(name, &e))?;
            ("image/jpeg", "jpg")
        }
        _ => {
            let enc = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Default,
                image::codecs::png::FilterType::Adaptive,
            );
            if has_transparency(img) {
                img.to_rgba8()
                    .write_with_encoder(enc)
                    .map_err(|e| encode_error(name, &e))?;
            } else {
                img.to_rgb8()
                    .write_with_encoder(enc)
                    .map_err(|e| encode_error(name, &e))?;
            }
            ("image/png", "png")
        }
    };
    Ok(Encoded {
        bytes: out,
        media_type,
        extension,
        width: img.width(),
        height: img.height(),
        passthrough: false,
    })
}

/// A JPEG passed through: unchanged for the PDF (`for_pdf`), stripped of metadata for the
/// EPUB.
fn jpeg_as_is(source: &[u8], width: u32, height: u32, for_pdf: bool) -> Encoded {
    let bytes = if for_pdf {
        source.to_vec()
    } else {
        jpeg::strip_metadata(source)
    };
    Encoded {
        bytes,
        media_type: "image/jpeg",
        extension: "jpg",
        width,
        height,
        passthrough: for_pdf,
    }
}

fn encode_error(name: &str, e: &image::ImageError) -> Diagnostic {
    Diagnostic::error("image-encode", format!("{name} could not be encoded: {e}"))
}

fn resize(img: &DynamicImage, w: u32, h: u32) -> Result<DynamicImage, String> {
    use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
    // fast_image_resize works on 8-bit RGB(A) and luma; convert anything else first.
    let src = match img {
        DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_)
        | DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_) => img.clone(),
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    let mut dst = DynamicImage::new(w, h, src.color());
    let mut resizer = Resizer::new();
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer
        .resize(&src, &mut dst, &options)
        .map_err(|e| e.to_string())?;
    Ok(dst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn opts() -> ProcessOptions {
        ProcessOptions::default()
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 251) as u8])
        });
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        img.write_with_encoder(enc).expect("encode jpeg");
        out
    }

    fn png_diagram(w: u32, h: u32, alpha: bool) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| {
            let ink = x % 50 == 0 || y % 50 == 0;
            let a = if alpha && x < 5 { 0 } else { 255 };
            if ink {
                image::Rgba([20, 20, 20, a])
            } else {
                image::Rgba([255, 255, 255, a])
            }
        });
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encode png");
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// Insert an EXIF APP1 segment with the given orientation after SOI.
    fn with_orientation(jpeg: &[u8], o: u16) -> Vec<u8> {
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&0x0112u16.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&o.to_le_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn run(name: &str, bytes: &[u8]) -> Outcome {
        prepare_one(AssetId(0), name, Path::new(name), bytes, &opts())
    }

    fn code(o: Outcome) -> &'static str {
        match o {
            Ok(_) => "ok",
            Err(d) => d.code,
        }
    }

    #[test]
    fn progress_callback_runs_once_per_file_and_results_stay_in_order() {
        use notes2book_model::AssetFile;
        use notes2book_model::vfs::MemFs;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let mut fs = MemFs::new();
        fs.insert("b/a.jpg", jpeg(40, 30));
        fs.insert("b/empty.png", "");
        let book = Book {
            assets: ["a.jpg", "empty.png", "missing.png"]
                .iter()
                .enumerate()
                .map(|(i, p)| AssetFile {
                    id: AssetId(i as u32),
                    path: p.into(),
                })
                .collect(),
            ..Book::default()
        };
        let calls = AtomicUsize::new(0);
        let (assets, diags) = prepare_with_progress(&book, &fs, Path::new("b"), &opts(), &|| {
            calls.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(
            calls.load(Ordering::Relaxed),
            3,
            "one call per file, failed ones too"
        );
        let ok: Vec<bool> = assets.items.iter().map(Option::is_some).collect();
        assert_eq!(ok, [true, false, false]);
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["image-empty-file", "image-unreadable"]);
    }

    #[test]
    fn photo_within_limits_passes_through() {
        let src = jpeg(800, 600);
        let Ok((p, w)) = run("a.jpg", &src) else {
            panic!("not prepared")
        };
        assert!(w.is_empty());
        assert_eq!(p.kind, ImageKind::Photo);
        let pdf = p.pdf.expect("pdf variant");
        assert!(
            pdf.passthrough && pdf.bytes == src,
            "PDF gets the JPEG unchanged"
        );
        let epub = p.epub.expect("epub variant");
        assert_eq!(
            (epub.media_type, epub.width, epub.height),
            ("image/jpeg", 800, 600)
        );
        assert!(p.name.starts_with("img-") && p.name.len() == 16);
    }

    #[test]
    fn large_photo_is_downscaled_for_each_backend() {
        let Ok((p, _)) = run("big.jpg", &jpeg(4000, 3000)) else {
            panic!()
        };
        let epub = p.epub.expect("epub");
        assert_eq!((epub.width, epub.height), (1600, 1200));
        let pdf = p.pdf.expect("pdf");
        assert_eq!(
            (pdf.width, pdf.height, pdf.passthrough),
            (1950, 1463, false)
        );
        let decoded = image::load_from_memory(&epub.bytes).expect("valid jpeg");
        assert_eq!(decoded.width(), 1600);
    }

    #[test]
    fn exif_orientation_is_applied_and_stripped() {
        let src = with_orientation(&jpeg(40, 20), 6);
        let Ok((p, _)) = run("rot.jpg", &src) else {
            panic!()
        };
        assert_eq!((p.width, p.height), (20, 40), "rotated a quarter turn");
        let epub = p.epub.expect("epub");
        assert!(
            !epub.bytes.windows(4).any(|w| w == b"Exif"),
            "metadata stripped"
        );
        let plain = with_orientation(&jpeg(40, 20), 1);
        let Ok((p, _)) = run("plain.jpg", &plain) else {
            panic!()
        };
        assert!(!p.epub.expect("epub").bytes.windows(4).any(|w| w == b"Exif"));
    }

    #[test]
    fn line_art_and_transparency_stay_png() {
        let Ok((p, _)) = run("d.png", &png_diagram(300, 200, false)) else {
            panic!()
        };
        assert_eq!(p.kind, ImageKind::LineArt);
        assert_eq!(p.epub.expect("epub").media_type, "image/png");
        let Ok((p, _)) = run("t.png", &png_diagram(300, 200, true)) else {
            panic!()
        };
        let e = p.epub.expect("epub");
        let back = image::load_from_memory(&e.bytes).expect("png");
        assert!(back.color().has_alpha(), "alpha kept");
    }

    #[test]
    fn hostile_files_are_errors() {
        assert_eq!(code(run("z.png", b"")), "image-empty-file");
        let full = jpeg(300, 300);
        assert_eq!(code(run("t.jpg", &full[..full.len() / 2])), "image-corrupt");
        let png = png_diagram(300, 300, false);
        assert_eq!(code(run("t.png", &png[..png.len() / 2])), "image-corrupt");
        assert_eq!(
            code(run("x.png", b"\x89PNG\r\n\x1a\nnot really")),
            "image-corrupt"
        );
        assert_eq!(
            code(run("x.bin", b"hello world, not an image")),
            "image-format"
        );
        // A PNG header claiming 100,000 × 100,000 pixels.
        let mut bomb = png_diagram(1, 1, false);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(code(run("bomb.png", &bomb)), "image-too-large");
    }

    #[test]
    fn svg_checked_kept_and_rasterised() {
        let ok = br##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#c00"/><use href="#r"/></svg>"##;
        let Ok((p, w)) = run("ok.svg", ok) else {
            panic!()
        };
        assert!(w.is_empty());
        assert_eq!(p.epub.as_ref().map(|e| e.media_type), Some("image/svg+xml"));
        let pdf = p.pdf.expect("raster");
        assert_eq!(
            (pdf.media_type, pdf.width, pdf.height),
            ("image/png", 800, 400)
        );
        let script = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(code(run("s.svg", script)), "svg-unsafe");
        let handler = br#"<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="x()"/></svg>"#;
        assert_eq!(code(run("h.svg", handler)), "svg-unsafe");
        let external = br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="http://evil.example/x.png"/></svg>"#;
        assert_eq!(code(run("e.svg", external)), "svg-unsafe");
        assert_eq!(code(run("broken.svg", b"<svg><g></svg>")), "svg-unsafe");
        // Text is drawn with the bundled fonts, whatever family the drawing names.
        let text = br#"<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text x="2" y="16" font-family="Times,serif" font-size="16">Hi</text></svg>"#;
        let Ok((p, w)) = run("t.svg", text) else {
            panic!()
        };
        assert!(w.is_empty(), "{w:?}");
        let png = image::load_from_memory(&p.pdf.expect("raster").bytes).expect("png");
        let inked = png
            .to_rgba8()
            .pixels()
            .filter(|px| px.0[3] > 128 && px.0[0] < 100)
            .count();
        assert!(inked > 50, "the text is drawn: {inked} dark pixels");
    }

    #[test]
    fn svg_doctype_without_subset_is_dropped_and_entities_refused() {
        // What Graphviz writes: a public DOCTYPE (the `>` inside the quoted id is not its end).
        let graphviz = br#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
 "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- Generated by graphviz -->
<svg xmlns="http://www.w3.org/2000/svg" width="80pt" height="40pt"><title>a&gt;b</title><g><ellipse cx="20" cy="20" rx="18" ry="18" fill="none" stroke="black"/></g></svg>
"#;
        let Ok((p, _)) = run("dot.svg", graphviz) else {
            panic!("the Graphviz SVG was refused")
        };
        let epub = String::from_utf8(p.epub.expect("svg").bytes).expect("utf-8");
        assert!(!epub.contains("DOCTYPE"), "{epub}");
        assert!(epub.starts_with("<?xml") && epub.contains("<!-- Generated by graphviz -->\n<svg"));
        assert!(p.pdf.is_some());
        let quoted =
            br#"<!DOCTYPE svg SYSTEM 'a[b].dtd'><svg xmlns="http://www.w3.org/2000/svg"/>"#;
        assert!(run("q.svg", quoted).is_ok());
        let entities = br#"<?xml version="1.0"?>
<!DOCTYPE svg [ <!ENTITY a "aaaaaaaaaa"> <!ENTITY b "&a;&a;&a;&a;&a;"> ]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>"#;
        assert_eq!(code(run("lol.svg", entities)), "svg-unsafe");
        let external = br#"<!DOCTYPE svg [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>"#;
        assert_eq!(code(run("xxe.svg", external)), "svg-unsafe");
        let link = br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="https://example.org/"><rect width="5" height="5"/></a></svg>"#;
        assert!(
            run("a.svg", link).is_ok(),
            "a web link in an SVG loads nothing"
        );
        let local = br#"<svg xmlns="http://www.w3.org/2000/svg"><a href="file:///etc/passwd"><rect/></a></svg>"#;
        assert_eq!(code(run("f.svg", local)), "svg-unsafe");
        let unclosed = br#"<!DOCTYPE svg PUBLIC "x" "#;
        assert_eq!(code(run("u.svg", unclosed)), "svg-unsafe");
    }
}
