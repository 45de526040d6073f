//! Removing metadata from a JPEG without re-encoding it: the APP1 (EXIF, XMP), APP13
//! (IPTC) and COM segments go; JFIF (APP0), ICC profiles (APP2) and Adobe (APP14, which
//! changes how colours decode) stay. Anything unexpected returns the file unchanged.

/// True when the JPEG stops before its end-of-image marker: the decoder would quietly fill
/// the missing part with grey. The marker is looked for after the image's first
/// start-of-scan, found by walking the segments (an EXIF thumbnail inside APP1, with its
/// own markers, is stepped over); when the segments cannot be walked, after the last
/// start-of-scan in the file.
pub fn is_truncated(src: &[u8]) -> bool {
    let sos = first_scan(src).or_else(|| memchr::memmem::rfind(src, &[0xFF, 0xDA]));
    match sos {
        // Searched from the end, where the marker is in a whole file.
        Some(p) => memchr::memmem::rfind(&src[p..], &[0xFF, 0xD9]).is_none(),
        None => true,
    }
}

/// Where the first start-of-scan marker is, from the segment lengths.
fn first_scan(src: &[u8]) -> Option<usize> {
    if src.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut i = 2;
    loop {
        if *src.get(i)? != 0xFF {
            return None;
        }
        match *src.get(i + 1)? {
            0xFF => i += 1,
            0xDA => return Some(i),
            0xD0..=0xD7 | 0x01 => i += 2,
            _ => {
                let len = usize::from(u16::from_be_bytes([*src.get(i + 2)?, *src.get(i + 3)?]));
                if len < 2 {
                    return None;
                }
                i += 2 + len;
            }
        }
    }
}

pub fn strip_metadata(src: &[u8]) -> Vec<u8> {
    strip(src).unwrap_or_else(|| src.to_vec())
}

fn strip(src: &[u8]) -> Option<Vec<u8>> {
    if src.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut out = Vec::with_capacity(src.len());
    out.extend_from_slice(&src[..2]);
    let mut i = 2;
    loop {
        if *src.get(i)? != 0xFF {
            return None;
        }
        let marker = *src.get(i + 1)?;
        if marker == 0xFF {
            // Fill byte.
            i += 1;
            continue;
        }
        // Markers without a length.
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            out.extend_from_slice(&src[i..i + 2]);
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*src.get(i + 2)?, *src.get(i + 3)?]));
        if len < 2 {
            return None;
        }
        let end = i + 2 + len;
        let segment = src.get(i..end)?;
        if marker == 0xDA {
            // Start of scan: the rest is image data.
            out.extend_from_slice(&src[i..]);
            return Some(out);
        }
        let drop = matches!(marker, 0xE1 | 0xED | 0xFE)
            || (0xE3..=0xEF).contains(&marker) && marker != 0xEE;
        if !drop {
            out.extend_from_slice(segment);
        }
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_exif_and_comments_keeps_the_rest() {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x04, b'J', b'F']); // APP0
        jpeg.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x06, b'E', b'x', b'i', b'f']); // APP1
        jpeg.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x03, b'c']); // COM
        jpeg.extend_from_slice(&[0xFF, 0xE2, 0x00, 0x03, b'i']); // APP2 (ICC)
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 0xFF, 0xD9]); // SOS + data
        let out = strip_metadata(&jpeg);
        assert!(!out.windows(4).any(|w| w == b"Exif"));
        assert!(!out.contains(&b'c'));
        assert!(out.windows(2).any(|w| w == b"JF"));
        assert!(out.ends_with(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 0xFF, 0xD9]));
        assert_eq!(out.len(), jpeg.len() - 8 - 5);
    }

    #[test]
    fn truncation_is_seen() {
        assert!(is_truncated(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 1, 2]));
        assert!(!is_truncated(&[
            0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 1, 2, 0xFF, 0xD9, 0, 0
        ]));
        // An EXIF thumbnail (a whole JPEG inside APP1) before a cut-off image: its
        // end-of-image marker is not the image's.
        let mut cut = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x0C];
        cut.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 9, 0xFF, 0xD9, 0x00]);
        cut.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 0xFF, 0x00, 3]);
        assert!(is_truncated(&cut));
        cut.extend_from_slice(&[0xFF, 0xD9]);
        assert!(!is_truncated(&cut));
        // Segments that cannot be walked: the last start-of-scan is used.
        assert!(is_truncated(&[0xFF, 0xD8, 0x00, 0xFF, 0xDA, 1, 2]));
        assert!(!is_truncated(&[
            0xFF, 0xD8, 0x00, 0xFF, 0xDA, 1, 0xFF, 0xD9
        ]));
    }

    #[test]
    fn broken_input_comes_back_unchanged() {
        assert_eq!(strip_metadata(b"not a jpeg"), b"not a jpeg");
        assert_eq!(
            strip_metadata(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00]),
            [0xFF, 0xD8, 0xFF, 0xE1, 0x00]
        );
    }
}
