// Losses with PyTorch's mean reduction, as used by chaofengc/Face-SPARNet (models/loss.py,
// models/sparnethd_model.py):
//   pixel / perceptual / feature matching: nn.L1Loss()          mean |input − target|
//   (lsgan mode, not used by the released models): nn.MSELoss()  mean (input − target)²
//   GANLoss('hinge'), discriminator: relu(1 − D(real)).mean(), relu(1 + D(fake)).mean()
//   GANLoss('hinge'), generator:     −D(fake).mean()
// The model's weights (λ_pix = 100, 0.5 and 1/num_D for the discriminator, …) are the callers';
// every backward takes one and accumulates `weight · dLoss/dInput`, so a weighted sum of
// losses needs no extra pass over the gradient.
//
// Forward returns the loss as a Double: the terms are formed and summed in Double, so a mean
// over millions of elements keeps every digit a Float could hold (PyTorch sums in Float).
// Gradients are formed in Float like PyTorch's: `weight / count` rounded once, then one
// product per element.

/// `weight / count` rounded once to Float: the `dLoss/dmean` factor every mean-reduced loss
/// gradient carries.
@inline(__always)
func meanGradientScale(_ weight: Float, _ count: Int) -> Float {
    Float(Double(weight) / Double(count))
}

/// L1 loss with mean reduction, `mean |input − target|` (`nn.L1Loss()`); returns the loss.
///
/// input (count)  target (count), any shape
public func l1LossForward(input: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int) -> Double {
    precondition(count > 0, "l1Loss: count must be positive (got \(count))")
    var sum = 0.0
    for i in 0..<count { sum += abs(Double(input[i]) - Double(target[i])) }
    return sum / Double(count)
}

/// Backward of `l1LossForward` scaled by `weight`; accumulates (`+=`)
/// `weight · sign(input − target) / count` into `inputGradient` and its negation into
/// `targetGradient`, each skipped when nil. sign(0) = 0, as `torch.sign`.
///
/// input (count)  target (count)  inputGradient (count) or nil  targetGradient (count) or nil
public func l1LossBackward(input: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int,
                           weight: Float,
                           inputGradient: UnsafeMutablePointer<Float>?,
                           targetGradient: UnsafeMutablePointer<Float>?) {
    precondition(count > 0, "l1Loss: count must be positive (got \(count))")
    let scale = meanGradientScale(weight, count)
    switch (inputGradient, targetGradient) {
    case let (da?, db?):
        for i in 0..<count {
            let a = input[i], b = target[i]
            let g = a > b ? scale : (a < b ? -scale : 0)
            da[i] += g
            db[i] -= g
        }
    case let (da?, nil):
        for i in 0..<count {
            let a = input[i], b = target[i]
            da[i] += a > b ? scale : (a < b ? -scale : 0)
        }
    case let (nil, db?):
        for i in 0..<count {
            let a = input[i], b = target[i]
            db[i] -= a > b ? scale : (a < b ? -scale : 0)
        }
    case (nil, nil):
        return
    }
}

/// Mean squared error with mean reduction, `mean (input − target)²` (`nn.MSELoss()`);
/// returns the loss.
///
/// input (count)  target (count), any shape
public func mseLossForward(input: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int) -> Double {
    precondition(count > 0, "mseLoss: count must be positive (got \(count))")
    var sum = 0.0
    for i in 0..<count {
        let d = Double(input[i]) - Double(target[i])
        sum += d * d
    }
    return sum / Double(count)
}

/// Backward of `mseLossForward` scaled by `weight`; accumulates (`+=`)
/// `weight · 2(input − target) / count` into `inputGradient` and its negation into
/// `targetGradient`, each skipped when nil.
///
/// input (count)  target (count)  inputGradient (count) or nil  targetGradient (count) or nil
public func mseLossBackward(input: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int,
                            weight: Float,
                            inputGradient: UnsafeMutablePointer<Float>?,
                            targetGradient: UnsafeMutablePointer<Float>?) {
    precondition(count > 0, "mseLoss: count must be positive (got \(count))")
    let scale = meanGradientScale(2 * weight, count)
    switch (inputGradient, targetGradient) {
    case let (da?, db?):
        for i in 0..<count {
            let g = scale * (input[i] - target[i])
            da[i] += g
            db[i] -= g
        }
    case let (da?, nil):
        for i in 0..<count { da[i] += scale * (input[i] - target[i]) }
    case let (nil, db?):
        for i in 0..<count { db[i] -= scale * (input[i] - target[i]) }
    case (nil, nil):
        return
    }
}

/// Which images a discriminator's hinge loss scores: real ones are pushed above +1,
/// generated ones below −1.
public enum HingeTarget: Hashable, Sendable {
    /// `relu(1 − score)`: the discriminator on real (high-resolution) images.
    case real
    /// `relu(1 + score)`: the discriminator on generated images.
    case fake
}

/// Discriminator hinge loss with mean reduction: `mean relu(1 − score)` for `.real`,
/// `mean relu(1 + score)` for `.fake` (`GANLoss('hinge')` with `for_discriminator=True`);
/// returns the loss.
///
/// scores (count), e.g. one discriminator's patch scores (N, 1, h, w)
public func discriminatorHingeLossForward(scores: UnsafePointer<Float>, count: Int, target: HingeTarget) -> Double {
    precondition(count > 0, "discriminatorHingeLoss: count must be positive (got \(count))")
    let sign: Double = target == .real ? -1 : 1
    var sum = 0.0
    for i in 0..<count { sum += max(0, 1 + sign * Double(scores[i])) }
    return sum / Double(count)
}

/// Backward of `discriminatorHingeLossForward` scaled by `weight`; accumulates (`+=`) into
/// `scoresGradient` `−weight / count` where `score < 1` (`.real`) or `+weight / count` where
/// `score > −1` (`.fake`), and nothing elsewhere: at the kink (score exactly ±1) the subgradient
/// is 0, as ReLU's backward gives 0 at 0.
///
/// scores (count)  scoresGradient (count)
public func discriminatorHingeLossBackward(scores: UnsafePointer<Float>, count: Int, target: HingeTarget,
                                           weight: Float, scoresGradient: UnsafeMutablePointer<Float>) {
    precondition(count > 0, "discriminatorHingeLoss: count must be positive (got \(count))")
    let scale = meanGradientScale(weight, count)
    switch target {
    case .real:
        for i in 0..<count { scoresGradient[i] -= scores[i] < 1 ? scale : 0 }
    case .fake:
        for i in 0..<count { scoresGradient[i] += scores[i] > -1 ? scale : 0 }
    }
}

/// Generator hinge loss with mean reduction, `−mean score` (`GANLoss('hinge')` with
/// `for_discriminator=False`); returns the loss.
///
/// scores (count): a discriminator's scores of generated images
public func generatorHingeLossForward(scores: UnsafePointer<Float>, count: Int) -> Double {
    precondition(count > 0, "generatorHingeLoss: count must be positive (got \(count))")
    var sum = 0.0
    for i in 0..<count { sum += Double(scores[i]) }
    return -sum / Double(count)
}

/// Backward of `generatorHingeLossForward` scaled by `weight`; accumulates (`+=`)
/// `−weight / count` into every element of `scoresGradient` (the scores themselves are not needed).
///
/// scoresGradient (count)
public func generatorHingeLossBackward(count: Int, weight: Float, scoresGradient: UnsafeMutablePointer<Float>) {
    precondition(count > 0, "generatorHingeLoss: count must be positive (got \(count))")
    let scale = meanGradientScale(weight, count)
    for i in 0..<count { scoresGradient[i] -= scale }
}
