//! `/proc/stat`: the CPU time the host spent in each state, in clock ticks (USER_HZ, 100 on
//! every architecture drnfs runs on), since boot.
//!
//! ```text
//! cpu  4705 356 584 3699176 23060 0 277 0 0 0
//! cpu0 1393 280 315 1850186 11552 0 196 0 0 0
//! intr 114930548 113199788 3 0 5 263 0 4 [...]
//! procs_blocked 0
//! ```
//! Only the all-CPU line and `procs_blocked` are read: iowait and softirq are what a write
//! path waits on; the rest of the file (interrupt counts) is skipped unread.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorSink, LineError};
use crate::{ErrorKind, Parsed};

/// Ticks of all CPUs together, by state. Fields a kernel does not print are 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CpuTimes {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
}

impl CpuTimes {
    /// Every tick counted once (guest time is already inside user and nice).
    pub fn total(&self) -> u64 {
        [self.user, self.nice, self.system, self.idle, self.iowait, self.irq, self.softirq, self.steal]
            .iter()
            .fold(0u64, |a, b| a.saturating_add(*b))
    }
}

/// What drnfs reads from `/proc/stat`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProcStat {
    /// `None` when the file has no `cpu ` line.
    pub cpu: Option<CpuTimes>,
    /// Tasks blocked in uninterruptible sleep, most often waiting for I/O.
    pub procs_blocked: Option<u64>,
    /// Number of `cpuN` lines.
    pub cpus: u32,
}

pub fn parse(input: &str) -> Parsed<ProcStat> {
    let mut out = ProcStat::default();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let mut f = line.split_whitespace();
        let Some(key) = f.next() else { continue };
        if key == "cpu" {
            let values: Result<Vec<u64>, _> = f.map(str::parse::<u64>).collect();
            match values {
                Ok(v) if v.len() >= 4 => {
                    let at = |k: usize| v.get(k).copied().unwrap_or(0);
                    out.cpu = Some(CpuTimes {
                        user: at(0),
                        nice: at(1),
                        system: at(2),
                        idle: at(3),
                        iowait: at(4),
                        irq: at(5),
                        softirq: at(6),
                        steal: at(7),
                    });
                }
                Ok(_) => errors.push(LineError::missing(n, "cpu times (4 needed)", line)),
                Err(_) => errors.push(LineError::new(
                    n,
                    ErrorKind::BadValue { field: "cpu times".into(), value: crate::error::short(line) },
                    line,
                )),
            }
        } else if key.starts_with("cpu") && key[3..].bytes().all(|b| b.is_ascii_digit()) && key.len() > 3 {
            out.cpus += 1;
        } else if key == "procs_blocked" {
            match f.next().map(str::parse::<u64>) {
                Some(Ok(v)) => out.procs_blocked = Some(v),
                _ => errors.push(LineError::missing(n, "procs_blocked count", line)),
            }
        }
    }
    errors.finish(out)
}

/// Shares of CPU time between two readings, in percent of all CPUs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CpuShares {
    pub busy_percent: f64,
    pub iowait_percent: f64,
    pub softirq_percent: f64,
    pub system_percent: f64,
}

/// `None` when no tick passed or a counter went backwards.
pub fn shares(before: &CpuTimes, after: &CpuTimes) -> Option<CpuShares> {
    let total = after.total().checked_sub(before.total()).filter(|t| *t > 0)? as f64;
    let d = |a: u64, b: u64| b.checked_sub(a).map(|v| v as f64 / total * 100.0);
    let idle = d(before.idle, after.idle)?;
    let iowait = d(before.iowait, after.iowait)?;
    Some(CpuShares {
        busy_percent: (100.0 - idle - iowait).clamp(0.0, 100.0),
        iowait_percent: iowait.min(100.0),
        softirq_percent: d(before.softirq, after.softirq)?.min(100.0),
        system_percent: d(before.system, after.system)?.min(100.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  4705 356 584 3699176 23060 0 277 0 0 0
cpu0 1393 280 315 1850186 11552 0 196 0 0 0
cpu1 3312 76 269 1848990 11508 0 81 0 0 0
intr 114930548 113199788 3 0 5 263 0 4
ctxt 1990473
procs_running 2
procs_blocked 1
";

    #[test]
    fn the_all_cpu_line_and_blocked_tasks() {
        let p = parse(STAT);
        assert_eq!(p.errors, vec![]);
        let c = p.value.cpu.unwrap();
        assert_eq!(
            (c.user, c.nice, c.system, c.idle, c.iowait, c.irq, c.softirq, c.steal),
            (4705, 356, 584, 3699176, 23060, 0, 277, 0)
        );
        assert_eq!((p.value.procs_blocked, p.value.cpus), (Some(1), 2));
        // A 2.6-era line with four fields; a damaged one is an error, not zeros.
        assert_eq!(parse("cpu 1 2 3 4\n").value.cpu.unwrap().idle, 4);
        let bad = parse("cpu 1 2 x 4\ncpu 1 2\nprocs_blocked\n");
        assert_eq!((bad.value.cpu, bad.value.procs_blocked), (None, None));
        assert_eq!(bad.errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn shares_between_two_readings() {
        let a = CpuTimes { user: 100, system: 50, idle: 800, iowait: 40, softirq: 10, ..Default::default() };
        let b = CpuTimes { user: 130, system: 60, idle: 850, iowait: 90, softirq: 20, ..Default::default() };
        // 150 ticks: 30 user, 10 system, 50 idle, 50 iowait, 10 softirq.
        let s = shares(&a, &b).unwrap();
        assert!((s.iowait_percent - 100.0 / 3.0).abs() < 1e-9, "{s:?}");
        assert!((s.busy_percent - 100.0 / 3.0).abs() < 1e-9, "{s:?}");
        assert!((s.softirq_percent - 100.0 / 15.0).abs() < 1e-9, "{s:?}");
        assert_eq!(shares(&a, &a), None);
        assert_eq!(shares(&b, &a), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_shares_stay_in_range(s in "\\PC{0,200}", a in proptest::collection::vec(0u64..1<<40, 8), b in proptest::collection::vec(0u64..1<<40, 8)) {
            let _ = parse(&s);
            let t = |v: &[u64]| CpuTimes { user: v[0], nice: v[1], system: v[2], idle: v[3], iowait: v[4], irq: v[5], softirq: v[6], steal: v[7] };
            if let Some(x) = shares(&t(&a), &t(&b)) {
                for v in [x.busy_percent, x.iowait_percent, x.softirq_percent, x.system_percent] {
                    proptest::prop_assert!((0.0..=100.0).contains(&v), "{:?}", x);
                }
            }
        }
    }
}
