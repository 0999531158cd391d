use std::{str::FromStr, time::Duration};

/// At most `max` events per `window`, written `5/15m` (units `s`, `m`, `h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

impl FromStr for Limit {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let expected = || format!("expected events/window such as `5/15m` (s, m or h), or `off`; got `{value}`");
        let (max, window) = value.split_once('/').ok_or_else(expected)?;
        let max: u32 = max.trim().parse().map_err(|_| expected())?;
        let window = window.trim();
        let (number, unit) = window.split_at(window.find(|c: char| !c.is_ascii_digit()).unwrap_or(window.len()));
        let number: u64 = number.parse().map_err(|_| expected())?;
        let seconds = match unit {
            "s" => number,
            "m" => number * 60,
            "h" => number * 3600,
            _ => return Err(expected()),
        };
        if max == 0 || seconds == 0 {
            return Err("a limit of 0 events or a 0-length window would refuse everything; use `off`".into());
        }
        Ok(Limit { max, window: Duration::from_secs(seconds) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_events_per_window() {
        assert_eq!("5/15m".parse(), Ok(Limit { max: 5, window: Duration::from_secs(900) }));
        assert_eq!("100/1h".parse(), Ok(Limit { max: 100, window: Duration::from_secs(3600) }));
        assert_eq!("3/10s".parse(), Ok(Limit { max: 3, window: Duration::from_secs(10) }));
        for bad in ["5", "5/", "/15m", "5/15", "5/15d", "0/1m", "5/0s", "-1/1m"] {
            assert!(bad.parse::<Limit>().is_err(), "{bad}");
        }
    }
}
