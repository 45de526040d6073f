//! `books:`: several books from one vault, built in one run or one by one with `--book`;
//! a note in two books, links from one book into notes it does not hold.

use std::path::Path;

use notes2book_tests::{epub_chapters_text as chapters, epub_text, run_env, stderr};

/// A vault of five notes and two books: `rust` (the rust folder, and notes tagged
/// `systems`) and `published` (notes with `publish: true`). Borrowing is in both.
fn vault() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "notes2book.yaml",
        "title: My vault\nauthors: [Ann Author]\nlanguage: en\ncover: false\ninput: content\n\
         books:\n  - name: rust\n    title: Rust Notes\n    folders: [rust]\n    tags: [systems]\n\
         \x20 - name: published\n    title: Published Notes\n    output_name: best-of\n\
         \x20   where: {publish: true}\n",
    );
    write("content/rust/_index.md", "---\ntitle: Rust\n---\n");
    write(
        "content/rust/ownership.md",
        "# Ownership\n\nSee [[borrowing]], [[compost]] and [compost again](../garden/compost.md).\n",
    );
    write(
        "content/rust/borrowing.md",
        "---\npublish: true\n---\n# Borrowing\n\nA shared note. ![chart](chart.png)\n",
    );
    write(
        "content/garden/compost.md",
        "---\npublish: true\n---\n# Compost\n\nRead [[ownership]] too.\n",
    );
    write(
        "content/garden/soil.md",
        "# Soil\n\nNotes on #systems of soil.\n",
    );
    write("content/garden/weeds.md", "# Weeds\n\nIn no book.\n");
    dir
}

fn build(root: &Path, extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let out = root.join("out");
    let mut args = vec!["--epub", "-o"];
    let o = out.display().to_string();
    args.push(&o);
    args.extend_from_slice(extra);
    (run_env(root, &args, &[]), out)
}

#[test]
fn every_book_is_built_in_one_run_with_its_own_notes() {
    let dir = vault();
    let (o, out) = build(dir.path(), &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let rust = out.join("rust.epub");
    let best = out.join("best-of.epub");
    assert!(rust.is_file() && best.is_file(), "{err}");
    let names: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "only the two books: {names:?}");

    let r = chapters(&rust);
    for t in ["Ownership", "Borrowing", "Soil"] {
        assert!(r.contains(&format!(">{t}<")), "{t} in rust: {r}");
    }
    assert!(!r.contains(">Compost<") && !r.contains("Weeds"), "{r}");
    let opf = epub_text(&rust, "OEBPS/content.opf");
    assert!(
        opf.contains(">Rust Notes<") && opf.contains(">Ann Author<"),
        "{opf}"
    );

    let b = chapters(&best);
    assert!(b.contains(">Borrowing<") && b.contains(">Compost<"), "{b}");
    assert!(!b.contains(">Ownership<") && !b.contains(">Soil<"), "{b}");
    let opf = epub_text(&best, "OEBPS/content.opf");
    assert!(opf.contains(">Published Notes<"), "{opf}");
}

#[test]
fn links_into_another_book_become_text_with_one_warning_per_book() {
    let dir = vault();
    let (o, out) = build(dir.path(), &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    // rust: two links from Ownership to Compost; published: one from Compost to Ownership.
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("link-outside-book"))
        .collect();
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(
        err.contains("2 links in the book `rust` lead to notes it does not hold"),
        "{err}"
    );
    assert!(
        err.contains("1 link in the book `published` leads to notes it does not hold"),
        "{err}"
    );
    let r = chapters(&out.join("rust.epub"));
    assert!(r.contains("compost again"), "the link's text stays: {r}");
    assert!(
        !r.contains("compost.xhtml") && !r.contains("ch-compost"),
        "{r}"
    );
    // A link inside the book still leads somewhere.
    assert!(
        r.contains("href=\"ch-") || r.contains("#ch-borrowing"),
        "{r}"
    );
    // The shared note's missing image is reported once, not once per book.
    assert_eq!(err.matches("image-missing").count(), 1, "{err}");
}

#[test]
fn book_builds_one_and_an_unknown_name_lists_the_books() {
    let dir = vault();
    let (o, out) = build(dir.path(), &["--book", "published"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("best-of.epub").is_file());
    assert!(!out.join("rust.epub").exists());

    let (o, _) = build(dir.path(), &["--book", "nope"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no book named `nope`") && err.contains("`rust`, `published`"),
        "{err}"
    );

    // dump prints one book: the one named.
    let o = run_env(dir.path(), &["dump", "--book", "rust"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let titles: Vec<&str> = json["chapters"]
        .as_array()
        .expect("chapters")
        .iter()
        .filter_map(|c| c["title"].as_str())
        .collect();
    // Tree order: garden/ before rust/.
    assert_eq!(titles, ["Soil", "Rust", "Borrowing", "Ownership"]);
    let o = run_env(dir.path(), &["dump"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_book_that_selects_nothing_is_a_config_error() {
    let dir = vault();
    std::fs::write(
        dir.path().join("notes2book.yaml"),
        "input: content\nbooks:\n  - name: empty\n    title: Nothing\n",
    )
    .expect("config");
    let (o, _) = build(dir.path(), &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the book `empty` selects no notes"), "{err}");
    assert!(
        err.contains("notes2book.yaml:3:"),
        "points at the book: {err}"
    );
}
