//! [`PortTable`]: a small value per port number (0–65535), in memory that follows the ports held
//! and never exceeds a fixed bound, whatever the order of insertion.
//!
//! While it holds few ports the table is a sorted vector of (port, value), 4 bytes an entry for
//! values of 1 or 2 bytes. Past [`SORTED_MAX`] ports it becomes pages of 256 values each,
//! allocated only where a port was inserted: a busy ENI's ephemeral ports (a block of a few
//! tens of thousands) take 2 bytes each, and the whole port space at most 256 pages and a
//! 2 KiB directory (130 KiB for 2-byte values). The learning pass keeps one table per (ENI,
//! protocol) of client ports ([`crate::learn`]), where a hash map took 24 bytes and more an
//! entry.

/// A value a [`PortTable`] can hold: its `Default` is the empty slot, never stored.
pub(crate) trait Slot: Copy + Default + Eq {}

impl Slot for u8 {}
impl Slot for u16 {}

/// Ports held as a sorted vector at most; beyond, pages.
pub(crate) const SORTED_MAX: usize = 1024;
const PAGE: usize = 256;

type Page<T> = Box<[T; PAGE]>;

/// Port → value, for values other than `T::default()`.
#[derive(Debug, Clone)]
pub(crate) struct PortTable<T: Slot> {
    repr: Repr<T>,
    len: usize,
}

#[derive(Debug, Clone)]
enum Repr<T: Slot> {
    /// Sorted by port, no repeats.
    Sorted(Vec<(u16, T)>),
    /// Indexed by the port's high byte; a page holds the values of its 256 ports.
    Paged(Box<[Option<Page<T>>; PAGE]>),
}

impl<T: Slot> Default for PortTable<T> {
    fn default() -> Self {
        PortTable {
            repr: Repr::Sorted(Vec::new()),
            len: 0,
        }
    }
}

impl<T: Slot> PortTable<T> {
    /// Ports held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The value of `port`, if it is held.
    #[inline]
    pub(crate) fn get(&self, port: u16) -> Option<T> {
        match &self.repr {
            Repr::Sorted(entries) => entries
                .binary_search_by_key(&port, |&(p, _)| p)
                .ok()
                .map(|i| entries[i].1),
            Repr::Paged(pages) => {
                let value = pages[usize::from(port >> 8)].as_ref()?[usize::from(port & 0xff)];
                (value != T::default()).then_some(value)
            }
        }
    }

    /// Sets the value of `port` (`value` must not be `T::default()`, the empty slot).
    pub(crate) fn insert(&mut self, port: u16, value: T) {
        debug_assert!(value != T::default(), "the empty slot is not a value");
        if value == T::default() {
            return;
        }
        match &mut self.repr {
            Repr::Sorted(entries) => match entries.binary_search_by_key(&port, |&(p, _)| p) {
                Ok(i) => entries[i].1 = value,
                Err(i) => {
                    entries.insert(i, (port, value));
                    self.len += 1;
                    if self.len > SORTED_MAX {
                        self.page();
                    }
                }
            },
            Repr::Paged(pages) => {
                let page = pages[usize::from(port >> 8)]
                    .get_or_insert_with(|| Box::new([T::default(); PAGE]));
                let slot = &mut page[usize::from(port & 0xff)];
                if *slot == T::default() {
                    self.len += 1;
                }
                *slot = value;
            }
        }
    }

    /// Removes `port`; returns its value.
    pub(crate) fn remove(&mut self, port: u16) -> Option<T> {
        let removed = match &mut self.repr {
            Repr::Sorted(entries) => entries
                .binary_search_by_key(&port, |&(p, _)| p)
                .ok()
                .map(|i| entries.remove(i).1),
            Repr::Paged(pages) => {
                let page = pages[usize::from(port >> 8)].as_mut()?;
                let slot = &mut page[usize::from(port & 0xff)];
                let value = std::mem::take(slot);
                if page.iter().all(|&v| v == T::default()) {
                    pages[usize::from(port >> 8)] = None;
                }
                (value != T::default()).then_some(value)
            }
        };
        self.len -= usize::from(removed.is_some());
        removed
    }

    /// Every (port, value), by port.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u16, T)> + '_ {
        let (sorted, paged) = match &self.repr {
            Repr::Sorted(entries) => (Some(entries.iter().copied()), None),
            Repr::Paged(pages) => (None, Some(pages.iter().enumerate())),
        };
        let paged = paged.into_iter().flatten().flat_map(|(high, page)| {
            page.iter().flat_map(move |page| {
                page.iter()
                    .enumerate()
                    .filter(|&(_, &v)| v != T::default())
                    .map(move |(low, &v)| (((high << 8) | low) as u16, v))
            })
        });
        sorted.into_iter().flatten().chain(paged)
    }

    /// From the sorted vector to pages.
    fn page(&mut self) {
        if let Repr::Sorted(entries) = &self.repr {
            let mut pages: Box<[Option<Page<T>>; PAGE]> = Box::new(std::array::from_fn(|_| None));
            for &(port, value) in entries {
                pages[usize::from(port >> 8)]
                    .get_or_insert_with(|| Box::new([T::default(); PAGE]))
                    [usize::from(port & 0xff)] = value;
            }
            self.repr = Repr::Paged(pages);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Inserts, overwrites and removals in a scrambled order agree with a `BTreeMap`, on both
    /// sides of the switch to pages, and iteration is by port.
    #[test]
    fn agrees_with_a_map_through_the_switch_to_pages() {
        let mut table = PortTable::<u16>::default();
        let mut model = BTreeMap::new();
        let mut x: u32 = 12_345;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for step in 0..20_000u32 {
            let r = next();
            // Mostly a block of ephemeral ports, sometimes anywhere.
            let port = if r % 5 == 0 {
                (r >> 8) as u16
            } else {
                32_768 + ((r >> 8) % 3_000) as u16
            };
            if step % 7 == 3 {
                assert_eq!(table.remove(port), model.remove(&port));
            } else {
                let value = 1 + (r % 4) as u16;
                table.insert(port, value);
                model.insert(port, value);
            }
            if step % 997 == 0 || step == 1_500 {
                assert_eq!(table.len(), model.len());
                assert!(table.iter().eq(model.iter().map(|(&p, &v)| (p, v))));
            }
            assert_eq!(table.get(port), model.get(&port).copied());
        }
        assert!(matches!(table.repr, Repr::Paged(_)));
        assert!(table.iter().eq(model.iter().map(|(&p, &v)| (p, v))));
        for port in [0, 1, 255, 256, 32_767, 65_535] {
            assert_eq!(table.get(port), model.get(&port).copied());
        }
    }

    #[test]
    fn the_extreme_ports_and_an_emptied_page() {
        let mut table = PortTable::<u8>::default();
        for port in (0..=u16::MAX).step_by(31) {
            table.insert(port, 3);
        }
        table.insert(u16::MAX, 1);
        table.insert(0, 2);
        assert!(matches!(table.repr, Repr::Paged(_)));
        assert_eq!(table.get(u16::MAX), Some(1));
        assert_eq!(table.get(0), Some(2));
        assert_eq!(table.get(1), None);
        let len = table.len();
        assert_eq!(table.remove(u16::MAX), Some(1));
        assert_eq!(table.remove(u16::MAX), None);
        assert_eq!(table.len(), len - 1);
        // Every port of the last page removed: the page goes.
        let last: Vec<u16> = table
            .iter()
            .map(|(p, _)| p)
            .filter(|&p| p >= 0xff00)
            .collect();
        for port in last {
            table.remove(port);
        }
        let Repr::Paged(pages) = &table.repr else {
            unreachable!()
        };
        assert!(pages[0xff].is_none());
        assert_eq!(table.iter().next(), Some((0, 2)));
    }
}
