//! `notes2book check --store kindle|kobo|apple|kdp`: the rules the stores publish that can
//! be checked offline, run on the EPUB as it would be written. Each broken rule is a
//! warning with a `store-…` code (so `--strict` fails CI on it), naming the rule's source.

use std::io::Read;

use notes2book_model::{Book, Diagnostic};

/// A store whose published rules are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Store {
    /// Send to Kindle (what readers use to sideload).
    Kindle,
    /// Kobo Writing Life.
    Kobo,
    /// Apple Books.
    Apple,
    /// Kindle Direct Publishing.
    Kdp,
}

/// What each store asks for.
struct Rules {
    name: &'static str,
    /// Largest EPUB, in bytes, and where the limit is published.
    max_bytes: (u64, &'static str),
    /// Image formats the store's readers show (by extension).
    formats: &'static [&'static str],
    /// Most pixels in one image.
    max_pixels: Option<u64>,
    /// The cover: least width and height in pixels, and the height : width ratio wanted
    /// (with its tolerance).
    cover_min: (u32, u32),
    cover_ratio: Option<(f64, f64)>,
    /// KDP's metadata limits: title with subtitle, description.
    metadata_limits: bool,
}

const MB: u64 = 1024 * 1024;

fn rules(store: Store) -> Rules {
    match store {
        Store::Kindle => Rules {
            name: "Kindle",
            max_bytes: (50 * MB, "Send to Kindle by e-mail takes up to 50 MB"),
            formats: &["jpg", "jpeg", "png", "gif"],
            max_pixels: None,
            cover_min: (625, 1000),
            cover_ratio: Some((1.6, 0.1)),
            metadata_limits: false,
        },
        Store::Kdp => Rules {
            name: "KDP",
            max_bytes: (650 * MB, "KDP takes e-book files up to 650 MB"),
            formats: &["jpg", "jpeg", "png", "gif"],
            max_pixels: None,
            cover_min: (625, 1000),
            cover_ratio: Some((1.6, 0.1)),
            metadata_limits: true,
        },
        Store::Kobo => Rules {
            name: "Kobo",
            max_bytes: (200 * MB, "Kobo Writing Life takes files up to 200 MB"),
            formats: &["jpg", "jpeg", "png", "gif", "svg"],
            max_pixels: Some(3_200_000),
            cover_min: (1400, 1400),
            cover_ratio: None,
            metadata_limits: false,
        },
        Store::Apple => Rules {
            name: "Apple Books",
            max_bytes: (2048 * MB, "Apple Books takes EPUBs up to 2 GB"),
            formats: &["jpg", "jpeg", "png", "gif", "svg"],
            max_pixels: Some(5_600_000),
            cover_min: (1400, 1400),
            cover_ratio: None,
            metadata_limits: false,
        },
    }
}

/// The EPUB as the checks see it: its files by name.
struct Epub {
    size: u64,
    files: Vec<(String, Vec<u8>)>,
}

impl Epub {
    fn read(bytes: &[u8]) -> Option<Epub> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
        let mut files = Vec::with_capacity(zip.len());
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).ok()?;
            let mut data = Vec::with_capacity(f.size() as usize);
            f.read_to_end(&mut data).ok()?;
            files.push((f.name().to_string(), data));
        }
        Some(Epub {
            size: bytes.len() as u64,
            files,
        })
    }

    fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.as_slice())
    }

    fn text(&self, name: &str) -> String {
        self.get(name)
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    }
}

/// Every rule of each of `stores` the book breaks (the EPUB read once for all).
pub fn check(stores: &[Store], book: &Book, language_given: bool, epub: &[u8]) -> Vec<Diagnostic> {
    let Some(epub) = Epub::read(epub) else {
        return vec![Diagnostic::error(
            "store-unreadable",
            "the EPUB built for the check cannot be read back",
        )];
    };
    stores
        .iter()
        .flat_map(|s| check_one(*s, book, language_given, &epub))
        .collect()
}

/// Every rule of `store` the book breaks.
fn check_one(store: Store, book: &Book, language_given: bool, epub: &Epub) -> Vec<Diagnostic> {
    let r = rules(store);
    let mut out = Vec::new();
    let warn = |code: &'static str, message: String, hint: &str| {
        Diagnostic::warning(code, format!("{}: {message}", r.name)).hint(hint.to_string())
    };
    if epub.size > r.max_bytes.0 {
        out.push(warn(
            "store-size",
            format!(
                "the EPUB is {:.1} MB; {}",
                epub.size as f64 / MB as f64,
                r.max_bytes.1
            ),
            "make the images smaller (epub.max_image_px), or leave out the largest ones",
        ));
    }
    if !language_given {
        out.push(warn(
            "store-language",
            format!("the book's language is not set (`{}` was assumed); readers pick the dictionary, hyphenation and voice by it", book.metadata.language),
            "set `language:` in notes2book.yaml (a BCP 47 tag: en, de, zh-Hans, …)",
        ));
    }
    images(&r, book, epub, &mut out);
    cover(&r, epub, &mut out);
    fonts(&r, epub, &mut out);
    contents_and_remote(&r, epub, &mut out);
    identifier(&r, book, &mut out);
    if r.metadata_limits {
        kdp_metadata(book, &mut out);
    }
    out
}

/// Image formats the store's readers do not show (in the notes, even when the book has
/// them converted), and images with more pixels than the store takes.
fn images(r: &Rules, book: &Book, epub: &Epub, out: &mut Vec<Diagnostic>) {
    for asset in &book.assets {
        let ext = extension(&asset.path.to_string_lossy());
        if is_image(&ext) && !r.formats.contains(&ext.as_str()) {
            out.push(
                Diagnostic::warning(
                    "store-image-format",
                    format!(
                        "{}: `{}` is {}, which its readers do not show; this book has it converted to PNG or JPEG",
                        r.name,
                        asset.path.display(),
                        ext.to_uppercase()
                    ),
                )
                .hint("export the image as JPEG (photos) or PNG (drawings) to choose its quality yourself"),
            );
        }
    }
    // The cover has rules of its own (below).
    let cover = cover_href(epub).map(|h| format!("OEBPS/{h}"));
    for (name, data) in &epub.files {
        let ext = extension(name);
        if !is_image(&ext) || ext == "svg" || cover.as_deref() == Some(name.as_str()) {
            continue;
        }
        if !r.formats.contains(&ext.as_str()) {
            out.push(Diagnostic::warning(
                "store-image-format",
                format!(
                    "{}: the EPUB holds `{name}`, a format its readers do not show",
                    r.name
                ),
            ));
        }
        if let (Some(max), Some((w, h))) = (r.max_pixels, dimensions(data))
            && u64::from(w) * u64::from(h) > max
        {
            out.push(
                Diagnostic::warning(
                    "store-image-size",
                    format!(
                        "{}: `{name}` is {w}×{h}, more than the {:.1} million pixels an image may have",
                        r.name,
                        max as f64 / 1e6
                    ),
                )
                .hint("lower epub.max_image_px"),
            );
        }
    }
}

/// The cover: there, big enough, and of the shape the store's library shows.
/// The cover image's path in the package, as the OPF declares it.
fn cover_href(epub: &Epub) -> Option<String> {
    let opf = epub.text("OEBPS/content.opf");
    opf.split("<item ")
        .find(|i| i.contains("properties=\"cover-image\""))
        .and_then(|i| i.split("href=\"").nth(1))
        .and_then(|h| h.split('"').next())
        .map(str::to_owned)
}

fn cover(r: &Rules, epub: &Epub, out: &mut Vec<Diagnostic>) {
    let Some(href) = cover_href(epub) else {
        out.push(
            Diagnostic::warning(
                "store-cover",
                format!(
                    "{}: the book has no cover; its library shows a grey rectangle",
                    r.name
                ),
            )
            .hint("set `cover:` in notes2book.yaml, or leave it unset for a generated one"),
        );
        return;
    };
    let Some((w, h)) = epub.get(&format!("OEBPS/{href}")).and_then(dimensions) else {
        return;
    };
    let (min_w, min_h) = r.cover_min;
    if w < min_w || h < min_h {
        out.push(
            Diagnostic::warning(
                "store-cover",
                format!(
                    "{}: the cover is {w}×{h}; it should be at least {min_w}×{min_h}",
                    r.name
                ),
            )
            .hint("use a cover of 1600×2560 pixels"),
        );
    }
    if let Some((ratio, tolerance)) = r.cover_ratio {
        let actual = f64::from(h) / f64::from(w.max(1));
        if (actual - ratio).abs() > tolerance {
            out.push(
                Diagnostic::warning(
                    "store-cover",
                    format!(
                        "{}: the cover's height is {actual:.2} times its width; {ratio}:1 is asked for",
                        r.name
                    ),
                )
                .hint("use a cover of 1600×2560 pixels"),
            );
        }
    }
}

/// Embedded fonts whose licence forbids embedding (OpenType `fsType` restricted).
fn fonts(r: &Rules, epub: &Epub, out: &mut Vec<Diagnostic>) {
    for (name, data) in &epub.files {
        if !["ttf", "otf"].contains(&extension(name).as_str()) {
            continue;
        }
        let restricted = ttf_parser::Face::parse(data, 0)
            .ok()
            .and_then(|f| f.permissions())
            .is_some_and(|p| p == ttf_parser::Permissions::Restricted);
        if restricted {
            out.push(Diagnostic::warning(
                "store-font-license",
                format!(
                    "{}: the font `{name}` is marked as not licensed for embedding",
                    r.name
                ),
            ));
        }
    }
}

/// A table of contents, and nothing fetched from the web.
fn contents_and_remote(r: &Rules, epub: &Epub, out: &mut Vec<Diagnostic>) {
    let nav = epub.text("OEBPS/nav.xhtml");
    if !nav.contains("epub:type=\"toc\"") || !nav.contains("<li") {
        out.push(Diagnostic::warning(
            "store-toc",
            format!("{}: the book has no table of contents", r.name),
        ));
    }
    for (name, data) in &epub.files {
        if !(name.ends_with(".xhtml") || name.ends_with(".css")) {
            continue;
        }
        let text = String::from_utf8_lossy(data);
        let remote = [
            "src=\"http:",
            "src=\"https:",
            "url(http:",
            "url(https:",
            "url(\"http",
        ]
        .iter()
        .any(|p| text.contains(p));
        if remote {
            out.push(Diagnostic::warning(
                "store-remote",
                format!("{}: `{name}` loads a resource from the web", r.name),
            ));
        }
    }
}

/// An ISBN given as the identifier must be a valid one.
fn identifier(r: &Rules, book: &Book, out: &mut Vec<Diagnostic>) {
    let Some(id) = &book.metadata.identifier else {
        return;
    };
    let lower = id.to_ascii_lowercase();
    let Some(isbn) = lower
        .strip_prefix("urn:isbn:")
        .or_else(|| lower.strip_prefix("isbn:"))
    else {
        return;
    };
    if !isbn_valid(isbn) {
        out.push(
            Diagnostic::warning(
                "store-identifier",
                format!(
                    "{}: `{id}` is not a valid ISBN (its check digit is wrong)",
                    r.name
                ),
            )
            .hint("copy the ISBN from your ISBN agency, or leave `identifier:` unset"),
        );
    }
}

/// ISBN-10 or ISBN-13, hyphens and spaces ignored, check digit verified.
fn isbn_valid(s: &str) -> bool {
    let d: Vec<char> = s.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    match d.len() {
        13 if d.iter().all(char::is_ascii_digit) => {
            let sum: u32 = d
                .iter()
                .enumerate()
                .map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 1 } else { 3 })
                .sum();
            sum.is_multiple_of(10)
        }
        10 => {
            let mut sum = 0;
            for (i, c) in d.iter().enumerate() {
                let v = match c {
                    'x' | 'X' if i == 9 => 10,
                    c => match c.to_digit(10) {
                        Some(v) => v,
                        None => return false,
                    },
                };
                sum += v * (10 - i as u32);
            }
            sum.is_multiple_of(11)
        }
        _ => false,
    }
}

/// KDP's limits: title and subtitle together under 200 characters, a description of at
/// most 4,000.
fn kdp_metadata(book: &Book, out: &mut Vec<Diagnostic>) {
    let m = &book.metadata;
    let title = m.title.chars().count() + m.subtitle.as_deref().map_or(0, |s| s.chars().count());
    if title >= 200 {
        out.push(Diagnostic::warning(
            "store-metadata",
            format!("KDP: the title and subtitle are {title} characters; KDP takes fewer than 200"),
        ));
    }
    if let Some(d) = &m.description
        && d.chars().count() > 4000
    {
        out.push(Diagnostic::warning(
            "store-metadata",
            format!(
                "KDP: the description is {} characters; KDP takes 4,000",
                d.chars().count()
            ),
        ));
    }
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn is_image(ext: &str) -> bool {
    [
        "jpg", "jpeg", "png", "gif", "webp", "svg", "bmp", "tif", "tiff", "avif", "heic",
    ]
    .contains(&ext)
}

/// An image's size in pixels, from its header.
fn dimensions(data: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(std::io::Cursor::new(data))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An EPUB of `files` (stored, not compressed: its size is theirs).
    fn epub(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        for (name, data) in files {
            zip.start_file(*name, stored).expect("entry");
            zip.write_all(data).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn a_big_book_without_a_language_and_with_webp_breaks_three_kindle_rules() {
        let mut book = Book::default();
        book.metadata.title = "Big".into();
        book.metadata.language = "en".into();
        book.assets.push(notes2book_model::AssetFile {
            id: notes2book_model::AssetId(0),
            path: "content/photo.webp".into(),
        });
        let nav = br#"<nav epub:type="toc"><ol><li><a href="a.xhtml">A</a></li></ol></nav>"#;
        let big = epub(&[
            ("OEBPS/nav.xhtml", nav.to_vec()),
            ("OEBPS/filler.bin", vec![0u8; 51 * MB as usize]),
        ]);
        let found = check(&[Store::Kindle], &book, false, &big);
        let c = codes(&found);
        for code in ["store-size", "store-language", "store-image-format"] {
            assert!(c.contains(&code), "{code} not in {c:?}");
        }
        // Apple takes 2 GB: the size is no problem there.
        assert!(!codes(&check(&[Store::Apple], &book, true, &big)).contains(&"store-size"));
    }

    #[test]
    fn isbns_are_checked() {
        assert!(isbn_valid("978-0-306-40615-7"));
        assert!(!isbn_valid("978-0-306-40615-8"));
        assert!(isbn_valid("0-306-40615-2"));
        assert!(isbn_valid("0-8044-2957-X"));
        assert!(!isbn_valid("12345"));
    }
}
