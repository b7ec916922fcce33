import Collectives
import Dispatch
import Networks
import Tensors

/// Averages a network's gradient arena over every rank in buckets, each started (non-blocking)
/// as soon as backward has finished every gradient in it, so communication overlaps the rest
/// of backward (DESIGN.md §5). Buckets tile the arena from its end, because backward finishes
/// the last-registered parameters first.
public final class GradientReducer {
    private let communicator: any Communicator
    private let gradients: Arena
    /// Bucket start offsets, from the end of the arena towards the start.
    private let bucketStarts: [Int]
    private var bucketsStarted = 0
    private var pending: [PendingReduction?]
    /// Seconds spent waiting for reductions in the last `finish` (communication not hidden).
    public private(set) var lastWaitSeconds = 0.0

    /// Buckets of at most `bucketBytes` bytes over `gradients`, tiled from the arena's end;
    /// toward its start each bucket is half of what is left, until that is at most twice
    /// `minimumBucketBytes`. The start's bucket is the one only the end of backward finishes,
    /// so nothing overlaps its reduction: a small one keeps that wait short (25 MiB buckets
    /// over SPARNet's 42 MB of gradients left 17 MB to reduce after backward).
    public init(communicator: any Communicator, gradients: Arena, bucketBytes: Int) {
        precondition(bucketBytes > 0, "GradientReducer: bucket size \(bucketBytes) bytes")
        self.communicator = communicator
        self.gradients = gradients
        bucketStarts = Self.bucketStarts(count: gradients.count, bucketBytes: bucketBytes)
        pending = Array(repeating: nil, count: bucketStarts.count)
    }

    /// The smallest bucket the halving toward the arena's start makes (unless `bucketBytes` is smaller).
    public static let minimumBucketBytes = 1 << 20

    /// Bucket start offsets over `count` floats, from the end toward the start (see `init`).
    public static func bucketStarts(count: Int, bucketBytes: Int) -> [Int] {
        let largest = max(bucketBytes / MemoryLayout<Float>.stride, 1)
        let smallest = min(largest, minimumBucketBytes / MemoryLayout<Float>.stride)
        var starts: [Int] = []
        var end = count
        while end > 0 {
            let size = end > largest ? largest : end > 2 * smallest ? (end + 1) / 2 : end
            let start = max(end - size, 0)
            starts.append(start)
            end = start
        }
        return starts
    }

    /// Call before backward.
    public func begin() { bucketsStarted = 0 }

    /// Starts every bucket lying entirely at or after `offset` (the backward hook: gradients
    /// from `offset` to the end are final).
    public func parametersFinal(from offset: Int) {
        guard communicator.size > 1 else { return }
        while bucketsStarted < bucketStarts.count && bucketStarts[bucketsStarted] >= offset {
            start(bucketsStarted)
            bucketsStarted += 1
        }
        for index in 0..<bucketsStarted where pending[index] != nil { communicator.poll(&pending[index]!) }
    }

    /// Starts whatever is left and waits for every bucket; afterwards the arena holds the
    /// mean over ranks.
    public func finish() {
        guard communicator.size > 1 else { lastWaitSeconds = 0; return }
        while bucketsStarted < bucketStarts.count {
            start(bucketsStarted)
            bucketsStarted += 1
        }
        let waitStart = DispatchTime.now().uptimeNanoseconds
        for index in pending.indices where pending[index] != nil {
            communicator.wait(&pending[index]!)
            pending[index] = nil
        }
        lastWaitSeconds = Double(DispatchTime.now().uptimeNanoseconds - waitStart) / 1e9
    }

    private func start(_ index: Int) {
        let begin = bucketStarts[index]
        let end = index == 0 ? gradients.count : bucketStarts[index - 1]
        pending[index] = communicator.startAllReduceMean(gradients.base + begin, count: end - begin)
    }
}

/// Synchronized BatchNorm's statistics, summed over the ranks of a communicator.
public final class CommunicatorStatistics: ReplicaStatistics {
    private let communicator: any Communicator
    public init(_ communicator: any Communicator) { self.communicator = communicator }
    public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {
        communicator.allReduceSum(values, count: count)
    }
}
