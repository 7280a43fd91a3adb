//! `/proc/loadavg`: `0.52 0.58 0.59 2/345 12345`. On Linux the load counts tasks waiting
//! for I/O as well as for a CPU, so a node whose disk stalls shows a high load while idle.

use serde::{Deserialize, Serialize};

use crate::ErrorKind;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoadAvg {
    pub one: f64,
    pub five: f64,
    pub fifteen: f64,
}

pub fn parse(input: &str) -> Result<LoadAvg, ErrorKind> {
    let mut f = input.split_whitespace();
    let mut next = |field: &str| -> Result<f64, ErrorKind> {
        let v = f.next().ok_or_else(|| ErrorKind::Missing { field: field.to_owned() })?;
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| ErrorKind::BadValue { field: field.to_owned(), value: crate::error::short(v) })
    };
    Ok(LoadAvg { one: next("1-minute load")?, five: next("5-minute load")?, fifteen: next("15-minute load")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_loads_or_an_error() {
        assert_eq!(parse("0.52 1.58 10.59 2/345 12345\n"), Ok(LoadAvg { one: 0.52, five: 1.58, fifteen: 10.59 }));
        assert!(matches!(parse("0.52 1.58"), Err(ErrorKind::Missing { .. })));
        assert!(matches!(parse("0.52 NaN 1"), Err(ErrorKind::BadValue { .. })));
        assert!(matches!(parse("-1 0 0"), Err(ErrorKind::BadValue { .. })));
    }
}
