//! Fixed-size rings of recent values, for sparklines and "since when" evidence.

use std::collections::VecDeque;

/// The last `capacity` samples of one quantity (`None` where it was unknown). In JSON, the
/// values oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    capacity: usize,
    values: VecDeque<Option<f64>>,
}

impl serde::Serialize for Series {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.values.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Series {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let values: VecDeque<Option<f64>> = serde::Deserialize::deserialize(d)?;
        Ok(Self { capacity: values.len().max(1), values })
    }
}

impl schemars::JsonSchema for Series {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Series".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<Option<f64>>>::json_schema(g)
    }
}

/// How [`Series::columns`] folds the samples that share a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// The largest: a latency spike stays visible however narrow the screen.
    Max,
    /// The average: a rate stays a rate.
    Mean,
}

impl Series {
    pub fn new(capacity: usize) -> Self {
        // Grown as values come: a one-shot report of a thousand minors holds two values each.
        Self { capacity: capacity.max(1), values: VecDeque::new() }
    }

    pub fn push(&mut self, v: Option<f64>) {
        if self.values.len() == self.capacity {
            self.values.pop_front();
        }
        self.values.push_back(v);
    }

    pub fn last(&self) -> Option<f64> {
        self.values.back().copied().flatten()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Values oldest first, unknowns as 0 (what a sparkline draws).
    pub fn as_u64(&self) -> Vec<u64> {
        self.values.iter().map(|v| v.map_or(0, |x| x.max(0.0).round() as u64)).collect()
    }

    /// The whole ring drawn in `width` columns, oldest first and the newest at the right
    /// edge, so a narrow screen still shows all of it (two minutes at 80 columns): each
    /// column folds `ceil(len / width)` neighbouring samples by `fold`, counted from the
    /// newest so the last column is always whole; columns older than the ring are 0.
    /// Unknown samples are left out; a column of only unknowns is 0.
    pub fn columns(&self, width: usize, fold: Fold) -> Vec<u64> {
        if width == 0 {
            return Vec::new();
        }
        let per = self.values.len().div_ceil(width).max(1);
        let newest_first: Vec<Option<f64>> = self.values.iter().rev().copied().collect();
        let mut out: Vec<u64> = newest_first
            .chunks(per)
            .map(|chunk| {
                let known = chunk.iter().filter_map(|v| *v);
                let folded = match fold {
                    Fold::Max => known.fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v)))),
                    Fold::Mean => {
                        let (sum, n) = known.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
                        (n > 0).then(|| sum / f64::from(n))
                    }
                };
                folded.map_or(0, |x| x.max(0.0).round() as u64)
            })
            .collect();
        out.resize(width, 0);
        out.reverse();
        out
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = Option<f64>> + '_ {
        self.values.iter().copied()
    }

    /// Mean of the known values among the last `n`.
    pub fn mean_of_last(&self, n: usize) -> Option<f64> {
        let known: Vec<f64> = self.values.iter().rev().take(n).filter_map(|v| *v).collect();
        (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest() {
        let mut s = Series::new(3);
        for v in [1.0, 2.0, 3.0, 4.0] {
            s.push(Some(v));
        }
        s.push(None);
        assert_eq!(s.as_u64(), vec![3, 4, 0]);
        assert_eq!(s.last(), None);
        assert_eq!(s.mean_of_last(3), Some(3.5));
    }

    #[test]
    fn columns_fit_the_whole_ring_into_the_width() {
        let mut s = Series::new(120);
        for v in 1..=120 {
            s.push(Some(f64::from(v)));
        }
        // 21 columns: 6 samples each, 20 columns, newest at the right edge.
        let max = s.columns(21, Fold::Max);
        assert_eq!(max.len(), 21);
        assert_eq!(max[..2], [0, 6]);
        assert_eq!(max.last(), Some(&120));
        let mean = s.columns(21, Fold::Mean);
        assert_eq!(mean[1], 4); // (1+…+6)/6 = 3.5
        assert_eq!(mean.last(), Some(&118)); // (115+…+120)/6 = 117.5
        // Wide enough: one sample a column, as drawn before, after the empty columns.
        let wide = s.columns(200, Fold::Max);
        assert_eq!((wide.len(), &wide[80..]), (200, &s.as_u64()[..]));
        assert!(wide[..80].iter().all(|v| *v == 0));
        assert!(s.columns(0, Fold::Max).is_empty());
        // 7 samples in 3 columns: 3 each from the newest, the oldest column holds one.
        let mut short = Series::new(7);
        for v in [9.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0] {
            short.push(Some(v));
        }
        assert_eq!(short.columns(3, Fold::Max), vec![9, 3, 6]);
        // Unknowns are left out of a column, and a column of unknowns is 0.
        let mut gaps = Series::new(4);
        for v in [None, None, Some(2.0), None] {
            gaps.push(v);
        }
        assert_eq!(gaps.columns(2, Fold::Mean), vec![0, 2]);
    }
}
