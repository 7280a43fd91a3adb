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

impl Series {
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), values: VecDeque::with_capacity(capacity.max(1)) }
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
}
