//! A paragraph's inlines → the line breaker's boxes, glue and penalties, and the broken
//! lines → positioned glyphs.
//!
//! Break opportunities come from UAX #14 (unicode-linebreak); words are hyphenated by the
//! book's language (hypher, Knuth–Liang patterns). A word is shaped once, whole, and its
//! glyphs are cut at hyphenation points that fall on cluster boundaries, so ligatures and
//! kerning inside a word survive. Words wider than the measure get emergency break points
//! so that no line is ever drawn past the margin.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use notes2book_model::{ImageId, Inline, LinkTarget, Span};

use crate::breaks::{self, Kind};
use crate::fonts::{FaceId, FontSet, Glyph, Style};
use crate::frame::{Color, Draw, LINK, LinkDest, PlacedGlyph, TEXT};
use crate::linebreak::{self, INFINITY_PENALTY, Item, Params};
use crate::math::{self, MathBox};

/// How a stretch of text looks.
#[derive(Debug, Clone, PartialEq)]
pub struct Fmt {
    pub style: Style,
    pub size: f32,
    pub color: Color,
    pub link: Option<Arc<LinkDest>>,
    pub strike: bool,
    pub highlight: bool,
    pub code: bool,
    /// Baseline shift (superscripts), in points.
    pub rise: f32,
}

impl Fmt {
    pub fn new(style: Style, size: f32) -> Fmt {
        Fmt {
            style,
            size,
            color: TEXT,
            link: None,
            strike: false,
            highlight: false,
            code: false,
            rise: 0.0,
        }
    }
}

/// Glyphs of a shaped text: (gid, advance in font units, the cluster's text on its first
/// glyph).
type Clustered = Vec<(u16, f32, Option<Arc<str>>)>;

/// A word seen: its text, style, bidi level, and the word shaped.
type WordEntry = (String, Style, u8, Arc<Word>);

/// A word split by face and shaped, and the characters no face has.
#[derive(Debug)]
struct Word {
    pieces: Vec<(FaceId, Arc<Clustered>)>,
    missing: Vec<char>,
}

/// A run of shaped glyphs in one face and format.
#[derive(Debug, Clone)]
struct Run {
    face: FaceId,
    fmt: Arc<Fmt>,
    /// (gid, advance in points, text)
    glyphs: Vec<(u16, f32, Option<Arc<str>>)>,
    width: f32,
    /// Bidi embedding level: odd runs are right to left (their glyphs already in visual
    /// order).
    level: u8,
}

#[derive(Debug, Clone)]
enum Content {
    Runs(Vec<Run>),
    Space {
        fmt: Arc<Fmt>,
        face: FaceId,
        level: u8,
    },
    /// A hyphenation point; the run is the hyphen drawn if the line breaks here.
    Hyphen(Option<Run>),
    /// A break with nothing drawn (hard breaks, break opportunities, paragraph parts).
    Nothing,
    FootnoteMark {
        number: u32,
        run: Run,
    },
    Image {
        image: ImageId,
        w: f32,
        h: f32,
    },
    Math {
        math: Arc<MathBox>,
        fmt: Arc<Fmt>,
    },
}

/// One laid-out line of a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct LineOut {
    pub width: f32,
    /// Height above and below the baseline.
    pub ascent: f32,
    pub descent: f32,
    /// Drawings relative to (line start, baseline) with y = 0 on the baseline.
    pub draws: Vec<Draw>,
    /// Footnotes referenced on this line (chapter footnote numbers).
    pub footnotes: Vec<u32>,
    /// The line ends in a hyphenated word (a page should not break after it).
    pub hyphenated: bool,
}

/// Paragraph settings.
#[derive(Debug, Clone)]
pub struct ParaStyle {
    pub justify: bool,
    pub hyphenate: bool,
    pub align: Align,
    /// First-line indent in points.
    pub indent: f32,
}

impl ParaStyle {
    /// Ragged, unindented lines: headings, captions, table cells, labels.
    pub fn ragged(align: Align, hyphenate: bool) -> ParaStyle {
        ParaStyle {
            justify: false,
            hyphenate,
            align,
            indent: 0.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Shared per-chapter state: fonts, hyphenation, a shaping cache, missing characters.
pub struct Shaper<'a> {
    /// Font expansion for justified text (micro-typography; 0: none).
    pub expansion: f32,
    /// The chapter's language is written right to left (the direction of paragraphs
    /// without a strong character).
    rtl: bool,
    pub fonts: &'a FontSet,
    pub hyphen_lang: Option<hypher::Lang>,
    pub language: Option<harfrust::Language>,
    cache: FxHashMap<(FaceId, String, bool), Arc<Vec<Glyph>>>,
    /// Shaped text with each cluster's text, by face, text and direction.
    clusters: FxHashMap<(FaceId, String, bool), Arc<Clustered>>,
    /// Words shaped: by the hash of (text, style, bidi level), each with its text, the
    /// faces' pieces and the characters no face has. (A chapter uses most words many
    /// times; splitting them by face and shaping them was a fifth of a PDF's time.)
    words: FxHashMap<u64, Vec<WordEntry>>,
    /// Each word hyphenated: the byte lengths of its syllables but the last. (Hyphenating
    /// every use of a word was a sixteenth of a PDF's time.)
    hyphens: FxHashMap<String, Box<[u16]>>,
    /// Characters no font has, with where they were first seen.
    pub missing: Vec<(char, Option<Span>)>,
    /// Lines that could not be set within the measure (never drawn past it: they were
    /// broken by force), with where and the word if it is known.
    pub overfull: Vec<(Option<Span>, String)>,
    /// Where the text being laid out comes from (for messages).
    pub span: Option<Span>,
    /// Formulas that could not be laid out (shown as their source), with why.
    pub math_errors: Vec<(Option<Span>, String)>,
    /// Display formulas wider than the measure, set smaller to fit.
    pub math_scaled: Vec<Option<Span>>,
    /// The printed body page of each place, for references that name it ("on page 41");
    /// `None` while the pages are not known yet.
    pub folios: Option<&'a Folios>,
}

/// (chapter, anchor) → printed page number in the body; `(chapter, None)` is the chapter's
/// start.
pub type Folios = HashMap<(usize, Option<String>), usize>;

impl std::fmt::Debug for Shaper<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shaper").finish_non_exhaustive()
    }
}

impl<'a> Shaper<'a> {
    pub fn new(fonts: &'a FontSet, language: &str, hyphenate: bool) -> Shaper<'a> {
        let primary = language
            .split(['-', '_'])
            .next()
            .unwrap_or("en")
            .to_lowercase();
        let hyphen_lang = if hyphenate {
            let b = primary.as_bytes();
            if b.len() == 2 {
                hypher::Lang::from_iso([b[0], b[1]])
            } else {
                None
            }
        } else {
            None
        };
        Shaper {
            expansion: 0.0,
            fonts,
            hyphen_lang,
            rtl: notes2book_model::is_rtl_language(language),
            // The whole tag: `zh-Hant` and `ja` pick their glyph forms in a Pan-CJK font (locl).
            language: language.to_ascii_lowercase().parse().ok(),
            cache: FxHashMap::default(),
            clusters: FxHashMap::default(),
            words: FxHashMap::default(),
            hyphens: FxHashMap::default(),
            missing: Vec::new(),
            overfull: Vec::new(),
            span: None,
            math_errors: Vec::new(),
            math_scaled: Vec::new(),
            folios: None,
        }
    }

    /// The byte lengths of `word`'s syllables but the last (where it may be hyphenated).
    fn syllables(&mut self, word: &str, lang: hypher::Lang) -> &[u16] {
        if !self.hyphens.contains_key(word) {
            let syll: Vec<&str> = hypher::hyphenate_bounded(word, lang, 2, 3).collect();
            let lens: Box<[u16]> = syll
                .iter()
                .take(syll.len().saturating_sub(1))
                .map(|p| u16::try_from(p.len()).unwrap_or(u16::MAX))
                .collect();
            self.hyphens.insert(word.to_string(), lens);
        }
        self.hyphens.get(word).map_or(&[], |l| &l[..])
    }

    /// Whether the chapter's language is written right to left.
    pub fn rtl(&self) -> bool {
        self.rtl
    }

    fn shape(&mut self, face: FaceId, text: &str, rtl: bool) -> Arc<Vec<Glyph>> {
        let key = (face, text.to_string(), rtl);
        if let Some(g) = self.cache.get(&key) {
            return g.clone();
        }
        let glyphs = Arc::new(
            self.fonts
                .face(face)
                .shape(text, self.language.as_ref(), rtl),
        );
        self.cache.insert(key, glyphs.clone());
        glyphs
    }

    /// `text` shaped in `face`, each glyph with its advance in font units and, on the first
    /// glyph of each cluster, the cluster's text (made once per chapter for each word).
    fn clustered(&mut self, face: FaceId, text: &str, rtl: bool) -> Arc<Clustered> {
        let key = (face, text.to_string(), rtl);
        if let Some(c) = self.clusters.get(&key) {
            return c.clone();
        }
        let glyphs = self.shape(face, text, rtl);
        // Cluster starts in text order: right-to-left runs list their glyphs backwards.
        let mut starts: Vec<usize> = glyphs.iter().map(|g| g.cluster).collect();
        starts.sort_unstable();
        starts.dedup();
        let out: Clustered = glyphs
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let first_of_cluster = i == 0 || glyphs[i - 1].cluster != g.cluster;
                let text_of = first_of_cluster
                    .then(|| {
                        let next = starts.partition_point(|&c| c <= g.cluster);
                        let end = starts.get(next).copied().unwrap_or(text.len());
                        text.get(g.cluster..end).map(Arc::from)
                    })
                    .flatten();
                (g.gid, g.advance, text_of)
            })
            .collect();
        let out = Arc::new(out);
        self.clusters.insert(key, out.clone());
        out
    }

    /// Shape `text` in `fmt` into runs (one per face, for fallback fonts).
    fn runs(&mut self, text: &str, fmt: &Arc<Fmt>) -> Vec<Run> {
        self.runs_at(text, fmt, 0)
    }

    /// [`Shaper::runs`] at bidi level `level` (odd: shaped right to left).
    fn runs_at(&mut self, text: &str, fmt: &Arc<Fmt>, level: u8) -> Vec<Run> {
        let word = self.word(text, fmt.style, level);
        for &c in &word.missing {
            if !self.missing.iter().any(|(m, _)| *m == c) {
                self.missing.push((c, self.span));
            }
        }
        word.pieces
            .iter()
            .map(|(face, clustered)| self.run(*face, clustered, fmt, level))
            .collect()
    }

    /// `text` in `style` split by face and shaped, from the cache when it was seen before.
    fn word(&mut self, text: &str, style: Style, level: u8) -> Arc<Word> {
        use std::hash::BuildHasher;
        let key = rustc_hash::FxBuildHasher.hash_one((text, style, level));
        if let Some(found) = self.words.get(&key).and_then(|list| {
            list.iter()
                .find(|(t, s, l, _)| t == text && *s == style && *l == level)
        }) {
            return found.3.clone();
        }
        let mut missing = Vec::new();
        let pieces = self.fonts.runs(text, style, &mut missing);
        let rtl = level % 2 == 1;
        let pieces = pieces
            .into_iter()
            .map(|(face, piece)| (face, self.clustered(face, &piece, rtl)))
            .collect();
        let word = Arc::new(Word { pieces, missing });
        self.words
            .entry(key)
            .or_default()
            .push((text.to_string(), style, level, word.clone()));
        word
    }

    fn run(&self, face: FaceId, clustered: &Clustered, fmt: &Arc<Fmt>, level: u8) -> Run {
        let scale = fmt.size / self.fonts.face(face).units_per_em;
        let mut width = 0.0;
        let out: Vec<(u16, f32, Option<Arc<str>>)> = clustered
            .iter()
            .map(|(gid, advance, text)| {
                let adv = advance * scale;
                width += adv;
                (*gid, adv, text.clone())
            })
            .collect();
        Run {
            face,
            fmt: fmt.clone(),
            glyphs: out,
            width,
            level,
        }
    }

    /// A formula laid out at `size`, or `None` (with the reason kept) when it cannot be.
    pub fn math(
        &mut self,
        mathml: &str,
        display: bool,
        size: f32,
        span: Option<Span>,
    ) -> Option<Arc<MathBox>> {
        let span = span.or(self.span);
        match math::layout(self.fonts, mathml, display, size) {
            Ok(laid) => {
                for c in laid.missing {
                    if !self.missing.iter().any(|(m, _)| *m == c) {
                        self.missing.push((c, span));
                    }
                }
                Some(laid.math)
            }
            Err(e) => {
                self.math_errors.push((span, e.0));
                None
            }
        }
    }

    fn space(&self, fmt: &Fmt) -> (FaceId, f32) {
        let face = self.fonts.style_face(fmt.style);
        let f = self.fonts.face(face);
        let w = f
            .glyph_for(' ')
            .map(|g| f.advance(g))
            .unwrap_or(f.units_per_em * 0.25);
        (face, w * fmt.size / f.units_per_em)
    }
}

/// The atoms of a paragraph, flattened from the inline tree.
#[derive(Debug, Clone)]
enum Atom {
    Text(String, Arc<Fmt>),
    HardBreak,
    Footnote(u32, Arc<Fmt>),
    Image {
        image: ImageId,
        w: f32,
        h: f32,
    },
    /// A formula: its MathML, and its source to show if it cannot be laid out.
    Math {
        mathml: String,
        tex: String,
        span: Option<Span>,
        fmt: Arc<Fmt>,
    },
}

/// Turns a model link target into a destination; internal links name chapters by index.
pub fn link_dest(target: &LinkTarget) -> Option<LinkDest> {
    match target {
        LinkTarget::External { url } => Some(LinkDest::Uri(url.clone())),
        LinkTarget::Internal { chapter, anchor } => Some(LinkDest::Internal {
            chapter: chapter.0 as usize,
            anchor: anchor.clone(),
        }),
        LinkTarget::Unresolved => None,
    }
}

/// " on page 41": the template with the target's printed page. While the pages are not
/// known, a stand-in of two digits holds the place (most books' page numbers).
fn page_ref_text(template: &str, folios: Option<&Folios>, target: &LinkTarget) -> String {
    let LinkTarget::Internal { chapter, anchor } = target else {
        return String::new();
    };
    let ch = chapter.0 as usize;
    let page = folios.and_then(|f| f.get(&(ch, anchor.clone())).or_else(|| f.get(&(ch, None))));
    let number = page.map_or_else(|| "00".to_string(), usize::to_string);
    template.replacen("{}", &number, 1)
}

/// Size of inline images: the caller knows the assets.
pub type ImageSize<'b> = &'b dyn Fn(ImageId) -> Option<(f32, f32)>;

fn flatten(
    inlines: &[Inline],
    fmt: &Arc<Fmt>,
    image_size: ImageSize<'_>,
    folios: Option<&Folios>,
    out: &mut Vec<Atom>,
) {
    // Explicit stack: inline nesting is bounded by the parser, but no recursion is needed.
    let mut stack: Vec<(std::slice::Iter<'_, Inline>, Arc<Fmt>)> =
        vec![(inlines.iter(), fmt.clone())];
    while let Some((iter, fmt)) = stack.last_mut() {
        let Some(inline) = iter.next() else {
            stack.pop();
            continue;
        };
        let fmt = fmt.clone();
        let derived = |f: &dyn Fn(&mut Fmt)| {
            let mut n = (*fmt).clone();
            f(&mut n);
            Arc::new(n)
        };
        match inline {
            Inline::Text(t) => out.push(Atom::Text(t.clone(), fmt.clone())),
            Inline::Emph(c) => {
                let f = derived(&|f| f.style = f.style.with_italic());
                stack.push((c.iter(), f));
            }
            Inline::Strong(c) => {
                let f = derived(&|f| f.style = f.style.with_bold());
                stack.push((c.iter(), f));
            }
            Inline::Strike(c) => {
                let f = derived(&|f| f.strike = true);
                stack.push((c.iter(), f));
            }
            Inline::Highlight(c) => {
                let f = derived(&|f| f.highlight = true);
                stack.push((c.iter(), f));
            }
            Inline::Code(code) => {
                let f = derived(&|f| {
                    f.style = if f.style.is_bold() {
                        Style::MonoBold
                    } else {
                        Style::Mono
                    };
                    f.size *= 0.88;
                    f.code = true;
                });
                out.push(Atom::Text(code.clone(), f));
            }
            Inline::Link(link) => {
                let dest = link_dest(&link.target);
                let f = derived(&|f| {
                    if let Some(d) = &dest {
                        f.link = Some(Arc::new(d.clone()));
                        f.color = LINK;
                    }
                });
                stack.push((link.content.iter(), f));
            }
            Inline::Image {
                image, alt, width, ..
            } => {
                let _ = width;
                match image_size(*image) {
                    Some((w, h)) => out.push(Atom::Image {
                        image: *image,
                        w,
                        h,
                    }),
                    None => {
                        let f = derived(&|f| f.style = f.style.with_italic());
                        out.push(Atom::Text(format!("[{alt}]"), f));
                    }
                }
            }
            Inline::FootnoteRef { number, .. } => {
                let f = derived(&|f| {
                    f.size *= 0.62;
                    f.rise = fmt.size * 0.36;
                    f.style = Style::Regular;
                    f.link = None;
                    f.color = TEXT;
                });
                out.push(Atom::Footnote(*number, f));
            }
            Inline::Math {
                tex,
                formula: Some(formula),
                span,
            } => out.push(Atom::Math {
                mathml: formula.mathml.clone(),
                tex: tex.clone(),
                span: *span,
                fmt: fmt.clone(),
            }),
            Inline::Math { tex, .. } => {
                out.push(Atom::Text(tex.clone(), Arc::new(source_fmt(&fmt))))
            }
            Inline::SoftBreak => out.push(Atom::Text(" ".into(), fmt.clone())),
            Inline::HardBreak => out.push(Atom::HardBreak),
            // Anchors are placed with their block (`layout::anchors_of`).
            Inline::Anchor { .. } => {}
            Inline::PageRef {
                template,
                chapter,
                anchor,
            } => {
                let target = LinkTarget::Internal {
                    chapter: *chapter,
                    anchor: anchor.clone(),
                };
                let f = derived(&|f| {
                    f.link = link_dest(&target).map(Arc::new);
                    f.color = LINK;
                });
                out.push(Atom::Text(page_ref_text(template, folios, &target), f));
            }
            Inline::Html { html, .. } => {
                let text = crate::html::html_text(html);
                if !text.is_empty() {
                    out.push(Atom::Text(text, fmt.clone()));
                }
            }
        }
    }
}

/// A paragraph turned into breaker items.
#[derive(Debug)]
pub struct Prepared {
    items: Vec<Item>,
    content: Vec<Content>,
    /// Line height basis: the paragraph's base size.
    size: f32,
    /// The paragraph runs right to left.
    rtl: bool,
}

impl Prepared {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// (Natural width on one line, widest piece that cannot be broken.)
    pub fn widths(&self) -> (f32, f32) {
        let (mut total, mut piece, mut widest) = (0.0f32, 0.0f32, 0.0f32);
        // After a forbidden break, the glue that follows does not break either (a space
        // before closing punctuation): the piece goes on across it.
        let mut bound = false;
        for item in &self.items {
            match item {
                Item::Box { width } => {
                    total += width;
                    piece += width;
                    bound = false;
                }
                Item::Glue { width, .. } if bound => {
                    total += width;
                    piece += width;
                    bound = false;
                }
                Item::Glue { width, .. } => {
                    total += width;
                    widest = widest.max(piece);
                    piece = 0.0;
                }
                Item::Penalty { penalty, .. } if *penalty >= INFINITY_PENALTY => bound = true,
                Item::Penalty { width, .. } => {
                    widest = widest.max(piece + width);
                    piece = 0.0;
                }
            }
        }
        (total, widest.max(piece))
    }
}

/// Build the items of a paragraph.
pub fn prepare(
    shaper: &mut Shaper<'_>,
    inlines: &[Inline],
    fmt: &Fmt,
    para: &ParaStyle,
    measure: f32,
    image_size: ImageSize<'_>,
) -> Prepared {
    let fmt = Arc::new(fmt.clone());
    let mut atoms = Vec::new();
    flatten(inlines, &fmt, image_size, shaper.folios, &mut atoms);
    let set = Setting {
        para,
        measure,
        rtl: paragraph_rtl(&atoms).unwrap_or(shaper.rtl),
    };
    let mut items = Vec::new();
    let mut content = Vec::new();
    if para.indent > 0.0 {
        items.push(Item::Box { width: para.indent });
        content.push(Content::Nothing);
    }
    // Concatenate the text of consecutive text atoms so that break opportunities are
    // found across format changes ("**bold**, text").
    let mut i = 0;
    while i < atoms.len() {
        match &atoms[i] {
            Atom::HardBreak => {
                items.push(Item::Penalty {
                    width: 0.0,
                    penalty: -INFINITY_PENALTY,
                    flagged: false,
                });
                content.push(Content::Nothing);
                i += 1;
            }
            Atom::Footnote(n, f) => {
                let run = shaper
                    .runs(&n.to_string(), f)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| empty_run(shaper, f));
                items.push(Item::Box { width: run.width });
                content.push(Content::FootnoteMark { number: *n, run });
                i += 1;
            }
            Atom::Image { image, w, h } => {
                let (w, h) = fit(*w, *h, measure, fmt.size * 3.0);
                items.push(Item::Box { width: w });
                content.push(Content::Image {
                    image: *image,
                    w,
                    h,
                });
                i += 1;
            }
            Atom::Math {
                mathml,
                tex,
                span,
                fmt,
            } => {
                match shaper.math(mathml, false, fmt.size, *span) {
                    Some(math) => {
                        // A formula wider than the line is set smaller, never drawn into
                        // the margin.
                        let math = if math.width > measure && measure > 0.0 {
                            shaper.math_scaled.push(span.or(shaper.span));
                            Arc::new(math.scaled(measure / math.width))
                        } else {
                            math
                        };
                        items.push(Item::Box { width: math.width });
                        content.push(Content::Math {
                            math,
                            fmt: fmt.clone(),
                        });
                    }
                    None => {
                        let spans = [(0, Arc::new(source_fmt(fmt)))];
                        text_items(shaper, tex, &spans, &set, &mut items, &mut content);
                    }
                }
                i += 1;
            }
            Atom::Text(..) => {
                let mut text = String::new();
                let mut spans: Vec<(usize, Arc<Fmt>)> = Vec::new();
                while let Some(Atom::Text(t, f)) = atoms.get(i) {
                    spans.push((text.len(), f.clone()));
                    text.push_str(t);
                    i += 1;
                }
                text_items(shaper, &text, &spans, &set, &mut items, &mut content);
            }
        }
    }
    // Trailing glue would only be discarded.
    while matches!(items.last(), Some(Item::Glue { .. })) {
        items.pop();
        content.pop();
    }
    Prepared {
        items,
        content,
        size: fmt.size,
        rtl: set.rtl,
    }
}

/// How a paragraph's text is being set: its style, measure and direction.
struct Setting<'p> {
    para: &'p ParaStyle,
    measure: f32,
    /// The paragraph runs right to left (its base bidi level is 1).
    rtl: bool,
}

/// A stretch of a paragraph's text with what is known of it: formats from byte offsets,
/// break opportunities, and bidi levels (`None`: all left to right).
struct Text<'t> {
    text: &'t str,
    spans: &'t [(usize, Arc<Fmt>)],
    opportunities: Vec<(usize, Kind)>,
    levels: Option<Vec<u8>>,
}

impl Text<'_> {
    fn level(&self, at: usize) -> u8 {
        self.levels
            .as_ref()
            .and_then(|l| l.get(at).copied())
            .unwrap_or(0)
    }
}

/// The direction of a paragraph, from its first strong character.
fn paragraph_rtl(atoms: &[Atom]) -> Option<bool> {
    atoms.iter().find_map(|a| match a {
        Atom::Text(t, _) => crate::bidi::first_strong_rtl(t),
        _ => None,
    })
}

/// How a formula's source looks when it cannot be laid out: monospace.
fn source_fmt(fmt: &Fmt) -> Fmt {
    Fmt {
        style: Style::Mono,
        ..fmt.clone()
    }
}

fn empty_run(shaper: &Shaper<'_>, fmt: &Arc<Fmt>) -> Run {
    Run {
        face: shaper.fonts.style_face(fmt.style),
        fmt: fmt.clone(),
        glyphs: Vec::new(),
        width: 0.0,
        level: 0,
    }
}

/// Scale (w, h) to fit within a width and a height, keeping the aspect ratio.
pub fn fit(w: f32, h: f32, max_w: f32, max_h: f32) -> (f32, f32) {
    let s = (max_w / w.max(0.01)).min(max_h / h.max(0.01)).min(1.0);
    (w * s, h * s)
}

fn fmt_at(spans: &[(usize, Arc<Fmt>)], pos: usize) -> &Arc<Fmt> {
    let i = spans.partition_point(|(s, _)| *s <= pos).saturating_sub(1);
    &spans[i].1
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | '\u{2002}'..='\u{200A}' | '\u{3000}'
    )
}

fn text_items(
    shaper: &mut Shaper<'_>,
    text: &str,
    spans: &[(usize, Arc<Fmt>)],
    set: &Setting<'_>,
    items: &mut Vec<Item>,
    content: &mut Vec<Content>,
) {
    // Breaks that are not at spaces (after hyphens and dashes, between ideographs,
    // between Thai words), and the bidi levels of right-to-left text.
    let t = Text {
        text,
        spans,
        opportunities: breaks::opportunities(text),
        levels: crate::bidi::levels(text, set.rtl),
    };
    let mut pos = 0;
    let bytes = text.len();
    while pos < bytes {
        let c = text[pos..].chars().next().unwrap_or(' ');
        if is_space(c) {
            let start = pos;
            while pos < bytes && text[pos..].chars().next().is_some_and(is_space) {
                pos += text[pos..].chars().next().map_or(1, char::len_utf8);
            }
            space_items(shaper, &t, start, pos, set.para, items, content);
            continue;
        }
        // A word: up to the next space.
        let start = pos;
        while pos < bytes && !text[pos..].chars().next().is_some_and(is_space) {
            pos += text[pos..].chars().next().map_or(1, char::len_utf8);
        }
        word_items(shaper, &t, start, pos, set, items, content);
    }
}

/// The glue of the spaces from `start` to `end` (collapsed into one).
fn space_items(
    shaper: &mut Shaper<'_>,
    t: &Text<'_>,
    start: usize,
    end: usize,
    para: &ParaStyle,
    items: &mut Vec<Item>,
    content: &mut Vec<Content>,
) {
    // Spaces at the start, after a break or after another space collapse.
    if items.is_empty() || matches!(items.last(), Some(Item::Glue { .. })) {
        return;
    }
    let fmt = fmt_at(t.spans, start).clone();
    let (face, w) = shaper.space(&fmt);
    let (stretch, shrink) = if para.justify {
        (w * 0.5, w * 0.33)
    } else {
        (0.0, 0.0)
    };
    // A line never starts with closing punctuation, even after a space (UAX #14's
    // LB13: `Trident 。`, `word !`): the space does not break.
    if t.text[end..].chars().next().is_some_and(no_break_before) {
        items.push(Item::Penalty {
            width: 0.0,
            penalty: INFINITY_PENALTY,
            flagged: false,
        });
        content.push(Content::Nothing);
    }
    items.push(Item::Glue {
        width: w,
        stretch,
        shrink,
    });
    content.push(Content::Space {
        fmt,
        face,
        level: t.level(start),
    });
}

/// A break point inside a word: (byte offset in the text, kind, penalty).
type BreakPoint = (usize, Point, f32);

fn word_items(
    shaper: &mut Shaper<'_>,
    t: &Text<'_>,
    start: usize,
    end: usize,
    set: &Setting<'_>,
    items: &mut Vec<Item>,
    content: &mut Vec<Content>,
) {
    let fmt0 = fmt_at(t.spans, start).clone();
    let mut points = word_points(shaper, t, start, end, set.para);
    let pieces = shape_word(shaper, t, start, end);
    // A long URL or identifier may also break after its punctuation and between the
    // humps of camelCase, without a hyphen; so may inline code (which is never
    // hyphenated), at a higher cost, rather than leave a loose line before it.
    let long = longest_piece(&pieces, &points, start) > set.measure * 0.4;
    if long || fmt0.code {
        let token = &t.text[start..end];
        let extra = if long { 0.0 } else { 300.0 };
        points.extend(token_breaks(token).map(|(o, p)| (start + o, Point::Break, p + extra)));
        points.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.total_cmp(&b.2)));
        points.dedup_by_key(|p| p.0);
    }
    // Emergency break points for words with a piece that cannot fit on a line (a run of
    // ideographs is one "word" with a break opportunity between every two characters).
    let emergency = longest_piece(&pieces, &points, start) > set.measure + 0.01;
    if emergency && !breaks_anywhere(&t.text[start..end], &fmt0) {
        let word: String = t.text[start..end].chars().take(48).collect();
        shaper.overfull.push((shaper.span, word));
    }
    let cut = Cut {
        start,
        fmt: &fmt0,
        emergency: emergency.then_some(set.measure * 0.5),
    };
    emit_word(shaper, pieces, &points, &cut, items, content);
}

/// The break points inside the word from `start` to `end`: the text's opportunities and,
/// for a left-to-right word of letters, hyphenation points.
fn word_points(
    shaper: &mut Shaper<'_>,
    t: &Text<'_>,
    start: usize,
    end: usize,
    para: &ParaStyle,
) -> Vec<BreakPoint> {
    // The opportunities and spans are sorted: look at this word's part only, so a long
    // paragraph costs linear time rather than words × opportunities.
    let text = t.text;
    let mut points: Vec<BreakPoint> = Vec::new();
    let first = t.opportunities.partition_point(|&(o, _)| o <= start);
    for &(o, kind) in t.opportunities[first..]
        .iter()
        .take_while(|&&(o, _)| o < end)
    {
        let prev = text[..o].chars().next_back().unwrap_or(' ');
        let hyphen = matches!(prev, '-' | '\u{2010}');
        let point = if kind == Kind::Wide && para.justify {
            Point::Stretch
        } else {
            Point::Break
        };
        points.push((o, point, if hyphen { 50.0 } else { 0.0 }));
    }
    let fmt0 = fmt_at(t.spans, start);
    if para.hyphenate
        && !fmt0.style.is_mono()
        && fmt0.link.is_none()
        && t.level(start).is_multiple_of(2)
        && let Some(lang) = shaper.hyphen_lang
    {
        // Hyphenate each alphabetic stretch of the word.
        let mut i = start;
        while i < end {
            let c = text[i..].chars().next().unwrap_or(' ');
            if !c.is_alphabetic() {
                i += c.len_utf8();
                continue;
            }
            let s = i;
            while i < end && text[i..].chars().next().is_some_and(char::is_alphabetic) {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
            }
            let letters = &text[s..i];
            // Not a name or an acronym (capitalised), and not the paragraph's last word
            // (its last line would end in half a word).
            let capital = letters.chars().next().is_some_and(char::is_uppercase);
            let last = text[end..].trim().is_empty();
            if letters.chars().count() >= 5 && !capital && !last {
                let mut off = s;
                for &len in shaper.syllables(letters, lang).iter() {
                    off += usize::from(len);
                    points.push((off, Point::Hyphen, 50.0));
                }
            }
        }
    }
    points.sort_by_key(|a| a.0);
    points.dedup_by_key(|p| p.0);
    points
}

/// The word from `start` to `end` shaped: one run per format, bidi level and face (in
/// logical order), each with the byte offset where its text starts.
fn shape_word(
    shaper: &mut Shaper<'_>,
    t: &Text<'_>,
    start: usize,
    end: usize,
) -> Vec<(usize, Run)> {
    let first = t.spans.partition_point(|(s, _)| *s <= start);
    let mut cuts: Vec<usize> = t.spans[first..]
        .iter()
        .map(|(s, _)| *s)
        .take_while(|&s| s < end)
        .collect();
    if let Some(levels) = &t.levels {
        cuts.extend(
            (start + 1..end).filter(|&i| t.text.is_char_boundary(i) && levels[i] != levels[i - 1]),
        );
    }
    cuts.push(start);
    cuts.push(end);
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let fmt = fmt_at(t.spans, a).clone();
        let level = t.level(a);
        let mut off = a;
        for run in shaper.runs_at(&t.text[a..b], &fmt, level) {
            let len: usize = run_text_len(&run);
            pieces.push((off, run));
            off += len;
        }
    }
    pieces
}

/// How a word's runs are cut into boxes.
struct Cut<'a> {
    /// Where the word starts (no break there).
    start: usize,
    fmt: &'a Arc<Fmt>,
    /// For a word that cannot fit: the widest a piece may grow before a forced break.
    emergency: Option<f32>,
}

/// The boxes and breaks of a word: its runs cut at the break points that fall on cluster
/// boundaries (a right-to-left run is kept whole: it breaks only where it starts).
fn emit_word(
    shaper: &mut Shaper<'_>,
    pieces: Vec<(usize, Run)>,
    points: &[BreakPoint],
    cut: &Cut<'_>,
    items: &mut Vec<Item>,
    content: &mut Vec<Content>,
) {
    let mut pending: Vec<Run> = Vec::new();
    let mut point_iter = points.iter().peekable();
    for (piece_start, run) in pieces {
        if run.level % 2 == 1 {
            let end = piece_start + run_text_len(&run);
            while let Some(&&(p, point, penalty)) = point_iter.peek() {
                if p >= end {
                    break;
                }
                point_iter.next();
                if p == piece_start && p > cut.start {
                    flush_box(&mut pending, items, content);
                    push_break(shaper, point, penalty, cut.fmt, items, content);
                }
            }
            pending.push(run);
            continue;
        }
        let mut cur = empty_like(&run);
        let mut byte = piece_start;
        for (gid, adv, gtext) in run.glyphs.clone() {
            // A glyph with text starts a cluster at `byte`.
            if let Some(t) = &gtext {
                while let Some(&&(p, point, penalty)) = point_iter.peek() {
                    if p < byte {
                        point_iter.next();
                        continue;
                    }
                    if p == byte && (byte > cut.start) {
                        point_iter.next();
                        if !cur.glyphs.is_empty() {
                            pending.push(std::mem::replace(&mut cur, empty_like(&run)));
                        }
                        flush_box(&mut pending, items, content);
                        push_break(shaper, point, penalty, cut.fmt, items, content);
                    }
                    break;
                }
                if let Some(widest) = cut.emergency
                    && !cur.glyphs.is_empty()
                    && cur.width + adv > widest
                {
                    pending.push(std::mem::replace(&mut cur, empty_like(&run)));
                    flush_box(&mut pending, items, content);
                    push_break(shaper, Point::Break, 900.0, cut.fmt, items, content);
                }
                byte += t.len();
            }
            cur.width += adv;
            cur.glyphs.push((gid, adv, gtext));
        }
        if !cur.glyphs.is_empty() {
            pending.push(cur);
        }
    }
    flush_box(&mut pending, items, content);
}

/// Break points inside a long token (a URL, a path, an identifier, JSON), as (byte
/// offset, penalty): after a run of `/ . _ ? & = # \ , ; - : } ] ) | +` followed by a
/// letter, digit or opening quote or bracket, before `%XX` in a URL, and between a
/// lower-case letter and an upper-case one or letters and digits.
fn token_breaks(token: &str) -> impl Iterator<Item = (usize, f32)> + '_ {
    let is_sep = |c: char| {
        matches!(
            c,
            '/' | '.' | '_' | '?' | '&' | '=' | '#' | '\\' | ',' | ';' | '-' | '\u{A0}'
        )
    };
    let url = is_url(token);
    let mut prev: Option<char> = None;
    token.char_indices().filter_map(move |(i, c)| {
        let p = prev.replace(c)?;
        let opens = |c: char| {
            c.is_alphanumeric() || matches!(c, '%' | '"' | '“' | '‘' | '\'' | '[' | '{' | '(' | '$')
        };
        if (is_sep(p) || matches!(p, ':' | '}' | ']' | ')' | '|' | '+')) && opens(c) {
            Some((i, 200.0))
        } else if url && c == '%' && p != '%' {
            Some((i, 250.0))
        } else if (p.is_lowercase() && c.is_uppercase())
            || (p.is_ascii_digit() && c.is_alphabetic())
            || (p.is_alphabetic() && c.is_ascii_digit())
        {
            Some((i, 300.0))
        } else {
            None
        }
    })
}

fn is_url(token: &str) -> bool {
    token.contains("://") || token.starts_with("www.") || token.starts_with("mailto:")
}

/// A token that may be cut at any character when nothing else fits, as typesetters do
/// with URLs, code and rows of symbols: no warning is due. A word of prose is not.
fn breaks_anywhere(token: &str, fmt: &Fmt) -> bool {
    // Machine text (JSON, paths, expressions): a quarter of it or more is punctuation.
    let chars = token.chars().count().max(1);
    let punctuation = token.chars().filter(|c| !c.is_alphanumeric()).count();
    is_url(token)
        || fmt.style.is_mono()
        || fmt.code
        || fmt.link.is_some()
        || !token.chars().any(char::is_alphabetic)
        || punctuation * 4 >= chars
}

/// Characters that never start a line, not even after a space (UAX #14, LB13).
fn no_break_before(c: char) -> bool {
    use unicode_linebreak::BreakClass as B;
    matches!(
        unicode_linebreak::break_property(c as u32),
        B::ClosePunctuation | B::CloseParenthesis | B::Exclamation | B::InfixSeparator
    )
}

/// The widest stretch of a word between two of its break points.
fn longest_piece(pieces: &[(usize, Run)], points: &[BreakPoint], start: usize) -> f32 {
    let (mut widest, mut cur, mut k) = (0.0f32, 0.0f32, 0);
    for (piece_start, run) in pieces {
        let mut byte = *piece_start;
        for (_, adv, text) in &run.glyphs {
            if let Some(t) = text {
                while k < points.len() && points[k].0 < byte {
                    k += 1;
                }
                if k < points.len() && points[k].0 == byte && byte > start {
                    widest = widest.max(cur);
                    cur = 0.0;
                    k += 1;
                }
                byte += t.len();
            }
            cur += adv;
        }
    }
    widest.max(cur)
}

fn run_text_len(run: &Run) -> usize {
    run.glyphs
        .iter()
        .filter_map(|(_, _, t)| t.as_ref().map(|t| t.len()))
        .sum()
}

fn empty_like(run: &Run) -> Run {
    Run {
        face: run.face,
        fmt: run.fmt.clone(),
        glyphs: Vec::new(),
        width: 0.0,
        level: run.level,
    }
}

fn flush_box(pending: &mut Vec<Run>, items: &mut Vec<Item>, content: &mut Vec<Content>) {
    if pending.is_empty() {
        return;
    }
    let runs = std::mem::take(pending);
    let width = runs.iter().map(|r| r.width).sum();
    items.push(Item::Box { width });
    content.push(Content::Runs(runs));
}

/// A break point inside a word.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Point {
    /// A break that adds nothing.
    Break,
    /// A hyphenation point: a hyphen is drawn if the line breaks here.
    Hyphen,
    /// A gap between East Asian characters: a break, and space when a line is justified.
    Stretch,
}

fn push_break(
    shaper: &mut Shaper<'_>,
    point: Point,
    penalty: f32,
    fmt: &Arc<Fmt>,
    items: &mut Vec<Item>,
    content: &mut Vec<Content>,
) {
    if point == Point::Stretch {
        // Inter-character space: up to a tenth of an em per gap, never shrinking (a CJK
        // line has a gap per character, so this is plenty for any line).
        items.push(Item::Glue {
            width: 0.0,
            stretch: fmt.size * 0.1,
            shrink: 0.0,
        });
        content.push(Content::Nothing);
    } else if point == Point::Hyphen {
        let run = shaper.runs("-", fmt).into_iter().next();
        let width = run.as_ref().map_or(0.0, |r| r.width);
        items.push(Item::Penalty {
            width,
            penalty,
            flagged: true,
        });
        content.push(Content::Hyphen(run));
    } else {
        items.push(Item::Penalty {
            width: 0.0,
            penalty,
            flagged: false,
        });
        content.push(Content::Nothing);
    }
}

/// Break a prepared paragraph into lines of width `measure` and place the glyphs.
pub fn set_lines(
    shaper: &mut Shaper<'_>,
    p: &Prepared,
    measure: f32,
    para: &ParaStyle,
    leading: f32,
) -> Vec<LineOut> {
    if p.items.is_empty() {
        return Vec::new();
    }
    let mut params = if para.justify {
        Params::justified(p.size)
    } else {
        Params::ragged(p.size)
    };
    let expansion = if para.justify { shaper.expansion } else { 0.0 };
    params.expansion = expansion;
    let fit = Fit { measure, expansion };
    let breaks = linebreak::break_lines(&p.items, &|_| measure, &params);
    for _ in &breaks.overfull {
        shaper.overfull.push((shaper.span, String::new()));
    }
    breaks
        .lines
        .iter()
        .map(|line| {
            let mut set = LineSetter::new(leading);
            set.contents(shaper.fonts, p, line, fit);
            // A right-to-left paragraph's lines start at the right.
            let align = match (p.rtl, para.align) {
                (true, Align::Left) => Align::Right,
                (_, align) => align,
            };
            set.finish(p.size, measure, align, line.hyphenated)
        })
        .collect()
}

/// How far the first and the last character of a line hang into the margins: a share of
/// their width, by character (the shares of pdfTeX's microtype for serif faces).
fn protrusion(units: &[(u8, Unit<'_>)]) -> (f32, f32) {
    let left = match units.first() {
        Some((_, Unit::Run(r))) => r.glyphs.first().and_then(|(_, adv, t)| {
            let c = t.as_deref()?.chars().next()?;
            let share = match c {
                '‘' | '\'' => 0.7,
                '“' | '"' | '«' => 0.5,
                '(' | '[' => 0.1,
                _ => return None,
            };
            Some(share * adv)
        }),
        _ => None,
    };
    let right = match units.last() {
        Some((_, Unit::Run(r))) => r.glyphs.iter().rev().find_map(|(_, adv, t)| {
            let c = t.as_deref()?.chars().next_back()?;
            let share = match c {
                '-' | '\u{2010}' | '.' | '’' | '\'' => 0.7,
                ',' => 0.6,
                '”' | '"' | '»' | '–' => 0.5,
                ':' | ';' => 0.4,
                '—' => 0.3,
                '!' | '?' => 0.2,
                ')' | ']' => 0.1,
                _ => 0.0,
            };
            Some(share * adv)
        }),
        _ => None,
    };
    (left.unwrap_or(0.0), right.unwrap_or(0.0))
}

/// A piece of a line, placed as a whole.
enum Unit<'p> {
    Run(&'p Run),
    /// Any other box content, and its width.
    Boxed(&'p Content, f32),
    /// An inter-word space.
    Space(FaceId, &'p Arc<Fmt>, Glue),
    /// Space with nothing drawn.
    Skip(Glue),
}

/// A glue item's natural width, stretch and shrink.
#[derive(Debug, Clone, Copy, Default)]
struct Glue {
    width: f32,
    stretch: f32,
    shrink: f32,
}

/// How the glue of a line is set: by the line's ratio, or by the share of the room
/// left once expanded text is placed (of each glue's stretch, or shrink when negative).
struct GlueSet {
    ratio: f32,
    share: Option<f32>,
}

impl GlueSet {
    fn width(&self, g: Glue) -> f32 {
        match self.share {
            Some(s) if s >= 0.0 => g.width + s * g.stretch,
            Some(s) => g.width + s * g.shrink,
            None => set_glue(self.ratio, g.width, g.stretch, g.shrink),
        }
    }
}

/// What a line is fitted to: the measure and the font expansion allowed (0: none).
#[derive(Debug, Clone, Copy)]
struct Fit {
    measure: f32,
    expansion: f32,
}

/// A line's pieces in logical order with their bidi levels (boxes other than text at the
/// paragraph's level, glue at that of the text before it).
fn line_units<'p>(p: &'p Prepared, line: &linebreak::Line) -> Vec<(u8, Unit<'p>)> {
    let base = u8::from(p.rtl);
    let end = line.end.min(p.items.len());
    let mut units: Vec<(u8, Unit<'p>)> = Vec::new();
    for idx in line.start..end {
        let before = units.last().map_or(base, |u| u.0);
        match (&p.items[idx], &p.content[idx]) {
            (Item::Box { .. }, Content::Runs(runs)) => {
                units.extend(runs.iter().map(|r| (r.level, Unit::Run(r))));
            }
            (Item::Box { width }, c) => units.push((base, Unit::Boxed(c, *width))),
            (
                Item::Glue {
                    width,
                    stretch,
                    shrink,
                },
                c,
            ) => {
                let g = Glue {
                    width: *width,
                    stretch: *stretch,
                    shrink: *shrink,
                };
                match c {
                    Content::Space { fmt, face, level } => {
                        units.push((*level, Unit::Space(*face, fmt, g)));
                    }
                    _ => units.push((before, Unit::Skip(g))),
                }
            }
            _ => {}
        }
    }
    if line.hyphenated
        && let Some(Content::Hyphen(Some(run))) = p.content.get(line.end)
    {
        let before = units.last().map_or(base, |u| u.0);
        units.push((before, Unit::Run(run)));
    }
    units
}

/// The width of glue on a line set with adjustment ratio `ratio`.
fn set_glue(ratio: f32, width: f32, stretch: f32, shrink: f32) -> f32 {
    if ratio >= 0.0 {
        width + ratio * stretch
    } else {
        width + ratio * shrink
    }
}

/// One line being placed: the pen, glyph runs merged while face and format stay the same,
/// and the stretches of text that carry decorations (backgrounds, strike-through, links).
struct LineSetter {
    x: f32,
    /// Horizontal scale of the line's text (font expansion).
    scale: f32,
    draws: Vec<Draw>,
    footnotes: Vec<u32>,
    ascent: f32,
    descent: f32,
    glyph_draws: Vec<(FaceId, Arc<Fmt>, Vec<PlacedGlyph>)>,
    decorations: Vec<(Arc<Fmt>, f32, f32)>,
}

impl LineSetter {
    fn new(leading: f32) -> LineSetter {
        LineSetter {
            x: 0.0,
            scale: 1.0,
            draws: Vec::new(),
            footnotes: Vec::new(),
            ascent: leading * 0.75,
            descent: leading * 0.25,
            glyph_draws: Vec::new(),
            decorations: Vec::new(),
        }
    }

    /// The line's boxes and glue (glue set by the line's ratio), then the hyphen if the
    /// line ends in one: in visual order, right-to-left pieces reversed.
    fn contents(&mut self, fonts: &FontSet, p: &Prepared, line: &linebreak::Line, fit: Fit) {
        let mut units = line_units(p, line);
        let rtl = units.iter().any(|(level, _)| level % 2 == 1);
        // With micro-typography, punctuation and hyphens at the ends of a line hang into
        // the margins by part of their width, so that the edges look straight.
        let (left, right) = if fit.expansion > 0.0 && !rtl {
            protrusion(&units)
        } else {
            (0.0, 0.0)
        };
        self.x = -left;
        let wider = Fit {
            measure: fit.measure + left + right,
            ..fit
        };
        let glue = self.fit_line(&units, line.ratio, wider);
        if rtl {
            crate::bidi::reorder(&mut units);
        }
        for (_, unit) in units {
            match unit {
                Unit::Run(run) => self.run(run),
                Unit::Boxed(c, width) => self.boxed(fonts, c, width),
                Unit::Space(face, fmt, g) => self.space(fonts, face, fmt, glue.width(g)),
                Unit::Skip(g) => self.x += glue.width(g),
            }
        }
    }

    /// Set the line's text scale and say how wide each glue is. With font expansion the
    /// text takes its share of the adjustment (up to ±`expansion`) and the glue the rest,
    /// so that the line ends exactly at the measure; without, glue is set by the ratio.
    fn fit_line(&mut self, units: &[(u8, Unit<'_>)], ratio: f32, fit: Fit) -> GlueSet {
        let plain = GlueSet { ratio, share: None };
        if fit.expansion <= 0.0 || ratio == 0.0 || !ratio.is_finite() {
            return plain;
        }
        let (mut text, mut other, mut glue) = (0.0f32, 0.0f32, Glue::default());
        for (_, u) in units {
            match u {
                Unit::Run(r) => text += r.width,
                Unit::Boxed(_, w) => other += w,
                Unit::Space(_, _, g) | Unit::Skip(g) => {
                    glue.width += g.width;
                    glue.stretch += g.stretch;
                    glue.shrink += g.shrink;
                }
            }
        }
        let scale = 1.0 + ratio.clamp(-1.0, 1.0) * fit.expansion;
        let room = fit.measure - text * scale - other - glue.width;
        let give = if room >= 0.0 {
            glue.stretch
        } else {
            glue.shrink
        };
        if give <= 0.0 {
            return plain;
        }
        self.scale = scale;
        GlueSet {
            ratio,
            share: Some(room / give),
        }
    }

    fn boxed(&mut self, fonts: &FontSet, content: &Content, width: f32) {
        match content {
            Content::Runs(runs) => {
                for r in runs {
                    self.run(r);
                }
            }
            Content::FootnoteMark { number, run } => {
                self.footnotes.push(*number);
                self.run(run);
            }
            Content::Math { math, fmt } => {
                if let Some(face) = fonts.math {
                    let x = self.x;
                    self.draws.extend(
                        math.draws(face, fmt.color)
                            .into_iter()
                            .map(|d| d.shifted(x, 0.0)),
                    );
                }
                self.ascent = self.ascent.max(math.ascent);
                self.descent = self.descent.max(math.descent);
                if fmt.link.is_some() {
                    self.decorations
                        .push((fmt.clone(), self.x, self.x + math.width));
                }
                self.x += math.width;
            }
            Content::Image { image, w, h } => {
                self.draws.push(Draw::Image {
                    image: *image,
                    x: self.x,
                    y: -h,
                    w: *w,
                    h: *h,
                });
                self.ascent = self.ascent.max(*h);
                self.x += w;
            }
            _ => self.x += width,
        }
    }

    fn run(&mut self, run: &Run) {
        let x0 = self.x;
        let mut placed = Vec::with_capacity(run.glyphs.len());
        for (gid, adv, text) in &run.glyphs {
            placed.push(PlacedGlyph {
                gid: *gid,
                x: self.x,
                text: text.clone(),
            });
            self.x += adv * self.scale;
        }
        match self.glyph_draws.last_mut() {
            Some((f, fm, g)) if *f == run.face && **fm == *run.fmt => g.extend(placed),
            _ => self.glyph_draws.push((run.face, run.fmt.clone(), placed)),
        }
        self.decorations.push((run.fmt.clone(), x0, self.x));
    }

    /// An inter-word space of width `w`, drawn as a real space glyph so that copied text
    /// keeps its words apart.
    fn space(&mut self, fonts: &FontSet, face: FaceId, fmt: &Arc<Fmt>, w: f32) {
        let x = self.x;
        if let Some(gid) = fonts.face(face).glyph_for(' ') {
            let g = PlacedGlyph {
                gid,
                x,
                text: Some(" ".into()),
            };
            match self.glyph_draws.last_mut() {
                Some((ff, fm, gl)) if *ff == face && **fm == **fmt => gl.push(g),
                _ => self.glyph_draws.push((face, fmt.clone(), vec![g])),
            }
        }
        self.decorations.push((fmt.clone(), x, x + w));
        self.x += w;
    }

    /// The drawings in order (backgrounds, text, lines over text, links), aligned.
    fn finish(mut self, size: f32, measure: f32, align: Align, hyphenated: bool) -> LineOut {
        let mut link_spans: Vec<(Arc<LinkDest>, f32, f32)> = Vec::new();
        for (fmt, x0, x1) in &self.decorations {
            if fmt.highlight {
                self.draws.insert(
                    0,
                    Draw::Rect {
                        x: *x0,
                        y: -size * 0.8,
                        w: x1 - x0,
                        h: size * 1.05,
                        color: Color(1.0, 0.93, 0.55),
                    },
                );
            }
            if fmt.code {
                self.draws.insert(
                    0,
                    Draw::Rect {
                        x: *x0 - 0.8,
                        y: -size * 0.75,
                        w: x1 - x0 + 1.6,
                        h: size * 0.98,
                        color: Color(0.93, 0.93, 0.93),
                    },
                );
            }
            if let Some(dest) = &fmt.link {
                match link_spans.last_mut() {
                    Some((d, _, e)) if Arc::ptr_eq(d, dest) && (*e - x0).abs() < 0.5 => *e = *x1,
                    _ => link_spans.push((dest.clone(), *x0, *x1)),
                }
            }
        }
        for (face, fmt, glyphs) in self.glyph_draws {
            self.draws.push(Draw::Glyphs {
                face,
                size: fmt.size,
                color: fmt.color,
                baseline: -fmt.rise,
                glyphs,
                stretch: self.scale,
            });
        }
        for (fmt, x0, x1) in &self.decorations {
            if fmt.strike {
                self.draws.push(Draw::Line {
                    x1: *x0,
                    y1: -fmt.size * 0.28,
                    x2: *x1,
                    y2: -fmt.size * 0.28,
                    width: fmt.size * 0.06,
                    color: fmt.color,
                });
            }
        }
        for (dest, x0, x1) in link_spans {
            self.draws.push(Draw::Link {
                x: x0,
                y: -size * 0.85,
                w: x1 - x0,
                h: size * 1.15,
                dest,
            });
        }
        let natural = self.x;
        let shift = match align {
            Align::Left => 0.0,
            Align::Center => ((measure - natural) / 2.0).max(0.0),
            Align::Right => (measure - natural).max(0.0),
        };
        let draws = if shift > 0.0 {
            self.draws.iter().map(|d| d.shifted(shift, 0.0)).collect()
        } else {
            self.draws
        };
        LineOut {
            width: natural,
            ascent: self.ascent,
            descent: self.descent.max(0.0),
            draws,
            footnotes: self.footnotes,
            hyphenated,
        }
    }
}

/// Code text on a fixed grid: glyph i of the line sits at column i, so indentation and
/// alignment survive (spaces are drawn too, so copied code keeps them).
pub fn mono_draw(
    shaper: &mut Shaper<'_>,
    text: &str,
    fmt: &Fmt,
    x0: f32,
    cell: f32,
    baseline: f32,
) -> Vec<Draw> {
    let fmt = Arc::new(fmt.clone());
    let mut col = 0usize;
    let mut out = Vec::new();
    for run in shaper.runs(text, &fmt) {
        let mut glyphs = Vec::with_capacity(run.glyphs.len());
        for (gid, _, t) in run.glyphs {
            let x = x0 + col as f32 * cell;
            if let Some(t) = &t {
                col += t.chars().count();
            }
            glyphs.push(PlacedGlyph { gid, x, text: t });
        }
        out.push(Draw::Glyphs {
            face: run.face,
            size: fmt.size,
            color: fmt.color,
            baseline,
            glyphs,
            stretch: 1.0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hyphenation points of `text` set as one justified paragraph (the text before
    /// each point).
    fn hyphen_points(text: &str) -> Vec<String> {
        let (fonts, _) = FontSet::new(&[]);
        let mut shaper = Shaper::new(&fonts, "en", true);
        let para = ParaStyle {
            justify: true,
            hyphenate: true,
            align: Align::Left,
            indent: 0.0,
        };
        let p = prepare(
            &mut shaper,
            &[Inline::Text(text.into())],
            &Fmt::new(Style::Regular, 11.0),
            &para,
            300.0,
            &|_| None,
        );
        let mut out = Vec::new();
        let mut before = String::new();
        for (item, content) in p.items.iter().zip(&p.content) {
            match (item, content) {
                (Item::Penalty { flagged: true, .. }, _) => out.push(before.clone()),
                (_, Content::Runs(runs)) => {
                    for r in runs {
                        before.extend(r.glyphs.iter().filter_map(|g| g.2.as_deref()));
                    }
                }
                (_, Content::Space { .. }) => before.push(' '),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn punctuation_hangs_into_the_margin_with_microtype() {
        let (fonts, _) = FontSet::new(&[]);
        let text = "Words, then more words. And the same again, with commas, stops. ".repeat(12);
        let ends = |expansion: f32| -> Vec<(char, f32)> {
            let mut shaper = Shaper::new(&fonts, "en", true);
            shaper.expansion = expansion;
            let para = ParaStyle {
                justify: true,
                hyphenate: true,
                align: Align::Left,
                indent: 0.0,
            };
            let fmt = Fmt::new(Style::Regular, 11.0);
            let p = prepare(
                &mut shaper,
                &[Inline::Text(text.clone())],
                &fmt,
                &para,
                250.0,
                &|_| None,
            );
            let lines = set_lines(&mut shaper, &p, 250.0, &para, 15.0);
            let n = lines.len();
            lines[..n - 1]
                .iter()
                .filter_map(|l| {
                    let (face, size, stretch, g) = l.draws.iter().rev().find_map(|d| match d {
                        Draw::Glyphs {
                            face,
                            size,
                            stretch,
                            glyphs,
                            ..
                        } => glyphs.last().map(|g| (*face, *size, *stretch, g.clone())),
                        _ => None,
                    })?;
                    let f = fonts.face(face);
                    let right = g.x + f.advance(g.gid) * size / f.units_per_em * stretch;
                    Some((g.text?.chars().next_back()?, right))
                })
                .collect()
        };
        let on = ends(0.02);
        // A line ending in a comma or full stop reaches past the measure; one ending in a
        // letter ends on it.
        assert!(on.iter().any(|(c, _)| matches!(c, ',' | '.')), "{on:?}");
        for (c, right) in &on {
            if matches!(c, ',' | '.') {
                assert!(*right > 250.5, "{c} ends at {right}");
            } else if c.is_alphabetic() {
                assert!((right - 250.0).abs() < 0.1, "{c} ends at {right}");
            }
        }
        // Without micro-typography every line ends on the measure.
        for (c, right) in ends(0.0) {
            assert!((right - 250.0).abs() < 0.1, "{c} ends at {right}");
        }
    }

    #[test]
    fn names_and_the_last_word_are_not_hyphenated() {
        let points =
            hyphen_points("Hyphenation happens everywhere in Constantinople documentation");
        // "happens", "everywhere" may break; "Hyphenation" and "Constantinople" are
        // capitalised and "documentation" ends the paragraph.
        assert!(points.iter().any(|p| p.ends_with("every")), "{points:?}");
        assert!(
            !points
                .iter()
                .any(|p| p.starts_with("Hy") && !p.contains(' ')),
            "{points:?}"
        );
        assert!(
            !points
                .iter()
                .any(|p| p.ends_with("Constan") || p.ends_with("Con")),
            "{points:?}"
        );
        assert!(!points.iter().any(|p| p.contains("docu")), "{points:?}");
    }
}
