//! Reading a response body with a size cap, so that no server can make the
//! process hold more than `BODY_CAP` bytes of one answer; and a file the
//! inputs name, with a cap and never from what would block.

/// The most of one response body that is read. Real answers are a few KiB;
/// an operation with every step and message is well under this.
pub const BODY_CAP: usize = 256 * 1024;

/// The most of a resource tree that is read: an offer's every plan with
/// every image version. Twenty plans of a hundred versions each are about
/// 2 MiB; this leaves room for the hundred plans an offer may have.
pub const TREE_CAP: usize = 12 * 1024 * 1024;

/// How reading a body failed.
#[derive(Debug)]
pub enum BodyError {
    /// The server sent more bytes than the cap of this kind of answer.
    TooLarge(usize),
    /// The connection failed or timed out while the body was read.
    Cut(reqwest::Error),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge(cap) => write!(
                f,
                "the answer's body is larger than {} KiB, far larger than any real answer",
                cap / 1024
            ),
            BodyError::Cut(error) => write!(
                f,
                "the answer's body was cut short ({})",
                crate::text::error_chain(error)
            ),
        }
    }
}

/// Reads the body chunk by chunk, stopping at `cap` (`BODY_CAP` for every
/// answer but a resource tree). Bytes that are not UTF-8 are replaced.
pub async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<String, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > cap as u64)
    {
        return Err(BodyError::TooLarge(cap));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Cut)? {
        if bytes.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge(cap));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A file's bytes, at most `cap`: `Err` names why not, as a sentence that
/// follows the file's name. Only a regular file is read (a symbolic link
/// to one too): a pipe or a device could block the run, which a canceled
/// job must still be able to end, so it is refused at once. A UTF-8 byte
/// order mark (Windows editors, PowerShell 5) is left out.
pub fn read_file(path: &std::path::Path, cap: u64) -> Result<String, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    // Opened without blocking, so that a pipe with no writer is seen for
    // what it is before anything waits on it.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| format!("cannot be read ({error})"))?;
    let regular = file
        .metadata()
        .map_err(|error| format!("cannot be read ({error})"))?
        .is_file();
    if !regular {
        return Err(
            "is not a regular file (a pipe or a device, which could block the run): write it to a file first"
                .to_owned(),
        );
    }
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot be read ({error})"))?;
    if bytes.len() as u64 > cap {
        return Err(format!("is larger than {} KiB", cap / 1024));
    }
    let text = String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_owned())?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}
