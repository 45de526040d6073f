//! MathML elements → boxes. One function per kind of element; lengths in points, y up.

use roxmltree::Node;
use ttf_parser::math::Constants;

use super::font::{MathFont, Stretched};
use super::ops::{self, Form, OpInfo};
use super::{MathBox, MathLayoutError, Piece, alpha};
use crate::fonts::{Face, FontSet, Style};

type Result<T> = std::result::Result<T, MathLayoutError>;
type Get = fn(&Constants<'static>) -> ttf_parser::math::MathValue<'static>;

/// The style a part of a formula is set in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct St {
    display: bool,
    /// 0 text, 1 script, 2 and more script-script.
    level: u8,
    /// Superscripts sit lower (under a radical, in a denominator, in a subscript).
    cramped: bool,
}

impl St {
    fn script(self) -> St {
        St {
            display: false,
            level: self.level.saturating_add(1),
            cramped: self.cramped,
        }
    }

    fn cramp(self) -> St {
        St {
            cramped: true,
            ..self
        }
    }

    /// Numerator and denominator: text style in a display, else one level smaller.
    fn fraction(self) -> St {
        if self.display {
            St {
                display: false,
                ..self
            }
        } else {
            self.script()
        }
    }
}

pub(super) struct Layout<'f> {
    font: &'static MathFont,
    face: &'f Face,
    /// The book's faces, for text the math face lacks.
    text: Option<&'f FontSet>,
    size: f32,
    pub missing: Vec<char>,
}

impl<'f> Layout<'f> {
    pub fn new(
        font: &'static MathFont,
        face: &'f Face,
        text: Option<&'f FontSet>,
        size: f32,
    ) -> Layout<'f> {
        Layout {
            font,
            face,
            text,
            size,
            missing: Vec::new(),
        }
    }

    /// `text` set in the book's regular face and its fallbacks, for characters the math
    /// face lacks (Chinese in `\text{}`, say), or `None` without text faces.
    fn text_glyphs(&mut self, text: &str, st: St) -> Option<MathBox> {
        let fonts = self.text?;
        let size = self.size(st);
        let mut b = MathBox::default();
        let mut missing = Vec::new();
        for (id, piece) in fonts.runs(text, Style::Regular, &mut missing) {
            let face = fonts.face(id);
            let scale = size / face.units_per_em;
            b.ascent = b.ascent.max(face.ascender * scale);
            b.descent = b.descent.max(-face.descender * scale);
            let glyphs = face.shape(&piece, None, false);
            let mut last = usize::MAX;
            for g in &glyphs {
                let t = (g.cluster != last)
                    .then(|| piece.get(g.cluster..).and_then(|r| r.chars().next()))
                    .flatten()
                    .map(String::from);
                last = g.cluster;
                b.pieces.push(Piece::Glyph {
                    x: b.width,
                    y: 0.0,
                    size,
                    gid: g.gid,
                    text: t,
                    face: Some(id),
                });
                b.width += g.advance * scale;
            }
        }
        self.missing.extend(missing);
        Some(b)
    }

    fn size(&self, st: St) -> f32 {
        self.size * self.font.script_scale(st.level.min(2))
    }

    /// Font units → points at the style's size.
    fn pt(&self, v: f32, st: St) -> f32 {
        v * self.size(st) / self.font.upem
    }

    fn c(&self, get: Get, st: St) -> f32 {
        self.pt(self.font.constant(get), st)
    }

    pub fn formula(&mut self, math: Node<'_, '_>, display: bool) -> Result<MathBox> {
        let st = St {
            display,
            level: 0,
            cramped: false,
        };
        self.row(math, st)
    }

    fn node(&mut self, n: Node<'_, '_>, st: St) -> Result<MathBox> {
        match n.tag_name().name() {
            "mrow" | "mpadded" | "menclose" | "mtd" | "math" => self.row(n, st),
            "semantics" => match elements(n).next() {
                Some(first) => self.node(first, st),
                None => Ok(MathBox::default()),
            },
            "mstyle" => self.row(n, styled(n, st)),
            "mphantom" => {
                let mut b = self.row(n, st)?;
                b.pieces.clear();
                Ok(b)
            }
            "mi" | "mn" | "mtext" | "ms" => self.token(n, st),
            "mo" => {
                let info = op_info(n, Form::Infix);
                self.operator(n, info, st, None)
            }
            "mspace" => Ok(MathBox {
                width: length(n.attribute("width"), self.size(st)),
                ascent: length(n.attribute("height"), self.size(st)),
                descent: length(n.attribute("depth"), self.size(st)),
                ..MathBox::default()
            }),
            "msub" | "msup" | "msubsup" => self.scripts(n, st),
            "munder" | "mover" | "munderover" => self.under_over(n, st),
            "mfrac" => self.fraction(n, st),
            "msqrt" => {
                let base = self.row(n, st.cramp())?;
                self.radical(base, None, st)
            }
            "mroot" => {
                let [base, index] = children::<2>(n)?;
                let base = self.node(base, st.cramp())?;
                let index = self.node(
                    index,
                    St {
                        display: false,
                        level: st.level.saturating_add(2),
                        cramped: true,
                    },
                )?;
                self.radical(base, Some(index), st)
            }
            "mtable" => self.table(n, st),
            "mmultiscripts" => self.multiscripts(n, st),
            "none" | "annotation" | "annotation-xml" | "mprescripts" => Ok(MathBox::default()),
            other => Err(MathLayoutError(format!(
                "`<{other}>` is not something the PDF can lay out yet"
            ))),
        }
    }

    /// Children side by side, operators spaced by the dictionary, stretchy fences grown to
    /// the height of the rest.
    fn row(&mut self, n: Node<'_, '_>, st: St) -> Result<MathBox> {
        let kids: Vec<Node<'_, '_>> = elements(n)
            .filter(|k| !matches!(k.tag_name().name(), "annotation" | "annotation-xml"))
            .collect();
        let last = kids.len().saturating_sub(1);
        let mut boxes: Vec<Option<MathBox>> = Vec::with_capacity(kids.len());
        let mut infos: Vec<Option<OpInfo>> = Vec::with_capacity(kids.len());
        let mut deferred = Vec::new();
        // The node whose attributes space each child: itself, or the operator at the core
        // of an embellished one (`\sum_{i}`, `\lim_{n}`).
        let mut spaced: Vec<Node<'_, '_>> = Vec::with_capacity(kids.len());
        for (i, k) in kids.iter().enumerate() {
            if k.tag_name().name() != "mo" {
                let core = embellished_core(*k);
                infos.push(core.map(|c| op_info(c, Form::Infix)));
                spaced.push(core.unwrap_or(*k));
                boxes.push(Some(self.node(*k, st)?));
                continue;
            }
            spaced.push(*k);
            let prev_is_op = i > 0 && kids[i - 1].tag_name().name() == "mo";
            let form = if i == 0 || (prev_is_op && i != last) {
                Form::Prefix
            } else if i == last && kids.len() > 1 {
                Form::Postfix
            } else {
                Form::Infix
            };
            let info = op_info(*k, form);
            infos.push(Some(info));
            if info.stretchy && !info.horizontal {
                deferred.push(i);
                boxes.push(None);
            } else {
                boxes.push(Some(self.operator(*k, info, st, None)?));
            }
        }
        let axis = self.c(Constants::axis_height, st);
        let (mut asc, mut desc) = (0.0f32, 0.0f32);
        for b in boxes.iter().flatten() {
            asc = asc.max(b.ascent);
            desc = desc.max(b.descent);
        }
        for i in deferred {
            let info = infos[i].unwrap_or_else(|| ops::lookup("", Form::Infix));
            boxes[i] = Some(self.operator(kids[i], info, st, Some((asc, desc, axis)))?);
        }
        let mut out = MathBox::default();
        let scripted = st.level > 0;
        for (i, b) in boxes.into_iter().enumerate() {
            let Some(b) = b else { continue };
            let (l, r) = match infos[i] {
                Some(info) => spacing(spaced[i], info, scripted, self.size(st)),
                None => (0.0, 0.0),
            };
            out.width += l;
            out.ascent = out.ascent.max(b.ascent);
            out.descent = out.descent.max(b.descent);
            let w = b.width;
            out.italic = b.italic;
            out.simple = kids.len() == 1 && b.simple;
            out.large = kids.len() == 1 && b.large;
            out.accent_x = (kids.len() == 1).then_some(b.accent_x).flatten();
            let x = out.width;
            out.add(b, x, 0.0);
            out.width += w + r;
        }
        Ok(out)
    }

    /// Letters, numbers and text: shaped in the math face, in the token's alphabet, with
    /// the script-size alternates (`ssty`) below text size.
    fn token(&mut self, n: Node<'_, '_>, st: St) -> Result<MathBox> {
        let text: String = n
            .descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect();
        let name = n.tag_name().name();
        let variant = alpha::default_variant(name, text.trim(), n.attribute("mathvariant"));
        let text = if name == "mtext" || name == "ms" {
            text
        } else {
            text.trim().to_string()
        };
        let mut b = self.glyphs(&text, variant, st);
        b.simple = true;
        Ok(b)
    }

    /// `text` set in `variant` as one run; copying gives back `text` as written.
    fn glyphs(&mut self, text: &str, variant: &str, st: St) -> MathBox {
        let mut styled = String::with_capacity(text.len());
        let mut origin: Vec<(usize, char)> = Vec::new();
        // Invisible operators (function application, invisible times) and variation
        // selectors (the converter marks \mathcal with one) take no room and no glyph.
        for c in text.chars().filter(|c| !is_invisible(*c)) {
            origin.push((styled.len(), c));
            styled.push(alpha::styled(c, variant));
        }
        let lacks = |c: &char| !c.is_whitespace() && self.font.glyph(*c).is_none();
        if text
            .chars()
            .filter(|c| !is_invisible(*c))
            .any(|c| lacks(&c))
            && let Some(b) = self.text_glyphs(text, st)
        {
            return b;
        }
        let shaped = self.face.shape_math(&styled, u32::from(st.level.min(2)));
        let scale = self.size(st) / self.font.upem;
        let mut b = MathBox::default();
        let mut last_cluster = usize::MAX;
        for g in &shaped {
            if g.gid == 0
                && let Some((_, c)) = origin.iter().find(|(at, _)| *at == g.cluster)
                && !c.is_whitespace()
            {
                self.missing.push(*c);
            }
            let text = (g.cluster != last_cluster)
                .then(|| origin.iter().find(|(at, _)| *at == g.cluster))
                .flatten()
                .map(|(_, c)| c.to_string());
            last_cluster = g.cluster;
            let [_, y0, _, y1] = self.font.bounds(g.gid);
            b.ascent = b.ascent.max(y1 * scale);
            b.descent = b.descent.max(-y0 * scale);
            b.pieces.push(Piece::Glyph {
                x: b.width,
                y: 0.0,
                size: self.size(st),
                gid: g.gid,
                text,
                face: None,
            });
            b.width += g.advance * scale;
        }
        if let Some(last) = shaped.last() {
            b.italic = self.font.italic_correction(last.gid) * scale;
            if shaped.len() == 1 {
                b.accent_x = self.font.top_accent(last.gid).map(|a| a * scale);
            }
        }
        b
    }

    /// An operator: a large one bigger in display style and centred on the axis; a
    /// stretchy fence grown to `around` (ascent, descent, axis) or to its `minsize`.
    fn operator(
        &mut self,
        n: Node<'_, '_>,
        info: OpInfo,
        st: St,
        around: Option<(f32, f32, f32)>,
    ) -> Result<MathBox> {
        let text: String = n.text().unwrap_or("").trim().to_string();
        let mut chars = text.chars();
        let single = match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        let variant = n.attribute("mathvariant").unwrap_or("normal");
        let Some(c) = single else {
            let mut b = self.glyphs(&text, variant, st);
            b.simple = true;
            return Ok(b);
        };
        let axis = self.c(Constants::axis_height, st);
        let em = self.size(st);
        let min = n.attribute("minsize").map(|v| length(Some(v), em));
        let target = match (around, min) {
            (_, Some(m)) if m > 0.0 => Some(m),
            (Some((asc, desc, axis)), _) if info.stretchy => {
                // Cover the content symmetrically about the axis, as TeX's delimiters do
                // (90 % of it, or all but 5 pt).
                let half = (asc - axis).max(desc + axis);
                let want = (2.0 * half * 0.901).max(2.0 * half - em * 0.5);
                Some(want)
            }
            _ if info.largeop && st.display => {
                Some(self.pt(self.font.display_operator_min_height(), st))
            }
            _ => None,
        };
        let Some(gid) = self.font.glyph(c) else {
            self.missing.push(c);
            return Ok(self.glyphs(&text, variant, st));
        };
        let mut b = match target {
            Some(t) => self.stretched(gid, c, t / self.size(st) * self.font.upem, false, st),
            None => self.glyphs(&text, variant, st),
        };
        if info.largeop || target.is_some() {
            // Centre on the axis.
            let shift = axis - (b.ascent - b.descent) / 2.0;
            b = shifted(b, shift);
        }
        b.large = info.largeop;
        b.simple = true;
        Ok(b)
    }

    /// Glyph `gid` (for `c`) built `target` font units long.
    fn stretched(&mut self, gid: u16, c: char, target: f32, horizontal: bool, st: St) -> MathBox {
        let scale = self.size(st) / self.font.upem;
        let size = self.size(st);
        let mut b = MathBox::default();
        let text = Some(c.to_string());
        match self.font.stretch(gid, target, horizontal) {
            Stretched::Variant(g) => {
                let [_, y0, _, y1] = self.font.bounds(g);
                b.ascent = y1 * scale;
                b.descent = -y0 * scale;
                b.width = self.font.advance(g) * scale;
                b.italic = self.font.italic_correction(g) * scale;
                b.accent_x = self.font.top_accent(g).map(|a| a * scale);
                b.pieces.push(Piece::Glyph {
                    x: 0.0,
                    y: 0.0,
                    size,
                    gid: g,
                    text,
                    face: None,
                });
            }
            Stretched::Assembly(parts, total) => {
                let mut first = true;
                for (g, at) in parts {
                    let [x0, y0, x1, y1] = self.font.bounds(g);
                    let t = if first { text.clone() } else { None };
                    first = false;
                    if horizontal {
                        b.ascent = b.ascent.max(y1 * scale);
                        b.descent = b.descent.max(-y0 * scale);
                        b.pieces.push(Piece::Glyph {
                            x: at * scale,
                            y: 0.0,
                            size,
                            gid: g,
                            text: t,
                            face: None,
                        });
                    } else {
                        b.width = b
                            .width
                            .max(self.font.advance(g).max(x1 - x0.min(0.0)) * scale);
                        b.pieces.push(Piece::Glyph {
                            x: 0.0,
                            y: at * scale,
                            size,
                            gid: g,
                            text: t,
                            face: None,
                        });
                    }
                }
                if horizontal {
                    b.width = total * scale;
                } else {
                    // Parts are drawn from the bottom; the first part's bottom sits on the
                    // baseline of the assembly's origin.
                    let bottom = parts_bottom(&b, self.font, scale);
                    b.descent = -bottom;
                    b.ascent = total * scale + bottom;
                }
            }
        }
        b
    }

    fn scripts(&mut self, n: Node<'_, '_>, st: St) -> Result<MathBox> {
        let kids: Vec<Node<'_, '_>> = elements(n).collect();
        let (base, sub, sup) = match (n.tag_name().name(), kids.as_slice()) {
            ("msub", [b, s]) => (*b, Some(*s), None),
            ("msup", [b, s]) => (*b, None, Some(*s)),
            ("msubsup", [b, s, t]) => (*b, Some(*s), Some(*t)),
            (name, _) => return Err(wrong_children(name)),
        };
        let base = self.node(base, st)?;
        let sub = sub.map(|s| self.node(s, st.script().cramp())).transpose()?;
        let sup = sup.map(|s| self.node(s, st.script())).transpose()?;
        Ok(self.attach(base, sub, sup, st))
    }

    /// Scripts beside `base`, shifted as the MATH constants say.
    fn attach(
        &mut self,
        base: MathBox,
        sub: Option<MathBox>,
        sup: Option<MathBox>,
        st: St,
    ) -> MathBox {
        let sst = st.script();
        let drop = !base.simple;
        let mut u = 0.0f32;
        let mut v = 0.0f32;
        if let Some(sup) = &sup {
            let shift = if st.cramped {
                self.c(Constants::superscript_shift_up_cramped, st)
            } else {
                self.c(Constants::superscript_shift_up, st)
            };
            u = shift.max(sup.descent + self.c(Constants::superscript_bottom_min, st));
            if drop {
                u = u.max(base.ascent - self.c(Constants::superscript_baseline_drop_max, sst));
            }
        }
        if let Some(sub) = &sub {
            v = self
                .c(Constants::subscript_shift_down, st)
                .max(sub.ascent - self.c(Constants::subscript_top_max, st));
            if drop {
                v = v.max(base.descent + self.c(Constants::subscript_baseline_drop_min, sst));
            }
        }
        if let (Some(sub), Some(sup)) = (&sub, &sup) {
            let gap = (u - sup.descent) - (sub.ascent - v);
            let min = self.c(Constants::sub_superscript_gap_min, st);
            if gap < min {
                v += min - gap;
                let most = self.c(Constants::superscript_bottom_max_with_subscript, st);
                let lift = (most - (u - sup.descent)).min(min - gap);
                if lift > 0.0 {
                    u += lift;
                    v -= lift;
                }
            }
        }
        let after = self.c(Constants::space_after_script, st);
        let italic = base.italic;
        let large = base.large;
        let mut out = MathBox {
            width: base.width,
            ascent: base.ascent,
            descent: base.descent,
            ..MathBox::default()
        };
        let bw = base.width;
        out.add(base, 0.0, 0.0);
        let mut end = bw;
        if let Some(sub) = sub {
            let x = if large { bw - italic } else { bw };
            out.descent = out.descent.max(sub.descent + v);
            out.ascent = out.ascent.max(sub.ascent - v);
            end = end.max(x + sub.width);
            out.add(sub, x, -v);
        }
        if let Some(sup) = sup {
            let x = bw + italic;
            out.ascent = out.ascent.max(sup.ascent + u);
            out.descent = out.descent.max(sup.descent - u);
            end = end.max(x + sup.width);
            out.italic = sup.italic;
            out.add(sup, x, u);
        }
        out.width = end + after;
        out
    }

    fn under_over(&mut self, n: Node<'_, '_>, st: St) -> Result<MathBox> {
        let kids: Vec<Node<'_, '_>> = elements(n).collect();
        let (base_n, under_n, over_n) = match (n.tag_name().name(), kids.as_slice()) {
            ("munder", [b, u]) => (*b, Some(*u), None),
            ("mover", [b, o]) => (*b, None, Some(*o)),
            ("munderover", [b, u, o]) => (*b, Some(*u), Some(*o)),
            (name, _) => return Err(wrong_children(name)),
        };
        let base_info = (base_n.tag_name().name() == "mo").then(|| op_info(base_n, Form::Prefix));
        let movable = base_info.is_some_and(|i| i.movablelimits)
            || base_n.attribute("movablelimits") == Some("true");
        if movable && !st.display {
            let base = self.node(base_n, st)?;
            let sub = under_n
                .map(|u| self.node(u, st.script().cramp()))
                .transpose()?;
            let sup = over_n.map(|o| self.node(o, st.script())).transpose()?;
            return Ok(self.attach(base, sub, sup, st));
        }
        let accent = n.attribute("accent") == Some("true");
        let accent_under = n.attribute("accentunder") == Some("true");
        let base = self.node(base_n, st)?;
        let over = over_n
            .map(|o| self.attachment(o, &base, if accent { st } else { st.script() }))
            .transpose()?;
        let under = under_n
            .map(|u| {
                self.attachment(
                    u,
                    &base,
                    if accent_under {
                        st
                    } else {
                        st.script().cramp()
                    },
                )
            })
            .transpose()?;
        Ok(self.stack(base, under, over, accent, st))
    }

    /// A script over or under `base`: an operator that stretches horizontally (a brace, an
    /// arrow, a bar) is built as wide as the base.
    fn attachment(&mut self, n: Node<'_, '_>, base: &MathBox, st: St) -> Result<MathBox> {
        if n.tag_name().name() == "mo" {
            let text = n.text().unwrap_or("").trim();
            let mut chars = text.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                let info = op_info(n, Form::Postfix);
                let stretchy = n.attribute("stretchy") != Some("false") && info.horizontal;
                if stretchy && let Some(gid) = self.font.glyph(c) {
                    let target = base.width / self.size(st) * self.font.upem;
                    return Ok(self.stretched(gid, c, target, true, st));
                }
            }
        }
        self.node(n, st)
    }

    /// Limits or accents above and below `base`, centred on it.
    fn stack(
        &mut self,
        base: MathBox,
        under: Option<MathBox>,
        over: Option<MathBox>,
        accent: bool,
        st: St,
    ) -> MathBox {
        let width = [Some(&base), under.as_ref(), over.as_ref()]
            .into_iter()
            .flatten()
            .map(|b| b.width)
            .fold(0.0, f32::max);
        let italic = if base.large { base.italic } else { 0.0 };
        let centre = |b: &MathBox| (width - b.width) / 2.0;
        let mut out = MathBox {
            width,
            ascent: base.ascent,
            descent: base.descent,
            ..MathBox::default()
        };
        let base_x = centre(&base);
        let (b_asc, b_desc) = (base.ascent, base.descent);
        let accent_x = base.accent_x.map_or(base.width / 2.0, |a| a);
        out.add(base, base_x, 0.0);
        if let Some(over) = over {
            let (x, y) = if accent {
                let lift = (b_asc - self.c(Constants::accent_base_height, st)).max(0.0);
                let ax = over.accent_x.unwrap_or(over.width / 2.0);
                (base_x + accent_x - ax, lift)
            } else {
                let gap = self
                    .c(Constants::upper_limit_gap_min, st)
                    .max(self.c(Constants::upper_limit_baseline_rise_min, st) - over.descent);
                (centre(&over) + italic / 2.0, b_asc + gap + over.descent)
            };
            out.ascent = out.ascent.max(y + over.ascent);
            out.add(over, x, y);
        }
        if let Some(under) = under {
            let gap = self
                .c(Constants::lower_limit_gap_min, st)
                .max(self.c(Constants::lower_limit_baseline_drop_min, st) - under.ascent);
            let y = -(b_desc + gap + under.ascent);
            out.descent = out.descent.max(-y + under.descent);
            let x = centre(&under) - italic / 2.0;
            out.add(under, x, y);
        }
        out
    }

    fn fraction(&mut self, n: Node<'_, '_>, st: St) -> Result<MathBox> {
        let [num, den] = children::<2>(n)?;
        let num = self.node(num, st.fraction())?;
        let den = self.node(den, st.fraction().cramp())?;
        let axis = self.c(Constants::axis_height, st);
        let t = match n.attribute("linethickness") {
            Some(v) => length(Some(v), self.size(st)).max(0.0),
            None => self.c(Constants::fraction_rule_thickness, st),
        };
        let d = st.display;
        let (u, v) = if t == 0.0 {
            let (up, down, gap) = if d {
                (
                    Constants::stack_top_display_style_shift_up as Get,
                    Constants::stack_bottom_display_style_shift_down as Get,
                    Constants::stack_display_style_gap_min as Get,
                )
            } else {
                (
                    Constants::stack_top_shift_up as Get,
                    Constants::stack_bottom_shift_down as Get,
                    Constants::stack_gap_min as Get,
                )
            };
            let (mut u, mut v) = (self.c(up, st), self.c(down, st));
            let clearance = (u - num.descent) - (den.ascent - v);
            let min = self.c(gap, st);
            if clearance < min {
                u += (min - clearance) / 2.0;
                v += (min - clearance) / 2.0;
            }
            (u, v)
        } else {
            let pick = |a: Get, b: Get| if d { a } else { b };
            let up = self.c(
                pick(
                    Constants::fraction_numerator_display_style_shift_up,
                    Constants::fraction_numerator_shift_up,
                ),
                st,
            );
            let down = self.c(
                pick(
                    Constants::fraction_denominator_display_style_shift_down,
                    Constants::fraction_denominator_shift_down,
                ),
                st,
            );
            let gap_n = self.c(
                pick(
                    Constants::fraction_num_display_style_gap_min,
                    Constants::fraction_numerator_gap_min,
                ),
                st,
            );
            let gap_d = self.c(
                pick(
                    Constants::fraction_denom_display_style_gap_min,
                    Constants::fraction_denominator_gap_min,
                ),
                st,
            );
            (
                up.max(axis + t / 2.0 + gap_n + num.descent),
                down.max(den.ascent + gap_d - (axis - t / 2.0)),
            )
        };
        let pad = self.size(st) * 0.12;
        let inner = num.width.max(den.width);
        let mut out = MathBox {
            width: inner + 2.0 * pad,
            ascent: u + num.ascent,
            descent: v + den.descent,
            ..MathBox::default()
        };
        let (nw, dw) = (num.width, den.width);
        out.add(num, pad + (inner - nw) / 2.0, u);
        out.add(den, pad + (inner - dw) / 2.0, -v);
        if t > 0.0 {
            out.pieces.push(Piece::Rule {
                x: pad,
                y: axis - t / 2.0,
                w: inner,
                h: t,
            });
        }
        Ok(out)
    }

    fn radical(&mut self, base: MathBox, index: Option<MathBox>, st: St) -> Result<MathBox> {
        let t = self.c(Constants::radical_rule_thickness, st);
        let mut gap = if st.display {
            self.c(Constants::radical_display_style_vertical_gap, st)
        } else {
            self.c(Constants::radical_vertical_gap, st)
        };
        let extra = self.c(Constants::radical_extra_ascender, st);
        let target = base.ascent + base.descent + gap + t;
        let gid = self
            .font
            .glyph('√')
            .ok_or_else(|| MathLayoutError("the math font has no √".into()))?;
        let surd = self.stretched(gid, '√', target / self.size(st) * self.font.upem, false, st);
        let surd_h = surd.ascent + surd.descent;
        if surd_h > target {
            gap += (surd_h - target) / 2.0;
        }
        // The surd's top is the rule's top.
        let top = base.ascent + gap + t;
        let surd_shift = top - surd.ascent;
        let mut out = MathBox::default();
        let mut x = 0.0;
        if let Some(index) = index {
            let before = self.c(Constants::radical_kern_before_degree, st);
            let after = self.c(Constants::radical_kern_after_degree, st);
            let raise = self.font.radical_degree_bottom_raise() * surd_h;
            let y = surd_shift - surd.descent + raise + index.descent;
            out.ascent = out.ascent.max(y + index.ascent);
            let w = index.width;
            out.add(index, before, y);
            x = (before + w + after).max(0.0);
        }
        let (sw, sdesc) = (surd.width, surd.descent);
        out.add(surd, x, surd_shift);
        x += sw;
        out.pieces.push(Piece::Rule {
            x,
            y: top - t,
            w: base.width,
            h: t,
        });
        out.ascent = out.ascent.max(top + extra);
        out.descent = base.descent.max(sdesc - surd_shift);
        let bw = base.width;
        out.add(base, x, 0.0);
        out.width = x + bw;
        Ok(out)
    }

    /// Rows and columns (matrices, `cases`, `aligned`): columns as wide as their widest
    /// cell, aligned as the cells ask, the whole centred on the axis.
    fn table(&mut self, n: Node<'_, '_>, st: St) -> Result<MathBox> {
        let em = self.size(st);
        let mut rows: Vec<Vec<(MathBox, Cell)>> = Vec::new();
        for tr in elements(n).filter(|r| r.tag_name().name() == "mtr") {
            let mut row = Vec::new();
            for td in elements(tr) {
                let cell = Cell::of(td, em);
                row.push((self.node(td, st)?, cell));
            }
            rows.push(row);
        }
        let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0.0f32; cols];
        let mut pads = vec![(0.0f32, 0.0f32); cols];
        for row in &rows {
            for (c, (b, cell)) in row.iter().enumerate() {
                widths[c] = widths[c].max(b.width);
                pads[c] = (pads[c].0.max(cell.left), pads[c].1.max(cell.right));
            }
        }
        let strut = (em * 0.7, em * 0.3);
        let row_gap = em * 0.3;
        let mut out = MathBox::default();
        let mut y = 0.0f32;
        let mut placed = Vec::new();
        for row in rows {
            let asc = row.iter().map(|(b, _)| b.ascent).fold(strut.0, f32::max);
            let desc = row.iter().map(|(b, _)| b.descent).fold(strut.1, f32::max);
            if !placed.is_empty() {
                y -= row_gap;
            }
            y -= asc;
            let mut x = 0.0;
            for (c, (b, cell)) in row.into_iter().enumerate() {
                x += if c == 0 { 0.0 } else { pads[c].0 };
                let slack = widths[c] - b.width;
                let dx = match cell.align {
                    Align::Left => 0.0,
                    Align::Right => slack,
                    Align::Center => slack / 2.0,
                };
                placed.push((b, x + dx, y));
                x += widths[c] + if c + 1 == cols { 0.0 } else { pads[c].1 };
            }
            out.width = out.width.max(x);
            y -= desc;
        }
        // Centre the rows (from 0 down to y) on the axis.
        let axis = self.c(Constants::axis_height, st);
        let shift = axis - y / 2.0;
        for (b, x, by) in placed {
            out.add(b, x, by + shift);
        }
        out.ascent = shift;
        out.descent = -(y + shift);
        Ok(out)
    }

    /// Pre- and post-scripts; only the first pair of each is set.
    fn multiscripts(&mut self, n: Node<'_, '_>, st: St) -> Result<MathBox> {
        let kids: Vec<Node<'_, '_>> = elements(n).collect();
        let Some((base, rest)) = kids.split_first() else {
            return Ok(MathBox::default());
        };
        let base = self.node(*base, st)?;
        let post: Vec<Node<'_, '_>> = rest
            .iter()
            .take_while(|k| k.tag_name().name() != "mprescripts")
            .copied()
            .collect();
        let sub = post
            .first()
            .map(|s| self.node(*s, st.script().cramp()))
            .transpose()?;
        let sup = post
            .get(1)
            .map(|s| self.node(*s, st.script()))
            .transpose()?;
        Ok(self.attach(base, sub, sup, st))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
    Right,
}

/// How a table cell is aligned and padded (from `columnalign` or the converter's style).
#[derive(Debug, Clone, Copy)]
struct Cell {
    align: Align,
    left: f32,
    right: f32,
}

impl Cell {
    fn of(td: Node<'_, '_>, em: f32) -> Cell {
        let style = td.attribute("style").unwrap_or("");
        let prop = |name: &str| -> Option<&str> {
            style.split(';').find_map(|decl| {
                let (k, v) = decl.split_once(':')?;
                (k.trim() == name).then(|| v.trim())
            })
        };
        let align = match prop("text-align").or(td.attribute("columnalign")) {
            Some("left") => Align::Left,
            Some("right") => Align::Right,
            _ => Align::Center,
        };
        let pad = |name: &str| prop(name).map_or(0.4 * em, |v| length(Some(v), em));
        Cell {
            align,
            left: pad("padding-left"),
            right: pad("padding-right"),
        }
    }
}

/// The bottom of a vertical assembly's first part (its lowest ink), relative to its origin.
fn parts_bottom(b: &MathBox, font: &MathFont, scale: f32) -> f32 {
    match b.pieces.first() {
        Some(Piece::Glyph { gid, y, .. }) => y + font.bounds(*gid)[1] * scale,
        _ => 0.0,
    }
}

/// The operator of a scripted operator (`<msub><mo>∑</mo>…`), which spaces the whole.
fn embellished_core<'a, 'i>(n: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    let scripted = matches!(
        n.tag_name().name(),
        "msub" | "msup" | "msubsup" | "munder" | "mover" | "munderover"
    );
    let base = elements(n).next()?;
    (scripted && base.tag_name().name() == "mo").then_some(base)
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{2061}'..='\u{2064}' | '\u{FE00}'..='\u{FE0F}' | '\u{200B}'..='\u{200D}')
}

fn shifted(b: MathBox, dy: f32) -> MathBox {
    let mut out = MathBox {
        width: b.width,
        ascent: b.ascent + dy,
        descent: b.descent - dy,
        italic: b.italic,
        accent_x: b.accent_x,
        simple: b.simple,
        large: b.large,
        pieces: Vec::new(),
    };
    out.add(b, 0.0, dy);
    out
}

fn elements<'a, 'i>(n: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(Node::is_element)
}

fn children<'a, 'i, const N: usize>(n: Node<'a, 'i>) -> Result<[Node<'a, 'i>; N]> {
    let kids: Vec<Node<'a, 'i>> = elements(n).collect();
    kids.try_into()
        .map_err(|_| wrong_children(n.tag_name().name()))
}

fn wrong_children(name: &str) -> MathLayoutError {
    MathLayoutError(format!("`<{name}>` has the wrong number of parts"))
}

/// `displaystyle` and `scriptlevel` of an `mstyle`.
fn styled(n: Node<'_, '_>, st: St) -> St {
    let mut st = st;
    match n.attribute("displaystyle") {
        Some("true") => st.display = true,
        Some("false") => st.display = false,
        _ => {}
    }
    if let Some(level) = n.attribute("scriptlevel") {
        let level = level.trim();
        if let Some(d) = level.strip_prefix('+').and_then(|d| d.parse::<u8>().ok()) {
            st.level = st.level.saturating_add(d);
        } else if let Ok(l) = level.parse::<u8>() {
            st.level = l;
        }
    }
    st
}

fn op_info(n: Node<'_, '_>, form: Form) -> OpInfo {
    let text = n.text().unwrap_or("").trim();
    let mut info = ops::lookup(text, form);
    match n.attribute("stretchy") {
        Some("true") => info.stretchy = true,
        Some("false") => info.stretchy = false,
        _ => {}
    }
    if n.attribute("largeop") == Some("true") {
        info.largeop = true;
    }
    if let Some(m) = n.attribute("movablelimits") {
        info.movablelimits = m == "true";
    }
    info
}

/// The space before and after an operator: its attributes, else the dictionary's (none in
/// scripts, as in TeX).
fn spacing(n: Node<'_, '_>, info: OpInfo, scripted: bool, em: f32) -> (f32, f32) {
    let dict = if scripted { 0.0 } else { 1.0 };
    let side = |attr: &str, d: f32| match n.attribute(attr) {
        Some(v) => length(Some(v), em),
        None => d * dict * em,
    };
    (side("lspace", info.lspace), side("rspace", info.rspace))
}

/// A MathML length (`0.1667em`, `3pt`, `0`, `1ex`) in points at font size `em`.
pub(super) fn length(v: Option<&str>, em: f32) -> f32 {
    let Some(v) = v.map(str::trim) else {
        return 0.0;
    };
    let num = |s: &str| s.trim().parse::<f32>().ok();
    let value = if let Some(n) = v.strip_suffix("em").and_then(num) {
        n * em
    } else if let Some(n) = v.strip_suffix("ex").and_then(num) {
        n * em * 0.45
    } else if let Some(n) = v.strip_suffix("pt").and_then(num) {
        n
    } else if let Some(n) = v.strip_suffix("px").and_then(num) {
        n * 0.75
    } else if let Some(n) = v.strip_suffix("mu").and_then(num) {
        n * em / 18.0
    } else {
        num(v).unwrap_or(0.0) * em
    };
    if value.is_finite() {
        value.clamp(-100.0 * em, 100.0 * em)
    } else {
        0.0
    }
}
