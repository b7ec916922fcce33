/// How a convolution treats the border of its input.
public enum Padding: Hashable, Sendable {
    /// No padding ("valid").
    case none
    /// `p` zeros on every side.
    case zero(Int)
    /// `p` mirrored pixels on every side, as `nn.ReflectionPad2d(p)` (edge not repeated);
    /// requires `p < height` and `p < width`.
    case reflect(Int)

    /// Pixels added on each side.
    public var amount: Int {
        switch self {
        case .none: 0
        case .zero(let p), .reflect(let p): p
        }
    }
}

/// The sizes of one 2-D convolution; computes the output size and the scratch it needs.
///
/// input (N, C, H, W)  weight (O, C, K, K)  bias (O)  output (N, O, Ho, Wo)
public struct Conv2dGeometry: Hashable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let inputChannels: Int
    public let outputChannels: Int
    public let height: Int
    public let width: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Padding

    public init(batch: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int,
                kernelSize: Int, stride: Int = 1, padding: Padding = .none) {
        let p = padding.amount
        precondition(batch > 0 && inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0,
                     "Conv2d: sizes must be positive (batch \(batch), channels \(inputChannels)→\(outputChannels), kernel \(kernelSize), stride \(stride))")
        precondition(height + 2 * p >= kernelSize && width + 2 * p >= kernelSize,
                     "Conv2d: a \(kernelSize)×\(kernelSize) kernel does not fit a padded \(height)×\(width) input (padding \(p))")
        if case .reflect = padding {
            precondition(p < height && p < width,
                         "Conv2d: reflection padding \(p) needs an input larger than \(p) (got \(height)×\(width))")
        }
        self.batch = batch
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.height = height
        self.width = width
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    public var outputHeight: Int { (height + 2 * padding.amount - kernelSize) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding.amount - kernelSize) / stride + 1 }

    public var inputCount: Int { batch * inputChannels * height * width }
    public var outputCount: Int { batch * outputChannels * outputHeight * outputWidth }
    public var weightCount: Int { outputChannels * inputChannels * kernelSize * kernelSize }

    /// Rows of the im2col matrix: C·K·K.
    public var columnRows: Int { inputChannels * kernelSize * kernelSize }
    /// Columns of the im2col matrix: Ho·Wo.
    public var columnColumns: Int { outputHeight * outputWidth }

    /// True when the im2col matrix of an image is the image itself (1×1, stride 1, no padding).
    public var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding.amount == 0 }

    /// Floats of scratch that `conv2dForward` / `conv2dBackward` need (one image's columns).
    public var scratchCount: Int { isPointwise ? 0 : columnRows * columnColumns }

    /// Multiply-adds ×2 of the forward pass.
    public var forwardFlops: Double { 2 * Double(batch) * Double(outputChannels) * Double(columnRows) * Double(columnColumns) }

    public var description: String {
        "conv \(inputChannels)→\(outputChannels) k\(kernelSize) s\(stride) \(padding) on (\(batch), \(inputChannels), \(height), \(width))"
    }
}

/// Convolution forward; overwrites `output`.
///
/// input (N, C, H, W)  weight (O, C, K, K)  bias (O) or nil  output (N, O, Ho, Wo)
/// scratch: `geometry.scratchCount` floats (the im2col matrix of one image).
public func conv2dForward(_ g: Conv2dGeometry,
                          input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
    let inputImage = g.inputChannels * g.height * g.width
    let outputPlane = g.columnColumns
    for n in 0..<g.batch {
        let x = input + n * inputImage
        let y = output + n * g.outputChannels * outputPlane
        let columns: UnsafePointer<Float>
        if g.isPointwise {
            columns = x
        } else {
            im2col(g, image: x, columns: scratch)
            columns = UnsafePointer(scratch)
        }
        // y (O, HoWo) = weight (O, CKK) · columns (CKK, HoWo)
        matrixMultiply(m: g.outputChannels, n: outputPlane, k: g.columnRows, weight, columns, into: y)
        if let bias {
            for o in 0..<g.outputChannels {
                let b = bias[o], row = y + o * outputPlane
                for i in 0..<outputPlane { row[i] += b }
            }
        }
    }
}

/// Convolution backward; accumulates (`+=`) into every gradient that is not nil.
///
/// input (N, C, H, W)  weight (O, C, K, K)  outputGradient (N, O, Ho, Wo)
/// inputGradient (N, C, H, W)  weightGradient (O, C, K, K)  biasGradient (O)
/// scratch: `geometry.scratchCount` floats.
public func conv2dBackward(_ g: Conv2dGeometry,
                           input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           outputGradient: UnsafePointer<Float>,
                           inputGradient: UnsafeMutablePointer<Float>?,
                           weightGradient: UnsafeMutablePointer<Float>?,
                           biasGradient: UnsafeMutablePointer<Float>?,
                           scratch: UnsafeMutablePointer<Float>) {
    let inputImage = g.inputChannels * g.height * g.width
    let outputPlane = g.columnColumns
    for n in 0..<g.batch {
        let x = input + n * inputImage
        let dy = outputGradient + n * g.outputChannels * outputPlane
        if let biasGradient {
            for o in 0..<g.outputChannels {
                let row = dy + o * outputPlane
                var sum: Float = 0
                for i in 0..<outputPlane { sum += row[i] }
                biasGradient[o] += sum
            }
        }
        if let weightGradient {
            // dW (O, CKK) += dy (O, HoWo) · columnsᵀ (HoWo, CKK)
            let columns: UnsafePointer<Float>
            if g.isPointwise {
                columns = x
            } else {
                im2col(g, image: x, columns: scratch)
                columns = UnsafePointer(scratch)
            }
            matrixMultiply(m: g.outputChannels, n: g.columnRows, k: outputPlane,
                           dy, columns, transposeB: true, into: weightGradient, beta: 1)
        }
        if let inputGradient {
            let dx = inputGradient + n * inputImage
            if g.isPointwise {
                // dx (C, HW) += weightᵀ (C, O) · dy (O, HW)
                matrixMultiply(m: g.inputChannels, n: outputPlane, k: g.outputChannels,
                               weight, transposeA: true, dy, into: dx, beta: 1)
            } else {
                // dcolumns (CKK, HoWo) = weightᵀ (CKK, O) · dy (O, HoWo), then scattered back.
                matrixMultiply(m: g.columnRows, n: outputPlane, k: g.outputChannels,
                               weight, transposeA: true, dy, into: scratch)
                col2im(g, columns: scratch, image: dx)
            }
        }
    }
}
