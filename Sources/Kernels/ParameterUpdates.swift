// Whole-arena updates of the optimizers (Adam, the moving average of SPARNetHD's generator) and
// the zeroing of gradient arenas: memory-bound single passes over every parameter, split over
// the threads. Each element's arithmetic is the same on any number of threads.

/// Adam's update of one parameter arena (PyTorch's `torch.optim.Adam` arithmetic), given the
/// bias corrections of this step: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
/// p ← p − stepSize · m / (√v · inverseCorrection2Root + eps). Overwrites the moments and the
/// parameters.
///
/// parameters, gradients, firstMoment, secondMoment (count)
public func adamUpdate(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                       firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
                       count: Int, beta1: Float, beta2: Float, epsilon: Float, stepSize: Float,
                       inverseCorrection2Root: Float) {
    // Seven floats of traffic per element.
    forEachRange(count, work: 7 * count,
                 AdamUpdate(p: parameters, g: gradients, m: firstMoment, v: secondMoment, b1: beta1, b2: beta2,
                            eps: epsilon, stepSize: stepSize, inverseCorrection2Root: inverseCorrection2Root))
}

private struct AdamUpdate: RangeWork {
    let p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>
    let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    let b1: Float, b2: Float, eps: Float, stepSize: Float, inverseCorrection2Root: Float

    func run(_ range: Range<Int>) {
        for i in range {
            let gi = g[i]
            let mi = b1 * m[i] + (1 - b1) * gi
            let vi = b2 * v[i] + (1 - b2) * gi * gi
            m[i] = mi
            v[i] = vi
            p[i] -= stepSize * mi / (vi.squareRoot() * inverseCorrection2Root + eps)
        }
    }
}

/// average ← keep·average + (1 − keep)·current over one state arena; overwrites `average`.
///
/// average, current (count)
public func movingAverageUpdate(_ average: UnsafeMutablePointer<Float>, toward current: UnsafePointer<Float>,
                                count: Int, keep: Float) {
    forEachRange(count, work: 3 * count, MovingAverageUpdate(average: average, current: current, keep: keep))
}

private struct MovingAverageUpdate: RangeWork {
    let average: UnsafeMutablePointer<Float>, current: UnsafePointer<Float>, keep: Float

    func run(_ range: Range<Int>) {
        let take = 1 - keep
        for i in range { average[i] = keep * average[i] + take * current[i] }
    }
}

/// Sets `count` floats to zero; overwrites `target`.
///
/// target (count)
public func zeroFill(_ target: UnsafeMutablePointer<Float>, count: Int) {
    forEachRange(count, work: count, ZeroFill(target: target))
}

private struct ZeroFill: RangeWork {
    let target: UnsafeMutablePointer<Float>
    func run(_ range: Range<Int>) { (target + range.lowerBound).update(repeating: 0, count: range.count) }
}
