//! Compressed page contents of a big book, kept in an anonymous temporary file (deleted by
//! the system when closed) until the file is put together, so that memory does not grow
//! with the book. When no temporary file can be made or written, they stay in memory:
//! a slower machine's disk is never a reason for a book to fail.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

/// The spill file, made on first use.
#[derive(Debug, Default)]
pub struct Spill {
    file: Option<File>,
    len: u64,
    /// Making or writing the file failed once: keep everything in memory from then on.
    broken: bool,
}

impl Spill {
    /// Move `bytes` to the file; their offset and length, or `None` (they stay where they
    /// are) when the file cannot take them.
    pub fn put(&mut self, bytes: &mut Vec<u8>) -> Option<(u64, usize)> {
        if self.broken {
            return None;
        }
        if self.file.is_none() {
            self.file = tempfile::tempfile().ok();
        }
        let Some(file) = self.file.as_mut() else {
            self.broken = true;
            return None;
        };
        // Appended where the last one ended (a failed write may have moved the cursor).
        let appended = file
            .seek(SeekFrom::Start(self.len))
            .and_then(|_| file.write_all(bytes));
        if appended.is_err() {
            self.broken = true;
            return None;
        }
        let at = self.len;
        self.len += bytes.len() as u64;
        let len = bytes.len();
        *bytes = Vec::new();
        Some((at, len))
    }

    /// The bytes put at `at`.
    pub fn get(&mut self, at: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("no spill file"))?;
        file.seek(SeekFrom::Start(at))?;
        let mut out = vec![0; len];
        file.read_exact(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_put_comes_back() {
        let mut s = Spill::default();
        let mut a = b"first".to_vec();
        let mut b = b"second one".to_vec();
        let (at_a, len_a) = s.put(&mut a).expect("a temporary file");
        let (at_b, len_b) = s.put(&mut b).expect("written");
        assert!(a.is_empty() && b.is_empty());
        assert_eq!(s.get(at_b, len_b).expect("read"), b"second one");
        assert_eq!(s.get(at_a, len_a).expect("read"), b"first");
    }
}
