//! keepalived integration: `drnfs check` as a `vrrp_script` (read-only, fast: is this node
//! serving?) and `drnfs notify` as the `vrrp_notify_fifo` reader (logs every VRRP
//! transition, never touches storage).

pub mod check;
pub mod notify;
