import Foundation

/// Computes `transform(i)` for `i` in `0..<count` on `threads` worker threads and hands each
/// result to `consume` on the calling thread in index order, as soon as it and every earlier
/// one are ready. Workers run at most `window` indices ahead of the one being consumed, so at
/// most `window + threads` results exist at once, however large `count` is.
///
/// When `consume` throws, the workers stop taking new indices, the call waits for the ones
/// in flight, and the error is rethrown.
func forEachInOrder<Value: Sendable>(count: Int, threads: Int, window: Int,
                                     transform: @escaping @Sendable (Int) -> Value,
                                     consume: (Int, Value) throws -> Void) rethrows {
    precondition(threads >= 1 && window >= 1, "forEachInOrder: \(threads) threads, window \(window)")
    guard count > 0 else { return }
    let queue = OrderedResults<Value>(count: count, window: window)
    // Own threads, not the global dispatch queue: its width may not run them all at once.
    let workers = min(threads, count)
    let finished = DispatchSemaphore(value: 0)
    for _ in 0..<workers {
        Thread {
            queue.work(transform)
            finished.signal()
        }.start()
    }
    defer {
        queue.cancel()
        for _ in 0..<workers { finished.wait() }
    }
    for index in 0..<count {
        try consume(index, queue.take(index))
    }
}

/// The results between the workers and the consumer of `forEachInOrder`, under one condition.
private final class OrderedResults<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private let window: Int
    private var nextToClaim = 0
    private var nextToConsume = 0
    private var results: [Int: Value] = [:]
    private var cancelled = false

    init(count: Int, window: Int) {
        self.count = count
        self.window = window
    }

    /// A worker's loop: claims the next index within the window, computes it, stores it.
    func work(_ transform: (Int) -> Value) {
        condition.lock()
        defer { condition.unlock() }
        while true {
            while !cancelled && nextToClaim < count && nextToClaim >= nextToConsume + window { condition.wait() }
            guard !cancelled && nextToClaim < count else { return }
            let index = nextToClaim
            nextToClaim += 1
            condition.unlock()
            let value = transform(index)
            condition.lock()
            results[index] = value
            condition.broadcast()
        }
    }

    /// Waits for result `index`, removes it and lets the workers move the window on.
    func take(_ index: Int) -> Value {
        condition.lock()
        defer { condition.unlock() }
        while results[index] == nil { condition.wait() }
        nextToConsume = index + 1
        condition.broadcast()
        return results.removeValue(forKey: index)!
    }

    /// Stops the workers from claiming more indices.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
