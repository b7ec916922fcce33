import Foundation
import TestSupport

/// The HDF5 command-line tools (Debian hdf5-tools: h5dump, h5import), found on PATH, as an
/// independent check of what the wrapper writes and a maker of files it cannot write.
enum HDF5Tools {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The full path of executable `name` on PATH.
    static func locate(_ name: String) throws -> String {
        guard let path = Command.locate(name) else {
            throw Failure(description: "\(name) not found on PATH; install hdf5-tools (the Makefile's `deps` does)")
        }
        return path
    }

    /// Runs tool `name` with `arguments`; returns its standard output, throwing if it fails.
    @discardableResult
    static func run(_ name: String, _ arguments: [String]) throws -> String {
        let result = try Command.run(try locate(name), arguments)
        guard result.status == 0 else {
            throw Failure(description: "\(name) \(arguments.joined(separator: " ")) exited with \(result.status): "
                          + result.errors + result.output)
        }
        return result.output
    }

    /// h5dump's header and storage properties of dataset `path` (`-H -p`): DATATYPE,
    /// DATASPACE, STORAGE_LAYOUT (chunks) and FILTERS.
    static func datasetHeader(_ file: String, _ path: String) throws -> String {
        try run("h5dump", ["-H", "-p", "-d", path, file])
    }

    /// The values of dataset `path` as h5dump prints them (`-y -w 0`, printf format `format`),
    /// one string per element.
    static func datasetValues(_ file: String, _ path: String, format: String = "%.9g") throws -> [String] {
        let text = try run("h5dump", ["-y", "-w", "0", "-m", format, "-d", path, file])
        return dataBlock(text).split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }

    /// h5dump's full description of attribute `name` of object `objectPath` (`-a`).
    static func attribute(_ file: String, objectPath: String, _ name: String) throws -> String {
        let path = objectPath == "/" ? "/" + name : objectPath + "/" + name
        return try run("h5dump", ["-y", "-w", "0", "-a", path, file])
    }

    /// The text inside the first `DATA { ... }` block.
    static func dataBlock(_ text: String) -> String {
        guard let open = text.range(of: "DATA {") else { return "" }
        let rest = text[open.upperBound...]
        guard let close = rest.firstIndex(of: "}") else { return "" }
        return String(rest[..<close])
    }
}
