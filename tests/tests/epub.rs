//! The EPUB backend end to end: a "kitchen sink" book that uses every feature (raw HTML,
//! footnotes, nested lists, tables, callouts, a missing image, cross-links, a chapter large
//! enough to be split, a cover), checked by EPUBCheck, by snapshots of the OPF, the nav
//! and the chapter XHTML (`UPDATE_SNAPSHOTS=1` rewrites them; a missing one fails), and
//! for byte-identical rebuilds.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use notes2book_tests::{assert_epubcheck_clean, epub_text, repo, run_env, stderr, zip_entries};

const CONFIG: &str = r#"title: The Kitchen Sink
subtitle: Every feature in one small book
authors: [Ann Example, Bo Sample]
language: en
identifier: urn:isbn:9780000000002
publisher: notes2book tests
rights: CC BY 4.0
date: 2024-05-01
description: A test book with <everything> & more.
cover: cover.png
input: notes
epub:
  toc_depth: 2
  embed_fonts: true
"#;

const BASICS: &str = r#"---
title: Basics & "quotes"
weight: 1
tags: [testing, epub]
---
Intro with *emphasis*, **strong**, ~~gone~~, `code <b>`, ==marked== and a [link to the long note](02-long.md#section-3),
an [external link](https://example.com/?a=1&b=2) and a footnote.[^one] The same footnote again.[^one] Another.[^two]
Bare address: https://example.org/page.

## Lists

- one
   + nested with three spaces
       - deeper with seven
- [x] done task
- [ ] open task

3. three
4. four

## Table

| Left | Centre | Right |
|:-----|:------:|------:|
| a `\|` pipe | **b** | 1 |
| [[03-vault]] | c | 22 |

## Quotes and callouts

> A plain quote
> over two lines.

> [!warning]- Careful now
> The body of a foldable warning.

> [!tip]
> Tip without a title.

Term
: Its definition.

## Code

{{< highlight rust "linenos=table,hl_lines=2" >}}
fn main() {
    println!("hello <world> & friends");
}
{{< /highlight >}}

```python
print("a" < "b")
```

Inline math $e^{i\pi} + 1 = 0$ and display:

$$\int_0^1 x^2\,dx = \frac{1}{3}$$

## Figures

{{< figure src="/images/photo.jpg" alt="A gradient" caption="A *photo* with “quotes” & an ampersand" attr="Us" attrlink="https://example.com" >}}

{{< figure src="/images/nowhere.png" caption="This image was never committed" >}}

![A diagram](/images/diagram.png){width=50%}

## Raw HTML

<div class="note" onclick="steal()">
<p>Raw <b>bold<br>text<img src="/images/diagram.png" alt="inline diagram">
<script>alert("x")</script>
<iframe src="https://example.com/embed"></iframe>
<center><font color="red">Centred</font></center>
<a href="javascript:evil()">bad link</a>
</div>

Press <kbd>Ctrl</kbd>+<kbd>C</kbd> to copy.

[^one]: The first footnote, with `code`.
[^two]: The second footnote.

    It has a second paragraph.
"#;

const VAULT: &str = r#"# Vault note

A wikilink to [[01-basics|the basics]] and one to a heading: [[01-basics#Table]].

![[01-basics#Lists]]

%%a comment that must not show%%
"#;

fn write(path: &Path, text: &str) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn images(dir: &Path) {
    let photo = image::RgbImage::from_fn(300, 200, |x, y| {
        image::Rgb([(x % 256) as u8, (y * 2 % 256) as u8, 120])
    });
    photo
        .save(dir.join("notes/static/images/photo.jpg"))
        .expect("jpg");
    let diagram = image::RgbImage::from_fn(200, 100, |x, y| {
        if x % 20 == 0 || y % 20 == 0 {
            image::Rgb([0, 0, 0])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    diagram
        .save(dir.join("notes/static/images/diagram.png"))
        .expect("png");
    let cover = image::RgbImage::from_fn(600, 900, |x, y| {
        image::Rgb([(y / 4 % 256) as u8, 40, (x / 3 % 256) as u8])
    });
    cover.save(dir.join("cover.png")).expect("cover");
}

/// A note of well over 250 KB in many `##` sections, so the EPUB splits it.
fn long_note() -> String {
    let mut s = String::from("---\ntitle: The long note\nweight: 2\n---\n");
    for i in 1..=120 {
        let _ = write!(s, "\n## Section {i}\n\n");
        for p in 0..12 {
            let _ = writeln!(
                s,
                "Paragraph {p} of section {i}: the quick brown fox jumps over the lazy dog, \
                 and café owners in Zürich agree that naïve façades need repainting. \
                 Link back to [the basics](01-basics.md#table) now and then.\n"
            );
        }
    }
    s
}

fn kitchen() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(&d.join("notes2book.yaml"), CONFIG);
    write(&d.join("notes/01-basics.md"), BASICS);
    write(&d.join("notes/02-long.md"), &long_note());
    write(&d.join("notes/03-vault.md"), VAULT);
    std::fs::create_dir_all(d.join("notes/static/images")).expect("mkdir");
    images(d);
    tmp
}

fn build(dir: &Path, env: &[(&str, &str)]) -> PathBuf {
    let out = run_env(dir, &["--epub"], env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = dir.join("book/the-kitchen-sink.epub");
    assert!(path.is_file(), "{}", stderr(&out));
    path
}

fn snapshot(name: &str, actual: &str) {
    let path = repo().join("tests/snapshots/kitchen").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {} (run with UPDATE_SNAPSHOTS=1)",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "snapshot {name} differs; rerun with UPDATE_SNAPSHOTS=1 and review the diff\n--- actual\n{actual}"
    );
}

#[test]
fn kitchen_sink_is_valid_and_matches_its_snapshots() {
    let tmp = kitchen();
    let epub = build(tmp.path(), &[("SOURCE_DATE_EPOCH", "1714521600")]);
    assert_epubcheck_clean(&epub);

    let entries = zip_entries(&epub);
    assert_eq!(entries[0].0, "mimetype", "mimetype first");
    assert!(entries[0].2, "mimetype stored");
    assert_eq!(entries[0].1, b"application/epub+zip");
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    // The images come first (they are written while the text is rendered), then the rest;
    // each in name order.
    let (mut images, mut rest): (Vec<&str>, Vec<&str>) = names[1..]
        .iter()
        .partition(|n| n.starts_with("OEBPS/images/"));
    assert!(!images.is_empty() && !rest.is_empty());
    images.sort_unstable();
    rest.sort_unstable();
    assert_eq!(names[1..], [images, rest].concat()[..], "entries in order");
    let long_files = names
        .iter()
        .filter(|n| n.starts_with("OEBPS/ch-02-long"))
        .count();
    assert!(long_files >= 2, "the 250 KB+ note is split: {names:?}");

    for (name, data, _) in &entries {
        assert!(
            !name.ends_with(".xhtml") || data.len() <= 250_000,
            "{name} is {} bytes",
            data.len()
        );
    }
    let all_xhtml: String = entries
        .iter()
        .filter(|e| e.0.ends_with(".xhtml"))
        .map(|e| String::from_utf8_lossy(&e.1).into_owned())
        .collect();
    for leak in [
        "<script",
        "<iframe",
        "onclick",
        "javascript:",
        "{{<",
        "[[",
        "%%",
        "<center",
        "<font",
    ] {
        assert!(!all_xhtml.contains(leak), "{leak} leaked into the XHTML");
    }

    let opf = epub_text(&epub, "OEBPS/content.opf");
    assert!(opf.contains("<dc:identifier id=\"epub-id-1\">urn:isbn:9780000000002</dc:identifier>"));
    assert!(opf.contains("properties=\"cover-image\"") && opf.contains("<meta name=\"cover\""));
    assert!(opf.contains("<meta property=\"dcterms:modified\">2024-05-01T00:00:00Z</meta>"));
    snapshot("content.opf", &opf);
    snapshot("nav.xhtml", &epub_text(&epub, "OEBPS/nav.xhtml"));
    snapshot("toc.ncx", &epub_text(&epub, "OEBPS/toc.ncx"));
    snapshot(
        "ch-01-basics.xhtml",
        &epub_text(&epub, "OEBPS/ch-01-basics.xhtml"),
    );
    snapshot(
        "ch-03-vault.xhtml",
        &epub_text(&epub, "OEBPS/ch-03-vault.xhtml"),
    );
    snapshot("cover.xhtml", &epub_text(&epub, "OEBPS/cover.xhtml"));
}

#[test]
fn two_builds_are_byte_identical() {
    let tmp = kitchen();
    let first =
        std::fs::read(build(tmp.path(), &[("SOURCE_DATE_EPOCH", "1700000000")])).expect("read");
    let second =
        std::fs::read(build(tmp.path(), &[("SOURCE_DATE_EPOCH", "1700000000")])).expect("read");
    assert!(first == second, "two builds differ");
    // With one thread the result is the same too.
    let out = run_env(
        tmp.path(),
        &["--epub", "-j", "1"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert_eq!(out.status.code(), Some(0));
    let third = std::fs::read(tmp.path().join("book/the-kitchen-sink.epub")).expect("read");
    assert!(first == third, "a one-thread build differs");
    // Without SOURCE_DATE_EPOCH the newest note date is used, not the clock.
    let a = std::fs::read(build(tmp.path(), &[])).expect("read");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = std::fs::read(build(tmp.path(), &[])).expect("read");
    assert!(a == b, "builds depend on the clock");
}

#[test]
fn sample_book_is_valid() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run_env(
        &repo(),
        &["--epub", "-o", &tmp.path().display().to_string()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let epub = tmp.path().join("how-computers-keep-time.epub");
    assert_epubcheck_clean(&epub);
    let text = epub_text(&epub, "OEBPS/ch-quartz.xhtml");
    assert!(
        text.contains("epub:type=\"noteref\"") && text.contains("<aside epub:type=\"footnote\"")
    );
    // No `cover:`: a cover is made and declared; it stands in for the title page.
    let opf = epub_text(&epub, "OEBPS/content.opf");
    assert!(opf.contains("properties=\"cover-image\""), "{opf}");
    assert!(epub_text(&epub, "OEBPS/cover.xhtml").contains("alt=\"How Computers Keep Time"));
}

/// The EPUB is written into a temporary file while it is rendered; a warning found only
/// then (raw HTML the EPUB leaves out) under --strict must still leave nothing behind: no
/// file, and not the output folders the build made for it.
#[test]
fn a_late_refusal_leaves_no_file_and_no_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        &tmp.path().join("content/a.md"),
        "# A\n\nText.\n\n<div>kept</div>\n\n<script>alert(1)</script>\n",
    );
    let out = run_env(
        tmp.path(),
        &["content", "--epub", "--strict", "-o", "out/deeper"],
        &[],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("html-removed") && err.contains("nothing written"),
        "{err}"
    );
    assert!(
        !tmp.path().join("out").exists(),
        "the folders it made are gone"
    );
    // Without --strict the same book is written.
    let out = run_env(tmp.path(), &["content", "--epub", "-o", "out/deeper"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files: Vec<_> = std::fs::read_dir(tmp.path().join("out/deeper"))
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["a.epub"], "one file, no temporary one");
}

#[test]
fn errors_write_nothing_and_keep_the_previous_book() {
    let tmp = kitchen();
    let epub = build(tmp.path(), &[]);
    let before = std::fs::read(&epub).expect("read");
    // A warning under --strict: nothing written, the old file untouched, no stray file.
    let out = run_env(tmp.path(), &["--epub", "--strict"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing written"));
    assert_eq!(std::fs::read(&epub).expect("read"), before);
    let files: Vec<_> = std::fs::read_dir(tmp.path().join("book"))
        .expect("dir")
        .collect();
    assert_eq!(files.len(), 1, "no temporary file left behind");
    // An output folder that is a file: exit code 3.
    write(&tmp.path().join("occupied"), "x");
    let out = run_env(tmp.path(), &["--epub", "-o", "occupied"], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// A note in a right-to-left language is a right-to-left chapter; a book in one turns its
/// pages right to left.
#[test]
fn right_to_left_notes_and_books() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(&dir.join("notes2book.yaml"), "title: Mixed\nlanguage: en\n");
    write(
        &dir.join("content/a.md"),
        "---\ntitle: Arabic\nlang: ar\n---\n\nمرحبا بالعالم.\n",
    );
    write(&dir.join("content/b.md"), "# English\n\nHello.\n");
    let out = run_env(dir, &["--epub", "-o", "out"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let epub = dir.join("out/mixed.epub");
    assert_epubcheck_clean(&epub);
    let names: Vec<String> = notes2book_tests::zip_entries(&epub)
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    let chapter = |needle: &str| {
        names
            .iter()
            .map(|n| epub_text(&epub, n))
            .find(|t| t.contains(needle) && t.contains("<section"))
            .expect("the chapter")
    };
    assert!(chapter("مرحبا").contains("lang=\"ar\" xml:lang=\"ar\" dir=\"rtl\""));
    assert!(!chapter("Hello.").contains("dir=\"rtl\""));
    let opf = epub_text(&epub, "OEBPS/content.opf");
    assert!(opf.contains("page-progression-direction=\"ltr\""), "{opf}");

    write(&dir.join("notes2book.yaml"), "title: Mixed\nlanguage: he\n");
    let out = run_env(dir, &["--epub", "-o", "out"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let opf = epub_text(&epub, "OEBPS/content.opf");
    assert!(opf.contains("page-progression-direction=\"rtl\""), "{opf}");
    assert_epubcheck_clean(&epub);
}

/// `--kepub`: Kobo's flavour beside the EPUB, every sentence in a numbered koboSpan, code
/// and formulas untouched, still valid EPUB; calibre reads it where it is installed.
#[test]
fn a_kepub_has_kobo_spans_and_stays_valid() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("content")).expect("mkdir");
    std::fs::write(
        dir.path().join("content/a.md"),
        "# Kobo\n\nFirst sentence. Second *one*!\n\n```\nlet a = 1. b\n```\n\nA formula $x.y$ here.\n",
    )
    .expect("note");
    std::fs::write(
        dir.path().join("notes2book.yaml"),
        "title: Kobo\nlanguage: en\n",
    )
    .expect("config");
    let out = dir.path().join("out");
    let o = run_env(
        dir.path(),
        &["--kepub", "-o", &out.display().to_string()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let kepub = out.join("kobo.kepub.epub");
    assert!(out.join("kobo.epub").is_file() && !out.join("kobo.pdf").exists());
    assert_epubcheck_clean(&kepub);
    let ch = epub_text(&kepub, "OEBPS/ch-a.xhtml");
    assert!(
        ch.contains("<div id=\"book-columns\"><div id=\"book-inner\">"),
        "{ch}"
    );
    assert!(ch.contains("<span class=\"koboSpan\" id=\"kobo.3.1\">First sentence. </span><span class=\"koboSpan\" id=\"kobo.3.2\">Second </span>"), "{ch}");
    // Code and formulas as they were.
    assert!(
        ch.contains("<span class=\"line\">let a = 1. b</span>"),
        "{ch}"
    );
    assert!(ch.contains("<mi>x</mi><mi>.</mi><mi>y</mi>"), "{ch}");
    // calibre is a large install CI does not make (`tool` would insist on it there):
    // read the kepub with it where a machine has it.
    if let Ok(o) = std::process::Command::new("ebook-meta")
        .arg(&kepub)
        .output()
    {
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("Kobo"), "{text}");
    }
}
