//! The one scheduler: batches read from a source on every thread in turn, mapped on the thread
//! that read them, and handed on in input order.
//!
//! `check` reads every kind of input through it, stdin and large NDJSON files as well as many
//! small files, gzip and HAR: each thread in turn takes the source's lock, reads the next batch
//! into a buffer of its own, lets go, validates and renders the batch, and leaves the result
//! for the calling thread, which writes results in order. A payload's bytes are read and
//! validated on the same core, which is what lets two cores check nearly twice as fast as one,
//! and reading goes on while other threads validate. With one thread, the calling thread reads,
//! maps and emits each batch in turn.
//!
//! Memory stays flat whatever the input's size: each thread holds the batch it reads, and at
//! most [`WAITING`] results wait to be emitted before the threads that made them wait too.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// How many results may wait to be emitted before the threads that made them wait too.
const WAITING: usize = 4;

/// Where the batches come from, read by one thread at a time.
pub(crate) trait Source {
    /// A batch: its buffers are kept by each thread and filled again.
    type Batch: Default + Send;

    /// Fills `batch` with the `number`-th batch (0, 1, …); `false` when the source has no more,
    /// `batch` then left empty.
    fn fill(&mut self, batch: &mut Self::Batch, number: usize) -> bool;
}

/// What the threads have mapped and the calling thread has not emitted.
struct Done<R, U> {
    /// Results by batch number.
    ready: BTreeMap<usize, R>,
    /// The number of the next result to emit.
    next: usize,
    /// How many threads besides the calling one are still at work.
    busy: usize,
    /// Emitting failed: stop.
    stop: bool,
    /// Buffers the emitted results gave back, for the next results: memory freed on the
    /// emitting thread would otherwise wait there while another thread maps in fresh pages.
    spare: Vec<U>,
}

/// The source and the results between the threads.
struct Shared<S, R, U> {
    source: Mutex<(S, usize)>,
    done: Mutex<Done<R, U>>,
    /// Signalled when a result is ready or emitted, or a thread stops.
    changed: Condvar,
}

/// Counts a thread out when it ends, however it ends.
struct Busy<'a, S, R, U>(&'a Shared<S, R, U>);

impl<S, R, U> Drop for Busy<'_, S, R, U> {
    fn drop(&mut self) {
        self.0.lock_done().busy -= 1;
        self.0.changed.notify_all();
    }
}

/// A thread's own buffers: the batch it reads, what it maps with, and what it maps into.
struct Own<B, T, U> {
    batch: B,
    scratch: T,
    buffers: U,
}

impl<B: Default, T: Default, U: Default> Default for Own<B, T, U> {
    fn default() -> Self {
        Own {
            batch: B::default(),
            scratch: T::default(),
            buffers: U::default(),
        }
    }
}

impl<S, R, U> Shared<S, R, U> {
    fn lock_done(&self) -> MutexGuard<'_, Done<R, U>> {
        // A thread that panicked holding the lock is reported by the scope.
        self.done.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<S: Source, R, U> Shared<S, R, U> {
    /// Reads the next batch into `batch`; its number, or `None` when there is none.
    fn read(&self, batch: &mut S::Batch) -> Option<usize> {
        let mut source = self.source.lock().unwrap_or_else(PoisonError::into_inner);
        let (source, next) = &mut *source;
        let number = *next;
        if !source.fill(batch, number) {
            return None;
        }
        *next += 1;
        Some(number)
    }

    /// Reads, maps and leaves the next batch for the calling thread, with a thread's own
    /// buffers; `false` when there is none.
    fn step<T: Default>(
        &self,
        map: &(impl Fn(&S::Batch, &mut T, U) -> R + Sync),
        own: &mut Own<S::Batch, T, U>,
    ) -> bool
    where
        U: Default,
    {
        let Some(number) = self.read(&mut own.batch) else {
            return false;
        };
        let buffers = std::mem::take(&mut own.buffers);
        let result = map(&own.batch, &mut own.scratch, buffers);
        let mut done = self.lock_done();
        done.ready.insert(number, result);
        own.buffers = done.spare.pop().unwrap_or_default();
        drop(done);
        self.changed.notify_all();
        true
    }

    /// A thread besides the calling one: reads and maps batches until the source ends; gives
    /// back its scratch.
    fn work<T: Default>(&self, map: &(impl Fn(&S::Batch, &mut T, U) -> R + Sync)) -> T
    where
        U: Default,
    {
        let _busy = Busy(self);
        let mut own = Own::default();
        loop {
            {
                let mut done = self.lock_done();
                while !done.stop && done.ready.len() >= WAITING {
                    done = self
                        .changed
                        .wait(done)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if done.stop {
                    return own.scratch;
                }
            }
            if !self.step(map, &mut own) {
                return own.scratch;
            }
        }
    }

    /// The calling thread: reads and maps batches too, and emits every thread's results in
    /// order until the source ends and the other threads are done; gives back its scratch.
    fn emit_all<T: Default>(
        &self,
        map: &(impl Fn(&S::Batch, &mut T, U) -> R + Sync),
        emit: &mut impl FnMut(R) -> io::Result<U>,
    ) -> io::Result<T>
    where
        U: Default,
    {
        let mut own = Own::default();
        let mut reading = true;
        loop {
            if reading {
                reading = self.step(map, &mut own);
            }
            // Take what is ready in order, and emit it without holding the lock.
            let mut ready = Vec::new();
            {
                let mut done = self.lock_done();
                loop {
                    let first = done.next;
                    let mut next = first;
                    while let Some(result) = done.ready.remove(&next) {
                        ready.push(result);
                        next += 1;
                    }
                    done.next = next;
                    if reading || next > first {
                        break;
                    }
                    // Nothing more will come (or a thread panicked, which the scope reports).
                    if done.busy == 0 {
                        return Ok(own.scratch);
                    }
                    done = self
                        .changed
                        .wait(done)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
            self.changed.notify_all();
            let mut spare = Vec::with_capacity(ready.len());
            for result in ready {
                spare.push(emit(result)?);
            }
            self.lock_done().spare.append(&mut spare);
        }
    }
}

/// Reads the batches of `source` on `threads` threads in turn, maps each with `map` on the
/// thread that read it, and hands the results to `emit` in the batches' order, on the calling
/// thread. `map` gets the thread's own scratch `T` and buffers `U` to fill; `emit` gives the
/// buffers of a result back, emptied, for another batch. Returns the source and every thread's
/// scratch, for what the threads gathered across their batches.
///
/// # Errors
///
/// The first error of `emit`: the threads then stop, and what is not emitted is dropped.
pub(crate) fn ordered<S, T, U, R>(
    source: S,
    threads: usize,
    map: impl Fn(&S::Batch, &mut T, U) -> R + Sync,
    mut emit: impl FnMut(R) -> io::Result<U>,
) -> io::Result<(S, Vec<T>)>
where
    S: Source + Send,
    T: Default + Send,
    U: Default + Send,
    R: Send,
{
    if threads <= 1 {
        let (mut source, mut own) = (source, Own::<S::Batch, T, U>::default());
        let mut number = 0;
        while source.fill(&mut own.batch, number) {
            number += 1;
            let buffers = std::mem::take(&mut own.buffers);
            own.buffers = emit(map(&own.batch, &mut own.scratch, buffers))?;
        }
        return Ok((source, vec![own.scratch]));
    }
    let shared = Shared {
        source: Mutex::new((source, 0)),
        done: Mutex::new(Done {
            ready: BTreeMap::new(),
            next: 0,
            busy: threads - 1,
            stop: false,
            spare: Vec::new(),
        }),
        changed: Condvar::new(),
    };
    let scratches = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads)
            .map(|_| scope.spawn(|| shared.work(&map)))
            .collect();
        let emitted = shared.emit_all(&map, &mut emit);
        if emitted.is_err() {
            shared.lock_done().stop = true;
            shared.changed.notify_all();
        }
        let mut scratches = vec![emitted?];
        for worker in workers {
            // A thread that panicked passes its panic on, as the scope would.
            match worker.join() {
                Ok(scratch) => scratches.push(scratch),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok::<_, io::Error>(scratches)
    })?;
    let (source, _) = shared
        .source
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    Ok((source, scratches))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers below `end`, in batches of up to `size`, slower to read now and then.
    struct Count {
        next: u32,
        end: u32,
        size: u32,
    }

    impl Source for Count {
        type Batch = Vec<u32>;

        fn fill(&mut self, batch: &mut Vec<u32>, number: usize) -> bool {
            batch.clear();
            if number % 5 == 3 {
                std::thread::yield_now();
            }
            let take = self.size.min(self.end - self.next);
            batch.extend(self.next..self.next + take);
            self.next += take;
            !batch.is_empty()
        }
    }

    #[test]
    fn results_come_in_input_order_on_any_number_of_threads() {
        for threads in [1, 2, 3, 7] {
            let mut got = Vec::new();
            let source = Count {
                next: 0,
                end: 10_000,
                size: 37,
            };
            let (source, calls) = ordered(
                source,
                threads,
                |batch: &Vec<u32>, calls: &mut usize, mut out: Vec<u32>| {
                    *calls += 1;
                    out.extend(batch.iter().map(|n| n * 2));
                    out
                },
                |out: Vec<u32>| {
                    got.extend_from_slice(&out);
                    Ok(Vec::new())
                },
            )
            .unwrap();
            assert_eq!(source.next, 10_000, "{threads} threads");
            assert_eq!(got, (0..10_000).map(|n| n * 2).collect::<Vec<_>>());
            // Every thread's scratch comes back, with every batch counted once.
            assert_eq!(calls.len(), threads);
            assert_eq!(calls.iter().sum::<usize>(), 10_000usize.div_ceil(37));
        }
    }

    #[test]
    fn an_emit_error_stops_every_thread() {
        for threads in [1, 2, 4] {
            let mut emitted = 0;
            let source = Count {
                next: 0,
                end: u32::MAX,
                size: 10,
            };
            let result = ordered(
                source,
                threads,
                |batch: &Vec<u32>, _: &mut (), (): ()| batch.len(),
                |_| {
                    emitted += 1;
                    if emitted == 50 {
                        Err(io::Error::other("closed"))
                    } else {
                        Ok(())
                    }
                },
            );
            assert_eq!(
                result.err().map(|e| e.to_string()).as_deref(),
                Some("closed")
            );
            assert_eq!(emitted, 50, "{threads} threads");
        }
    }
}
