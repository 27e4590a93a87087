//! Fault injection for chaos tests: injected 500s before processing ("early")
//! and after the change was committed ("late"), connection resets after a
//! request was processed, random latency and random throttling.
//!
//! Every request draws all of its random numbers at once, in a fixed order, from
//! one seeded generator, so `--seed N` reproduces the same faults for the same
//! sequence of requests.

use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A latency range in milliseconds: `MIN..MAX` (inclusive) or a single `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyRange {
    pub min_ms: u64,
    pub max_ms: u64,
}

impl FromStr for LatencyRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |v: &str| {
            v.trim()
                .trim_end_matches("ms")
                .parse::<u64>()
                .map_err(|_| format!("{v:?} is not a number of milliseconds"))
        };
        let (min_ms, max_ms) = match s.split_once("..") {
            Some((a, b)) => (parse(a)?, parse(b.trim_start_matches('='))?),
            None => {
                let n = parse(s)?;
                (n, n)
            }
        };
        if min_ms > max_ms {
            return Err(format!(
                "latency {min_ms}..{max_ms}: MIN must not exceed MAX"
            ));
        }
        if max_ms > 600_000 {
            return Err("latency above 10 minutes is not useful".into());
        }
        Ok(Self { min_ms, max_ms })
    }
}

/// What to inject. Rates are probabilities in [0, 1].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultOptions {
    /// HTTP 500 ServerError before the request is processed.
    pub fault_rate: f64,
    /// Process the request, commit, then answer HTTP 500 ServerError: the
    /// service documents 500 as "unknown error", which may come after the
    /// change was made, so a client must not take it as "not processed".
    pub late_fault_rate: f64,
    /// Process the request, commit, then reset the TCP connection instead of replying.
    pub reset_rate: f64,
    /// Random Throttling.User (before processing), on top of the real rate limit.
    pub throttle_rate: f64,
    /// Random delay before each request is handled.
    pub latency: Option<LatencyRange>,
    /// Seed for reproducible faults; random when absent.
    pub seed: Option<u64>,
}

impl FaultOptions {
    pub fn is_active(&self) -> bool {
        self.fault_rate > 0.0
            || self.late_fault_rate > 0.0
            || self.reset_rate > 0.0
            || self.throttle_rate > 0.0
            || self.latency.is_some_and(|l| l.max_ms > 0)
    }
}

/// A rate that is not a probability.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateError {
    #[error("{0:?} is not a number")]
    NotANumber(String),
    #[error("{0} is not between 0 and 1")]
    OutOfRange(f64),
    #[error("the {name} must be between 0 and 1, not {rate}")]
    Option { name: &'static str, rate: f64 },
}

/// Checks that every rate is a probability.
pub(crate) fn check(options: &FaultOptions) -> Result<(), RateError> {
    for (name, rate) in [
        ("fault rate", options.fault_rate),
        ("late fault rate", options.late_fault_rate),
        ("reset rate", options.reset_rate),
        ("throttle rate", options.throttle_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(RateError::Option { name, rate });
        }
    }
    Ok(())
}

/// Parses a probability for the command line.
pub(crate) fn parse_rate(s: &str) -> Result<f64, RateError> {
    let rate: f64 = s
        .trim()
        .parse()
        .map_err(|_| RateError::NotANumber(s.to_string()))?;
    if !(0.0..=1.0).contains(&rate) {
        return Err(RateError::OutOfRange(rate));
    }
    Ok(rate)
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct FaultPlan {
    pub delay: Duration,
    pub server_error: bool,
    pub throttle: bool,
    pub reset: bool,
    /// Answer 500 ServerError after the change was committed.
    pub late_error: bool,
}

#[derive(Debug)]
pub(crate) struct FaultInjector {
    options: FaultOptions,
    rng: Mutex<StdRng>,
}

impl FaultInjector {
    pub(crate) fn new(options: FaultOptions) -> Self {
        let rng = match options.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Self {
            options,
            rng: Mutex::new(rng),
        }
    }

    /// Draws the plan for the next request (nothing at all when no fault is configured).
    pub(crate) fn plan(&self) -> FaultPlan {
        if !self.options.is_active() {
            return FaultPlan::default();
        }
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        // Always five draws in this order, so a seed replays identically (the
        // late fault is drawn last, so older seeds keep their first four draws).
        let delay_ms = match self.options.latency {
            Some(l) => rng.random_range(l.min_ms..=l.max_ms),
            None => {
                let _ = rng.random::<u64>();
                0
            }
        };
        let server_error = rng.random::<f64>() < self.options.fault_rate;
        let throttle = rng.random::<f64>() < self.options.throttle_rate;
        let reset = rng.random::<f64>() < self.options.reset_rate;
        let late_error = rng.random::<f64>() < self.options.late_fault_rate;
        FaultPlan {
            delay: Duration::from_millis(delay_ms),
            server_error,
            throttle,
            reset,
            late_error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_ranges_parse() {
        assert_eq!(
            "10..50".parse::<LatencyRange>().unwrap(),
            LatencyRange {
                min_ms: 10,
                max_ms: 50
            }
        );
        assert_eq!(
            "7".parse::<LatencyRange>().unwrap(),
            LatencyRange {
                min_ms: 7,
                max_ms: 7
            }
        );
        assert!("50..10".parse::<LatencyRange>().is_err());
        assert!("a..b".parse::<LatencyRange>().is_err());
    }

    #[test]
    fn rates_must_be_probabilities() {
        assert_eq!(parse_rate("0.25").unwrap(), 0.25);
        assert!(parse_rate("1.5").is_err());
        assert!(parse_rate("-0.1").is_err());
        assert!(parse_rate("NaN").is_err());
    }

    #[test]
    fn a_seed_reproduces_the_plan() {
        let options = FaultOptions {
            fault_rate: 0.3,
            late_fault_rate: 0.3,
            reset_rate: 0.3,
            throttle_rate: 0.3,
            latency: Some(LatencyRange {
                min_ms: 0,
                max_ms: 100,
            }),
            seed: Some(42),
        };
        let a = FaultInjector::new(options.clone());
        let b = FaultInjector::new(options);
        let plans_a: Vec<_> = (0..100).map(|_| a.plan()).collect();
        let plans_b: Vec<_> = (0..100).map(|_| b.plan()).collect();
        assert_eq!(plans_a, plans_b);
        assert!(plans_a.iter().any(|p| p.server_error));
        assert!(plans_a.iter().any(|p| !p.server_error));
        assert!(plans_a.iter().any(|p| p.late_error));
        assert!(plans_a.iter().any(|p| !p.late_error));
    }

    #[test]
    fn no_faults_means_an_empty_plan() {
        let f = FaultInjector::new(FaultOptions::default());
        assert_eq!(f.plan(), FaultPlan::default());
    }
}
