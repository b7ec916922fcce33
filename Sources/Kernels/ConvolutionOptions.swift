/// Which convolution algorithms a conv may take; each conv takes the fastest one allowed that
/// suits its shape (`Conv2dGeometry`). Passed down from whoever builds the network (the
/// trainers, `bench`, `verify-reference`), so one process can run the same network on two
/// paths side by side, and a precision question is answered per algorithm without rebuilding.
public struct ConvolutionOptions: Hashable, Sendable {
    /// Stride-1 convs build the shifted-rows matrix (a third of im2col's) instead of im2col.
    public var shiftedRows: Bool
    /// 3×3 stride-1 convs run on Winograd F(2×2, 3×3) (`Winograd.swift`).
    public var winograd: Bool
    /// Winograd convs may take F(4×4, 3×3) where it saves enough product work.
    public var largeWinogradTiles: Bool
    /// 3×3 stride-2 convs run on the stride-2 Winograd path (`StridedWinograd.swift`).
    public var stridedWinograd: Bool
    /// 3×3 stride-1 convs with one output channel run on direct kernels (`OneChannelConv.swift`).
    public var oneChannelDirect: Bool

    public init(shiftedRows: Bool = true, winograd: Bool = true, largeWinogradTiles: Bool = true,
                stridedWinograd: Bool = true, oneChannelDirect: Bool = true) {
        self.shiftedRows = shiftedRows
        self.winograd = winograd
        self.largeWinogradTiles = largeWinogradTiles
        self.stridedWinograd = stridedWinograd
        self.oneChannelDirect = oneChannelDirect
    }

    /// Every algorithm allowed: what `train`, `enhance` and `eval` run.
    public static let `default` = ConvolutionOptions()
    /// im2col and one sgemm for every conv, the way PyTorch's CPU convolution computes: the
    /// plainest rounding, the yardstick of the faster paths' precision.
    public static let im2col = ConvolutionOptions(shiftedRows: false, winograd: false, largeWinogradTiles: false,
                                                  stridedWinograd: false, oneChannelDirect: false)
}
