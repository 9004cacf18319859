//! Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999): rewrites a frame so that it
//! contains no zero byte, which then marks the end of each frame on the serial line. The overhead
//! is one byte per 254 bytes of data, plus one.
//!
//! Encoding: the data is cut at every zero (and after every run of 254 non-zero bytes); each piece
//! is written as a code byte `n` (1..=255) followed by its `n - 1` non-zero bytes. A code below 255
//! means "a zero follows" (except at the very end); 255 means "254 bytes and no zero".

use alloc::vec::Vec;

/// The longest encoding of `len` bytes (without the 0x00 delimiter).
pub const fn max_encoded_len(len: usize) -> usize {
    len + len / 254 + 1
}

/// Appends the COBS encoding of `data` to `out` (no delimiter).
pub fn encode_into(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(max_encoded_len(data.len()));
    let mut code_at = out.len();
    out.push(0); // placeholder for the first code byte
    let mut code: u8 = 1;
    for &b in data {
        if b == 0 {
            out[code_at] = code;
            code_at = out.len();
            out.push(0);
            code = 1;
        } else {
            out.push(b);
            code += 1;
            if code == 0xFF {
                out[code_at] = code;
                code_at = out.len();
                out.push(0);
                code = 1;
            }
        }
    }
    out[code_at] = code;
}

/// Why a COBS frame does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CobsError {
    /// A zero byte inside the frame (zeros only delimit frames).
    ZeroInFrame {
        /// Offset of the zero in the encoded frame.
        at: usize,
    },
    /// A code byte announces more bytes than the frame holds.
    Truncated {
        /// Offset of the code byte.
        at: usize,
    },
    /// An empty frame (two delimiters in a row, or a lone delimiter).
    Empty,
}

impl core::fmt::Display for CobsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CobsError::ZeroInFrame { at } => write!(f, "zero byte inside a COBS frame at {at}"),
            CobsError::Truncated { at } => {
                write!(f, "COBS code byte at {at} runs past the end of the frame")
            }
            CobsError::Empty => f.write_str("empty frame"),
        }
    }
}

/// Decodes the COBS frame `buf` (without its delimiter) in place; returns the decoded length.
/// Decoding never writes ahead of what it has read, so the frame can be decoded where it lies.
pub fn decode_in_place(buf: &mut [u8]) -> Result<usize, CobsError> {
    if buf.is_empty() {
        return Err(CobsError::Empty);
    }
    let mut read = 0;
    let mut write = 0;
    while read < buf.len() {
        let code = buf[read];
        if code == 0 {
            return Err(CobsError::ZeroInFrame { at: read });
        }
        let run = usize::from(code) - 1;
        let start = read + 1;
        let end = start + run;
        if end > buf.len() {
            return Err(CobsError::Truncated { at: read });
        }
        for i in start..end {
            if buf[i] == 0 {
                return Err(CobsError::ZeroInFrame { at: i });
            }
            buf[write] = buf[i];
            write += 1;
        }
        read = end;
        // A code below 0xFF stands for a zero, unless it ends the frame.
        if code != 0xFF && read < buf.len() {
            buf[write] = 0;
            write += 1;
        }
    }
    Ok(write)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn encode(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_into(data, &mut out);
        out
    }

    fn decode(enc: &[u8]) -> Result<Vec<u8>, CobsError> {
        let mut buf = enc.to_vec();
        let n = decode_in_place(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    #[test]
    fn known_vectors() {
        // The examples of the COBS paper and its common test vectors.
        assert_eq!(encode(&[]), [0x01]);
        assert_eq!(encode(&[0x00]), [0x01, 0x01]);
        assert_eq!(encode(&[0x00, 0x00]), [0x01, 0x01, 0x01]);
        assert_eq!(
            encode(&[0x11, 0x22, 0x00, 0x33]),
            [0x03, 0x11, 0x22, 0x02, 0x33]
        );
        assert_eq!(
            encode(&[0x11, 0x22, 0x33, 0x44]),
            [0x05, 0x11, 0x22, 0x33, 0x44]
        );
        assert_eq!(
            encode(&[0x11, 0x00, 0x00, 0x00]),
            [0x02, 0x11, 0x01, 0x01, 0x01]
        );
    }

    #[test]
    fn long_runs() {
        // 254 non-zero bytes: one full block, then the final (empty) code.
        let data: Vec<u8> = (1..=254).collect();
        let enc = encode(&data);
        assert_eq!(enc[0], 0xFF);
        assert_eq!(enc.len(), 256);
        assert_eq!(enc[255], 0x01);
        assert_eq!(decode(&enc).unwrap(), data);
        // 255 non-zero bytes.
        let data: Vec<u8> = (0..255).map(|i| (i % 255 + 1) as u8).collect();
        let enc = encode(&data);
        assert_eq!(enc.len(), 257);
        assert!(!enc.contains(&0));
        assert_eq!(decode(&enc).unwrap(), data);
    }

    #[test]
    fn round_trip_every_length_and_pattern() {
        for len in 0..600 {
            for pattern in 0..4u32 {
                let data: Vec<u8> = (0..len)
                    .map(|i| match pattern {
                        0 => 0,
                        1 => (i % 256) as u8,
                        2 => (i * 7 % 253 + 1) as u8,
                        _ => ((i as u32).wrapping_mul(2_654_435_761) >> 24) as u8,
                    })
                    .collect();
                let enc = encode(&data);
                assert!(!enc.contains(&0), "len {len} pattern {pattern}");
                assert!(enc.len() <= max_encoded_len(len));
                assert_eq!(decode(&enc).unwrap(), data, "len {len} pattern {pattern}");
            }
        }
    }

    #[test]
    fn bad_frames() {
        assert_eq!(decode(&[]), Err(CobsError::Empty));
        assert_eq!(decode(&[0x03, 0x11]), Err(CobsError::Truncated { at: 0 }));
        assert_eq!(decode(&[0x02, 0x00]), Err(CobsError::ZeroInFrame { at: 1 }));
        assert_eq!(
            decode(&[0x02, 0x11, 0x00]),
            Err(CobsError::ZeroInFrame { at: 2 })
        );
        assert_eq!(vec![0x11u8], decode(&[0x02, 0x11]).unwrap());
    }
}
