import Imaging
import Testing

@Suite struct RGBImagePlanesTests {
    @Test("Planes in [−1, 1] become (x + 1)·127.5, rounded and clipped, interleaved (H, W, 3)")
    func normalizedPlanes() {
        // (3, 1, 2): R = [−1, 1], G = [0, −2], B = [0.5, 2]
        let planes: [Float] = [-1, 1, 0, -2, 0.5, 2]
        let image = planes.withUnsafeBufferPointer { RGBImage(normalizedPlanes: $0.baseAddress!, width: 2, height: 1) }
        #expect(image.pixels == [0, 128, 191, 255, 0, 255])   // 127.5 rounds half away from zero; 191.25 → 191
    }

    @Test("Heat maps average the channels and colour the level blue → cyan → yellow → red")
    func heatMap() {
        // Two channels at 4 pixels: means 0, 0.25, 0.5, 1 (the last one clipped from 1.5).
        let planes: [Float] = [0, 0.5, 0.5, 1, 0, 0, 0.5, 2]
        let image = planes.withUnsafeBufferPointer { RGBImage(heatMapOf: $0.baseAddress!, channels: 2, width: 4, height: 1) }
        let colours = (0..<4).map { x in (0..<3).map { image[x: x, y: 0, channel: $0] } }
        #expect(colours[0] == [0, 0, 127])      // level 0: dark blue (blue = 1.5 − |0 − 1| = 0.5)
        #expect(colours[2] == [129, 255, 125])  // level 128 (t = 0.502): green at its peak, red and blue near half
        #expect(colours[3] == [127, 0, 0])      // level 255: dark red
        #expect(colours[1][2] == 255 && colours[1][0] == 0)   // a quarter: full blue, no red
        for level in 0...255 {
            let (r, g, b) = heatColor(UInt8(level))
            #expect(Int(r) + Int(g) + Int(b) > 0, "level \(level) is not black")
        }
    }

    @Test func enlargingRepeatsEachPixel() {
        let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        let large = image.enlarged(by: 3)
        #expect(large.width == 6 && large.height == 3)
        for y in 0..<3 { for x in 0..<6 { for c in 0..<3 {
            #expect(large[x: x, y: y, channel: c] == image[x: x / 3, y: 0, channel: c])
        } } }
        #expect(image.enlarged(by: 1) == image)
    }
}
