//! Math alphabets: `mathvariant` (and the italic of a one-letter `<mi>`) as the characters
//! of Unicode's Mathematical Alphanumeric Symbols, which a math font draws.

/// The styled character for `c` in `variant`; `c` itself when the alphabet has no such
/// letter or the variant is upright.
pub fn styled(c: char, variant: &str) -> char {
    let v = variant;
    let u = c as u32;
    let latin = |cap: u32, small: u32| -> Option<u32> {
        match c {
            'A'..='Z' => Some(cap + (u - 'A' as u32)),
            'a'..='z' => Some(small + (u - 'a' as u32)),
            _ => None,
        }
    };
    let digit = |base: u32| -> Option<u32> { c.is_ascii_digit().then(|| base + (u - '0' as u32)) };
    let greek = |cap: u32, small: u32| -> Option<u32> {
        match u {
            0x391..=0x3A9 => Some(cap + (u - 0x391)),
            0x3F4 => Some(cap + 17),
            0x2207 => Some(cap + 25),
            0x3B1..=0x3C9 => Some(small + (u - 0x3B1)),
            0x2202 => Some(small + 25),
            0x3F5 => Some(small + 26),
            0x3D1 => Some(small + 27),
            0x3F0 => Some(small + 28),
            0x3D5 => Some(small + 29),
            0x3F1 => Some(small + 30),
            0x3D6 => Some(small + 31),
            _ => None,
        }
    };
    if let Some(hole) = letterlike(c, v) {
        return hole;
    }
    let mapped = match v {
        "bold" => latin(0x1D400, 0x1D41A)
            .or_else(|| digit(0x1D7CE))
            .or_else(|| greek(0x1D6A8, 0x1D6C2)),
        "italic" => match c {
            'ı' => Some(0x1D6A4),
            'ȷ' => Some(0x1D6A5),
            _ => latin(0x1D434, 0x1D44E).or_else(|| greek(0x1D6E2, 0x1D6FC)),
        },
        "bold-italic" => latin(0x1D468, 0x1D482).or_else(|| greek(0x1D71C, 0x1D736)),
        "script" => latin(0x1D49C, 0x1D4B6),
        "bold-script" => latin(0x1D4D0, 0x1D4EA),
        "fraktur" => latin(0x1D504, 0x1D51E),
        "double-struck" => latin(0x1D538, 0x1D552).or_else(|| digit(0x1D7D8)),
        "bold-fraktur" => latin(0x1D56C, 0x1D586),
        "sans-serif" => latin(0x1D5A0, 0x1D5BA).or_else(|| digit(0x1D7E2)),
        "bold-sans-serif" => latin(0x1D5D4, 0x1D5EE).or_else(|| digit(0x1D7EC)),
        "sans-serif-italic" => latin(0x1D608, 0x1D622),
        "sans-serif-bold-italic" => latin(0x1D63C, 0x1D656),
        "monospace" => latin(0x1D670, 0x1D68A).or_else(|| digit(0x1D7F6)),
        _ => None,
    };
    mapped.and_then(char::from_u32).unwrap_or(c)
}

/// Letters encoded before the block, in the Letterlike Symbols (the block has holes there).
fn letterlike(c: char, variant: &str) -> Option<char> {
    let table: &[(char, char)] = match variant {
        "italic" => &[('h', 'ℎ')],
        "script" => &[
            ('B', 'ℬ'),
            ('E', 'ℰ'),
            ('F', 'ℱ'),
            ('H', 'ℋ'),
            ('I', 'ℐ'),
            ('L', 'ℒ'),
            ('M', 'ℳ'),
            ('R', 'ℛ'),
            ('e', 'ℯ'),
            ('g', 'ℊ'),
            ('o', 'ℴ'),
        ],
        "fraktur" => &[('C', 'ℭ'), ('H', 'ℌ'), ('I', 'ℑ'), ('R', 'ℜ'), ('Z', 'ℨ')],
        "double-struck" => &[
            ('C', 'ℂ'),
            ('H', 'ℍ'),
            ('N', 'ℕ'),
            ('P', 'ℙ'),
            ('Q', 'ℚ'),
            ('R', 'ℝ'),
            ('Z', 'ℤ'),
        ],
        _ => &[],
    };
    table.iter().find(|(a, _)| *a == c).map(|(_, b)| *b)
}

/// The variant a token is set in: its `mathvariant`, else italic for a one-character
/// `<mi>` that is a Latin letter or a lower-case Greek one (as TeX sets them).
pub fn default_variant<'a>(element: &str, text: &str, given: Option<&'a str>) -> &'a str {
    if let Some(v) = given {
        return v;
    }
    let mut chars = text.chars();
    match (element, chars.next(), chars.next()) {
        ("mi", Some(c), None)
            if c.is_ascii_alphabetic()
                || ('\u{3B1}'..='\u{3C9}').contains(&c)
                || "ıȷϵϑϕϱϖ∂".contains(c) =>
        {
            "italic"
        }
        _ => "normal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabets_land_on_the_right_letters() {
        assert_eq!(styled('x', "italic"), '𝑥');
        assert_eq!(styled('h', "italic"), 'ℎ');
        assert_eq!(styled('R', "double-struck"), 'ℝ');
        assert_eq!(styled('A', "double-struck"), '𝔸');
        assert_eq!(styled('L', "script"), 'ℒ');
        assert_eq!(styled('g', "fraktur"), '𝔤');
        assert_eq!(styled('v', "bold"), '𝐯');
        assert_eq!(styled('α', "italic"), '𝛼');
        assert_eq!(styled('Ω', "italic"), '𝛺');
        assert_eq!(styled('θ', "bold"), '𝛉');
        assert_eq!(styled('1', "double-struck"), '𝟙');
        assert_eq!(styled('+', "bold"), '+');
        assert_eq!(default_variant("mi", "x", None), "italic");
        assert_eq!(default_variant("mi", "Γ", None), "normal");
        assert_eq!(default_variant("mi", "sin", None), "normal");
        assert_eq!(default_variant("mn", "2", None), "normal");
    }
}
