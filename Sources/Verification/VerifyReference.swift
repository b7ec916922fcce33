import HDF5
import Kernels
import Training

/// Recomputes everything a golden file holds with our engine and compares, per group.
/// Throws `HDF5Error` when the file cannot be read or does not hold what its kind requires.
/// `convolution` chooses the algorithms every network's convs may take (a precision question
/// answered per algorithm); `deviations` departs from the reference on purpose in trajectory
/// files (tests of the check).
public func verifyReference(path: String, convolution: ConvolutionOptions = .default,
                            deviations: SPARNetHDTrainer.Deviations = []) throws -> ParityReport {
    let fixture = try ReferenceFixture(path: path)
    switch fixture.kind {
    case "sparnet":
        return try verifySPARNet(fixture, convolution: convolution)
    case "msd":
        return try verifyDiscriminator(fixture, convolution: convolution)
    case "vgg":
        return try verifyPerceptualLoss(fixture, convolution: convolution)
    case "resize":
        return try verifyResize(fixture)
    case "metrics":
        return try verifyMetrics(fixture)
    case "sparnet-trajectory", "sparnethd-trajectory":
        return try verifyTrajectory(fixture, convolution: convolution, deviations: deviations)
    default:
        var report = ParityReport(file: path, kind: fixture.kind)
        report.unsupported = "kind \"\(fixture.kind)\" is not supported yet"
        return report
    }
}
