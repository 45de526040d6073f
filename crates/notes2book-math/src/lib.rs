//! Math as notes write it (TeX, for MathJax or KaTeX), turned into MathML that both books
//! can use: the EPUB writes it as it is, the PDF (later) lays it out. Entry points:
//! [`convert`] for one formula, [`split_tags`] for the `\tag{…}` and `\label{…}` of a
//! display formula.
//!
//! The converter is `math-core`; its output is treated as untrusted (it copies some
//! arguments raw): it is parsed, every element and attribute is checked against an
//! allow-list, and it is written again as MathML 3 that EPUBCheck accepts (`displaystyle`
//! and `scriptlevel` moved from `mfrac` and `mtable` onto an `mstyle`), with the source in
//! `alttext` and in an `application/x-tex` annotation. Formulas past the [`limits`] are
//! refused before the converter sees them.

mod sanitize;
mod tags;

use std::ops::Range;
use std::sync::OnceLock;

use math_core::{LatexToMathML, MathCoreConfig, MathDisplay};

pub use tags::{Tags, split_tags};

/// Limits against hostile or runaway formulas: past them a formula is shown as its source.
pub mod limits {
    /// Longest formula, in bytes of TeX.
    pub const MAX_TEX_BYTES: usize = 20_000;
    /// Deepest nesting of `{…}` groups and `\begin…\end` environments.
    pub const MAX_NESTING: usize = 64;
    /// Most cells in a formula's matrices and aligned rows (`&` and `\\` separators).
    pub const MAX_CELLS: usize = 4_000;
    /// Deepest nesting of MathML elements in the converter's output.
    pub const MAX_DEPTH: usize = 256;
}

/// Why a formula could not be turned into MathML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MathError {
    /// What is wrong, in the converter's words or ours.
    pub message: String,
    /// Where in the TeX source, when known (byte offsets).
    pub at: Option<Range<usize>>,
    /// A limit was passed (rather than the TeX being wrong).
    pub limit: bool,
}

impl MathError {
    fn limit(message: String) -> MathError {
        MathError {
            message,
            at: None,
            limit: true,
        }
    }
}

impl std::fmt::Display for MathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn converter() -> &'static LatexToMathML {
    static CONVERTER: OnceLock<LatexToMathML> = OnceLock::new();
    CONVERTER.get_or_init(|| {
        let config = MathCoreConfig {
            annotation: false,
            xml_namespace: false,
            // MathJax's "poor man's bold", common in course notes and thesis templates.
            macros: vec![("pmb".to_string(), "\\boldsymbol{#1}".to_string())],
            ..MathCoreConfig::default()
        };
        LatexToMathML::new(config).unwrap_or_default()
    })
}

/// A formula read: its MathML, and the same as plain text that reads (`x² + y² = z²`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub mathml: String,
    pub text: String,
}

/// The MathML for one formula (`display`: a block of its own). `tex` is the formula as
/// the converter should read it (without `\tag` and `\label`, see [`split_tags`]);
/// `source` is what the author wrote, kept in `alttext` and the annotation.
pub fn convert(tex: &str, source: &str, display: bool) -> Result<Converted, MathError> {
    check_limits(tex)?;
    let tex = mathjax_habits(&unnumbered(tex));
    let tex = if display { top_level_rows(&tex) } else { tex };
    let mode = if display {
        MathDisplay::Block
    } else {
        MathDisplay::Inline
    };
    let raw = converter()
        .convert_with_local_state(&tex, mode)
        .map_err(|e| MathError {
            message: e.error_message(),
            at: Some(e.0.clone()),
            limit: false,
        })?;
    sanitize::rewrite(&raw.mathml, source, display)
}

/// `equation`, `align`, `gather` and `multline` number their rows; the book numbers
/// nothing on its own yet (`\tag` gives a number), so they are read as their starred forms.
fn unnumbered(tex: &str) -> std::borrow::Cow<'_, str> {
    const NUMBERED: [&str; 4] = ["equation", "align", "gather", "multline"];
    if !NUMBERED.iter().any(|e| tex.contains(&format!("{{{e}}}"))) {
        return tex.into();
    }
    let mut out = tex.to_owned();
    for env in NUMBERED {
        out = out
            .replace(&format!("\\begin{{{env}}}"), &format!("\\begin{{{env}*}}"))
            .replace(&format!("\\end{{{env}}}"), &format!("\\end{{{env}*}}"));
    }
    out.into()
}

/// A display formula whose rows are split by `\\` outside any environment (as MathJax and
/// KaTeX allow, and GitBook and Obsidian notes write) is read as `gathered` rows, or as
/// `aligned` ones when it also has `&` at its top level.
fn top_level_rows(tex: &str) -> String {
    let bytes = tex.as_bytes();
    let (mut depth, mut rows, mut amps) = (0usize, false, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                let rest = &tex[i + 1..];
                if rest.starts_with('\\') && depth == 0 {
                    rows = true;
                } else if rest.starts_with("begin{") {
                    depth += 1;
                } else if rest.starts_with("end{") {
                    depth = depth.saturating_sub(1);
                }
                i += 2;
                continue;
            }
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'&' if depth == 0 => amps = true,
            _ => {}
        }
        i += 1;
    }
    if !rows {
        return tex.to_owned();
    }
    let env = if amps { "aligned" } else { "gathered" };
    format!("\\begin{{{env}}}{tex}\\end{{{env}}}")
}

/// What MathJax reads and the converter does not, said the way the converter reads it:
/// text-size switches (`\small`) are dropped (sizes inside a formula are the reader's), and a
/// `*` right after a command is a separate symbol (`\epsilon*x`), except for the commands
/// whose starred form exists.
fn mathjax_habits(tex: &str) -> String {
    const SIZES: [&str; 10] = [
        "tiny",
        "scriptsize",
        "footnotesize",
        "small",
        "normalsize",
        "large",
        "Large",
        "LARGE",
        "huge",
        "Huge",
    ];
    const STARRED: [&str; 5] = ["operatorname", "hspace", "vspace", "tag", "mathop"];
    let mut out = String::with_capacity(tex.len() + 8);
    let mut rest = tex;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let name = &after[..len];
        let tail = &after[len..];
        if len == 0 {
            // `\\`, `\{`: a control symbol, kept with its character.
            let next = after.chars().next().map_or(0, char::len_utf8);
            out.push('\\');
            out.push_str(&after[..next]);
            rest = &after[next..];
            continue;
        }
        if SIZES.contains(&name) {
            rest = tail;
            continue;
        }
        out.push('\\');
        out.push_str(name);
        if tail.starts_with('*') && !STARRED.contains(&name) {
            out.push(' ');
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Length, nesting and table size, checked on the source before conversion.
fn check_limits(tex: &str) -> Result<(), MathError> {
    if tex.len() > limits::MAX_TEX_BYTES {
        return Err(MathError::limit(format!(
            "the formula is {} bytes long, more than the {} a formula may have",
            tex.len(),
            limits::MAX_TEX_BYTES
        )));
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut cells = 0usize;
    let mut prev_backslash = false;
    let mut rest = tex;
    while let Some(c) = rest.chars().next() {
        let escaped = prev_backslash;
        prev_backslash = c == '\\' && !escaped;
        if !escaped {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                '&' => cells += 1,
                '\\' if rest[1..].starts_with('\\') => cells += 1,
                '\\' if rest[1..].starts_with("begin{") => depth += 1,
                '\\' if rest[1..].starts_with("end{") => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        deepest = deepest.max(depth);
        rest = &rest[c.len_utf8()..];
    }
    if deepest > limits::MAX_NESTING {
        return Err(MathError::limit(format!(
            "the formula nests {deepest} groups deep, more than {}",
            limits::MAX_NESTING
        )));
    }
    if cells > limits::MAX_CELLS {
        return Err(MathError::limit(format!(
            "the formula has {cells} table cells, more than {}",
            limits::MAX_CELLS
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
