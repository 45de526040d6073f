//! Numbered cross-references: figures and equations numbered through the book, references
//! across notes as links in both books, labels that are unknown, used twice or of the wrong
//! kind reported where they are written.

use notes2book_tests::{assert_epubcheck_clean, epub_text, run_env, stderr, tool};

/// Notes `a.md` and `b.md` with an image `dial.png` and `config`, built into `out/`: the
/// folder, the output folder and what was said.
fn build(a: &str, b: &str, config: &str) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(content.join("a.md"), a).expect("a");
    std::fs::write(content.join("b.md"), b).expect("b");
    std::fs::write(dir.path().join("notes2book.yaml"), config).expect("config");
    std::fs::copy(
        notes2book_tests::repo().join("content/static/images/timeline.png"),
        content.join("dial.png"),
    )
    .expect("png");
    let out = dir.path().join("out");
    let o = run_env(dir.path(), &["-o", &out.display().to_string()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    (dir, out, err)
}

/// Every one of `wants` is in `text`.
fn assert_all(text: &str, wants: &[&str]) {
    for want in wants {
        assert!(text.contains(want), "{want}\nnot in\n{text}");
    }
}

/// The PDF's text on one line, when pdftotext is there.
fn pdf_text(pdf: &std::path::Path) -> Option<String> {
    let pdftotext = tool("pdftotext")?;
    let o = std::process::Command::new(pdftotext)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    Some(String::from_utf8_lossy(&o.stdout).replace('\n', " "))
}

const A: &str = "# Clocks\n\n\
![A sundial at noon](dial.png){#fig-dial}\n\n\
$$\nE = mc^2\n$$ {#eq-energy}\n\n\
## The escapement {#sec-escapement}\n\n\
![](dial.png \"A second dial\"){#fig-second}\n\n\
As @fig-dial shows, and [Fig. @fig-second] too, see [-@fig-dial] and @eq-energy.\n";

const B: &str = "# Later\n\n\
Back to @fig-second, to [-@eq-energy] and to @sec-escapement.\n\n\
A missing one: @fig-nothing.\n\n\
![Labelled wrongly](dial.png){#tbl-dial}\n\n\
![Labelled twice](dial.png){#fig-dial}\n";

#[test]
fn figures_and_equations_are_numbered_and_referenced_across_notes() {
    let (_dir, out, err) = build(A, B, "title: Clocks\n");
    assert!(err.contains("warning[crossref-unknown]"), "{err}");
    assert!(err.contains("b.md:5:16"), "{err}");
    assert!(err.contains("warning[crossref-kind]"), "{err}");
    assert!(err.contains("warning[crossref-duplicate]"), "{err}");

    let epub = out.join("clocks.epub");
    assert_epubcheck_clean(&epub);
    let a = epub_text(&epub, "OEBPS/ch-a.xhtml");
    assert_all(
        &a,
        &[
            "Figure 1: A sundial at noon",
            "Figure 2: A second dial",
            "<span class=\"eqno\">(1)</span>",
            "id=\"eq-energy\"",
            "As <a href=\"#fig-dial\">Figure 1</a> shows",
            "Fig. <a href=\"#fig-second\">2</a> too",
            "see <a href=\"#fig-dial\">1</a>",
            "<a href=\"#eq-energy\">Equation (1)</a>",
        ],
    );
    let b = epub_text(&epub, "OEBPS/ch-b.xhtml");
    assert_all(
        &b,
        &[
            "<a href=\"ch-a.xhtml#fig-second\">Figure 2</a>",
            "<a href=\"ch-a.xhtml#eq-energy\">(1)</a>",
            "<a href=\"ch-a.xhtml#sec-escapement\">The escapement</a>",
            "<strong>?fig-nothing</strong>",
        ],
    );
    // A wrongly labelled image is not numbered; one labelled twice is, and references
    // lead to the first.
    assert!(
        b.contains("Labelled wrongly") && !b.contains(": Labelled wrongly"),
        "{b}"
    );
    assert!(b.contains("Figure 3: Labelled twice"), "{b}");

    if let Some(text) = pdf_text(&epub.with_extension("pdf")) {
        assert_all(
            &text,
            &[
                "Figure 1: A sundial",
                "As Figure 1 shows",
                "Back to Figure 2",
            ],
        );
        assert!(!text.contains("@fig-"), "{text}");
    }
}

const TABLES_A: &str = "# First\n\n\
| k | v |\n|---|---|\n| a | 1 |\n\n\
: Measured values {#tbl-values}\n\n\
![A dial](dial.png){#fig-one}\n\n\
See @tbl-values and @fig-two.\n";

const TABLES_B: &str = "# Second\n\n\
Table: Caption before the table {#tbl-before}\n\n\
| x | y |\n|---|---|\n| 1 | 2 |\n\n\
![Another dial](dial.png){#fig-two}\n\n\
| p |\n|---|\n| q |\n\n\
: Labelled as a figure {#fig-wrong}\n\n\
$$ x = 1 $$ {#eq-x}\n\n\
Back to @tbl-values, @tbl-before, [-@fig-two] and @eq-x.\n";

#[test]
fn tables_are_captioned_and_numbered_per_chapter_with_pages_in_the_pdf() {
    let config = "title: Tables\ncrossref:\n  chapters: true\n  page_numbers: true\n";
    let (_dir, out, err) = build(TABLES_A, TABLES_B, config);
    assert!(!err.contains("crossref-unknown"), "{err}");
    assert!(
        err.contains("warning[crossref-kind]") && err.contains("`fig-wrong` labels a table"),
        "{err}"
    );
    let epub = out.join("tables.epub");
    assert_epubcheck_clean(&epub);
    let a = epub_text(&epub, "OEBPS/ch-a.xhtml");
    assert_all(
        &a,
        &[
            "<caption><span id=\"tbl-values\"></span>Table 1.1: Measured values</caption>",
            "Figure 1.1: A dial",
            "See <a href=\"#tbl-values\">Table 1.1</a> and <a href=\"ch-b.xhtml#fig-two\">Figure 2.1</a>.",
        ],
    );
    let b = epub_text(&epub, "OEBPS/ch-b.xhtml");
    assert_all(
        &b,
        &[
            "<caption><span id=\"tbl-before\"></span>Table 2.1: Caption before the table</caption>",
            "<caption><span id=\"fig-wrong\"></span>Labelled as a figure</caption>",
            "<span class=\"eqno\">(2.1)</span>",
            "<a href=\"ch-a.xhtml#tbl-values\">Table 1.1</a>, <a href=\"#tbl-before\">Table 2.1</a>, <a href=\"#fig-two\">2.1</a> and <a href=\"#eq-x\">Equation (2.1)</a>",
        ],
    );
    // Reflowed text has no pages to name; the caption paragraphs are not text.
    assert!(!a.contains("on page") && !b.contains("on page"), "{a}{b}");
    assert!(!b.contains("Table: ") && !a.contains("<p>: "), "{a}{b}");

    if let Some(text) = pdf_text(&out.join("tables.pdf")) {
        assert_all(
            &text,
            &[
                "Table 1.1: Measured values",
                "See Table 1.1 on page 1 and Figure 2.1 on page 2.",
                "Table 2.1: Caption before the table",
                "Back to Table 1.1 on page 1, Table 2.1 on page 2, 2.1 on page 2 and Equation (2.1) on page 2.",
            ],
        );
    }
}
