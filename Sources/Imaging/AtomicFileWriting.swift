import DurableFiles

/// Writes `bytes` to `path` durably through a temporary file in the same directory: readers
/// see either the old file or the complete new one, and every failure removes the temporary.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    guard !path.hasSuffix("/") else { throw ImageError(file: path, .writeFailed("the path names a directory")) }
    do {
        try bytes.withUnsafeBytes { try writeDurably($0, to: path) }
    } catch let error as DurableFileError {
        throw ImageError(file: path, .writeFailed(error.message))
    }
}
