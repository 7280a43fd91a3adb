//! How good or bad a DRBD state is, in one place, for colours and findings alike.

use drnfs_parsers::drbd_state::{ConnectionState, DiskState, ProcCs, ReplicationState, Role};

/// Severity of a state as an operator reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    /// Nothing to look at.
    Ok,
    /// Expected for a while (a resync, a peer reconnecting) but not the steady state.
    Degraded,
    /// Needs a human: data at risk or service down.
    Critical,
    /// No value, or a name this drnfs does not know.
    Unknown,
}

pub fn disk(d: &DiskState) -> Health {
    match d {
        DiskState::UpToDate => Health::Ok,
        DiskState::Consistent
        | DiskState::Outdated
        | DiskState::Inconsistent
        | DiskState::Attaching
        | DiskState::Negotiating
        | DiskState::DUnknown => Health::Degraded,
        DiskState::Diskless | DiskState::Failed | DiskState::Detaching => Health::Critical,
        DiskState::Other(_) => Health::Unknown,
    }
}

pub fn connection(c: &ConnectionState) -> Health {
    match c {
        ConnectionState::Connected => Health::Ok,
        ConnectionState::Connecting | ConnectionState::Unconnected | ConnectionState::Disconnecting => Health::Degraded,
        ConnectionState::StandAlone
        | ConnectionState::Timeout
        | ConnectionState::BrokenPipe
        | ConnectionState::NetworkFailure
        | ConnectionState::ProtocolError
        | ConnectionState::TearDown => Health::Critical,
        ConnectionState::Other(_) => Health::Unknown,
    }
}

pub fn replication(r: &ReplicationState) -> Health {
    match r {
        ReplicationState::Established => Health::Ok,
        ReplicationState::Off => Health::Degraded,
        ReplicationState::Other(_) => Health::Unknown,
        _ => Health::Degraded,
    }
}

/// 8.x `cs:` (connection and replication in one).
pub fn proc_cs(cs: &ProcCs) -> Health {
    match cs.split() {
        Some((c, r)) => connection(&c).max(replication(&r)),
        None if *cs == ProcCs::Unconfigured => Health::Degraded,
        None => Health::Unknown,
    }
}

pub fn peer_role(r: &Role) -> Health {
    match r {
        Role::Unknown => Health::Degraded,
        Role::Other(_) => Health::Unknown,
        _ => Health::Ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(proc_cs(&ProcCs::StandAlone), Health::Critical);
        assert_eq!(proc_cs(&ProcCs::SyncSource), Health::Degraded);
        assert_eq!(proc_cs(&ProcCs::Connected), Health::Ok);
        assert_eq!(disk(&DiskState::Diskless), Health::Critical);
        assert_eq!(disk(&DiskState::parse("Frob")), Health::Unknown);
    }
}
