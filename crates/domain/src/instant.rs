//! Instants and the instance's time zone.
//!
//! Decision for both dialects: an instant is stored as UTC text with a fixed width,
//! `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so that text order is time order, comparisons need no date
//! function, and the same parameter type serves SQLite and PostgreSQL. Calendar dates (birth
//! dates, due dates) are stored as `YYYY-MM-DD`. Time always comes from the request's clock,
//! never from the database's `now()`.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Instant(DateTime<Utc>);

impl Instant {
    pub fn from_utc(value: DateTime<Utc>) -> Self {
        // Microsecond precision: what both stores keep.
        let micros = value.timestamp_micros();
        Instant(DateTime::from_timestamp_micros(micros).expect("in range"))
    }

    pub fn from_unix_micros(micros: i64) -> Option<Self> {
        DateTime::from_timestamp_micros(micros).map(Instant)
    }

    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        DateTime::from_timestamp(seconds, 0).map(Instant)
    }

    /// An RFC 3339 instant, between 1900 and 2100 like every date the service takes.
    pub fn parse(text: &str) -> Result<Self, crate::ValueError> {
        let instant = DateTime::parse_from_rfc3339(text)
            .map(|value| Instant::from_utc(value.with_timezone(&Utc)))
            .map_err(|_| crate::ValueError::InvalidInstant)?;
        let year = chrono::Datelike::year(&instant.0);
        if !(crate::values::EARLIEST_DATE.0..=crate::values::LATEST_DATE.0).contains(&year) {
            return Err(crate::ValueError::DateOutOfRange);
        }
        Ok(instant)
    }

    pub fn as_utc(&self) -> DateTime<Utc> {
        self.0
    }

    pub fn unix_seconds(&self) -> i64 {
        self.0.timestamp()
    }

    /// The stored form: fixed-width UTC text.
    pub fn to_db(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    pub fn plus_seconds(&self, seconds: i64) -> Self {
        Instant(self.0 + chrono::Duration::seconds(seconds))
    }

    pub fn minus_seconds(&self, seconds: i64) -> Self {
        Instant(self.0 - chrono::Duration::seconds(seconds))
    }

    /// The same wall-clock instant `months` calendar months earlier (UTC).
    pub fn minus_months(&self, months: u32) -> Self {
        Instant(
            self.0
                .checked_sub_months(chrono::Months::new(months))
                .unwrap_or(self.0),
        )
    }

    /// The calendar date of this instant in the instance's time zone.
    pub fn local_date(&self, zone: &TimeZoneSetting) -> NaiveDate {
        self.0.with_timezone(&zone.0).date_naive()
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_db())
    }
}

impl TryFrom<String> for Instant {
    type Error = crate::ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Instant::parse(&value)
    }
}

impl From<Instant> for String {
    fn from(value: Instant) -> Self {
        value.to_db()
    }
}

/// The instance's time zone (an IANA name such as `Europe/Paris`, `America/Cayenne`,
/// `Indian/Reunion`): overseas départements are not on Paris time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeZoneSetting(chrono_tz::Tz);

impl TimeZoneSetting {
    pub fn parse(name: &str) -> Result<Self, crate::ValueError> {
        name.parse::<chrono_tz::Tz>()
            .map(TimeZoneSetting)
            .map_err(|_| crate::ValueError::InvalidTimeZone)
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The UTC instants at which a local calendar day starts and ends (`[start, end)`).
    pub fn day_bounds(&self, date: NaiveDate) -> (Instant, Instant) {
        let start_of = |d: NaiveDate| {
            let midnight = d.and_hms_opt(0, 0, 0).expect("midnight");
            let local = self
                .0
                .from_local_datetime(&midnight)
                .earliest()
                .unwrap_or_else(|| self.0.from_utc_datetime(&midnight));
            Instant::from_utc(local.with_timezone(&Utc))
        };
        (start_of(date), start_of(date.succ_opt().expect("next day")))
    }

    /// Local weekday (0 = Monday … 6 = Sunday) and hour of an instant.
    pub fn weekday_and_hour(&self, instant: Instant) -> (u32, u32) {
        use chrono::{Datelike, Timelike};
        let local = instant.0.with_timezone(&self.0);
        (local.weekday().num_days_from_monday(), local.hour())
    }

    /// "3 décembre à 10 h" / "3 décembre à 10 h 30", in the instance's time zone, for emails.
    pub fn format_french(&self, instant: Instant) -> String {
        use chrono::{Datelike, Timelike};
        const MONTHS: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        let local = instant.0.with_timezone(&self.0);
        let time = match local.minute() {
            0 => format!("{} h", local.hour()),
            m => format!("{} h {m:02}", local.hour()),
        };
        format!(
            "{} {} à {time}",
            local.day(),
            MONTHS[local.month0() as usize]
        )
    }

    /// Local wall-clock rendering, for emails and the UI: `dd/mm/yyyy HH:MM`.
    pub fn format_local(&self, instant: Instant) -> String {
        self.0
            .from_utc_datetime(&instant.0.naive_utc())
            .format("%d/%m/%Y %H:%M")
            .to_string()
    }
}

impl utoipa::PartialSchema for Instant {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .description(Some(
                "Instant en UTC, à la microseconde (RFC 3339, largeur fixe).",
            ))
            .examples([serde_json::json!("2026-03-02T08:30:00.000000Z")])
            .into()
    }
}

impl utoipa::ToSchema for Instant {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_is_fixed_width_and_sorts_like_time() {
        let early = Instant::parse("2026-01-02T03:04:05Z").unwrap();
        let late = Instant::parse("2026-01-02T03:04:05.5+00:00").unwrap();
        assert_eq!(early.to_db(), "2026-01-02T03:04:05.000000Z");
        assert_eq!(late.to_db(), "2026-01-02T03:04:05.500000Z");
        assert!(early.to_db() < late.to_db());
        assert_eq!(Instant::parse(&late.to_db()).unwrap(), late);
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let paris = Instant::parse("2026-07-01T12:00:00+02:00").unwrap();
        assert_eq!(paris.to_db(), "2026-07-01T10:00:00.000000Z");
    }

    #[test]
    fn local_rendering_follows_the_instance_zone() {
        let instant = Instant::parse("2026-12-03T09:00:00Z").unwrap();
        let paris = TimeZoneSetting::parse("Europe/Paris").unwrap();
        let cayenne = TimeZoneSetting::parse("America/Cayenne").unwrap();
        assert_eq!(paris.format_local(instant), "03/12/2026 10:00");
        assert_eq!(cayenne.format_local(instant), "03/12/2026 06:00");
        assert!(TimeZoneSetting::parse("Mars/Olympus").is_err());
        assert_eq!(paris.format_french(instant), "3 décembre à 10 h");
        let reunion = TimeZoneSetting::parse("Indian/Reunion").unwrap();
        assert_eq!(
            reunion.format_french(Instant::parse("2026-12-03T09:30:00Z").unwrap()),
            "3 décembre à 13 h 30"
        );
        let (start, end) = cayenne.day_bounds(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
        assert_eq!(
            (start.to_db().as_str(), end.to_db().as_str()),
            ("2026-12-03T03:00:00.000000Z", "2026-12-04T03:00:00.000000Z")
        );
        assert_eq!(
            cayenne.weekday_and_hour(Instant::parse("2026-12-04T01:00:00Z").unwrap()),
            (3, 22),
            "Thursday 22 h in Cayenne"
        );
    }
}
