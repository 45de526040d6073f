//! Books without `cover:` get a cover made (1600 × 2560, declared as a given cover is);
//! `cover:` picks its design and colour, or turns it off. `check --store` reports the
//! stores' rules a book breaks, and none for the sample book.

use std::path::Path;

use notes2book_tests::{assert_epubcheck_clean, epub_text, repo, run_env, stderr};

fn book(dir: &Path, config: &str) {
    std::fs::create_dir_all(dir.join("content")).expect("mkdir");
    std::fs::write(dir.join("notes2book.yaml"), config).expect("config");
    std::fs::write(dir.join("content/a.md"), "# One\n\nText.\n").expect("note");
}

fn epub_bytes(epub: &Path, name: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).ok()?).ok()?;
    let mut f = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    f.read_to_end(&mut out).ok()?;
    Some(out)
}

fn build(dir: &Path) -> (std::path::PathBuf, String) {
    let out = dir.join("out");
    let o = run_env(dir, &["--epub", "-o", &out.display().to_string()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    (out.join("made.epub"), stderr(&o))
}

#[test]
fn a_cover_is_made_when_none_is_given() {
    let dir = tempfile::tempdir().expect("tmp");
    book(dir.path(), "title: Made\nauthors: [Ann]\nlanguage: en\n");
    let (epub, _) = build(dir.path());
    assert_epubcheck_clean(&epub);
    let opf = epub_text(&epub, "OEBPS/content.opf");
    assert!(
        opf.contains("properties=\"cover-image\"") && opf.contains("href=\"images/cover.jpg\""),
        "{opf}"
    );
    assert!(
        opf.contains("<meta name=\"cover\" content=\"cover-image\"/>"),
        "{opf}"
    );
    let jpeg = epub_bytes(&epub, "OEBPS/images/cover.jpg").expect("the cover");
    let img = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).expect("a JPEG");
    assert_eq!((img.width(), img.height()), (1600, 2560));
    // The classic design: a deep blue field with light type on it.
    let rgb = img.to_rgb8();
    let field = rgb.get_pixel(200, 1200);
    assert!(field[2] > field[0] + 40, "{field:?}");
    let light = rgb
        .pixels()
        .filter(|p| p[0] > 200 && p[1] > 200 && p[2] > 190)
        .count();
    assert!(light > 20_000, "the title's type: {light} light pixels");
    assert!(epub_text(&epub, "OEBPS/cover.xhtml").contains("epub:type=\"cover\""));
}

#[test]
fn the_design_and_colour_are_chosen_or_the_cover_left_out() {
    let dir = tempfile::tempdir().expect("tmp");
    book(
        dir.path(),
        "title: Made\nlanguage: en\ncover: {design: band, colour: \"#7a1f1f\"}\n",
    );
    let (epub, _) = build(dir.path());
    let jpeg = epub_bytes(&epub, "OEBPS/images/cover.jpg").expect("the cover");
    let rgb = image::load_from_memory(&jpeg).expect("JPEG").to_rgb8();
    // The band across the upper part is the colour asked for; the page below is light.
    let band = rgb.get_pixel(40, 300);
    assert!(
        (band[0] as i32 - 0x7a).abs() < 12 && band[1] < 50,
        "{band:?}"
    );
    let page = rgb.get_pixel(40, 2400);
    assert!(page[0] > 230 && page[1] > 230, "{page:?}");

    book(
        dir.path(),
        "title: Made\nlanguage: en\ncover: {design: swirly}\n",
    );
    let (_, err) = build(dir.path());
    assert!(err.contains("warning[cover-design]"), "{err}");

    book(dir.path(), "title: Made\nlanguage: en\ncover: false\n");
    let (epub, _) = build(dir.path());
    assert!(!epub_text(&epub, "OEBPS/content.opf").contains("cover-image"));
}

#[test]
fn store_checks_name_the_rules_broken_and_pass_the_sample() {
    let dir = tempfile::tempdir().expect("tmp");
    book(dir.path(), "title: Made\n");
    image::RgbImage::from_pixel(64, 48, image::Rgb([200, 30, 30]))
        .save_with_format(
            dir.path().join("content/photo.webp"),
            image::ImageFormat::WebP,
        )
        .expect("webp");
    std::fs::write(
        dir.path().join("content/a.md"),
        "# One\n\n![A photo](photo.webp)\n",
    )
    .expect("note");
    let o = run_env(
        dir.path(),
        &["check", "--store", "kindle", "--message-format", "short"],
        &[],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning[store-language]: Kindle: the book's language is not set"),
        "{err}"
    );
    assert!(
        err.contains("warning[store-image-format]: Kindle: `content/photo.webp` is WEBP"),
        "{err}"
    );
    // Under --strict the store's rules fail the run.
    let o = run_env(dir.path(), &["check", "--strict", "--store", "kindle"], &[]);
    assert_eq!(o.status.code(), Some(1));

    let o = run_env(
        &repo(),
        &[
            "check", "--store", "kindle", "--store", "kobo", "--store", "apple", "--store", "kdp",
        ],
        &[],
    );
    let err = stderr(&o);
    assert!(!err.contains("[store-"), "{err}");
}

/// `pdf.cover: true`: the PDF opens with the cover made.
#[test]
fn the_pdf_opens_with_the_cover_when_asked() {
    let Some(pdfimages) = notes2book_tests::tool("pdfimages") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    book(
        dir.path(),
        "title: Made\nlanguage: en\npdf:\n  cover: true\n",
    );
    let out = dir.path().join("out");
    let o = run_env(
        dir.path(),
        &["--pdf", "-o", &out.display().to_string()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let list = std::process::Command::new(pdfimages)
        .args(["-list", "-f", "1", "-l", "1"])
        .arg(out.join("made.pdf"))
        .output()
        .expect("pdfimages");
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.lines()
            .any(|l| l.contains(" 1600 ") && l.contains(" 2560 ")),
        "{list}"
    );
}
