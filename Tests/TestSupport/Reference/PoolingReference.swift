extension Reference {
    /// Flat index of the maximum of the 2×2 window under output (plane, oy, ox), scanned in
    /// row-major order keeping the first maximum (PyTorch's tie rule).
    static func maxPool2x2Argmax(_ input: [Double], plane: Int, oy: Int, ox: Int, height: Int, width: Int) -> Int {
        var best = -1
        for i in 2 * oy ..< 2 * oy + 2 {
            for j in 2 * ox ..< 2 * ox + 2 {
                let index = (plane * height + i) * width + j
                if best < 0 || input[index] > input[best] { best = index }
            }
        }
        return best
    }

    /// `nn.MaxPool2d(2, 2)`.
    ///
    /// input (N, C, H, W)  →  output (N, C, ⌊H/2⌋, ⌊W/2⌋)
    public static func maxPool2x2(_ input: [Double], batch: Int, channels: Int, height: Int, width: Int) -> [Double] {
        let ho = height / 2, wo = width / 2
        var output = [Double](repeating: 0, count: batch * channels * ho * wo)
        for plane in 0..<batch * channels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    output[(plane * ho + oy) * wo + ox] =
                        input[maxPool2x2Argmax(input, plane: plane, oy: oy, ox: ox, height: height, width: width)]
                }
            }
        }
        return output
    }

    /// Input gradient of `maxPool2x2`: each output gradient goes to its window's (first) maximum.
    public static func maxPool2x2Backward(input: [Double], outputGradient: [Double], batch: Int, channels: Int,
                                          height: Int, width: Int) -> [Double] {
        let ho = height / 2, wo = width / 2
        var dx = [Double](repeating: 0, count: input.count)
        for plane in 0..<batch * channels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    dx[maxPool2x2Argmax(input, plane: plane, oy: oy, ox: ox, height: height, width: width)] +=
                        outputGradient[(plane * ho + oy) * wo + ox]
                }
            }
        }
        return dx
    }
}
