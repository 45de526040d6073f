//! Math end to end: a note with formulas in every delimiter notes use, money that must stay
//! money, a `-` line inside display math, and a broken formula. The EPUB holds MathML for
//! every formula that can be read (checked by EPUBCheck, `properties="mathml"` declared),
//! no TeX outside annotations, no heading made of a formula, and the broken one is
//! reported at its line and shown as its source.

use std::path::Path;

use notes2book_tests::{assert_epubcheck_clean, run_env, stderr, tool, zip_entries};

const NOTE: &str = r#"---
title: Waves and money
---
# Waves and money

Inline $x^2 + y^2 = z^2$, \(\alpha + \beta\) and a doubled \\(\gamma\\). It costs $5 and $10,
or $20,000 in all.

A paragraph right above
$$
\int_0^1 f(x)\,dx = F(1) - F(0)
-
$$
and text after.

\[ \sum_{i=1}^n i = \frac{n(n+1)}{2} \]

```math
\begin{pmatrix} a & b \\ c & d \end{pmatrix}
```

$$
\begin{aligned}
a &= b + c \\
  &= d \tag{2.1}
\end{aligned}
$$

## The $\mathcal{L}$ loss

| term | value |
| --- | --- |
| $|x|$ | $\textbf{bold}\ y$ |

- Euler: $e^{i\pi} + 1 = 0$
- broken: $\frac{1}{$ here

> [!note] Cases
> $$
> f(x) = \begin{cases} 1 & x > 0 \\ 0 & \text{else} \end{cases}
> $$

A footnote.[^1] And [a link with $\pi$](https://example.org).

[^1]: With $\sqrt{2}$ inside.
"#;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// TeX that must not be left in a book's text.
const TEX_WORDS: [&str; 7] = [
    "\\frac",
    "\\sum",
    "\\int",
    "\\alpha",
    "\\begin",
    "\\mathcal",
    "$$",
];

/// The text of the EPUB entry whose name ends in `name`.
fn entry_text(entries: &[(String, Vec<u8>, bool)], name: &str) -> String {
    entries
        .iter()
        .find(|(n, _, _)| n.ends_with(name))
        .map(|(_, d, _)| String::from_utf8_lossy(d).into_owned())
        .unwrap_or_else(|| panic!("{name} in the EPUB"))
}

#[test]
fn formulas_become_mathml_and_money_stays_money() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    write(&root.join("content/waves.md"), NOTE);
    let o = run_env(root, &["--epub", "-o", "out"], &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning[math-invalid]") && err.contains("--> content/waves.md:36:21"),
        "the broken formula is reported at its line and column: {err}"
    );
    assert!(err.contains("1 warning, 0 errors"), "{err}");
    let epub = root.join("out/waves-and-money.epub");
    assert_epubcheck_clean(&epub);
    let entries = zip_entries(&epub);
    let page = |name: &str| entry_text(&entries, name);
    let xhtml = page("ch-waves.xhtml");
    // 14 formulas that read: 3 inline in the first paragraph, 5 displays (one in the
    // callout), the heading's, 2 in the table, Euler's, the footnote's and the link's.
    assert_eq!(xhtml.matches("<math ").count(), 14, "{xhtml}");
    assert_eq!(xhtml.matches("display=\"block\"").count(), 5, "{xhtml}");
    assert!(
        xhtml.contains("<code class=\"math\">\\frac{1}{</code>"),
        "{xhtml}"
    );
    assert!(
        xhtml.contains("costs $5 and $10,\nor $20,000 in all."),
        "{xhtml}"
    );
    assert!(
        xhtml.contains("<span class=\"eqno\">(2.1)</span>"),
        "{xhtml}"
    );
    assert!(
        xhtml.contains("<mtext mathvariant=\"bold\">bold</mtext>"),
        "{xhtml}"
    );
    // No TeX left in the text: only inside alttext and annotations (and the broken one).
    let mut text = xhtml.clone();
    while let (Some(a), Some(b)) = (text.find("<math "), text.find("</math>")) {
        text.replace_range(a..b + "</math>".len(), "");
    }
    let text = text.replace("<code class=\"math\">\\frac{1}{</code>", "");
    for tex in TEX_WORDS {
        assert!(!text.contains(tex), "{tex} outside math: {text}");
    }
    // The display formula's `-` line made no heading; the one heading is the loss.
    assert_eq!(xhtml.matches("<h2").count(), 1, "{xhtml}");
    let nav = page("nav.xhtml");
    assert!(
        nav.contains("The ℒ loss") && !nav.contains("mathcal"),
        "{nav}"
    );
    let opf = page("content.opf");
    assert!(
        opf.contains("href=\"ch-waves.xhtml\" properties=\"mathml\""),
        "{opf}"
    );
    // The same book twice gives the same bytes.
    let again = run_env(root, &["--epub", "-o", "again"], &[]);
    assert!(again.status.success());
    assert!(
        std::fs::read(&epub).expect("epub")
            == std::fs::read(root.join("again/waves-and-money.epub")).expect("epub")
    );
}

#[test]
fn formulas_are_typeset_in_the_pdf() {
    let (Some(pdffonts), Some(pdftotext)) = (tool("pdffonts"), tool("pdftotext")) else {
        notes2book_tests::note("skipped: poppler-utils not installed");
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    write(&root.join("content/waves.md"), NOTE);
    let o = run_env(root, &["--pdf", "-o", "out"], &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    // Only the broken formula is reported: every other one was laid out, no glyph missing.
    assert!(err.contains("1 warning, 0 errors"), "{err}");
    assert!(
        !err.contains("pdf-math") && !err.contains("pdf-missing-glyphs"),
        "{err}"
    );
    let pdf = root.join("out/waves-and-money.pdf");
    let fonts = std::process::Command::new(pdffonts)
        .arg(&pdf)
        .output()
        .expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let math_row = fonts
        .lines()
        .find(|l| l.contains("TeXGyreScholaMath"))
        .unwrap_or_else(|| panic!("the math font is in the PDF: {fonts}"));
    assert!(
        math_row.contains("yes yes yes"),
        "embedded, subset, ToUnicode: {math_row}"
    );
    let text = std::process::Command::new(pdftotext)
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    // The characters of the formulas come back as written; no TeX but the broken one.
    for want in [
        "α + β",
        "(2.1)",
        "eiπ + 1 = 0",
        "The ℒ loss",
        "costs $5 and $10",
    ] {
        assert!(text.contains(want), "{want:?} in {text}");
    }
    let text = text.replace("\\frac{1}{", "");
    for tex in TEX_WORDS {
        assert!(!text.contains(tex), "{tex} left in the PDF: {text}");
    }
    // A book without math does not carry the math font.
    write(
        &root.join("content/waves.md"),
        "# Plain\n\nNo formulas, $5 only.\n",
    );
    let o = run_env(root, &["--pdf", "-o", "plain"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plain = std::fs::read_dir(root.join("plain"))
        .expect("plain")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .expect("a pdf");
    let fonts = std::process::Command::new("pdffonts")
        .arg(&plain)
        .output()
        .expect("pdffonts");
    assert!(!String::from_utf8_lossy(&fonts.stdout).contains("ScholaMath"));
}

#[test]
fn math_as_svg_for_readers_without_mathml() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    write(&root.join("content/waves.md"), NOTE);
    write(&root.join("notes2book.yaml"), "epub:\n  math: svg\n");
    let o = run_env(root, &["--epub", "-o", "out"], &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("1 warning, 0 errors"),
        "only the broken formula: {err}"
    );
    let epub = root.join("out/waves-and-money.epub");
    assert_epubcheck_clean(&epub);
    let entries = zip_entries(&epub);
    let text = |name: &str| entry_text(&entries, name);
    let xhtml = text("ch-waves.xhtml");
    assert!(!xhtml.contains("<math"), "no MathML: {xhtml}");
    // The 14 formulas that read are images, their TeX their alternative text, sized in
    // ems and lowered to the baseline; the broken one is its source.
    assert_eq!(
        xhtml.matches("<img class=\"math-svg").count(),
        14,
        "{xhtml}"
    );
    assert!(
        xhtml.contains("alt=\"x^2 + y^2 = z^2\"") && xhtml.contains("vertical-align:-"),
        "{xhtml}"
    );
    assert!(
        xhtml.contains("<code class=\"math\">\\frac{1}{</code>"),
        "{xhtml}"
    );
    let opf = text("content.opf");
    assert!(!opf.contains("mathml"), "no MathML declared: {opf}");
    // Every drawing is an SVG of glyph outlines (no text, no fonts needed), listed in the
    // manifest.
    let svgs: Vec<&(String, Vec<u8>, bool)> = entries
        .iter()
        .filter(|(n, _, _)| n.starts_with("OEBPS/math/") && n.ends_with(".svg"))
        .collect();
    assert!(svgs.len() >= 12, "{} drawings", svgs.len());
    for (name, data, _) in svgs {
        let svg = String::from_utf8_lossy(data);
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert!(
            svg.contains("<path d=\"M") && !svg.contains("<text"),
            "{name}: {svg}"
        );
        let href = name.trim_start_matches("OEBPS/");
        assert!(
            opf.contains(&format!(
                "media-type=\"image/svg+xml\" id=\"id_math_{}\" href=\"{href}\"",
                &href[5..]
            )),
            "{href} in the manifest: {opf}"
        );
    }
    // The same book twice gives the same bytes.
    let again = run_env(root, &["--epub", "-o", "again"], &[]);
    assert!(again.status.success());
    assert!(
        std::fs::read(&epub).expect("epub")
            == std::fs::read(root.join("again/waves-and-money.epub")).expect("epub")
    );
}
