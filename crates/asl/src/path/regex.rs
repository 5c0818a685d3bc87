//! Regular expressions for filter `=~ /re/flags`, with Java `Matcher.matches()` (whole-string)
//! semantics, on the `regex` crate: linear time, so a user's pattern can never hang the engine.

use std::fmt;

/// Compiled-program size limit (bounds counted-repetition blow-up such as `(a{1000}){1000}`).
const SIZE_LIMIT: usize = 1 << 20;
/// Maximum group nesting.
const NEST_LIMIT: u32 = 64;

/// A compiled regular expression from a filter literal such as `/^a.*z$/i`.
#[derive(Clone)]
pub struct Regex {
    pattern: String,
    flags: String,
    compiled: regex::Regex,
}

impl fmt::Debug for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/{}", self.pattern, self.flags)
    }
}

impl PartialEq for Regex {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern && self.flags == other.flags
    }
}

impl Regex {
    /// Compiles `pattern` with Java-style `flags` (`i`, `m`, `s`; `u`, `U`, `d` are accepted
    /// and ignored). Returns a message when the pattern is invalid or unsupported
    /// (look-around and back-references are not supported).
    pub fn new(pattern: &str, flags: &str) -> Result<Regex, String> {
        let mut builder = regex::RegexBuilder::new(&format!(r"\A(?:{pattern})\z"));
        for flag in flags.chars() {
            match flag {
                'i' => {
                    builder.case_insensitive(true);
                }
                's' => {
                    builder.dot_matches_new_line(true);
                }
                'm' => {
                    builder.multi_line(true);
                }
                'u' | 'U' | 'd' => {}
                other => return Err(format!("unsupported regular expression flag '{other}'")),
            }
        }
        let compiled = builder
            .size_limit(SIZE_LIMIT)
            .nest_limit(NEST_LIMIT)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Regex {
            pattern: pattern.to_owned(),
            flags: flags.to_owned(),
            compiled,
        })
    }

    /// The pattern text (between the slashes).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The flags as written after the closing slash.
    pub fn flags(&self) -> &str {
        &self.flags
    }

    /// Whether the whole of `text` matches (Java `Matcher.matches()` semantics).
    pub fn is_full_match(&self, text: &str) -> bool {
        self.compiled.is_match(text)
    }
}
