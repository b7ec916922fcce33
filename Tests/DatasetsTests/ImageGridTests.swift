import Testing
import Datasets
import Imaging

/// `makeImageGrid`: cells sized by their column's widest and their row's tallest image, images
/// centred, padding around and between in the background colour.
@Suite struct ImageGridTests {
    func solid(_ width: Int, _ height: Int, _ color: [UInt8]) -> RGBImage {
        RGBImage(width: width, height: height, pixels: Array([[UInt8]](repeating: color, count: width * height).joined()))
    }

    @Test func layoutMatchesAPlacementByHand() {
        let red = solid(8, 8, [255, 0, 0]), green = solid(4, 2, [0, 255, 0]), blue = solid(2, 6, [0, 0, 255])
        let grid = makeImageGrid(rows: [[red, green], [blue]], padding: 1, background: SIMD3(9, 9, 9))
        // Columns 8 and 4 wide, rows 8 and 6 tall, 1 px of padding: 15 × 17.
        #expect(grid.width == 15 && grid.height == 17)
        var expected = solid(15, 17, [9, 9, 9])
        func place(_ image: RGBImage, left: Int, top: Int) {
            for y in 0..<image.height { for x in 0..<image.width { for c in 0..<3 {
                expected[x: left + x, y: top + y, channel: c] = image[x: x, y: y, channel: c]
            } } }
        }
        place(red, left: 1, top: 1)
        place(green, left: 10, top: 1 + 3)   // centred in its 8-tall row
        place(blue, left: 1 + 3, top: 10)    // centred in its 8-wide column
        #expect(grid == expected)
    }

    @Test func noPaddingTilesExactly() {
        let images = (0..<4).map { solid(3, 3, [UInt8($0), 0, 0]) }
        let grid = makeImageGrid(rows: [Array(images[0..<2]), Array(images[2..<4])], padding: 0)
        #expect(grid.width == 6 && grid.height == 6)
        #expect(grid[x: 0, y: 0, channel: 0] == 0 && grid[x: 3, y: 0, channel: 0] == 1)
        #expect(grid[x: 0, y: 3, channel: 0] == 2 && grid[x: 5, y: 5, channel: 0] == 3)
    }
}
