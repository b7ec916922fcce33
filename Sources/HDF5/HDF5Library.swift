import CHDF5
import Foundation

/// Facts about the linked HDF5 library, and the one lock every call into it goes through.
///
/// Threads: HDF5 calls are serialized through one process-wide lock held for each wrapper
/// operation (open, read, write, close...). A library built without `--enable-threadsafe` must
/// not be entered by two threads at once; a thread-safe build (Debian's 1.10.8 is one, see
/// `isThreadSafe`) takes a global mutex of its own anyway, so no HDF5 call ever runs in parallel
/// and our lock costs nothing more. Holding it also keeps a failing call and the read of its
/// error stack together, and the lock is recursive so operations may compose. Every object of
/// this module may therefore be shared between threads (they are `Sendable`); a data loader
/// reading from several threads gets correct results, with the reads themselves taking turns.
///
/// Errors: HDF5 prints its error stack to stderr by default. In a thread-safe build that setting
/// is per thread (a new thread prints again), so every operation silences it for the calling
/// thread before it starts, and failures are reported as `HDF5Error` instead.
public enum HDF5Library {
    /// The linked library's version, e.g. "1.10.8".
    public static var version: String {
        serialized {
            var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
            _ = H5get_libversion(&major, &minor, &release)
            return "\(major).\(minor).\(release)"
        }
    }

    /// Whether the linked library was built thread-safe (`H5is_library_threadsafe`).
    public static var isThreadSafe: Bool {
        serialized {
            var threadSafe: hbool_t = false
            return H5is_library_threadsafe(&threadSafe) >= 0 && threadSafe
        }
    }

    private static let lock = NSRecursiveLock()

    /// Runs `body` holding the library lock, with HDF5's error printing off for this thread.
    static func serialized<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        sparnet_h5_silence_errors()
        return try body()
    }

    /// The innermost (most specific) entry of this thread's HDF5 error stack as
    /// "function(): description" (or, for a failed system call, its error alone: "No space
    /// left on device (errno 28)"), or nil when the stack is empty. Call right after the failing
    /// HDF5 call, inside `serialized`.
    static func innermostErrorMessage() -> String? {
        var message: String?
        let walker: H5E_walk2_t = { position, entry, clientData in
            guard position == 0, let entry, let clientData else { return 0 }
            let function = entry.pointee.func_name.map { String(cString: $0) } ?? "?"
            // Some descriptions embed newlines (a timestamp from ctime); keep the message one line.
            let description = (entry.pointee.desc.map { String(cString: $0) } ?? "")
                .split(whereSeparator: \.isNewline).joined(separator: " ")
            clientData.assumingMemoryBound(to: String?.self).pointee = "\(function)(): \(description)"
            return 0
        }
        _ = withUnsafeMutablePointer(to: &message) {
            H5Ewalk2(sparnet_h5e_default(), H5E_WALK_UPWARD, walker, UnsafeMutableRawPointer($0))
        }
        return message.map { systemErrorMessage(in: $0) ?? $0 }
    }

    /// The system error a failed read or write reports inside its description ("file write
    /// failed: time = …, filename = '…', file descriptor = 5, errno = 28, error message = 'No
    /// space left on device', buf = …, total write size = …"), as "No space left on device
    /// (errno 28)"; nil when the description names none. The file is named by `HDF5Error`.
    static func systemErrorMessage(in description: String) -> String? {
        guard let errnoRange = description.range(of: "errno = "),
              let messageStart = description.range(of: "error message = '", range: errnoRange.upperBound..<description.endIndex),
              let messageEnd = description[messageStart.upperBound...].firstIndex(of: "'") else { return nil }
        let number = description[errnoRange.upperBound...].prefix { $0.isNumber }
        let operation = description.contains("file write failed") ? "write failed: "
            : description.contains("file read failed") ? "read failed: " : ""
        return "\(operation)\(description[messageStart.upperBound..<messageEnd]) (errno \(number))"
    }
}
