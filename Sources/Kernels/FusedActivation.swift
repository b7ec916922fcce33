// An activation fused into the normalization kernels (the reference's ConvLayer and
// pre-activation run norm → activation): the forward writes act(norm(x)) in the same pass, and
// the backward derives the norm's output gradient dz = act'(y)·dy from the activated output y
// and its gradient as it reads them, so neither the norm's own output nor its gradient is ever
// stored. act' is read from y's sign, which is z's for ReLU and for LeakyReLU with slope ≥ 0.

/// The activation a normalization kernel applies to its output.
public enum FusedActivation: Hashable, Sendable {
    /// No activation: the norm alone.
    case identity
    /// `nn.ReLU`: y = max(z, 0).
    case relu
    /// `nn.LeakyReLU(negativeSlope)`, negativeSlope ≥ 0: y = z > 0 ? z : negativeSlope·z.
    case leakyRelu(negativeSlope: Float)

    /// What a non-positive z is multiplied by (y = z > 0 ? z : scale·z; dz = y > 0 ? dy : scale·dy).
    var negativeScale: Float {
        switch self {
        case .identity: return 1
        case .relu: return 0
        case .leakyRelu(let slope):
            precondition(slope >= 0, "FusedActivation: LeakyReLU slope \(slope) must be ≥ 0 to work from the output")
            return slope
        }
    }
}

/// y = act((x − mean)·scale + shift) for `count` floats, eight lanes at a time; `output` may
/// be `input`. With negativeScale 1 (identity) y is the affine map exactly.
@inline(__always)
func normalizeAndActivate(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int,
                          mean: Float, scale: Float, shift: Float, negativeScale: Float) {
    let from = UnsafeRawPointer(input), to = UnsafeMutableRawPointer(output)
    let meanV = SIMD8<Float>(repeating: mean), scaleV = SIMD8<Float>(repeating: scale)
    let shiftV = SIMD8<Float>(repeating: shift), negativeV = SIMD8<Float>(repeating: negativeScale)
    var i = 0
    if negativeScale == 1 {
        while i + 8 <= count {
            let z = (from.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - meanV) * scaleV + shiftV
            to.storeBytes(of: z, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            output[i] = (input[i] - mean) * scale + shift
            i += 1
        }
        return
    }
    while i + 8 <= count {
        let z = (from.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - meanV) * scaleV + shiftV
        to.storeBytes(of: z.replacing(with: z * negativeV, where: .!(z .> 0)), toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        let z = (input[i] - mean) * scale + shift
        output[i] = z > 0 ? z : negativeScale * z
        i += 1
    }
}

/// The gradient a normalization kernel's backward consumes: dz = dy, or dz = act'(y)·dy derived
/// on the fly from the activated output y and its gradient dy.
struct NormGradient {
    let outputGradient: UnsafePointer<Float>
    /// The activated output; nil for the identity.
    let output: UnsafePointer<Float>?
    let negativeScale: Float

    init(_ activation: FusedActivation, output: UnsafePointer<Float>?, outputGradient: UnsafePointer<Float>,
         name: String) {
        precondition(activation == .identity || output != nil, "\(name): a fused activation's backward needs the forward's output")
        self.outputGradient = outputGradient
        self.output = activation == .identity ? nil : output
        negativeScale = activation.negativeScale
    }

    /// dz of eight elements from `offset + i`.
    @inline(__always)
    private func lanes(_ output: UnsafePointer<Float>, _ offset: Int, _ i: Int) -> SIMD8<Float> {
        let dy = UnsafeRawPointer(outputGradient + offset).loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        let y = UnsafeRawPointer(output + offset).loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        return dy.replacing(with: dy * SIMD8(repeating: negativeScale), where: .!(y .> 0))
    }

    @inline(__always)
    private func element(_ output: UnsafePointer<Float>, _ j: Int) -> Float {
        output[j] > 0 ? outputGradient[j] : negativeScale * outputGradient[j]
    }

    /// Σdz and Σdz·(x − mean) over `count` elements from `offset`, in Double.
    @inline(__always)
    func sumAndCenteredDot(at offset: Int, _ x: UnsafePointer<Float>, mean: Float, count: Int) -> (Double, Double) {
        guard let output else { return Kernels.sumAndCenteredDot(outputGradient + offset, x, mean: mean, count: count) }
        let rawX = UnsafeRawPointer(x), meanV = SIMD8<Float>(repeating: mean)
        var sum = SIMD8<Double>(), dot = SIMD8<Double>()
        var i = 0
        while i + 8 <= count {
            let g = SIMD8<Double>(lanes(output, offset, i))
            sum += g
            dot += g * SIMD8<Double>(rawX.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - meanV)
            i += 8
        }
        var s = sum.sum(), d = dot.sum()
        while i < count {
            let g = Double(element(output, offset + i))
            s += g
            d += g * Double(x[i] - mean)
            i += 1
        }
        return (s, d)
    }

    /// dx += k·dz + a·(x − mean) + b over `count` elements from `offset` (x and dx start there).
    @inline(__always)
    func addNormInputGradient(at offset: Int, _ x: UnsafePointer<Float>, mean: Float, k: Float, a: Float, b: Float,
                              count: Int, into dx: UnsafeMutablePointer<Float>) {
        let rawX = UnsafeRawPointer(x), rawDx = UnsafeMutableRawPointer(dx)
        let meanV = SIMD8<Float>(repeating: mean), kV = SIMD8<Float>(repeating: k)
        let aV = SIMD8<Float>(repeating: a), bV = SIMD8<Float>(repeating: b)
        var i = 0
        while i + 8 <= count {
            let g = output.map { lanes($0, offset, i) }
                ?? UnsafeRawPointer(outputGradient + offset).loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let xv = rawX.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let sum = rawDx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + (kV * g + aV * (xv - meanV) + bV)
            rawDx.storeBytes(of: sum, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            let g = output.map { element($0, offset + i) } ?? outputGradient[offset + i]
            dx[i] += k * g + a * (x[i] - mean) + b
            i += 1
        }
    }

    /// dx += dz·scale over `count` elements from `offset` (dx starts there).
    @inline(__always)
    func addScaled(at offset: Int, scale: Float, count: Int, into dx: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let g = output.map { element($0, offset + i) } ?? outputGradient[offset + i]
            dx[i] += g * scale
        }
    }
}
