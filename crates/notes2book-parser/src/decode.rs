//! Bytes to text: BOM, line ends, legacy encodings and mojibake repair.

use notes2book_model::{Diagnostic, FileId, SourceFile, Span};

/// The decoded text of one file and what decoding had to do to it.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    /// Diagnostics without a file id yet: (line, message, hint, code).
    pub problems: Vec<Problem>,
}

#[derive(Debug)]
pub struct Problem {
    pub code: &'static str,
    pub error: bool,
    /// 1-based line and byte column in the decoded text.
    pub line: usize,
    pub col_byte: usize,
    pub message: String,
    pub hint: String,
}

impl Problem {
    pub fn into_diagnostic(self, file: FileId, source: &SourceFile) -> Diagnostic {
        // Never past the end of its line, never inside a character.
        let line_start = source.line_start(self.line);
        let mut start = line_start + self.col_byte.min(source.line(self.line).len());
        while start > line_start && !source.text.is_char_boundary(start) {
            start -= 1;
        }
        let span = Span::new(file, start, start);
        let d = if self.error {
            Diagnostic::error(self.code, self.message)
        } else {
            Diagnostic::warning(self.code, self.message)
        };
        d.at(span).hint(self.hint)
    }
}

/// Decode a note. `None` means the file is not text at all (a problem says why).
pub fn decode(bytes: &[u8], fix_mojibake: bool) -> Result<Decoded, Problem> {
    if looks_binary(bytes) {
        return Err(Problem {
            code: "binary-file",
            error: true,
            line: 1,
            col_byte: 0,
            message: "this file is not text (it contains NUL bytes)".into(),
            hint: "rename it so it does not end in .md, or move it out of the notes folder".into(),
        });
    }
    let mut problems = Vec::new();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => normalize_line_ends(s),
        Err(e) => {
            let bad = e.valid_up_to();
            let line = bytes[..bad].iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = bytes[..bad]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let (decoded, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            let text = normalize_line_ends(&decoded);
            let col_byte = text
                .lines()
                .nth(line - 1)
                .map(|l| {
                    let prefix = String::from_utf8_lossy(&bytes[line_start..bad]);
                    prefix.len().min(l.len())
                })
                .unwrap_or(0);
            problems.push(Problem {
                code: "not-utf8",
                error: false,
                line,
                col_byte,
                message: format!(
                    "this file is not valid UTF-8 (byte 0x{:02X} here); it was read as Windows-1252",
                    bytes[bad]
                ),
                hint: "check the accented characters on this page, then save the file as UTF-8"
                    .into(),
            });
            text
        }
    };
    let text = if fix_mojibake {
        repair_mojibake(text, &mut problems)
    } else {
        text
    };
    let text = remove_controls(text, &mut problems);
    Ok(Decoded { text, problems })
}

/// Control characters other than tab and line feed (and U+FFFE, U+FFFF): no book shows
/// them, and XML forbids most of them, so one in a title made an EPUB no reader opens.
fn is_control(c: char) -> bool {
    (c < ' ' && c != '\t' && c != '\n') || c == '\u{7F}' || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// Remove control characters, with one warning at the first.
fn remove_controls(text: String, problems: &mut Vec<Problem>) -> String {
    let Some(first) = text.find(is_control) else {
        return text;
    };
    let count = text.chars().filter(|&c| is_control(c)).count();
    let c = text[first..].chars().next().unwrap_or('\0');
    let line_start = text[..first].rfind('\n').map_or(0, |p| p + 1);
    let line = text[..first].matches('\n').count() + 1;
    let kept: String = text.chars().filter(|&c| !is_control(c)).collect();
    // Problems found before point into the text with the controls still in: move their
    // columns left by what was removed before them on their line.
    let lines: Vec<&str> = text.split('\n').collect();
    for p in problems.iter_mut() {
        if let Some(l) = lines.get(p.line.wrapping_sub(1)) {
            let before = l.get(..p.col_byte.min(l.len())).unwrap_or(l);
            let removed: usize = before
                .chars()
                .filter(|&c| is_control(c))
                .map(char::len_utf8)
                .sum();
            p.col_byte -= removed.min(p.col_byte);
        }
    }
    problems.push(Problem {
        code: "control-character",
        error: false,
        line,
        col_byte: first - line_start,
        message: if count == 1 {
            format!("this file contains a control character (U+{:04X}); it was removed", u32::from(c))
        } else {
            format!(
                "this file contains {count} control characters (U+{:04X} here first); they were removed",
                u32::from(c)
            )
        },
        hint: "delete it from the note: such characters come from pasted terminal output or PDFs"
            .into(),
    });
    kept
}

fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8192).any(|&b| b == 0)
}

fn normalize_line_ends(s: &str) -> String {
    if !s.contains('\r') {
        return s.to_owned();
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// A character that a UTF-8 lead byte (0xC2 to 0xF4) becomes when read as Latin-1 or
/// Windows-1252, followed by one that a continuation byte (0x80 to 0xBF) becomes: text
/// without such a pair has nothing to repair (a repair must turn every non-ASCII character
/// back into a byte of a valid UTF-8 sequence). Dashes and curly quotes alone are prose:
/// sending every word with one to the fixer was a third of reading the notes.
fn may_be_mojibake(line: &str) -> bool {
    let mut lead = false;
    for c in line.chars() {
        if lead && is_continuation(c) {
            return true;
        }
        lead = matches!(c, '\u{C2}'..='\u{F4}');
    }
    false
}

/// What a byte 0x80 to 0xBF reads as in Latin-1 or Windows-1252.
fn is_continuation(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{BF}')
        || matches!(
            c,
            '€' | '‚'
                | 'ƒ'
                | '„'
                | '…'
                | '†'
                | '‡'
                | 'ˆ'
                | '‰'
                | 'Š'
                | '‹'
                | 'Œ'
                | 'Ž'
                | '‘'
                | '’'
                | '“'
                | '”'
                | '•'
                | '–'
                | '—'
                | '˜'
                | '™'
                | 'š'
                | '›'
                | 'œ'
                | 'ž'
                | 'Ÿ'
        )
}

fn fixer_config() -> plsfix::TextFixerConfig {
    // Encoding repairs only: the author's quotes, widths, ligatures, line breaks and
    // normalisation form are theirs to keep.
    plsfix::TextFixerConfig {
        unescape_html: Some(false),
        remove_terminal_escapes: false,
        fix_encoding: true,
        restore_byte_a0: false,
        replace_lossy_sequences: false,
        decode_inconsistent_utf8: true,
        fix_c1_controls: true,
        fix_latin_ligatures: false,
        fix_character_width: false,
        uncurl_quotes: false,
        fix_line_breaks: false,
        remove_control_chars: false,
        normalization: None,
        max_decode_length: 1_000_000,
    }
}

fn repair_mojibake(text: String, problems: &mut Vec<Problem>) -> String {
    if !text.lines().any(may_be_mojibake) {
        return text;
    }
    let config = fixer_config();
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.strip_suffix('\n').unwrap_or(line);
        if !may_be_mojibake(body) {
            out.push_str(line);
            continue;
        }
        let fixed = repair_line(body, &config);
        if fixed != body {
            let (col_byte, before, after) = first_difference(body, &fixed);
            problems.push(Problem {
                code: "mojibake",
                error: false,
                line: i + 1,
                col_byte,
                message: format!("repaired mojibake: `{before}` became `{after}`"),
                hint: "this text was UTF-8 read as Latin-1 or Windows-1252; save the repaired \
                       text, or set `fix_mojibake: false` to keep it as written"
                    .into(),
            });
        }
        out.push_str(&fixed);
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Repair a line word by word (words split at ASCII spaces and tabs). A word is changed
/// only when plsfix finds mojibake in it *and* the change is an exact round trip: the
/// word's characters, as Windows-1252 (or Latin-1) bytes, are the UTF-8 of the repair.
/// So correct text such as a lone `Ã` or `Â` before a space is never touched.
fn repair_line(line: &str, config: &plsfix::TextFixerConfig) -> String {
    let mut out = String::with_capacity(line.len());
    let mut pos = 0;
    for word in line.split([' ', '\t']) {
        if pos > 0 {
            // Put back the separator that split removed.
            out.push(line.as_bytes().get(pos - 1).map_or(' ', |&b| b as char));
        }
        pos += word.len() + 1;
        if !may_be_mojibake(word) {
            out.push_str(word);
            continue;
        }
        let fixed = plsfix::fix_text(word, Some(config));
        if fixed != word && round_trip(word, &fixed) {
            out.push_str(&fixed);
        } else {
            out.push_str(word);
        }
    }
    out
}

/// True when `garbled`, encoded back to single bytes, decodes as UTF-8 to `repaired`
/// (once, or twice for text that was garbled twice).
fn round_trip(garbled: &str, repaired: &str) -> bool {
    let mut current = garbled.to_owned();
    for _ in 0..2 {
        let Some(bytes) = to_single_bytes(&current) else {
            return false;
        };
        let Ok(decoded) = String::from_utf8(bytes) else {
            return false;
        };
        if decoded == repaired {
            return true;
        }
        current = decoded;
    }
    false
}

fn to_single_bytes(s: &str) -> Option<Vec<u8>> {
    s.chars()
        .map(|c| {
            let cp = c as u32;
            if cp < 0x100 {
                return Some(cp as u8);
            }
            let mut buf = [0u8; 4];
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
            (!unmappable && bytes.len() == 1).then(|| bytes[0])
        })
        .collect()
}

/// Byte column (in the repaired line) and the differing words before and after.
fn first_difference(before: &str, after: &str) -> (usize, String, String) {
    let common_prefix = before
        .char_indices()
        .zip(after.chars())
        .find(|((_, a), b)| a != b)
        .map(|((i, _), _)| i)
        .unwrap_or(before.len().min(after.len()));
    let word_start = before[..common_prefix]
        .rfind(char::is_whitespace)
        .map_or(0, |i| i + 1);
    let word = |s: &str| {
        let rest = &s[word_start.min(s.len())..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest[..end].chars().take(40).collect::<String>()
    };
    (word_start, word(before), word(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lead_and_continuation_pairs_may_be_mojibake() {
        for garbled in ["KÃ¼bernetes", "itâ€™s", "Ã©tÃ©", "naÃ¯ve", "â€”", "ðŸ™‚"]
        {
            assert!(may_be_mojibake(garbled), "{garbled}");
        }
        for prose in [
            "it’s “quoted” — and … done",
            "naïve café, Ærø, ½ × 3 °C",
            "Zürich – Straße",
            "ASCII only",
        ] {
            assert!(!may_be_mojibake(prose), "{prose}");
        }
    }

    // Found by the note fuzz target: removing controls left a not-UTF-8 column past its
    // line's end.
    #[test]
    fn columns_found_before_controls_are_removed_move_with_the_text() {
        let d = decode(b"a\x01\x01\x01b\xff c\n", true).expect("text");
        assert_eq!(d.text, "ab\u{ff} c\n");
        let p = d
            .problems
            .iter()
            .find(|p| p.code == "not-utf8")
            .expect("not-utf8");
        assert_eq!(
            (p.line, p.col_byte),
            (1, 2),
            "the column of \u{ff} after removal"
        );
        let src = SourceFile::new("a.md".into(), d.text.clone());
        for p in d.problems {
            let diag = p.into_diagnostic(FileId(0), &src);
            let span = diag.span.expect("span");
            assert!(span.end as usize <= src.text.len());
        }
    }

    // Found by the xhtml fuzz target: U+0019 in a heading reached nav.xhtml.
    #[test]
    fn control_characters_are_removed_with_one_warning_at_the_first() {
        let d = decode(b"# Title\n\nOn\x19 Linux\x01\x7f\tok\n", true).expect("text");
        assert_eq!(d.text, "# Title\n\nOn Linux\tok\n");
        assert_eq!(d.problems.len(), 1);
        let p = &d.problems[0];
        assert_eq!((p.code, p.line, p.col_byte), ("control-character", 3, 2));
        assert!(
            p.message.contains("3 control characters (U+0019"),
            "{}",
            p.message
        );
    }

    fn dec(bytes: &[u8]) -> Decoded {
        match decode(bytes, true) {
            Ok(d) => d,
            Err(p) => panic!("not decoded: {}", p.message),
        }
    }

    #[test]
    fn bom_and_line_ends() {
        let d = dec(b"\xEF\xBB\xBFa\r\nb\rc\n");
        assert_eq!(d.text, "a\nb\nc\n");
        assert!(d.problems.is_empty());
    }

    #[test]
    fn windows_1252_fallback() {
        let d = dec(b"caf\xE9 \x93quoted\x94\n");
        assert_eq!(d.text, "café “quoted”\n");
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].code, "not-utf8");
        assert_eq!(d.problems[0].col_byte, 3);
    }

    #[test]
    fn mojibake_is_repaired_and_reported() {
        let d = dec("ok line\nKÃ¼bernetes and naÃ¯ve cafÃ©\n".as_bytes());
        assert_eq!(d.text, "ok line\nKübernetes and naïve café\n");
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].line, 2);
        assert!(
            d.problems[0]
                .message
                .contains("`KÃ¼bernetes` became `Kübernetes`")
        );
        let d = dec("â€œquotedâ€\u{9d}\n".as_bytes());
        assert_eq!(d.text, "“quoted”\n");
        // Real mojibake beside a correct Â: only the mojibake changes.
        let d = dec("3Â½ cups, Â stays\n".as_bytes());
        assert_eq!(d.text, "3½ cups, Â stays\n");
    }

    #[test]
    fn correct_text_is_left_alone() {
        let samples = [
            "Zürich, Genève, Ångström — “quotes” ‘single’ … 10 °C ± 2",
            "naïve café résumé façade œuvre Straße",
            "日本語のテキスト、中文文本，한국어 텍스트",
            "Ελληνικά κείμενα και русский текст",
            "£5 and €10 · ¼ ½ ¾ © ® ™",
            "INFORMAÇÃO, CORAÇÃO, Âge, à la carte, São Paulo, Ångström",
            "The letter Ã is used in Portuguese, and Â in Romanian: Â Ã",
        ];
        for s in samples {
            let d = dec(s.as_bytes());
            assert_eq!(d.text, s, "changed correct text");
            assert!(d.problems.is_empty(), "reported a repair in {s}");
        }
    }

    #[test]
    fn repair_can_be_switched_off() {
        let Ok(d) = decode("KÃ¼bernetes".as_bytes(), false) else {
            panic!()
        };
        assert_eq!(d.text, "KÃ¼bernetes");
    }

    #[test]
    fn binary_is_refused() {
        assert!(decode(b"PK\x03\x04\x00\x00", true).is_err());
    }
}
