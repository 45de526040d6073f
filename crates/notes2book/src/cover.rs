//! A book without `cover:` gets one made: set by the engine on the design `cover:` names
//! (`{design: band, colour: "#7a1f1f"}`), drawn as a 1600 × 2560 JPEG (what Kindle and
//! Kobo recommend), and added to the book as its cover image, declared as a given one is.

use notes2book_assets::{Assets, Encoded, ImageKind, Prepared};
use notes2book_model::{
    AssetFile, AssetId, Book, Diagnostic, ImageId, ImageStatus, ImageSyntax, ImageUse,
};
use notes2book_typeset::cover::{self, COVER_SIZE, DEFAULT_COLOUR, Design};
use notes2book_typeset::frame::Color;

use crate::config::CoverConfig;
use crate::project::Project;

/// Pixels a point: 400 × 640 points → 1600 × 2560 pixels.
const SCALE: f32 = 4.0;

/// The cover made, and what making it had to say.
pub struct Made {
    jpeg: Option<Vec<u8>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Make the cover when the book has none and the config does not say `cover: false`
/// (the book is only read: this runs beside the PDF's layout).
pub fn make(
    book: &Book,
    config: Option<&CoverConfig>,
    layout: &notes2book_typeset::Options,
    cache: Option<&std::path::Path>,
) -> Made {
    let mut diagnostics = Vec::new();
    if book.metadata.cover.is_some() {
        return Made {
            jpeg: None,
            diagnostics,
        };
    }
    let (design, colour) = match config {
        Some(CoverConfig::Image(_)) | Some(CoverConfig::Enabled(false)) => {
            return Made {
                jpeg: None,
                diagnostics,
            };
        }
        Some(CoverConfig::Generated(g)) => (g.design.clone(), g.colour.clone()),
        Some(CoverConfig::Enabled(true)) | None => (None, None),
    };
    let design = match design.as_deref().map(|d| (d, Design::from_name(d))) {
        None => Design::default(),
        Some((_, Some(d))) => d,
        Some((name, None)) => {
            diagnostics.push(
                Diagnostic::warning(
                    "cover-design",
                    format!("no cover design is called `{name}`; classic is used"),
                )
                .hint("cover.design is classic, band or minimal"),
            );
            Design::default()
        }
    };
    let colour = match colour.as_deref().map(|c| (c, parse_colour(c))) {
        None => DEFAULT_COLOUR,
        Some((_, Some(c))) => c,
        Some((text, None)) => {
            diagnostics.push(
                Diagnostic::warning("cover-colour", format!("`{text}` is not a colour"))
                    .hint("write it as #rrggbb, e.g. \"#1c335c\""),
            );
            DEFAULT_COLOUR
        }
    };
    // What the cover is made from; the same, read back from the cache.
    let m = &book.metadata;
    let key = format!(
        "{:?} {:?} {:?} {:?} {design:?} {colour:?} {:?} {:?} {:?}",
        m.title,
        m.subtitle,
        m.authors,
        m.language,
        layout.families,
        layout.fallback_fonts,
        layout.discovery
    );
    let jpeg = notes2book_assets::cached_blob(cache, "covers", key.as_bytes(), || {
        let (fonts, frame) = cover::cover(book, layout, design, colour);
        match notes2book_raster::jpeg(&frame, &fonts, SCALE, 90) {
            Ok(b) => Some(b),
            Err(e) => {
                diagnostics.push(Diagnostic::warning(
                    "cover-failed",
                    format!("no cover was made: {e}"),
                ));
                None
            }
        }
    });
    Made { jpeg, diagnostics }
}

/// Add the cover made (if one was) to the book, as its cover image.
pub fn add_made(project: &mut Project, assets: &mut Assets, made: Made) {
    project.parsed.diagnostics.extend(made.diagnostics);
    if let Some(bytes) = made.jpeg {
        add(project, assets, bytes);
    }
}

/// Make the cover and add it.
pub fn add_generated(
    project: &mut Project,
    assets: &mut Assets,
    layout: &notes2book_typeset::Options,
) {
    let made = make(
        &project.parsed.book,
        project.config.cover.as_ref(),
        layout,
        project.cache_dir.as_deref(),
    );
    add_made(project, assets, made);
}

/// The cover's JPEG as an image of the book, its cover.
fn add(project: &mut Project, assets: &mut Assets, bytes: Vec<u8>) {
    let book = &mut project.parsed.book;
    let (w, h) = (
        (COVER_SIZE.0 * SCALE).round() as u32,
        (COVER_SIZE.1 * SCALE).round() as u32,
    );
    let asset = AssetId(book.assets.len() as u32);
    book.assets.push(AssetFile {
        id: asset,
        path: "cover.jpg".into(),
    });
    let image = ImageId(book.images.len() as u32);
    book.images.push(ImageUse {
        src: "cover.jpg".into(),
        syntax: ImageSyntax::Cover,
        note_dir: Default::default(),
        in_bundle: false,
        span: None,
        asset: Some(asset),
        status: ImageStatus::Found,
    });
    book.metadata.cover = Some(image);
    let encoded = Encoded {
        bytes,
        media_type: "image/jpeg",
        extension: "jpg",
        width: w,
        height: h,
        passthrough: false,
    };
    while assets.items.len() < asset.0 as usize {
        assets.items.push(None);
    }
    assets.items.push(Some(Prepared {
        id: asset,
        name: "cover".into(),
        kind: ImageKind::Photo,
        width: w,
        height: h,
        epub: Some(encoded.clone()),
        pdf: Some(encoded),
    }));
}

/// `#rrggbb` or `#rgb`.
fn parse_colour(text: &str) -> Option<Color> {
    let hex = text.trim().strip_prefix('#')?;
    let digits: Vec<u8> = match hex.len() {
        6 => (0..3)
            .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<_>>()?,
        3 => hex
            .chars()
            .map(|c| c.to_digit(16).map(|d| (d * 17) as u8))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    let f = |v: u8| f32::from(v) / 255.0;
    Some(Color(f(digits[0]), f(digits[1]), f(digits[2])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_read() {
        assert_eq!(parse_colour("#ff0000"), Some(Color(1.0, 0.0, 0.0)));
        assert_eq!(parse_colour("#0f0"), Some(Color(0.0, 1.0, 0.0)));
        assert_eq!(parse_colour("red"), None);
        assert_eq!(parse_colour("#12345"), None);
    }
}
