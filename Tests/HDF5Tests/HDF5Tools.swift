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

    /// The `libhdf5.settings` that HDF5's development files install beside the library pkg-config
    /// finds (the one the package links), as "key: value" lines ("HDF5 Version", "Threadsafety"),
    /// or nil without pkg-config or that file.
    static let buildSettings: [String: String]? = {
        guard let pkgConfig = Command.locate("pkg-config"),
              let libraries = try? Command.run(pkgConfig, ["--libs-only-L", "hdf5"]),
              let libdir = try? Command.run(pkgConfig, ["--variable=libdir", "hdf5"]),
              libraries.status == 0, libdir.status == 0 else { return nil }
        let directories = libraries.output.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("-L") }.map { $0.dropFirst(2) }
            + libdir.output.split(whereSeparator: \.isWhitespace)
        guard let text = directories.lazy.compactMap({ try? String(contentsOfFile: "\($0)/libhdf5.settings", encoding: .utf8) }).first
        else { return nil }
        let pairs = text.split(whereSeparator: \.isNewline).compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].trimmingCharacters(in: .whitespaces), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Dictionary(pairs) { first, _ in first }
    }()

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
