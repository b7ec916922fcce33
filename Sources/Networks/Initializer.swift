/// How a parameter or buffer starts (the reference's `init_weights`: conv weights N(0, 0.02),
/// biases 0, BatchNorm weight N(1, 0.02); PyTorch defaults for the rest).
public enum Initializer: Hashable, Sendable {
    case constant(Float)
    case normal(mean: Float, standardDeviation: Float)
    /// A random unit vector (spectral norm's initial u and v: normalize(N(0, 1))).
    case unitNormal
}
