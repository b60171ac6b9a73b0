//! Abuse limits: how many subscriptions one IP address may register per
//! hour. Counted in memory, per process, in fixed one-hour windows.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Registrations per address in the current window.
#[derive(Debug)]
pub struct RegistrationLimiter {
    per_hour: u32,
    window: Mutex<(Instant, HashMap<IpAddr, u32>)>,
}

const WINDOW: Duration = Duration::from_secs(3600);

impl RegistrationLimiter {
    /// `per_hour` of 0 means no limit.
    pub fn new(per_hour: u32) -> RegistrationLimiter {
        RegistrationLimiter {
            per_hour,
            window: Mutex::new((Instant::now(), HashMap::new())),
        }
    }

    /// Counts one registration from `ip`; over the limit, how long until
    /// the window ends and `ip` may register again.
    pub fn allow(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.per_hour == 0 {
            return Ok(());
        }
        let Ok(mut window) = self.window.lock() else {
            return Ok(());
        };
        if window.0.elapsed() >= WINDOW {
            *window = (Instant::now(), HashMap::new());
        }
        let count = window.1.entry(ip).or_insert(0);
        if *count >= self.per_hour {
            return Err(WINDOW.saturating_sub(window.0.elapsed()));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_allowance() {
        let limiter = RegistrationLimiter::new(2);
        let a: IpAddr = "203.0.113.1".parse().expect("ip");
        let b: IpAddr = "203.0.113.2".parse().expect("ip");
        assert!(limiter.allow(a).is_ok() && limiter.allow(a).is_ok());
        let wait = limiter.allow(a).expect_err("over the limit");
        assert!(wait > Duration::ZERO && wait <= WINDOW, "{wait:?}");
        assert!(limiter.allow(b).is_ok());
        let unlimited = RegistrationLimiter::new(0);
        assert!((0..1000).all(|_| unlimited.allow(a).is_ok()));
    }
}
