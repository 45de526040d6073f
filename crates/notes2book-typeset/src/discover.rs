//! Fonts found on the machine (fontconfig's folders on Linux, the system folders on macOS
//! and Windows) and in folders the user names, for the characters that the bundled and
//! configured faces lack: Chinese, Japanese, Korean, Arabic, Devanagari, Thai and the rest.
//! A face is chosen for coverage first, then for the book's language (the Han variant for
//! `zh-Hant`, `ja` or `ko`) and for a serif; the choice depends only on the fonts, never on
//! the order in which a folder lists them, so the same fonts give the same PDF.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use notes2book_model::{Block, Book, Inline};

use crate::fonts::{FallbackFont, Family, FontSet};

/// Where to look for fonts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The machine's fonts.
    pub system: bool,
    /// More folders (searched whether or not `system` is set).
    pub dirs: Vec<PathBuf>,
}

/// The characters of `book` that no face of `fonts` has (spaces and controls aside).
pub fn uncovered(book: &Book, fonts: &FontSet) -> BTreeSet<char> {
    let mut all: BTreeSet<char> = BTreeSet::new();
    // The bundled faces have every printable ASCII character.
    let mut add = |s: &str| all.extend(s.chars().filter(|c| !c.is_ascii()));
    let md = &book.metadata;
    add(&md.title);
    md.subtitle.as_deref().map(&mut add);
    md.authors.iter().for_each(|a| add(a));
    for ch in &book.chapters {
        add(&ch.title);
        let blocks = ch
            .blocks
            .iter()
            .chain(ch.footnotes.iter().flat_map(|f| &f.blocks));
        for b in blocks {
            notes2book_model::walk_blocks(std::slice::from_ref(b), &mut |b| {
                match b {
                    Block::CodeBlock { code, .. } => add(code),
                    Block::Html { html, .. } => add(&crate::html::html_text(html)),
                    // A formula's text may be in any script (`\text{速度}`).
                    Block::Math { tex, .. } => add(tex),
                    _ => {}
                }
                notes2book_model::block_inlines(b, &mut |i| match i {
                    Inline::Text(t) | Inline::Code(t) => add(t),
                    Inline::Image { alt, .. } => add(alt),
                    Inline::Math { tex, .. } => add(tex),
                    Inline::Html { html, .. } => add(&crate::html::html_text(html)),
                    _ => {}
                });
            });
        }
    }
    all.into_iter()
        .filter(|c| !c.is_whitespace() && !c.is_control() && !fonts.covers(*c))
        .collect()
}

/// The script of a character no font has, for messages: its name and what to install.
pub fn script_of(c: char) -> (&'static str, &'static str) {
    match c as u32 {
        0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => (
            "Korean",
            "install a Hangul font such as Noto Sans CJK (Debian `fonts-noto-cjk`; macOS and Windows have one), or name one with --font-path or pdf.font_dirs",
        ),
        0x2E80..=0x2FFF
        | 0x3000..=0x30FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF => (
            "Chinese or Japanese",
            "install a CJK font such as Noto Sans CJK (Debian `fonts-noto-cjk`; macOS has PingFang, Windows Microsoft YaHei), or name one with --font-path or pdf.font_dirs",
        ),
        0x0590..=0x05FF => (
            "Hebrew",
            "install a font such as Noto Sans Hebrew (Debian `fonts-noto-core`)",
        ),
        0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => (
            "Arabic",
            "install a font such as Noto Naskh Arabic (Debian `fonts-noto-core`)",
        ),
        0x0900..=0x0DFF => (
            "Indic",
            "install a font such as Noto Sans Devanagari (Debian `fonts-noto-core`)",
        ),
        0x0E00..=0x0EFF => (
            "Thai or Lao",
            "install a font such as Noto Sans Thai (Debian `fonts-noto-core`)",
        ),
        0x1F000..=0x1FAFF | 0x2600..=0x27BF => (
            "emoji or symbol",
            "install an emoji font such as Noto Color Emoji (Debian `fonts-noto-color-emoji`; macOS and Windows have one) or Symbola (`fonts-symbola`)",
        ),
        0xE000..=0xF8FF | 0xF0000..=0x10FFFF => (
            "private-use",
            "private-use code points stand for the icons of one font (Nerd Fonts, Font Awesome) or come from garbled text: name that font with --font-path or pdf.fallback_fonts, or remove them",
        ),
        _ => (
            "other",
            "install a font that has them, or name one with --font-path, pdf.font_dirs or pdf.fallback_fonts",
        ),
    }
}

/// The faces of the family `name` (`pdf.fonts`): its regular, italic, bold and bold
/// italic as found among the machine's fonts (unless `discovery.system` is off) and the
/// font folders; or, when `name` is a font file, that face for all four. An error says
/// what is wrong, naming families of a similar name.
pub fn family(name: &str, discovery: &Discovery, base: &std::path::Path) -> Result<Family, String> {
    let lower = name.to_ascii_lowercase();
    if [".ttf", ".otf", ".ttc", ".otc"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        let path = base.join(name);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let font = FallbackFont {
            name: name.to_string(),
            bytes: Arc::from(bytes),
            index: 0,
        };
        return Ok(Family {
            regular: Some(font.clone()),
            italic: Some(font.clone()),
            bold: Some(font.clone()),
            bold_italic: Some(font),
        });
    }
    let db = database(discovery);
    let find = |weight: u16, style: fontdb::Style| -> Option<FallbackFont> {
        let query = fontdb::Query {
            families: &[fontdb::Family::Name(name)],
            weight: fontdb::Weight(weight),
            stretch: fontdb::Stretch::Normal,
            style,
        };
        let id = db.query(&query)?;
        let face = db.face(id)?;
        // The closest match may be another weight or style: only an exact one is taken.
        let exact = face.style == style && face.weight.0.abs_diff(weight) < 100;
        if !exact {
            return None;
        }
        db.with_face_data(id, |data, index| FallbackFont {
            name: face.post_script_name.clone(),
            bytes: Arc::from(data),
            index,
        })
    };
    let family = Family {
        regular: find(400, fontdb::Style::Normal),
        italic: find(400, fontdb::Style::Italic),
        bold: find(700, fontdb::Style::Normal),
        bold_italic: find(700, fontdb::Style::Italic),
    };
    if family.regular.is_some() || family.bold.is_some() {
        return Ok(family);
    }
    // The installed families nearest to the name, by edit distance.
    let all: BTreeSet<String> = db
        .faces()
        .flat_map(|f| f.families.iter().map(|(n, _)| n.clone()))
        .collect();
    let mut near: Vec<(usize, String)> = all
        .into_iter()
        .map(|n| {
            (
                strsim::damerau_levenshtein(&lower, &n.to_ascii_lowercase()),
                n,
            )
        })
        .filter(|(d, n)| *d <= n.len() / 2)
        .collect();
    near.sort();
    let similar: Vec<String> = near.into_iter().take(5).map(|(_, n)| n).collect();
    Err(if similar.is_empty() {
        format!("no font family `{name}` is installed or in the font folders")
    } else {
        format!(
            "no font family `{name}` is installed or in the font folders; similar: {}",
            similar.join(", ")
        )
    })
}

/// The fonts `discovery` names, loaded.
fn database(discovery: &Discovery) -> fontdb::Database {
    let mut db = fontdb::Database::new();
    if discovery.system {
        db.load_system_fonts();
    }
    for dir in &discovery.dirs {
        db.load_fonts_dir(dir);
    }
    db
}

/// A face that covers some of the characters looked for.
#[derive(Debug)]
struct Candidate {
    id: fontdb::ID,
    family: String,
    /// Source path and index: the last tie-breaker.
    key: (String, u32),
    covered: BTreeSet<char>,
    preference: i32,
    /// Its glyphs are pictures (colour emoji).
    bitmap: bool,
}

/// Faces that cover `missing`, in the order to try them, each with its family's bold if
/// there is one.
pub fn fallbacks(
    missing: &BTreeSet<char>,
    language: &str,
    discovery: &Discovery,
) -> Vec<(FallbackFont, Option<FallbackFont>)> {
    if missing.is_empty() || (!discovery.system && discovery.dirs.is_empty()) {
        return Vec::new();
    }
    let db = database(discovery);
    let candidates: Vec<Candidate> = db
        .faces()
        .filter(|f| f.style == fontdb::Style::Normal && (350..=500).contains(&f.weight.0))
        .filter_map(|f| {
            let covered = db
                .with_face_data(f.id, |data, index| {
                    let face = ttf_parser::Face::parse(data, index).ok()?;
                    // Bitmap-only faces (colour emoji) are drawn as pictures: a last
                    // resort after every face with outlines.
                    let t = face.tables();
                    let bitmap = t.glyf.is_none() && t.cff.is_none() && t.cff2.is_none();
                    Some((
                        bitmap,
                        missing
                            .iter()
                            .copied()
                            .filter(|c| face.glyph_index(*c).is_some_and(|g| g.0 != 0))
                            .collect::<BTreeSet<char>>(),
                    ))
                })
                .flatten()?;
            let (bitmap, covered) = covered;
            if covered.is_empty() {
                return None;
            }
            let family = f
                .families
                .first()
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            let path = match &f.source {
                fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => {
                    p.display().to_string()
                }
                fontdb::Source::Binary(_) => String::new(),
            };
            Some(Candidate {
                id: f.id,
                preference: preference(&family, f.monospaced, language)
                    - if bitmap { 20 } else { 0 },
                bitmap,
                family,
                key: (path, f.index),
                covered,
            })
        })
        .collect();
    // Script by script (in a fixed order), the face made for that script if there is
    // one; then characters of no particular script (punctuation, symbols, emoji) from
    // whichever faces cover most of them.
    let mut left = missing.clone();
    let mut order: Vec<usize> = Vec::new();
    let mut by_script: BTreeMap<&'static str, BTreeSet<char>> = BTreeMap::new();
    for c in missing {
        if let Some(name) = script_name(*c) {
            by_script.entry(name).or_default().insert(*c);
        }
    }
    for (script, mut chars) in by_script {
        while let Some(i) = best(&candidates, &chars, Some(script)) {
            chars.retain(|ch| !candidates[i].covered.contains(ch));
            left.retain(|ch| !candidates[i].covered.contains(ch));
            if !order.contains(&i) {
                order.push(i);
            }
        }
    }
    while let Some(i) = best(&candidates, &left, None) {
        left.retain(|ch| !candidates[i].covered.contains(ch));
        order.push(i);
    }
    let load = |id: fontdb::ID, name: &str| {
        db.with_face_data(id, |data, index| FallbackFont {
            name: name.to_string(),
            bytes: Arc::from(data),
            index,
        })
    };
    order
        .into_iter()
        .filter_map(|i| {
            let c = &candidates[i];
            let bold = bold_sibling(&db, c).and_then(|id| load(id, &format!("{} Bold", c.family)));
            Some((load(c.id, &c.family)?, bold))
        })
        .collect()
}

/// The bold face of a candidate's family, if the fonts have one.
fn bold_sibling(db: &fontdb::Database, c: &Candidate) -> Option<fontdb::ID> {
    let query = fontdb::Query {
        families: &[fontdb::Family::Name(&c.family)],
        weight: fontdb::Weight::BOLD,
        stretch: fontdb::Stretch::Normal,
        style: fontdb::Style::Normal,
    };
    let id = db.query(&query)?;
    let face = db.face(id)?;
    (face.weight.0 >= 600 && face.style == fontdb::Style::Normal).then_some(id)
}

/// The candidate that best covers `wanted`: the preferred (by language and style, and by
/// being made for `script`), then the one covering most, then by name and file.
fn best(candidates: &[Candidate], wanted: &BTreeSet<char>, script: Option<&str>) -> Option<usize> {
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let made_for = script.is_some_and(|s| c.family.split_whitespace().any(|w| w == s));
            // Emoji want a colour face, which every other script avoids.
            let colour = script == Some(EMOJI) && c.bitmap;
            let score = c.preference + if made_for { 8 } else { 0 } + if colour { 40 } else { 0 };
            (i, score, c.covered.intersection(wanted).count(), c)
        })
        .filter(|(_, _, n, _)| *n > 0)
        .max_by(|(_, sa, na, a), (_, sb, nb, b)| {
            sa.cmp(sb)
                .then(na.cmp(nb))
                .then(b.family.cmp(&a.family))
                .then(b.key.cmp(&a.key))
        })
        .map(|(i, _, _, _)| i)
}

/// The group of emoji among the scripts (a colour face is preferred for them).
const EMOJI: &str = "Emoji";

/// The word a font family made for `c`'s script has in its name ("Noto Naskh Arabic",
/// "Noto Sans CJK SC"), or `None` for characters common to all scripts.
fn script_name(c: char) -> Option<&'static str> {
    use unicode_script::{Script, UnicodeScript};
    if crate::fonts::is_emoji(c) {
        return Some(EMOJI);
    }
    match c.script() {
        Script::Common | Script::Inherited | Script::Unknown => None,
        Script::Han | Script::Hiragana | Script::Katakana | Script::Hangul | Script::Bopomofo => {
            Some("CJK")
        }
        other => Some(other.full_name()),
    }
}

/// How much the book would like this family: the Han variant of its language, a serif
/// (the body is a serif), not a monospace or an emoji-only face.
fn preference(family: &str, monospaced: bool, language: &str) -> i32 {
    let lang = language.to_ascii_lowercase();
    let variant = if lang.starts_with("ja") {
        "JP"
    } else if lang.starts_with("ko") {
        "KR"
    } else if lang.contains("hant") || lang.ends_with("-tw") || lang.ends_with("-hk") {
        "TC"
    } else {
        "SC"
    };
    let words: Vec<&str> = family.split_whitespace().collect();
    let mut score = 0;
    if words.contains(&variant) {
        score += 4;
    }
    if words.contains(&"Serif") || words.contains(&"Naskh") {
        score += 1;
    }
    if monospaced || words.iter().any(|w| w.starts_with("Mono")) {
        score -= 2;
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_picks_the_han_variant_and_a_serif_is_preferred() {
        let p = |f: &str, l: &str| preference(f, false, l);
        assert!(p("Noto Sans CJK JP", "ja") > p("Noto Sans CJK SC", "ja"));
        assert!(p("Noto Sans CJK SC", "zh") > p("Noto Sans CJK TC", "zh"));
        assert!(p("Noto Sans CJK TC", "zh-Hant") > p("Noto Sans CJK SC", "zh-Hant"));
        assert!(p("Noto Serif CJK KR", "ko") > p("Noto Sans CJK KR", "ko"));
        assert!(preference("Noto Sans Mono CJK SC", true, "zh") < p("Noto Sans CJK SC", "zh"));
    }

    #[test]
    fn nothing_is_searched_without_a_place_to_search() {
        let missing: BTreeSet<char> = ['中'].into();
        assert!(fallbacks(&missing, "zh", &Discovery::default()).is_empty());
        let none = Discovery {
            system: false,
            dirs: vec![PathBuf::from("/nonexistent/fonts")],
        };
        assert!(fallbacks(&missing, "zh", &none).is_empty());
    }
}
