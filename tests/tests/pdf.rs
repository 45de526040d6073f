//! The PDF of content/ read back with poppler and qpdf: file structure, fonts, the words of
//! the notes, determinism.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use notes2book_tests::{note, repo, run_env, stderr};

fn tool(name: &str) -> Option<PathBuf> {
    let found = Command::new(name).arg("-v").output().is_ok();
    if !found && std::env::var_os("CI").is_some() {
        panic!("{name} is missing: .ci/run installs it");
    }
    found.then(|| PathBuf::from(name))
}

fn build_pdf(out: &Path, env: &[(&str, &str)]) -> PathBuf {
    let o = run_env(&repo(), &["--pdf", "-o", &out.display().to_string()], env);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdfs: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("out dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    assert_eq!(pdfs.len(), 1, "one PDF: {pdfs:?}");
    pdfs[0].clone()
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every text and code string in the model dump.
fn model_text(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(m) => {
            let ty = m.get("type").and_then(|t| t.as_str());
            if let (Some("text" | "code"), Some(serde_json::Value::String(s))) =
                (ty, m.get("value"))
            {
                out.push_str(s);
                out.push(' ');
            }
            if let Some(serde_json::Value::String(t)) = m.get("title")
                && m.contains_key("anchor")
            {
                out.push_str(t);
                out.push(' ');
            }
            for (k, x) in m {
                // Figures whose image is missing show the path instead of the alt text;
                // math is shown as its TeX source; links' destinations are not text.
                if k == "front" || k == "dest" || k == "url" || k == "params" {
                    continue;
                }
                model_text(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| model_text(x, out)),
        _ => {}
    }
}

#[test]
fn content_pdf_is_valid_embeds_its_fonts_and_has_every_word() {
    let (Some(qpdf), Some(pdffonts), Some(pdftotext)) =
        (tool("qpdf"), tool("pdffonts"), tool("pdftotext"))
    else {
        note("skipped: qpdf or poppler-utils not installed");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let pdf = build_pdf(tmp.path(), &[]);

    let check = Command::new(qpdf)
        .arg("--check")
        .arg(&pdf)
        .output()
        .expect("qpdf");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let fonts = Command::new(pdffonts).arg(&pdf).output().expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(
        rows.len() >= 3,
        "body, bold, italic and code fonts: {fonts}"
    );
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type... emb sub uni object gen
        let n = cols.len();
        assert!(n >= 6, "{row}");
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "embedded, subset, ToUnicode: {row}"
        );
    }

    // Words of the notes (from the model) against the PDF's text, with line-end
    // hyphenation undone both ways (a hyphen that was only a break, or a real one).
    let dump = run_env(&repo(), &["dump"], &[]);
    assert!(dump.status.success(), "{}", stderr(&dump));
    let model: serde_json::Value = serde_json::from_slice(&dump.stdout).expect("dump is JSON");
    let mut text = String::new();
    model_text(&model["chapters"], &mut text);
    let expected: BTreeSet<String> = words_of(&text).into_iter().collect();
    assert!(
        expected.len() > 500,
        "the model has text: {}",
        expected.len()
    );

    let out = Command::new(pdftotext)
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let pdf_text = String::from_utf8_lossy(&out.stdout).into_owned();
    let joined = pdf_text.replace("-\n", "");
    let kept = pdf_text.replace("-\n", "-");
    let found: BTreeSet<String> = words_of(&joined)
        .into_iter()
        .chain(words_of(&kept))
        .collect();
    let missing: Vec<&String> = expected.iter().filter(|w| !found.contains(*w)).collect();
    assert!(
        missing.is_empty(),
        "{} words of the notes are not in the PDF: {missing:?}",
        missing.len()
    );
    // Ligatures extract as letters, accents and typographic punctuation survive.
    for w in ["Zürich", "—"] {
        assert!(pdf_text.contains(w), "{w} in the PDF text");
    }
}

#[test]
fn same_input_same_pdf_bytes() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let env = [("SOURCE_DATE_EPOCH", "1700000000")];
    let pa = build_pdf(a.path(), &env);
    let pb = build_pdf(b.path(), &env);
    let (x, y) = (
        std::fs::read(pa).expect("pdf a"),
        std::fs::read(pb).expect("pdf b"),
    );
    assert!(x.len() > 10_000);
    assert!(x == y, "two builds differ");
}
