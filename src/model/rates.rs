//! Counters to rates, in one place. A counter that goes backwards is a reset (nfsd
//! restarted, the module reloaded, a failover moved the service to a fresh node), never a
//! negative or huge rate — except a 32-bit counter that wrapped, which the kernel still
//! prints for some nfsd lines (`net`, `rpc`, `procN`, and `io` before 5.13).

use serde::Serialize;

/// Every rate drnfs shows is taken over this window (nfsd, DRBD's counters, the write path,
/// the clients), so two views never disagree about the same traffic.
pub const RATE_WINDOW_SECONDS: f64 = 5.0;

/// The average shown beside a rate, and the window the clients' shares are taken over.
pub const AVERAGE_WINDOW_SECONDS: f64 = 60.0;

/// What happened to one counter between two samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Delta {
    /// It grew by this much (a 32-bit wrap already accounted for).
    Increase(u64),
    /// It went backwards: the counter was reset; no rate for this interval.
    Reset,
}

/// A wrapped 32-bit counter gives a delta below this; anything else that goes backwards
/// is a reset. (A quarter of the 32-bit range per interval is far above any real rate.)
const MAX_WRAP_DELTA: u64 = 1 << 30;

pub fn delta(previous: u64, current: u64) -> Delta {
    if current >= previous {
        return Delta::Increase(current - previous);
    }
    if previous <= u64::from(u32::MAX) {
        let wrapped = (u64::from(u32::MAX) - previous) + current + 1;
        if wrapped < MAX_WRAP_DELTA {
            return Delta::Increase(wrapped);
        }
    }
    Delta::Reset
}

/// Per-second rate of a counter over `seconds`; `None` on a reset or an empty interval.
pub fn rate(previous: u64, current: u64, seconds: f64) -> Option<f64> {
    if seconds <= 0.0 || !seconds.is_finite() {
        return None;
    }
    match delta(previous, current) {
        Delta::Increase(d) => Some(d as f64 / seconds),
        Delta::Reset => None,
    }
}

/// Rate between two optional samples of the same counter.
pub fn rate_opt(previous: Option<u64>, current: Option<u64>, seconds: f64) -> Option<f64> {
    rate(previous?, current?, seconds)
}

/// The sum of rates or counts kept as floats. Starts from +0.0: Rust's float `sum` of
/// nothing is -0.0, which JSON would print as such for an idle node.
pub fn total(values: impl IntoIterator<Item = f64>) -> f64 {
    values.into_iter().fold(0.0, |a, b| a + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_of_nothing_is_plus_zero() {
        assert!(total(std::iter::empty()).is_sign_positive());
        assert_eq!(total([1.5, 2.0]), 3.5);
    }

    #[test]
    fn increase_wrap_and_reset() {
        assert_eq!(delta(10, 15), Delta::Increase(5));
        assert_eq!(delta(u64::from(u32::MAX) - 1, 3), Delta::Increase(5));
        // nfsd restarted: a small counter went to an even smaller one.
        assert_eq!(delta(5_000, 12), Delta::Reset);
        // A 64-bit counter going backwards is always a reset.
        assert_eq!(delta(10_000_000_000, 5), Delta::Reset);
        assert_eq!(rate(100, 300, 2.0), Some(100.0));
        assert_eq!(rate(300, 100, 2.0), None);
        assert_eq!(rate(1, 2, 0.0), None);
    }

    proptest::proptest! {
        #[test]
        fn never_negative_or_absurd(a in proptest::num::u64::ANY, b in proptest::num::u64::ANY) {
            match delta(a, b) {
                Delta::Increase(d) => proptest::prop_assert!(b >= a && d == b - a || d < MAX_WRAP_DELTA),
                Delta::Reset => proptest::prop_assert!(b < a),
            }
        }
    }
}
