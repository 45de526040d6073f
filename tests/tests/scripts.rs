//! Every script in the PDF: a note in nine scripts (tests/fixtures/scripts) set with
//! subsets of the Noto fonts given by --font-path, read back with pdftotext.

use std::path::{Path, PathBuf};
use std::process::Command;

use notes2book_tests::{note, repo, run_env, stderr, tool};

fn fixture() -> PathBuf {
    repo().join("tests/fixtures/scripts")
}

/// Build the fixture's PDF into `out` with only the bundled and the fixture's fonts.
fn build(out: &Path) -> (PathBuf, String) {
    let fonts = fixture().join("fonts").display().to_string();
    let o = run_env(
        &fixture(),
        &[
            "--pdf",
            "--ignore-system-fonts",
            "--font-path",
            &fonts,
            "-o",
            &out.display().to_string(),
        ],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    (out.join("nine-scripts.pdf"), stderr(&o))
}

/// The text pdftotext reads, without the bidi marks it adds around right-to-left runs.
fn text_of(pdftotext: &Path, pdf: &Path) -> String {
    let o = Command::new(pdftotext)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&o.stdout)
        .chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect()
}

#[test]
fn nine_scripts_read_back_from_the_pdf() {
    let Some(pdftotext) = tool("pdftotext") else {
        note("skipped: poppler-utils not installed");
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let (pdf, err) = build(tmp.path());
    // Every character has a font, the emoji too (a colour one, drawn as a picture);
    // nothing is too long for its line.
    assert!(!err.contains("pdf-missing-glyphs"), "{err}");
    assert!(!err.contains("pdf-overfull"), "{err}");
    if let Some(pdfimages) = tool("pdfimages") {
        let o = Command::new(pdfimages)
            .arg("-list")
            .arg(&pdf)
            .output()
            .expect("pdfimages");
        let list = String::from_utf8_lossy(&o.stdout).into_owned();
        // The emoji's picture, with its transparency (an smask).
        assert!(
            list.contains(" image ") && list.contains(" smask "),
            "{list}"
        );
    }
    let text = text_of(&pdftotext, &pdf);
    for probe in [
        "我们的书很好",
        "キャットとデータ",
        "한국어 문장입니다",
        "مرحبا بالعالم",
        "שלום עולם",
        "Καλημέρα κόσμε",
        "Привет, мир",
        "नमस्ते दुनिया",
        "क्षत्रिय और विद्यालय",
        "สวัสดีชาวโลก",
        // Chinese inside a formula, set in the text face the math face lacks it for.
        "速度 =",
        // The colour emoji reads back, without a gap before what follows.
        "emoji 😀 and text.",
    ] {
        assert!(
            text.contains(probe),
            "{probe} does not read back from:\n{text}"
        );
    }
    // Kinsoku: no line opens with closing punctuation.
    for line in text.lines() {
        assert!(
            !line
                .trim_start()
                .starts_with(['，', '。', '、', '）', '」', '！', '？', '：', '；']),
            "{line}"
        );
    }
    // A heading in Chinese is set in the bold of the face found for Chinese.
    if let Some(pdffonts) = tool("pdffonts") {
        let o = Command::new(pdffonts).arg(&pdf).output().expect("pdffonts");
        let fonts = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(fonts.contains("NotoSerifCJKsc-Bold"), "{fonts}");
    }
    // The same fonts give the same bytes.
    let again = tempfile::tempdir().expect("tmp");
    let (pdf2, _) = build(again.path());
    assert_eq!(
        std::fs::read(&pdf).expect("pdf"),
        std::fs::read(&pdf2).expect("pdf")
    );
}
