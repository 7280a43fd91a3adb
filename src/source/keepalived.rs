//! The service addresses keepalived manages on this node, from its configuration, so drnfs
//! can tell whether the VIP is here without being told.

use std::net::IpAddr;

/// Addresses in `virtual_ipaddress { … }` (and `virtual_ipaddress_excluded`) blocks.
pub fn vips_from_config(text: &str) -> Vec<IpAddr> {
    let mut out = Vec::new();
    let mut depth_in_block: Option<usize> = None;
    let mut depth = 0usize;
    // Braces on their own lines, so `x { virtual_ipaddress { 1.2.3.4 } }` reads like the
    // usual one-item-per-line layout. Comments end at the line's end.
    let text: String = text
        .lines()
        .map(|l| l.split(['#', '!']).next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        .replace('{', "{\n")
        .replace('}', "\n}\n");
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let opens = line.matches('{').count();
        let closes = line.matches('}').count();
        if depth_in_block.is_none() && line.starts_with("virtual_ipaddress") && opens > 0 {
            depth_in_block = Some(depth + 1);
            // Addresses may follow the brace on the same line.
            if let Some(rest) = line.split_once('{').map(|(_, r)| r) {
                push_addr(rest, &mut out);
            }
        } else if depth_in_block.is_some_and(|d| depth >= d) {
            push_addr(line, &mut out);
        }
        depth = (depth + opens).saturating_sub(closes);
        if depth_in_block.is_some_and(|d| depth < d) {
            depth_in_block = None;
        }
    }
    out
}

fn push_addr(s: &str, out: &mut Vec<IpAddr>) {
    let first = s.trim_start_matches('{').split_whitespace().next().unwrap_or("");
    let addr = first.split('/').next().unwrap_or("");
    if let Ok(ip) = addr.parse::<IpAddr>()
        && !out.contains(&ip)
    {
        out.push(ip);
    }
}

/// The VIPs of `/etc/keepalived/keepalived.conf`, or none when it is absent.
pub fn detect() -> Vec<IpAddr> {
    let conf = std::path::Path::new("/etc/keepalived/keepalived.conf");
    super::bounded::read(conf, super::bounded::MAX_FILE, super::bounded::MAX_LINE)
        .map(|b| vips_from_config(&b.text))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_vips() {
        let conf = "vrrp_instance NFS {\n\tstate BACKUP\n\tinterface br0\n\tvirtual_ipaddress {\n\t\t10.50.0.100/24 dev br0\n\t\t# 10.9.9.9\n\t\tfd00::100/64\n\t}\n\ttrack_script {\n\t\tchk_nfs\n\t}\n}\nvrrp_instance X { virtual_ipaddress { 192.0.2.1 } }\n";
        let v: Vec<String> = vips_from_config(conf).iter().map(ToString::to_string).collect();
        assert_eq!(v, vec!["10.50.0.100", "fd00::100", "192.0.2.1"]);
        assert!(vips_from_config("garbage { {").is_empty());
    }
}
