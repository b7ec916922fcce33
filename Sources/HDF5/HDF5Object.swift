import CHDF5

/// An open HDF5 object (file, group or dataset): the common part of `HDF5File`, `HDF5Group` and
/// `HDF5Dataset`, including attributes (see `HDF5Object+Attributes.swift`).
///
/// The object is closed by `close()` or, at the latest, when its last reference goes away.
/// Groups and datasets keep the file they came from alive, and closing a file explicitly closes
/// every object opened from it (HDF5's "strong" close): afterwards they throw "file is closed".
/// Every method may be called from any thread (see `HDF5Library`).
public class HDF5Object: @unchecked Sendable {
    /// The file's path, as given when it was opened: the first thing every error names.
    public let filePath: String
    /// The object's absolute path in the file; "/" for the root group (and the file itself).
    public let path: String

    /// The HDF5 identifier, or `H5I_INVALID_HID` once closed. Accessed only under the library lock.
    var handle: hid_t
    /// The file this object was opened from (nil for a file): kept open while this object lives.
    let owner: HDF5File?
    private let closeHandle: @convention(c) (hid_t) -> herr_t

    init(handle: hid_t, filePath: String, path: String, owner: HDF5File?,
         close: @escaping @convention(c) (hid_t) -> herr_t) {
        self.handle = handle
        self.filePath = filePath
        self.path = path
        self.owner = owner
        self.closeHandle = close
    }

    deinit {
        HDF5Library.serialized {
            if handle >= 0 && ownerIsOpen { _ = closeHandle(handle) }
        }
    }

    /// Whether the object (and the file it belongs to) is still open.
    public var isOpen: Bool {
        HDF5Library.serialized { handle >= 0 && ownerIsOpen }
    }

    /// Closes the object now; later calls do nothing, later use throws.
    public func close() throws {
        try HDF5Library.serialized {
            guard handle >= 0 else { return }
            let wasReachable = ownerIsOpen
            let status = wasReachable ? closeHandle(handle) : 0
            handle = hid_t(H5I_INVALID_HID)
            if status < 0 { throw failure("cannot close") }
        }
    }

    private var ownerIsOpen: Bool { owner.map { $0.handle >= 0 } ?? true }

    /// Runs `body` with the open identifier, under the library lock.
    func withHandle<Result>(_ body: (hid_t) throws -> Result) throws -> Result {
        try HDF5Library.serialized {
            guard handle >= 0 else { throw HDF5Error(file: filePath, object: path, "is closed") }
            guard ownerIsOpen else { throw HDF5Error(file: filePath, object: path, "file is closed") }
            return try body(handle)
        }
    }

    /// The file this object belongs to (itself for a file).
    var file: HDF5File? { owner ?? (self as? HDF5File) }

    /// The absolute path of `relative` resolved against this object's path.
    func childPath(_ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        if relative.isEmpty || relative == "." { return path }
        return path == "/" ? "/" + relative : path + "/" + relative
    }

    /// How errors name an attribute of this object.
    func attributeLabel(_ name: String) -> String { "\(path) attribute \"\(name)\"" }

    /// An error naming this file and `object` (default: this object), with the innermost HDF5
    /// message appended when the library left one. Call inside the library lock.
    func failure(_ message: String, object: String? = nil) -> HDF5Error {
        let detail = HDF5Library.innermostErrorMessage().map { " [HDF5: \($0)]" } ?? ""
        return HDF5Error(file: filePath, object: object ?? path, message + detail)
    }

    /// `id`, or an error if HDF5 returned a negative identifier.
    func check(_ id: hid_t, _ message: @autoclosure () -> String, object: String? = nil) throws -> hid_t {
        if id < 0 { throw failure(message(), object: object) }
        return id
    }

    /// Throws if HDF5 returned a negative status.
    func check(_ status: herr_t, _ message: @autoclosure () -> String, object: String? = nil) throws {
        if status < 0 { throw failure(message(), object: object) }
    }
}
