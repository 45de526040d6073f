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
        let lines = highlight(lang, code);
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

/// Highlighted lines of code: (text, colour, bold) spans, in the EPUB's theme.
fn highlight(lang: Option<&str>, code: &str) -> Vec<Vec<(String, Color, bool)>> {
    let set = syntaxes();
    let syntax = lang.and_then(|l| {
        let token = syntax_token(l);
        set.find_syntax_by_token(&token)
            .or_else(|| set.find_syntax_by_extension(&token))
    });
    let plain = |line: &str| vec![(line.to_string(), TEXT, false)];
    let code = code.strip_suffix('\n').unwrap_or(code);
    match (syntax, theme()) {
        (Some(syntax), Some(theme)) => {
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
                                    Color(
                                        f32::from(c.r) / 255.0,
                                        f32::from(c.g) / 255.0,
                                        f32::from(c.b) / 255.0,
                                    ),
                                    style.font_style.contains(FontStyle::BOLD),
                                )
                            })
                            .collect(),
                        Err(_) => plain(line),
                    }
                })
                .collect()
        }
        _ => code.split('\n').map(plain).collect(),
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
