extension RGBImage {
    /// Writes the image as a network's (3, H, W) planes in [−1, 1]: torchvision's `ToTensor()`
    /// then `Normalize(0.5, 0.5)` in Float, (x / 255 − 0.5) / 0.5, bit-identical to PyTorch's
    /// float32 (training inputs and `enhance` inputs alike).
    // image (H, W, 3) uint8  planes (3, H, W) Float
    public func writeNormalizedPlanes(into planes: UnsafeMutablePointer<Float>) {
        let plane = width * height
        withUnsafePixels { pixels in
            for i in 0..<plane {
                planes[i] = normalizedLevels[Int(pixels[i * 3])]
                planes[plane + i] = normalizedLevels[Int(pixels[i * 3 + 1])]
                planes[2 * plane + i] = normalizedLevels[Int(pixels[i * 3 + 2])]
            }
        }
    }

    /// An image from a network's (3, H, W) planes in [−1, 1] (the `(x/255 − 0.5)/0.5`
    /// normalisation undone): each value becomes `(x + 1)·127.5`, rounded, clipped to 0…255.
    // planes (3, height, width)
    public init(normalizedPlanes planes: UnsafePointer<Float>, width: Int, height: Int) {
        let plane = width * height
        self.init(width: width, height: height) { pixels in
            for i in 0..<plane {
                for c in 0..<3 {
                    pixels[i * 3 + c] = UInt8(max(0, min(255, ((planes[c * plane + i] + 1) * 127.5).rounded())))
                }
            }
        }
    }

    /// A heat map of `channels` planes of values in 0…1 (attention maps): their mean, scaled to a
    /// level 0…255 (rounded, clipped), coloured blue (0) → cyan → yellow → red (255), as
    /// attention figures show them.
    // planes (channels, height, width)
    public init(heatMapOf planes: UnsafePointer<Float>, channels: Int, width: Int, height: Int) {
        precondition(channels > 0, "RGBImage(heatMapOf:): \(channels) channels")
        let plane = width * height
        self.init(width: width, height: height) { pixels in
            for i in 0..<plane {
                var sum: Float = 0
                for c in 0..<channels { sum += planes[c * plane + i] }
                let level = UInt8(max(0, min(255, (sum / Float(channels) * 255).rounded())))
                (pixels[i * 3], pixels[i * 3 + 1], pixels[i * 3 + 2]) = heatColor(level)
            }
        }
    }

    /// The image with every pixel repeated `factor` × `factor` times (nearest neighbour), to
    /// show small images at a readable size.
    public func enlarged(by factor: Int) -> RGBImage {
        precondition(factor >= 1, "enlarged(by:): factor \(factor)")
        guard factor > 1 else { return self }
        let w = width, wo = width * factor
        return RGBImage(width: wo, height: height * factor) { output in
            withUnsafePixels { input in
                for yy in 0..<height * factor {
                    let row = input.baseAddress! + (yy / factor) * w * 3
                    let out = output.baseAddress! + yy * wo * 3
                    for xx in 0..<wo {
                        let pixel = row + (xx / factor) * 3
                        out[xx * 3] = pixel[0]
                        out[xx * 3 + 1] = pixel[1]
                        out[xx * 3 + 2] = pixel[2]
                    }
                }
            }
        }
    }
}

/// The heat-map colour of `level`: a jet-like ramp, each channel a clipped triangle of the
/// level (blue peaks at 1/4, green at 1/2, red at 3/4).
public func heatColor(_ level: UInt8) -> (UInt8, UInt8, UInt8) {
    let t = Double(level) / 255
    func channel(_ center: Double) -> UInt8 { UInt8(max(0, min(1, 1.5 - abs(4 * t - center))) * 255) }
    return (channel(3), channel(2), channel(1))
}

/// (x / 255 − 0.5) / 0.5 in Float for each 8-bit level x.
private let normalizedLevels: [Float] = (0..<256).map { (Float($0) / 255 - 0.5) / 0.5 }
