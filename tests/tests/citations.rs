//! Citations: pandoc's forms set by a CSL style in both books, each linking to its entry
//! in the References chapter, an unknown key reported where it is written.

use std::path::Path;

use notes2book_tests::{assert_epubcheck_clean, epub_text, run_env, stderr, tool};

const BIB: &str = r"@book{knuth1984, author = {Knuth, Donald E.}, title = {The {TeX}book},
  publisher = {Addison-Wesley}, year = {1984}}
@article{lamport1978, author = {Lamport, Leslie}, title = {Time, Clocks, and the Ordering
  of Events in a Distributed System}, journal = {Communications of the ACM}, year = {1978},
  volume = {21}, number = {7}, pages = {558--565}, doi = {10.1145/359545.359563}}
@inproceedings{mills1985, author = {Mills, David L.}, title = {Network Time Protocol},
  booktitle = {Proceedings of the Symposium on Networks}, year = {1985}}
@online{iers, author = {{IERS}}, title = {Bulletin C}, url = {https://www.iers.org/},
  year = {2024}}
@phdthesis{doe2020, author = {Doe, Jane}, title = {Clocks in Practice},
  school = {ETH Zürich}, year = {2020}}
";

const A: &str = "# Clocks\n\n\
Logical clocks order events [@lamport1978, p. 560].\n\
See also [see @knuth1984, ch. 2; @mills1985].\n\
As @lamport1978 showed, and Doe agreed [-@doe2020].\n";

const B: &str = "# Leap seconds\n\n\
Leap seconds are announced [@iers].\n\n\
An unknown one [@lamprot1978].\n\n\
Mail me@knuth1984.org, not a citation.\n";

fn book(dir: &Path, config: &str) {
    std::fs::create_dir_all(dir.join("content")).expect("mkdir");
    std::fs::write(dir.join("notes2book.yaml"), config).expect("config");
    std::fs::write(dir.join("refs.bib"), BIB).expect("bib");
    std::fs::write(dir.join("content/a.md"), A).expect("a");
    std::fs::write(dir.join("content/b.md"), B).expect("b");
}

/// The EPUB of the book in `dir`, built without a problem: the output folder.
fn built_epub(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("out");
    let o = run_env(dir, &["--epub", "-o", &out.display().to_string()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

#[test]
fn every_form_is_set_and_links_to_its_entry() {
    let dir = tempfile::tempdir().expect("tmp");
    book(dir.path(), "title: Cited\nbibliography: refs.bib\n");
    let out = dir.path().join("out");
    let o = run_env(dir.path(), &["-o", &out.display().to_string()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The unknown key: a warning at its line and column, with the nearest key.
    let err = stderr(&o);
    assert!(err.contains("warning[citation-unknown]"), "{err}");
    assert!(err.contains("b.md:5:17"), "{err}");
    assert!(err.contains("did you mean `lamport1978`?"), "{err}");

    let epub = out.join("cited.epub");
    assert_epubcheck_clean(&epub);
    let a = epub_text(&epub, "OEBPS/ch-a.xhtml");
    for want in [
        "(<a href=\"ch-references.xhtml#ref-lamport1978\">Lamport 1978, 560</a>)",
        "(see <a href=\"ch-references.xhtml#ref-knuth1984\">Knuth 1984, chap. 2</a>; \
         <a href=\"ch-references.xhtml#ref-mills1985\">Mills 1985</a>)",
        "As <a href=\"ch-references.xhtml#ref-lamport1978\">Lamport (1978)</a> showed",
        "Doe agreed (<a href=\"ch-references.xhtml#ref-doe2020\">2020</a>)",
    ] {
        assert!(a.contains(want), "{want}\nnot in\n{a}");
    }
    let b = epub_text(&epub, "OEBPS/ch-b.xhtml");
    assert!(b.contains("<strong>lamprot1978</strong>"), "{b}");
    assert!(b.contains("me@knuth1984.org"), "{b}");
    let refs = epub_text(&epub, "OEBPS/ch-references.xhtml");
    assert!(
        refs.contains("<h1") && refs.contains("References"),
        "{refs}"
    );
    // All five works, in author order, the DOI and URL as links.
    let order: Vec<usize> = [
        "Doe, Jane",
        "IERS",
        "Knuth, Donald",
        "Lamport, Leslie",
        "Mills, David",
    ]
    .iter()
    .map(|w| refs.find(w).unwrap_or_else(|| panic!("{w} not in {refs}")))
    .collect();
    assert!(order.is_sorted(), "{order:?}");
    assert!(
        refs.contains("href=\"https://doi.org/10.1145/359545.359563\""),
        "{refs}"
    );
    assert!(refs.contains("id=\"ref-knuth1984\""), "{refs}");
    assert!(refs.contains("<em>The TeXbook</em>"), "{refs}");
    for x in [&a, &b, &refs] {
        assert!(!x.contains("[@") && !x.contains("[-@"), "{x}");
    }

    if let Some(pdftotext) = tool("pdftotext") {
        let o = std::process::Command::new(pdftotext)
            .arg(out.join("cited.pdf"))
            .arg("-")
            .output()
            .expect("pdftotext");
        let text = String::from_utf8_lossy(&o.stdout).replace('\n', " ");
        for want in [
            "(Lamport 1978, 560)",
            "Lamport (1978) showed",
            "(IERS 2024)",
            "References",
        ] {
            assert!(text.contains(want), "{want} not in the PDF: {text}");
        }
        assert!(!text.contains("[@"), "{text}");
    }
}

#[test]
fn a_bundled_style_by_name_and_a_bad_bibliography_said_where() {
    let dir = tempfile::tempdir().expect("tmp");
    book(
        dir.path(),
        "title: Cited\nbibliography: refs.bib\ncitation_style: ieee\n",
    );
    let out = built_epub(dir.path());
    let a = epub_text(&out.join("cited.epub"), "OEBPS/ch-a.xhtml");
    assert!(a.contains("[1, p. 560]"), "{a}");
    // A misspelt style is a warning that names the nearest; a broken .bib an error at its line.
    book(
        dir.path(),
        "title: Cited\nbibliography: refs.bib\ncitation_style: ieeee\n",
    );
    std::fs::write(
        dir.path().join("refs.bib"),
        "@book{a, title = {x},\n  year = {1984\n",
    )
    .expect("bib");
    let o = run_env(
        dir.path(),
        &["--epub", "-o", &out.display().to_string()],
        &[],
    );
    let err = stderr(&o);
    assert!(err.contains("warning[citation-style-unknown]"), "{err}");
    assert!(err.contains("did you mean `ieee`?"), "{err}");
    assert!(
        err.contains("error[bibliography-invalid]") && err.contains("refs.bib:"),
        "{err}"
    );
    assert!(!o.status.success());
}

/// A CSL-JSON bibliography, as Zotero exports it, is read like a .bib.
#[test]
fn a_csl_json_bibliography_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    book(dir.path(), "title: Cited\nbibliography: refs.json\n");
    std::fs::write(
        dir.path().join("refs.json"),
        r#"[{"id": "lamport1978", "type": "article-journal",
             "title": "Time, Clocks, and the Ordering of Events in a Distributed System",
             "author": [{"family": "Lamport", "given": "Leslie"}],
             "container-title": "Communications of the ACM", "volume": 21, "issue": "7",
             "page": "558-565", "issued": {"date-parts": [[1978, 7]]},
             "DOI": "10.1145/359545.359563"}]"#,
    )
    .expect("json");
    let out = built_epub(dir.path());
    let epub = out.join("cited.epub");
    assert_epubcheck_clean(&epub);
    let a = epub_text(&epub, "OEBPS/ch-a.xhtml");
    assert!(a.contains(">Lamport 1978, 560</a>)"), "{a}");
    let refs = epub_text(&epub, "OEBPS/ch-references.xhtml");
    assert!(
        refs.contains("<em>Communications of the ACM</em> 21 (7): 558–65"),
        "{refs}"
    );
}

/// A note's own bibliography (front matter) is that note's: another note cannot cite its
/// works. A `::: {#refs}` div is where the entries go, as in pandoc.
#[test]
fn a_notes_own_bibliography_is_its_own_and_a_refs_div_places_the_entries() {
    let dir = tempfile::tempdir().expect("tmp");
    book(dir.path(), "title: Cited\n");
    std::fs::write(
        dir.path().join("content/a.md"),
        "---\nbibliography: ../refs.bib\n---\n# Clocks\n\nAs @lamport1978 showed [@knuth1984, p. 3].\n\n# Works\n\n::: {#refs}\n:::\n",
    )
    .expect("a");
    std::fs::write(
        dir.path().join("content/b.md"),
        "# Leap seconds\n\nNot this note's [@lamport1978].\n",
    )
    .expect("b");
    let out = dir.path().join("out");
    let o = run_env(
        dir.path(),
        &["--epub", "-o", &out.display().to_string()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning[citation-unknown]") && err.contains("b.md:3:18"),
        "{err}"
    );
    assert!(err.contains("in another note's bibliography only"), "{err}");
    let epub = out.join("cited.epub");
    assert_epubcheck_clean(&epub);
    let a = epub_text(&epub, "OEBPS/ch-a.xhtml");
    assert!(a.contains("Lamport (1978)"), "{a}");
    // The entries stand where the div was, and the div's text is gone.
    assert!(a.contains("doc-bibliography") && !a.contains(":::"), "{a}");
    assert!(a.find("Works").unwrap_or(usize::MAX) < a.find("doc-bibliography").unwrap_or(0));
    let b = epub_text(&epub, "OEBPS/ch-b.xhtml");
    assert!(b.contains("<strong>lamport1978</strong>"), "{b}");
    // No References chapter: the entries are in the note.
    assert!(std::fs::read(&epub).is_ok_and(|_| !epub_has(&epub, "OEBPS/ch-references.xhtml")));
}

fn epub_has(epub: &Path, name: &str) -> bool {
    let file = std::fs::File::open(epub).expect("epub");
    zip::ZipArchive::new(file)
        .expect("zip")
        .by_name(name)
        .is_ok()
}

/// A note style (Chicago notes) sets each citation in the text as a footnote of its own,
/// numbered with the note's other footnotes, after the punctuation; the author named in
/// the sentence stays in it; a citation inside a footnote stays there.
#[test]
fn a_note_style_makes_citations_footnotes() {
    let dir = tempfile::tempdir().expect("tmp");
    book(
        dir.path(),
        "title: Cited\nbibliography: refs.bib\ncitation_style: chicago-notes\n",
    );
    std::fs::write(
        dir.path().join("content/a.md"),
        "# Clocks\n\nA remark.[^r] Logical clocks order events [@lamport1978, p. 560].\n\
         As @knuth1984 wrote, and again [@knuth1984, p. 9].\n\n\
         [^r]: My own note, citing [@doe2020].\n",
    )
    .expect("a");
    let out = built_epub(dir.path());
    let epub = out.join("cited.epub");
    assert_epubcheck_clean(&epub);
    let a = epub_text(&epub, "OEBPS/ch-a.xhtml");
    let note = |n: u32| {
        let from = a.find(&format!("id=\"fn-{n}\"")).unwrap_or(0);
        let to = a[from..].find("</aside>").map_or(a.len(), |e| from + e);
        a[from..to].to_string()
    };
    // The author's own note keeps number 1; the citations are 2, 3 and 4, in order.
    assert!(
        note(1).contains("My own note, citing") && note(1).contains("Jane Doe"),
        "{}",
        note(1)
    );
    assert!(
        a.contains("order events.<sup><a epub:type=\"noteref\""),
        "{a}"
    );
    assert!(
        note(2).contains("Leslie Lamport") && note(2).contains("560"),
        "{}",
        note(2)
    );
    assert!(a.contains(">Donald E. Knuth</a><sup>"), "{a}");
    assert!(note(3).contains("(Addison-Wesley, 1984)"), "{}", note(3));
    // The second citation of a work is the short form.
    assert!(
        note(4).contains("Knuth, <em>The TeXbook</em>, 9"),
        "{}",
        note(4)
    );
    assert!(!a.contains("[@") && !a.contains("@knuth"), "{a}");
    // The bibliography is there as with any style.
    let refs = epub_text(&epub, "OEBPS/ch-references.xhtml");
    assert!(refs.contains("Knuth, Donald E."), "{refs}");
}
