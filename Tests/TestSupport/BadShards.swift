import Datasets
import Foundation
import HDF5

/// Image shards broken in every way a reader must name, for the dataset and `prepare` tests.
public enum BadShards {
    /// The attributes of a valid shard of `height`×`width` images.
    public static func setFormatAttributes(_ file: HDF5File, height: Int = 8, width: Int = 8) throws {
        try file.setAttribute("format", to: ImageShardFormat.formatName)
        try file.setAttribute("version", to: ImageShardFormat.version)
        try file.setAttribute("height", to: Int64(height))
        try file.setAttribute("width", to: Int64(width))
    }

    /// Broken shards written with the HDF5 wrapper, each with the phrase its error must contain.
    public static func write(in directory: String) throws -> [(path: String, message: String)] {
        func shard(_ name: String, _ body: (HDF5File) throws -> Void) throws -> String {
            let path = directory + "/" + name
            let file = try HDF5File(path: path, mode: .create)
            try body(file)
            try file.close()
            return path
        }
        let pixels = [UInt8](repeating: 7, count: 2 * 8 * 8 * 3)
        var shards: [(String, String)] = []
        shards.append((try shard("float32.h5") { file in
            try setFormatAttributes(file)
            try file.writeDataset("images", values: [Float](repeating: 0.5, count: 2 * 8 * 8 * 3), shape: [2, 8, 8, 3])
        }, "expected uint8 of shape [*, *, *, 3], found float32 of shape [2, 8, 8, 3]"))
        shards.append((try shard("no-images.h5") { file in
            try setFormatAttributes(file)
            try file.writeStrings("names", ["a.png", "b.png"])
        }, "missing the /images dataset"))
        shards.append((try shard("rank3.h5") { file in
            try setFormatAttributes(file)
            try file.writeDataset("images", values: pixels, shape: [2, 8, 24])
        }, "found uint8 of shape [2, 8, 24]"))
        shards.append((try shard("no-format.h5") { file in
            try file.writeDataset("images", values: pixels, shape: [2, 8, 8, 3])
        }, "not an image shard (format attribute (none)"))
        shards.append((try shard("wrong-size.h5") { file in
            try setFormatAttributes(file, height: 16, width: 16)
            try file.writeDataset("images", values: pixels, shape: [2, 8, 8, 3], chunkShape: [1, 8, 8, 3])
        }, "/images is 8×8 but the height/width attributes say 16×16"))
        shards.append((try shard("empty.h5") { file in
            try setFormatAttributes(file)
            try file.createDataset("images", elementType: .uint8, shape: [0, 8, 8, 3])
        }, "holds no images"))
        let garbage = directory + "/garbage.h5"
        try Data(repeating: 0x42, count: 2048).write(to: URL(fileURLWithPath: garbage))
        shards.append((garbage, garbage))
        return shards
    }

}
