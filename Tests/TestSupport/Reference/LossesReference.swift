import Kernels

// Mean-reduced losses as PyTorch defines them; each backward returns `weight · dLoss/dInput`.

extension Reference {
    /// mean |input − target|  (`nn.L1Loss()`)
    public static func l1Loss(input: [Double], target: [Double]) -> Double {
        precondition(input.count == target.count, "Reference.l1Loss: \(input.count) vs \(target.count) elements")
        var sum = 0.0
        for i in input.indices { sum += abs(input[i] - target[i]) }
        return sum / Double(input.count)
    }

    /// `weight ·` gradients of `l1Loss`: (input, target); sign(0) = 0 as `torch.sign`.
    public static func l1LossBackward(input: [Double], target: [Double], weight: Double) -> (input: [Double], target: [Double]) {
        let dInput = input.indices.map { i -> Double in
            let d = input[i] - target[i]
            let sign: Double = d > 0 ? 1 : (d < 0 ? -1 : 0)
            return weight * sign / Double(input.count)
        }
        return (dInput, dInput.map { -$0 })
    }

    /// mean (input − target)²  (`nn.MSELoss()`)
    public static func mseLoss(input: [Double], target: [Double]) -> Double {
        precondition(input.count == target.count, "Reference.mseLoss: \(input.count) vs \(target.count) elements")
        var sum = 0.0
        for i in input.indices { sum += (input[i] - target[i]) * (input[i] - target[i]) }
        return sum / Double(input.count)
    }

    /// `weight ·` gradients of `mseLoss`: (input, target).
    public static func mseLossBackward(input: [Double], target: [Double], weight: Double) -> (input: [Double], target: [Double]) {
        let dInput = input.indices.map { weight * 2 * (input[$0] - target[$0]) / Double(input.count) }
        return (dInput, dInput.map { -$0 })
    }

    /// mean relu(1 − score) for real images, mean relu(1 + score) for generated ones
    /// (`GANLoss('hinge')`, `for_discriminator=True`).
    public static func discriminatorHingeLoss(scores: [Double], target: HingeTarget) -> Double {
        var sum = 0.0
        for s in scores {
            sum += target == .real ? max(0, 1 - s) : max(0, 1 + s)
        }
        return sum / Double(scores.count)
    }

    /// `weight ·` gradient of `discriminatorHingeLoss`; 0 at the kink (ReLU's backward at 0).
    public static func discriminatorHingeLossBackward(scores: [Double], target: HingeTarget, weight: Double) -> [Double] {
        scores.map { s in
            let slope: Double
            switch target {
            case .real: slope = 1 - s > 0 ? -1 : 0
            case .fake: slope = 1 + s > 0 ? 1 : 0
            }
            return weight * slope / Double(scores.count)
        }
    }

    /// −mean score  (`GANLoss('hinge')`, `for_discriminator=False`)
    public static func generatorHingeLoss(scores: [Double]) -> Double {
        -scores.reduce(0, +) / Double(scores.count)
    }

    /// `weight ·` gradient of `generatorHingeLoss`.
    public static func generatorHingeLossBackward(scores: [Double], weight: Double) -> [Double] {
        scores.map { _ in -weight / Double(scores.count) }
    }
}
