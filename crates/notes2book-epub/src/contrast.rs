//! Text colours readable by everyone: WCAG 2 contrast (at least 4.5:1) on the page and
//! under a reader's night mode. A stylesheet's `color:` values are darkened where they are
//! too light on their background, and a dark-mode copy of the rules is added with the
//! colours lightened against a night background.

/// The contrast WCAG 2 AA asks of body text, with a little to spare for rounding.
const MIN: f64 = 4.6;
/// Night modes paint the page near black.
const NIGHT: [u8; 3] = [0x12, 0x12, 0x12];
const WHITE: [u8; 3] = [0xff, 0xff, 0xff];

/// Relative luminance of an sRGB colour.
fn luminance(c: [u8; 3]) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

/// The WCAG contrast ratio of two colours.
pub fn ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `fg` moved towards `to` (black or white) just far enough to reach the contrast on `bg`
/// (not at all when it has it).
fn towards(fg: [u8; 3], bg: [u8; 3], to: [u8; 3]) -> [u8; 3] {
    let mix = |t: f64| {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        [m(fg[0], to[0]), m(fg[1], to[1]), m(fg[2], to[2])]
    };
    (0..=50)
        .map(|k| mix(f64::from(k) / 50.0))
        .find(|c| ratio(*c, bg) >= MIN)
        .unwrap_or(to)
}

fn parse_hex(s: &str) -> Option<[u8; 3]> {
    let h = s.trim().strip_prefix('#')?;
    let h = h.get(..6)?;
    let byte = |i: usize| u8::from_str_radix(h.get(i..i + 2)?, 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

fn hex(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// The value of `property` in a rule's declarations.
fn value<'a>(decls: &'a str, property: &str) -> Option<&'a str> {
    decls.split(';').find_map(|d| {
        let (k, v) = d.split_once(':')?;
        (k.trim() == property).then_some(v.trim())
    })
}

/// `css` (plain rules, no at-rules) with every `color:` readable on its rule's background
/// (white when it sets none), followed by a `prefers-color-scheme: dark` block that
/// lightens the same colours for a night background and drops the backgrounds.
pub fn readable(css: &str) -> String {
    let mut light = String::new();
    let mut dark = String::new();
    for rule in css.split_inclusive('}') {
        let Some((selector, body)) = rule.split_once('{') else {
            light.push_str(rule);
            continue;
        };
        let decls = body.trim_end_matches('}');
        let bg = value(decls, "background-color")
            .and_then(parse_hex)
            .unwrap_or(WHITE);
        let Some(fg) = value(decls, "color").and_then(parse_hex) else {
            light.push_str(rule);
            continue;
        };
        // `towards` keeps a colour that already reads well.
        let day = towards(fg, bg, [0, 0, 0]);
        let night = towards(fg, NIGHT, WHITE);
        let decls_day = decls.replacen(
            &format!("color: {}", hex(fg)),
            &format!("color: {}", hex(day)),
            1,
        );
        light.push_str(&format!("{selector}{{{decls_day}}}"));
        let background = if value(decls, "background-color").is_some() {
            " background-color: transparent;"
        } else {
            ""
        };
        // The selector without a comment before it.
        let selector = selector.rsplit("*/").next().unwrap_or(selector).trim();
        dark.push_str(&format!(
            "  {selector} {{ color: {};{background} }}\n",
            hex(night)
        ));
    }
    format!("{light}\n@media (prefers-color-scheme: dark) {{\n{dark}}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every colour in a `readable` stylesheet, with the background it is read on.
    fn pairs(css: &str) -> Vec<([u8; 3], [u8; 3])> {
        let (day, night) = css.split_once("@media").expect("a dark block");
        let mut out = Vec::new();
        for (part, page) in [(day, WHITE), (night, NIGHT)] {
            for rule in part.split('}') {
                let Some((_, decls)) = rule.rsplit_once('{') else {
                    continue;
                };
                let Some(fg) = value(decls, "color").and_then(parse_hex) else {
                    continue;
                };
                let bg = value(decls, "background-color")
                    .and_then(parse_hex)
                    .unwrap_or(page);
                out.push((fg, bg));
            }
        }
        out
    }

    #[test]
    fn every_colour_reaches_4_5_to_1_by_day_and_by_night() {
        let css = ".a {\n color: #0086b3;\n}\n.b {\n color: #969896;\nfont-style: italic;\n}\n\
                   .c {\n color: #b52a1d;\n background-color: #f5f5f5;\n}\n.d {\n color: #323232;\n}\n";
        let out = readable(css);
        let pairs = pairs(&out);
        assert_eq!(pairs.len(), 8, "{out}");
        for (fg, bg) in pairs {
            assert!(ratio(fg, bg) >= 4.5, "{} on {} in\n{out}", hex(fg), hex(bg));
        }
        // What was readable stays as it was; what was not changes as little as it must.
        assert!(out.contains("color: #323232"));
        assert!(!out.contains("#0086b3;\n}"));
        assert!(out.contains("font-style: italic"));
    }

    #[test]
    fn the_contrast_ratio_is_wcags() {
        assert!((ratio([0, 0, 0], WHITE) - 21.0).abs() < 1e-9);
        assert!((ratio([0x00, 0x86, 0xb3], WHITE) - 4.14).abs() < 0.01);
    }
}
