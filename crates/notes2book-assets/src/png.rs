//! PNG files without decoding them: the header, the compressed image data, and the file
//! without its metadata chunks. Used to pass PNGs through unchanged where nothing needs
//! doing to them (the EPUB takes the file, the PDF takes the compressed data as it is).

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The IHDR fields that decide whether a PDF can take the data directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    pub bit_depth: u8,
    /// 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA.
    pub color_type: u8,
    pub interlaced: bool,
}

/// The chunks of a PNG in order: (type, data). `None` if the file is not a well-formed
/// sequence of chunks ending in IEND.
fn chunks(bytes: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let mut rest = bytes.strip_prefix(SIGNATURE)?;
    let mut out = Vec::new();
    loop {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let kind: [u8; 4] = rest.get(4..8)?.try_into().ok()?;
        let data = rest.get(8..8usize.checked_add(len)?)?;
        rest = rest.get(12 + len..)?;
        out.push((kind, data));
        if &kind == b"IEND" {
            return Some(out);
        }
    }
}

pub fn header(bytes: &[u8]) -> Option<Header> {
    let chunks = chunks(bytes)?;
    let (kind, d) = chunks.first()?;
    if kind != b"IHDR" || d.len() != 13 {
        return None;
    }
    Some(Header {
        width: u32::from_be_bytes(d[0..4].try_into().ok()?),
        height: u32::from_be_bytes(d[4..8].try_into().ok()?),
        bit_depth: d[8],
        color_type: d[9],
        interlaced: d[12] != 0,
    })
}

/// True when every chunk's CRC matches, IHDR comes first, some IDAT follows and the file
/// ends with IEND: the checks a PNG passed through without decoding gets.
pub fn is_intact(bytes: &[u8]) -> bool {
    let Some(chunks) = chunks(bytes) else {
        return false;
    };
    let mut at = SIGNATURE.len();
    for (kind, data) in &chunks {
        let stored = bytes
            .get(at + 8 + data.len()..at + 12 + data.len())
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        if stored != Some(crc.sum()) {
            return false;
        }
        at += 12 + data.len();
    }
    chunks.first().is_some_and(|(k, _)| k == b"IHDR") && chunks.iter().any(|(k, _)| k == b"IDAT")
}

/// The zlib stream of the image data (all IDAT chunks joined).
pub fn image_data(bytes: &[u8]) -> Option<Vec<u8>> {
    let chunks = chunks(bytes)?;
    let mut out = Vec::new();
    for (kind, data) in chunks {
        if &kind == b"IDAT" {
            out.extend_from_slice(data);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The file without text, EXIF and time chunks (metadata never reaches a book); colour
/// chunks (gAMA, cHRM, sRGB, iCCP) and transparency stay.
pub fn strip_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    let chunks = chunks(bytes)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(SIGNATURE);
    let mut at = SIGNATURE.len();
    for (kind, data) in chunks {
        let whole = 12 + data.len();
        if !matches!(&kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME") {
            out.extend_from_slice(&bytes[at..at + whole]);
        }
        at += whole;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_with_text() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8 * 40, y as u8 * 80, 7]));
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("encode");
        // A tEXt chunk after IHDR (CRC not checked by the stripper; a real one here).
        let data = b"Author\0someone";
        let mut chunk = Vec::new();
        chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
        chunk.extend_from_slice(b"tEXt");
        chunk.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(b"tEXt");
        crc.update(data);
        chunk.extend_from_slice(&crc.sum().to_be_bytes());
        let ihdr_end = 8 + 12 + 13;
        png.splice(ihdr_end..ihdr_end, chunk);
        png
    }

    #[test]
    fn header_data_and_stripping() {
        let png = png_with_text();
        let h = header(&png).expect("header");
        assert_eq!(
            (h.width, h.height, h.bit_depth, h.color_type, h.interlaced),
            (5, 3, 8, 2, false)
        );
        let stripped = strip_metadata(&png).expect("well-formed");
        assert_eq!(stripped.len(), png.len() - 12 - 14);
        assert!(!stripped.windows(6).any(|w| w == b"Author"));
        let a = image::load_from_memory(&png).expect("decodes").to_rgb8();
        let b = image::load_from_memory(&stripped)
            .expect("still decodes")
            .to_rgb8();
        assert_eq!(a, b);
        let data = image_data(&stripped).expect("IDAT");
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&data[..]), &mut raw)
            .expect("zlib");
        assert_eq!(
            raw.len(),
            3 * (1 + 5 * 3),
            "a filter byte and 5 RGB pixels a row"
        );
    }

    #[test]
    fn truncated_or_foreign_files_are_refused() {
        let png = png_with_text();
        assert!(is_intact(&png));
        let mut flipped = png.clone();
        let mid = flipped.len() - 20;
        flipped[mid] ^= 0x10;
        assert!(
            !is_intact(&flipped),
            "a changed byte in IDAT breaks its CRC"
        );
        assert!(!is_intact(&png[..png.len() - 12]), "no IEND");
        assert!(strip_metadata(&png[..png.len() - 5]).is_none());
        assert!(header(b"GIF89a....").is_none());
        assert!(image_data(&png[..20]).is_none());
    }
}
