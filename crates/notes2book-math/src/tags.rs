//! `\tag{…}`, `\tag*{…}` and `\label{…}` of a display formula: kept apart from the formula
//! (the book places the tag itself, and labels are for cross-references), as are
//! `\nonumber` and `\notag`.

/// A display formula with its tag and label taken out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    /// The formula without them.
    pub tex: String,
    /// The tag as it is shown: `(3.1)` for `\tag{3.1}`, `★` for `\tag*{★}`.
    pub tag: Option<String>,
    pub label: Option<String>,
}

/// The argument `{…}` that starts `s` (balanced braces) and the bytes it takes.
fn braced(s: &str) -> Option<(&str, usize)> {
    let s_trim = s.trim_start();
    let lead = s.len() - s_trim.len();
    if !s_trim.starts_with('{') {
        return None;
    }
    let mut depth = 0usize;
    let mut escaped = false;
    for (i, c) in s_trim.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&s_trim[1..i], lead + i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// Split the tag, the label and the numbering switches off a formula.
pub fn split_tags(tex: &str) -> Tags {
    let mut out = Tags::default();
    let mut text = String::with_capacity(tex.len());
    let mut rest = tex;
    while let Some(at) = rest.find('\\') {
        text.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let name = &after[..name_len];
        let tail = &after[name_len..];
        let (star, tail_args) = match tail.strip_prefix('*') {
            Some(t) if name == "tag" => (true, t),
            _ => (false, tail),
        };
        match (name, braced(tail_args)) {
            ("tag", Some((arg, len))) => {
                let arg = arg.trim();
                out.tag = Some(if star {
                    arg.to_owned()
                } else {
                    format!("({arg})")
                });
                rest = &tail_args[len..];
            }
            ("label", Some((arg, len))) => {
                out.label = Some(arg.trim().to_owned());
                rest = &tail_args[len..];
            }
            ("nonumber" | "notag", _) => rest = tail,
            _ if name.is_empty() => {
                // `\\`, `\{`, `\,`: the backslash and the character after it stay together.
                let next = after.chars().next().map_or(0, char::len_utf8);
                text.push('\\');
                text.push_str(&after[..next]);
                rest = &after[next..];
            }
            _ => {
                text.push('\\');
                text.push_str(name);
                rest = tail;
            }
        }
    }
    text.push_str(rest);
    out.tex = text.trim().to_owned();
    out
}
