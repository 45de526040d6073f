//! Hugo shortcodes (`{{< >}}`, `{{% %}}`) and Obsidian `%%comments%%`, recognised before the
//! Markdown parser sees the text, so that their quotes and asterisks survive.
//!
//! Each one is replaced by a placeholder of exactly the same byte length: `U+E000`, the
//! shortcode's index in decimal, then `x` filler. Byte offsets of everything else stay
//! exact, and the Markdown parser treats the placeholder as a plain word. The converter
//! turns placeholders back into model nodes.

use std::ops::Range;

/// Starts a shortcode placeholder.
pub const MARK: char = '\u{E000}';
/// Starts a formula's placeholder (one byte, so that `$x$` has room): then the formula's
/// index in [`MATH_WIDTH`]-wide base 62, then `MATH_FILL`. Control characters never reach
/// here from a note (decoding removes them).
pub const MATH_MARK: char = '\u{1}';
pub const MATH_FILL: char = '\u{2}';
const BASE62: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Starts a stretch of text to drop (comments); filled with `DROP_FILL`.
pub const DROP: char = '\u{E002}';
pub const DROP_FILL: char = '\u{7F}';

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `{{< name args >}}` with no closing tag.
    Single,
    /// `{{< name >}}` … `{{< /name >}}`: the opening tag; the inner text stays Markdown.
    Open,
    /// The closing tag of a pair.
    Close,
    /// A pair whose inner text is raw (highlight): `inner` is that text.
    Raw { inner: String },
    /// `{{</* … */>}}`: prints as the shortcode's own text.
    Literal(String),
    /// Dropped from the book (`comment` shortcode, `%%…%%`, a stray closing tag).
    Comment,
    /// A formula (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`; see `texmath`).
    Math {
        tex: String,
        display: bool,
        /// Where `tex` starts in the text, when it is a plain slice of it.
        tex_at: Option<usize>,
    },
}

#[derive(Debug, Clone)]
pub struct Shortcode {
    pub range: Range<usize>,
    pub name: String,
    pub named: Vec<(String, String)>,
    pub positional: Vec<String>,
    pub kind: Kind,
}

impl Shortcode {
    pub fn arg(&self, key: &str) -> Option<&str> {
        self.named
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Named argument, else the positional one at `pos`.
    pub fn arg_or(&self, key: &str, pos: usize) -> Option<&str> {
        self.arg(key)
            .or_else(|| self.positional.get(pos).map(String::as_str))
    }
}

/// A problem found while scanning: byte range and message.
#[derive(Debug, Clone)]
pub struct ScanProblem {
    pub range: Range<usize>,
    pub code: &'static str,
    pub message: String,
    pub hint: String,
}

/// Scan `text` (skipping `code` ranges except for the escaped literal form), returning the
/// shortcodes in order and the text with placeholders.
pub fn scan(text: &str, code: &[Range<usize>]) -> (Vec<Shortcode>, String, Vec<ScanProblem>) {
    let mut found: Vec<Shortcode> = Vec::new();
    let mut problems = Vec::new();
    // Formulas first: inside them, `%%` and `{{` are TeX, not comments or shortcodes.
    let math = crate::texmath::find(text, code);
    let mut skip: Vec<Range<usize>> = code.to_vec();
    skip.extend(math.iter().map(|m| m.range.clone()));
    let code = skip.as_slice();
    let bytes = text.as_bytes();
    let mut pos = 0;
    while let Some(rel) = memchr2(b'{', b'%', &bytes[pos..]) {
        let at = pos + rel;
        let in_code = code.iter().any(|r| r.contains(&at));
        if bytes[at] == b'%' {
            if !in_code
                && bytes.get(at + 1) == Some(&b'%')
                && let Some(end) = text[at + 2..].find("%%")
            {
                let end = at + 2 + end + 2;
                found.push(Shortcode {
                    range: at..end,
                    name: "%%".into(),
                    named: vec![],
                    positional: vec![],
                    kind: Kind::Comment,
                });
                pos = end;
                continue;
            }
            pos = at + 1;
            continue;
        }
        let rest = &text[at..];
        let delim = if rest.starts_with("{{<") {
            '<'
        } else if rest.starts_with("{{%") {
            '%'
        } else {
            pos = at + 1;
            continue;
        };
        let close = if delim == '<' { ">}}" } else { "%}}" };
        let inner_start = at + 3;
        // The escaped form prints literally, in code too.
        let after = text[inner_start..].trim_start();
        if after.starts_with("/*") {
            let open_len = text.len() - inner_start - after.len() + 2;
            let esc_close = format!("*/{close}");
            let search_from = inner_start + open_len;
            if let Some(e) = text[search_from..].find(&esc_close) {
                let end = search_from + e + esc_close.len();
                let inner = text[search_from..search_from + e].trim();
                let open = if delim == '<' { "{{<" } else { "{{%" };
                let literal = format!("{open} {inner} {close}");
                found.push(Shortcode {
                    range: at..end,
                    name: String::new(),
                    named: vec![],
                    positional: vec![],
                    kind: Kind::Literal(literal),
                });
                pos = end;
                continue;
            }
        }
        if in_code {
            pos = at + 3;
            continue;
        }
        match parse_tag(text, inner_start, close) {
            Ok((end, name, named, positional, closing, self_closing)) => {
                let kind = if closing {
                    Kind::Close
                } else if self_closing {
                    Kind::Single
                } else {
                    Kind::Open
                };
                found.push(Shortcode {
                    range: at..end,
                    name,
                    named,
                    positional,
                    kind,
                });
                pos = end;
            }
            Err(message) => {
                let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                // Drop the broken tag through its closing delimiter if the line has one,
                // else to the end of the line, so that no brace or argument leaks.
                let end = text[at..line_end]
                    .find(close)
                    .map_or(line_end, |i| at + i + close.len());
                problems.push(ScanProblem {
                    range: at..end,
                    code: "shortcode-unclosed",
                    message,
                    hint: format!("end the shortcode with `{close}` on the same paragraph, or write `{{{{</* … */>}}}}` to show it as text"),
                });
                found.push(Shortcode {
                    range: at..end.max(at + 3),
                    name: String::new(),
                    named: vec![],
                    positional: vec![],
                    kind: Kind::Comment,
                });
                pos = end.max(at + 3);
            }
        }
    }
    // A shortcode's escaped literal form may sit in what looked like a formula.
    let taken: Vec<Range<usize>> = found.iter().map(|s| s.range.clone()).collect();
    found.extend(
        math.into_iter()
            .filter(|m| {
                !taken
                    .iter()
                    .any(|r| r.start < m.range.end && m.range.start < r.end)
            })
            .map(|m| Shortcode {
                range: m.range,
                name: "math".into(),
                named: vec![],
                positional: vec![],
                kind: Kind::Math {
                    tex: m.tex,
                    display: m.display,
                    tex_at: m.tex_at,
                },
            }),
    );
    found.sort_by_key(|s| s.range.start);
    pair(&mut found, text, &mut problems);
    let replaced = placeholders(text, &mut found, &mut problems);
    (found, replaced, problems)
}

/// Base-62 digits for an index into `count` placeholders: as many as the largest needs.
pub fn math_width(count: usize) -> usize {
    let mut width = 1;
    let mut room = 62usize;
    while room < count {
        width += 1;
        room = room.saturating_mul(62);
    }
    width
}

/// The placeholder of formula `index` over `len` bytes, if it fits.
fn math_placeholder(index: usize, width: usize, len: usize) -> Option<String> {
    if len < 1 + width {
        return None;
    }
    let mut digits = vec![b'0'; width];
    let mut n = index;
    for d in digits.iter_mut().rev() {
        *d = BASE62[n % 62];
        n /= 62;
    }
    let mut out = String::with_capacity(len);
    out.push(MATH_MARK);
    out.push_str(std::str::from_utf8(&digits).unwrap_or("0"));
    out.extend(std::iter::repeat_n(MATH_FILL, len - 1 - width));
    Some(out)
}

/// The index in a formula placeholder that starts `text` (after `MATH_MARK`).
pub fn math_index(text: &str, width: usize) -> Option<usize> {
    let digits = text.get(MATH_MARK.len_utf8()..MATH_MARK.len_utf8() + width)?;
    digits.bytes().try_fold(0usize, |n, b| {
        let d = BASE62.iter().position(|&c| c == b)?;
        n.checked_mul(62)?.checked_add(d)
    })
}

fn memchr2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == a || c == b)
}

type Tag = (
    usize,
    String,
    Vec<(String, String)>,
    Vec<String>,
    bool,
    bool,
);

/// Parse `name args… >}}` starting at `start`. Returns the end offset (after the closing
/// delimiter), the name, named and positional arguments, whether it is a closing tag and
/// whether it closes itself (`/>}}`).
fn parse_tag(text: &str, start: usize, close: &str) -> Result<Tag, String> {
    let mut i = start;
    let b = text.as_bytes();
    let skip_ws = |i: &mut usize| {
        // The same whitespace as ends an unquoted value in `read_value`: with fewer kinds
        // here, a form feed after an argument read empty values forever.
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            if b[*i] == b'\n' && b.get(*i + 1) == Some(&b'\n') {
                return;
            }
            *i += 1;
        }
    };
    skip_ws(&mut i);
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
        skip_ws(&mut i);
    }
    let name_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b'_' | b'/' | b'.'))
    {
        i += 1;
    }
    let name = text[name_start..i].to_owned();
    if name.is_empty() {
        return Err("a shortcode needs a name after `{{<`".into());
    }
    let mut named = Vec::new();
    let mut positional = Vec::new();
    loop {
        skip_ws(&mut i);
        if i >= b.len() || (b[i] == b'\n' && b.get(i + 1) == Some(&b'\n')) {
            return Err(format!(
                "the shortcode `{name}` is not closed with `{close}`"
            ));
        }
        if text[i..].starts_with(close) {
            return Ok((i + close.len(), name, named, positional, closing, false));
        }
        if text[i..].starts_with('/') && text[i + 1..].starts_with(close) {
            return Ok((i + 1 + close.len(), name, named, positional, closing, true));
        }
        // key=value or a positional value
        let tok_start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b'_')) {
            i += 1;
        }
        if i > tok_start && b.get(i) == Some(&b'=') {
            let key = text[tok_start..i].to_owned();
            i += 1;
            let value = read_value(text, &mut i, close)?;
            named.push((key, value));
        } else {
            i = tok_start;
            let value = read_value(text, &mut i, close)?;
            positional.push(value);
        }
    }
}

fn read_value(text: &str, i: &mut usize, close: &str) -> Result<String, String> {
    let b = text.as_bytes();
    match b.get(*i) {
        Some(b'"') => {
            let mut out = String::new();
            let mut chars = text[*i + 1..].char_indices();
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            out.push(n);
                        }
                    }
                    '"' => {
                        *i += 1 + j + 1;
                        return Ok(out);
                    }
                    _ => out.push(c),
                }
            }
            Err("a quoted shortcode argument is never closed with `\"`".into())
        }
        Some(b'`') => match text[*i + 1..].find('`') {
            Some(e) => {
                let v = text[*i + 1..*i + 1 + e].to_owned();
                *i += e + 2;
                Ok(v)
            }
            None => Err("a raw shortcode argument is never closed with a backtick".into()),
        },
        _ => {
            let start = *i;
            let at_end = |i: usize| {
                i >= b.len()
                    || b[i].is_ascii_whitespace()
                    || text[i..].starts_with(close)
                    || (b[i] == b'/' && text[i + 1..].starts_with(close))
            };
            while !at_end(*i) {
                *i += text[*i..].chars().next().map_or(1, char::len_utf8);
            }
            if *i == start {
                return Err("a shortcode argument is empty".into());
            }
            Ok(text[start..*i].to_owned())
        }
    }
}

/// Raw-content pairs: their inner text is taken verbatim. Besides the built-in ones, a
/// site's own shortcode named for code (`code-toggle`, `codeblock`) holds code, not
/// Markdown: Hugo hands `{{< >}}` content to the template as it is written.
fn is_raw_pair(name: &str) -> bool {
    matches!(name, "highlight" | "comment" | "code" | "codeblock")
        || name.split(['-', '_']).any(|part| part == "code")
}

/// Match closing tags to opening ones; merge raw pairs into one entry.
fn pair(found: &mut Vec<Shortcode>, text: &str, problems: &mut Vec<ScanProblem>) {
    let mut stack: Vec<usize> = Vec::new();
    let mut close_of: Vec<Option<usize>> = vec![None; found.len()];
    for i in 0..found.len() {
        match found[i].kind {
            Kind::Open => stack.push(i),
            Kind::Close => {
                let name = found[i].name.clone();
                if let Some(depth) = stack.iter().rposition(|&o| found[o].name == name) {
                    let o = stack[depth];
                    stack.truncate(depth);
                    close_of[o] = Some(i);
                } else {
                    problems.push(ScanProblem {
                        range: found[i].range.clone(),
                        code: "shortcode-stray-close",
                        message: format!("closing `{name}` shortcode without an opening one"),
                        hint: format!("remove it, or add `{{{{< {name} >}}}}` before it"),
                    });
                    found[i].kind = Kind::Comment;
                }
            }
            _ => {}
        }
    }
    let mut merged: Vec<Shortcode> = Vec::with_capacity(found.len());
    let mut skip_until = 0;
    for (i, sc) in found.iter().enumerate() {
        if sc.range.start < skip_until {
            continue;
        }
        match (&sc.kind, close_of[i]) {
            (Kind::Open, Some(c)) if is_raw_pair(&sc.name) => {
                let inner = &text[sc.range.end..found[c].range.start];
                let inner = inner.strip_prefix('\n').unwrap_or(inner);
                let inner = inner.strip_suffix('\n').unwrap_or(inner);
                let kind = if sc.name == "comment" {
                    Kind::Comment
                } else {
                    Kind::Raw {
                        inner: inner.to_owned(),
                    }
                };
                let mut s = sc.clone();
                s.range = sc.range.start..found[c].range.end;
                s.kind = kind;
                skip_until = s.range.end;
                merged.push(s);
            }
            (Kind::Open, None) if is_raw_pair(&sc.name) || sc.name == "details" => {
                problems.push(ScanProblem {
                    range: sc.range.clone(),
                    code: "shortcode-unclosed",
                    message: format!(
                        "`{}` is opened here but never closed with `{{{{< /{} >}}}}`; what follows is shown without it",
                        sc.name, sc.name
                    ),
                    hint: format!("close it with {{{{< /{} >}}}}, or write {{{{< {} … />}}}} if it has no content", sc.name, sc.name),
                });
                let mut s = sc.clone();
                s.kind = Kind::Comment;
                merged.push(s);
            }
            (Kind::Open, None) => {
                let mut s = sc.clone();
                s.kind = Kind::Single;
                merged.push(s);
            }
            _ => merged.push(sc.clone()),
        }
    }
    *found = merged;
}

fn placeholders(text: &str, found: &mut [Shortcode], problems: &mut Vec<ScanProblem>) -> String {
    if found.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let width = math_width(found.len());
    for (i, sc) in found.iter_mut().enumerate() {
        out.push_str(&text[last..sc.range.start]);
        let len = sc.range.len();
        if matches!(sc.kind, Kind::Math { .. }) {
            match math_placeholder(i, width, len) {
                Some(p) => out.push_str(&p),
                None => {
                    // No room for the index: the formula stays as written.
                    out.push_str(&text[sc.range.clone()]);
                    sc.kind = Kind::Literal(text[sc.range.clone()].to_owned());
                }
            }
            last = sc.range.end;
            continue;
        }
        let digits = i.to_string();
        if sc.kind == Kind::Comment || len < MARK.len_utf8() + digits.len() {
            if sc.kind != Kind::Comment {
                problems.push(ScanProblem {
                    range: sc.range.clone(),
                    code: "shortcode-too-many",
                    message: "too many shortcodes in one note; this one is left out".into(),
                    hint: "split the note into several notes".into(),
                });
                sc.kind = Kind::Comment;
            }
            drop_text(&text[sc.range.clone()], &mut out);
        } else {
            out.push(MARK);
            out.push_str(&digits);
            for _ in 0..len - MARK.len_utf8() - digits.len() {
                out.push('x');
            }
        }
        last = sc.range.end;
    }
    out.push_str(&text[last..]);
    debug_assert_eq!(out.len(), text.len());
    out
}

/// Replace dropped text by the same number of bytes: `DROP` then `DROP_FILL` on each line,
/// keeping line breaks so that a dropped multi-line comment does not join lines.
fn drop_text(dropped: &str, out: &mut String) {
    for (i, run) in dropped.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut n = run.len();
        if n >= DROP.len_utf8() {
            out.push(DROP);
            n -= DROP.len_utf8();
        }
        out.extend(std::iter::repeat_n(DROP_FILL, n));
    }
}

/// Byte ranges of code (fenced blocks and inline code spans), where `%%` and shortcodes
/// are left alone. Line-based and approximate; indented code blocks are not detected.
pub fn code_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut fence: Option<(char, usize, usize)> = None; // (char, length, start offset)
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start_matches([' ', '\t', '>']).trim_start();
        let fc = t.chars().next();
        let run = |c: char| t.chars().take_while(|&x| x == c).count();
        match fence {
            Some((c, n, start)) => {
                if fc == Some(c) && run(c) >= n && t[run(c)..].trim().is_empty() {
                    out.push(start..pos + line.len());
                    fence = None;
                }
            }
            None => {
                if let Some(c @ ('`' | '~')) = fc
                    && run(c) >= 3
                {
                    fence = Some((c, run(c), pos));
                    pos += line.len();
                    continue;
                }
                inline_code(line, pos, &mut out);
            }
        }
        pos += line.len();
    }
    if let Some((_, _, start)) = fence {
        out.push(start..text.len());
    }
    out
}

fn inline_code(line: &str, base: usize, out: &mut Vec<Range<usize>>) {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let open_end = i + n;
            let mut j = open_end;
            let mut closed = None;
            while j < b.len() {
                if b[j] == b'`' {
                    let m = b[j..].iter().take_while(|&&c| c == b'`').count();
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match closed {
                Some(end) => {
                    out.push(base + i..base + end);
                    i = end;
                }
                None => i = open_end,
            }
        } else {
            i += 1;
        }
    }
}

/// Bytes taken by the placeholder at the start of `text`: the marker, then digits and
/// filler, at most `len` (the shortcode's length). Always ends on a character boundary.
pub fn placeholder_len(text: &str, len: usize) -> usize {
    let tail = text
        .as_bytes()
        .iter()
        .skip(MARK.len_utf8())
        .take_while(|b| b.is_ascii_digit() || **b == b'x')
        .count();
    (MARK.len_utf8() + tail)
        .min(len.max(MARK.len_utf8()))
        .min(text.len())
}

/// Text of the source with every shortcode placeholder put back as the shortcode's own
/// text (used inside code, where shortcodes are shown, not run).
pub fn restore(text: &str, shortcodes: &[Shortcode], original: &str) -> String {
    if !text.contains(MARK) && !text.contains(DROP) && !text.contains(MATH_MARK) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let width = math_width(shortcodes.len());
    while let Some(p) = rest.find([MARK, MATH_MARK]) {
        out.push_str(&rest[..p]);
        if rest[p..].starts_with(MATH_MARK) {
            match math_index(&rest[p..], width).and_then(|i| shortcodes.get(i)) {
                Some(sc) => {
                    out.push_str(original.get(sc.range.clone()).unwrap_or(""));
                    rest = rest.get(p + sc.range.len()..).unwrap_or("");
                }
                None => rest = &rest[p + MATH_MARK.len_utf8()..],
            }
            continue;
        }
        let after = &rest[p + MARK.len_utf8()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        match digits.parse::<usize>().ok().and_then(|i| shortcodes.get(i)) {
            Some(sc) => {
                match &sc.kind {
                    Kind::Literal(l) => out.push_str(l),
                    _ => out.push_str(original.get(sc.range.clone()).unwrap_or("")),
                }
                rest = &rest[p + placeholder_len(&rest[p..], sc.range.len())..];
            }
            None => {
                out.push(MARK);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.retain(|c| c != DROP && c != DROP_FILL && c != MATH_FILL);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(text: &str) -> (Vec<Shortcode>, String, Vec<ScanProblem>) {
        let code = code_ranges(text);
        scan(text, &code)
    }

    // Found by the note fuzz target: a form feed after an argument made the scanner read
    // empty arguments until memory ran out.
    #[test]
    fn a_form_feed_between_arguments_is_whitespace() {
        let t = "{{< youtube \"S\"\x0c id >}} {{< x \"a\"\x0c\x0c>}}";
        let (sc, out, p) = scan_all(t);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(sc[0].positional, ["S", "id"]);
        assert!(sc[1].positional == ["a"], "{:?}", sc[1].positional);
        assert_eq!(out.len(), t.len());
    }

    #[test]
    fn named_and_positional_arguments() {
        let t = r#"{{< figure src="/a b.png" caption="Say \"hi\" *now*" width=50% >}}"#;
        let (sc, out, p) = scan_all(t);
        assert!(p.is_empty());
        assert_eq!(out.len(), t.len());
        assert!(out.starts_with('\u{E000}'));
        assert_eq!(sc[0].name, "figure");
        assert_eq!(sc[0].arg("src"), Some("/a b.png"));
        assert_eq!(sc[0].arg("caption"), Some("Say \"hi\" *now*"));
        assert_eq!(sc[0].arg("width"), Some("50%"));
        let (sc, _, _) = scan_all("{{< youtube `dQw4` >}} {{% param \"x\" /%}}");
        assert_eq!(sc[0].positional, ["dQw4"]);
        assert_eq!((sc[1].name.as_str(), &sc[1].kind), ("param", &Kind::Single));
    }

    #[test]
    fn pairs_raw_and_markdown() {
        let t = "{{< highlight go \"linenos=table\" >}}\nx := \"{{< y >}}\"\n{{< /highlight >}}\n\n{{% details summary=\"S\" %}}\n*in*\n{{% /details %}}";
        let (sc, out, p) = scan_all(t);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(out.len(), t.len());
        assert_eq!(sc.len(), 3);
        assert_eq!(
            sc[0].kind,
            Kind::Raw {
                inner: "x := \"{{< y >}}\"".into()
            }
        );
        assert_eq!(sc[1].kind, Kind::Open);
        assert_eq!(sc[2].kind, Kind::Close);
        assert!(out.contains("\n*in*\n"));
    }

    #[test]
    fn escaped_literal_and_comments() {
        let t = "a {{</* figure src=\"x\" */>}} b %%hidden\nstill%% c `%%code%%`";
        let (sc, out, _) = scan_all(t);
        assert_eq!(out.len(), t.len());
        assert_eq!(sc[0].kind, Kind::Literal("{{< figure src=\"x\" >}}".into()));
        assert_eq!(sc[1].kind, Kind::Comment);
        assert_eq!(sc.len(), 2, "%% inside code is kept");
        assert!(out.contains('\n'), "line breaks in comments are kept");
        assert_eq!(
            restore(&out, &sc, t),
            "a {{< figure src=\"x\" >}} b \n c `%%code%%`"
        );
    }

    #[test]
    fn unclosed_and_stray() {
        let (sc, out, p) = scan_all("text {{< figure src=\"x\"\n\nnext");
        assert_eq!(p[0].code, "shortcode-unclosed");
        assert!(!out.contains("{{<"));
        assert_eq!(sc[0].kind, Kind::Comment);
        let (_, _, p) = scan_all("{{< /details >}}");
        assert_eq!(p[0].code, "shortcode-stray-close");
    }
}
