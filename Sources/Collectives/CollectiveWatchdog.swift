import CMPI
import Foundation
import Synchronization

/// What a rank waits in, as the watchdog reports it.
enum Collective {
    case allReduce(floats: Int)
    case sum(values: Int)
    case max
    case broadcast(bytes: Int, root: Int)
    case scatter(floats: Int, root: Int)
    case barrier

    /// Sent in a watchdog answer as (code, size, root).
    var encoded: (Int64, Int64, Int64) {
        switch self {
        case .allReduce(let floats): (0, Int64(floats), -1)
        case .sum(let values): (1, Int64(values), -1)
        case .max: (2, 1, -1)
        case .broadcast(let bytes, let root): (3, Int64(bytes), Int64(root))
        case .scatter(let floats, let root): (4, Int64(floats), Int64(root))
        case .barrier: (5, 0, -1)
        }
    }

    init(code: Int64, size: Int64, root: Int64) {
        let size = Int(size), root = Int(root)
        switch code {
        case 0: self = .allReduce(floats: size)
        case 1: self = .sum(values: size)
        case 2: self = .max
        case 3: self = .broadcast(bytes: size, root: root)
        case 4: self = .scatter(floats: size, root: root)
        default: self = .barrier
        }
    }

    var description: String {
        switch self {
        case .allReduce(let floats): "the allreduce of \(Self.megabytes(floats * 4)) of gradients"
        case .sum(let values): "a sum of \(values) value(s)"
        case .max: "a maximum (the step's stop and checkpoint decisions)"
        case .broadcast(let bytes, let root): "a broadcast of \(Self.megabytes(bytes)) from rank \(root)"
        case .scatter(let floats, let root): "the scatter of \(Self.megabytes(floats * 4)) of batch from rank \(root)"
        case .barrier: "a barrier"
        }
    }

    private static func megabytes(_ bytes: Int) -> String {
        bytes < 1 << 20 ? "\(bytes) bytes" : String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }
}

/// Ends a job whose collective waits too long, with one line naming the ranks that stopped
/// answering (in the spirit of Horovod's stall inspector and the timeouts of PyTorch's process
/// groups). A lost host or a stopped process otherwise leaves every other rank waiting forever
/// in MPI, burning the allocation.
///
/// Every wait of `MPICommunicator` polls its requests on the main thread and calls `check`
/// between polls (MPI_THREAD_FUNNELED: no other thread may call MPI). `check` answers the
/// inquiries of other ranks and, past the deadline, asks every rank what it is waiting in:
/// ranks polling in a collective answer with its sequence number and kind; a rank that is
/// stopped, cut off or stuck outside MPI (a read blocked on storage) cannot. After a grace
/// period the lowest rank that timed out prints the blame line and calls MPI_Abort; the others
/// stay quiet unless it too goes silent. Half way to the deadline the same question, asked
/// once, gives a warning line from the lowest rank waiting, and the wait goes on. Messages
/// travel on a communicator of the watchdog's own, so they never match a collective's.
/// Nothing allocates until a deadline passes.
final class CollectiveWatchdog {
    /// Seconds one wait may take; 0 never expires.
    let timeout: Double
    /// Seconds to collect answers once the deadline passed.
    let grace: Double
    /// The training step now running, as the progress lines number it (0 before the first).
    var step = 0
    private let world: MPI_Comm?
    private var inquiries: MPI_Comm?
    private let rank: Int
    private let size: Int
    /// Every rank's node name, in rank order.
    private let nodeNames: [String]
    /// Collectives waited for so far; every rank waits for the same ones in the same order.
    private var sequence: Int64 = 0
    private var current = Collective.barrier
    private var waitStart = 0.0
    private var deadline = Double.infinity
    /// When this wait's warning asks every rank, and when it reports their answers.
    private var warningAt = Double.infinity
    private var warningReportAt = Double.infinity
    /// The receives of the warning's answers, one per rank, and the answers.
    private let warningRequests: UnsafeMutablePointer<MPI_Request?>
    private let warningAnswers: UnsafeMutablePointer<Int64>
    private var warningQuestion: Int64 = 0
    /// The lowest rank whose warning question arrived, and the collective it asked about
    /// (a question may arrive before this rank begins that collective).
    private var lowestWarner = Int.max
    private var warnedCollective: Int64 = 0
    /// The pending receive of an inquiry from any rank, and its one-value payload.
    private let inquiryRequest: UnsafeMutablePointer<MPI_Request?>
    private let inquiry: UnsafeMutablePointer<Int64>
    /// This rank's answer to each rank that asked: sequence, collective (3 values), ms waited.
    private let answers: UnsafeMutablePointer<Int64>
    /// The lowest rank whose inquiry arrived (Int.max: none).
    private var lowestInquirer = Int.max
    /// Ends this rank should MPI itself hang past the deadline (nil: no timeout).
    private let lastResort: LastResort?

    private static let fields = 5
    private static let inquiryTag: Int32 = 1
    private static let answerTag: Int32 = 2
    /// Answers to a warning's question, which is the negated sequence number.
    private static let warningAnswerTag: Int32 = 3

    init(timeout: Double, world: MPI_Comm?, rank: Int, size: Int, nodeNames: [String]) {
        self.timeout = timeout
        grace = min(max(timeout / 2, 1), 10)
        (self.world, self.rank, self.size, self.nodeNames) = (world, rank, size, nodeNames)
        MPI_Comm_dup(world, &inquiries)
        inquiryRequest = .allocate(capacity: 1)
        inquiryRequest.initialize(to: sparnet_mpi_request_null())
        inquiry = .allocate(capacity: 1)
        inquiry.initialize(to: 0)
        answers = .allocate(capacity: size * Self.fields)
        answers.initialize(repeating: 0, count: size * Self.fields)
        lastResort = timeout > 0 ? LastResort(rank: "rank \(rank) on \(nodeNames[rank])") : nil
        warningRequests = .allocate(capacity: size)
        warningRequests.initialize(repeating: sparnet_mpi_request_null(), count: size)
        warningAnswers = .allocate(capacity: size * Self.fields)
        warningAnswers.initialize(repeating: 0, count: size * Self.fields)
        postInquiryReceive()
    }

    /// Cancels the pending receive and frees the communicator (before MPI_Finalize).
    func close() {
        MPI_Cancel(inquiryRequest)
        MPI_Wait(inquiryRequest, sparnet_mpi_status_ignore())
        cancelWarning()
        MPI_Comm_free(&inquiries)
        inquiryRequest.deallocate()
        inquiry.deallocate()
        answers.deallocate()
        warningRequests.deallocate()
        warningAnswers.deallocate()
    }

    private func postInquiryReceive() {
        MPI_Irecv(inquiry, 1, sparnet_mpi_int64(), sparnet_mpi_any_source(), Self.inquiryTag, inquiries, inquiryRequest)
    }

    /// A wait for `collective` begins now.
    func begin(_ collective: Collective) {
        if warningReportAt < .infinity { cancelWarning() }
        sequence += 1
        current = collective
        waitStart = Self.now()
        deadline = timeout > 0 ? waitStart + timeout : .infinity
        warningAt = timeout > 0 ? waitStart + timeout / 2 : .infinity
        // By then the job has ended through `expire`: grace, quiet period, abort.
        lastResort?.arm(until: deadline + 2 * grace + 10)
    }

    /// The wait `begin` began has finished.
    @inline(__always)
    func end() { lastResort?.disarm() }

    /// Runs `body`, MPI calls outside a wait (starting and polling the gradient rings during
    /// backward), under the last resort: a call that does not return ends the rank.
    @inline(__always)
    func guarding(_ body: () -> Void) {
        guard let lastResort else { return body() }
        lastResort.arm(until: Self.now() + timeout + 2 * grace + 10)
        body()
        lastResort.disarm()
    }

    /// Called between polls of the current wait: answers inquiries; half way to the deadline,
    /// warns; past it, ends the job.
    @inline(__always)
    func check() {
        answerInquiries()
        let now = Self.now()
        if now > warningAt { askForWarning(now) }
        if now > warningReportAt { reportWarning(now) }
        if now > deadline { expire() }
    }


    private func answerInquiries() {
        var arrived: Int32 = 0
        var status = MPI_Status()
        MPI_Test(inquiryRequest, &arrived, &status)
        guard arrived != 0 else { return }
        let asker = Int(status.MPI_SOURCE)
        let forWarning = inquiry.pointee < 0
        if !forWarning {
            lowestInquirer = min(lowestInquirer, asker)
        } else if -inquiry.pointee != warnedCollective {
            (warnedCollective, lowestWarner) = (-inquiry.pointee, asker)
        } else {
            lowestWarner = min(lowestWarner, asker)
        }
        let answer = answers + asker * Self.fields
        let (code, count, root) = current.encoded
        answer[0] = sequence
        (answer[1], answer[2], answer[3]) = (code, count, root)
        answer[4] = Int64((Self.now() - waitStart) * 1000)
        var send: MPI_Request? = sparnet_mpi_request_null()
        MPI_Isend(answer, Int32(Self.fields), sparnet_mpi_int64(), Int32(asker), forWarning ? Self.warningAnswerTag : Self.answerTag,
                  inquiries, &send)
        MPI_Request_free(&send)
        postInquiryReceive()
    }

    /// Asks every other rank, once, what it waits in; `reportWarning` reads the answers.
    private func askForWarning(_ now: Double) {
        warningAt = .infinity
        warningQuestion = -sequence
        for peer in 0..<size where peer != rank {
            MPI_Irecv(warningAnswers + peer * Self.fields, Int32(Self.fields), sparnet_mpi_int64(), Int32(peer),
                      Self.warningAnswerTag, inquiries, warningRequests + peer)
            var send: MPI_Request? = sparnet_mpi_request_null()
            MPI_Isend(&warningQuestion, 1, sparnet_mpi_int64(), Int32(peer), Self.inquiryTag, inquiries, &send)
            MPI_Request_free(&send)
        }
        // Before the deadline, so that the warning comes first.
        warningReportAt = now + min(grace, timeout / 4)
    }

    /// One warning line from the lowest rank that asked, naming the ranks that did not answer.
    private func reportWarning(_ now: Double) {
        var answered = Set<Int>()
        for peer in 0..<size where peer != rank {
            var done: Int32 = 0
            MPI_Test(warningRequests + peer, &done, sparnet_mpi_status_ignore())
            if done != 0 { answered.insert(peer) }
        }
        cancelWarning()
        guard warnedCollective != sequence || lowestWarner > rank else { return }
        let received = Array(UnsafeBufferPointer(start: warningAnswers, count: size * Self.fields))
        let (silent, others) = survey(answered: answered, received: received)
        let waiting = "\(name(rank)) has waited \(String(format: "%.1f", now - waitStart)) s in \(currentDescription)"
        let answers = others.isEmpty ? "" : "; " + others.joined(separator: ", ")
        let missing = silent.isEmpty ? "every rank answers" : "no answer from " + silent.map(name).joined(separator: ", ")
        let line = "warning: stall: \(waiting); \(missing)\(answers); the job ends after \(Self.seconds(timeout)) s "
            + "of waiting (distributed.stall_timeout_s)"
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Cancels the warning's receives still pending.
    private func cancelWarning() {
        warningReportAt = .infinity
        for peer in 0..<size where warningRequests[peer] != sparnet_mpi_request_null() {
            MPI_Cancel(warningRequests + peer)
            MPI_Wait(warningRequests + peer, sparnet_mpi_status_ignore())
        }
    }

    /// The current collective, its number and the step, as the warning and blame lines say it.
    private var currentDescription: String {
        let at = step > 0 ? ", step \(step)" : ""
        return "\(current.description) (collective \(sequence)\(at))"
    }

    /// Asks every rank what it waits in, then blames the silent ones and aborts the job.
    private func expire() -> Never {
        let waited = Self.now() - waitStart
        if warningReportAt < .infinity { cancelWarning() }
        // Past the quiet period of the ranks below, and 5 s for mpirun to end the job itself.
        LauncherGuard.endAfter(seconds: 2 * grace + 10)
        let peers = (0..<size).filter { $0 != rank }
        var received = [Int64](repeating: 0, count: size * Self.fields)
        var requests = [MPI_Request?](repeating: sparnet_mpi_request_null(), count: size)
        var question = sequence
        received.withUnsafeMutableBufferPointer { received in
            for peer in peers {
                MPI_Irecv(received.baseAddress! + peer * Self.fields, Int32(Self.fields), sparnet_mpi_int64(),
                          Int32(peer), Self.answerTag, inquiries, &requests[peer])
                var send: MPI_Request? = sparnet_mpi_request_null()
                MPI_Isend(&question, 1, sparnet_mpi_int64(), Int32(peer), Self.inquiryTag, inquiries, &send)
                MPI_Request_free(&send)
            }
        }
        var answered = Set<Int>()
        let graceEnd = Self.now() + grace
        while answered.count < peers.count, Self.now() < graceEnd {
            answerInquiries()
            for peer in peers where !answered.contains(peer) {
                var done: Int32 = 0
                MPI_Test(&requests[peer], &done, sparnet_mpi_status_ignore())
                if done != 0 { answered.insert(peer) }
            }
        }
        // A lower rank timed out too and speaks for the job; its abort ends this rank. Should
        // it fall silent as well, this rank speaks after all.
        if lowestInquirer < rank {
            let quietEnd = Self.now() + grace + 5
            while Self.now() < quietEnd { answerInquiries() }
        }
        let line = blame(waited: waited, answered: answered, received: received)
        FileHandle.standardError.write(Data((line + "\n").utf8))
        // MPI_Abort needs the launcher; cut off from it, it may never return. Its message is
        // out within a second; and a rank that exits non-zero ends the job all the same.
        Thread.detachNewThread {
            sleep(3)
            _exit(1)
        }
        MPI_Abort(world, 1)
        _exit(1)
    }

    fileprivate static func now() -> Double { monotonicNow() }

    private func name(_ rank: Int) -> String { "rank \(rank) on \(nodeNames[rank])" }

    /// The ranks that did not answer, and what the others said they wait in.
    private func survey(answered: Set<Int>, received: [Int64]) -> (silent: [Int], others: [String]) {
        let silent = (0..<size).filter { $0 != rank && !answered.contains($0) }
        var others: [String] = []
        for peer in answered.sorted() {
            let answer = Array(received[(peer * Self.fields)..<((peer + 1) * Self.fields)])
            let collective = Collective(code: answer[1], size: answer[2], root: answer[3])
            let seconds = String(format: "%.1f s", Double(answer[4]) / 1000)
            if answer[0] == sequence {
                others.append("\(name(peer)) waits in the same collective (\(seconds))")
            } else {
                others.append("\(name(peer)) waits in collective \(answer[0]), \(collective.description) (\(seconds))")
            }
        }
        return (silent, others)
    }

    private func blame(waited: Double, answered: Set<Int>, received: [Int64]) -> String {
        let (silent, others) = survey(answered: answered, received: received)
        let waiting = "\(name(rank)) waited \(String(format: "%.1f", waited)) s in \(currentDescription)"
        let setting = "distributed.stall_timeout_s = \(Self.seconds(timeout))"
        let answers = others.isEmpty ? "" : "; " + others.joined(separator: ", ")
        if silent.isEmpty {
            return "error: stall: every rank answers but the collective does not finish: \(waiting)\(answers); ending the job (\(setting))"
        }
        let list = silent.map(name).joined(separator: ", ")
        return "error: stall: \(list) stopped answering (no answer within \(Self.seconds(grace)) s): \(waiting)\(answers); ending the job (\(setting))"
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }
}

/// Seconds on the monotonic clock.
private func monotonicNow() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// The watchdog's own check runs between polls of MPI; MPI can hang inside a poll once its
/// peers are gone (measured: a stopped rank, continued after its job had ended, sleeps for
/// ever in Open MPI's `orte_show_help`, sending a TCP error report to an mpirun that is no
/// more). A thread of its own, which never calls MPI, ends the rank when a wait outlives the
/// time in which the watchdog would have ended the job.
private final class LastResort: Sendable {
    /// The bit pattern of the monotonic time the current wait must end by (∞: none).
    private let limit = Atomic<UInt64>(Double.infinity.bitPattern)

    init(rank: String) {
        // The thread holds this object for the process's lifetime.
        Thread.detachNewThread { [self] in
            while true {
                sleep(1)
                let until = Double(bitPattern: limit.load(ordering: .relaxed))
                guard monotonicNow() > until else { continue }
                FileHandle.standardError.write(Data("error: stall: \(rank) is stuck inside MPI past its stall timeout (its peers are gone); exiting\n".utf8))
                _exit(1)
            }
        }
    }

    func arm(until time: Double) { limit.store(time.bitPattern, ordering: .relaxed) }
    func disarm() { limit.store(Double.infinity.bitPattern, ordering: .relaxed) }
}

/// mpirun ends a job on MPI_Abort by telling every host's daemon to kill its ranks, and waits
/// for their answers: a daemon on a host cut off from the network never answers, and mpirun
/// then waits for TCP to give up on it (measured: over 100 s; Linux's default retransmissions
/// run for about 15 minutes), holding the allocation; a stopped rank is killed only after
/// `odls_base_sigkill_timeout` (the launchers set 600 s, for checkpoint writes). So a rank that
/// mpirun started on its own host leaves a watcher behind, in a session of its own and holding
/// none of the rank's files (mpirun waits for a rank's output to close): should mpirun still run
/// when the job should long be over, the watcher says so on mpirun's standard error and kills it
/// (a TERM only starts the same wait again); the daemons that can still reach it then end what
/// is left. Ranks started by srun, or by a daemon on another host, leave none: the scheduler
/// ends what it started.
enum LauncherGuard {
    private static let launchers: Set<String> = ["mpirun", "mpiexec", "orterun", "prterun"]

    /// Leaves the watcher, which kills the launcher `seconds` from now should it still run.
    static func endAfter(seconds: Double) {
        let launcher = getppid()
        guard let comm = try? String(contentsOfFile: "/proc/\(launcher)/comm", encoding: .utf8) else { return }
        let name = comm.trimmingCharacters(in: .whitespacesAndNewlines)
        guard launchers.contains(name) else { return }
        // The launcher's start time (field 22 of its stat; its name has no spaces or
        // parentheses) tells it from a process that took its pid once it ended.
        guard let stat = try? String(contentsOfFile: "/proc/\(launcher)/stat", encoding: .utf8) else { return }
        let fields = stat.split(separator: " ")
        guard fields.count > 21 else { return }
        let started = String(fields[21])
        let script = """
            sleep "$2"
            [ "$(cut -d ' ' -f 22 "/proc/$1/stat" 2> /dev/null)" = "$4" ] || exit 0
            echo "error: stall: $3 (pid $1) has not ended the job $2 s after the stall timeout (a host cut off, or a rank that does not end); killing it" >> "/proc/$1/fd/2"
            kill -KILL "$1" 2> /dev/null
            """
        let arguments = ["setsid", "/bin/sh", "-c", script, "sh", "\(launcher)", "\(Int(seconds.rounded(.up)))", name, started]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        // Every other descriptor this rank holds (MPI's sockets among them) stays out as well;
        // the listing's own descriptor is closed again by the time F_GETFD asks.
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for descriptor in open where descriptor > 2 && fcntl(descriptor, F_GETFD) != -1 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var child: pid_t = 0
        posix_spawnp(&child, "setsid", &actions, nil, &argv, environ)
    }
}
