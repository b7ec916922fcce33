#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file operation that failed, naming the path and the system's reason.
public struct DurableFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

/// Replaces `destination` by the complete file `source` so that, after a crash at any moment,
/// `destination` is either the old file or the whole new one: fsync `source`, rename it over
/// `destination` (atomic on one file system), fsync the directory so the rename itself is
/// durable; `alreadySynced` skips the first fsync after `syncToDisk`. On failure `source` is
/// removed.
public func durablyRename(_ source: String, to destination: String, alreadySynced: Bool = false) throws {
    do {
        if !alreadySynced { try sync(source, directory: false) }
        try requireReplaceableFile(destination)
        guard rename(source, destination) == 0 else {
            throw DurableFileError(path: destination, message: "cannot rename \(source) into place: \(reason())")
        }
    } catch {
        unlink(source)
        throw error
    }
    try sync(directoryOf(destination), directory: true)
}

/// Refuses a destination that exists and is neither a regular file nor a directory (a FIFO, a
/// device, a socket): renaming over it would swap the special file for a regular one, silently
/// (as root, `--out /dev/full` would replace the device). Over a directory the rename fails by
/// itself.
public func requireReplaceableFile(_ path: String) throws {
    var status = stat()
    guard stat(path, &status) == 0 else { return }   // nothing there (or unreachable: creating it says why)
    let kind = status.st_mode & S_IFMT
    guard kind != S_IFREG && kind != S_IFDIR else { return }
    let name = kind == S_IFIFO ? "a FIFO" : kind == S_IFCHR || kind == S_IFBLK ? "a device"
        : kind == S_IFSOCK ? "a socket" : "not a regular file"
    throw DurableFileError(path: path, message: "is \(name), not a file that can be replaced; choose another path")
}

/// Whether `first` and `second` name one existing file (the same device and inode, whatever
/// the spelling, links included).
public func isSameFile(_ first: String, _ second: String) -> Bool {
    var a = stat(), b = stat()
    return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
}

/// fsyncs the file at `path` (the first half of `durablyRename`, for writers that finish
/// several files before publishing any).
public func syncToDisk(_ path: String) throws { try sync(path, directory: false) }

/// Writes `bytes` to `path` durably through a temporary file beside it (see `durablyRename`).
public func writeDurably(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
    let temporary = temporaryPath(for: path)
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else {
        throw DurableFileError(path: path, message: "cannot create a temporary file beside it: \(reason())")
    }
    var written = 0
    while written < bytes.count {
        let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        if count < 0 {
            if errno == EINTR { continue }
            let error = DurableFileError(path: path, message: "writing \(bytes.count) bytes: \(reason())")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        written += count
    }
    guard close(descriptor) == 0 else {
        let error = DurableFileError(path: path, message: "closing: \(reason())")
        unlink(temporary)
        throw error
    }
    try durablyRename(temporary, to: path)
}

/// A fresh name beside `path` for its temporary version: `.<name>.partial-<pid>-<random>`.
/// Never matched by the final-name patterns readers look for.
public func temporaryPath(for path: String) -> String {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    return directory + "." + name + ".partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
}

private func directoryOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

private func sync(_ path: String, directory: Bool) throws {
    let descriptor = open(path, directory ? O_RDONLY | O_DIRECTORY : O_RDONLY)
    guard descriptor >= 0 else { throw DurableFileError(path: path, message: "cannot open to sync: \(reason())") }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else { throw DurableFileError(path: path, message: "fsync failed: \(reason())") }
}

private func reason() -> String { String(cString: strerror(errno)) }
