//! What drnfs could not read. With no source at all, an empty list of findings would read
//! as "all is well" in `doctor --json` and in monitoring: it is said as a finding instead.

use super::{Finding, Severity};
use crate::model::Model;

pub(super) fn check(model: &Model, out: &mut Vec<Finding>) {
    let Some(s) = model.snapshot.as_ref() else { return };
    if s.drbd.available || s.nfsd.available {
        return;
    }
    let why = |r: &Option<String>| r.clone().unwrap_or_else(|| "no reason given".to_owned());
    out.push(
        Finding::new(
            "source.nothing-readable",
            "host",
            Severity::Critical,
            "nothing could be read: neither DRBD's state nor nfsd's statistics, so nothing here can be judged"
                .to_owned(),
        )
        .evidence(format!("DRBD: {}", why(&s.drbd.reason)))
        .evidence(format!("nfsd: {}", why(&s.nfsd.reason)))
        .suggest(
            "run drnfs as root on a node of the pair (it reads /proc and runs drbdsetup); on a capture, pass \
             --proc-root and --events2-file",
        ),
    );
}
