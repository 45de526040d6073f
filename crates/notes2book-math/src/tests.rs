use super::*;

fn ok(tex: &str, display: bool) -> String {
    match convert(tex, tex, display) {
        Ok(m) => m.mathml,
        Err(e) => panic!("{tex:?}: {e}"),
    }
}

#[test]
fn formulas_become_mathml_with_their_source() {
    let m = ok(r"\frac{a}{b} < c", false);
    assert!(m.starts_with("<math xmlns=\"http://www.w3.org/1998/Math/MathML\" alttext=\"\\frac{a}{b} &lt; c\"><semantics><mrow>"), "{m}");
    assert!(
        m.contains("<mfrac><mi>a</mi><mi>b</mi></mfrac><mo>&lt;</mo>"),
        "{m}"
    );
    assert!(m.ends_with("<annotation encoding=\"application/x-tex\">\\frac{a}{b} &lt; c</annotation></semantics></math>"), "{m}");
    let d = ok(r"\sum_{i=1}^n i", true);
    assert!(d.contains(" display=\"block\""), "{d}");
}

#[test]
fn mathml_core_attributes_move_onto_mstyle() {
    let m = ok(
        r"\dfrac{1}{2} + \begin{pmatrix} a & b \\ c & d \end{pmatrix}",
        true,
    );
    assert!(m.contains("<mstyle displaystyle=\"true\"><mfrac>"), "{m}");
    assert!(!m.contains("<mfrac displaystyle"), "{m}");
    assert!(
        m.contains("<mstyle displaystyle=\"false\" scriptlevel=\"0\"><mtable>"),
        "{m}"
    );
}

#[test]
fn numbered_environments_are_read_unnumbered() {
    let m = ok(r"\begin{align} a &= b \\ c &= d \end{align}", true);
    assert!(!m.contains("(1)"), "{m}");
    let m = ok(r"\begin{equation} E = mc^2 \end{equation}", true);
    assert!(!m.contains("(1)"), "{m}");
}

#[test]
fn broken_and_hostile_formulas_are_errors_not_markup() {
    let e = convert(r"\frac{1}{", r"\frac{1}{", false).expect_err("unclosed");
    assert!(e.message.contains("end of input"), "{e}");
    assert!(!e.limit);
    let e = convert(r"\nosuchcommand x", "", false).expect_err("unknown");
    assert_eq!(e.at, Some(0..14));
    // The converter copies \operatorname's text raw: what it writes does not parse.
    let evil = r"\operatorname{</math><script>alert(1)</script>}";
    assert!(convert(evil, evil, true).is_err());
    // Text that looks like markup stays text.
    let m = ok(r"\text{</math><b>}", false);
    assert!(
        m.contains("&lt;/math&gt;&lt;b&gt;") && !m.contains("<b>"),
        "{m}"
    );
}

#[test]
fn limits_refuse_before_converting() {
    let long = "x+".repeat(limits::MAX_TEX_BYTES);
    assert!(convert(&long, "", false).expect_err("long").limit);
    let deep = format!("{}x{}", "{".repeat(200), "}".repeat(200));
    assert!(convert(&deep, "", false).expect_err("deep").limit);
    let wide = format!(r"\begin{{matrix}}{}\end{{matrix}}", "a&".repeat(5_000));
    assert!(convert(&wide, "", false).expect_err("wide").limit);
}

#[test]
fn tags_and_labels_are_taken_apart() {
    let t = split_tags(r"E = mc^2 \tag{1.2} \label{eq:energy}");
    assert_eq!(t.tex, "E = mc^2");
    assert_eq!(t.tag.as_deref(), Some("(1.2)"));
    assert_eq!(t.label.as_deref(), Some("eq:energy"));
    let t = split_tags(r"a \\ b \tag*{$\star$} \nonumber");
    assert_eq!(
        (t.tex.as_str(), t.tag.as_deref()),
        (r"a \\ b", Some(r"$\star$"))
    );
    let t = split_tags(r"\{x\} \, \notag");
    assert_eq!((t.tex.as_str(), t.tag), (r"\{x\} \,", None));
}

#[test]
fn escaping_drops_what_xml_forbids() {
    assert_eq!(sanitize::escape("a\u{0}b\"<", true), "ab&quot;&lt;");
    assert_eq!(sanitize::escape("a\nb", false), "a\nb");
}

#[test]
fn formulas_read_as_plain_text() {
    let text = |t: &str| convert(t, t, false).map(|c| c.text).unwrap_or_default();
    assert_eq!(text(r"x^2 + y^2 = z^2"), "x² + y² = z²");
    assert_eq!(text(r"\mathcal{L}(\beta)"), "ℒ(β)");
    assert_eq!(text(r"\frac{a+b}{2}"), "(a + b)/2");
    assert_eq!(text(r"e^{i\pi}"), "e^(iπ)");
    assert_eq!(text(r"x_i \le \sqrt{2}"), "xᵢ ≤ √2");
}

#[test]
fn text_styles_become_mathvariants() {
    let m = ok(
        r"\textrm{a} \textbf{b} \textit{c} \texttt{d} \textsf{e}",
        false,
    );
    assert!(m.contains("<mtext>a</mtext>"), "{m}");
    assert!(m.contains("<mtext mathvariant=\"bold\">b</mtext>"), "{m}");
    assert!(m.contains("<mtext mathvariant=\"italic\">c</mtext>"), "{m}");
    assert!(
        m.contains("<mtext mathvariant=\"monospace\">d</mtext>"),
        "{m}"
    );
    assert!(
        m.contains("<mtext mathvariant=\"sans-serif\">e</mtext>"),
        "{m}"
    );
}

#[test]
fn mathjax_habits_are_read() {
    ok(r"\small \mathsf{(1)} + x", true);
    ok(r"x = \epsilon*\text{sign}(y)", false);
    assert_eq!(sanitize::length("7.2rem"), "7.2em");
    assert_eq!(sanitize::length("0.5em"), "0.5em");
    assert_eq!(
        mathjax_habits(r"\operatorname*{arg\,max} \\ \Large x"),
        r"\operatorname*{arg\,max} \\  x"
    );
}

#[test]
fn rows_outside_an_environment_are_gathered() {
    assert_eq!(
        top_level_rows(r"X \sim \text{Bin}(n, p) \\ E[X] = np"),
        r"\begin{gathered}X \sim \text{Bin}(n, p) \\ E[X] = np\end{gathered}"
    );
    assert_eq!(
        top_level_rows(r"a &= b \\ &= c"),
        r"\begin{aligned}a &= b \\ &= c\end{aligned}"
    );
    // Rows inside an environment or a group are the environment's.
    for tex in [
        r"\begin{pmatrix} a \\ b \end{pmatrix}",
        r"\substack{a \\ b}",
        "x",
    ] {
        assert_eq!(top_level_rows(tex), tex);
    }
    let rows = ok("a = 1 \\\\\n b = 2", true);
    assert!(rows.contains("<mtr>"), "{rows}");
    // Inline math keeps its text as it is.
    assert!(!ok("a \\\\ b", false).contains("<mtr>"));
}

#[test]
fn poor_mans_bold_is_bold() {
    let m = ok(r"\pmb{x} + y", false);
    assert_eq!(
        m,
        ok(r"\boldsymbol{x} + y", false).replace(r"\boldsymbol{x}", r"\pmb{x}")
    );
}
