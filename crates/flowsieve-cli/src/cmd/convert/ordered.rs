//! [`ordered`]: work items run on a bounded set of scoped threads, their messages consumed in
//! item order with bounded memory; `convert` reads files with it and writes their batches in
//! input order, so the output does not depend on the thread count.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Condvar, Mutex, PoisonError};

/// Runs `work(i, sender)` for `i` in `0..count` on `threads` scoped threads and hands each
/// item's messages to `consume(i, messages)` in index order, `messages` ending when `work(i, …)`
/// returns.
///
/// Memory is bounded: an item is started only when it is fewer than `window` items ahead of the
/// one being consumed, and its channel holds at most two messages (a worker blocks on the third).
/// No deadlock: items are claimed in index order, so the item being consumed has been claimed
/// by a worker that waits on nothing but its own channel, which the consumer drains.
///
/// When `consume` fails, no further item is started, the channels are closed (a worker's `send`
/// then fails, which tells it to stop) and the error is returned once every worker has ended.
pub(super) fn ordered<M: Send>(
    count: usize,
    threads: usize,
    window: usize,
    work: impl Fn(usize, &SyncSender<M>) + Sync,
    mut consume: impl FnMut(usize, mpsc::Iter<'_, M>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    struct State<M> {
        /// The next item to claim.
        next: usize,
        /// The item being consumed.
        consuming: usize,
        stopped: bool,
        /// Channels of claimed items not yet taken by the consumer.
        pending: BTreeMap<usize, mpsc::Receiver<M>>,
    }
    let state = Mutex::new(State {
        next: 0,
        consuming: 0,
        stopped: false,
        pending: BTreeMap::new(),
    });
    let changed = Condvar::new();
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    let window = window.max(1);

    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, count.max(1)) {
            scope.spawn(|| {
                loop {
                    let (item, sender) = {
                        let mut state = lock();
                        loop {
                            if state.stopped || state.next >= count {
                                return;
                            }
                            if state.next < state.consuming.saturating_add(window) {
                                break;
                            }
                            state = changed.wait(state).unwrap_or_else(PoisonError::into_inner);
                        }
                        let item = state.next;
                        state.next += 1;
                        let (sender, receiver) = mpsc::sync_channel(2);
                        state.pending.insert(item, receiver);
                        changed.notify_all();
                        (item, sender)
                    };
                    work(item, &sender);
                }
            });
        }

        let mut result = Ok(());
        for item in 0..count {
            let receiver = {
                let mut state = lock();
                state.consuming = item;
                changed.notify_all();
                loop {
                    if let Some(receiver) = state.pending.remove(&item) {
                        break receiver;
                    }
                    state = changed.wait(state).unwrap_or_else(PoisonError::into_inner);
                }
            };
            result = consume(item, receiver.iter());
            if result.is_err() {
                break;
            }
        }
        let mut state = lock();
        state.stopped = true;
        // Closing the channels of items claimed but not consumed stops their workers.
        state.pending.clear();
        changed.notify_all();
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::bail;

    #[test]
    fn ordered_hands_items_over_in_order_for_any_thread_count() {
        for threads in [1, 2, 7] {
            let mut seen = Vec::new();
            ordered(
                50,
                threads,
                3,
                |i, out| {
                    for k in 0..(i % 4) {
                        if out.send((i, k)).is_err() {
                            return;
                        }
                    }
                },
                |i, messages| {
                    seen.extend(messages.inspect(|(j, _)| assert_eq!(*j, i)));
                    Ok(())
                },
            )
            .unwrap();
            let expected: Vec<_> = (0..50)
                .flat_map(|i| (0..i % 4).map(move |k| (i, k)))
                .collect();
            assert_eq!(seen, expected, "{threads} threads");
        }
    }

    #[test]
    fn ordered_stops_when_the_consumer_fails() {
        let result = ordered(
            1000,
            2,
            4,
            |i, out| {
                for _ in 0..100 {
                    if out.send(i).is_err() {
                        return;
                    }
                }
            },
            |i, messages| {
                messages.for_each(drop);
                if i == 3 {
                    bail!("stop at 3");
                }
                Ok(())
            },
        );
        assert_eq!(result.unwrap_err().to_string(), "stop at 3");
    }
}
