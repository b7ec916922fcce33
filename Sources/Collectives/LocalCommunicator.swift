import Foundation

/// The single-process job: every collective is the identity, `abort` exits with status 1.
public final class LocalCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var localRank: Int { 0 }
    public var localSize: Int { 1 }
    public var nodeName: String { ProcessInfo.processInfo.hostName }

    public func allReduceMean(_ values: UnsafeMutablePointer<Float>, count: Int) {}
    public func startAllReduceMean(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingReduction {
        PendingReduction(handle: nil, values: values, count: count, isComplete: true)
    }
    public func wait(_ reduction: inout PendingReduction) {}
    public func poll(_ reduction: inout PendingReduction) {}
    public func allReduceSum(_ values: UnsafeMutablePointer<Double>, count: Int) {}
    public func allReduceMax(_ value: Double) -> Double { value }
    public func broadcast(_ bytes: UnsafeMutableRawPointer, byteCount: Int, root: Int) {
        precondition(root == 0, "LocalCommunicator: broadcast from rank \(root) in a job of one")
    }
    public func scatter(_ values: UnsafePointer<Float>?, part: UnsafeMutablePointer<Float>, count: Int, root: Int) {
        precondition(root == 0 && values != nil, "LocalCommunicator: scatter from rank \(root) in a job of one")
        if UnsafePointer(part) != values { part.update(from: values!, count: count) }
    }
    public func barrier() {}
    public func beginStep(_ step: Int) {}
    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(1)
    }
    public func finalize() {}
}
