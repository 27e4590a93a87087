//! Time formats used in files and tables.

use chrono::{DateTime, SecondsFormat, Utc};

/// RFC 3339 UTC with seconds, for tables.
pub(crate) fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Serde for `DateTime<Utc>` as RFC 3339 with milliseconds (`with = "...::rfc3339"`).
pub(crate) mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time ({e})"))
            })
    }
}

/// Like [`rfc3339`], for `Option<DateTime<Utc>>` (`null` when absent).
pub(crate) mod rfc3339_opt {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => s.serialize_none(),
        }
    }

    // The other half of serde's `with` pair; outbox rows are only written.
    #[allow(dead_code)]
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time ({e})"))
                })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct T {
        #[serde(with = "rfc3339")]
        at: DateTime<Utc>,
        #[serde(with = "rfc3339_opt")]
        maybe: Option<DateTime<Utc>>,
    }

    #[test]
    fn round_trips_and_formats() {
        let at = Utc.timestamp_millis_opt(1_700_000_000_123).unwrap();
        let t = T {
            at,
            maybe: Some(at),
        };
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2023-11-14T22:13:20.123Z","maybe":"2023-11-14T22:13:20.123Z"}"#
        );
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), t);
        let none: T =
            serde_json::from_str(r#"{"at":"2023-11-14T22:13:20Z","maybe":null}"#).unwrap();
        assert_eq!(none.maybe, None);
        assert!(serde_json::from_str::<T>(r#"{"at":"yesterday","maybe":null}"#).is_err());
        assert_eq!(format_time(&at), "2023-11-14T22:13:20Z");
    }
}
