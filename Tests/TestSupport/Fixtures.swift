import Foundation

/// Where the test suite finds its data.
public enum Fixtures {
    /// The repository root, derived from this file's location (Tests/TestSupport/Fixtures.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file committed under `Tests/Fixtures/` (small extracts of the golden files; see
    /// `Tests/Fixtures/README.md` for how each was made).
    public static func path(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name).path
    }

    /// The project's optional shared folder (`$SPARNET_SHARED`, else `../shared` beside the
    /// repository), or nil when it is absent: tests that need it are then disabled, never failed.
    public static let sharedDirectory: String? = {
        let sibling = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared").path
        let candidates: [String] = [ProcessInfo.processInfo.environment["SPARNET_SHARED"], sibling].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/fixtures") }
    }()

    /// A golden file in the shared folder's `fixtures/`, when the shared folder is present.
    public static func shared(_ name: String) -> String? {
        sharedDirectory.map { $0 + "/fixtures/" + name }
    }

    /// A fresh temporary directory for a test's output files.
    public static func temporaryDirectory(_ label: String = "test") -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sparnet-\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}
