import CMPI
import Foundation

/// The ranks started by `mpirun` (Open MPI). The only `import CMPI` of the project.
///
/// MPI's default error handler stays in place: a failing MPI call ends the whole job rather
/// than leaving other ranks waiting in a collective, and `abort` calls `MPI_Abort`, which makes
/// `mpirun` kill every rank.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let localRank: Int
    public let localSize: Int
    public let nodeName: String
    private let world: MPI_Comm
    private var finalized = false
    /// Persistent reductions by buffer: a gradient bucket is reduced from the same memory every
    /// step, so its request is made once and restarted (no allocation per step).
    private var persistentReductions: [Bucket: MPI_Request] = [:]

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
    /// calling MPI (data-loader threads never communicate).
    public init() {
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
    }

    deinit { finalize() }

    public func allReduceMean(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var reduction = startAllReduceMean(values, count: count)
        wait(&reduction)
    }

    public func startAllReduceMean(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingReduction {
        let bucket = Bucket(values: values, count: count)
        if persistentReductions[bucket] == nil {
            var made: MPI_Request? = nil
            if sparnet_mpi_allreduce_sum_init(values, Int32(count), world, &made) != 0, let made {
                persistentReductions[bucket] = made
            }
        }
        var request: MPI_Request? = persistentReductions[bucket]
        if request != nil {
            MPI_Start(&request)
        } else {
            MPI_Iallreduce(sparnet_mpi_in_place(), values, Int32(count), sparnet_mpi_float(), sparnet_mpi_sum(),
                           world, &request)
        }
        return PendingReduction(handle: request, values: values, count: count, isComplete: false)
    }

    public func wait(_ reduction: inout PendingReduction) {
        guard !reduction.isComplete else { return }
        var request: MPI_Request? = reduction.handle
        MPI_Wait(&request, sparnet_mpi_status_ignore())
        complete(&reduction)
    }

    public func poll(_ reduction: inout PendingReduction) {
        guard !reduction.isComplete else { return }
        var request: MPI_Request? = reduction.handle
        var done: Int32 = 0
        MPI_Test(&request, &done, sparnet_mpi_status_ignore())
        if done != 0 { complete(&reduction) }
    }

    /// Divides the completed sum by the world size.
    private func complete(_ reduction: inout PendingReduction) {
        reduction.handle = nil
        reduction.isComplete = true
        let scale = 1 / Float(size)
        for i in 0..<reduction.count { reduction.values[i] *= scale }
    }

    public func allReduceSum(_ values: UnsafeMutablePointer<Double>, count: Int) {
        MPI_Allreduce(sparnet_mpi_in_place(), values, Int32(count), sparnet_mpi_double(), sparnet_mpi_sum(), world)
    }

    public func allReduceMax(_ value: Double) -> Double {
        var result = value
        MPI_Allreduce(sparnet_mpi_in_place(), &result, 1, sparnet_mpi_double(), sparnet_mpi_max(), world)
        return result
    }

    public func broadcast(_ bytes: UnsafeMutableRawPointer, byteCount: Int, root: Int) {
        MPI_Bcast(bytes, Int32(byteCount), sparnet_mpi_byte(), Int32(root), world)
    }

    public func scatter(_ values: UnsafePointer<Float>?, part: UnsafeMutablePointer<Float>, count: Int, root: Int) {
        MPI_Scatter(values, Int32(count), sparnet_mpi_float(), part, Int32(count), sparnet_mpi_float(), Int32(root), world)
    }

    public func barrier() { MPI_Barrier(world) }

    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: rank \(rank) of \(size) (\(nodeName)): \(message)\n".utf8))
        MPI_Abort(world, 1)
        exit(1)
    }

    public func finalize() {
        guard !finalized else { return }
        finalized = true
        for stored in persistentReductions.values {
            var request: MPI_Request? = stored
            MPI_Request_free(&request)
        }
        persistentReductions = [:]
        MPI_Finalize()
    }
}
