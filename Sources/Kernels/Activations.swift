import Foundation

// Elementwise activations with PyTorch's semantics (nn.ReLU, nn.LeakyReLU, nn.PReLU,
// nn.Sigmoid). Forwards overwrite their output; backwards accumulate (`+=`) into the input
// gradient, which must not alias the output gradient.
//
// What each backward reads, and so whether the forward may run in place (output == input):
//   ReLU, LeakyReLU (slope ≥ 0): the output (its sign is the input's) → in place is safe.
//   PReLU: the input (a learned slope may be negative or zero) → not in place when training.
//   Sigmoid: the output → in place is safe.

/// ReLU forward: overwrites `output`, y = max(x, 0). `output` may be `input`.
///
/// input (count)  output (count), any shape flattened.
public func reluForward(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    precondition(count >= 0, "ReLU: negative count \(count)")
    for i in 0..<count {
        let x = input[i]
        output[i] = x > 0 ? x : 0
    }
}

/// ReLU backward from the forward's output; accumulates (`+=`): dx += y > 0 ? dy : 0.
/// (The input works too: x > 0 exactly when y > 0; the gradient at 0 is 0, as PyTorch.)
///
/// output (count)  outputGradient (count)  inputGradient (count).
public func reluBackward(count: Int, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>) {
    precondition(count >= 0, "ReLU: negative count \(count)")
    for i in 0..<count where output[i] > 0 { inputGradient[i] += outputGradient[i] }
}

/// LeakyReLU forward: overwrites `output`, y = x > 0 ? x : slope·x. `output` may be `input`.
///
/// input (count)  output (count). negativeSlope ≥ 0 (0.2 in the SPARNet models), so the
/// output keeps the input's sign and the backward can work from it.
public func leakyReluForward(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             negativeSlope: Float) {
    precondition(count >= 0 && negativeSlope >= 0,
                 "LeakyReLU: count \(count) and negative slope \(negativeSlope) must be ≥ 0")
    for i in 0..<count {
        let x = input[i]
        output[i] = x > 0 ? x : negativeSlope * x
    }
}

/// LeakyReLU backward from the forward's output (or its input: same sign); accumulates
/// (`+=`): dx += y > 0 ? dy : slope·dy.
///
/// output (count)  outputGradient (count)  inputGradient (count).
public func leakyReluBackward(count: Int, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                              inputGradient: UnsafeMutablePointer<Float>, negativeSlope: Float) {
    precondition(count >= 0 && negativeSlope >= 0,
                 "LeakyReLU: count \(count) and negative slope \(negativeSlope) must be ≥ 0")
    for i in 0..<count {
        let dy = outputGradient[i]
        inputGradient[i] += output[i] > 0 ? dy : negativeSlope * dy
    }
}

/// PReLU forward with one slope per channel (`nn.PReLU(num_parameters: C)`, init 0.25):
/// overwrites `output`, y = x > 0 ? x : a_c·x.
///
/// input (N, C, H, W)  weight (C)  output (N, C, H, W), `plane` = H·W.
/// `output` may be `input` only when no backward follows: the backward needs the input.
public func preluForward(batch: Int, channels: Int, plane: Int,
                         input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         output: UnsafeMutablePointer<Float>) {
    precondition(batch > 0 && channels > 0 && plane > 0,
                 "PReLU: sizes must be positive (batch \(batch), channels \(channels), plane \(plane))")
    for n in 0..<batch {
        for c in 0..<channels {
            let offset = (n * channels + c) * plane
            let x = input + offset, y = output + offset, a = weight[c]
            for i in 0..<plane {
                let v = x[i]
                y[i] = v > 0 ? v : a * v
            }
        }
    }
}

/// PReLU backward from the forward's input; accumulates (`+=`) into every gradient that is
/// not nil: dx += x > 0 ? dy : a_c·dy;  da_c += Σ dy·x over x ≤ 0.
///
/// input (N, C, H, W)  weight (C)  outputGradient (N, C, H, W)
/// inputGradient (N, C, H, W)  weightGradient (C), `plane` = H·W.
public func preluBackward(batch: Int, channels: Int, plane: Int,
                          input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                          outputGradient: UnsafePointer<Float>,
                          inputGradient: UnsafeMutablePointer<Float>?,
                          weightGradient: UnsafeMutablePointer<Float>?) {
    precondition(batch > 0 && channels > 0 && plane > 0,
                 "PReLU: sizes must be positive (batch \(batch), channels \(channels), plane \(plane))")
    for c in 0..<channels {
        let a = weight[c]
        var slopeSum = 0.0
        for n in 0..<batch {
            let offset = (n * channels + c) * plane
            let x = input + offset, dy = outputGradient + offset
            if let inputGradient {
                let dx = inputGradient + offset
                for i in 0..<plane { dx[i] += x[i] > 0 ? dy[i] : a * dy[i] }
            }
            if weightGradient != nil { slopeSum += negativePartDot(dy, x, count: plane) }
        }
        if let weightGradient { weightGradient[c] += Float(slopeSum) }
    }
}

/// Sigmoid forward: overwrites `output`, y = 1/(1 + e^−x), evaluated without overflow for
/// large |x|. `output` may be `input`.
///
/// input (count)  output (count).
public func sigmoidForward(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    precondition(count >= 0, "Sigmoid: negative count \(count)")
    for i in 0..<count {
        let x = input[i]
        // e^−|x| ≤ 1 never overflows; for x < 0, σ(x) = e^x/(1 + e^x) keeps small results exact.
        let e = exp(-abs(x))
        output[i] = x >= 0 ? 1 / (1 + e) : e / (1 + e)
    }
}

/// Sigmoid backward from the forward's output; accumulates (`+=`): dx += dy·y·(1 − y).
///
/// output (count)  outputGradient (count)  inputGradient (count).
public func sigmoidBackward(count: Int, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                            inputGradient: UnsafeMutablePointer<Float>) {
    precondition(count >= 0, "Sigmoid: negative count \(count)")
    for i in 0..<count {
        let y = output[i]
        inputGradient[i] += outputGradient[i] * y * (1 - y)
    }
}

/// Σ dy·min(x, 0) in Double, eight lanes at a time: the PReLU slope gradient of one plane.
@inline(__always)
private func negativePartDot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) -> Double {
    let rawDy = UnsafeRawPointer(dy), rawX = UnsafeRawPointer(x)
    var dot = SIMD8<Double>()
    var i = 0
    while i + 8 <= count {
        let g = rawDy.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        let v = rawX.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        dot += SIMD8<Double>(g) * SIMD8<Double>(v.replacing(with: 0, where: v .> 0))
        i += 8
    }
    var d = dot.sum()
    while i < count {
        d += Double(dy[i]) * Double(x[i] > 0 ? 0 : x[i])
        i += 1
    }
    return d
}
