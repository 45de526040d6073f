//! The fonts bundled with notes2book (see `fonts/README.md`), compiled into the binary so
//! that an installed `notes2book` needs no files at run time.

/// One bundled font file.
#[derive(Debug, Clone, Copy)]
pub struct BundledFont {
    /// CSS family name.
    pub family: &'static str,
    pub italic: bool,
    pub bold: bool,
    pub monospace: bool,
    pub file_name: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! font {
    ($family:expr, $italic:expr, $bold:expr, $mono:expr, $file:literal) => {
        BundledFont {
            family: $family,
            italic: $italic,
            bold: $bold,
            monospace: $mono,
            file_name: $file,
            bytes: include_bytes!(concat!("../../../fonts/", $file)),
        }
    };
}

/// Body text (Charis SIL, four styles) and code (JetBrains Mono, regular and bold).
pub const BUNDLED_FONTS: &[BundledFont] = &[
    font!("Charis SIL", false, false, false, "CharisSIL-Regular.ttf"),
    font!("Charis SIL", true, false, false, "CharisSIL-Italic.ttf"),
    font!("Charis SIL", false, true, false, "CharisSIL-Bold.ttf"),
    font!("Charis SIL", true, true, false, "CharisSIL-BoldItalic.ttf"),
    font!(
        "JetBrains Mono",
        false,
        false,
        true,
        "JetBrainsMono-Regular.ttf"
    ),
    font!(
        "JetBrains Mono",
        false,
        true,
        true,
        "JetBrainsMono-Bold.ttf"
    ),
];

/// The math face (an OpenType MATH table): formulas in the PDF. It sits well beside Charis
/// SIL (both are sturdy, large-eyed Scotch romans). Only a book with math uses it.
pub const MATH_FONT: BundledFont = font!(
    "TeX Gyre Schola Math",
    false,
    false,
    false,
    "texgyreschola-math.otf"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_are_truetype() {
        for f in BUNDLED_FONTS {
            assert_eq!(
                &f.bytes[..4],
                &[0, 1, 0, 0],
                "{} is not a TrueType font",
                f.file_name
            );
        }
        assert_eq!(
            &MATH_FONT.bytes[..4],
            b"OTTO",
            "the math font is OpenType (CFF)"
        );
    }
}
