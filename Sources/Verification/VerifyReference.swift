import HDF5
import Training

/// Recomputes everything a golden file holds with our engine and compares, per group.
/// Throws `HDF5Error` when the file cannot be read or does not hold what its kind requires.
/// `deviations` departs from the reference on purpose in trajectory files (tests of the check).
public func verifyReference(path: String, deviations: SPARNetHDTrainer.Deviations = []) throws -> ParityReport {
    let fixture = try ReferenceFixture(path: path)
    switch fixture.kind {
    case "sparnet":
        return try verifySPARNet(fixture)
    case "msd":
        return try verifyDiscriminator(fixture)
    case "vgg":
        return try verifyPerceptualLoss(fixture)
    case "resize":
        return try verifyResize(fixture)
    case "metrics":
        return try verifyMetrics(fixture)
    case "sparnet-trajectory", "sparnethd-trajectory":
        return try verifyTrajectory(fixture, deviations: deviations)
    default:
        var report = ParityReport(file: path, kind: fixture.kind)
        report.unsupported = "kind \"\(fixture.kind)\" is not supported yet"
        return report
    }
}
