/// The processes of one training job and the collective operations between them (DESIGN.md
/// §5). `MPICommunicator` spans the ranks `mpirun` started; `LocalCommunicator` is the same
/// program with world size 1 (`--debug`, no MPI). All communication goes through here, so it
/// is timed in one place.
public protocol Communicator: AnyObject {
    /// This process's index in the job, 0 being the coordinator.
    var rank: Int { get }
    /// Number of processes in the job.
    var size: Int { get }
    /// This process's index among the ranks on its node.
    var localRank: Int { get }
    /// Number of ranks on this node.
    var localSize: Int { get }
    /// Name of the node this rank runs on.
    var nodeName: String { get }

    /// Replaces `values[0..<count]` with their mean over all ranks, in place.
    func allReduceMean(_ values: UnsafeMutablePointer<Float>, count: Int)
    /// Starts `allReduceMean` without waiting; the buffer must not be touched until `wait`.
    func startAllReduceMean(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingReduction
    /// Waits for a reduction started with `startAllReduceMean` (no-op once it completed).
    func wait(_ reduction: inout PendingReduction)
    /// Lets a started reduction make progress and completes it if it is done; called between
    /// layers of backward, since MPI moves data mostly inside its own calls.
    func poll(_ reduction: inout PendingReduction)
    /// Sums small Double values (flags, loss terms, statistics) over all ranks, in place.
    func allReduceSum(_ values: UnsafeMutablePointer<Double>, count: Int)
    /// The largest of `value` over all ranks.
    func allReduceMax(_ value: Double) -> Double
    /// Sends rank r the r-th of `size` equal parts of `values` on `root` (each `count` floats)
    /// into `part` on every rank (the root's own part included).
    func scatter(_ values: UnsafePointer<Float>?, part: UnsafeMutablePointer<Float>, count: Int, root: Int)
    /// Copies `byteCount` bytes from `root` to every rank.
    func broadcast(_ bytes: UnsafeMutableRawPointer, byteCount: Int, root: Int)
    /// Waits until every rank arrives.
    func barrier()
    /// Names the training step now running (as the progress lines number it), for the message
    /// that ends a stalled job.
    func beginStep(_ step: Int)
    /// Ends every rank of the job at once with a message naming this rank; never returns.
    func abort(_ message: String) -> Never
    /// Ends communication cleanly; call once, on every rank, at the end.
    func finalize()
}

/// A reduction in flight (the MPI communicator's ring for its buffer, or nothing for a single process).
public struct PendingReduction {
    var handle: AnyObject?
    let values: UnsafeMutablePointer<Float>
    let count: Int
    /// True once the mean is in `values`.
    public internal(set) var isComplete: Bool

    init(handle: AnyObject?, values: UnsafeMutablePointer<Float>, count: Int, isComplete: Bool) {
        self.handle = handle
        self.values = values
        self.count = count
        self.isComplete = isComplete
    }
}

extension Communicator {
    /// True on the coordinator.
    public var isCoordinator: Bool { rank == 0 }

    /// Sums Doubles given as an array (outside the training step's hot path).
    public func allReduceSum(_ values: [Double]) -> [Double] {
        var result = values
        result.withUnsafeMutableBufferPointer { allReduceSum($0.baseAddress!, count: $0.count) }
        return result
    }

    /// Broadcasts a string from `root` (its length first, then its bytes).
    public func broadcast(_ string: String, root: Int) -> String {
        var length = Int64(rank == root ? string.utf8.count : 0)
        broadcast(&length, byteCount: 8, root: root)
        var bytes = rank == root ? Array(string.utf8) : [UInt8](repeating: 0, count: Int(length))
        if length > 0 { bytes.withUnsafeMutableBytes { broadcast($0.baseAddress!, byteCount: Int(length), root: root) } }
        return String(decoding: bytes, as: UTF8.self)
    }
}
