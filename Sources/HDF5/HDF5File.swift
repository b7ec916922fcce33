import Foundation
import CHDF5
#if canImport(Glibc)
import Glibc
#endif

/// An open HDF5 file; as a group it is the file's root group ("/"), and its attributes are the
/// root attributes.
///
/// ```swift
/// let file = try HDF5File(path: "sparnet_A.h5")
/// let input = try file.dataset("input").expect(type: .float32, rank: 4).read(Float.self)
/// ```
///
/// File locking: HDF5 1.10.7+ locks files with `flock`, which fails on some NFS mounts. Files
/// opened `.readOnly` are opened with locking off (`H5Pset_file_locking(false)`), so many
/// ranks can read shared files on any file system. Files opened for writing ask for a lock but
/// carry on where the file system has none (`ignore_when_disabled`). With an HDF5 older than
/// 1.10.7, or to turn locking off for writes too, set `HDF5_USE_FILE_LOCKING=FALSE` in the
/// environment (it overrides these settings).
///
/// Closing: `close()` (or the last reference going away) closes the file and every group and
/// dataset opened from it. Groups and datasets keep their file alive, so
/// `try HDF5File(path: p).dataset("x").read(Float.self)` works.
public final class HDF5File: HDF5Group, @unchecked Sendable {
    /// How a file is opened.
    public enum Mode: Sendable {
        /// Read an existing file; no file locking.
        case readOnly
        /// Read and modify an existing file.
        case readWrite
        /// Create the file, replacing any existing file at that path.
        case create
        /// Create the file; fail if something already exists at that path.
        case createNew
    }

    /// How the file was opened.
    public let mode: Mode

    /// Opens (or creates) the HDF5 file at `path`.
    public init(path: String, mode: Mode = .readOnly) throws {
        self.mode = mode
        // What HDF5 reports of these two is a trace of its driver's internals; say it plainly.
        if mode == .readOnly || mode == .readWrite {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw HDF5Error(file: path, "cannot \(mode.verb): No such file or directory")
            }
            if isDirectory.boolValue {
                throw HDF5Error(file: path, "cannot \(mode.verb): it is a directory; name the HDF5 files in it (e.g. \(path)/*.h5)")
            }
        }
        let handle: hid_t = try HDF5Library.serialized {
            let access = H5Pcreate(sparnet_h5p_file_access())
            guard access >= 0 else { throw HDF5Error(file: path, "cannot create a file-access property list") }
            defer { H5Pclose(access) }
            // Strong close: closing the file closes every object opened from it, so close() is final.
            guard H5Pset_fclose_degree(access, H5F_CLOSE_STRONG) >= 0,
                  H5Pset_file_locking(access, mode != .readOnly, true) >= 0 else {
                throw Self.openFailure(path: path, "cannot set file-access properties")
            }
            let id: hid_t
            switch mode {
            case .readOnly: id = H5Fopen(path, sparnet_h5f_acc_rdonly(), access)
            case .readWrite:
                // HDF5 would quietly make an empty file into a new HDF5 file; refuse non-HDF5 files.
                if H5Fis_hdf5(path) == 0 { throw HDF5Error(file: path, "cannot open for reading and writing: not an HDF5 file") }
                id = H5Fopen(path, sparnet_h5f_acc_rdwr(), access)
            case .create: id = H5Fcreate(path, sparnet_h5f_acc_trunc(), sparnet_h5p_default(), access)
            case .createNew: id = H5Fcreate(path, sparnet_h5f_acc_excl(), sparnet_h5p_default(), access)
            }
            guard id >= 0 else { throw Self.openFailure(path: path, "cannot \(mode.verb)") }
            Self.closeOnExec(id)
            return id
        }
        super.init(handle: handle, filePath: path, path: "/", owner: nil, close: H5Fclose)
    }

    /// Writes everything buffered for this file to disk (HDF5's global scope).
    public func flush() throws {
        try withHandle { handle in
            try check(H5Fflush(handle, H5F_SCOPE_GLOBAL), "cannot flush")
        }
    }

    /// Marks the file's descriptor close-on-exec: HDF5 opens without it, and a process this one
    /// starts (mpirun, a tool) would otherwise keep the descriptor — and its write lock — after
    /// the file is closed here.
    private static func closeOnExec(_ file: hid_t) {
        var handle: UnsafeMutableRawPointer?
        guard H5Fget_vfd_handle(file, sparnet_h5p_default(), &handle) >= 0, let handle else { return }
        let descriptor = handle.load(as: Int32.self)
        _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
    }

    private static func openFailure(path: String, _ message: String) -> HDF5Error {
        let detail = HDF5Library.innermostErrorMessage().map { " [HDF5: \($0)]" } ?? ""
        return HDF5Error(file: path, message + detail)
    }
}

extension HDF5File.Mode {
    fileprivate var verb: String {
        switch self {
        case .readOnly: "open for reading"
        case .readWrite: "open for reading and writing"
        case .create: "create"
        case .createNew: "create (it must not exist yet)"
        }
    }
}
