//! The bounded tables of a traffic profile: open sets of keys (unknown members, undocumented
//! values, open values) that a hostile capture could make as large as itself.
//!
//! # The cap rule
//!
//! A table keeps at most `cap` distinct keys: **the `cap` smallest keys seen** (by byte order),
//! each with its exact tally, and a `folded` count of the occurrences of every other key.
//!
//! - Below the cap nothing is folded and every tally is exact.
//! - Above it, the keys kept are exactly the `cap` smallest of all the keys seen, and their
//!   tallies are still exact: a key once pushed out has `cap` smaller keys seen before it, and
//!   those stay seen, so it could never have been kept. `folded` is the total of the others.
//! - Hence merging is exactly associative and commutative at any size: a merged table is the
//!   `cap` smallest keys of the union, whatever the grouping. (A heavy-hitters summary such as
//!   Space-Saving keeps the frequent keys instead, but its result depends on the order of the
//!   merges.) The price: above the cap, a frequent key that sorts late is folded.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a table keeps for each key: something that counts occurrences and adds up.
pub(crate) trait Tally {
    /// The occurrences it counts.
    fn count(&self) -> u64;
    /// Adds another tally of the same key.
    fn absorb(&mut self, other: Self);
}

impl Tally for u64 {
    fn count(&self) -> u64 {
        *self
    }
    fn absorb(&mut self, other: u64) {
        *self = self.saturating_add(other);
    }
}

/// A bounded table: the smallest keys with their tallies, and how many occurrences went to
/// the keys not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>"))]
pub struct Table<T> {
    /// The keys kept, in byte order, with their tallies.
    entries: BTreeMap<String, T>,
    /// The occurrences of the keys not kept.
    folded: u64,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            entries: BTreeMap::new(),
            folded: 0,
        }
    }
}

impl<T> Table<T> {
    /// The keys kept, in byte order, with their tallies.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The tally of `key`, when kept.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.entries.get(key)
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The occurrences of the keys not kept: 0 while the table is below its cap.
    pub fn folded(&self) -> u64 {
        self.folded
    }
}

impl<T> Table<T> {
    // The bound is on each method: `Tally` is the crate's own.
    /// Adds `tally` under `key`, made only when the key is new and kept.
    pub(crate) fn add(&mut self, key: &str, cap: usize, tally: T)
    where
        T: Tally,
    {
        if let Some(t) = self.entries.get_mut(key) {
            t.absorb(tally);
            return;
        }
        if self.entries.len() >= cap
            && self
                .entries
                .last_key_value()
                .is_none_or(|(last, _)| key > last.as_str())
        {
            self.folded = self.folded.saturating_add(tally.count());
            return;
        }
        self.entries.insert(key.to_owned(), tally);
        self.shrink(cap);
    }

    /// The tally of `key`, to add to in place, when kept.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut T> {
        self.entries.get_mut(key)
    }

    /// Adds another table.
    pub(crate) fn merge(&mut self, other: Table<T>, cap: usize)
    where
        T: Tally,
    {
        self.folded = self.folded.saturating_add(other.folded);
        for (key, tally) in other.entries {
            match self.entries.get_mut(&key) {
                Some(t) => t.absorb(tally),
                None => {
                    self.entries.insert(key, tally);
                }
            }
        }
        self.shrink(cap);
    }

    /// Folds the largest keys until at most `cap` are kept.
    pub(crate) fn shrink(&mut self, cap: usize)
    where
        T: Tally,
    {
        while self.entries.len() > cap {
            if let Some((_, t)) = self.entries.pop_last() {
                self.folded = self.folded.saturating_add(t.count());
            }
        }
    }
}

impl Table<u64> {
    /// The `n` most frequent keys kept, the most frequent first (ties in byte order).
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut all: Vec<(&str, u64)> =
            self.entries.iter().map(|(k, &v)| (k.as_str(), v)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        all.truncate(n);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_smallest_keys_whatever_the_order() {
        let keys = ["d", "a", "c", "b", "e", "a"];
        let mut forward = Table::<u64>::default();
        for k in keys {
            forward.add(k, 2, 1);
        }
        let mut backward = Table::<u64>::default();
        for k in keys.iter().rev() {
            backward.add(k, 2, 1);
        }
        assert_eq!(forward, backward);
        assert_eq!(forward.get("a"), Some(&2));
        assert_eq!(forward.get("b"), Some(&1));
        assert_eq!(forward.folded(), 3);
    }

    #[test]
    fn merging_is_grouping_free() {
        let table = |keys: &[&str]| {
            let mut t = Table::<u64>::default();
            for k in keys {
                t.add(k, 2, 1);
            }
            t
        };
        let (a, b, c) = (table(&["z", "y"]), table(&["b", "y"]), table(&["a", "q"]));
        let mut left = a.clone();
        left.merge(b.clone(), 2);
        left.merge(c.clone(), 2);
        let mut right = c;
        let mut bc = b;
        bc.merge(a, 2);
        right.merge(bc, 2);
        assert_eq!(left, right);
        assert_eq!(
            left.entries().map(|(k, _)| k).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(left.folded(), 4);
    }
}
