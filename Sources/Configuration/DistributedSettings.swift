/// `distributed:` how the ranks cooperate (DESIGN §3, §5).
public struct DistributedSettings: Codable, Hashable, Sendable, SettingsSection {
    /// BatchNorm statistics over the global batch instead of per rank (PyTorch DDP's default is
    /// per rank, which is ours too).
    public var syncBatchNorm = false
    /// Gradient allreduce bucket size in MiB (PyTorch DDP's `bucket_cap_mb` default, 25).
    public var bucketMegabytes = 25.0
    /// OpenBLAS threads per rank.
    public var blasThreads = BLASThreads.auto

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case syncBatchNorm = "sync_batchnorm"
        case bucketMegabytes = "bucket_mb"
        case blasThreads = "blas_threads"
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }

    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        self = defaults
        syncBatchNorm = try c.value(.syncBatchNorm, or: syncBatchNorm)
        bucketMegabytes = try c.value(.bucketMegabytes, or: bucketMegabytes)
        if c.contains(.blasThreads) {
            if let count = try? c.decode(Int.self, forKey: .blasThreads) {
                blasThreads = .count(count)
            } else if (try? c.decode(String.self, forKey: .blasThreads)) == "auto" {
                blasThreads = .auto
            } else {
                throw c.mismatch(.blasThreads, expected: "auto or a thread count")
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(syncBatchNorm, forKey: .syncBatchNorm)
        try c.encodeNumber(bucketMegabytes, forKey: .bucketMegabytes)
        switch blasThreads {
        case .auto: try c.encode("auto", forKey: .blasThreads)
        case .count(let n): try c.encode(n, forKey: .blasThreads)
        }
    }
}

/// OpenBLAS threads per rank.
public enum BLASThreads: Hashable, Sendable {
    /// Cores on the node / ranks on the node (DESIGN §3).
    case auto
    case count(Int)
}
