import CMPI
import Foundation

/// The ranks started by `mpirun` (Open MPI). With `RingReduction`, the only code importing CMPI.
///
/// MPI's default error handler stays in place: a failing MPI call ends the whole job rather
/// than leaving other ranks waiting in a collective, and `abort` calls `MPI_Abort`, which makes
/// `mpirun` kill every rank. Every collective is built on non-blocking point-to-point messages
/// and waited for by polling, so that `CollectiveWatchdog` can end a job whose peers went
/// silent (a lost host, a stopped process) instead of waiting forever.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let localRank: Int
    public let localSize: Int
    public let nodeName: String
    private let world: MPI_Comm
    /// A duplicate of the world for the reductions' messages, which are matched by tag alone.
    private var reductionWorld: MPI_Comm?
    private var finalized = false
    /// The ring of each gradient bucket, by buffer: a bucket is reduced from the same memory
    /// every step, so its ring (and receive chunk) is made once and restarted.
    private var rings: [Bucket: RingReduction] = [:]
    /// The next ring's tag; tag 0 belongs to the small reductions.
    private var nextRingTag: Int32 = 1
    /// Every rank's values of a small reduction, in rank order (grown to the largest count).
    private var gathered: UnsafeMutableBufferPointer<Double> = .allocate(capacity: 0)
    /// The small reductions', broadcasts', scatters' and barriers' sends and receives, two per
    /// other rank.
    private let exchangeRequests: UnsafeMutablePointer<MPI_Request?>
    private let watchdog: CollectiveWatchdog

    private struct Bucket: Hashable {
        let values: UnsafeMutablePointer<Float>
        let count: Int
    }

    /// Whether this process was started by an MPI launcher (`mpirun`, `srun`), judged from the
    /// environment those launchers set, so `MPI_Init` is never called in a plain process.
    public static var isLaunchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_STEP_ID"].contains { environment[$0] != nil }
    }

    /// This process's rank as the launcher's environment gives it before `MPI_Init` (nil when
    /// not launched by Open MPI, PMI or Slurm): lets a command that fails before joining the
    /// job report the failure once, from rank 0, rather than once per rank.
    public static var launcherRank: Int? {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"].lazy.compactMap { environment[$0].flatMap { Int($0) } }.first
    }

    /// Initializes MPI (once per process), with threads allowed but only the main thread
    /// calling MPI (data-loader threads never communicate). A wait in one collective longer than
    /// `stallTimeout` seconds (0: no limit) ends the job, naming the ranks that stopped answering.
    public init(stallTimeout: Double = 0) {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, sparnet_mpi_thread_funneled(), &provided)
        world = sparnet_mpi_comm_world()
        var value: Int32 = 0
        MPI_Comm_rank(world, &value)
        rank = Int(value)
        MPI_Comm_size(world, &value)
        size = Int(value)
        var node: MPI_Comm? = nil
        MPI_Comm_split_type(world, sparnet_mpi_comm_type_shared(), Int32(rank), sparnet_mpi_info_null(), &node)
        MPI_Comm_rank(node, &value)
        localRank = Int(value)
        MPI_Comm_size(node, &value)
        localSize = Int(value)
        MPI_Comm_free(&node)
        var name = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1)
        var length: Int32 = 0
        MPI_Get_processor_name(&name, &length)
        nodeName = String(cString: name)
        MPI_Comm_dup(world, &reductionWorld)
        exchangeRequests = .allocate(capacity: max(2 * (size - 1), 1))
        exchangeRequests.initialize(repeating: sparnet_mpi_request_null(), count: max(2 * (size - 1), 1))
        // Every rank's node name, for the watchdog's blame line.
        let width = Int(MPI_MAX_PROCESSOR_NAME) + 1
        var names = [CChar](repeating: 0, count: width * size)
        MPI_Allgather(&name, Int32(width), sparnet_mpi_char(), &names, Int32(width), sparnet_mpi_char(), world)
        let nodeNames = (0..<size).map { r in names.withUnsafeBufferPointer { String(cString: $0.baseAddress! + r * width) } }
        watchdog = CollectiveWatchdog(timeout: stallTimeout, world: world, rank: rank, size: size, nodeNames: nodeNames)
    }

    public func beginStep(_ step: Int) { watchdog.step = step }

    deinit { finalize() }

    public func allReduceMean(_ values: UnsafeMutablePointer<Float>, count: Int) {
        guard size > 1 else { return }
        // A ring of its own: callers of the blocking form pass buffers that do not come back.
        let ring = makeRing(values, count: count)
        ring.start()
        watchdog.begin(.allReduce(floats: count))
        ring.wait(watchdog)
        divide(values, count: count)
    }

    public func startAllReduceMean(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingReduction {
        guard size > 1 else { return PendingReduction(handle: nil, values: values, count: count, isComplete: true) }
        let bucket = Bucket(values: values, count: count)
        let ring = rings[bucket] ?? makeRing(values, count: count)
        rings[bucket] = ring
        watchdog.guarding { ring.start() }
        return PendingReduction(handle: ring, values: values, count: count, isComplete: false)
    }

    private func makeRing(_ values: UnsafeMutablePointer<Float>, count: Int) -> RingReduction {
        // 32767: the least MPI_TAG_UB the standard allows.
        defer { nextRingTag = nextRingTag == 32767 ? 1 : nextRingTag + 1 }
        return RingReduction(values: values, count: count, communicator: reductionWorld, rank: rank, size: size,
                             tag: nextRingTag)
    }

    public func wait(_ reduction: inout PendingReduction) {
        guard !reduction.isComplete, let ring = reduction.handle as? RingReduction else { return }
        watchdog.begin(.allReduce(floats: reduction.count))
        ring.wait(watchdog)
        complete(&reduction)
    }

    public func poll(_ reduction: inout PendingReduction) {
        guard !reduction.isComplete, let ring = reduction.handle as? RingReduction else { return }
        watchdog.guarding { ring.progress() }
        if !ring.isRunning { complete(&reduction) }
    }

    /// Divides the completed sum by the world size.
    private func complete(_ reduction: inout PendingReduction) {
        reduction.handle = nil
        reduction.isComplete = true
        divide(reduction.values, count: reduction.count)
    }

    private func divide(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let scale = 1 / Float(size)
        for i in 0..<count { values[i] *= scale }
    }

    public func allReduceSum(_ values: UnsafeMutablePointer<Double>, count: Int) {
        watchdog.begin(.sum(values: count))
        let all = gatherEverywhere(values, count: count)
        for i in 0..<count {
            values[i] = (0..<size).reduce(0) { $0 + all[$1 * count + i] }
        }
    }

    public func allReduceMax(_ value: Double) -> Double {
        var value = value
        watchdog.begin(.max)
        let all = gatherEverywhere(&value, count: 1)
        return (0..<size).reduce(-Double.infinity) { max($0, all[$1]) }
    }

    /// Every rank's `count` values, in rank order, on every rank: each rank sends its values to
    /// every other. For the small reductions of a step (flags, losses, BatchNorm statistics),
    /// where MPI_Allreduce would take a temporary buffer each call; summed in rank order, the
    /// result is the same on every rank.
    private func gatherEverywhere(_ values: UnsafePointer<Double>, count: Int) -> UnsafePointer<Double> {
        if gathered.count < size * count {
            gathered.deallocate()
            gathered = .allocate(capacity: size * count)
        }
        let all = gathered.baseAddress!
        (all + rank * count).update(from: values, count: count)
        var requests = 0
        for peer in 0..<size where peer != rank {
            MPI_Irecv(all + peer * count, Int32(count), sparnet_mpi_double(), Int32(peer), 0, reductionWorld,
                      &exchangeRequests[requests])
            MPI_Isend(values, Int32(count), sparnet_mpi_double(), Int32(peer), 0, reductionWorld,
                      &exchangeRequests[requests + 1])
            requests += 2
        }
        waitForExchange(requests)
        return UnsafePointer(all)
    }

    /// Polls the first `count` exchange requests until all completed, under the watchdog.
    private func waitForExchange(_ count: Int) {
        while true {
            var done: Int32 = 0
            MPI_Testall(Int32(count), exchangeRequests, &done, sparnet_mpi_statuses_ignore())
            if done != 0 { return watchdog.end() }
            watchdog.check()
        }
    }

    // Broadcast, scatter and barrier go from rank to rank on `world` (whose point-to-point
    // messages nothing else uses): every rank calls them in the same order, and MPI keeps the
    // messages between two ranks in order, so each send matches its own collective's receive.
    // Linear in the ranks: they run at start-up and once per step with a batch's worth of data.

    public func broadcast(_ bytes: UnsafeMutableRawPointer, byteCount: Int, root: Int) {
        precondition(byteCount <= Int(Int32.max), "broadcast: \(byteCount) bytes is more than one MPI message holds")
        guard size > 1 else { return }
        watchdog.begin(.broadcast(bytes: byteCount, root: root))
        sendFromRoot(root, count: byteCount, datatype: sparnet_mpi_byte(), into: bytes) { _ in UnsafeRawPointer(bytes) }
    }

    public func scatter(_ values: UnsafePointer<Float>?, part: UnsafeMutablePointer<Float>, count: Int, root: Int) {
        if rank == root, UnsafePointer(part) != values! + rank * count {
            part.update(from: values! + rank * count, count: count)
        }
        guard size > 1 else { return }
        watchdog.begin(.scatter(floats: count * size, root: root))
        sendFromRoot(root, count: count, datatype: sparnet_mpi_float(), into: part) { UnsafeRawPointer(values! + $0 * count) }
    }

    /// The root sends `message(peer)` to every other rank, which receives it into `into`
    /// (`count` elements of `datatype`); waits under the watchdog.
    private func sendFromRoot(_ root: Int, count: Int, datatype: MPI_Datatype?, into: UnsafeMutableRawPointer,
                              message: (Int) -> UnsafeRawPointer) {
        var requests = 0
        if rank == root {
            for peer in 0..<size where peer != root {
                MPI_Isend(message(peer), Int32(count), datatype, Int32(peer), 0, world, &exchangeRequests[requests])
                requests += 1
            }
        } else {
            MPI_Irecv(into, Int32(count), datatype, Int32(root), 0, world, &exchangeRequests[0])
            requests = 1
        }
        waitForExchange(requests)
    }

    public func barrier() {
        guard size > 1 else { return }
        watchdog.begin(.barrier)
        var requests = 0
        for peer in 0..<size where peer != rank {
            MPI_Irecv(nil, 0, sparnet_mpi_byte(), Int32(peer), 0, world, &exchangeRequests[requests])
            MPI_Isend(nil, 0, sparnet_mpi_byte(), Int32(peer), 0, world, &exchangeRequests[requests + 1])
            requests += 2
        }
        waitForExchange(requests)
    }

    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: rank \(rank) of \(size) (\(nodeName)): \(message)\n".utf8))
        MPI_Abort(world, 1)
        exit(1)
    }

    public func finalize() {
        guard !finalized else { return }
        finalized = true
        rings = [:]
        watchdog.close()
        gathered.deallocate()
        gathered = .allocate(capacity: 0)
        exchangeRequests.deallocate()
        MPI_Comm_free(&reductionWorld)
        MPI_Finalize()
    }
}
