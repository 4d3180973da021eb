//! The input of `ferroformers tokenize`: documents one per line of a UTF-8 buffer, split without a Python str
//! per document.

use super::error::Error;

/// The documents of `data`, one per line. Only "\n" separates documents; the buffer holds whole lines without
/// the last "\n" (an empty buffer is one empty document).
pub fn split_lines(data: &[u8]) -> Result<Vec<&str>, Error> {
    let text = std::str::from_utf8(data).map_err(|e| Error::InvalidUtf8 {
        at: e.valid_up_to(),
    })?;
    Ok(text.split('\n').collect())
}
