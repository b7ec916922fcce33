extension RGBImage {
    /// The image resampled to `width × height` exactly as Pillow's
    /// `Image.resize((width, height), filter)` does on an 8-bit RGB image
    /// (src/libImaging/Resample.c, `ImagingResampleInner` with the 8bpc passes):
    /// separable; the horizontal pass first (only when the width changes), rounded and clipped
    /// to uint8, then the vertical pass (only when the height changes) on that uint8
    /// intermediate. Each output is `clip8((2^21 + Σ input·weight) >> 22)` with the fixed-point
    /// weights of `ResamplingCoefficients`, i.e. rounded half up and clipped to 0…255.
    /// An unchanged size returns the image itself, as Pillow returns a copy.
    public func resized(width outputWidth: Int, height outputHeight: Int,
                        filter: ResamplingFilter = .bicubic) -> RGBImage {
        precondition(outputWidth > 0 && outputHeight > 0,
                     "resized: output \(outputWidth)×\(outputHeight) must be positive (input \(width)×\(height))")
        var image = self
        if outputWidth != width {
            let coefficients = ResamplingCoefficients(inputSize: width, outputSize: outputWidth, filter: filter)
            image = image.resampledHorizontally(to: outputWidth, coefficients)
        }
        if outputHeight != height {
            let coefficients = ResamplingCoefficients(inputSize: height, outputSize: outputHeight, filter: filter)
            image = image.resampledVertically(to: outputHeight, coefficients)
        }
        return image
    }

    // input (H, W, 3)  output (H, Wo, 3)
    private func resampledHorizontally(to outputWidth: Int, _ coefficients: ResamplingCoefficients) -> RGBImage {
        let h = height, w = width, wo = outputWidth, k = coefficients.kernelSize
        let half = 1 << (ResamplingCoefficients.precisionBits - 1)
        return RGBImage(width: wo, height: h) { output in
            withUnsafePixels { input in
                coefficients.weights.withUnsafeBufferPointer { weights in
                    for y in 0..<h {
                        let row = input.baseAddress! + y * w * 3
                        let out = output.baseAddress! + y * wo * 3
                        for xx in 0..<wo {
                            let first = coefficients.starts[xx], count = coefficients.counts[xx]
                            let kernel = weights.baseAddress! + xx * k
                            var r = half, g = half, b = half
                            for x in 0..<count {
                                let weight = Int(kernel[x])
                                let pixel = row + (first + x) * 3
                                r += Int(pixel[0]) * weight
                                g += Int(pixel[1]) * weight
                                b += Int(pixel[2]) * weight
                            }
                            out[xx * 3] = clip8(r)
                            out[xx * 3 + 1] = clip8(g)
                            out[xx * 3 + 2] = clip8(b)
                        }
                    }
                }
            }
        }
    }

    // input (H, W, 3)  output (Ho, W, 3)
    private func resampledVertically(to outputHeight: Int, _ coefficients: ResamplingCoefficients) -> RGBImage {
        let w = width, ho = outputHeight, k = coefficients.kernelSize, stride = width * 3
        let half = 1 << (ResamplingCoefficients.precisionBits - 1)
        return RGBImage(width: w, height: ho) { output in
            withUnsafePixels { input in
                coefficients.weights.withUnsafeBufferPointer { weights in
                    var sums = [Int](repeating: 0, count: stride)
                    for yy in 0..<ho {
                        let first = coefficients.starts[yy], count = coefficients.counts[yy]
                        let kernel = weights.baseAddress! + yy * k
                        for i in 0..<stride { sums[i] = half }
                        // Row by row so the inner loop runs along contiguous memory.
                        for y in 0..<count {
                            let weight = Int(kernel[y])
                            let row = input.baseAddress! + (first + y) * stride
                            for i in 0..<stride { sums[i] += Int(row[i]) * weight }
                        }
                        let out = output.baseAddress! + yy * stride
                        for i in 0..<stride { out[i] = clip8(sums[i]) }
                    }
                }
            }
        }
    }
}

/// Pillow's `clip8`: drop the fractional bits (an arithmetic shift, so negatives floor) and clamp.
@inline(__always)
private func clip8(_ sum: Int) -> UInt8 {
    UInt8(clamping: sum >> ResamplingCoefficients.precisionBits)
}
