//! Pure parsers for the formats drnfs reads on an NFS server made highly available with
//! DRBD and keepalived.
//!
//! Nothing in this crate touches the operating system: every function takes the text (or
//! bytes) of one source and returns typed values. Reading files, running `drbdsetup` and
//! opening netlink sockets is the job of the `drnfs` application, which passes what it read
//! here. That keeps every parser testable on captured output and safe to fuzz.
//!
//! | module | source |
//! |---|---|
//! | [`drbd_config`] | DRBD configuration (`drbdadm dump`, `/etc/drbd.d/*.res`) |
//! | [`proc_drbd`] | `/proc/drbd` of DRBD 8.3, 8.4 and 9 |
//! | [`events2`] | `drbdsetup events2` lines, and [`events2::Events2State`] which merges them |
//! | [`drbd_status_json`] | `drbdsetup status --json` (DRBD 9) |
//! | [`kernel_log`] | DRBD lines of the kernel log (dmesg, journal, `/dev/kmsg`) |
//! | [`nfsd_stats`] | `/proc/net/rpc/nfsd` |
//! | [`nfsd_fs`] | files under `/proc/fs/nfsd/` |
//! | [`nfsd_genl`] | the nfsd generic-netlink `rpc-status` dump (Linux 6.7+) |
//! | [`diskstats`] | `/proc/diskstats` (block device I/O, as `iostat -x` reads it) |
//! | [`proc_stat`] | `/proc/stat` (CPU time: iowait, softirq) |
//! | [`meminfo`] | `/proc/meminfo` (dirty and writeback memory) |
//! | [`loadavg`] | `/proc/loadavg` |
//! | [`mountinfo`] | `/proc/self/mountinfo` (what is mounted where) |
//! | [`net_fib_trie`] | `/proc/net/fib_trie` (local IPv4 addresses) |
//! | [`net_route`] | `/proc/net/route` (the IPv4 routing table) |
//! | [`rtnl_addr`] | rtnetlink `RTM_GETADDR` replies and `ip -o address` (addresses, both families) |
//! | [`sock_diag`] | netlink `SOCK_DIAG_BY_FAMILY` replies for TCP sockets, with `tcp_info` |
//!
//! Multi-line inputs never fail as a whole: a malformed line becomes a [`LineError`] in
//! [`Parsed::errors`] and the rest of the input is still used.
//!
//! ```
//! let text = "version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 211FB288A383ED945B83420 \n \
//!  0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n \
//!    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n";
//! let parsed = drnfs_parsers::proc_drbd::parse(text);
//! assert!(parsed.errors.is_empty());
//! assert_eq!(parsed.value.minors[0].role.as_ref().unwrap().as_str(), "Primary");
//! ```
#![forbid(unsafe_code)]

pub mod diskstats;
pub mod drbd_config;
pub mod drbd_state;
pub mod drbd_status_json;
mod error;
pub mod events2;
pub mod kernel_log;
pub mod loadavg;
pub mod meminfo;
pub mod mountinfo;
pub mod net_fib_trie;
pub mod net_route;
mod netlink;
pub mod nfsd_fs;
pub mod nfsd_genl;
pub mod nfsd_stats;
pub mod proc_drbd;
pub mod proc_stat;
pub mod rtnl_addr;
pub mod sock_diag;
pub mod timestamp;
mod words;

pub use error::{ErrorKind, LineError, Parsed};
