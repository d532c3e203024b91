//! Reading a response body with a size cap, so that no server can make the
//! process hold more than `BODY_CAP` bytes of one answer.

/// The most of one response body that is read. Real answers are a few KiB;
/// an operation with every step and message is well under this.
pub const BODY_CAP: usize = 256 * 1024;

/// How reading a body failed.
#[derive(Debug)]
pub enum BodyError {
    /// The server sent more than `BODY_CAP` bytes.
    TooLarge,
    /// The connection failed or timed out while the body was read.
    Cut(reqwest::Error),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge => write!(
                f,
                "the answer's body is larger than {} KiB, far larger than any real answer",
                BODY_CAP / 1024
            ),
            BodyError::Cut(error) => write!(
                f,
                "the answer's body was cut short ({})",
                crate::text::error_chain(error)
            ),
        }
    }
}

/// Reads the body chunk by chunk, stopping at `BODY_CAP`. Bytes that are
/// not UTF-8 are replaced.
pub async fn read_capped(mut response: reqwest::Response) -> Result<String, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > BODY_CAP as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Cut)? {
        if bytes.len() + chunk.len() > BODY_CAP {
            return Err(BodyError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
