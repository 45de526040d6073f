//! The operator dictionary, as much of it as notes use: the space around an operator (in
//! eighteenths of an em, as TeX counts), whether it stretches, whether it is a large
//! operator. MathML's `lspace`, `rspace`, `stretchy` and `largeop` attributes override it.

/// What the dictionary says of an operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpInfo {
    pub lspace: f32,
    pub rspace: f32,
    /// A fence or separator that grows with what it encloses.
    pub stretchy: bool,
    pub largeop: bool,
    /// Limits go beside it in text style and above and below in display style.
    pub movablelimits: bool,
    /// Stretches horizontally (arrows, braces over and under).
    pub horizontal: bool,
}

const THIN: f32 = 3.0 / 18.0;
const MEDIUM: f32 = 4.0 / 18.0;
const THICK: f32 = 5.0 / 18.0;

fn info(lspace: f32, rspace: f32) -> OpInfo {
    OpInfo {
        lspace,
        rspace,
        stretchy: false,
        largeop: false,
        movablelimits: false,
        horizontal: false,
    }
}

/// Where an operator stands in its row, which decides its spacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Prefix,
    Infix,
    Postfix,
}

/// The dictionary entry for `text` in `form`.
pub fn lookup(text: &str, form: Form) -> OpInfo {
    let mut chars = text.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        // A word (`lim`, `max`, `argmax`): a thin space each side, as TeX's \mathop.
        return info(THIN, THIN);
    };
    if is_fence(c) {
        return OpInfo {
            stretchy: true,
            ..info(0.0, 0.0)
        };
    }
    if let Some(movable) = large_op(c) {
        return OpInfo {
            largeop: true,
            movablelimits: movable,
            ..info(THIN, THIN)
        };
    }
    if is_horizontal_stretchy(c) {
        return OpInfo {
            horizontal: true,
            stretchy: true,
            ..info(0.0, 0.0)
        };
    }
    // Quantifiers and the like are ordinary symbols in TeX (`\forall x`): no space.
    if matches!(c, '∀' | '∃' | '∄' | '¬' | '∂' | '∇' | '∞' | '′' | '°') {
        return info(0.0, 0.0);
    }
    let (l, r) = if is_relation(c) {
        (THICK, THICK)
    } else if is_binary(c) {
        (MEDIUM, MEDIUM)
    } else if matches!(c, ',' | ';') {
        (0.0, THIN)
    } else if matches!(c, '!' | '″' | '‴' | '.' | '\u{2061}'..='\u{2064}') {
        (0.0, 0.0)
    } else if c == ':' {
        (THICK, THICK)
    } else {
        (THIN, THIN)
    };
    // A sign before its operand (`-x`, `+1`) or after (`n!`) takes no space.
    match form {
        Form::Infix => info(l, r),
        Form::Prefix | Form::Postfix if is_binary(c) => info(0.0, 0.0),
        _ => info(l, r),
    }
}

pub fn is_fence(c: char) -> bool {
    matches!(
        c,
        '(' | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '|'
            | '‖'
            | '⟨'
            | '⟩'
            | '⌊'
            | '⌋'
            | '⌈'
            | '⌉'
            | '⟦'
            | '⟧'
            | '/'
            | '\\'
    )
}

/// A large operator; `Some(true)` when its limits move beside it in text style (sums),
/// `Some(false)` when they always go beside it (integrals).
fn large_op(c: char) -> Option<bool> {
    match c {
        '∑' | '∏' | '∐' | '⋃' | '⋂' | '⋁' | '⋀' | '⨁' | '⨂' | '⨀' | '⨄' | '⨆' => {
            Some(true)
        }
        '∫' | '∬' | '∭' | '∮' | '∯' | '∰' | '⨌' => Some(false),
        _ => None,
    }
}

fn is_horizontal_stretchy(c: char) -> bool {
    matches!(
        c,
        '⏞' | '⏟' | '⏜' | '⏝' | '⎴' | '⎵' | '‾' | '_' | '¯' | '˜' | '^' | '\u{0302}' | '\u{0303}'
            | '\u{2190}'..='\u{21FF}'
            | '⟵'..='⟿'
            | '⃗'
    )
}

fn is_relation(c: char) -> bool {
    matches!(
        c,
        '=' | '<'
            | '>'
            | '≤'
            | '≥'
            | '≠'
            | '≈'
            | '≡'
            | '∼'
            | '≃'
            | '≅'
            | '∝'
            | '≪'
            | '≫'
            | '∈'
            | '∉'
            | '∋'
            | '⊂'
            | '⊃'
            | '⊆'
            | '⊇'
            | '⊊'
            | '⊋'
            | '≺'
            | '≻'
            | '⪯'
            | '⪰'
            | '⊥'
            | '∥'
            | '≔'
            | '≐'
            | '≜'
            | '⊢'
            | '⊨'
            | '⊣'
            | '≍'
            | '⩽'
            | '⩾'
            | '≲'
            | '≳'
            | '∣'
            | '→'
            | '←'
            | '↔'
            | '⇒'
            | '⇐'
            | '⇔'
            | '↦'
            | '⟶'
            | '⟵'
            | '⟷'
            | '⟹'
            | '⟸'
            | '⟺'
            | '⟼'
            | '↑'
            | '↓'
            | '⇑'
            | '⇓'
            | '↗'
            | '↘'
            | '↪'
            | '↩'
            | '⇀'
            | '⇌'
            | '∌'
    )
}

fn is_binary(c: char) -> bool {
    matches!(
        c,
        '+' | '-'
            | '−'
            | '±'
            | '∓'
            | '×'
            | '÷'
            | '·'
            | '⋅'
            | '∗'
            | '∘'
            | '∙'
            | '∪'
            | '∩'
            | '∧'
            | '∨'
            | '⊕'
            | '⊗'
            | '⊖'
            | '⊙'
            | '⊘'
            | '⊎'
            | '⊔'
            | '⊓'
            | '∖'
            | '⋆'
            | '★'
            | '⋄'
            | '△'
            | '▽'
            | '⊲'
            | '⊳'
            | '≀'
            | '⨿'
            | '*'
    )
}
