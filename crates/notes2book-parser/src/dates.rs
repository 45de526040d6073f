//! Hugo's date forms: RFC 3339, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, TOML dates.

/// Seconds since the Unix epoch (UTC; a date without a time is its midnight), or `None`
/// when the text is not a date. Used to compare dates, never written out.
pub fn date_key(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_second());
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return jiff::tz::Offset::UTC
            .to_timestamp(dt)
            .ok()
            .map(|t| t.as_second());
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return jiff::tz::Offset::UTC
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .ok()
            .map(|t| t.as_second());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::date_key;

    #[test]
    fn hugo_date_forms() {
        assert_eq!(date_key("1970-01-02"), Some(86_400));
        assert_eq!(date_key("1970-01-01T01:00:00Z"), Some(3600));
        assert_eq!(date_key("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(date_key("1970-01-01 00:01:00"), Some(60));
        assert_eq!(date_key("1970-01-01T00:00:01"), Some(1));
        assert_eq!(date_key("2024-02-30"), None);
        assert_eq!(date_key("yesterday"), None);
    }
}
