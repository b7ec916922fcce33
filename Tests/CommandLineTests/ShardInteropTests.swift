import Foundation
import Testing
import TestSupport

/// Image shards as a Python user reads them.
@Suite struct ShardInteropTests {
    @Test(.enabled(if: Python.hasH5py, "needs python3 with h5py and numpy (make deps installs them)"))
    func preparedShardsOpenInH5py() throws {
        let directory = Fixtures.temporaryDirectory("shard-h5py")
        let prepare = try Command.run(Command.sparnetDist, ["prepare", "--synthetic", "5", "--size", "32", "--out", directory + "/s.h5"])
        #expect(prepare.status == 0, "\(prepare)")
        let result = try Python.run("""
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                images = f["images"]
                print(images.shape, images.dtype, images.chunks, f.attrs["format"].decode(), int(f.attrs["height"]),
                      int(f.attrs["width"]), int(images[4].sum() > 0), f["names"][0].decode())
            """, [directory + "/s.h5"])
        #expect(result.status == 0, "\(result)")
        #expect(result.output.hasPrefix("(5, 32, 32, 3) uint8 (1, 32, 32, 3) sparnet-dist/images 32 32 1 synthetic-"), "\(result)")
    }
}
