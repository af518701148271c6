//! Connections admitted by a listener: at most so many in all and, where the
//! peer's address means something, so many from one address. Shared by the
//! HTTP accept loop (`serve`) and the inbound SMTP listener (`inbound_mail`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The open connections, by address.
pub struct Admission {
    total: usize,
    per_address: Option<usize>,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One admitted connection; dropping it frees its place.
pub struct Admitted {
    admission: Arc<Admission>,
    address: IpAddr,
}

impl Admission {
    /// At most `total` connections, and `per_address` from one address (none:
    /// no such limit, as behind a trusted proxy where every peer is the proxy).
    pub fn new(total: usize, per_address: Option<usize>) -> Arc<Admission> {
        Arc::new(Admission {
            total,
            per_address,
            open: Mutex::new((0, HashMap::new())),
        })
    }

    /// A place for a connection from `address`, if one is left.
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Option<Admitted> {
        let mut open = self.open.lock().ok()?;
        let (total, by_address) = &mut *open;
        let here = by_address.get(&address).copied().unwrap_or(0);
        if *total >= self.total || self.per_address.is_some_and(|max| here >= max) {
            return None;
        }
        *total += 1;
        by_address.insert(address, here + 1);
        Some(Admitted {
            admission: self.clone(),
            address,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Ok(mut open) = self.admission.open.lock() {
            let (total, by_address) = &mut *open;
            *total -= 1;
            if let Some(count) = by_address.get_mut(&self.address) {
                *count -= 1;
                if *count == 0 {
                    by_address.remove(&self.address);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_gets_its_share_and_a_closed_connection_frees_its_place() {
        let admission = Admission::new(10, Some(2));
        let attacker: IpAddr = "192.0.2.1".parse().unwrap();
        let member: IpAddr = "198.51.100.1".parse().unwrap();
        let first = admission.admit(attacker).expect("first");
        let _second = admission.admit(attacker).expect("second");
        assert!(admission.admit(attacker).is_none());
        assert!(admission.admit(member).is_some());
        drop(first);
        assert!(admission.admit(attacker).is_some());
    }

    #[test]
    fn the_total_holds_whatever_the_addresses() {
        let admission = Admission::new(3, None);
        let kept: Vec<_> = (1..=3)
            .map(|i| admission.admit(IpAddr::from([10, 0, 0, i])).unwrap())
            .collect();
        assert!(admission.admit(IpAddr::from([10, 0, 0, 9])).is_none());
        drop(kept);
        assert!(admission.admit(IpAddr::from([10, 0, 0, 9])).is_some());
    }
}
