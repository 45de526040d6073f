//! Accessible EPUBs: Ace by DAISY (what retailers run) passes the books notes2book makes,
//! with no configuration, including notes with the problems real collections have.

use std::fs;

use notes2book_tests::{ace, epub_text, repo, run_env, stderr, tool, zip_entries};

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
    let nav = epub_text(&epub, "OEBPS/nav.xhtml");
    assert!(!nav.contains("page-list"), "no PDF, no page list");
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
    assert!(!features.iter().any(|x| x == "printPageNumbers"));
}

/// Visible words of XHTML from `at` on (tags dropped).
fn words_after(xhtml: &str, at: usize, n: usize) -> Vec<String> {
    let mut text = String::new();
    let mut in_tag = true;
    for c in xhtml[at..].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
        if text.split_whitespace().count() > n + 1 {
            break;
        }
    }
    text.split_whitespace().take(n).map(str::to_owned).collect()
}

/// The page list of an EPUB's navigation document: (file, label) in order.
fn page_list(nav: &str) -> Vec<(String, String)> {
    let list = nav
        .split("epub:type=\"page-list\"")
        .nth(1)
        .expect("a page list");
    list.split("<li><a href=\"")
        .skip(1)
        .filter_map(|e| {
            let (href, _) = e.split_once('"')?;
            let (file, label) = href.split_once("#page-")?;
            Some((file.to_owned(), label.to_owned()))
        })
        .collect()
}

#[test]
fn with_the_pdf_the_epub_marks_its_pages() {
    let Some(pdftotext) = tool("pdftotext") else {
        return;
    };
    let out = tempfile::tempdir().expect("tempdir");
    let o = run_env(
        &repo(),
        &["--epub", "--pdf", "-q", "-o", &out.path().to_string_lossy()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let epub = out.path().join("how-computers-keep-time.epub");
    let pdf = out.path().join("how-computers-keep-time.pdf");
    let entries = page_list(&epub_text(&epub, "OEBPS/nav.xhtml"));
    let text = |first: usize, last: usize| {
        let o = std::process::Command::new(&pdftotext)
            .args(["-f", &first.to_string(), "-l", &last.to_string()])
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let pages = text(1, 9999).matches('\u{c}').count();
    let labels: Vec<usize> = entries.iter().filter_map(|(_, l)| l.parse().ok()).collect();
    assert_eq!(labels.len(), entries.len(), "labels are the PDF's folios");
    assert!(
        labels.windows(2).all(|w| w[0] < w[1]),
        "in page order: {labels:?}"
    );
    // Every page of the body has text, so every one is marked: 1 to the last.
    let body = labels.len();
    assert!(body >= 20, "{body} pages marked");
    assert_eq!(
        labels,
        (1..=body).collect::<Vec<_>>(),
        "every page is marked"
    );
    let front = pages - body;
    // Each marker sits where its page begins: the words after it open that PDF page.
    let mut matched = 0;
    let mut missed = Vec::new();
    for (file, label) in &entries {
        let xhtml = epub_text(&epub, &format!("OEBPS/{file}"));
        let at = xhtml
            .find(&format!("id=\"page-{label}\""))
            .expect("the marker");
        let words = words_after(&xhtml, at, 3).join(" ");
        let n: usize = label.parse().expect("a number");
        let page = text(front + n, front + n)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let opening: String = page.chars().take(200).collect();
        if opening.contains(&words) {
            matched += 1;
        } else {
            missed.push(format!(
                "page {label}: `{words}` not at the top of `{opening}`"
            ));
        }
    }
    assert!(
        matched * 10 >= entries.len() * 9,
        "{matched} of {} markers where their page begins:\n{}",
        entries.len(),
        missed.join("\n")
    );
    let opf = epub_text(&epub, "OEBPS/content.opf");
    assert!(opf.contains("property=\"source-of\">pagination"), "{opf}");
    if let Some(features) = assert_ace_clean(&epub) {
        for f in ["pageNavigation", "printPageNumbers"] {
            assert!(
                features.iter().any(|x| x == f),
                "{f} not declared: {features:?}"
            );
        }
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

{{< figure src=\"pic.png\" alt=\"A red box\" caption=\"A red box\" >}}
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
    let xhtml = zip_entries(&epub)
        .into_iter()
        .find(|(n, _, _)| n.contains("messy") && n.ends_with(".xhtml"))
        .map(|(_, d, _)| String::from_utf8_lossy(&d).into_owned())
        .expect("the note's page");
    // The table's empty header is a plain cell; alt text equal to the caption is said
    // once, by the caption; the empty heading is gone and the link has a name.
    assert!(xhtml.contains("<th>a</th><td></td>"), "{xhtml}");
    assert!(
        xhtml.contains("alt=\"\"") && xhtml.contains("<figcaption>A red box</figcaption>"),
        "{xhtml}"
    );
    assert_eq!(xhtml.matches("A red box").count(), 1, "{xhtml}");
    // `#### Skipped a level` under `## Start` is an h3 (h2 + 1); the empty `### ` is gone.
    assert!(xhtml.contains("<h3 id=\"skipped-a-level\">"), "{xhtml}");
    assert_eq!(xhtml.matches("<h3").count(), 1, "{xhtml}");
    assert!(!xhtml.contains("<h4"), "{xhtml}");
    assert!(xhtml.contains(">https://example.com/page</a>"), "{xhtml}");
    let Some(features) = assert_ace_clean(&epub) else {
        return;
    };
    assert!(
        !features.iter().any(|f| f == "alternativeText"),
        "an image has no alternative text: {features:?}"
    );
}
