//! A cover for a book that has none: the title, subtitle and authors set by the engine
//! (shaped, in any script the book's fonts cover, broken into balanced lines) on one of a
//! few plain designs, as one [`Frame`] of the proportions e-book stores ask for (1 : 1.6).

use notes2book_model::{Book, Inline};

use crate::fonts::{FontSet, Style};
use crate::frame::{Color, Draw, Frame, Group, Tag, TagKind};
use crate::inline::{Align, Fmt, Shaper};
use crate::layout::Layouter;
use crate::setup::Options;

/// The cover's size in points: 1600 × 2560 pixels at 4 pixels a point.
pub const COVER_SIZE: (f32, f32) = (400.0, 640.0);

/// The designs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Design {
    /// A dark field, the title centred in large type, a thin frame inside the edge.
    #[default]
    Classic,
    /// A light page with a coloured band across its upper part holding the title.
    Band,
    /// White, the title set left in black above a coloured rule.
    Minimal,
}

impl Design {
    /// The design named in the config (`classic`, `band`, `minimal`).
    pub fn from_name(name: &str) -> Option<Design> {
        match name.trim().to_ascii_lowercase().as_str() {
            "classic" => Some(Design::Classic),
            "band" => Some(Design::Band),
            "minimal" => Some(Design::Minimal),
            _ => None,
        }
    }
}

/// The default colour of each design's field or band: a deep blue.
pub const DEFAULT_COLOUR: Color = Color(0.11, 0.2, 0.36);

/// The side margin, in points.
const MARGIN: f32 = 40.0;

/// The cover of `book` on `design` in `colour`, with the faces its text is set in.
pub fn cover(book: &Book, options: &Options, design: Design, colour: Color) -> (FontSet, Frame) {
    let mut diagnostics = Vec::new();
    // Only the cover's own characters need a face: the machine's fonts are searched for
    // those the bundled ones lack, not for the whole book's.
    let md = &book.metadata;
    let text: String = [md.title.as_str(), md.subtitle.as_deref().unwrap_or("")]
        .into_iter()
        .chain(md.authors.iter().map(String::as_str))
        .collect();
    let uncovered = |fonts: &FontSet| {
        text.chars()
            .filter(|c| !c.is_whitespace() && !c.is_control() && !fonts.covers(*c))
            .collect()
    };
    let fonts = crate::document::fonts_for(&uncovered, &md.language, options, &mut diagnostics);
    let frame = {
        let mut lay = Layouter {
            shaper: Shaper::new(&fonts, &book.metadata.language, false),
            geo: options.geometry(),
            images: &|_| None,
            book,
        };
        set(&mut lay, book, design, colour)
    };
    (fonts, frame)
}

/// One block of text on the cover: its lines, centred or set left.
struct Text {
    draws: Vec<Draw>,
    height: f32,
}

/// `text` in `style` at the largest size from `sizes` that takes at most `max_lines`
/// lines of `width` (the smallest size otherwise), in `color`.
fn fit(
    lay: &mut Layouter<'_, '_>,
    text: &str,
    style: Style,
    sizes: (f32, f32),
    (width, max_lines, align): (f32, usize, Align),
    color: Color,
) -> Text {
    let content = [Inline::Text(text.to_string())];
    let mut size = sizes.0;
    loop {
        let leading = size * 1.18;
        let mut fmt = Fmt::new(style, size);
        fmt.color = color;
        let mut lines = lay.cell_lines(&content, &fmt, width, align, leading);
        if lines.len() <= max_lines || size <= sizes.1 {
            // Balanced, as a title is set by hand: the narrowest measure that keeps the
            // number of lines (no word left alone on the last line).
            // A word broken by force is no balance.
            let n = lines.len();
            let mut used = width;
            let mut narrower = width * 0.95;
            while n > 1 && narrower > width * 0.5 {
                let forced = lay.shaper.overfull.len();
                let tried = lay.cell_lines(&content, &fmt, narrower, align, leading);
                if tried.len() > n || lay.shaper.overfull.len() > forced {
                    break;
                }
                (lines, used) = (tried, narrower);
                narrower *= 0.95;
            }
            // Centred lines stay centred on the full measure.
            let dx = match align {
                Align::Left => 0.0,
                _ => (width - used) / 2.0,
            };
            let mut draws = Vec::new();
            let mut y = 0.0;
            for l in lines {
                let baseline = y + leading * 0.8;
                draws.extend(l.draws.iter().map(|d| d.shifted(dx, baseline)));
                y += leading;
            }
            return Text { draws, height: y };
        }
        size = (size * 0.9).max(sizes.1);
    }
}

/// The cover's groups on its design.
fn set(lay: &mut Layouter<'_, '_>, book: &Book, design: Design, colour: Color) -> Frame {
    let (w, h) = COVER_SIZE;
    let md = &book.metadata;
    let width = w - 2.0 * MARGIN;
    let light = Color(0.97, 0.96, 0.93);
    let (field, ink, accent) = match design {
        Design::Classic => (colour, light, Color(0.85, 0.74, 0.45)),
        Design::Band => (light, crate::frame::TEXT, colour),
        Design::Minimal => (Color(1.0, 1.0, 1.0), crate::frame::TEXT, colour),
    };
    let align = match design {
        Design::Minimal => Align::Left,
        _ => Align::Center,
    };
    let title_ink = match design {
        Design::Band => light,
        _ => ink,
    };
    let title = fit(
        lay,
        &md.title,
        Style::Heading,
        (44.0, 22.0),
        (width, 5, align),
        title_ink,
    );
    let subtitle = md
        .subtitle
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| fit(lay, s, Style::Italic, (19.0, 12.0), (width, 4, align), ink));
    let authors = (!md.authors.is_empty()).then(|| {
        fit(
            lay,
            &md.authors.join(", "),
            Style::Regular,
            (17.0, 11.0),
            (width, 3, align),
            ink,
        )
    });
    let mut groups = vec![group(
        0.0,
        0.0,
        vec![rect(0.0, 0.0, w, h, field)],
        TagKind::Artifact,
    )];
    // Where the title block starts, and the decoration of each design.
    let title_top = match design {
        Design::Classic => {
            groups.push(group(
                0.0,
                0.0,
                frame_lines(w, h, accent),
                TagKind::Artifact,
            ));
            (h * 0.42 - title.height / 2.0).max(70.0)
        }
        Design::Band => {
            let band = (title.height + 90.0).max(h * 0.42);
            groups.push(group(
                0.0,
                0.0,
                vec![rect(0.0, 60.0, w, band, colour)],
                TagKind::Artifact,
            ));
            60.0 + (band - title.height) / 2.0
        }
        Design::Minimal => h * 0.2,
    };
    let mut y = title_top + title.height;
    groups.push(group(MARGIN, title_top, title.draws, TagKind::Title));
    let rule_y = match design {
        Design::Band => (h * 0.42).max(title.height + 90.0) + 60.0 + 28.0,
        _ => y + 18.0,
    };
    let rule_x = match align {
        Align::Left => MARGIN,
        _ => w / 2.0 - 30.0,
    };
    if design != Design::Band {
        groups.push(group(
            0.0,
            0.0,
            vec![rect(rule_x, rule_y, 60.0, 2.5, accent)],
            TagKind::Artifact,
        ));
    }
    y = rule_y + 30.0;
    if let Some(s) = subtitle {
        groups.push(group(MARGIN, y, s.draws, TagKind::Paragraph));
    }
    if let Some(a) = authors {
        let top = h - 70.0 - a.height;
        groups.push(group(MARGIN, top, a.draws, TagKind::Paragraph));
    }
    Frame {
        width: w,
        height: h,
        groups,
    }
}

fn rect(x: f32, y: f32, w: f32, h: f32, color: Color) -> Draw {
    Draw::Rect { x, y, w, h, color }
}

/// A thin double frame inside the cover's edge.
fn frame_lines(w: f32, h: f32, color: Color) -> Vec<Draw> {
    [(18.0, 1.2), (23.0, 0.5)]
        .iter()
        .map(|&(inset, width)| Draw::Frame {
            x: inset,
            y: inset,
            w: w - 2.0 * inset,
            h: h - 2.0 * inset,
            width,
            color,
        })
        .collect()
}

fn group(x: f32, y: f32, draws: Vec<Draw>, kind: TagKind) -> Group {
    Group {
        x,
        y,
        draws,
        tag: Some(Tag::new(kind, None, None)),
    }
}
