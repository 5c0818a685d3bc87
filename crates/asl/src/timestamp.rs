//! RFC 3339 timestamps as ASL accepts them (Wait `Timestamp`, Choice `Timestamp…` rules).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses an RFC 3339 timestamp the way Step Functions does: uppercase `T` and `Z` only
/// (the `time` crate alone also accepts lowercase ones, which ASL rejects).
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    if text.contains(['t', 'z']) || text.get(10..11) != Some("T") {
        return None;
    }
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_aws_accepts() {
        let cases = [
            ("2016-03-14T01:59:00Z", true),
            ("2016-03-14T01:59:00.123456789Z", true),
            ("2016-03-14T01:59:00+05:30", true),
            ("2016-03-14t01:59:00z", false),
            ("2016-13-14T01:59:00Z", false),
            ("2016-03-14T25:59:00Z", false),
            ("2016-03-14 01:59:00Z", false),
            ("2016-03-14", false),
            ("", false),
        ];
        for (text, ok) in cases {
            assert_eq!(parse_timestamp(text).is_some(), ok, "{text}");
        }
    }
}
