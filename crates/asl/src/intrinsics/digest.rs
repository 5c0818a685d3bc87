//! Byte-level helpers for `States.Hash`, `States.Base64Encode` and `States.Base64Decode`, on
//! the RustCrypto hash crates and `base64` (encoding; decoding is lenient, like AWS).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::Digest as _;

/// Lower-case hexadecimal of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// MD5 digest.
pub(super) fn md5(message: &[u8]) -> Vec<u8> {
    md5::Md5::digest(message).to_vec()
}

/// SHA-1 digest.
pub(super) fn sha1(message: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(message).to_vec()
}

/// SHA-256 digest.
pub(super) fn sha256(message: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(message).to_vec()
}

/// SHA-384 digest.
pub(super) fn sha384(message: &[u8]) -> Vec<u8> {
    sha2::Sha384::digest(message).to_vec()
}

/// SHA-512 digest.
pub(super) fn sha512(message: &[u8]) -> Vec<u8> {
    sha2::Sha512::digest(message).to_vec()
}

/// Standard base64 with padding.
pub(super) fn base64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes base64 as leniently as AWS does (it behaves like Apache Commons Codec): characters
/// outside the alphabet (standard or URL-safe) are skipped, the first `=` ends the data, and an
/// unpadded tail of 2 or 3 characters gives 1 or 2 bytes (a lone trailing character is dropped).
pub(super) fn base64_decode_lenient(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let mut bits: u32 = 0;
    let mut count = 0usize;
    for byte in text.bytes() {
        let sextet = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        bits = (bits << 6) | u32::from(sextet);
        count += 1;
        if count == 4 {
            out.extend([(bits >> 16) as u8, (bits >> 8) as u8, bits as u8]);
            bits = 0;
            count = 0;
        }
    }
    match count {
        2 => out.push((bits >> 4) as u8),
        3 => out.extend([(bits >> 10) as u8, (bits >> 2) as u8]),
        _ => {}
    }
    out
}
