import Foundation
import Kernels
import Tensors

/// Adam over one flat parameter arena, with PyTorch's semantics (`torch.optim.Adam`, no
/// weight decay, not AMSGrad): bias-corrected moments and `eps` added after the square root
/// of the corrected second moment.
///
/// The moments live in two arenas with the parameters' layout, so a step is one loop and the
/// state is checkpointed as two flat buffers.
public final class Adam {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Steps taken so far (PyTorch's `state["step"]`); the next step uses `stepCount + 1`.
    public var stepCount: Int = 0
    /// First moment (`exp_avg`).
    public let firstMoment: Arena
    /// Second moment (`exp_avg_sq`).
    public let secondMoment: Arena

    /// An optimizer with zero state for `parameterCount` parameters.
    public init(parameterCount: Int, learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8) {
        precondition(learningRate >= 0 && (0..<1).contains(beta1) && (0..<1).contains(beta2) && epsilon >= 0,
                     "Adam: invalid hyperparameters lr \(learningRate), betas (\(beta1), \(beta2)), eps \(epsilon)")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        firstMoment = Arena(count: parameterCount)
        secondMoment = Arena(count: parameterCount)
    }

    /// One update of `parameters` from `gradients` (both `firstMoment.count` long).
    ///
    /// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
    /// p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)
    public func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        stepCount += 1
        let t = Double(stepCount)
        let biasCorrection1 = 1 - pow(Double(beta1), t)
        let biasCorrection2Root = (1 - pow(Double(beta2), t)).squareRoot()
        let stepSize = Float(Double(learningRate) / biasCorrection1)
        let inverseCorrection2Root = Float(1 / biasCorrection2Root)
        adamUpdate(parameters: parameters, gradients: gradients, firstMoment: firstMoment.base,
                   secondMoment: secondMoment.base, count: firstMoment.count, beta1: beta1, beta2: beta2,
                   epsilon: epsilon, stepSize: stepSize, inverseCorrection2Root: inverseCorrection2Root)
    }

    /// One update of a whole parameter arena from a gradient arena of the same layout.
    public func step(parameters: Arena, gradients: Arena) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count,
                     "Adam: \(parameters.count) parameters and \(gradients.count) gradients for a state of \(firstMoment.count)")
        step(parameters: parameters.base, gradients: gradients.base)
    }
}
