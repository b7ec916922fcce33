#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `bytes` to `path` through a temporary file in the same directory (same file system,
/// so the final `rename` is atomic): readers see either the old file or the complete new one,
/// and every failure removes the temporary file.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    func failure(_ what: String) -> ImageError {
        ImageError(file: path, .writeFailed("\(what): \(String(cString: strerror(errno)))"))
    }
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !name.isEmpty else { throw ImageError(file: path, .writeFailed("the path names a directory")) }
    let temporary = directory + "." + name + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"

    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { throw failure("cannot create a temporary file beside it") }
    var written = 0
    let complete: Bool = bytes.withUnsafeBytes { buffer in
        while written < buffer.count {
            let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            written += count
        }
        return true
    }
    // fsync so that after a crash the renamed file has its content, not zero length.
    guard complete, fsync(descriptor) == 0 else {
        let error = failure("writing \(bytes.count) bytes")
        close(descriptor)
        unlink(temporary)
        throw error
    }
    guard close(descriptor) == 0 else {
        let error = failure("closing")
        unlink(temporary)
        throw error
    }
    guard rename(temporary, path) == 0 else {
        let error = failure("renaming the temporary file")
        unlink(temporary)
        throw error
    }
}
