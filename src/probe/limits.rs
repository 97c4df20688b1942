//! `--per-address`: at most N connections at once to one IP address for the whole run, shared
//! by every probe of it — several MX names, or a configured endpoint and its alternatives, that
//! resolve to one address share its limit rather than each bringing their own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// One semaphore per address, made on first use; clones share them.
#[derive(Clone, Debug)]
pub struct AddressLimits {
    per_address: usize,
    map: Arc<Mutex<HashMap<IpAddr, Arc<Semaphore>>>>,
}

impl AddressLimits {
    pub fn new(per_address: usize) -> AddressLimits {
        AddressLimits {
            per_address: per_address.max(1),
            map: Arc::default(),
        }
    }

    /// The semaphore of `ip`, shared with every other probe of the run.
    pub fn of(&self, ip: IpAddr) -> Arc<Semaphore> {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.entry(ip)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_address)))
            .clone()
    }
}

/// A permit of `limit` for one connection, held until dropped; no limit, no permit.
pub async fn permit(limit: &Option<Arc<Semaphore>>) -> Option<tokio::sync::OwnedSemaphorePermit> {
    match limit {
        Some(sem) => sem.clone().acquire_owned().await.ok(),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_semaphore_per_address_across_clones() {
        let limits = AddressLimits::new(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let other = limits.clone();
        assert!(Arc::ptr_eq(&limits.of(a), &other.of(a)));
        assert!(!Arc::ptr_eq(&limits.of(a), &limits.of(b)));
        assert_eq!(limits.of(a).available_permits(), 3);
        assert_eq!(AddressLimits::new(0).of(a).available_permits(), 1);
    }
}
