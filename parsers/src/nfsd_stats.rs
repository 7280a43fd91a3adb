//! `/proc/net/rpc/nfsd`: the kernel NFS server's counters, from any kernel.
//!
//! ```text
//! rc 0 0 21646995
//! fh 94 0 0 0 0
//! io 1092043631689 79449854601
//! th 64 0 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000
//! ra 0 0 0 0 0 0 0 0 0 0 0 0
//! net 21646973 0 21646994 21
//! rpc 21646603 0 0 0 0
//! proc3 22 0 ...
//! proc4 2 6 21646989
//! proc4ops 76 0 0 0 1769392 ...
//! wdeleg_getattr 0
//! ```
//! Every `procN`/`proc4ops` line declares its own count, which this parser trusts (vendor
//! kernels print `proc3 23`; `proc4ops` grew 40 → 59 → 72 → 76). Lines may be absent
//! (`proc2` without `CONFIG_NFSD_V2`), and lines this crate does not know are kept in
//! [`NfsdStats::other`]. All counters are u64: `nfsstat` truncates them to 32 bits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, ErrorSink, LineError, Parsed};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NfsdStats {
    pub reply_cache: Option<ReplyCache>,
    /// `fh` first value: NFS*ERR_STALE replies (the other four are always 0 since 5.13).
    pub fh_stale: Option<u64>,
    pub io: Option<Io>,
    /// `th` first value: current nfsd threads (the rest is a histogram dead since 2.6.30).
    pub threads: Option<u64>,
    /// `ra`: read-ahead cache (real before 5.4, zeros since).
    pub read_ahead: Option<Vec<u64>>,
    pub net: Option<Net>,
    pub rpc: Option<Rpc>,
    /// Per-procedure counts of NFSv2, v3 and the v4 NULL/COMPOUND pair, index = procedure.
    pub proc2: Option<Vec<u64>>,
    pub proc3: Option<Vec<u64>>,
    pub proc4: Option<Vec<u64>>,
    /// NFSv4 operations inside COMPOUNDs, index = RFC opcode.
    pub proc4ops: Option<Vec<u64>>,
    /// GETATTRs that conflicted with a write delegation (6.6+).
    pub wdeleg_getattr: Option<u64>,
    /// Lines this version does not know, by key, with their fields as printed.
    pub other: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReplyCache {
    pub hits: u64,
    pub misses: u64,
    pub nocache: u64,
}

/// Payload bytes of READ replies and WRITE requests (32-bit, wrapping, before 5.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Io {
    pub read_bytes: u64,
    pub write_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Net {
    /// RPC requests received over every transport.
    pub packets: u64,
    pub udp: u64,
    pub tcp: u64,
    /// TCP connections accepted (cumulative).
    pub tcp_connections: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rpc {
    pub calls: u64,
    /// `bad_format + bad_auth + bad_client`.
    pub bad_calls: u64,
    pub bad_format: u64,
    pub bad_auth: u64,
    /// Calls from clients no export allows (often: exports not loaded after a failover).
    pub bad_client: u64,
}

/// NFS protocol versions with per-operation counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum NfsVersion {
    V2,
    V3,
    V4,
}

/// `nfsstat`'s names for NFSv2 procedures.
pub const V2_NAMES: &[&str] = &[
    "null", "getattr", "setattr", "root", "lookup", "readlink", "read", "wrcache", "write", "create", "remove",
    "rename", "link", "symlink", "mkdir", "rmdir", "readdir", "fsstat",
];

/// `nfsstat`'s names for NFSv3 procedures.
pub const V3_NAMES: &[&str] = &[
    "null",
    "getattr",
    "setattr",
    "lookup",
    "access",
    "readlink",
    "read",
    "write",
    "create",
    "mkdir",
    "symlink",
    "mknod",
    "remove",
    "rmdir",
    "rename",
    "link",
    "readdir",
    "readdirplus",
    "fsstat",
    "fsinfo",
    "pathconf",
    "commit",
];

/// `nfsstat`'s names for NFSv4 server operations by opcode (0–70), then the RFC 7862/8276
/// names nfsstat lacks (71–75).
pub const V4_OP_NAMES: &[&str] = &[
    "op0-unused",
    "op1-unused",
    "op2-future",
    "access",
    "close",
    "commit",
    "create",
    "delegpurge",
    "delegreturn",
    "getattr",
    "getfh",
    "link",
    "lock",
    "lockt",
    "locku",
    "lookup",
    "lookup_root",
    "nverify",
    "open",
    "openattr",
    "open_conf",
    "open_dgrd",
    "putfh",
    "putpubfh",
    "putrootfh",
    "read",
    "readdir",
    "readlink",
    "remove",
    "rename",
    "renew",
    "restorefh",
    "savefh",
    "secinfo",
    "setattr",
    "setcltid",
    "setcltidconf",
    "verify",
    "write",
    "rellockowner",
    "bc_ctl",
    "bind_conn",
    "exchange_id",
    "create_ses",
    "destroy_ses",
    "free_stateid",
    "getdirdeleg",
    "getdevinfo",
    "getdevlist",
    "layoutcommit",
    "layoutget",
    "layoutreturn",
    "secinfononam",
    "sequence",
    "set_ssv",
    "test_stateid",
    "want_deleg",
    "destroy_clid",
    "reclaim_comp",
    "allocate",
    "copy",
    "copy_notify",
    "deallocate",
    "ioadvise",
    "layouterror",
    "layoutstats",
    "offloadcancel",
    "offloadstatus",
    "readplus",
    "seek",
    "write_same",
    "clone",
    "getxattr",
    "setxattr",
    "listxattrs",
    "removexattr",
];

/// The name of operation `index` of `version`, or `opN` past the known table.
pub fn op_name(version: NfsVersion, index: usize) -> std::borrow::Cow<'static, str> {
    let table = match version {
        NfsVersion::V2 => V2_NAMES,
        NfsVersion::V3 => V3_NAMES,
        NfsVersion::V4 => V4_OP_NAMES,
    };
    match table.get(index) {
        Some(n) => std::borrow::Cow::Borrowed(n),
        None => std::borrow::Cow::Owned(format!("op{index}")),
    }
}

impl NfsdStats {
    /// Per-operation counts of one version: NFSv2/v3 procedures, or NFSv4 operations (not
    /// the NULL/COMPOUND pair).
    pub fn ops(&self, version: NfsVersion) -> Option<&[u64]> {
        match version {
            NfsVersion::V2 => self.proc2.as_deref(),
            NfsVersion::V3 => self.proc3.as_deref(),
            NfsVersion::V4 => self.proc4ops.as_deref(),
        }
    }
}

/// Parses the file; a malformed line is reported and the others are kept.
pub fn parse(input: &str) -> Parsed<NfsdStats> {
    let mut s = NfsdStats::default();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let mut words = line.split_whitespace();
        let Some(key) = words.next() else { continue };
        let fields: Vec<&str> = words.collect();
        let result = match key {
            "rc" => numbers(&fields, 3, key).map(|v| {
                s.reply_cache = Some(ReplyCache { hits: v[0], misses: v[1], nocache: v[2] });
            }),
            "fh" => numbers(&fields[..fields.len().min(1)], 1, key).map(|v| s.fh_stale = Some(v[0])),
            "io" => numbers(&fields, 2, key).map(|v| s.io = Some(Io { read_bytes: v[0], write_bytes: v[1] })),
            // Only the thread count is meaningful; the histogram has decimals.
            "th" => numbers(&fields[..fields.len().min(1)], 1, key).map(|v| s.threads = Some(v[0])),
            "ra" => numbers(&fields, 1, key).map(|v| s.read_ahead = Some(v)),
            "net" => numbers(&fields, 4, key).map(|v| {
                s.net = Some(Net { packets: v[0], udp: v[1], tcp: v[2], tcp_connections: v[3] });
            }),
            "rpc" => numbers(&fields, 5, key).map(|v| {
                s.rpc = Some(Rpc { calls: v[0], bad_calls: v[1], bad_format: v[2], bad_auth: v[3], bad_client: v[4] });
            }),
            "proc2" | "proc3" | "proc4" | "proc4ops" => {
                let (vals, problem) = counted(&fields, key);
                let slot = match key {
                    "proc2" => &mut s.proc2,
                    "proc3" => &mut s.proc3,
                    "proc4" => &mut s.proc4,
                    _ => &mut s.proc4ops,
                };
                *slot = Some(vals);
                match problem {
                    Some(kind) => Err(kind),
                    None => Ok(()),
                }
            }
            "wdeleg_getattr" => numbers(&fields, 1, key).map(|v| s.wdeleg_getattr = Some(v[0])),
            other => {
                crate::error::keep_other(
                    &mut s.other,
                    other,
                    fields.iter().take(crate::error::OTHER_MAX).map(|f| crate::error::short(f)).collect(),
                );
                Ok(())
            }
        };
        if let Err(kind) = result {
            errors.push(LineError::new(n, kind, line));
        }
    }
    errors.finish(s)
}

/// At least `min` unsigned numbers (extra trailing numbers are kept for `ra`, ignored
/// elsewhere by the caller's indexing).
fn numbers(fields: &[&str], min: usize, key: &str) -> Result<Vec<u64>, ErrorKind> {
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        out.push(f.parse::<u64>().map_err(|_| ErrorKind::BadValue { field: key.to_owned(), value: (*f).to_owned() })?);
    }
    if out.len() < min {
        return Err(ErrorKind::Missing { field: format!("{key} value {}", out.len() + 1) });
    }
    Ok(out)
}

/// `procN COUNT v0 v1 …`: the values actually present (parsable prefix), and what was
/// wrong if the line does not hold exactly COUNT numbers.
fn counted(fields: &[&str], key: &str) -> (Vec<u64>, Option<ErrorKind>) {
    let Some((count_text, values)) = fields.split_first() else {
        return (Vec::new(), Some(ErrorKind::Missing { field: format!("{key} count") }));
    };
    let Ok(count) = count_text.parse::<usize>() else {
        return (
            Vec::new(),
            Some(ErrorKind::BadValue { field: format!("{key} count"), value: (*count_text).to_owned() }),
        );
    };
    let mut out = Vec::with_capacity(count.min(values.len()));
    for v in values {
        match v.parse::<u64>() {
            Ok(x) => out.push(x),
            Err(_) => return (out, Some(ErrorKind::BadValue { field: key.to_owned(), value: (*v).to_owned() })),
        }
    }
    if out.len() != count {
        let kind = ErrorKind::BadValue {
            field: format!("{key} count"),
            value: format!("declares {count}, has {}", out.len()),
        };
        return (out, Some(kind));
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QNAP: &str = "rc 0 0 21646995
fh 94 0 0 0 0
io 1092043631689 79449854601
th 64 0 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000
ra 0 0 0 0 0 0 0 0 0 0 0 0
net 21646973 0 21646994 21
rpc 21646603 0 0 0 0
proc2 18 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
proc3 23 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
proc4 2 6 21646989
proc4ops 76 0 0 0 1769392 600861 370325 24013 0 547971 9501698 1276317 0 15890 40 15852 1073346 0 0 620061 0 0 13278 21685317 0 9 8277171 480934 3208 165617 40117 0 0 40117 0 176720 0 0 0 2120259 0 0 0 9 9 5 1667 0 0 0 0 0 0 3 21646961 0 1 0 2 6 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
wdeleg_getattr 0
";

    #[test]
    fn vendor_kernel_with_declared_counts() {
        let p = parse(QNAP);
        assert_eq!(p.errors, vec![]);
        let s = p.value;
        assert_eq!(s.io, Some(Io { read_bytes: 1_092_043_631_689, write_bytes: 79_449_854_601 }));
        assert_eq!(s.threads, Some(64));
        assert_eq!(s.proc3.as_ref().unwrap().len(), 23);
        let v4 = s.ops(NfsVersion::V4).unwrap();
        assert_eq!(v4.len(), 76);
        assert_eq!((op_name(NfsVersion::V4, 53), v4[53]), ("sequence".into(), 21_646_961));
        assert_eq!((op_name(NfsVersion::V4, 38), v4[38]), ("write".into(), 2_120_259));
        assert_eq!(op_name(NfsVersion::V3, 22), "op22");
        assert_eq!(s.wdeleg_getattr, Some(0));
        assert_eq!(s.rpc.unwrap().calls, 21_646_603);
    }

    #[test]
    fn unknown_lines_kept_and_bad_lines_reported() {
        let p = parse("rc 1 2 3\nnewthing 4 5\nio 12 x\nproc3 22 1 2\nnet 1 2 3 4\n");
        assert_eq!(p.value.other["newthing"], vec!["4", "5"]);
        assert_eq!(p.value.proc3, Some(vec![1, 2]));
        assert_eq!(p.value.net.unwrap().tcp_connections, 4);
        assert_eq!(p.errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4]);
    }

    #[test]
    fn proc4_and_proc4ops_are_two_lines() {
        let p = parse("proc4 2 5 7\nproc4ops 3 1 2 3\n");
        assert_eq!(p.errors, vec![]);
        assert_eq!((p.value.proc4.as_deref(), p.value.proc4ops.as_deref()), (Some(&[5, 7][..]), Some(&[1, 2, 3][..])));
    }

    #[test]
    fn name_tables_match_nfsstat() {
        assert_eq!(V3_NAMES.len(), 22);
        assert_eq!(V2_NAMES.len(), 18);
        assert_eq!(V4_OP_NAMES.len(), 76);
        assert_eq!(V4_OP_NAMES[70], "write_same");
        assert_eq!(V4_OP_NAMES[71], "clone");
    }

    /// Each procedure line lands in its own version's slot.
    #[test]
    fn each_proc_line_in_its_own_slot() {
        let s = parse("proc2 2 1 2\nproc3 2 3 4\nproc4 2 5 6\nproc4ops 2 7 8\n").value;
        assert_eq!(
            (s.proc2, s.proc3, s.proc4, s.proc4ops),
            (Some(vec![1, 2]), Some(vec![3, 4]), Some(vec![5, 6]), Some(vec![7, 8]))
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_plausible_lines(lines in proptest::collection::vec("(rc|fh|io|th|ra|net|rpc|proc[0-9]|proc4ops|wdeleg_getattr|x)( [0-9]{1,25}| -1| 0.000| x){0,12}", 0..14)) {
            let _ = parse(&lines.join("\n"));
        }
    }
}
