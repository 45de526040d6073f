//! Code blocks: highlighted in the EPUB's theme, wrapped by characters with a continuation
//! mark, on a tinted ground.

use std::sync::OnceLock;

use notes2book_model::syntax_token;
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme, ThemeSet};
use syntect::parsing::SyntaxSet;

use super::{Ctx, Layouter, VItem, with_deco};
use crate::fonts::Style;
use crate::frame::{Color, Draw, MUTED, TEXT};
use crate::inline::{self, Fmt};

impl Layouter<'_, '_> {
    pub(super) fn code(&mut self, lang: Option<&str>, code: &str, ctx: &Ctx, out: &mut Vec<VItem>) {
        let size = ctx.size * 0.82;
        let leading = size * 1.35;
        let pad = size * 0.6;
        let width = ctx.width - 2.0 * pad;
        let fonts = self.shaper.fonts;
        let mono = fonts.face(fonts.style_face(Style::Mono));
        let cell = mono
            .glyph_for('0')
            .map(|g| mono.advance(g) * size / mono.units_per_em)
            .unwrap_or(size * 0.6);
        let per_line = ((width - cell * 2.0) / cell).floor().max(10.0) as usize;
        let lines = highlight(lang, code, self.geo.cache.as_deref());
        let bg = Color(0.955, 0.955, 0.955);
        let mut rows: Vec<VItem> = Vec::new();
        for spans in lines {
            // Wrap by characters: code keeps its columns; a mark shows the continuation.
            let mut chunks: Vec<Vec<(String, Color, bool)>> = vec![Vec::new()];
            let mut col = 0;
            for (text, color, bold) in spans {
                for c in text.chars() {
                    if c == '\n' {
                        continue;
                    }
                    let c = if c == '\t' { ' ' } else { c };
                    if col >= per_line {
                        chunks.push(Vec::new());
                        col = 0;
                    }
                    let last = chunks.last_mut();
                    if let Some(chunk) = last {
                        match chunk.last_mut() {
                            Some((t, cc, b)) if *cc == color && *b == bold => t.push(c),
                            _ => chunk.push((c.to_string(), color, bold)),
                        }
                    }
                    col += 1;
                }
            }
            let n = chunks.len();
            for (k, chunk) in chunks.into_iter().enumerate() {
                let mut draws = vec![Draw::Rect {
                    x: ctx.left,
                    y: 0.0,
                    w: ctx.width,
                    h: leading,
                    color: bg,
                }];
                let baseline = leading * 0.76;
                let mut x = ctx.left + pad;
                for (text, color, bold) in chunk {
                    let mut fmt = Fmt::new(if bold { Style::MonoBold } else { Style::Mono }, size);
                    fmt.color = color;
                    draws.extend(inline::mono_draw(
                        &mut self.shaper,
                        &text,
                        &fmt,
                        x,
                        cell,
                        baseline,
                    ));
                    x += text.chars().count() as f32 * cell;
                }
                if k + 1 < n {
                    // Continuation mark at the right edge.
                    let mut fmt = Fmt::new(Style::Mono, size);
                    fmt.color = MUTED;
                    if let Some(d) = self.label(
                        continuation_mark(self.shaper.fonts),
                        &fmt,
                        ctx.left + ctx.width - pad - cell,
                        baseline,
                    ) {
                        draws.push(d);
                    }
                }
                rows.push(VItem {
                    height: leading,
                    draws,
                    ..VItem::default()
                });
            }
        }
        // Padding rows above and below, kept with the code.
        let pad_row = |h: f32| VItem {
            height: h,
            draws: vec![Draw::Rect {
                x: ctx.left,
                y: 0.0,
                w: ctx.width,
                h,
                color: bg,
            }],
            ..VItem::default()
        };
        let n = rows.len();
        let mut top = pad_row(pad * 0.6);
        top.keep_with_next = true;
        out.push(with_deco(VItem::space(ctx.leading * 0.3), ctx));
        out.push(with_deco(top, ctx));
        for (i, mut r) in rows.into_iter().enumerate() {
            // Keep at least two lines together at each end of a block.
            r.keep_with_next = i == 0 || i + 2 >= n;
            out.push(with_deco(r, ctx));
        }
        out.push(with_deco(pad_row(pad * 0.6), ctx));
    }
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn theme() -> Option<&'static Theme> {
    static THEME: OnceLock<Option<Theme>> = OnceLock::new();
    THEME
        .get_or_init(|| ThemeSet::load_defaults().themes.remove("InspiredGitHub"))
        .as_ref()
}

/// A highlighted line: (text, colour, bold) spans.
type Line = Vec<(String, Color, bool)>;

/// Highlighted lines of code in the EPUB's theme, kept in `cache` between runs (syntax
/// highlighting was a tenth of a PDF's time).
fn highlight(lang: Option<&str>, code: &str, cache: Option<&std::path::Path>) -> Vec<Line> {
    let set = syntaxes();
    let syntax = lang.and_then(|l| {
        let token = syntax_token(l);
        set.find_syntax_by_token(&token)
            .or_else(|| set.find_syntax_by_extension(&token))
    });
    let code = code.strip_suffix('\n').unwrap_or(code);
    let plain = |line: &str| vec![(line.to_string(), TEXT, false)];
    let (Some(syntax), Some(theme)) = (syntax, theme()) else {
        return code.split('\n').map(plain).collect();
    };
    if cache.is_none() {
        return highlight_with(syntax, theme, code);
    }
    let mut key = syntax.name.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(code.as_bytes());
    let mut made = None;
    let stored = notes2book_assets::cached_blob(cache, "code-pdf", &key, || {
        let lines = highlight_with(syntax, theme, code);
        let bytes = encode(&lines);
        made = Some(lines);
        Some(bytes)
    });
    made.or_else(|| stored.and_then(|b| decode(&b)))
        .unwrap_or_else(|| highlight_with(syntax, theme, code))
}

fn highlight_with(
    syntax: &syntect::parsing::SyntaxReference,
    theme: &Theme,
    code: &str,
) -> Vec<Line> {
    let set = syntaxes();
    let mut h = HighlightLines::new(syntax, theme);
    code.split('\n')
        .map(|line| {
            let with_nl = format!("{line}\n");
            match h.highlight_line(&with_nl, set) {
                Ok(ranges) => ranges
                    .into_iter()
                    .map(|(style, text)| {
                        let c = style.foreground;
                        (
                            text.to_string(),
                            rgb([c.r, c.g, c.b]),
                            style.font_style.contains(FontStyle::BOLD),
                        )
                    })
                    .collect(),
                Err(_) => vec![(line.to_string(), TEXT, false)],
            }
        })
        .collect()
}

fn rgb([r, g, b]: [u8; 3]) -> Color {
    Color(
        f32::from(r) / 255.0,
        f32::from(g) / 255.0,
        f32::from(b) / 255.0,
    )
}

/// Lines as bytes: per line its span count, per span its text's length and text, its
/// colour (three bytes) and boldness.
fn encode(lines: &[Line]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend((lines.len() as u32).to_le_bytes());
    for line in lines {
        out.extend((line.len() as u32).to_le_bytes());
        for (text, Color(r, g, b), bold) in line {
            out.extend((text.len() as u32).to_le_bytes());
            out.extend(text.as_bytes());
            for c in [r, g, b] {
                out.push((c * 255.0).round() as u8);
            }
            out.push(u8::from(*bold));
        }
    }
    out
}

/// The lines [`encode`] wrote; `None` if the bytes are not such lines.
fn decode(bytes: &[u8]) -> Option<Vec<Line>> {
    let mut r = Reader { bytes, at: 0 };
    let n = r.count()?;
    let mut lines = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let spans = r.count()?;
        let mut line = Vec::with_capacity(spans.min(1 << 12));
        for _ in 0..spans {
            let len = r.count()?;
            let text = std::str::from_utf8(r.take(len)?).ok()?.to_string();
            let c = r.take(4)?;
            line.push((text, rgb([c[0], c[1], c[2]]), c[3] != 0));
        }
        lines.push(line);
    }
    (r.at == bytes.len()).then_some(lines)
}

/// Bytes read from the start.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    fn count(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }
}

/// The mark at the end of a wrapped code line: the first of these arrows a bundled face has.
fn continuation_mark(fonts: &crate::fonts::FontSet) -> &'static str {
    ["↩", "↪", "↵", "→", "»"]
        .into_iter()
        .find(|m| {
            m.chars()
                .next()
                .is_some_and(|c| fonts.faces.iter().any(|f| f.has_char(c)))
        })
        .unwrap_or(">")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlighted_lines_come_back_from_their_bytes() {
        let lines = highlight(Some("rust"), "fn main() {\n    let x = 1;\n}\n", None);
        assert_eq!(lines.len(), 3);
        assert!(lines[0].len() > 1, "highlighted: {:?}", lines[0]);
        let bytes = encode(&lines);
        assert_eq!(decode(&bytes), Some(lines));
        assert_eq!(decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(decode(&[bytes.as_slice(), b"x"].concat()), None);
    }

    #[test]
    fn a_second_highlighting_comes_from_the_cache() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let code = "SELECT a FROM t WHERE b = 1;";
        let first = highlight(Some("sql"), code, Some(dir.path()));
        let stored = std::fs::read_dir(dir.path().join("code-pdf"))
            .expect("stored")
            .count();
        assert_eq!(stored, 1);
        let second = highlight(Some("sql"), code, Some(dir.path()));
        assert_eq!(first, second);
        // What the cache holds is what comes back: store other lines under the same key.
        let _ = std::fs::remove_dir_all(dir.path().join("code-pdf"));
        let name = syntaxes()
            .find_syntax_by_token("sql")
            .map(|s| s.name.clone())
            .expect("SQL is known");
        let key = [name.as_bytes(), b"\0", code.as_bytes()].concat();
        let planted: Vec<Line> = vec![vec![("planted".to_string(), rgb([200, 10, 10]), true)]];
        notes2book_assets::cached_blob(Some(dir.path()), "code-pdf", &key, || {
            Some(encode(&planted))
        });
        assert_eq!(highlight(Some("sql"), code, Some(dir.path())), planted);
    }
}
