import CMPI

/// A float sum over every rank of one buffer, as a ring allreduce on non-blocking
/// point-to-point messages: `size − 1` reduce-scatter steps (each rank sends one chunk to the
/// next rank and adds the chunk it receives from the previous one), after which rank r holds
/// chunk r + 1 summed, then `size − 1` allgather steps passing the summed chunks around. Each
/// rank sends and receives 2·(size − 1)/size of the buffer, the bandwidth optimum.
///
/// Made once per buffer (a gradient bucket) with its receive chunk, then restarted every step:
/// Open MPI's own non-blocking and persistent collectives (libnbc) `realloc` their request
/// arrays in every round, and its blocking small allreduce takes a temporary buffer, while
/// `MPI_Isend`/`MPI_Irecv` take their requests from free lists and allocate nothing once warm.
/// Each chunk is summed once, on one rank, and passed on: every rank ends with the same bits.
final class RingReduction {
    let values: UnsafeMutablePointer<Float>
    let count: Int
    private let communicator: MPI_Comm?
    private let rank: Int
    private let size: Int
    /// This reduction's own tag: reductions in flight together never match each other's messages.
    private let tag: Int32
    /// The chunk received in a reduce-scatter step, before it is added.
    private let received: UnsafeMutablePointer<Float>
    /// The step's send and receive.
    private let requests: UnsafeMutablePointer<MPI_Request?>
    /// Steps begun so far (0 ..< 2·(size − 1)); the reduction is done when the last one completed.
    private var step = 0
    private(set) var isRunning = false

    init(values: UnsafeMutablePointer<Float>, count: Int, communicator: MPI_Comm?, rank: Int, size: Int, tag: Int32) {
        precondition(size > 1, "RingReduction: a ring needs two ranks or more")
        (self.values, self.count, self.communicator) = (values, count, communicator)
        (self.rank, self.size, self.tag) = (rank, size, tag)
        received = .allocate(capacity: max((count + size - 1) / size, 1))
        requests = .allocate(capacity: 2)
        requests.initialize(repeating: sparnet_mpi_request_null(), count: 2)
    }

    deinit {
        received.deallocate()
        requests.deallocate()
    }

    /// Chunk `index` (taken modulo the ring) of the buffer: the first `count % size` chunks
    /// hold one float more than the rest.
    private func chunk(_ index: Int) -> Range<Int> {
        let c = ((index % size) + size) % size
        let (base, extra) = count.quotientAndRemainder(dividingBy: size)
        let start = c * base + min(c, extra)
        return start..<(start + base + (c < extra ? 1 : 0))
    }

    private var stepCount: Int { 2 * (size - 1) }

    /// Begins the sum (the buffer must hold this rank's values and stay untouched until done).
    func start() {
        precondition(!isRunning, "RingReduction.start: the previous sum of this buffer is still running")
        isRunning = true
        step = 0
        beginStep()
    }

    /// Sends and receives the chunks of `step`: reduce-scatter step s sends chunk r − s and
    /// receives chunk r − s − 1; allgather step s sends chunk r + 1 − s and receives chunk r − s
    /// in place.
    private func beginStep() {
        let next = Int32((rank + 1) % size), previous = Int32((rank + size - 1) % size)
        let scattering = step < size - 1
        let s = scattering ? step : step - (size - 1)
        let sent = chunk(scattering ? rank - s : rank + 1 - s)
        let into = chunk(rank - s - (scattering ? 1 : 0))
        MPI_Irecv(scattering ? received : values + into.lowerBound, Int32(into.count), sparnet_mpi_float(),
                  previous, tag, communicator, &requests[1])
        MPI_Isend(values + sent.lowerBound, Int32(sent.count), sparnet_mpi_float(), next, tag, communicator,
                  &requests[0])
    }

    /// Ends the step whose messages completed: adds the received chunk while scattering, then
    /// begins the next step, if any.
    private func endStep() {
        if step < size - 1 {
            let into = chunk(rank - step - 1)
            let target = values + into.lowerBound
            for i in 0..<into.count { target[i] += received[i] }
        }
        step += 1
        if step < stepCount { beginStep() } else { isRunning = false }
    }

    /// Moves the sum on as far as the messages that arrived allow, without blocking.
    func progress() {
        while isRunning {
            var done: Int32 = 0
            MPI_Testall(2, requests, &done, sparnet_mpi_statuses_ignore())
            guard done != 0 else { return }
            endStep()
        }
    }

    /// Polls until the sum is complete, letting `watchdog` end a wait for a silent peer.
    func wait(_ watchdog: CollectiveWatchdog) {
        while true {
            progress()
            guard isRunning else { return watchdog.end() }
            watchdog.check()
        }
    }
}
