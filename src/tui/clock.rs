//! Time as the console shows it: local time, and "3 min ago". Tests and
//! `livemod render` snapshots can pin both the zone and "now".

use chrono::{DateTime, FixedOffset, Local, TimeZone, Utc};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    /// A fixed zone instead of the local one.
    pub offset: Option<FixedOffset>,
    /// A fixed "now" (UNIX seconds) instead of the system clock.
    pub now: Option<i64>,
}

impl Clock {
    /// A clock pinned to UTC at `now`, for reproducible tests.
    pub fn fixed(now: i64) -> Self {
        Self {
            offset: FixedOffset::east_opt(0),
            now: Some(now),
        }
    }

    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(|| Utc::now().timestamp())
    }

    fn format_in<Tz: TimeZone>(tz: &Tz, secs: i64, fmt: &str) -> String
    where
        Tz::Offset: std::fmt::Display,
    {
        match DateTime::from_timestamp(secs, 0) {
            Some(t) => t.with_timezone(tz).format(fmt).to_string(),
            None => format!("@{secs}"),
        }
    }

    /// "2024-11-14 10:22" in the console's zone.
    pub fn short(&self, secs: i64) -> String {
        self.format(secs, "%Y-%m-%d %H:%M")
    }

    /// "11-14 10:22", for narrow tables.
    pub fn compact(&self, secs: i64) -> String {
        self.format(secs, "%m-%d %H:%M")
    }

    /// "2024-11-14 10:22:07 +08:00".
    pub fn long(&self, secs: i64) -> String {
        self.format(secs, "%Y-%m-%d %H:%M:%S %:z")
    }

    /// "10:22:07", for the sent log.
    pub fn time(&self, secs: i64) -> String {
        self.format(secs, "%H:%M:%S")
    }

    fn format(&self, secs: i64, fmt: &str) -> String {
        match self.offset {
            Some(off) => Self::format_in(&off, secs, fmt),
            None => Self::format_in(&Local, secs, fmt),
        }
    }

    /// "5 min ago", "in 2 h", "just now".
    pub fn relative(&self, secs: i64) -> String {
        let delta = self.now() - secs;
        let (future, d) = (delta < 0, delta.unsigned_abs());
        let text = match d {
            0..=9 => return "just now".to_string(),
            10..=59 => format!("{d} s"),
            60..=3599 => format!("{} min", d / 60),
            3600..=86_399 => format!("{} h", d / 3600),
            86_400..=2_591_999 => plural(d / 86_400, "day"),
            2_592_000..=31_535_999 => plural(d / 2_592_000, "month"),
            _ => plural(d / 31_536_000, "year"),
        };
        if future {
            format!("in {text}")
        } else {
            format!("{text} ago")
        }
    }
}

/// "1 month", "3 months".
fn plural(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let c = Clock::fixed(1_700_000_000);
        assert_eq!(c.short(1_700_000_000), "2023-11-14 22:13");
        assert_eq!(c.long(1_700_000_000), "2023-11-14 22:13:20 +00:00");
        assert_eq!(c.relative(1_700_000_000 - 300), "5 min ago");
        assert_eq!(c.relative(1_700_000_000 - 3), "just now");
        assert_eq!(c.relative(1_700_000_000 + 7200), "in 2 h");
        assert_eq!(c.relative(1_700_000_000 - 86_400 * 3), "3 days ago");
        assert_eq!(c.relative(1_700_000_000 - 86_400), "1 day ago");
        assert_eq!(c.relative(1_700_000_000 - 2_592_000), "1 month ago");
        assert_eq!(c.relative(1_700_000_000 - 2_592_000 * 5), "5 months ago");
        assert_eq!(c.relative(1_700_000_000 - 31_536_000), "1 year ago");
    }
}
