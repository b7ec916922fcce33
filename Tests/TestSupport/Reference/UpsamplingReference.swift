extension Reference {
    /// `F.interpolate(x, scale_factor=2, mode='nearest')`: output[i, j] = input[i / 2, j / 2].
    ///
    /// input (N, C, H, W)  →  output (N, C, 2H, 2W)
    public static func nearestUpsample2x(_ input: [Double], batch: Int, channels: Int, height: Int, width: Int) -> [Double] {
        var output = [Double](repeating: 0, count: batch * channels * 4 * height * width)
        for plane in 0..<batch * channels {
            for i in 0..<2 * height {
                for j in 0..<2 * width {
                    output[(plane * 2 * height + i) * 2 * width + j] = input[(plane * height + i / 2) * width + j / 2]
                }
            }
        }
        return output
    }

    /// Input gradient of `nearestUpsample2x`.
    public static func nearestUpsample2xBackward(_ outputGradient: [Double], batch: Int, channels: Int,
                                                 height: Int, width: Int) -> [Double] {
        var dx = [Double](repeating: 0, count: batch * channels * height * width)
        for plane in 0..<batch * channels {
            for i in 0..<2 * height {
                for j in 0..<2 * width {
                    dx[(plane * height + i / 2) * width + j / 2] += outputGradient[(plane * 2 * height + i) * 2 * width + j]
                }
            }
        }
        return dx
    }

    /// The input index output index `d` reads under legacy 'nearest' resizing, in Float as PyTorch
    /// (`nearest_neighbor_compute_source_index`): min(⌊Float(d) · (Float(in) / Float(out))⌋, in − 1).
    public static func nearestSourceIndex(_ d: Int, inputSize: Int, outputSize: Int) -> Int {
        let scale = Float(inputSize) / Float(outputSize)
        return min(Int((Float(d) * scale).rounded(.down)), inputSize - 1)
    }

    static func nearestTaps(inputSize: Int, outputSize: Int) -> [[Tap]] {
        (0..<outputSize).map { [(nearestSourceIndex($0, inputSize: inputSize, outputSize: outputSize), 1)] }
    }

    /// `F.interpolate(x, size=(Ho, Wo), mode='nearest')`.
    ///
    /// input (N, C, H, W)  →  output (N, C, Ho, Wo)
    public static func nearestResize(_ input: [Double], batch: Int, channels: Int, height: Int, width: Int,
                                     outputHeight: Int, outputWidth: Int) -> [Double] {
        resample(input, batch: batch, channels: channels, height: height, width: width,
                 rowTaps: nearestTaps(inputSize: height, outputSize: outputHeight),
                 columnTaps: nearestTaps(inputSize: width, outputSize: outputWidth))
    }

    /// Input gradient of `nearestResize`.
    public static func nearestResizeBackward(_ outputGradient: [Double], batch: Int, channels: Int, height: Int, width: Int,
                                             outputHeight: Int, outputWidth: Int) -> [Double] {
        resampleBackward(outputGradient, batch: batch, channels: channels, height: height, width: width,
                         rowTaps: nearestTaps(inputSize: height, outputSize: outputHeight),
                         columnTaps: nearestTaps(inputSize: width, outputSize: outputWidth))
    }
}
