//! Go's time formats, as pprof prints them, in the local time zone (the
//! `TZ` environment variable, else the system's zone).

use jiff::Timestamp;
use jiff::tz::TimeZone;

fn zoned(nanos: i64) -> Option<jiff::Zoned> {
    let ts = Timestamp::from_nanosecond(i128::from(nanos)).ok()?;
    Some(ts.to_zoned(TimeZone::system()))
}

/// `time.Unix(0, nanos).Format("2006-01-02 15:04:05 MST")`.
pub fn header_time(nanos: i64) -> String {
    match zoned(nanos) {
        Some(z) => format!("{} {}", z.strftime("%Y-%m-%d %H:%M:%S"), zone_abbrev(&z)),
        None => String::new(),
    }
}

/// Go's `MST` layout element: the zone abbreviation, or the numeric
/// offset (`+03`, `-0930`) when the zone has none.
pub fn zone_abbrev(z: &jiff::Zoned) -> String {
    let info = z.time_zone().to_offset_info(z.timestamp());
    let abbr = info.abbreviation();
    if !abbr.is_empty() && !abbr.starts_with(['+', '-']) {
        return abbr.to_string();
    }
    let secs = info.offset().seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() / 60 % 60);
    if m == 0 {
        format!("{sign}{h:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
pub fn go_time_string(nanos: i64) -> String {
    let Some(z) = zoned(nanos) else {
        return String::new();
    };
    let mut frac = format!("{:09}", z.subsec_nanosecond());
    while frac.ends_with('0') {
        frac.pop();
    }
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    format!(
        "{}{} {} {}",
        z.strftime("%Y-%m-%d %H:%M:%S"),
        frac,
        z.strftime("%z"),
        zone_abbrev(&z)
    )
}
