import Imaging

/// The lossless geometric operations of the SPARNet augmentation (crop, mirror, quarter
/// turns), each Pillow's operation of the same name pixel for pixel. Each returns a new image
/// (one allocation of its pixels).
extension RGBImage {
    /// The `width`×`height` window whose top-left pixel is (`x`, `y`), as Pillow's
    /// `crop((x, y, x + width, y + height))` (the window must lie inside the image).
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(x >= 0 && y >= 0 && cropWidth > 0 && cropHeight > 0 && x + cropWidth <= width && y + cropHeight <= height,
                     "cropped: window (\(x), \(y)) \(cropWidth)×\(cropHeight) outside the \(width)×\(height) image")
        let rowBytes = cropWidth * 3
        return RGBImage(width: cropWidth, height: cropHeight) { output in
            withUnsafePixels { input in
                for row in 0..<cropHeight {
                    let source = input.baseAddress! + ((y + row) * width + x) * 3
                    (output.baseAddress! + row * rowBytes).update(from: source, count: rowBytes)
                }
            }
        }
    }

    /// The mirror image, left and right exchanged (Pillow's `FLIP_LEFT_RIGHT`).
    public func flippedHorizontally() -> RGBImage {
        RGBImage(width: width, height: height) { output in
            withUnsafePixels { input in
                for y in 0..<height {
                    let source = input.baseAddress! + y * width * 3
                    let target = output.baseAddress! + y * width * 3
                    for x in 0..<width {
                        let from = source + (width - 1 - x) * 3
                        target[x * 3] = from[0]
                        target[x * 3 + 1] = from[1]
                        target[x * 3 + 2] = from[2]
                    }
                }
            }
        }
    }

    /// The image turned counterclockwise by `quarterTurns` × 90° (Pillow's `ROTATE_90`,
    /// `ROTATE_180`, `ROTATE_270` for 1, 2, 3); any integer, taken modulo 4.
    public func rotated(quarterTurns: Int) -> RGBImage {
        let turns = ((quarterTurns % 4) + 4) % 4
        guard turns != 0 else { return self }
        let (w, h) = (width, height)
        let (outputWidth, outputHeight) = turns == 2 ? (w, h) : (h, w)
        return RGBImage(width: outputWidth, height: outputHeight) { output in
            withUnsafePixels { input in
                for y in 0..<outputHeight {
                    for x in 0..<outputWidth {
                        // The input pixel that lands on output (x, y).
                        let (sx, sy): (Int, Int)
                        switch turns {
                        case 1: (sx, sy) = (w - 1 - y, x)
                        case 2: (sx, sy) = (w - 1 - x, h - 1 - y)
                        default: (sx, sy) = (y, h - 1 - x)
                        }
                        let from = input.baseAddress! + (sy * w + sx) * 3
                        let to = output.baseAddress! + (y * outputWidth + x) * 3
                        to[0] = from[0]
                        to[1] = from[1]
                        to[2] = from[2]
                    }
                }
            }
        }
    }
}
