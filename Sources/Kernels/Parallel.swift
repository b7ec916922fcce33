import CBLAS
import Foundation
import Synchronization

/// Persistent worker threads for the kernels: every parallel loop and every split sgemm runs
/// on them, while OpenBLAS itself runs single-threaded. Created once (and again only by
/// `BLAS.setThreads`), so running a job allocates nothing — unlike
/// `DispatchQueue.concurrentPerform` (blocks and work items per call) and OpenBLAS's own
/// threaded sgemm (a job table per call); and idle OpenBLAS threads no longer spin on
/// `sched_yield` beside our memory-bound loops.
///
/// `run` hands one `ParallelWork` to `count` threads (the caller is thread 0) and returns when
/// all have finished. Workers spin briefly for the next job, then sleep on a condition variable.
final class WorkerPool: @unchecked Sendable {
    /// Threads a job runs on, the calling thread included.
    let count: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let finished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The job of the current generation; written only while no worker runs.
    private let job = Job()
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    /// The first item of a `runClaimingItems` job no thread has taken yet.
    private let nextItem = Atomic<Int>(0)
    private var threads: [pthread_t] = []

    /// Busy-wait iterations before a worker sleeps, or the caller waits for stragglers: a few
    /// tens of microseconds, enough to bridge the gap between two kernels of one layer.
    private static let spinIterations = 20_000

    init(threads count: Int) {
        precondition(count > 0, "WorkerPool: \(count) threads")
        self.count = count
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(finished, nil)
        for index in 1..<max(count, 1) {
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index)).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { context in
                let worker = Unmanaged<WorkerContext>.fromOpaque(context!).takeRetainedValue()
                worker.pool.work(index: worker.index)
                return nil
            }, context)
            precondition(status == 0, "WorkerPool: pthread_create failed (\(status))")
            threads.append(thread)
        }
    }

    /// Stops and joins the workers.
    func shutdown() {
        pthread_mutex_lock(mutex)
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for thread in threads { pthread_join(thread, nil) }
        threads = []
    }

    /// Runs `work.run(part: t, of: count)` for every t in 0..<count, t = 0 on the calling
    /// thread, and returns when all have returned. When the pool is already running a job (a
    /// nested call, or a call from another thread), the parts run one after another on the
    /// calling thread instead.
    @inline(__always)
    func run<Work: ParallelWork>(_ work: Work) {
        withUnsafePointer(to: work) { pointer in
            // No captures once specialized: a thin function, so storing it allocates nothing.
            run(context: UnsafeRawPointer(pointer)) { context, part, parts in
                context.assumingMemoryBound(to: Work.self).pointee.run(part: part, of: parts)
            }
        }
    }

    @inline(never)
    private func run(context: UnsafeRawPointer, _ invoke: @escaping Job.Invoke) {
        guard acquire() else {
            for t in 0..<count { invoke(context, t, count) }
            return
        }
        runAcquired(context: context, invoke)
    }

    /// Runs one job on the pool, which the caller has acquired, and releases it.
    @inline(never)
    private func runAcquired(context: UnsafeRawPointer, _ invoke: @escaping Job.Invoke) {
        job.context = context
        job.invoke = invoke
        startAndFinish()
        job.invoke = Job.idle
        release()
    }

    /// Runs `work.run(item:part:)` for every item in 0..<items on the first `parts` threads,
    /// each thread taking the next item not yet taken until none is left: a thread that starts
    /// late or runs slow takes fewer items instead of keeping the others waiting. `part` is the
    /// running thread's index (for its scratch). When the pool is busy (a nested call) the items
    /// run in order on the calling thread as part 0.
    @inline(__always)
    func runClaimingItems<Work: ItemWork>(_ items: Int, parts: Int, _ work: Work) {
        guard acquire() else {
            for item in 0..<items { work.run(item: item, part: 0) }
            return
        }
        // Reset only once the pool is ours: a nested call must not disturb the running job's items.
        nextItem.store(0, ordering: .relaxed)
        withUnsafePointer(to: ClaimedItems(work: work, items: items, parts: parts, pool: self)) { pointer in
            runAcquired(context: UnsafeRawPointer(pointer)) { context, part, _ in
                context.assumingMemoryBound(to: ClaimedItems<Work>.self).pointee.run(part: part)
            }
        }
    }

    /// The next item of the running `runClaimingItems` job.
    @inline(__always)
    fileprivate func claimItem() -> Int { nextItem.wrappingAdd(1, ordering: .relaxed).oldValue }

    /// Takes the pool for one job; false when it is busy or has no workers.
    @inline(never)
    private func acquire() -> Bool {
        count > 1 && busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    }

    @inline(never)
    private func release() { busy.store(false, ordering: .releasing) }

    /// Wakes the workers for `job`, runs part 0, and waits for the others.
    @inline(never)
    private func startAndFinish() {
        remaining.store(count - 1, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        generation.wrappingAdd(1, ordering: .releasing)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        job.invoke(job.context, 0, count)
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 && spins < Self.spinIterations { spins += 1 }
        if remaining.load(ordering: .acquiring) > 0 {
            pthread_mutex_lock(mutex)
            while remaining.load(ordering: .acquiring) > 0 { pthread_cond_wait(finished, mutex) }
            pthread_mutex_unlock(mutex)
        }
    }

    private func work(index: Int) {
        var seen = 0     // the generation at creation: a job may start before this thread runs
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < Self.spinIterations { spins += 1 }
            if generation.load(ordering: .acquiring) == seen {
                pthread_mutex_lock(mutex)
                while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(wake, mutex) }
                pthread_mutex_unlock(mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            job.invoke(job.context, index, count)
            if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_signal(finished)
                pthread_mutex_unlock(mutex)
            }
        }
    }
}

/// The running job: a function of (context, part, parts) that captures nothing, and the
/// context it reads (a pointer to the caller's `ParallelWork` value, on the caller's stack).
/// A closure capturing the caller's state would need its context on the heap to be stored here.
private final class Job: @unchecked Sendable {
    typealias Invoke = (UnsafeRawPointer, Int, Int) -> Void
    nonisolated(unsafe) static let idle: Invoke = { _, _, _ in }
    var invoke: Invoke = Job.idle
    var context = UnsafeRawPointer(bitPattern: 1)!
}

/// What a worker thread starts with.
private final class WorkerContext {
    let pool: WorkerPool
    let index: Int
    init(pool: WorkerPool, index: Int) {
        self.pool = pool
        self.index = index
    }
}

/// The kernels' worker pool; starts with OpenBLAS's own thread count (the cores, or
/// `OPENBLAS_NUM_THREADS`), after which OpenBLAS runs single-threaded. `BLAS.setThreads`
/// replaces it.
nonisolated(unsafe) var workers: WorkerPool = {
    let count = Int(sparnet_blas_threads())
    sparnet_blas_set_threads(1)
    return WorkerPool(threads: max(count, 1))
}()

/// Work split over the kernels' threads: every thread calls `run(part:of:)` with its own
/// part, each part writing memory no other part touches. A struct holding pointers and sizes
/// (not a closure, whose captured state would be copied to the heap for the workers).
protocol ParallelWork {
    func run(part: Int, of parts: Int)
}

/// Work over independent items taken one at a time by whichever thread is free
/// (`forEachItem`); `part` is the thread's index, for its own scratch.
protocol ItemWork {
    func run(item: Int, part: Int)
}

/// Work over the items `0..<count`, split into one contiguous range per thread.
protocol RangeWork {
    func run(_ range: Range<Int>)
}

/// Below this many floats of work a loop runs on the calling thread: waking workers costs more.
let parallelWorkThreshold = 1 << 15

/// Runs `work` on every worker thread when `amount` floats of work are worth it, else as one
/// part on the calling thread.
@inline(__always)
func forEachPart<Work: ParallelWork>(work amount: Int, _ work: Work) {
    let pool = workers
    if pool.count <= 1 || amount < parallelWorkThreshold {
        work.run(part: 0, of: 1)
    } else {
        pool.run(work)
    }
}

/// Runs `work` split into at most `maximumParts` parts (one per worker thread), when `amount`
/// floats of work are worth it, else as one part on the calling thread.
@inline(__always)
func forEachPart<Work: ParallelWork>(work amount: Int, maximumParts: Int, _ work: Work) {
    let pool = workers
    let parts = partCount(work: amount, maximumParts: maximumParts)
    if parts == 1 {
        work.run(part: 0, of: 1)
    } else if parts == pool.count {
        pool.run(work)
    } else {
        pool.run(LimitedParts(work: work, parts: parts))
    }
}

/// How many parts `forEachPart(work: amount, maximumParts:)` splits its work into.
@inline(__always)
func partCount(work amount: Int, maximumParts: Int) -> Int {
    let parts = min(workers.count, maximumParts)
    return parts <= 1 || amount < parallelWorkThreshold ? 1 : parts
}

/// Runs `work` over the items `0..<count` on at most `maximumParts` threads, each taking the
/// next item not yet taken (`WorkerPool.runClaimingItems`), or in order on the calling thread
/// below `parallelWorkThreshold` floats of `work`. An item's result must not depend on the
/// thread that runs it: which thread takes which item varies from run to run.
@inline(__always)
func forEachItem<Work: ItemWork>(_ count: Int, work amount: Int, maximumParts: Int, _ work: Work) {
    let parts = partCount(work: amount, maximumParts: min(maximumParts, count))
    if parts == 1 {
        for item in 0..<count { work.run(item: item, part: 0) }
    } else {
        workers.runClaimingItems(count, parts: parts, work)
    }
}

private struct ClaimedItems<Work: ItemWork> {
    let work: Work
    let items: Int, parts: Int
    unowned(unsafe) let pool: WorkerPool

    @inline(__always)
    func run(part: Int) {
        guard part < parts else { return }
        while true {
            let item = pool.claimItem()
            if item >= items { return }
            work.run(item: item, part: part)
        }
    }
}

private struct LimitedParts<Work: ParallelWork>: ParallelWork {
    let work: Work
    let parts: Int
    func run(part: Int, of _: Int) {
        if part < parts { work.run(part: part, of: parts) }
    }
}

/// Runs `work` over `0..<count` split into one contiguous range per worker thread (fewer when
/// `count` is smaller), or as one range on the calling thread below `parallelWorkThreshold`
/// floats of `work`.
@inline(__always)
func forEachRange<Work: RangeWork>(_ count: Int, work amount: Int, _ work: Work) {
    let pool = workers
    let parts = min(pool.count, count)
    if parts <= 1 || amount < parallelWorkThreshold {
        work.run(0..<count)
    } else {
        pool.run(SplitRange(work: work, count: count, parts: parts))
    }
}

private struct SplitRange<Work: RangeWork>: ParallelWork {
    let work: Work
    let count: Int
    let parts: Int
    func run(part: Int, of _: Int) {
        if part < self.parts { work.run(count * part / self.parts ..< count * (part + 1) / self.parts) }
    }
}
