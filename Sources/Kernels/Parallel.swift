import CBLAS
import Dispatch

/// Worker threads for the memory-bound loops between sgemm calls (im2col, col2im); the same
/// cores OpenBLAS uses, which sit idle while these loops run. Starts at OpenBLAS's own thread
/// count; set both with `BLAS.setThreads`.
nonisolated(unsafe) var kernelThreads = Int(sparnet_blas_threads())

/// Below this many floats of work a loop runs on the calling thread: waking workers costs more.
let parallelWorkThreshold = 1 << 16

/// Runs `body` over `count` items split into one contiguous range per kernel thread; each
/// range is disjoint, so bodies may write their own part of a shared output.
@inline(__always)
func forEachChannelRange(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
    let parts = min(kernelThreads, count)
    if parts <= 1 || work < parallelWorkThreshold {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        let work = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            work.value(count * part / parts ..< count * (part + 1) / parts)
        }
    }
}

/// Hands a closure to concurrentPerform, which waits for every iteration before returning;
/// the ranges given to the iterations are disjoint, so no two threads write the same memory.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
