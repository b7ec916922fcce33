import Imaging
import Testing

@Suite struct RGBImageTests {
    @Test("Pixels are (H, W, 3) row-major; the subscript reads and writes that layout")
    func layout() {
        var image = RGBImage(width: 3, height: 2, pixels: (0..<18).map(UInt8.init))
        #expect(image[x: 0, y: 0, channel: 0] == 0)
        #expect(image[x: 2, y: 0, channel: 1] == 7)
        #expect(image[x: 1, y: 1, channel: 2] == 14)  // (1·3 + 1)·3 + 2
        image[x: 2, y: 1, channel: 0] = 200
        #expect(image.pixels[15] == 200)
        #expect(RGBImage(width: 2, height: 5).pixels == [UInt8](repeating: 0, count: 30))
        image.withUnsafeMutablePixels { $0[0] = 9 }
        #expect(image.withUnsafePixels { $0[0] } == 9)
    }
}
