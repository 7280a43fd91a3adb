//! DRBD's state vocabularies (roles, disk, connection and replication states) as typed
//! values that still carry any name this crate does not know (`Other`), so a newer DRBD
//! never makes a parser fail.

use serde::{Serialize, Serializer};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A name this version of drnfs does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every known name, in DRBD's own order.
            pub const KNOWN: &'static [&'static str] = &[$(stringify!($variant)),+];

            pub fn parse(s: &str) -> Self {
                match s {
                    $(stringify!($variant) => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => stringify!($variant),)+
                    Self::Other(s) => s,
                }
            }
        }

        /// Missing from a document (an older or newer drnfs wrote it): unknown.
        impl Default for $name {
            fn default() -> Self {
                Self::Other(String::new())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": format!("One of {:?}, or another name a newer DRBD prints", Self::KNOWN),
                })
            }
        }
    };
}

vocabulary! {
    /// `ro:` in /proc/drbd, `role:` in events2.
    Role { Primary, Secondary, Unknown }
}

vocabulary! {
    /// `ds:` in /proc/drbd, `disk:`/`peer-disk:` in events2. `Detaching` is DRBD 9 only.
    DiskState { Diskless, Attaching, Detaching, Failed, Negotiating, Inconsistent, Outdated, DUnknown, Consistent, UpToDate }
}

vocabulary! {
    /// DRBD 9's connection state (`connection:` in events2). DRBD 8 folds this and the
    /// replication state into one `cs:` value; see [`ProcCs::split`].
    ConnectionState { StandAlone, Disconnecting, Unconnected, Timeout, BrokenPipe, NetworkFailure, ProtocolError, TearDown, Connecting, Connected }
}

vocabulary! {
    /// DRBD 9's replication state (`replication:` in events2).
    ReplicationState { Off, Established, StartingSyncS, StartingSyncT, WFBitMapS, WFBitMapT, WFSyncUUID, SyncSource, SyncTarget, VerifyS, VerifyT, PausedSyncS, PausedSyncT, Ahead, Behind }
}

vocabulary! {
    /// `cs:` of DRBD 8.3/8.4 `/proc/drbd`, plus `Unconfigured` which only /proc prints.
    ProcCs {
        StandAlone, Disconnecting, Unconnected, Timeout, BrokenPipe, NetworkFailure, ProtocolError,
        WFConnection, WFReportParams, TearDown, Connected, StartingSyncS, StartingSyncT, WFBitMapS,
        WFBitMapT, WFSyncUUID, SyncSource, SyncTarget, PausedSyncS, PausedSyncT, VerifyS, VerifyT,
        Ahead, Behind, Unconfigured,
    }
}

impl ProcCs {
    /// Replicating with the peer (Connected, resyncing, verifying, Ahead/Behind): not
    /// during the handshake (WFReportParams), not waiting or failed.
    pub fn is_connected(&self) -> bool {
        self.split().is_some_and(|(c, r)| c == ConnectionState::Connected && r != ReplicationState::Off)
    }

    /// The DRBD 9 (connection, replication) pair an 8.x `cs:` stands for, the same mapping
    /// drbd-utils 9 applies when it emulates events2 on an 8.4 kernel. `None` for
    /// `Unconfigured` and unknown names.
    pub fn split(&self) -> Option<(ConnectionState, ReplicationState)> {
        use ConnectionState as C;
        use ReplicationState as R;
        Some(match self {
            Self::StandAlone => (C::StandAlone, R::Off),
            Self::Disconnecting => (C::Disconnecting, R::Off),
            Self::Unconnected => (C::Unconnected, R::Off),
            Self::Timeout => (C::Timeout, R::Off),
            Self::BrokenPipe => (C::BrokenPipe, R::Off),
            Self::NetworkFailure => (C::NetworkFailure, R::Off),
            Self::ProtocolError => (C::ProtocolError, R::Off),
            Self::TearDown => (C::TearDown, R::Off),
            Self::WFConnection => (C::Connecting, R::Off),
            Self::WFReportParams => (C::Connected, R::Off),
            Self::Connected => (C::Connected, R::Established),
            Self::StartingSyncS => (C::Connected, R::StartingSyncS),
            Self::StartingSyncT => (C::Connected, R::StartingSyncT),
            Self::WFBitMapS => (C::Connected, R::WFBitMapS),
            Self::WFBitMapT => (C::Connected, R::WFBitMapT),
            Self::WFSyncUUID => (C::Connected, R::WFSyncUUID),
            Self::SyncSource => (C::Connected, R::SyncSource),
            Self::SyncTarget => (C::Connected, R::SyncTarget),
            Self::PausedSyncS => (C::Connected, R::PausedSyncS),
            Self::PausedSyncT => (C::Connected, R::PausedSyncT),
            Self::VerifyS => (C::Connected, R::VerifyS),
            Self::VerifyT => (C::Connected, R::VerifyT),
            Self::Ahead => (C::Connected, R::Ahead),
            Self::Behind => (C::Connected, R::Behind),
            Self::Unconfigured | Self::Other(_) => return None,
        })
    }
}

impl ReplicationState {
    /// An online verify (`drbdadm verify`): blocks are compared, none are copied.
    pub fn is_verify(&self) -> bool {
        matches!(self, Self::VerifyS | Self::VerifyT)
    }

    /// A resync or online verify is moving data (paused ones are not).
    pub fn is_syncing(&self) -> bool {
        matches!(self, Self::SyncSource | Self::SyncTarget | Self::VerifyS | Self::VerifyT)
    }

    /// Anything between "connected" and "in sync": handshakes, bitmaps, resyncs, pauses.
    pub fn is_resync_phase(&self) -> bool {
        matches!(
            self,
            Self::StartingSyncS
                | Self::StartingSyncT
                | Self::WFBitMapS
                | Self::WFBitMapT
                | Self::WFSyncUUID
                | Self::SyncSource
                | Self::SyncTarget
                | Self::PausedSyncS
                | Self::PausedSyncT
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_are_kept() {
        let s = DiskState::parse("Frobnicated");
        assert_eq!(s, DiskState::Other("Frobnicated".into()));
        assert_eq!(s.as_str(), "Frobnicated");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"Frobnicated\"");
    }

    #[test]
    fn every_known_name_round_trips() {
        for name in ProcCs::KNOWN {
            assert_eq!(ProcCs::parse(name).as_str(), *name);
        }
        for name in ReplicationState::KNOWN {
            assert_eq!(ReplicationState::parse(name).as_str(), *name);
        }
    }

    /// Replicating means connected past the handshake: not waiting, not failed, not in
    /// the middle of exchanging parameters.
    #[test]
    fn connected_means_replicating() {
        for cs in [ProcCs::Connected, ProcCs::SyncSource, ProcCs::SyncTarget, ProcCs::VerifyS, ProcCs::Ahead] {
            assert!(cs.is_connected(), "{cs:?}");
        }
        for cs in [ProcCs::StandAlone, ProcCs::WFConnection, ProcCs::WFReportParams, ProcCs::Disconnecting] {
            assert!(!cs.is_connected(), "{cs:?}");
        }
    }

    /// Moving data (a resync or verify running) is a narrower state than being somewhere
    /// in a resync (which includes the handshake, the bitmap exchange and a pause).
    #[test]
    fn syncing_is_narrower_than_the_resync_phase() {
        use ReplicationState as R;
        for r in [R::SyncSource, R::SyncTarget] {
            assert!(r.is_syncing() && r.is_resync_phase(), "{r:?}");
        }
        for r in [R::VerifyS, R::VerifyT] {
            assert!(r.is_syncing() && !r.is_resync_phase(), "{r:?}");
        }
        for r in [R::WFBitMapS, R::StartingSyncT, R::PausedSyncS] {
            assert!(!r.is_syncing() && r.is_resync_phase(), "{r:?}");
        }
        for r in [R::Off, R::Established, R::Ahead] {
            assert!(!r.is_syncing() && !r.is_resync_phase(), "{r:?}");
        }
    }

    #[test]
    fn cs_maps_like_drbdsetup_84() {
        assert_eq!(ProcCs::WFConnection.split(), Some((ConnectionState::Connecting, ReplicationState::Off)));
        assert_eq!(ProcCs::Connected.split(), Some((ConnectionState::Connected, ReplicationState::Established)));
        assert_eq!(ProcCs::SyncTarget.split(), Some((ConnectionState::Connected, ReplicationState::SyncTarget)));
        assert_eq!(ProcCs::Unconfigured.split(), None);
    }
}
