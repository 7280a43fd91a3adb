//! Reverse DNS for client addresses: asynchronous, cached, bounded, and never in the way.
//! On-call networks often have no PTR records; a lookup that fails or takes too long just
//! leaves the address as it is.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::Duration;

use tokio::sync::mpsc::Sender;

use super::input::Input;

/// Longest drnfs waits for one answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// Lookups in flight at once.
const MAX_IN_FLIGHT: usize = 4;

#[derive(Debug, Default)]
pub struct Resolver {
    done: HashMap<IpAddr, Option<String>>,
    in_flight: HashSet<IpAddr>,
}

impl Resolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts lookups for addresses not seen before; answers arrive as
    /// [`Input::Hostname`]. Call [`Resolver::finished`] when one does.
    pub fn request(&mut self, addresses: impl IntoIterator<Item = IpAddr>, tx: &Sender<Input>) {
        for ip in addresses {
            if self.in_flight.len() >= MAX_IN_FLIGHT {
                return;
            }
            if self.done.contains_key(&ip) || !self.in_flight.insert(ip) {
                continue;
            }
            let tx = tx.clone();
            tokio::spawn(async move {
                let lookup = tokio::task::spawn_blocking(move || dns_lookup::lookup_addr(&ip).ok());
                let name = match tokio::time::timeout(TIMEOUT, lookup).await {
                    Ok(Ok(Some(name))) if name != ip.to_string() => Some(name),
                    _ => None,
                };
                let _ = tx.send(Input::Hostname { address: ip, name }).await;
            });
        }
    }

    pub fn finished(&mut self, ip: IpAddr, name: Option<String>) {
        self.in_flight.remove(&ip);
        self.done.insert(ip, name);
    }
}
