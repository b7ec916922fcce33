import HDF5
import Imaging

/// Recomputes the Pillow resampling fixture (`resize.h5`): for every group `/<i>`, each
/// resized image from its source in the file (so each line tests one resize), compared byte
/// for byte — one line per dataset name, counting differing values and the largest difference.
func verifyResize(_ fixture: ReferenceFixture) throws -> ParityReport {
    var report = ParityReport(file: fixture.path, kind: fixture.kind)
    // dataset: (source dataset, output side); every resize is BICUBIC to a square.
    let resizes: [(name: String, source: String, side: Int)] = [
        ("down16", "hr", 16), ("up16to128", "down16", 128),
        ("down37", "hr", 37), ("up37to128", "down37", 128),
        ("down32", "hr", 32),
    ]
    let groups = try fixture.imageGroups()
    var pairs: [String: [(key: String, actual: RGBImage, expected: RGBImage)]] = [:]
    for group in groups {
        let members = Set(try fixture.file.group(group).memberNames())
        let known = Set(resizes.map(\.name) + ["hr"])
        if let unknown = members.subtracting(known).sorted().first {
            throw HDF5Error(file: fixture.path, object: "/\(group)/\(unknown)", "is not a resize this verification knows")
        }
        for resize in resizes {
            let source = try fixture.rgbImage("\(group)/\(resize.source)")
            let expected = try fixture.rgbImage("\(group)/\(resize.name)")
            let actual = source.resized(width: resize.side, height: resize.side, filter: .bicubic)
            pairs[resize.name, default: []].append(("/\(group)/\(resize.name)", actual, expected))
        }
    }
    for resize in resizes {
        report.compareExactly("\(resize.name) (\(groups.count) images)", pairs[resize.name] ?? [])
    }
    return report
}

extension ParityReport {
    /// Compares images byte for byte and records one line: the number of differing values,
    /// the largest difference, and where it is (`[y, x, channel]`).
    mutating func compareExactly(_ name: String, _ images: [(key: String, actual: RGBImage, expected: RGBImage)]) {
        var differing = 0, total = 0, largest = 0
        var worst = "no differences"
        for (key, actual, expected) in images {
            guard actual.width == expected.width && actual.height == expected.height else {
                lines.append(ParityLine(name: name, maxAbsoluteError: .infinity, maxRelativeError: .infinity,
                                        tolerance: "sizes differ", passed: false,
                                        worst: "\(key): ours \(actual.width)×\(actual.height), "
                                            + "reference \(expected.width)×\(expected.height)"))
                return
            }
            total += actual.pixels.count
            for i in actual.pixels.indices where actual.pixels[i] != expected.pixels[i] {
                differing += 1
                let difference = abs(Int(actual.pixels[i]) - Int(expected.pixels[i]))
                if difference > largest {
                    largest = difference
                    let pixel = i / 3
                    worst = "\(key)[\(pixel / actual.width), \(pixel % actual.width), \(i % 3)]: "
                        + "ours \(actual.pixels[i]), reference \(expected.pixels[i])"
                }
            }
        }
        lines.append(ParityLine(name: name, maxAbsoluteError: Double(largest), maxRelativeError: Double(largest) / 255,
                                tolerance: "exact (\(differing) of \(total) values differ)",
                                passed: differing == 0 && !images.isEmpty, worst: worst))
    }
}

extension ReferenceFixture {
    /// The root's groups `/0`, `/1`, … in numeric order.
    func imageGroups() throws -> [String] {
        try file.memberNames().sorted { (Int($0) ?? .max, $0) < (Int($1) ?? .max, $1) }
    }

    /// A uint8 (H, W, 3) dataset as an image.
    func rgbImage(_ path: String) throws -> RGBImage {
        let dataset = try file.dataset(path).expect(type: .uint8, shape: [nil, nil, 3])
        let array = try dataset.read(UInt8.self)
        guard array.shape[0] > 0 && array.shape[1] > 0 else {
            throw HDF5Error(file: self.path, object: "/\(path)", "is an empty image")
        }
        return RGBImage(width: array.shape[1], height: array.shape[0], pixels: array.values)
    }
}
