//! The converter's MathML, parsed and written again: only known MathML elements and
//! attributes survive, the result is MathML 3 as EPUBCheck validates it, and the source
//! goes into `alttext` and an annotation.

use std::fmt::Write as _;

use roxmltree::{Document, Node, ParsingOptions};

use crate::{MathError, limits};

/// MathML presentation elements a formula may hold.
const ELEMENTS: &[&str] = &[
    "math",
    "semantics",
    "mrow",
    "mi",
    "mn",
    "mo",
    "mtext",
    "ms",
    "mspace",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "merror",
    "mpadded",
    "mphantom",
    "menclose",
    "mtable",
    "mtr",
    "mtd",
    "mmultiscripts",
    "mprescripts",
    "none",
];

/// Attributes kept, on any allowed element.
const ATTRIBUTES: &[&str] = &[
    "mathvariant",
    "lspace",
    "rspace",
    "stretchy",
    "symmetric",
    "largeop",
    "movablelimits",
    "accent",
    "accentunder",
    "linethickness",
    "columnalign",
    "rowalign",
    "columnspacing",
    "rowspacing",
    "columnlines",
    "rowlines",
    "frame",
    "width",
    "height",
    "depth",
    "voffset",
    "fence",
    "separator",
    "form",
    "minsize",
    "maxsize",
    "notation",
    "mathcolor",
    "mathbackground",
    "mathsize",
    "displaystyle",
    "scriptlevel",
    "style",
    "class",
];

/// Attributes that MathML 3 allows only on `mstyle` (MathML Core allows them on every
/// element): elsewhere they move onto an `mstyle` around the element.
const STYLE_ONLY: &[&str] = &["displaystyle", "scriptlevel"];

/// Parse `raw` and write it again (see the module's text).
pub fn rewrite(raw: &str, source: &str, display: bool) -> Result<crate::Converted, MathError> {
    let opts = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(raw, opts).map_err(|e| MathError {
        message: format!("the converter wrote MathML that does not parse ({e})"),
        at: None,
        limit: false,
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "math" {
        return Err(unexpected(root.tag_name().name()));
    }
    let mut out = String::with_capacity(raw.len() + 2 * source.len() + 160);
    out.push_str("<math xmlns=\"http://www.w3.org/1998/Math/MathML\"");
    if display {
        out.push_str(" display=\"block\"");
    }
    let _ = write!(out, " alttext=\"{}\"><semantics>", escape(source, true));
    // One child of `semantics`: the formula in an `mrow` unless it is one element already.
    let children: Vec<Node<'_, '_>> = root.children().filter(|n| !is_blank(n)).collect();
    let wrap = children.len() != 1 || !children[0].is_element();
    if wrap {
        out.push_str("<mrow>");
    }
    for child in children {
        write_node(child, 1, &mut out)?;
    }
    if wrap {
        out.push_str("</mrow>");
    }
    let _ = write!(
        out,
        "<annotation encoding=\"application/x-tex\">{}</annotation></semantics></math>",
        escape(source, false)
    );
    Ok(crate::Converted {
        mathml: out,
        text: plain(root),
    })
}

fn is_blank(n: &Node<'_, '_>) -> bool {
    n.is_text() && n.text().is_some_and(|t| t.trim().is_empty())
}

fn unexpected(name: &str) -> MathError {
    MathError {
        message: format!("the converter wrote an element that a formula may not hold (<{name}>)"),
        at: None,
        limit: false,
    }
}

fn write_node(node: Node<'_, '_>, depth: usize, out: &mut String) -> Result<(), MathError> {
    if depth > limits::MAX_DEPTH {
        return Err(MathError::limit(format!(
            "the formula nests more than {} elements deep",
            limits::MAX_DEPTH
        )));
    }
    if node.is_text() {
        out.push_str(&escape(node.text().unwrap_or(""), false));
        return Ok(());
    }
    if !node.is_element() {
        return Ok(());
    }
    let name = node.tag_name().name();
    if !ELEMENTS.contains(&name) || name == "math" {
        return Err(unexpected(name));
    }
    if name == "mtext" {
        write_text(node, out);
        return Ok(());
    }
    let moved: &[&str] = if name == "mstyle" { &[] } else { STYLE_ONLY };
    let style_attrs: Vec<(&str, &str)> = node
        .attributes()
        .filter(|a| moved.contains(&a.name()))
        .map(|a| (a.name(), a.value()))
        .collect();
    if !style_attrs.is_empty() {
        out.push_str("<mstyle");
        for (k, v) in &style_attrs {
            let _ = write!(out, " {k}=\"{}\"", escape(v, true));
        }
        out.push('>');
    }
    out.push('<');
    out.push_str(name);
    for a in node.attributes() {
        let (k, v) = (a.name(), a.value());
        let safe_style = k != "style" || safe_css(v);
        if a.namespace().is_none() && ATTRIBUTES.contains(&k) && !moved.contains(&k) && safe_style {
            let v = if LENGTHS.contains(&k) {
                length(v)
            } else {
                v.into()
            };
            let _ = write!(out, " {k}=\"{}\"", escape(&v, true));
        }
    }
    let children: Vec<Node<'_, '_>> = node.children().collect();
    if children.is_empty() {
        out.push_str("/>");
    } else {
        out.push('>');
        for c in children {
            write_node(c, depth + 1, out)?;
        }
        let _ = write!(out, "</{name}>");
    }
    if !style_attrs.is_empty() {
        out.push_str("</mstyle>");
    }
    Ok(())
}

/// `mtext`, whose text styles the converter writes as HTML inside it (`<b>`, `<i>`,
/// `<code>`, `<span class=…>`, for `\textbf`, `\textit`, `\texttt`, `\textsf`):
/// MathML 3 says the same with `mathvariant`.
fn write_text(node: Node<'_, '_>, out: &mut String) {
    let mut bold = false;
    let mut italic = false;
    let mut variant = None;
    for d in node.descendants().filter(|d| d.is_element() && *d != node) {
        match d.tag_name().name() {
            "b" | "strong" => bold = true,
            "i" | "em" => italic = true,
            "code" => variant = Some("monospace"),
            "span"
                if d.attribute("class")
                    .is_some_and(|c| c.contains("sans-serif")) =>
            {
                variant = Some("sans-serif")
            }
            _ => {}
        }
    }
    let variant = match (variant, bold, italic) {
        (Some("sans-serif"), true, _) => Some("bold-sans-serif"),
        (Some(v), _, _) => Some(v),
        (None, true, true) => Some("bold-italic"),
        (None, true, false) => Some("bold"),
        (None, false, true) => Some("italic"),
        (None, false, false) => None,
    };
    out.push_str("<mtext");
    for a in node.attributes() {
        let (k, v) = (a.name(), a.value());
        if a.namespace().is_none() && ATTRIBUTES.contains(&k) && (k != "style" || safe_css(v)) {
            let _ = write!(out, " {k}=\"{}\"", escape(v, true));
        }
    }
    if let Some(v) = variant.filter(|_| node.attribute("mathvariant").is_none()) {
        let _ = write!(out, " mathvariant=\"{v}\"");
    }
    let text: String = node
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    let _ = write!(out, ">{}</mtext>", escape(&text, false));
}

/// Attributes whose value is a MathML length.
const LENGTHS: &[&str] = &[
    "width", "height", "depth", "lspace", "rspace", "voffset", "minsize", "maxsize",
];

/// A length in a unit MathML 3 knows: the converter writes `rem`, which it does not
/// (`em` is as near as MathML 3 gets).
pub fn length(v: &str) -> std::borrow::Cow<'_, str> {
    match v.trim().strip_suffix("rem") {
        Some(n) if n.parse::<f32>().is_ok() => format!("{n}em").into(),
        _ => v.into(),
    }
}

/// Inline CSS the converter writes (alignment, widths, colours): nothing that loads or runs.
fn safe_css(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    !(l.contains("url(") || l.contains("expression") || l.contains('<') || l.contains('\\'))
}

/// Text for XML content or (with `attr`) a double-quoted attribute.
pub fn escape(s: &str, attr: bool) -> String {
    notes2book_model::xml_escape(s, attr)
}

/// A formula as plain text that reads: tokens in order, simple scripts as Unicode
/// superscripts and subscripts (`x²`, `xᵢ`), others as `^(…)` and `_(…)`, fractions as
/// `a/b`, roots as `√x`. For titles, the contents and the outline, where markup cannot go.
pub fn plain(node: Node<'_, '_>) -> String {
    let mut out = String::new();
    push_plain(node, &mut out, 0);
    // Variation selectors (`ℒ` + U+FE00 for a calligraphic L) mean nothing in plain text.
    out.retain(|c| !('\u{FE00}'..='\u{FE0F}').contains(&c));
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn push_plain(node: Node<'_, '_>, out: &mut String, depth: usize) {
    if depth > limits::MAX_DEPTH {
        return;
    }
    if node.is_text() {
        out.push_str(node.text().unwrap_or(""));
        return;
    }
    let kids: Vec<Node<'_, '_>> = node.children().filter(|n| n.is_element()).collect();
    let sub = |n: Node<'_, '_>| {
        let mut s = String::new();
        push_plain(n, &mut s, depth + 1);
        s
    };
    match (node.tag_name().name(), kids.as_slice()) {
        ("annotation", _) => {}
        ("msup", [base, script]) => {
            out.push_str(&sub(*base));
            out.push_str(&script_text(&sub(*script), true));
        }
        ("msub", [base, script]) => {
            out.push_str(&sub(*base));
            out.push_str(&script_text(&sub(*script), false));
        }
        ("msubsup", [base, below, above]) | ("munderover", [base, below, above]) => {
            out.push_str(&sub(*base));
            out.push_str(&script_text(&sub(*below), false));
            out.push_str(&script_text(&sub(*above), true));
        }
        ("mfrac", [num, den]) => {
            let _ = write!(out, "{}/{}", grouped(&sub(*num)), grouped(&sub(*den)));
        }
        ("msqrt", _) => {
            let inner: String = kids.iter().map(|k| sub(*k)).collect();
            let _ = write!(out, "√{}", grouped(&inner));
        }
        ("mroot", [base, index]) => {
            let _ = write!(
                out,
                "{}√{}",
                script_text(&sub(*index), true),
                grouped(&sub(*base))
            );
        }
        ("mo", _) => {
            let t = sub_text(node);
            let spaced = matches!(
                t.as_str(),
                "=" | "<" | ">" | "≤" | "≥" | "≠" | "→" | "+" | "−" | "-" | "±" | "×" | "·"
            );
            if spaced {
                let _ = write!(out, " {t} ");
            } else {
                out.push_str(&t);
            }
        }
        ("mtable", _) => {
            let rows: Vec<String> = kids.iter().map(|k| sub(*k)).collect();
            out.push_str(&rows.join("; "));
        }
        ("mtr", _) => {
            let cells: Vec<String> = kids.iter().map(|k| sub(*k)).collect();
            out.push_str(&cells.join(" "));
        }
        _ => {
            for c in node.children() {
                push_plain(c, out, depth + 1);
            }
        }
    }
}

fn sub_text(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}

/// `(a+b)` for a group of more than one character, else the character.
fn grouped(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= 1 {
        s.to_owned()
    } else {
        format!("({s})")
    }
}

/// A script in Unicode superscript or subscript characters when each has one, else
/// `^(…)` or `_(…)`.
fn script_text(s: &str, sup: bool) -> String {
    const SUP: [(char, char); 18] = [
        ('0', '⁰'),
        ('1', '¹'),
        ('2', '²'),
        ('3', '³'),
        ('4', '⁴'),
        ('5', '⁵'),
        ('6', '⁶'),
        ('7', '⁷'),
        ('8', '⁸'),
        ('9', '⁹'),
        ('+', '⁺'),
        ('-', '⁻'),
        ('−', '⁻'),
        ('=', '⁼'),
        ('(', '⁽'),
        (')', '⁾'),
        ('n', 'ⁿ'),
        ('i', 'ⁱ'),
    ];
    const SUB: [(char, char); 21] = [
        ('0', '₀'),
        ('1', '₁'),
        ('2', '₂'),
        ('3', '₃'),
        ('4', '₄'),
        ('5', '₅'),
        ('6', '₆'),
        ('7', '₇'),
        ('8', '₈'),
        ('9', '₉'),
        ('+', '₊'),
        ('-', '₋'),
        ('−', '₋'),
        ('=', '₌'),
        ('(', '₍'),
        (')', '₎'),
        ('i', 'ᵢ'),
        ('j', 'ⱼ'),
        ('n', 'ₙ'),
        ('k', 'ₖ'),
        ('m', 'ₘ'),
    ];
    let table: &[(char, char)] = if sup { &SUP } else { &SUB };
    let s = s.trim();
    let mapped: Option<String> = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| table.iter().find(|(a, _)| *a == c).map(|(_, b)| *b))
        .collect();
    match mapped {
        Some(m) if !m.is_empty() => m,
        _ if s == "′" || s == "″" => s.to_owned(),
        _ => format!("{}{}", if sup { "^" } else { "_" }, grouped(s)),
    }
}
