import HDF5
import Imaging

extension ParityTolerance {
    /// Absolute tolerance on PSNR (dB) and SSIM against the metrics fixture (fixtures/README.md).
    public static let metric = 1e-4
}

/// Recomputes the metrics fixture (`metrics.h5`): PSNR and SSIM on Y for every group
/// `/<i>` (`reference`, `test` uint8 (H, W, 3); `psnr_y`, `ssim_y` float64 scalars), one line
/// per metric over all groups, held to an absolute 1e-4.
func verifyMetrics(_ fixture: ReferenceFixture) throws -> ParityReport {
    var report = ParityReport(file: fixture.path, kind: fixture.kind)
    let groups = try fixture.imageGroups()
    var psnr: [(key: String, actual: Double, expected: Double)] = []
    var ssim: [(key: String, actual: Double, expected: Double)] = []
    for group in groups {
        let members = Set(try fixture.file.group(group).memberNames())
        if let unknown = members.subtracting(["reference", "test", "psnr_y", "ssim_y"]).sorted().first {
            throw HDF5Error(file: fixture.path, object: "/\(group)/\(unknown)", "is not a metric this verification knows")
        }
        let reference = try fixture.rgbImage("\(group)/reference")
        let test = try fixture.rgbImage("\(group)/test")
        guard reference.width == test.width && reference.height == test.height else {
            throw HDF5Error(file: fixture.path, object: "/\(group)/test", "differs in size from /\(group)/reference")
        }
        psnr.append(("/\(group)/psnr_y", ImageMetrics.psnrY(test, reference: reference),
                     try fixture.file.dataset("\(group)/psnr_y").readScalar(Double.self)))
        ssim.append(("/\(group)/ssim_y", ImageMetrics.ssimY(test, reference: reference),
                     try fixture.file.dataset("\(group)/ssim_y").readScalar(Double.self)))
    }
    report.compareAbsolute("psnr_y (\(groups.count) images)", psnr, tolerance: ParityTolerance.metric)
    report.compareAbsolute("ssim_y (\(groups.count) images)", ssim, tolerance: ParityTolerance.metric)
    return report
}

extension ParityReport {
    /// Compares scalars under `|a − e| ≤ tolerance` and records one line naming the worst.
    mutating func compareAbsolute(_ name: String, _ values: [(key: String, actual: Double, expected: Double)],
                                  tolerance: Double) {
        var largest = 0.0, relative = 0.0, worst = "-"
        for (key, actual, expected) in values {
            let error = actual.isNaN ? .infinity : abs(actual - expected)
            if error >= largest {
                largest = error
                relative = error / max(abs(expected), 1e-30)
                worst = "\(key): ours \(actual), reference \(expected)"
            }
        }
        lines.append(ParityLine(name: name, maxAbsoluteError: largest, maxRelativeError: relative,
                                tolerance: "≤ \(tolerance) absolute", passed: !values.isEmpty && largest <= tolerance,
                                worst: worst))
    }
}
