//! Accessible EPUBs: Ace by DAISY (what retailers run) passes the books notes2book makes,
//! with no configuration, including notes with the problems real collections have.

use std::fs;

use notes2book_tests::{ace, repo, run_env, stderr};

fn assert_ace_clean(epub: &std::path::Path) -> Option<Vec<String>> {
    let report = ace(epub)?;
    assert!(
        report.violations.is_empty(),
        "Ace found {} problems in {}:\n{}",
        report.violations.len(),
        epub.display(),
        report.violations.join("\n")
    );
    assert_eq!(report.outcome, "pass");
    Some(report.features)
}

#[test]
fn the_sample_book_passes_ace() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = run_env(
        &repo(),
        &["--epub", "-q", "-o", &out.path().to_string_lossy()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let epub = out.path().join("how-computers-keep-time.epub");
    let Some(features) = assert_ace_clean(&epub) else {
        return;
    };
    for f in [
        "tableOfContents",
        "structuralNavigation",
        "alternativeText",
        "MathML",
    ] {
        assert!(
            features.iter().any(|x| x == f),
            "{f} not declared: {features:?}"
        );
    }
}

const MESSY: &str = "---
title: Messy note
---
## Start

Some text with an empty link [
](https://example.com/page) and code:

### 

#### Skipped a level

```rust
fn main() { let answer = 42; println!(\"{answer}\"); }
```

![](pic.png)

> [!warning] Careful
> A callout with `code`.

| a | |
|---|---|
| 1 | 2 |
";

#[test]
fn messy_notes_pass_ace_and_say_what_was_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let content = dir.path().join("content");
    fs::create_dir_all(&content).expect("mkdir");
    fs::write(content.join("messy.md"), MESSY).expect("write note");
    let mut png = Vec::new();
    image::RgbImage::from_pixel(40, 30, image::Rgb([200, 40, 40]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode png");
    fs::write(content.join("pic.png"), png).expect("write image");
    fs::write(
        dir.path().join("notes2book.yaml"),
        "title: Messy\nlanguage: en\n",
    )
    .expect("config");
    let o = run_env(dir.path(), &["--epub", "-o", "out"], &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning[image-no-alt]"), "{err}");
    assert!(
        err.contains("messy.md:17:1"),
        "the image is pointed at: {err}"
    );
    assert!(!err.contains("heading-renumbered"), "only with -v: {err}");
    let o = run_env(dir.path(), &["--epub", "-v", "-o", "out"], &[]);
    assert!(
        stderr(&o).contains("note[heading-renumbered]"),
        "{}",
        stderr(&o)
    );
    let epub = dir.path().join("out/messy.epub");
    let Some(features) = assert_ace_clean(&epub) else {
        return;
    };
    assert!(
        !features.iter().any(|f| f == "alternativeText"),
        "an image has no alternative text: {features:?}"
    );
}
