//! Instants and durations: UTC seconds, RFC 3339 text, `90s`/`15m`/`4h`/`2d` durations.
//!
//! Owns parsing and formatting only; it never reads the clock (the caller passes "now").

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An absolute UTC instant with one-second resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// A span of time in seconds (never negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Span(pub i64);

/// Why a time or duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("invalid duration '{0}': use a number and a unit, like 90s, 15m, 4h or 2d")]
    Duration(String),
    #[error("invalid time '{0}': use RFC 3339 (2026-11-21T10:00:00Z) or a duration back from now (2h)")]
    Instant(String),
}

impl Timestamp {
    /// Parse RFC 3339 (`2026-11-21T10:00:00Z`, `…+02:00`, fractional seconds dropped).
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimeError> {
        parse_rfc3339(text.trim()).ok_or_else(|| TimeError::Instant(text.to_owned()))
    }

    /// Format as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn to_rfc3339(self) -> String {
        let Some((y, m, d)) = civil(self.0) else {
            return format!("@{}", self.0);
        };
        let secs = self.0.rem_euclid(86_400);
        // By hand: boards serialise two instants per claim, and `format!` shows in profiles.
        let mut b = *b"0000-00-00T00:00:00Z";
        let put = |b: &mut [u8; 20], at: usize, v: i64, width: usize| {
            let mut v = v;
            for i in (0..width).rev() {
                b[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(&mut b, 0, y, 4);
        put(&mut b, 5, m, 2);
        put(&mut b, 8, d, 2);
        put(&mut b, 11, secs / 3600, 2);
        put(&mut b, 14, (secs % 3600) / 60, 2);
        put(&mut b, 17, secs % 60, 2);
        String::from_utf8(b.to_vec()).expect("because only ASCII digits were written")
    }

    pub fn plus(self, span: Span) -> Timestamp {
        Timestamp(self.0.saturating_add(span.0))
    }

    pub fn minus(self, span: Span) -> Timestamp {
        Timestamp(self.0.saturating_sub(span.0))
    }

    /// The span from `self` until `later` (zero when `later` is not after `self`).
    pub fn until(self, later: Timestamp) -> Span {
        Span((later.0 - self.0).max(0))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl schemars::JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "date-time"})
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Borrow the text when the input allows it: a board holds two instants per claim.
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 instant")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse_rfc3339(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl Span {
    /// Parse `90s`, `15m`, `4h`, `2d`, or a sum of them (`1h30m`).
    pub fn parse(text: &str) -> Result<Span, TimeError> {
        let err = || TimeError::Duration(text.to_owned());
        let t = text.trim();
        if t.is_empty() {
            return Err(err());
        }
        let mut total: i64 = 0;
        let mut digits = String::new();
        for c in t.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                _ => return Err(err()),
            };
            let n: i64 = digits.parse().map_err(|_| err())?;
            digits.clear();
            total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(err)?;
        }
        if !digits.is_empty() {
            return Err(err());
        }
        // Ten years is more than any lease should ever be; larger values are typos.
        if total > 3650 * 86_400 {
            return Err(err());
        }
        Ok(Span(total))
    }

    /// Short human form: `45s`, `12m`, `3h20m`, `2d4h`.
    pub fn human(self) -> String {
        let s = self.0;
        if s < 60 {
            format!("{s}s")
        } else if s < 3600 {
            format!("{}m", s / 60)
        } else if s < 86_400 {
            let m = (s % 3600) / 60;
            if m == 0 {
                format!("{}h", s / 3600)
            } else {
                format!("{}h{}m", s / 3600, m)
            }
        } else {
            let h = (s % 86_400) / 3600;
            if h == 0 {
                format!("{}d", s / 86_400)
            } else {
                format!("{}d{}h", s / 86_400, h)
            }
        }
    }
}

/// Parse "when": RFC 3339, or a duration meaning that long before `now`.
pub fn parse_when(text: &str, now: Timestamp) -> Result<Timestamp, TimeError> {
    if let Ok(span) = Span::parse(text) {
        return Ok(now.minus(span));
    }
    Timestamp::parse_rfc3339(text).map_err(|_| TimeError::Instant(text.to_owned()))
}

/// RFC 3339 through jiff (fractional seconds dropped).
fn parse_rfc3339(t: &str) -> Option<Timestamp> {
    let ts: jiff::Timestamp = t.parse().ok()?;
    Some(Timestamp(ts.as_second()))
}

/// The UTC civil date of an instant (`None` outside the years jiff represents).
fn civil(secs: i64) -> Option<(i64, i64, i64)> {
    let date = jiff::Timestamp::from_second(secs)
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    Some((i64::from(date.year()), i64::from(date.month()), i64::from(date.day())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_accepts_offsets() {
        let t = Timestamp::parse_rfc3339("2026-11-21T10:00:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-21T10:00:00Z");
        let o = Timestamp::parse_rfc3339("2026-11-21T12:00:00.123+02:00").unwrap();
        assert_eq!(o, t);
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2024-02-29T00:00:00Z").unwrap().to_rfc3339(),
            "2024-02-29T00:00:00Z"
        );
    }

    #[test]
    fn rfc3339_rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-21",
            "2026-11-21T10:00:00",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        let table = [
            ("90s", 90),
            ("15m", 900),
            ("4h", 14_400),
            ("2d", 172_800),
            ("1h30m", 5400),
            ("0s", 0),
        ];
        for (text, secs) in table {
            assert_eq!(Span::parse(text), Ok(Span(secs)), "{text}");
        }
        for bad in ["", "10", "m", "-5m", "5 m", "1.5h", "10y", "99999999999999999999s"] {
            assert!(Span::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn when_accepts_both_forms() {
        let now = Timestamp::parse_rfc3339("2026-11-21T10:00:00Z").unwrap();
        assert_eq!(parse_when("2h", now).unwrap().to_rfc3339(), "2026-11-21T08:00:00Z");
        assert_eq!(
            parse_when("2026-11-20T00:00:00Z", now).unwrap().to_rfc3339(),
            "2026-11-20T00:00:00Z"
        );
        assert!(parse_when("soon", now).is_err());
    }
}
