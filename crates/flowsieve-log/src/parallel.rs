//! Reading many sources at once, with the output independent of the thread count.
//!
//! * [`read_parallel`] maps a function over sources with rayon, one reader per source, and
//!   collects the results in source order: for results that are small (counts, accumulators).
//! * [`read_in_order`] streams what each item yields (batches, say) to one consumer in item
//!   order, on a bounded number of scoped threads with bounded memory: for results that are
//!   large and must come out in order (the batches `flowsieve convert` writes into one file).

use std::collections::BTreeMap;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Condvar, Mutex, PoisonError};

use rayon::prelude::*;

use crate::error::Result;
use crate::reader::ReaderBuilder;
use crate::source::{Source, SourceReader, fetch_in_order, open};

/// Runs `f` on every source in parallel (rayon), each with its own reader, and returns the
/// results in source order: the result does not depend on the number of threads.
///
/// ```no_run
/// use flowsieve_log::{discover, read_parallel, ReaderBuilder};
///
/// let sources = discover(&["archive/AWSLogs"])?;
/// let rows: Vec<u64> = read_parallel(&sources, &ReaderBuilder::new(), |_source, reader| {
///     reader.map(|r| r.flat_map(|b| b.ok()).map(|b| b.num_rows() as u64).sum()).unwrap_or(0)
/// });
/// println!("{} rows", rows.iter().sum::<u64>());
/// # Ok::<(), flowsieve_log::Error>(())
/// ```
pub fn read_parallel<T, F>(sources: &[Source], builder: &ReaderBuilder, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(&Source, Result<SourceReader>) -> T + Sync + Send,
{
    if !sources.iter().any(Source::is_remote) {
        return sources
            .par_iter()
            .map(|source| f(source, open(source, builder)))
            .collect();
    }
    // Remote objects arrive in list order (fetched ahead): hand them to workers in that order,
    // then put the results back in source order.
    let mut results: Vec<(usize, T)> = fetch_in_order(sources)
        .enumerate()
        .par_bridge()
        .map(|(i, fetched)| {
            let source = fetched.source();
            (i, f(source, fetched.open(builder)))
        })
        .collect();
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Messages an item's channel holds before its worker blocks (the bound per item of
/// [`read_in_order`]).
pub const IN_ORDER_CHANNEL: usize = 2;

/// Runs `work(i, sender)` for every item `i` in `0..count` on `threads` scoped threads, and
/// hands each item's messages to `consume(i, messages)` in item order, `messages` ending when
/// `work(i, …)` has returned. What comes out does not depend on `threads`: the consumer sees
/// item 0's messages, then item 1's, and so on, each item's in the order it sent them.
///
/// **Memory is bounded**: an item is started only when it is fewer than `window` items ahead of
/// the one being consumed, and its channel holds at most [`IN_ORDER_CHANNEL`] (two) messages —
/// a worker blocks on the third until the consumer takes one. So at most `window` items are in
/// flight, each with at most two messages (plus the one its worker is trying to send), however
/// many items there are and however slow the consumer is. `threads` and `window` of 0 count as
/// 1; a window of `2 × threads` keeps every thread busy while the consumer keeps up.
///
/// **No deadlock**: items are claimed in order, so the item being consumed has been claimed by a
/// worker that waits on nothing but its own channel, which the consumer drains.
///
/// **Stopping**: when `consume` returns an error, no further item is started, every channel is
/// closed (a worker's next `send` fails: it should return then) and the error is returned once
/// every worker has ended. A worker that panics ends its item's messages early; the panic is
/// propagated when the threads are joined.
///
/// ```
/// use flowsieve_log::{discover, open, read_in_order, ReaderBuilder};
///
/// let sources = discover(&["../../testdata/logs/flowlogs-v2-default-docs.log",
///                          "../../testdata/logs/flowlogs-v5-service-traffic-path-docs.log"])?;
/// let builder = ReaderBuilder::new();
/// let mut rows = Vec::new();
/// read_in_order(
///     sources.len(),
///     4,
///     8,
///     |i, out| {
///         let reader = match open(&sources[i], &builder) {
///             Ok(reader) => reader,
///             Err(err) => return drop(out.send(Err(err))),
///         };
///         for batch in reader {
///             if out.send(batch).is_err() {
///                 return; // the consumer stopped
///             }
///         }
///     },
///     |i, batches| {
///         for batch in batches {
///             rows.push((i, batch?.num_rows()));
///         }
///         Ok::<(), flowsieve_log::Error>(())
///     },
/// )?;
/// assert_eq!(rows, [(0, 7), (1, 2)]);
/// # Ok::<(), flowsieve_log::Error>(())
/// ```
pub fn read_in_order<M, E>(
    count: usize,
    threads: usize,
    window: usize,
    work: impl Fn(usize, &SyncSender<M>) + Sync,
    mut consume: impl FnMut(usize, mpsc::Iter<'_, M>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E>
where
    M: Send,
{
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
                        let (sender, receiver) = mpsc::sync_channel(IN_ORDER_CHANNEL);
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
    use crate::source::discover;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const DOCS: &[u8] = include_bytes!("../../../testdata/logs/flowlogs-v2-default-docs.log");

    #[test]
    fn parallel_results_keep_source_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for i in 0..8 {
            let path = dir.path().join(format!("{i}.log"));
            let text: Vec<u8> = DOCS
                .iter()
                .copied()
                .cycle()
                .take(DOCS.len() * (i + 1))
                .collect();
            std::fs::write(&path, text).unwrap();
            paths.push(path);
        }
        let sources = discover(&paths).unwrap();
        let rows = read_parallel(&sources, &ReaderBuilder::new(), |_, reader| {
            reader
                .unwrap()
                .map(|b| b.unwrap().num_rows())
                .sum::<usize>()
        });
        assert_eq!(rows, (1..=8).map(|i| 7 * i).collect::<Vec<_>>());
    }

    #[test]
    fn in_order_hands_items_over_in_order_for_any_thread_count() {
        for threads in [1, 2, 7] {
            let mut seen = Vec::new();
            read_in_order(
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
                    Ok::<(), ()>(())
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
    fn in_order_keeps_at_most_a_window_of_items_in_flight() {
        // Items started and not yet consumed, and the most there ever were.
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let (threads, window) = (4, 3);
        read_in_order(
            200,
            threads,
            window,
            |i, out| {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Many messages per item: the worker blocks on the third until the consumer
                // takes them.
                for k in 0..(10 + i % 7) {
                    if out.send(k).is_err() {
                        return;
                    }
                }
            },
            |_, messages| {
                let received = messages.count();
                assert!(received >= 10);
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        // The consumed item is counted until its messages have all been taken, so the bound is
        // the window.
        let most = most.into_inner();
        assert!(most <= window, "{most} items in flight, window {window}");
        assert!(most >= 2, "the threads ran ahead: {most}");
    }

    #[test]
    fn in_order_stops_when_the_consumer_fails() {
        let started = AtomicUsize::new(0);
        let result = read_in_order(
            1000,
            2,
            4,
            |i, out| {
                started.fetch_add(1, Ordering::SeqCst);
                for _ in 0..100 {
                    if out.send(i).is_err() {
                        return;
                    }
                }
            },
            |i, messages| {
                messages.for_each(drop);
                if i == 3 {
                    return Err("stop at 3");
                }
                Ok(())
            },
        );
        assert_eq!(result, Err("stop at 3"));
        // Items 0 to 3, and at most a window beyond the failing one.
        assert!(started.into_inner() <= 4 + 4);
    }

    #[test]
    fn in_order_with_nothing_to_do_returns_at_once() {
        let result = read_in_order(0, 8, 0, |_, _: &SyncSender<()>| {}, |_, _| Err(()));
        assert_eq!(result, Ok(()));
    }
}
