import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One job per run directory: the coordinator holds an exclusive `flock` on `<run dir>/.lock` for
/// as long as the session lives. The kernel releases it when the process ends, however it ends,
/// so a dead job's lock is never in the way; the file names the holder for the refusal.
final class RunDirectoryLock {
    static let fileName = ".lock"
    private let descriptor: Int32

    /// Takes the lock, creating the directory if needed; a directory another live job holds is
    /// refused, naming the job.
    init(directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError("cannot create the run directory \(directory): \(error.localizedDescription)")
        }
        let path = directory + "/" + Self.fileName
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TrainingError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw TrainingError("the run directory \(directory) is in use by another job (\(holder.isEmpty ? "holder unknown" : holder)); wait for it to end, or choose another --run-dir")
        }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let started = ISO8601DateFormatter().string(from: Date())
        let text = "pid \(getpid()) on \(String(cString: host)), since \(started)\n"
        ftruncate(descriptor, 0)
        _ = text.withCString { write(descriptor, $0, strlen($0)) }
    }

    deinit { close(descriptor) }   // releases the lock
}
