/// The normalization a `ConvLayer` or pre-activation applies (the reference's `norm_type`).
public enum NormKind: String, Hashable, Sendable, CaseIterable, Codable {
    /// `nn.BatchNorm2d` (reference `bn`).
    case batch
    /// `nn.InstanceNorm2d(affine=True)` (reference `in`).
    case instance
    case none
}

/// The activation a `ConvLayer` or pre-activation applies (the reference's `relu_type`).
public enum ActivationKind: String, Hashable, Sendable, CaseIterable, Codable {
    case relu
    /// LeakyReLU with slope 0.2, what the released models use.
    case leakyrelu
    /// One slope per channel, initialised to 0.25, what the paper describes.
    case prelu
    case none
}

/// Resolution change of a `ConvLayer`: nearest ×2 upsample before the conv, or stride 2.
public enum Scale: Hashable, Sendable {
    case none
    case up
    case down
}
