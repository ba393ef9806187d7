//! [`PeerCache`]: what attribution asks the matcher about a record's remote address — which ENI
//! holds it, seen from the recording ENI's VPC scope at any time, and its internet class —
//! remembered in a small direct-mapped table, one per worker.
//!
//! Both answers are pure functions of (scope, address) and of the network, so a cached answer
//! is the answer: the cache changes what attribution costs, never what it decides (tested
//! against the matcher below). Records repeat their peers (an ENI talks to a few services and
//! clients come back), and the two lookups cost about 300 instructions a record uncached
//! (a hash probe and binary searches over the address book and the internet classes).
//! A hit costs a hash, one slot load and a compare; a miss replaces the slot. Memory is fixed
//! ([`SLOTS`] × 48 bytes), whatever the number of peers.

use flowsieve_sg::{Addr, CompiledMatcher, EniIdx, VpcIdx};

/// Slots of the table (a power of two). 2,048 × 48 bytes = 96 KiB: most of a worker's L2,
/// and enough that the services and busy clients of the archives measured stay in it
/// (BENCHMARKS.md, "Attribution cost").
const SLOTS: usize = 1 << 11;
const NONE: u32 = u32::MAX;

/// What the matcher says about one remote address, seen from one scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PeerFacts {
    /// [`CompiledMatcher::resolve_address`]`(scope, addr, None).eni()`.
    pub(crate) owner: Option<EniIdx>,
    /// [`CompiledMatcher::internet_class`]`(addr)`.
    pub(crate) class: Option<Addr>,
}

impl PeerFacts {
    /// The answers, from the matcher.
    fn of(matcher: &CompiledMatcher, scope: Option<VpcIdx>, addr: Addr) -> Self {
        PeerFacts {
            owner: matcher.resolve_address(scope, addr, None).eni(),
            class: matcher.internet_class(addr),
        }
    }
}

/// One slot: the key (address, scope) and its facts. `scope` is [`NONE`] for no scope and
/// `owner` [`NONE`] for no owner; `tag` is 0 for an empty slot, else 1 + whether `class` holds.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    addr: u128,
    class: u128,
    scope: u32,
    owner: u32,
    tag: u8,
}

/// The cache; see the module documentation. It answers for one network at a time: its owner
/// (an [`crate::attribute::Attributor`], which lives no longer than the network it reads)
/// binds it to the matcher of each batch, and binding it to another matcher empties it.
#[derive(Debug)]
pub(crate) struct PeerCache {
    slots: Box<[Slot]>,
    /// The address of the matcher the slots were filled from (0 before any).
    matcher: usize,
    /// Every ENI version's VPC (its scope; [`NONE`] for none), by index, from that matcher:
    /// asking the matcher is a call into another crate on every record.
    scopes: Vec<u32>,
}

impl Default for PeerCache {
    fn default() -> Self {
        PeerCache {
            slots: vec![Slot::default(); SLOTS].into_boxed_slice(),
            matcher: 0,
            scopes: Vec::new(),
        }
    }
}

impl PeerCache {
    /// Empties the cache unless it was filled from `matcher` (call once per batch).
    #[inline]
    pub(crate) fn bind(&mut self, matcher: &CompiledMatcher) {
        if self.matcher != std::ptr::from_ref(matcher) as usize {
            self.rebind(matcher);
        }
    }

    #[cold]
    #[inline(never)]
    fn rebind(&mut self, matcher: &CompiledMatcher) {
        self.slots.fill(Slot::default());
        self.matcher = std::ptr::from_ref(matcher) as usize;
        self.scopes = (0..matcher.eni_count() as u32)
            .map(|e| matcher.eni_vpc(EniIdx(e)).map_or(NONE, |v| v.0))
            .collect();
    }

    /// The VPC scope of ENI version `eni` ([`CompiledMatcher::eni_vpc`]), for [`Self::facts`]
    /// (the matcher must be the one last given to [`Self::bind`]).
    #[inline(always)]
    pub(crate) fn scope_of(&self, matcher: &CompiledMatcher, eni: EniIdx) -> Option<VpcIdx> {
        match self.scopes.get(eni.0 as usize) {
            Some(&NONE) => None,
            Some(&v) => Some(VpcIdx(v)),
            None => matcher.eni_vpc(eni),
        }
    }

    /// The facts of `addr` seen from `scope`, from the cache or the matcher (which must be the
    /// one last given to [`Self::bind`]).
    #[inline(always)]
    pub(crate) fn facts(
        &mut self,
        matcher: &CompiledMatcher,
        scope: Option<VpcIdx>,
        addr: Addr,
    ) -> PeerFacts {
        debug_assert_eq!(
            self.matcher,
            std::ptr::from_ref(matcher) as usize,
            "bind first"
        );
        let scope = scope.map_or(NONE, |v| v.0);
        let a = addr.0;
        let h = (a as u64 ^ (a >> 64) as u64 ^ (u64::from(scope) << 40))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let i = (h >> (64 - SLOTS.trailing_zeros())) as usize & (SLOTS - 1);
        let slot = &self.slots[i];
        if slot.tag != 0 && slot.addr == a && slot.scope == scope {
            return PeerFacts {
                owner: (slot.owner != NONE).then_some(EniIdx(slot.owner)),
                class: (slot.tag == 2).then_some(Addr(slot.class)),
            };
        }
        self.fill(matcher, i, scope, addr)
    }

    /// A miss: asks the matcher and keeps the answer in slot `i`.
    #[inline(never)]
    fn fill(&mut self, matcher: &CompiledMatcher, i: usize, scope: u32, addr: Addr) -> PeerFacts {
        let a = addr.0;
        let facts = PeerFacts::of(matcher, (scope != NONE).then_some(VpcIdx(scope)), addr);
        self.slots[i] = Slot {
            addr: a,
            class: facts.class.map_or(0, |c| c.0),
            scope,
            owner: facts.owner.map_or(NONE, |e| e.0),
            tag: 1 + u8::from(facts.class.is_some()),
        };
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bound(m: &CompiledMatcher) -> PeerCache {
        let mut cache = PeerCache::default();
        cache.bind(m);
        cache
    }

    fn network() -> crate::Network {
        crate::Network::load(&["../../testdata/demo/inventory"]).unwrap()
    }

    /// Addresses of every kind the demo network has: its ENIs' addresses and their neighbours,
    /// its VPC ranges, private and internet IPv4, IPv6; few enough that slots collide.
    fn addresses(m: &CompiledMatcher) -> Vec<Addr> {
        let mut out: Vec<Addr> = (0..m.eni_count() as u32)
            .flat_map(|e| m.eni(EniIdx(e)).private_ipv4.clone())
            .flat_map(|a| {
                let n = u32::from(a);
                [n, n.wrapping_add(1), n ^ 0xff]
            })
            .map(|n| Addr::from_ipv4(n.into()))
            .collect();
        out.extend(
            [
                [10, 34, 0, 1],
                [10, 99, 3, 4],
                [172, 16, 0, 9],
                [192, 168, 1, 1],
                [8, 8, 8, 8],
                [198, 51, 100, 7],
                [203, 0, 113, 9],
                [52, 94, 1, 2],
            ]
            .map(|o| Addr::from_ipv4(o.into())),
        );
        out.push(Addr(0x2600_1f18_0000_0000_0000_0000_0000_0001));
        out.push(Addr(0xfd00 << 112 | 5));
        out
    }

    proptest! {
        /// Any sequence of questions gets the matcher's answers, hits and misses alike.
        #[test]
        fn the_cache_answers_as_the_matcher(picks in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..400)) {
            let network = network();
            let m = network.matcher();
            let addrs = addresses(m);
            let scopes: Vec<Option<VpcIdx>> = std::iter::once(None)
                .chain((0..m.vpc_count() as u32).map(|v| Some(VpcIdx(v))))
                .collect();
            let mut cache = bound(m);
            for (a, s) in picks {
                let addr = addrs[a % addrs.len()];
                let scope = scopes[usize::from(s) % scopes.len()];
                prop_assert_eq!(cache.facts(m, scope, addr), PeerFacts::of(m, scope, addr));
            }
        }
    }

    /// The answers cover every case (owned and not, internet and not), so the test above can
    /// fail; and a cache bound to another network forgets the first one's answers.
    #[test]
    fn the_cache_sees_every_kind_of_answer_and_forgets_another_network() {
        let network = network();
        let m = network.matcher();
        let mut cache = bound(m);
        let facts: Vec<PeerFacts> = addresses(m)
            .into_iter()
            .map(|a| cache.facts(m, None, a))
            .collect();
        assert!(facts.iter().any(|f| f.owner.is_some()));
        assert!(facts.iter().any(|f| f.owner.is_none() && f.class.is_none()));
        assert!(facts.iter().any(|f| f.class.is_some()));
        let empty = crate::Network::new(flowsieve_sg::InventoryBuilder::new().build());
        let owned = addresses(m)
            .into_iter()
            .find(|&a| m.resolve_address(None, a, None).eni().is_some())
            .unwrap();
        cache.facts(m, None, owned);
        cache.bind(empty.matcher());
        assert_eq!(cache.facts(empty.matcher(), None, owned).owner, None);
    }

    /// The scope of every ENI version is the matcher's, and follows a new binding.
    #[test]
    fn scopes_are_the_matchers() {
        let network = network();
        let m = network.matcher();
        let mut cache = bound(m);
        assert!((0..m.eni_count() as u32).any(|e| m.eni_vpc(EniIdx(e)).is_some()));
        for e in (0..m.eni_count() as u32 + 2).map(EniIdx) {
            assert_eq!(cache.scope_of(m, e), m.eni_vpc(e));
        }
        let empty = crate::Network::new(flowsieve_sg::InventoryBuilder::new().build());
        cache.bind(empty.matcher());
        assert_eq!(cache.scope_of(empty.matcher(), EniIdx(0)), None);
    }
}
