//! Byte-level helpers for `States.Hash`, `States.Base64Encode` and `States.Base64Decode`, on
//! the RustCrypto hash crates and `base64`.

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

/// Decodes standard base64 (padding required); `None` when the text is not base64.
pub(super) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}
