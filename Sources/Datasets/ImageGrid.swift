import Imaging

/// Lays images out in a grid for previews: row r holds `rows[r]` left to right. Rows may differ
/// in length and images in size (e.g. HR 128², LR 16², LR-up 128² in one row): each column is as
/// wide as its widest image and each row as tall as its tallest, and every image sits centred
/// in its cell. `padding` pixels of `background` separate the cells and frame the grid.
public func makeImageGrid(rows: [[RGBImage]], padding: Int = 4,
                          background: SIMD3<UInt8> = SIMD3(255, 255, 255)) -> RGBImage {
    precondition(rows.contains { !$0.isEmpty }, "makeImageGrid: no images")
    precondition(padding >= 0, "makeImageGrid: padding \(padding)")
    let columnCount = rows.map(\.count).max()!
    var columnWidths = [Int](repeating: 0, count: columnCount)
    for row in rows {
        for (column, image) in row.enumerated() { columnWidths[column] = max(columnWidths[column], image.width) }
    }
    let rowHeights = rows.map { $0.map(\.height).max() ?? 0 }
    let columnStarts = columnWidths.indices.map { padding + columnWidths[..<$0].reduce(0, +) + $0 * padding }
    let rowStarts = rowHeights.indices.map { padding + rowHeights[..<$0].reduce(0, +) + $0 * padding }
    let width = columnWidths.reduce(0, +) + (columnCount + 1) * padding
    let height = rowHeights.reduce(0, +) + (rows.count + 1) * padding
    return RGBImage(width: width, height: height) { grid in
        for offset in stride(from: 0, to: grid.count, by: 3) {
            grid[offset] = background.x
            grid[offset + 1] = background.y
            grid[offset + 2] = background.z
        }
        for (rowIndex, row) in rows.enumerated() {
            for (column, image) in row.enumerated() {
                let left = columnStarts[column] + (columnWidths[column] - image.width) / 2
                let top = rowStarts[rowIndex] + (rowHeights[rowIndex] - image.height) / 2
                image.withUnsafePixels { pixels in
                    for y in 0..<image.height {
                        let source = pixels.baseAddress! + y * image.width * 3
                        let destination = grid.baseAddress! + ((top + y) * width + left) * 3
                        destination.update(from: source, count: image.width * 3)
                    }
                }
            }
        }
    }
}
