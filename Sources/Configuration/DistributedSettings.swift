/// `distributed:` how the ranks cooperate (DESIGN §3, §5).
public struct DistributedSettings: Codable, Hashable, Sendable, SettingsSection {
    /// BatchNorm statistics over the global batch instead of per rank (PyTorch DDP's default is
    /// per rank, which is ours too).
    public var syncBatchNorm = false
    /// Gradient allreduce bucket size in MiB (PyTorch DDP's `bucket_cap_mb` default, 25).
    public var bucketMegabytes = 25.0
    /// OpenBLAS threads per rank.
    public var blasThreads = BLASThreads.auto
    /// Seconds a rank may wait in one collective before the job ends, naming the ranks that
    /// stopped answering (0: wait forever). Long enough for rank 0's checkpoint writes, which
    /// the others wait out in the next collective.
    public var stallTimeoutSeconds = 300.0

    public init() {}

    static var fields: [SettingField<Self>] {
        [.value("sync_batchnorm", \.syncBatchNorm),
         .value("bucket_mb", \.bucketMegabytes),
         .value("stall_timeout_s", \.stallTimeoutSeconds),
         .custom("blas_threads", decode: { c, key, s in
             if let count = try? c.decode(Int.self, forKey: key) {
                 s.blasThreads = .count(count)
             } else if (try? c.decode(String.self, forKey: key)) == "auto" {
                 s.blasThreads = .auto
             } else {
                 throw c.mismatch(key, expected: "auto or a thread count")
             }
         }, encode: { c, key, s in
             switch s.blasThreads {
             case .auto: try c.encode("auto", forKey: key)
             case .count(let n): try c.encode(n, forKey: key)
             }
         })]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}

/// OpenBLAS threads per rank.
public enum BLASThreads: Hashable, Sendable {
    /// Cores on the node / ranks on the node (DESIGN §3).
    case auto
    case count(Int)
}
