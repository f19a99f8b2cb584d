//! Length-prefixed frames: a 4-byte big-endian length, then that many bytes.
//!
//! A frame longer than [`MESSAGE_BYTES_MAX`] is refused before anything is allocated, so a
//! host cannot make the enclave reserve memory by sending a large length.

use std::io::{self, Read, Write};

/// The largest message, in bytes, either side accepts.
pub const MESSAGE_BYTES_MAX: usize = 64 * 1024 * 1024;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the message is {len} bytes, above the limit of {MESSAGE_BYTES_MAX}")]
    TooLarge { len: u64 },
    #[error("the input ended inside a message")]
    Truncated,
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
}

/// Reads one frame; `None` when the input ends cleanly between frames.
pub fn read(reader: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    let mut prefix = [0u8; 4];
    match read_exact_or_eof(reader, &mut prefix)? {
        Filled::Empty => return Ok(None),
        Filled::Partial => return Err(FrameError::Truncated),
        Filled::Full => {}
    }
    let len = u32::from_be_bytes(prefix);
    if len as usize > MESSAGE_BYTES_MAX {
        return Err(FrameError::TooLarge { len: len.into() });
    }

    let mut payload = vec![0u8; len as usize];
    if payload.is_empty() {
        return Ok(Some(payload));
    }
    match read_exact_or_eof(reader, &mut payload)? {
        Filled::Full => Ok(Some(payload)),
        Filled::Empty | Filled::Partial => Err(FrameError::Truncated),
    }
}

/// Writes one frame and flushes it.
pub fn write(writer: &mut impl Write, payload: &[u8]) -> Result<(), FrameError> {
    if payload.len() > MESSAGE_BYTES_MAX {
        return Err(FrameError::TooLarge {
            len: payload.len() as u64,
        });
    }
    let len = u32::try_from(payload.len()).map_err(|_| FrameError::TooLarge {
        len: payload.len() as u64,
    })?;
    writer.write_all(&len.to_be_bytes())?;
    writer.write_all(payload)?;
    writer.flush()?;
    Ok(())
}

enum Filled {
    Empty,
    Partial,
    Full,
}

fn read_exact_or_eof(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<Filled> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) if filled == 0 => return Ok(Filled::Empty),
            Ok(0) => return Ok(Filled::Partial),
            Ok(count) => filled += count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(Filled::Full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips_and_eof_between_frames_is_clean() {
        let mut bytes = Vec::new();
        write(&mut bytes, b"{}").expect("write");
        assert_eq!(bytes, [0, 0, 0, 2, b'{', b'}']);
        let mut reader = bytes.as_slice();
        assert_eq!(read(&mut reader).expect("read"), Some(b"{}".to_vec()));
        assert_eq!(read(&mut reader).expect("eof"), None);
    }

    #[test]
    fn oversize_and_truncated_frames_are_refused() {
        let mut oversize = &[0xff, 0xff, 0xff, 0xff][..];
        assert!(matches!(
            read(&mut oversize),
            Err(FrameError::TooLarge { .. })
        ));
        let mut truncated = &[0, 0, 0, 9, b'{'][..];
        assert!(matches!(read(&mut truncated), Err(FrameError::Truncated)));
        let mut half_prefix = &[0, 0][..];
        assert!(matches!(read(&mut half_prefix), Err(FrameError::Truncated)));
    }
}
