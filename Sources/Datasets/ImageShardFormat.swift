/// The HDF5 image-shard format (DESIGN.md §6): `/images` uint8 (N, H, W, 3), chunked one image
/// per chunk so any image is one read; optional `/names`; root attributes `format`, `version`,
/// `height`, `width`. A dataset is a list of shards concatenated in sorted path order.
public enum ImageShardFormat {
    public static let formatName = "sparnet-dist/images"
    public static let version: Int64 = 1
    public static let imagesDataset = "images"
    public static let namesDataset = "names"

    /// `NAME-00003-of-00008.h5` for shard 3 of 8 of `data/NAME.h5`; a single shard keeps the name.
    public static func shardPath(_ output: String, index: Int, count: Int) -> String {
        guard count > 1 else { return output }
        let stem = output.hasSuffix(".h5") ? String(output.dropLast(3)) : output
        return stem + "-" + zeroPadded(index) + "-of-" + zeroPadded(count) + ".h5"
    }

    private static func zeroPadded(_ n: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}
