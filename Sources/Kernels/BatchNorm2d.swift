// Batch normalization with PyTorch's `nn.BatchNorm2d` semantics (affine, running statistics):
// statistics per channel over (N, H, W); training normalizes with the biased batch variance and
// moves `running_var` towards the unbiased one; evaluation uses the running statistics.
//
// Synchronized BatchNorm plugs in between two phases, each a plain per-channel sum that an
// allreduce can add across ranks:
//   forward:  batchNorm2dForwardSums → allreduce(sums, count) → batchNorm2dForwardFromSums
//   backward: batchNorm2dBackwardSums → allreduce(sums) → batchNorm2dBackwardFromSums
// The one-call `batchNorm2dTrainingForward` / `batchNorm2dTrainingBackward` are exactly the two
// phases with no allreduce (same arithmetic, same results).
//
// Every kernel takes an optional `FusedActivation`: the forward then writes act(norm(x)) and
// the backward takes that output and its gradient (the norm's own output and gradient never
// exist). Channels are independent and run on the worker threads.
//
// Precision: Σx and Σx² are accumulated in Double, so the variance's relative error is about
// 1e-16·(mean/std)², negligible up to mean/std ≈ 1e4. The mean is then kept and applied in
// Float (as PyTorch's `save_mean`), so y carries an absolute error up to |γ|·ulp(mean)/(2·std).

/// Per-channel sums that batch statistics are computed from: overwrites `sums`.
///
/// input (N, C, H, W), `plane` = H·W.
/// sums: 2·C Doubles, Σx for each channel then Σx² for each channel. Doubles, so that
/// `Σx²/count − mean²` stays accurate when the mean is large against the spread, and so the
/// sums of several ranks can be added (allreduce) without losing that precision.
public func batchNorm2dForwardSums(batch: Int, channels: Int, plane: Int,
                                   input: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>) {
    precondition(batch > 0 && channels > 0 && plane > 0,
                 "BatchNorm2d: sizes must be positive (batch \(batch), channels \(channels), plane \(plane))")
    struct Work: RangeWork {
        let batch: Int, channels: Int, plane: Int
        let input: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>
        func run(_ range: Range<Int>) {
            for c in range {
                let (sum, sumOfSquares) = channelSums(input, channel: c, batch: batch, channels: channels, plane: plane)
                sums[c] = sum
                sums[channels + c] = sumOfSquares
            }
        }
    }
    forEachRange(channels, work: batch * channels * plane,
                 Work(batch: batch, channels: channels, plane: plane, input: input, sums: sums))
}

/// Training forward from per-channel sums (possibly added over ranks): overwrites `output`,
/// `savedMean`, `savedInverseStd`; updates `runningMean` and `runningVariance` in place.
///
/// input (N, C, H, W)  weight (C)  bias (C)  output (N, C, H, W), `plane` = H·W.
/// sums: 2·C Doubles from `batchNorm2dForwardSums` (Σx then Σx²), summed over every rank.
/// count: elements per channel the sums cover (N·H·W summed over ranks); must exceed 1, as
/// PyTorch requires more than one value per channel in training.
/// savedMean, savedInverseStd: C floats each, the batch mean and 1/√(biased var + eps) that
/// the backward needs.
/// runningVariance moves towards the unbiased variance, biased·count/(count − 1).
/// `output` may be `input` (each element is read before it is written), but the backward
/// needs the input, so only when no backward follows. With `activation`, `output` holds
/// act(normalized).
public func batchNorm2dForwardFromSums(batch: Int, channels: Int, plane: Int,
                                       sums: UnsafePointer<Double>, count: Int,
                                       input: UnsafePointer<Float>,
                                       weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                       runningMean: UnsafeMutablePointer<Float>,
                                       runningVariance: UnsafeMutablePointer<Float>,
                                       output: UnsafeMutablePointer<Float>,
                                       savedMean: UnsafeMutablePointer<Float>,
                                       savedInverseStd: UnsafeMutablePointer<Float>,
                                       momentum: Float = 0.1, epsilon: Float = 1e-5,
                                       activation: FusedActivation = .identity) {
    checkTraining(batch: batch, channels: channels, plane: plane, count: count)
    checkHyperparameters(momentum: momentum, epsilon: epsilon)
    let work = NormalizeChannels(batch: batch, channels: channels, plane: plane, count: count, sums: sums,
                                 input: input, weight: weight, bias: bias, runningMean: runningMean,
                                 runningVariance: runningVariance, output: output, savedMean: savedMean,
                                 savedInverseStd: savedInverseStd, momentum: momentum, epsilon: epsilon,
                                 negativeScale: activation.negativeScale)
    forEachRange(channels, work: batch * channels * plane, work)
}

/// Training forward (batch statistics of this call's input alone): overwrites `output`,
/// `savedMean`, `savedInverseStd`; updates `runningMean` and `runningVariance` in place.
///
/// input (N, C, H, W)  weight (C)  bias (C)  output (N, C, H, W), `plane` = H·W; N·H·W > 1.
/// savedMean, savedInverseStd: C floats each, kept for `batchNorm2dTrainingBackward`.
/// running ← (1 − momentum)·running + momentum·batch statistic (unbiased variance).
/// `output` may be `input` only when no backward follows (the backward needs the input).
/// With `activation`, `output` holds act(normalized).
public func batchNorm2dTrainingForward(batch: Int, channels: Int, plane: Int,
                                       input: UnsafePointer<Float>,
                                       weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                       runningMean: UnsafeMutablePointer<Float>,
                                       runningVariance: UnsafeMutablePointer<Float>,
                                       output: UnsafeMutablePointer<Float>,
                                       savedMean: UnsafeMutablePointer<Float>,
                                       savedInverseStd: UnsafeMutablePointer<Float>,
                                       momentum: Float = 0.1, epsilon: Float = 1e-5,
                                       activation: FusedActivation = .identity) {
    let count = batch * plane
    checkTraining(batch: batch, channels: channels, plane: plane, count: count)
    checkHyperparameters(momentum: momentum, epsilon: epsilon)
    let work = NormalizeChannels(batch: batch, channels: channels, plane: plane, count: count, sums: nil,
                                 input: input, weight: weight, bias: bias, runningMean: runningMean,
                                 runningVariance: runningVariance, output: output, savedMean: savedMean,
                                 savedInverseStd: savedInverseStd, momentum: momentum, epsilon: epsilon,
                                 negativeScale: activation.negativeScale)
    forEachRange(channels, work: batch * channels * plane, work)
}

/// First phase of the training backward: overwrites `sums` with this rank's per-channel
/// Σdy and Σdy·xHat, and accumulates (`+=`) them into `biasGradient` and `weightGradient`
/// when those are not nil (parameter gradients are local; their allreduce is the usual one).
///
/// input (N, C, H, W)  outputGradient (N, C, H, W)  weightGradient (C)  biasGradient (C),
/// `plane` = H·W; savedMean, savedInverseStd (C) from the training forward.
/// sums: 2·C Doubles, Σdy for each channel then Σdy·xHat for each channel.
/// With `activation`, `outputGradient` is the gradient of the activated `output` of the
/// forward (required then), and dy above is the norm's own output gradient derived from them.
public func batchNorm2dBackwardSums(batch: Int, channels: Int, plane: Int,
                                    input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                    savedMean: UnsafePointer<Float>, savedInverseStd: UnsafePointer<Float>,
                                    weightGradient: UnsafeMutablePointer<Float>?,
                                    biasGradient: UnsafeMutablePointer<Float>?,
                                    sums: UnsafeMutablePointer<Double>,
                                    activation: FusedActivation = .identity, output: UnsafePointer<Float>? = nil) {
    precondition(batch > 0 && channels > 0 && plane > 0,
                 "BatchNorm2d: sizes must be positive (batch \(batch), channels \(channels), plane \(plane))")
    let gradient = NormGradient(activation, output: output, outputGradient: outputGradient, name: "BatchNorm2d")
    struct Work: RangeWork {
        let batch: Int, channels: Int, plane: Int
        let input: UnsafePointer<Float>, gradient: NormGradient
        let savedMean: UnsafePointer<Float>, savedInverseStd: UnsafePointer<Float>
        let weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?
        let sums: UnsafeMutablePointer<Double>
        func run(_ range: Range<Int>) {
            for c in range {
                let (sumDy, sumDyXHat) = channelGradientSums(c, batch: batch, channels: channels, plane: plane,
                                                              input: input, gradient: gradient,
                                                              mean: savedMean[c], invStd: savedInverseStd[c])
                sums[c] = sumDy
                sums[channels + c] = sumDyXHat
                if let biasGradient { biasGradient[c] += Float(sumDy) }
                if let weightGradient { weightGradient[c] += Float(sumDyXHat) }
            }
        }
    }
    forEachRange(channels, work: batch * channels * plane,
                 Work(batch: batch, channels: channels, plane: plane, input: input, gradient: gradient,
                      savedMean: savedMean, savedInverseStd: savedInverseStd, weightGradient: weightGradient,
                      biasGradient: biasGradient, sums: sums))
}

/// Second phase of the training backward: accumulates (`+=`) the input gradient from
/// per-channel sums (possibly added over ranks):
/// dx += γ·invStd/M·(M·dy − Σdy − xHat·Σdy·xHat), M = `count`.
///
/// input (N, C, H, W)  weight (C)  outputGradient (N, C, H, W)  inputGradient (N, C, H, W),
/// `plane` = H·W; savedMean, savedInverseStd (C) from the forward.
/// sums: 2·C Doubles from `batchNorm2dBackwardSums` (Σdy then Σdy·xHat), summed over every
/// rank; count: the same global count the forward used. `activation` and `output` as in
/// `batchNorm2dBackwardSums`.
public func batchNorm2dBackwardFromSums(batch: Int, channels: Int, plane: Int,
                                        sums: UnsafePointer<Double>, count: Int,
                                        input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                        outputGradient: UnsafePointer<Float>,
                                        savedMean: UnsafePointer<Float>, savedInverseStd: UnsafePointer<Float>,
                                        inputGradient: UnsafeMutablePointer<Float>,
                                        activation: FusedActivation = .identity, output: UnsafePointer<Float>? = nil) {
    checkTraining(batch: batch, channels: channels, plane: plane, count: count)
    let gradient = NormGradient(activation, output: output, outputGradient: outputGradient, name: "BatchNorm2d")
    let work = TrainingBackwardChannels(batch: batch, channels: channels, plane: plane, count: count, sums: sums,
                                        input: input, weight: weight, gradient: gradient, savedMean: savedMean,
                                        savedInverseStd: savedInverseStd, inputGradient: inputGradient,
                                        weightGradient: nil, biasGradient: nil)
    forEachRange(channels, work: batch * channels * plane, work)
}

/// Training backward with this call's batch statistics; accumulates (`+=`) into every
/// gradient that is not nil:
/// dx += γ·invStd/M·(M·dy − Σdy − xHat·Σdy·xHat);  dγ += Σdy·xHat;  dβ += Σdy (M = N·H·W).
///
/// input (N, C, H, W)  weight (C)  outputGradient (N, C, H, W)
/// inputGradient (N, C, H, W)  weightGradient (C)  biasGradient (C), `plane` = H·W;
/// savedMean, savedInverseStd (C) from `batchNorm2dTrainingForward`. With `activation`,
/// `outputGradient` is the gradient of the activated `output` of the forward (required then),
/// and dy above is the norm's own output gradient derived from them.
public func batchNorm2dTrainingBackward(batch: Int, channels: Int, plane: Int,
                                        input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                        outputGradient: UnsafePointer<Float>,
                                        savedMean: UnsafePointer<Float>, savedInverseStd: UnsafePointer<Float>,
                                        inputGradient: UnsafeMutablePointer<Float>?,
                                        weightGradient: UnsafeMutablePointer<Float>?,
                                        biasGradient: UnsafeMutablePointer<Float>?,
                                        activation: FusedActivation = .identity, output: UnsafePointer<Float>? = nil) {
    let count = batch * plane
    checkTraining(batch: batch, channels: channels, plane: plane, count: count)
    let gradient = NormGradient(activation, output: output, outputGradient: outputGradient, name: "BatchNorm2d")
    let work = TrainingBackwardChannels(batch: batch, channels: channels, plane: plane, count: count, sums: nil,
                                        input: input, weight: weight, gradient: gradient, savedMean: savedMean,
                                        savedInverseStd: savedInverseStd, inputGradient: inputGradient,
                                        weightGradient: weightGradient, biasGradient: biasGradient)
    forEachRange(channels, work: batch * channels * plane, work)
}

/// Evaluation forward with the running statistics: overwrites `output`,
/// y = γ·(x − running_mean)/√(running_var + eps) + β.
///
/// input (N, C, H, W)  weight (C)  bias (C)  runningMean (C)  runningVariance (C)
/// output (N, C, H, W), `plane` = H·W. `output` may be `input` when no backward follows.
/// With `activation`, `output` holds act(normalized).
public func batchNorm2dEvalForward(batch: Int, channels: Int, plane: Int,
                                   input: UnsafePointer<Float>,
                                   weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                   runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                   output: UnsafeMutablePointer<Float>, epsilon: Float = 1e-5,
                                   activation: FusedActivation = .identity) {
    precondition(batch > 0 && channels > 0 && plane > 0 && epsilon >= 0,
                 "BatchNorm2d: sizes must be positive (batch \(batch), channels \(channels), plane \(plane)), eps \(epsilon) ≥ 0")
    struct Work: RangeWork {
        let batch: Int, channels: Int, plane: Int
        let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>
        let runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>, epsilon: Float, negativeScale: Float
        func run(_ range: Range<Int>) {
            for c in range {
                let mean = runningMean[c]
                let scale = weight[c] * Float(1 / (Double(runningVariance[c]) + Double(epsilon)).squareRoot())
                for n in 0..<batch {
                    let offset = (n * channels + c) * plane
                    normalizeAndActivate(input + offset, into: output + offset, count: plane, mean: mean,
                                         scale: scale, shift: bias[c], negativeScale: negativeScale)
                }
            }
        }
    }
    forEachRange(channels, work: batch * channels * plane,
                 Work(batch: batch, channels: channels, plane: plane, input: input, weight: weight, bias: bias,
                      runningMean: runningMean, runningVariance: runningVariance, output: output,
                      epsilon: epsilon, negativeScale: activation.negativeScale))
}

/// Evaluation backward (the affine map of the running statistics); accumulates (`+=`) into
/// every gradient that is not nil:
/// dx += dy·γ/√(rv + eps);  dγ += Σdy·(x − rm)/√(rv + eps);  dβ += Σdy.
///
/// input (N, C, H, W)  weight (C)  runningMean (C)  runningVariance (C)
/// outputGradient (N, C, H, W)  inputGradient (N, C, H, W)  weightGradient (C)  biasGradient (C),
/// `plane` = H·W. The input is needed only for `weightGradient`. `activation` and `output` as
/// in `batchNorm2dTrainingBackward`.
public func batchNorm2dEvalBackward(batch: Int, channels: Int, plane: Int,
                                    input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                    outputGradient: UnsafePointer<Float>,
                                    inputGradient: UnsafeMutablePointer<Float>?,
                                    weightGradient: UnsafeMutablePointer<Float>?,
                                    biasGradient: UnsafeMutablePointer<Float>?,
                                    epsilon: Float = 1e-5,
                                    activation: FusedActivation = .identity, output: UnsafePointer<Float>? = nil) {
    precondition(batch > 0 && channels > 0 && plane > 0 && epsilon >= 0,
                 "BatchNorm2d: sizes must be positive (batch \(batch), channels \(channels), plane \(plane)), eps \(epsilon) ≥ 0")
    let gradient = NormGradient(activation, output: output, outputGradient: outputGradient, name: "BatchNorm2d")
    struct Work: RangeWork {
        let batch: Int, channels: Int, plane: Int
        let input: UnsafePointer<Float>, weight: UnsafePointer<Float>
        let runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>, gradient: NormGradient
        let inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>?
        let biasGradient: UnsafeMutablePointer<Float>?, epsilon: Float
        func run(_ range: Range<Int>) {
            for c in range {
                let mean = runningMean[c]
                let invStd = Float(1 / (Double(runningVariance[c]) + Double(epsilon)).squareRoot())
                let scale = weight[c] * invStd
                var sumDy = 0.0, sumDyCentered = 0.0
                for n in 0..<batch {
                    let offset = (n * channels + c) * plane
                    let x = input + offset
                    if weightGradient != nil || biasGradient != nil {
                        let (s, d) = gradient.sumAndCenteredDot(at: offset, x, mean: mean, count: plane)
                        sumDy += s
                        sumDyCentered += d
                    }
                    if let inputGradient {
                        gradient.addScaled(at: offset, scale: scale, count: plane, into: inputGradient + offset)
                    }
                }
                if let biasGradient { biasGradient[c] += Float(sumDy) }
                if let weightGradient { weightGradient[c] += Float(sumDyCentered * Double(invStd)) }
            }
        }
    }
    forEachRange(channels, work: batch * channels * plane,
                 Work(batch: batch, channels: channels, plane: plane, input: input, weight: weight,
                      runningMean: runningMean, runningVariance: runningVariance, gradient: gradient,
                      inputGradient: inputGradient, weightGradient: weightGradient, biasGradient: biasGradient,
                      epsilon: epsilon))
}

// MARK: - Per-channel pieces shared by the one-call and the two-phase paths

@inline(__always)
private func checkTraining(batch: Int, channels: Int, plane: Int, count: Int) {
    precondition(batch > 0 && channels > 0 && plane > 0,
                 "BatchNorm2d: sizes must be positive (batch \(batch), channels \(channels), plane \(plane))")
    precondition(count > 1 && count >= batch * plane,
                 "BatchNorm2d: training needs more than one value per channel and at least this call's N·H·W (count \(count), batch \(batch), plane \(plane))")
}

@inline(__always)
private func checkHyperparameters(momentum: Float, epsilon: Float) {
    precondition((0...1).contains(momentum) && epsilon >= 0,
                 "BatchNorm2d: momentum \(momentum) must be in [0, 1] and eps \(epsilon) ≥ 0")
}

/// Σx and Σx² of channel `c` over (N, H, W).
@inline(__always)
private func channelSums(_ input: UnsafePointer<Float>, channel c: Int,
                         batch: Int, channels: Int, plane: Int) -> (Double, Double) {
    var sum = 0.0, sumOfSquares = 0.0
    for n in 0..<batch {
        let (s, q) = sumAndSumOfSquares(input + (n * channels + c) * plane, count: plane)
        sum += s
        sumOfSquares += q
    }
    return (sum, sumOfSquares)
}

/// The training forward over a range of channels: statistics (from `sums`, or of this call's
/// input when nil), running statistics, then the normalized (and activated) output.
private struct NormalizeChannels: RangeWork {
    let batch: Int, channels: Int, plane: Int, count: Int
    let sums: UnsafePointer<Double>?
    let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>
    let runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let savedMean: UnsafeMutablePointer<Float>, savedInverseStd: UnsafeMutablePointer<Float>
    let momentum: Float, epsilon: Float, negativeScale: Float

    func run(_ range: Range<Int>) {
        for c in range {
            let (sum, sumOfSquares) = sums.map { ($0[c], $0[channels + c]) }
                ?? channelSums(input, channel: c, batch: batch, channels: channels, plane: plane)
            let m = Double(count)
            let meanD = sum / m
            let variance = max(sumOfSquares / m - meanD * meanD, 0)
            let invStdD = 1 / (variance + Double(epsilon)).squareRoot()
            let momentumD = Double(momentum)
            runningMean[c] = Float((1 - momentumD) * Double(runningMean[c]) + momentumD * meanD)
            runningVariance[c] = Float((1 - momentumD) * Double(runningVariance[c]) + momentumD * variance * m / (m - 1))
            let mean = Float(meanD), invStd = Float(invStdD)
            savedMean[c] = mean
            savedInverseStd[c] = invStd
            for n in 0..<batch {
                let offset = (n * channels + c) * plane
                normalizeAndActivate(input + offset, into: output + offset, count: plane, mean: mean,
                                     scale: weight[c] * invStd, shift: bias[c], negativeScale: negativeScale)
            }
        }
    }
}

/// The training backward over a range of channels: the two sums of each channel (from `sums`
/// when given, added over ranks), the parameter gradients (when not nil, and only without
/// `sums`), then dx += γ·invStd·(dy − Σdy/M − xHat·(Σdy·xHat)/M), written as
/// dx += k·dy + a·(x − mean) + b so the inner loop is one fused elementwise pass.
private struct TrainingBackwardChannels: RangeWork {
    let batch: Int, channels: Int, plane: Int, count: Int
    let sums: UnsafePointer<Double>?
    let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, gradient: NormGradient
    let savedMean: UnsafePointer<Float>, savedInverseStd: UnsafePointer<Float>
    let inputGradient: UnsafeMutablePointer<Float>?
    let weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?

    func run(_ range: Range<Int>) {
        for c in range {
            let mean = savedMean[c], invStd = Double(savedInverseStd[c])
            let (sumDy, sumDyXHat) = sums.map { ($0[c], $0[channels + c]) }
                ?? channelGradientSums(c, batch: batch, channels: channels, plane: plane, input: input,
                                       gradient: gradient, mean: mean, invStd: savedInverseStd[c])
            if let biasGradient { biasGradient[c] += Float(sumDy) }
            if let weightGradient { weightGradient[c] += Float(sumDyXHat) }
            guard let inputGradient else { continue }
            let m = Double(count)
            let kD = Double(weight[c]) * invStd
            let k = Float(kD)
            let a = Float(-kD * invStd * sumDyXHat / m)
            let b = Float(-kD * sumDy / m)
            for n in 0..<batch {
                let offset = (n * channels + c) * plane
                gradient.addNormInputGradient(at: offset, input + offset, mean: mean, k: k, a: a, b: b, count: plane,
                                              into: inputGradient + offset)
            }
        }
    }
}

/// Σdy and Σdy·xHat of channel `c` over (N, H, W).
@inline(__always)
private func channelGradientSums(_ c: Int, batch: Int, channels: Int, plane: Int,
                                 input: UnsafePointer<Float>, gradient: NormGradient,
                                 mean: Float, invStd: Float) -> (Double, Double) {
    var sumDy = 0.0, sumDyCentered = 0.0
    for n in 0..<batch {
        let offset = (n * channels + c) * plane
        let (s, d) = gradient.sumAndCenteredDot(at: offset, input + offset, mean: mean, count: plane)
        sumDy += s
        sumDyCentered += d
    }
    return (sumDy, sumDyCentered * Double(invStd))
}

// MARK: - Reductions (also used by InstanceNorm2d.swift)

/// Σx and Σx² of `count` floats in Double, eight lanes at a time.
@inline(__always)
func sumAndSumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> (Double, Double) {
    let raw = UnsafeRawPointer(x)
    var sum = SIMD8<Double>(), sumOfSquares = SIMD8<Double>()
    var i = 0
    while i + 8 <= count {
        let v = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
        sum += v
        sumOfSquares += v * v
        i += 8
    }
    var s = sum.sum(), q = sumOfSquares.sum()
    while i < count {
        let v = Double(x[i])
        s += v
        q += v * v
        i += 1
    }
    return (s, q)
}

/// Σdy and Σdy·(x − mean) of `count` elements in Double, eight lanes at a time.
@inline(__always)
func sumAndCenteredDot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, mean: Float,
                       count: Int) -> (Double, Double) {
    let rawDy = UnsafeRawPointer(dy), rawX = UnsafeRawPointer(x)
    let meanV = SIMD8<Float>(repeating: mean)
    var sum = SIMD8<Double>(), dot = SIMD8<Double>()
    var i = 0
    while i + 8 <= count {
        let g = SIMD8<Double>(rawDy.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
        let centered = SIMD8<Double>(rawX.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - meanV)
        sum += g
        dot += g * centered
        i += 8
    }
    var s = sum.sum(), d = dot.sum()
    while i < count {
        let g = Double(dy[i])
        s += g
        d += g * Double(x[i] - mean)
        i += 1
    }
    return (s, d)
}
