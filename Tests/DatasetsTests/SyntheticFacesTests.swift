import Foundation
import Testing
import Datasets
import Imaging
import TestSupport

/// `SyntheticFaces`: each face a pure function of (seed, index), whatever the thread count.
@Suite struct SyntheticFacesTests {
    func face(_ faces: SyntheticFaces, _ index: Int) -> RGBImage {
        RGBImage(width: faces.size, height: faces.size) { faces.render(index, into: $0) }
    }

    @Test func facesAreAPureFunctionOfSeedAndIndex() {
        let faces = SyntheticFaces(seed: 7, size: 48)
        let drawn = (0..<12).map { face(faces, $0) }
        #expect(drawn == (0..<12).map { face(SyntheticFaces(seed: 7, size: 48), $0) })
        #expect(Set(drawn).count == 12)
        #expect(zip(drawn, (0..<12).map { face(SyntheticFaces(seed: 8, size: 48), $0) }).allSatisfy { $0 != $1 })
        // Not blank: every face uses a good part of the 0…255 range in every channel.
        for image in drawn {
            for channel in 0..<3 {
                let values = stride(from: channel, to: image.pixels.count, by: 3).map { image.pixels[$0] }
                #expect(values.max()! - values.min()! > 100)
            }
        }
    }

    @Test func writeShardsIsTheSameOnOneOrManyThreads() throws {
        let faces = SyntheticFaces(seed: 3, size: 16)
        var stored: [[RGBImage]] = []
        for threads in [1, 4] {
            let output = Fixtures.temporaryDirectory("synthetic-threads")
            let paths = try faces.writeShards(to: output + "/s.h5", count: 9, shards: 2, threads: threads)
            let dataset = try ImageDataset(paths: paths)
            stored.append(try (0..<dataset.count).map { index in try RGBImage(width: 16, height: 16) { try dataset.read(index, into: $0) } })
        }
        #expect(stored[0] == stored[1] && stored[0] == (0..<9).map { face(faces, $0) })
    }
}
